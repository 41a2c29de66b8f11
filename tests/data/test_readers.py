"""Readers for public datasets: small files written in each exact format, read back."""

from __future__ import annotations

import warnings
from pathlib import Path

import awkward as ak
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jetxai import data
from jetxai.data.schema import ALL_FIELDS, LABELS
from jetxai.errors import InputError
from jetxai.features import xaug

from ._jets import JETS, expected_pt, four_momenta


def _check_common(jets: ak.Array, processes: list[str]) -> None:
    assert set(ALL_FIELDS) <= set(ak.fields(jets))
    assert jets.process.to_list() == processes
    assert jets.label.to_list() == [LABELS[p] for p in processes]
    np.testing.assert_allclose(jets.jet_pt, [expected_pt(j) for j in JETS], rtol=1e-6)
    np.testing.assert_array_equal(jets.jet_nparticles, [len(j) for j in JETS])
    pt = np.hypot(jets.part_px, jets.part_py)
    assert ak.all(pt[:, :-1] >= pt[:, 1:])
    values = xaug(jets, ["mass", "tau21", "d2"])  # later stages work unchanged
    assert all(np.isfinite(v).all() for v in values.values())


# --- Top Tagging Landscape -------------------------------------------------------------------


def _write_top_landscape(path: Path, drop: str | None = None) -> None:
    import pandas as pd

    rows = []
    for jet in JETS:
        row = {}
        p = four_momenta(jet)
        for i in range(200):
            values = p[i] if i < len(p) else np.zeros(4)
            row |= {
                f"PX_{i}": values[0],
                f"PY_{i}": values[1],
                f"PZ_{i}": values[2],
                f"E_{i}": values[3],
            }
        rows.append(row)
    frame = pd.DataFrame(rows)
    frame["truthE"] = 0.0
    frame["is_signal_new"] = [1, 0]
    frame["ttv"] = [0, 2]
    if drop:
        frame = frame.drop(columns=drop)
    frame.to_hdf(path, key="table", mode="w")


def test_top_landscape(tmp_path: Path) -> None:
    path = tmp_path / "train.h5"
    _write_top_landscape(path)
    jets = data.read_top_landscape(path)
    _check_common(jets, ["top", "qcd"])
    assert jets.ttv.to_list() == [0, 2]


# --- JetClass ---------------------------------------------------------------------------------


def _write_jetclass(
    path: Path, drop: str | None = None, qcd: tuple[float, float] = (0.0, 1.0)
) -> None:
    import uproot

    momenta = [four_momenta(j) for j in JETS]
    branches = {
        name: ak.Array([m[:, k].tolist() for m in momenta])
        for k, name in enumerate(("part_px", "part_py", "part_pz", "part_energy"))
    }
    branches["part_charge"] = ak.Array([[1.0, -1.0, 0.0], [0.0, 1.0]])
    flags = {
        "part_isChargedHadron": [[1, 1, 0], [0, 0]],
        "part_isNeutralHadron": [[0, 0, 1], [0, 0]],
        "part_isPhoton": [[0, 0, 0], [1, 0]],
        "part_isElectron": [[0, 0, 0], [0, 0]],
        "part_isMuon": [[0, 0, 0], [0, 1]],
    }
    branches |= {k: ak.values_astype(ak.Array(v), np.float32) for k, v in flags.items()}
    branches["label_QCD"] = np.array(qcd)
    branches["label_Tbqq"] = np.array([1.0, 0.0])
    if drop:
        del branches[drop]
    with uproot.recreate(path) as file:
        file["tree"] = branches


def test_jetclass(tmp_path: Path) -> None:
    path = tmp_path / "jetclass.root"
    _write_jetclass(path)
    jets = data.read_jetclass(path)
    _check_common(jets, ["top", "qcd"])
    # pT-ordered: jet 1 is (photon 400, mu+ 100); charge +1 muon is -13 in the PDG convention
    assert jets.part_pid.to_list() == [[211, -211, 130], [22, -13]]
    assert jets.part_charge.to_list() == [[1, -1, 0], [0, 1]]


