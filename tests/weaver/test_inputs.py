"""jetxai builds exactly the inputs weaver-core's own data loader builds, for the published
JetClass configs, from ROOT and Parquet files (optional reference: skipped without weaver-core
and numba, which its loader needs)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from jetxai.weaver.config import read_data_config
from jetxai.weaver.inputs import read_batches

from ._paths import CONFIGS


def _weaver_inputs(config: Path, file: Path) -> dict[str, np.ndarray]:
    """What weaver's loader feeds the model (test mode: test-time selection, no shuffling)."""
    pytest.importorskip("numba")
    dataset = pytest.importorskip("weaver.utils.dataset")
    from weaver.utils.data.fileio import _read_files

    data_config = dataset.DataConfig.load(str(config))
    table = _read_files([str(file)], data_config.test_load_branches)
    options = {"mode": "test", "training": False, "reweight": False, "shuffle": False}
    table, indices = dataset._preprocess(table, data_config, options)
    return {name: table["_" + name][indices] for name in data_config.input_names} | {
        "_label_": table["_label_"][indices]
    }


@pytest.mark.parametrize(
    ("config", "kind"),
    [
        ("JetClass_full.yaml", "root"),
        ("JetClass_kin.yaml", "parquet"),
        ("JetClass_kin.yaml", "root"),
    ],
)
def test_the_inputs_equal_weavers_own(
    config: str, kind: str, jetclass_files: dict[str, Path]
) -> None:
    reference = _weaver_inputs(CONFIGS / config, jetclass_files[kind])
    batches = list(read_batches(read_data_config(CONFIGS / config), [jetclass_files[kind]]))
    assert len(batches) == 1
    (batch,) = batches
    assert list(batch.inputs) == [k for k in reference if k != "_label_"]
    for name, expected in reference.items():
        got = batch.labels if name == "_label_" else batch.inputs[name]
        assert got.shape == expected.shape, name
        assert got.dtype == expected.dtype or name == "_label_", name
        # the same float32 operations in the same order: equal to the last bit
        np.testing.assert_array_equal(got, expected, err_msg=name)
    assert len(batch) == 72


def test_a_selection_keeps_weavers_jets_and_says_where_they_came_from(
    jetclass_files: dict[str, Path], tmp_path: Path
) -> None:
    text = (CONFIGS / "JetClass_kin.yaml").read_text()
    config = tmp_path / "selected.yaml"
    config.write_text(text.replace("(jet_pt > 0)", "(jet_nparticles > 40) & (jet_pt < 1e9)"))
    reference = _weaver_inputs(config, jetclass_files["root"])
    (batch,) = read_batches(read_data_config(config), [jetclass_files["root"]])
    assert 0 < len(batch) < 72
    np.testing.assert_array_equal(batch.inputs["pf_features"], reference["pf_features"])
    assert np.all(batch.table.jet_nparticles > 40)
    assert np.all(np.diff(batch.entry) > 0)


@pytest.mark.parametrize("kind", ["root", "parquet"])
def test_a_file_without_a_branch_the_config_reads_is_refused_naming_both(
    kind: str, jetclass_files: dict[str, Path], tmp_path: Path
) -> None:
    import awkward as ak

    from jetxai.data.jetclass import write_branches
    from jetxai.errors import InputError

    table = ak.from_parquet(jetclass_files["parquet"])
    kept = {f: table[f] for f in table.fields if f != "part_d0val"}
    path = tmp_path / f"no-d0.{kind}"
    if kind == "root":
        write_branches(path, kept)
    else:
        ak.to_parquet(ak.zip(kept, depth_limit=1), path)
    with pytest.raises(InputError, match=rf"^{path}: missing branch\(es\) part_d0val$"):
        list(read_batches(read_data_config(CONFIGS / "JetClass_full.yaml"), [path]))
