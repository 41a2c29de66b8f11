"""jetxai jets written in the JetClass layout read back as the same jets (momenta, charges,
particle types, classes), and a process JetClass has no label for is refused."""

from __future__ import annotations

from pathlib import Path

import awkward as ak
import numpy as np
import pytest

from jetxai import data
from jetxai.data.jetclass import read_jetclass, write_jetclass
from jetxai.errors import InputError


def test_written_jets_read_back(top_dataset: Path, qcd_dataset: Path, tmp_path: Path) -> None:
    jets = ak.concatenate([data.read(top_dataset)[:6], data.read(qcd_dataset)[:6]])
    back = read_jetclass(write_jetclass(tmp_path / "jets.root", jets))
    assert back.process.to_list() == jets.process.to_list()
    for name in ("part_px", "part_py", "part_pz", "part_energy"):  # float32 in the file
        np.testing.assert_allclose(
            ak.to_numpy(ak.flatten(back[name])), ak.to_numpy(ak.flatten(jets[name])), rtol=1e-6
        )
    assert ak.to_list(back.part_charge) == ak.to_list(jets.part_charge)
    # JetClass keeps particle types, not ids: photons, leptons and charged pions come back
    kept = abs(ak.flatten(jets.part_pid))
    same = np.isin(ak.to_numpy(kept), [11, 13, 22, 211])
    got = ak.to_numpy(abs(ak.flatten(back.part_pid)))
    assert np.array_equal(got[same], ak.to_numpy(kept)[same])
    assert not list(tmp_path.glob(".*.tmp"))


def test_a_process_without_a_jetclass_label_is_refused(top_dataset: Path, tmp_path: Path) -> None:
    jets = data.read(top_dataset)[:3]
    jets = ak.with_field(jets, ["vlq"] * 3, "process")
    with pytest.raises(InputError, match="vlq"):
        write_jetclass(tmp_path / "x.root", jets)
    assert not list(tmp_path.iterdir())