# --- EnergyFlow quark/gluon ------------------------------------------------------------------


def _write_energyflow(
    path: Path, drop: str | None = None, labels: tuple[float, float] = (1.0, 0.0)
) -> None:
    x = np.zeros((2, 4, 4))
    pids = [[211, -211, 22], [22, 2212]]
    for j, jet in enumerate(JETS):
        for i, (pt, eta, phi) in enumerate(jet):
            x[j, i] = (pt, eta, phi, pids[j][i])  # massless here: y = eta
    arrays = {"X": x, "y": np.array(labels)}
    if drop:
        del arrays[drop]
    np.savez(path, **arrays)


def test_energyflow(tmp_path: Path) -> None:
    path = tmp_path / "qg.npz"
    _write_energyflow(path)
    jets = data.read_energyflow_qg(path)
    assert jets.process.to_list() == ["quark", "gluon"]
    np.testing.assert_allclose(jets.jet_pt, [expected_pt(j) for j in JETS], rtol=1e-3)
    assert jets.part_charge.to_list() == [[1, -1, 0], [0, 1]]
    # the proton keeps its mass: E^2 - p^2 = m_p^2
    e, px, py, pz = (jets[f][1, 1] for f in ("part_energy", "part_px", "part_py", "part_pz"))
    assert np.sqrt(e**2 - px**2 - py**2 - pz**2) == pytest.approx(0.938272, rel=1e-6)


# --- errors -----------------------------------------------------------------------------------

READERS = [
    (data.read_top_landscape, _write_top_landscape, "PX_0", "h5"),
    (data.read_jetclass, _write_jetclass, "part_px", "root"),
    (data.read_energyflow_qg, _write_energyflow, "X", "npz"),
]


@pytest.mark.parametrize(("reader", "writer", "column", "suffix"), READERS)
def test_bad_files_give_one_clear_error_naming_the_file(
    tmp_path: Path,
    reader,
    writer,
    column: str,
    suffix: str,  # type: ignore[no-untyped-def]
) -> None:
    good = tmp_path / f"good.{suffix}"
    writer(good)
    truncated = tmp_path / f"truncated.{suffix}"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 3])
    wrong = tmp_path / f"wrong.{suffix}"
    wrong.write_text("this is not a data file\n")
    missing = tmp_path / f"missing.{suffix}"
    writer(missing, drop=column)
    for path, message in (
        (truncated, "cannot read|missing"),
        (wrong, "cannot read|not a"),
        (missing, f"missing.*{column}"),
        (tmp_path / "absent", "no such file"),
    ):
        with pytest.raises(InputError, match=message) as info:
            reader(path)
        assert str(path) in str(info.value)
        assert "\n" not in str(info.value)


