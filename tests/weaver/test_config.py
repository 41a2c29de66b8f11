"""Reading weaver data configs: what jetxai cannot build exactly as weaver does is refused in one
line naming the key; the parameters weaver writes after automatic standardisation (its
.auto.yaml) are used as weaver uses them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from jetxai.errors import InputError
from jetxai.weaver.config import read_data_config
from jetxai.weaver.inputs import read_batches

from ._paths import CONFIGS
from .test_inputs import _weaver_inputs

KIN = (CONFIGS / "JetClass_kin.yaml").read_text()
#: Automatic standardisation, and a variable without a centre of its own.
AUTO_POINTS = """method: auto
  data_fraction: 0.5

inputs:
   pf_points:
      length: 32
      pad_mode: constant
      vars:
         - part_deta"""


@pytest.mark.parametrize(
    ("change", "phrase"),
    [
        (("labels:", "extra_key: 1\nlabels:"), "unknown key(s) extra_key"),
        (("type: simple", "type: custom"), "labels must be type simple"),
        (("method: manual", "method: auto"), ""),  # explicit centres everywhere: no need
        ((AUTO_POINTS.replace("auto", "manual").replace("- part_deta", "- [part_deta, null]"),
          AUTO_POINTS),
         "part_deta asks for automatic standardisation"),
        (("constant\n      vars:\n         - [part_mask",
          "wrap\n      vars:\n         - [part_mask"),
         "a mask must have pad_mode constant"),
        (("pad_mode: constant", "pad_mode: reflect"), "'reflect' is not one of"),
        (("- [part_deta, null]", "- [part_deta, null, 1, 2, 3, 4, 5]"), "is not a name or"),
        (("- [part_pt_log, 1.7, 0.7]", "- [part_pt_log, high, 0.7]"), "non-numeric parameter"),
        (("part_pt: np.hypot(part_px, part_py)", "part_pt: np.save('x', part_px)"), "'np.save'"),
        (("selection:", "branch_magic: {a: b}\nselection:"), "branch_magic"),
    ],
)  # fmt: skip
def test_what_jetxai_cannot_build_as_weaver_does_is_refused(
    change: tuple[str, str], phrase: str, tmp_path: Path
) -> None:
    assert change[0] in KIN
    path = tmp_path / "config.yaml"
    path.write_text(KIN.replace(change[0], change[1], 1))
    if not phrase:
        read_data_config(path)
        return
    with pytest.raises(InputError) as caught:
        read_data_config(path)
    assert phrase in str(caught.value)
    assert "\n" not in str(caught.value)


def test_not_yaml_or_not_a_mapping_is_refused(tmp_path: Path) -> None:
    (tmp_path / "list.yaml").write_text("- 1\n- 2\n")
    (tmp_path / "bad.yaml").write_text("inputs: [\n")
    with pytest.raises(InputError, match="not a weaver data config"):
        read_data_config(tmp_path / "list.yaml")
    with pytest.raises(InputError, match="not YAML"):
        read_data_config(tmp_path / "bad.yaml")
    with pytest.raises(InputError, match="cannot read"):
        read_data_config(tmp_path / "missing.yaml")


def test_the_parameters_weaver_computes_automatically_are_used_as_weaver_uses_them(
    jetclass_files: dict[str, Path], tmp_path: Path
) -> None:
    pytest.importorskip("numba")
    dataset = pytest.importorskip("weaver.utils.dataset")
    source = tmp_path / "auto.yaml"
    # automatic standardisation of the particle features (their centres left out)
    text = KIN.replace("method: manual", "method: auto")
    text = text.replace("- [part_pt_log, 1.7, 0.7]", "- part_pt_log")
    source.write_text(text.replace("- [part_e_log, 2.0, 0.7]", "- part_e_log"))
    written = tmp_path / "auto.auto.yaml"
    config = dataset.DataConfig.load(str(source))
    dataset.AutoStandardizer([str(jetclass_files["root"])], config).produce(str(written))
    reference = _weaver_inputs(written, jetclass_files["root"])
    (batch,) = read_batches(read_data_config(written), [jetclass_files["root"]])
    for name in ("pf_features", "pf_points", "pf_mask"):
        np.testing.assert_array_equal(batch.inputs[name], reference[name], err_msg=name)
    centre = read_data_config(written).preprocess_params["part_pt_log"]["center"]
    assert centre is not None
    assert centre != 1.7  # computed from the data, not the manual config's
