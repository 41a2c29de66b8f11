"""Imported jets whose constituents have no positive energy: a jet with none left is no jet —
dropped and counted (the import says how many and why, the manifest records it), and a file of
only such jets is refused naming the negative energies."""

from __future__ import annotations

from pathlib import Path

import awkward as ak

from jetxai import data

from ..data.test_imports import _write_top_landscape
from .conftest import assert_clean_refusal, run_cli


def _negative(jets: ak.Array) -> ak.Array:
    """The jets with every constituent's four-momentum flipped: E < 0 everywhere."""
    flipped = {f"part_{c}": -jets[f"part_{c}"] for c in ("px", "py", "pz", "energy")}
    return ak.zip({**{f: jets[f] for f in jets.fields}, **flipped}, depth_limit=1)


def test_a_file_of_jets_without_positive_energy_is_refused(
    capsys, top_dataset: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    jets = data.read(top_dataset)[:6]
    source = tmp_path / "train.h5"
    _write_top_landscape(source, _negative(jets), 0)
    code, err = run_cli(capsys, "import", "top-landscape", source, "--out", tmp_path / "out",
                        "--quiet")  # fmt: skip
    assert_clean_refusal(code, err, "negative energy")
    assert "no jet of these files has a constituent with e > 0" in err.lower()


def test_jets_left_without_constituents_are_dropped_and_counted(
    capsys, top_dataset: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    jets = data.read(top_dataset)[:8]
    mixed = ak.concatenate([jets[:5], _negative(jets[5:])])
    source = tmp_path / "train.h5"
    _write_top_landscape(source, mixed, 0)
    from jetxai.cli.main import main

    code = main(["import", "top-landscape", str(source), "--out", str(tmp_path / "out"), "--quiet"])
    said = capsys.readouterr().out
    assert code == 0
    assert "dropped 3 jet(s) with no constituent of positive energy" in said
    manifest = data.read_manifest(tmp_path / "out")
    assert manifest["jets_kept"] == 5
    negative = int(ak.sum(ak.num(jets[5:].part_energy)))
    assert manifest["dropped"] == {
        "no_constituent_with_positive_energy": 3,
        "negative_energy_constituents": negative,
    }
    kept = data.read(tmp_path / "out")
    assert ak.to_list(kept.event_id) == [0, 1, 2, 3, 4]  # each jet's place in the file
    assert int(ak.min(kept.jet_nparticles)) > 0