class _Payload:
    """Pickles to a call that leaves a file behind: proof of code execution if unpickled."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (Path.touch, (self.marker,))


def test_top_landscape_never_unpickles(tmp_path: Path) -> None:
    import pandas as pd

    path, marker = tmp_path / "evil.h5", tmp_path / "ran"
    _write_top_landscape(path)
    frame = pd.read_hdf(path, key="table")
    frame["comment"] = [_Payload(marker), _Payload(marker)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas' PerformanceWarning for object columns
        frame.to_hdf(path, key="table", mode="w")
    assert not marker.exists()
    with pytest.raises(InputError, match=r"object or non-numeric column\(s\) comment"):
        data.read_top_landscape(path)
    assert not marker.exists()


def test_top_landscape_refuses_unknown_labels(tmp_path: Path) -> None:
    import pandas as pd

    path = tmp_path / "train.h5"
    _write_top_landscape(path)
    frame = pd.read_hdf(path, key="table")
    frame["is_signal_new"] = [7, 0]
    frame.to_hdf(path, key="table", mode="w")
    with pytest.raises(InputError, match=r"is_signal_new holds value\(s\) 7"):
        data.read_top_landscape(path)


def test_top_landscape_refuses_charge_and_pid_observables(tmp_path: Path) -> None:
    from jetxai.features import constituents

    path = tmp_path / "train.h5"
    _write_top_landscape(path)
    jets = data.read_top_landscape(path)
    with pytest.raises(InputError, match="charged_multiplicity need particle charge or identity"):
        xaug(jets, ["mass", "charged_multiplicity"])
    with pytest.raises(InputError, match="charge, is_photon need particle charge or identity"):
        constituents(jets, 8, ["deta", "charge", "is_photon"])
    assert constituents(jets, 8, ["deta", "log_pt"])[0].shape == (2, 8, 2)


def test_jetclass_refuses_a_jet_without_exactly_one_label(tmp_path: Path) -> None:
    path = tmp_path / "jetclass.root"
    _write_jetclass(path, qcd=(0.0, 0.0))  # jet 1: every label_* is 0
    with pytest.raises(InputError, match=r"1 jet\(s\) do not have exactly one label_\* set to 1"):
        data.read_jetclass(path)


def test_energyflow_refuses_labels_other_than_0_and_1(tmp_path: Path) -> None:
    path = tmp_path / "qg.npz"
    _write_energyflow(path, labels=(0.5, 0.0))
    with pytest.raises(InputError, match=r"y holds value\(s\) 0.5"):
        data.read_energyflow_qg(path)


# --- fuzz: physical jets through every reader ------------------------------------------------


def _fuzz_jets(seed: int, n_jets: int = 250) -> list[np.ndarray]:
    """Jets as (n, 4) arrays of (px, py, pz, E), 1–40 constituents inside R = 0.8."""
    rng = np.random.default_rng(seed)
    jets = []
    for _ in range(n_jets):
        n = int(rng.integers(1, 41))
        axis_y, axis_phi = rng.uniform(-2.0, 2.0), rng.uniform(-np.pi, np.pi)
        radius, angle = 0.8 * np.sqrt(rng.uniform(0, 1, n)), rng.uniform(0, 2 * np.pi, n)
        y, phi = axis_y + radius * np.cos(angle), axis_phi + radius * np.sin(angle)
        pt = 10 ** rng.uniform(-2, 3, n)
        jets.append(
            np.stack([pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(y), pt * np.cosh(y)], 1)
        )
    return jets


@settings(max_examples=4, deadline=None, derandomize=True)
@given(seed=st.integers(0, 2**32 - 1))
def test_fuzzed_jets_through_the_readers_give_finite_xaugs(seed: int) -> None:
    import tempfile

    import pandas as pd

    jets = _fuzz_jets(seed)
    n = len(jets)
    with tempfile.TemporaryDirectory() as tmp:
        frame = {}
        for k, name in enumerate(("PX", "PY", "PZ", "E")):
            block = np.zeros((n, 200))
            for j, p in enumerate(jets):
                block[j, : len(p)] = p[:, k]
            frame |= {f"{name}_{i}": block[:, i] for i in range(200)}
        table = pd.DataFrame(frame)
        table["is_signal_new"] = np.arange(n) % 2
        path = Path(tmp) / "fuzz.h5"
        table.to_hdf(path, key="table", mode="w")
        for read in (data.read_top_landscape(path),):
            assert len(read) == n
            values = xaug(read, ["mass", "tau21", "tau32", "d2", "c2", "msd", "lund_lnkt_max"])
            assert all(np.isfinite(v).all() for v in values.values())
        x = np.zeros((n, 40, 4))
        for j, p in enumerate(jets):
            pt = np.hypot(p[:, 0], p[:, 1])
            x[j, : len(p)] = np.stack(
                [
                    pt,
                    np.arcsinh(p[:, 2] / pt),
                    np.arctan2(p[:, 1], p[:, 0]),
                    np.full(len(p), 211.0),
                ],
                1,
            )
        np.savez(Path(tmp) / "fuzz.npz", X=x, y=np.arange(n) % 2)
        read = data.read_energyflow_qg(Path(tmp) / "fuzz.npz")
        values = xaug(read, ["mass", "tau21", "d2", "jet_charge", "charged_multiplicity"])
        assert all(np.isfinite(v).all() for v in values.values())
