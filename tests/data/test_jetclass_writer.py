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


def test_the_file_is_a_ttree_with_jetclass_angles_and_jet_branches(
    top_dataset: Path, tmp_path: Path
) -> None:
    """A TTree as JetClass's (uproot now writes an RNTuple by default, which weaver-core cannot
    read), with part_deta / part_dphi to the jet axis and the jet-level branches."""
    import uproot

    from jetxai import kinematics

    jets = data.read(top_dataset)[:8]
    path = write_jetclass(tmp_path / "jets.root", jets)
    with uproot.open(path) as file:
        assert [v.classname for v in file.values()] == ["TTree"]
        branches = file["tree"].arrays(library="ak")
    eta = kinematics.eta(
        *(ak.to_numpy(ak.flatten(jets[f])) for f in ("part_px", "part_py", "part_pz"))
    )
    axis = np.repeat(ak.to_numpy(jets.jet_eta), ak.to_numpy(ak.num(jets.part_px)))
    np.testing.assert_allclose(ak.to_numpy(ak.flatten(branches.part_deta)), eta - axis,
                               rtol=1e-5, atol=1e-5)  # fmt: skip
    assert np.all(np.abs(ak.to_numpy(ak.flatten(branches.part_dphi))) <= np.pi)
    for name in ("jet_pt", "jet_eta", "jet_phi", "jet_energy", "jet_mass", "jet_nparticles"):
        np.testing.assert_allclose(ak.to_numpy(branches[name]), ak.to_numpy(jets[name]), rtol=1e-6)
