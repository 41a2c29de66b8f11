"""Summaries of relevance (LRP) or attribution (IG) maps: what a tagger relies on.

All functions are pure array functions over per-jet relevances:
- :func:`branch_share`: the fraction of total |relevance| carried by the XAUG input;
- :func:`xaug_ranking`: XAUG variables by mean |relevance|, overall and per class;
- :func:`ensemble_ranking`: the same over a seed ensemble, mean ± std per variable, with each
  share's bootstrap interval over jets, the positions resolved by that interval and the seed
  spread in quadrature, and the seeds' rank correlation (Kendall τ);
- :func:`mean_images`: mean relevance images for signal, background and their difference;
- :func:`constituent_profile`: mean per-constituent relevance versus ΔR to the axis and versus
  pT fraction, for set and recurrent taggers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from jetxai.evaluate.seeds import mean_std

Array = npt.NDArray[np.float64]


def _per_jet_abs(relevance: npt.ArrayLike) -> Array:
    r = np.abs(np.asarray(relevance, dtype=np.float64))
    return r.reshape(len(r), -1).sum(axis=1)


def branch_share(low_level: npt.ArrayLike, xaug: npt.ArrayLike) -> Array:
    """Per jet Σ|R_XAUG| / (Σ|R_low-level| + Σ|R_XAUG|) (0 where both are 0)."""
    low, high = _per_jet_abs(low_level), _per_jet_abs(xaug)
    total = low + high
    return np.divide(high, total, out=np.zeros_like(total), where=total > 0)


def by_class(values: npt.ArrayLike, labels: npt.ArrayLike) -> dict[str, float]:
    """Mean of a per-jet quantity overall and for signal (label 1) / background (label 0)."""
    v, y = np.asarray(values, dtype=np.float64), np.asarray(labels)
    return {
        "all": float(v.mean()),
        "signal": float(v[y == 1].mean()) if (y == 1).any() else float("nan"),
        "background": float(v[y == 0].mean()) if (y == 0).any() else float("nan"),
    }


def xaug_ranking(
    relevance: npt.ArrayLike, names: Sequence[str], labels: npt.ArrayLike
) -> dict[str, Any]:
    """Mean |relevance| and mean signed relevance of each XAUG variable, overall and per class,
    and the overall order (by mean |relevance|)."""
    return XaugRanking(names).add(relevance, labels).result()


class XaugRanking:
    """:func:`xaug_ranking` added chunk by chunk of jets (memory: the running sums only)."""

    def __init__(self, names: Sequence[str]) -> None:
        self.names = list(names)
        self.absolute, self.signed = ClassMeans(), ClassMeans()
        self.bootstrap = ShareBootstrap()

    def add(self, relevance: npt.ArrayLike, labels: npt.ArrayLike) -> XaugRanking:
        signed = np.asarray(relevance, dtype=np.float64)
        self.signed.add(signed, labels)
        self.absolute.add(np.abs(signed), labels)
        self.bootstrap.add(np.abs(signed))
        return self

    def result(self) -> dict[str, Any]:
        names = self.names
        scores = {name: self.absolute.result(k) for k, name in enumerate(names)}
        means = {name: self.signed.result(k) for k, name in enumerate(names)}
        order = sorted(names, key=lambda n: -scores[n]["all"])
        intervals = self.bootstrap.intervals()
        return {
            "order": order,
            "mean_abs_relevance": scores,
            "mean_relevance": means,
            "share_interval": {n: intervals[k].tolist() for k, n in enumerate(names)},
        }


#: Bootstrap resamples of the explained jets for the share intervals, and their level.
BOOTSTRAP = 200
INTERVAL = 0.68


class ShareBootstrap:
    """The bootstrap of :func:`share_intervals`, added chunk by chunk of jets: every jet gets a
    Poisson(1) weight in each of the :data:`BOOTSTRAP` resamples (the Poisson bootstrap, the
    multinomial resampling of n jets in the limit of many), drawn jet after jet from one seeded
    stream, so the intervals do not depend on how the jets were chunked and memory holds only
    the resamples' sums."""

    def __init__(self, seed: int = 0) -> None:
        self.generator = np.random.default_rng(seed)
        self.sums: Array | None = None

    def add(self, abs_relevance: npt.ArrayLike) -> ShareBootstrap:
        """Add the (jets, variables) |relevance| of some jets; returns itself."""
        r = np.asarray(abs_relevance, dtype=np.float64)
        weights = self.generator.poisson(1.0, size=(len(r), BOOTSTRAP)).astype(np.float64)
        added = weights.T @ r if r.ndim == 2 else np.zeros((BOOTSTRAP, 0))
        self.sums = added if self.sums is None else self.sums + added
        return self

    def intervals(self) -> Array:
        """(variables, 2): the central :data:`INTERVAL` interval of each variable's share."""
        if self.sums is None:
            return np.zeros((0, 2))
        totals = self.sums.sum(axis=1, keepdims=True)
        shares = np.divide(self.sums, totals, out=np.zeros_like(self.sums), where=totals > 0)
        tail = (1.0 - INTERVAL) / 2 * 100
        return np.percentile(shares, [tail, 100 - tail], axis=0).T


