"""The one set of explanation options: defaults, checks against the registries, the CLI."""

from __future__ import annotations

import pytest

from jetxai.cli.main import build_parser
from jetxai.errors import InputError
from jetxai.explain import BASELINES, COMPOSITES
from jetxai.studies.options import ExplainOptions


def test_the_command_line_and_the_python_api_share_the_defaults() -> None:
    parser, commands = build_parser("explain")
    args = parser.parse_args(["explain", "--model", "m", "--data", "d", "--out", "o"])
    default = ExplainOptions()
    for name in ("method", "composite", "baseline", "weights", "k", "n_steps", "batch_size"):
        assert getattr(args, name) == getattr(default, name), name
    choices = {a.dest: a.choices for a in commands["explain"]._actions if a.choices}
    assert choices["baseline"] == BASELINES.names()  # uniform included
    assert "uniform" in choices["baseline"]
    assert choices["composite"] == COMPOSITES.names()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"method": "shap"}, "unknown method 'shap'"),
        ({"composite": "alpha9"}, "unknown composite 'alpha9'; choose from"),
        ({"baseline": "blank"}, "unknown baseline 'blank'; choose from averaged"),
        ({"weights": "lumi"}, "unknown background weights 'lumi'; choose from uniform, xsec"),
        ({"k": 0}, "k must be a positive integer"),
        ({"n_steps": True}, "n_steps must be a positive integer"),
        ({"max_jets": 0}, "max_jets must be positive"),
        ({"colour": "red"}, "unknown explanation option"),
    ],
)
def test_bad_options_are_refused_by_name(change: dict[str, object], message: str) -> None:
    with pytest.raises(InputError, match=message):
        ExplainOptions().with_changes(**change)


def test_method_options_carry_only_what_the_method_takes() -> None:
    assert ExplainOptions(epsilon=1e-3).method_options() == {
        "composite": "epsilon",
        "softmax": "attnlrp",
        "epsilon": 1e-3,
    }
    with pytest.raises(InputError, match="unknown softmax rule"):
        ExplainOptions(softmax="zero")
    ig = ExplainOptions(method="ig", n_steps=8)
    assert ig.method_options() == {"n_steps": 8}
    assert ig.recorded() == {"baseline": "averaged", "weights": "uniform", "k": 16, "n_steps": 8}
    auto = ExplainOptions(method="ig", n_steps="auto", tolerance=0.05)
    assert auto.method_options() == {"n_steps": "auto", "tolerance": 0.05}
    for bad, message in (
        ({"n_steps": "many"}, "positive integer, 'auto' or 'exact'"),
        ({"n_steps": 0}, "positive integer, 'auto' or 'exact'"),
        ({"tolerance": 0.0}, "tolerance must be positive"),
    ):
        with pytest.raises(InputError, match=message):
            ExplainOptions(method="ig", **bad)
