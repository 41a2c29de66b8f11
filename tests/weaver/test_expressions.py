"""The safe evaluator of weaver data-config expressions: weaver's own expressions give what
numpy/awkward give (the reference: the same computation written out in Python), and anything
outside the allowed set is refused by name, before any data is read."""

from __future__ import annotations

import awkward as ak
import numpy as np
import pytest

from jetxai.errors import InputError
from jetxai.weaver.expressions import Expression

TABLE = {
    "part_px": ak.Array([[1.0, -2.0], [3.0]]),
    "part_py": ak.Array([[2.0, 0.5], [-1.0]]),
    "part_energy": ak.Array([[4.0, 3.0], [5.0]]),
    "jet_pt": np.array([10.0, 20.0]),
    "jet_nparticles": np.array([2, 1]),
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("np.hypot(part_px, part_py)", np.hypot(TABLE["part_px"], TABLE["part_py"])),
        ("np.log(np.hypot(part_px, part_py)/jet_pt)",
         np.log(np.hypot(TABLE["part_px"], TABLE["part_py"]) / TABLE["jet_pt"])),
        ("ak.ones_like(part_energy)", ak.ones_like(TABLE["part_energy"])),
        ("(jet_pt > 5) & ~(jet_nparticles == 1)",
         (TABLE["jet_pt"] > 5) & ~(TABLE["jet_nparticles"] == 1)),
        ("1 < jet_nparticles <= 2", (TABLE["jet_nparticles"] > 1) & (TABLE["jet_nparticles"] <= 2)),
        ("ak.num(part_px, axis=1) * 2 - 1", ak.num(TABLE["part_px"], axis=1) * 2 - 1),
        ("part_energy[:, :1] ** 2 % 3", TABLE["part_energy"][:, :1] ** 2 % 3),
        ("np.clip(jet_pt / math.pi, -1, 5.)", np.clip(TABLE["jet_pt"] / np.pi, -1, 5.0)),
    ],
)  # fmt: skip
def test_weavers_expressions_give_what_numpy_and_awkward_give(text: str, expected: object) -> None:
    got = Expression(text, "new_variables.x")(TABLE)
    assert ak.to_list(got) == ak.to_list(expected)


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("__import__('os').system('touch pwned')", "function \"__import__('os').system\""),
        ("np.save('x', part_px)", "'np.save'"),
        ("part_px.__class__", "'part_px.__class__'"),
        ("np.linalg.inv(part_px)", "'np.linalg.inv'"),
        ("(lambda: 1)()", "function 'lambda: 1'"),
        ("[x for x in part_px]", "ListComp"),
        ("open('/etc/passwd')", "'open'"),
        ("np", "'np' on its own"),
        ("_label_ + 1", "'_label_'"),
        ("np.log(*part_px)", "* arguments"),
        ("part_px if jet_pt else part_py", "IfExp"),
        ("part_px @ part_py", "BinOp"),
    ],
)
def test_anything_else_is_refused_by_name(text: str, named: str) -> None:
    with pytest.raises(InputError) as caught:
        Expression(text, "new_variables.evil")
    message = str(caught.value)
    assert message.startswith("new_variables.evil: ")
    assert named in message
    assert "\n" not in message


def test_names_are_the_data_an_expression_reads() -> None:
    expression = Expression("np.log(np.hypot(part_px, part_py) / jet_pt) + math.pi", "x")
    assert expression.names == {"part_px", "part_py", "jet_pt"}


def test_bad_syntax_and_a_missing_branch_are_one_line_errors() -> None:
    with pytest.raises(InputError, match=r"^x: 'np.log\(' is not an expression"):
        Expression("np.log(", "x")
    with pytest.raises(InputError, match="reads 'part_pz', not in the data"):
        Expression("part_pz * 2", "x")(TABLE)