def share_intervals(abs_relevance: npt.ArrayLike, seed: int = 0) -> Array:
    """(variables, 2): the central :data:`INTERVAL` bootstrap interval over jets of each
    variable's share of |relevance|, Σ_jets |R_v| / Σ_jets Σ_v' |R_v'| (:class:`ShareBootstrap`
    with a fixed seed)."""
    r = np.asarray(abs_relevance, dtype=np.float64)
    if not len(r):
        return np.zeros((r.shape[1] if r.ndim == 2 else 0, 2))
    return ShareBootstrap(seed).add(r).intervals()


class ClassMeans:
    """:func:`by_class` of a per-jet quantity (any trailing shape), added chunk by chunk: the
    running sums and counts overall, for signal (label 1) and background (label 0)."""

    PARTS = ("all", "signal", "background")

    def __init__(self) -> None:
        self.sums: dict[str, Array] = {}
        self.counts = dict.fromkeys(self.PARTS, 0)

    def add(self, values: npt.ArrayLike, labels: npt.ArrayLike) -> ClassMeans:
        v, y = np.asarray(values, dtype=np.float64), np.asarray(labels)
        for part, rows in zip(self.PARTS, (np.ones(len(y), bool), y == 1, y == 0), strict=True):
            added = v[rows].sum(axis=0)
            self.sums[part] = self.sums[part] + added if part in self.sums else added
            self.counts[part] += int(rows.sum())
        return self

    def result(self, column: int | None = None) -> dict[str, float]:
        """The means (of ``column`` of a (jets, columns) quantity), NaN for a class without
        jets."""
        out = {}
        for part in self.PARTS:
            total = self.sums[part] if column is None else self.sums[part][column]
            count = self.counts[part]
            out[part] = float(total / count) if count else float("nan")
        return out


def kendall_tau(first: Sequence[str], second: Sequence[str]) -> float:
    """Kendall's τ of two orders of the same names (1: the same, −1: reversed)."""
    position = {name: k for k, name in enumerate(second)}
    ranks = [position[name] for name in first]
    n = len(ranks)
    if n < 2:
        return 1.0
    pairs = [(ranks[i] < ranks[j]) for i in range(n) for j in range(i + 1, n)]
    concordant = sum(pairs)
    return float((2 * concordant - len(pairs)) / len(pairs))


def resolved_positions(order: Sequence[str], intervals: dict[str, Sequence[float]]) -> list[bool]:
    """Per position of ``order``: whether its interval overlaps neither neighbour's (False: the
    ranking does not tell it from a neighbour)."""

    def apart(a: str, b: str) -> bool:
        (low_a, high_a), (low_b, high_b) = intervals[a], intervals[b]
        return high_a < low_b or high_b < low_a

    return [
        all(apart(name, order[j]) for j in (k - 1, k + 1) if 0 <= j < len(order))
        for k, name in enumerate(order)
    ]


