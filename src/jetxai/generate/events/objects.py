"""Generator-level physics objects of a batch of Pythia events, all events at once.

Definitions (values from :class:`~jetxai.generate.events.config.EventConfig`, defaults given):

- **Leptons**: final-state electrons and muons with p_T > 30 GeV and |η| < 2.5 that are
  isolated: the scalar p_T sum of the *other* visible final-state particles within ΔR < 0.3 is
  below 0.15 × the lepton's p_T.
- **Jets**: anti-kT R = 0.4 jets of the visible final-state particles (neutrinos and the
  isolated leptons removed), p_T > 30 GeV, |η| < 2.5, p_T-ordered.
- **b-tagging**: a jet is b-labelled when a b hadron with p_T > 5 GeV lies within ΔR < 0.3 of
  its axis, else c-labelled for a c hadron, else light. It is tagged with probability 70 % (b),
  10 % (c) or 1 % (light), drawn from the chunk's seeded random stream.
- **Missing transverse momentum**: the vector sum of the neutrinos' transverse momenta.

Distances ΔR use pseudorapidity. Momenta are in GeV.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import awkward as ak
import numpy as np

from jetxai._quiet import quiet_stdout
from jetxai.generate._cluster import antikt, visible
from jetxai.generate.events.config import EventConfig
from jetxai.kinematics import delta_r

_LEPTONS = (11, 13)
#: Heavy-flavour hadrons lighter than this (GeV of p_T) do not label a jet.
HADRON_PT_MIN = 5.0


@dataclass
class Objects:
    """The objects of a batch, one entry per event (jagged fields are per-event lists)."""

    leptons: ak.Array  # records pt, eta, phi, px, py, pz, e, pid
    jets: ak.Array  # records pt, eta, phi, px, py, pz, e, flavour (5, 4, 0), btag (bool)
    met: np.ndarray
    met_phi: np.ndarray


def _with_angles(p: ak.Array) -> ak.Array:
    pt = np.hypot(p.px, p.py)
    eta = np.arcsinh(p.pz / ak.where(pt > 0, pt, 1e-12))
    return ak.with_field(
        ak.with_field(ak.with_field(p, pt, "pt"), eta, "eta"), np.arctan2(p.py, p.px), "phi"
    )


def _delta_r(a: ak.Array, b: ak.Array) -> ak.Array:
    return delta_r(a.eta, a.phi, b.eta, b.phi)


def _momenta(prt: ak.Array) -> ak.Array:
    return _with_angles(
        ak.zip(
            {"px": prt.p.px, "py": prt.p.py, "pz": prt.p.pz, "e": prt.p.e, "pid": prt.id},
            depth_limit=2,
        )
    )


def heavy_flavour(pid: Any) -> Any:
    """5 for a hadron containing a b quark, 4 for one with a c quark but no b, else 0.

    Read from the PDG code: the quark digits of a meson are n_q2 n_q3 (hundreds, tens), of a
    baryon n_q1 n_q2 n_q3 (thousands, hundreds, tens); the heaviest quark is n_q1 for baryons
    and n_q2 for mesons. Quarks, leptons, bosons and diquarks (n_q3 = 0) are not hadrons; the
    excitation digits above 10⁴ are ignored.
    """
    code = abs(pid) % 10_000
    hadron = (code >= 100) & ((code // 10) % 10 != 0)
    heaviest = ak.where(code >= 1000, code // 1000, (code // 100) % 10)
    return ak.where(hadron & (heaviest == 5), 5, ak.where(hadron & (heaviest == 4), 4, 0))


def isolated_leptons(visible: ak.Array, config: EventConfig) -> ak.Array:
    """Boolean mask over ``visible`` (per-event particles): the isolated leptons."""
    abs_id = abs(visible.pid)
    candidate = (
        ((abs_id == _LEPTONS[0]) | (abs_id == _LEPTONS[1]))
        & (visible.pt > config.lepton_pt_min)
        & (abs(visible.eta) < config.lepton_eta_max)
    )
    index = ak.local_index(visible.pt, axis=1)
    pairs = ak.cartesian({"lep": visible[candidate], "other": visible}, nested=True)
    self_pair = ak.cartesian({"lep": index[candidate], "other": index}, nested=True)
    near = (_delta_r(pairs.lep, pairs.other) < config.isolation_radius) & (
        self_pair.lep != self_pair.other
    )
    cone = ak.sum(ak.where(near, pairs.other.pt, 0.0), axis=-1)
    isolated = cone < config.isolation_max * visible[candidate].pt
    # scatter back onto all visible particles
    mask = ak.to_numpy(ak.flatten(candidate)).copy()
    mask[mask] = ak.to_numpy(ak.flatten(isolated))
    return ak.unflatten(mask, ak.num(candidate, axis=1))


def cluster_jets(particles: ak.Array, config: EventConfig) -> ak.Array:
    """Anti-kT jets of ``particles`` in acceptance, p_T-ordered, as records with angles."""
    sequence = antikt(particles.px, particles.py, particles.pz, particles.e, config.radius)
    with quiet_stdout():
        jets = sequence.inclusive_jets(min_pt=config.jet_pt_min)
    jets = _with_angles(ak.zip({"px": jets.px, "py": jets.py, "pz": jets.pz, "e": jets.E}))
    jets = jets[abs(jets.eta) < config.jet_eta_max]
    return jets[ak.argsort(jets.pt, axis=1, ascending=False)]


def jet_flavour(jets: ak.Array, hadrons: ak.Array, radius: float) -> ak.Array:
    """Per jet 5 / 4 / 0: the heaviest flavour among ``hadrons`` within ``radius``."""
    pairs = ak.cartesian({"jet": jets, "had": hadrons}, nested=True)
    close = _delta_r(pairs.jet, pairs.had) < radius
    flavour = ak.where(close, pairs.had.flavour, 0)
    return ak.fill_none(ak.max(flavour, axis=-1), 0)


def btag(flavour: ak.Array, config: EventConfig, rng: np.random.Generator) -> ak.Array:
    """Random tags: each jet tagged with the probability of its flavour (one draw per jet)."""
    flat = ak.to_numpy(ak.flatten(flavour))
    probability = np.select(
        [flat == 5, flat == 4], [config.btag_eff, config.ctag_eff], config.mistag
    )
    tagged = rng.random(len(flat)) < probability
    return ak.unflatten(tagged, ak.num(flavour, axis=1))


def build_objects(prt: ak.Array, config: EventConfig, rng: np.random.Generator) -> Objects:
    """Leptons, jets (with flavour and tags) and missing p_T of every event of a batch."""
    particles = _momenta(prt)
    final = particles[prt.status > 0]
    seen = visible(abs(final.pid))
    visible_particles = final[seen]
    lepton = isolated_leptons(visible_particles, config)
    jets = cluster_jets(visible_particles[~lepton], config)
    flavour_of = heavy_flavour(particles.pid)
    labels = (flavour_of > 0) & (particles.pt > HADRON_PT_MIN)
    hadrons = ak.with_field(particles[labels], flavour_of[labels], "flavour")
    flavour = jet_flavour(jets, hadrons, config.btag_radius)
    jets = ak.with_field(jets, flavour, "flavour")
    jets = ak.with_field(jets, btag(flavour, config, rng), "btag")
    nu = final[~seen]
    met_x = ak.to_numpy(ak.sum(nu.px, axis=1))
    met_y = ak.to_numpy(ak.sum(nu.py, axis=1))
    leptons = visible_particles[lepton]
    return Objects(
        leptons=leptons[ak.argsort(leptons.pt, axis=1, ascending=False)],
        jets=jets,
        met=np.hypot(met_x, met_y),
        met_phi=np.arctan2(met_y, met_x),
    )
