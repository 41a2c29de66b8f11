"""What jet and event generation share: the visible final state and anti-kT clustering of a
whole Pythia batch."""

from __future__ import annotations

from typing import Any

import awkward as ak
import numpy as np

from jetxai import kinematics
from jetxai._quiet import quiet_stdout
from jetxai.data.pdg import NEUTRINOS


def visible(abs_id: Any) -> Any:
    """Mask of the particles a detector could see (all but neutrinos), from |PDG id| (numpy
    or jagged awkward arrays)."""
    mask = abs_id != NEUTRINOS[0]
    for neutrino in NEUTRINOS[1:]:
        mask = mask & (abs_id != neutrino)
    return mask


def antikt(px: Any, py: Any, pz: Any, energy: Any, radius: float) -> Any:
    """A FastJet anti-kT cluster sequence of every event of a batch (jagged momenta)."""
    import fastjet

    momenta = ak.zip({"px": px, "py": py, "pz": pz, "E": energy})
    with quiet_stdout():
        return fastjet.ClusterSequence(
            momenta, fastjet.JetDefinition(fastjet.antikt_algorithm, radius)
        )


#: The η–φ reach of :func:`could_hold_jet`'s windows around a jet axis, in units of R: an
#: anti-kT constituent joins within R of the axis of the moment, which a second hard core within
#: R moves by up to R / 2.
WINDOW_REACH = 1.5


def visible_final_state(prt: ak.Array) -> ak.Array:
    """Per event of a ``nextBatch`` particle array, its visible final-state particles."""
    return prt[(prt.status > 0) & visible(abs(prt.id))]


def could_hold_jet(momenta: ak.Array, radius: float, pt_min: float, eta_max: float) -> np.ndarray:
    """Per event, whether it could hold an anti-kT jet with pT ≥ ``pt_min`` and |η| <
    ``eta_max``, from the momenta (``px``, ``py``, ``pz`` per event) of its visible final-state
    particles: their scalar pT summed over η–φ cells of side ≥ R / 2, in a box reaching at least
    :data:`WINDOW_REACH` R beyond any cell, is ``pt_min`` or more somewhere. A jet's pT is at
    most its constituents' scalar sum, so an event failing this has no jet to lose
    (``tests/generate/test_jets.py`` checks it against clustering every event). Particles beyond
    the grid's η range count in its edge cells (a looser bound)."""
    counts = ak.to_numpy(ak.num(momenta, axis=1))
    px, py, pz = (ak.to_numpy(ak.flatten(momenta[c])) for c in ("px", "py", "pz"))
    pt = kinematics.pt(px, py)
    cell = radius / 2
    reach = int(np.ceil(2 * WINDOW_REACH))  # in cells of R / 2
    edge = eta_max + (WINDOW_REACH + 1) * radius
    n_eta = int(np.ceil(2 * edge / cell))
    n_phi = int(2 * np.pi // cell)  # cells of at least R / 2
    eta = np.clip(kinematics.eta(px, py, pz), -edge, edge)
    i_eta = np.minimum(((eta + edge) / cell).astype(np.int64), n_eta - 1)
    phi = kinematics.phi(px, py) + np.pi
    i_phi = np.minimum((phi / (2 * np.pi) * n_phi).astype(np.int64), n_phi - 1)
    event = np.repeat(np.arange(len(counts)), counts)
    flat = (event * n_eta + i_eta) * n_phi + i_phi
    grid = np.bincount(flat, weights=pt, minlength=len(counts) * n_eta * n_phi)
    grid = grid.reshape(len(counts), n_eta, n_phi)
    # box sums: along η by cumulative sums, along φ the same around the circle
    along = np.cumsum(np.pad(grid, ((0, 0), (1, 0), (0, 0))), axis=1)
    rows = np.arange(n_eta)
    low, high = np.clip(rows - reach, 0, n_eta), np.clip(rows + reach + 1, 0, n_eta)
    strips = along[:, high, :] - along[:, low, :]
    around = np.concatenate([strips[:, :, -reach:], strips, strips[:, :, :reach]], axis=2)
    around = np.cumsum(np.pad(around, ((0, 0), (0, 0), (1, 0))), axis=2)
    boxes = around[:, :, 2 * reach + 1 :] - around[:, :, :n_phi]
    return boxes.reshape(len(counts), -1).max(axis=1, initial=0.0) >= pt_min
