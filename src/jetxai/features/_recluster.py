"""FastJet reclustering of each jet's constituents as an event of its own.

Used for the clustering-based observables (exclusive-kT axes, soft drop, Lund declusterings),
which the kernels then consume as plain arrays.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import awkward as ak
import numpy as np

from jetxai import kinematics
from jetxai._quiet import quiet_stdout
from jetxai.features._padded import Padded

#: A distance parameter large enough that reclustering keeps a whole jet together.
WHOLE_JET_R = 999.0


@contextmanager
def exclusive_calls() -> Iterator[None]:
    """Silence FastJet's spurious exclusive-jets warning.

    fastjet 3.5's ``_warn_for_exclusive`` compares the ``JetDefinition`` object itself with
    algorithm enums, so it warns for kT and Cambridge/Aachen too, where exclusive jets are exact.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="dcut and exclusive jets", category=UserWarning)
        yield


def sequence(
    padded: Padded,
    rows: np.ndarray | None = None,
    algorithm: str = "cambridge",
    recombination: str = "E",
) -> Any:
    """A FastJet ``ClusterSequence`` with one "event" per jet (the jet's real constituents),
    recombining four-momenta (``"E"``) or winner-take-all in p_T (``"wta_pt"``)."""
    import fastjet

    rows = np.arange(len(padded.mask)) if rows is None else rows
    mask = padded.mask[rows]
    counts = mask.sum(axis=1)
    momenta = ak.zip(
        {
            name: ak.unflatten(getattr(padded, attr)[rows][mask], counts)
            for name, attr in (("px", "px"), ("py", "py"), ("pz", "pz"), ("E", "energy"))
        }
    )
    algo = {"cambridge": fastjet.cambridge_algorithm, "kt": fastjet.kt_algorithm}[algorithm]
    scheme = {"E": fastjet.E_scheme, "wta_pt": fastjet.WTA_pt_scheme}[recombination]
    with quiet_stdout():
        return fastjet.ClusterSequence(momenta, fastjet.JetDefinition(algo, WHOLE_JET_R, scheme))


def exclusive_axes(
    padded: Padded, n: int, recombination: str = "E"
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(N, n) rapidity, azimuth and pT of the exclusive-kT subjets of each jet
    (``recombination`` as in :func:`sequence`).

    Jets with at most ``n`` constituents use their constituents as axes (padding rows have
    pT = 0). Subjets are ordered by decreasing pT.
    """
    size = len(padded.mask)
    y = np.zeros((size, n))
    phi = np.zeros((size, n))
    pt = np.zeros((size, n))
    few = padded.counts <= n
    width = min(n, padded.mask.shape[1])
    y[few, :width] = padded.y[few, :width]
    phi[few, :width] = padded.phi[few, :width]
    pt[few, :width] = padded.pt[few, :width]
    rows = np.flatnonzero(~few)
    if len(rows):
        with exclusive_calls():
            subjets = sequence(padded, rows, "kt", recombination).exclusive_jets(n_jets=n)
        spx, spy, spz, se = (
            ak.to_numpy(subjets[f]).reshape(len(rows), n) for f in ("px", "py", "pz", "E")
        )
        spt = kinematics.pt(spx, spy)
        order = np.argsort(-spt, axis=1)
        y[rows] = np.take_along_axis(kinematics.rapidity(spz, se), order, axis=1)
        phi[rows] = np.take_along_axis(kinematics.phi(spx, spy), order, axis=1)
        pt[rows] = np.take_along_axis(spt, order, axis=1)
    return y, phi, pt
