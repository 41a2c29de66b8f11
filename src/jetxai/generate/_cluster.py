"""What jet and event generation share: the visible final state and anti-kT clustering of a
whole Pythia batch."""

from __future__ import annotations

from typing import Any

import awkward as ak

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