def ensemble_ranking(rankings: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Combine per-seed :func:`xaug_ranking` results: mean ± std of each variable's normalised
    mean |relevance| (normalised to sum to 1 within a seed, so seeds weigh equally)."""
    names = list(rankings[0]["mean_abs_relevance"])
    table = {}
    for part in ("all", "signal", "background"):
        per_seed = np.array([[r["mean_abs_relevance"][n][part] for n in names] for r in rankings])
        per_seed = per_seed / per_seed.sum(axis=1, keepdims=True)
        mean, std = mean_std(per_seed)
        table[part] = {
            n: {"mean": float(m), "std": float(s)} for n, m, s in zip(names, mean, std, strict=True)
        }
    order = sorted(names, key=lambda n: -table["all"][n]["mean"])
    out: dict[str, Any] = {"order": order, "share": table, "seeds": len(rankings)}
    if all("share_interval" in r for r in rankings):
        # each seed's bootstrap interval over its jets, averaged over the seeds
        interval = {
            n: np.mean([r["share_interval"][n] for r in rankings], axis=0).tolist() for n in names
        }
        out["share_interval"] = interval
        # resolved against the jets' interval and the seed spread together, in quadrature
        total: dict[str, Sequence[float]] = {}
        for n in names:
            low, high = interval[n]
            mean, std = table["all"][n]["mean"], table["all"][n]["std"]
            below, above = np.hypot(mean - low, std), np.hypot(high - mean, std)
            total[n] = [float(mean - below), float(mean + above)]
        out["resolved"] = resolved_positions(order, total)
    taus = [
        kendall_tau(a["order"], b["order"])
        for i, a in enumerate(rankings)
        for b in rankings[i + 1 :]
    ]
    out["seed_rank_correlation"] = float(np.mean(taus)) if taus else None
    return out


def image_sums(relevance: npt.ArrayLike, labels: npt.ArrayLike) -> dict[str, Array]:
    """The relevance images summed over signal and over background jets, with the numbers of
    jets: parts of :func:`mean_images` that add up over chunks of jets."""
    r = np.asarray(relevance, dtype=np.float64)
    y = np.asarray(labels)
    return {
        "signal": r[y == 1].sum(axis=0),
        "background": r[y == 0].sum(axis=0),
        "n_signal": np.array(float((y == 1).sum())),
        "n_background": np.array(float((y == 0).sum())),
    }


def mean_images_from(sums: dict[str, Array]) -> dict[str, Array]:
    """Mean relevance image of signal, of background, and signal − background, from
    :func:`image_sums` (added over every chunk)."""
    signal = sums["signal"] / sums["n_signal"]
    background = sums["background"] / sums["n_background"]
    return {"signal": signal, "background": background, "difference": signal - background}


def mean_images(relevance: npt.ArrayLike, labels: npt.ArrayLike) -> dict[str, Array]:
    """Mean relevance image of signal, of background, and signal − background."""
    return mean_images_from(image_sums(relevance, labels))


def feature_shares(
    relevance: npt.ArrayLike, names: Sequence[str], labels: npt.ArrayLike
) -> dict[str, dict[str, float]]:
    """Per constituent feature (the last axis of the (N, n, f) relevance), the mean over jets of
    its share of the jet's low-level |relevance|, overall and per class."""
    share = feature_share_per_jet(relevance)
    y = np.asarray(labels)
    return {name: by_class(share[:, k], y) for k, name in enumerate(names)}


def feature_share_per_jet(relevance: npt.ArrayLike) -> Array:
    """(N, f): each constituent feature's share of the jet's low-level |relevance| (the (N, n, f)
    relevance summed over constituents)."""
    r = np.abs(np.asarray(relevance, dtype=np.float64)).sum(axis=1)  # (N, f)
    total = r.sum(axis=1, keepdims=True)
    return np.divide(r, total, out=np.zeros_like(r), where=total > 0)


def eta_phi_map(
    relevance: npt.ArrayLike,
    mask: npt.ArrayLike,
    deta: npt.ArrayLike,
    dphi: npt.ArrayLike,
    labels: npt.ArrayLike,
    edges: npt.ArrayLike,
) -> dict[str, Any]:
    """Mean relevance per jet in (Δη, Δφ) bins around the jet axis, for signal and background:
    the constituents' (N, n) relevance summed per bin over the jets of a class, divided by their
    number — the image analogue for constituent taggers."""
    return eta_phi_map_from(eta_phi_sums(relevance, mask, deta, dphi, labels, edges), edges)


def eta_phi_sums(
    relevance: npt.ArrayLike,
    mask: npt.ArrayLike,
    deta: npt.ArrayLike,
    dphi: npt.ArrayLike,
    labels: npt.ArrayLike,
    edges: npt.ArrayLike,
) -> dict[str, Array]:
    """The parts of :func:`eta_phi_map` that add up over chunks of jets: per class the
    relevance summed per (Δη, Δφ) bin and the number of jets."""
    r, m = np.asarray(relevance, dtype=np.float64), np.asarray(mask, dtype=bool)
    y = np.asarray(labels)
    x_edges = np.asarray(edges, dtype=np.float64)
    out: dict[str, Array] = {}
    for part, cls in (("signal", 1), ("background", 0)):
        rows = (y == cls)[:, None] & m
        out[part], _, _ = np.histogram2d(
            np.asarray(deta)[rows], np.asarray(dphi)[rows], [x_edges, x_edges], weights=r[rows]
        )
        out[f"n_{part}"] = np.array(float((y == cls).sum()))
    return out


def eta_phi_map_from(sums: dict[str, Array], edges: npt.ArrayLike) -> dict[str, Any]:
    """:func:`eta_phi_map` from its :func:`eta_phi_sums` (added over every chunk)."""
    out: dict[str, Any] = {"edges": np.asarray(edges, dtype=np.float64).tolist()}
    for part in ("signal", "background"):
        out[part] = (sums[part] / max(float(sums[f"n_{part}"]), 1.0)).tolist()
    return out


def constituent_profile(
    relevance: npt.ArrayLike,
    mask: npt.ArrayLike,
    quantity: npt.ArrayLike,
    bins: npt.ArrayLike,
) -> dict[str, list[float]]:
    """Mean per-constituent relevance (summed over features) in bins of ``quantity`` (e.g. ΔR to
    the axis or pT fraction), over real constituents only."""
    return profile_from(profile_sums(relevance, mask, quantity, bins), bins)


def profile_sums(
    relevance: npt.ArrayLike,
    mask: npt.ArrayLike,
    quantity: npt.ArrayLike,
    bins: npt.ArrayLike,
) -> dict[str, Array]:
    """The parts of :func:`constituent_profile` that add up over chunks of jets: the relevance
    summed per bin and the number of constituents in it."""
    r = np.asarray(relevance, dtype=np.float64)
    per_constituent = r.sum(axis=-1) if r.ndim == 3 else r
    m = np.asarray(mask, dtype=bool)
    q = np.asarray(quantity, dtype=np.float64)[m]
    values = per_constituent[m]
    edges = np.asarray(bins, dtype=np.float64)
    index = np.digitize(q, edges) - 1
    inside = (index >= 0) & (index < len(edges) - 1)
    return {
        "sums": np.bincount(index[inside], weights=values[inside], minlength=len(edges) - 1).astype(
            np.float64
        ),
        "counts": np.bincount(index[inside], minlength=len(edges) - 1).astype(np.float64),
    }


def profile_from(sums: dict[str, Array], bins: npt.ArrayLike) -> dict[str, list[float]]:
    """:func:`constituent_profile` from its :func:`profile_sums` (added over every chunk)."""
    total, counts = sums["sums"], sums["counts"]
    mean = np.divide(total, counts, out=np.zeros_like(total), where=counts > 0)
    return {
        "edges": np.asarray(bins, dtype=np.float64).tolist(),
        "mean_relevance": mean.tolist(),
        "counts": counts.astype(np.int64).tolist(),
    }


def subjet_shares(
    relevance: npt.ArrayLike, membership: npt.ArrayLike, labels: npt.ArrayLike, n_subjets: int
) -> dict[str, dict[str, float]]:
    """Per subjet (``subjet_1`` the hardest, …), the mean over jets of the share of the jet's
    Σ|relevance| over constituents carried by the constituents of that subjet, overall and per
    class. ``membership``: (N, n) subjet index per constituent slot, −1 on empty slots."""
    share = subjet_share_per_jet(relevance, membership, n_subjets)
    return {f"subjet_{k + 1}": by_class(share[:, k], labels) for k in range(n_subjets)}


def subjet_share_per_jet(
    relevance: npt.ArrayLike, membership: npt.ArrayLike, n_subjets: int
) -> Array:
    """(N, n_subjets): the share of each jet's Σ|relevance| over constituents carried by each
    subjet's constituents (see :func:`subjet_shares`)."""
    r = np.asarray(relevance, dtype=np.float64)
    per_constituent = np.abs(r.sum(axis=-1) if r.ndim == 3 else r)
    member = np.asarray(membership)
    total = np.where(member >= 0, per_constituent, 0.0).sum(axis=1)
    shares = np.zeros((len(total), n_subjets))
    for k in range(n_subjets):
        carried = np.where(member == k, per_constituent, 0.0).sum(axis=1)
        shares[:, k] = np.divide(carried, total, out=np.zeros_like(total), where=total > 0)
    return shares
