"""The LRP section of the jet page: per explained network, its conservation, XAUG share and the
figures its ranking.json holds, each drawn by one builder (XAUG ranking, ΔR profile, constituent
feature shares, (Δη, Δφ) maps, relevance images, per-jet relevance of the leading variables).

A figure builder takes the run's ranking.json (and what it needs besides) and returns the
captioned figures it draws and the numbers they show, for metrics.json.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from jetxai.report import figures
from jetxai.report.common import Classes, captioned, pm, read
from jetxai.report.layout import StudyLayout

Figures = tuple[list[dict[str, str]], dict[str, Any]]  # (captioned figures, numbers shown)

RANKING_CAPTION = (
    "Each XAUG variable's share of the XAUG relevance (mean over seeds, error bars their "
    "spread): the variables on top are the ones this network's decision rests on most."
)
RANKING_STABILITY = (
    " The thick black line along each bar is its 68 % bootstrap interval over the explained "
    "jets; a hatched, pale bar marked ≈ is not resolved from a neighbour (their intervals, with "
    "the seed spread added in quadrature, overlap), so the two may swap places.{tau}"
)
PROFILE_CAPTION = (
    "Mean relevance per constituent against its distance from the jet axis ({which}): where in "
    "the jet the network looks."
)
FEATURE_CAPTION = (
    "Each constituent input feature's share of the relevance that reaches the particles (summed "
    "over a jet's constituents; mean over seeds): which property of the particles the network "
    "reads."
)
MAP_CAPTION = (
    "Mean LRP relevance per jet in the (Δη, Δφ) plane around the jet axis (one seed; each panel "
    "on its own colour scale): red regions speak for a {signal} jet, blue against it — the "
    "constituent-tagger analogue of the mean relevance image."
)
IMAGES_CAPTION = (
    "Mean LRP relevance per pixel of the centred and rotated jet images (one seed; each panel on "
    "its own colour scale): the pixels whose intensity speaks for a {signal} jet (red) or "
    "against it (blue)."
)
DISTRIBUTION_CAPTION = (
    "Per-jet LRP relevance of one of the three leading XAUG variables, {signal} against "
    "{background} jets (one seed): a variable that pushes {signal} jets up and {background} "
    "jets down is used to tell them apart, not merely large."
)
#: Leading XAUG variables whose per-jet relevance is drawn.
LEADING = 3


def _ranking(report: dict[str, Any], name: str, classes: Classes) -> Figures:
    if "ensemble_ranking" not in report:
        return [], {}
    ranking = report["ensemble_ranking"]
    order, share = ranking["order"], ranking["share"]["all"]
    interval = ranking.get("share_interval")
    figure = figures.ranking(
        order,
        [share[n]["mean"] for n in order],
        [share[n]["std"] for n in order],
        f"LRP XAUG ranking, {name}",
        intervals=None if interval is None else [interval[n] for n in order],
        resolved=ranking.get("resolved"),
    )
    caption = RANKING_CAPTION
    if interval is not None:
        tau = ranking.get("seed_rank_correlation")
        caption += RANKING_STABILITY.format(
            tau="" if tau is None else f" The seeds' orders agree with Kendall τ = {tau:.2f}."
        )
    return [captioned(figure, caption)], {}


def _profile(report: dict[str, Any], name: str, classes: Classes) -> Figures:
    first = report["seeds"][0]
    if "profile_dr" not in first:
        return [], {}
    edges = first["profile_dr"]["edges"]
    series, spread = {"all jets": first["profile_dr"]["mean_relevance"]}, None
    which = "one seed"
    if all("profile_dr_by_class" in s for s in report["seeds"]):
        series, spread = {}, {}
        for part, label in (("signal", 1), ("background", 0)):
            per_seed = np.array(
                [s["profile_dr_by_class"][part]["mean_relevance"] for s in report["seeds"]]
            )
            series[classes.jets(label)] = per_seed.mean(axis=0).tolist()
            spread[classes.jets(label)] = per_seed.std(axis=0).tolist()
        which = f"{classes.signal} and {classes.background} jets, mean over seeds with their spread"
    shown = {"edges": edges, "mean": series} | ({"std_over_seeds": spread} if spread else {})
    figure = figures.profile(edges, series, r"$\Delta R$ to the jet axis", spread)
    return [captioned(figure, PROFILE_CAPTION.format(which=which))], {"profile_dr": shown}


def _feature_share(report: dict[str, Any], name: str, classes: Classes) -> Figures:
    first = report["seeds"][0]
    if "feature_share" not in first:
        return [], {}
    features = list(first["feature_share"])
    per_seed = np.array([[s["feature_share"][f]["all"] for f in features] for s in report["seeds"]])
    order = np.argsort(-per_seed.mean(axis=0), kind="stable")
    shown = [  # in the figure's order (JSON objects lose theirs)
        {"feature": features[i], "mean": per_seed[:, i].mean(), "std": per_seed[:, i].std()}
        for i in order
    ]
    figure = figures.ranking(
        [features[i] for i in order],
        per_seed.mean(axis=0)[order],
        per_seed.std(axis=0)[order],
        f"LRP per constituent feature, {name}",
        xlabel="share of the low-level |relevance|",
    )
    return [captioned(figure, FEATURE_CAPTION)], {"feature_share": shown}


def _eta_phi(report: dict[str, Any], name: str, classes: Classes) -> Figures:
    first = report["seeds"][0]
    if "map_eta_phi" not in first:
        return [], {}
    maps = first["map_eta_phi"]
    panels = {classes.jets(1): maps["signal"], classes.jets(0): maps["background"]}
    figure = figures.eta_phi_maps(maps["edges"], panels)
    return [captioned(figure, MAP_CAPTION.format(signal=classes.signal))], {"map_eta_phi": maps}


def _images(report: dict[str, Any], name: str, classes: Classes) -> Figures:
    first = report["seeds"][0]
    if "images" not in first:  # not an image tagger
        return [], {}
    images = first["images"]
    panels = {
        classes.jets(1): images["signal"],
        classes.jets(0): images["background"],
        f"{classes.signal} − {classes.background}": images["difference"],
    }
    figure = figures.relevance_images(images.get("extent", 1.0), panels)
    return [captioned(figure, IMAGES_CAPTION.format(signal=classes.signal))], {"images": images}


def _distributions(report: dict[str, Any], relevance_file: Path, classes: Classes) -> Figures:
    """The per-jet relevance of the leading XAUG variables, by class (from the first seed's
    relevance file)."""
    if "ensemble_ranking" not in report or not relevance_file.is_file():
        return [], {}
    import pyarrow.parquet as pq

    leading = report["ensemble_ranking"]["order"][:LEADING]
    columns = ["label", *(f"rel_xaug_{n}" for n in leading)]
    table = pq.read_table(relevance_file, columns=columns).to_pydict()
    labels = np.asarray(table["label"])
    caption = DISTRIBUTION_CAPTION.format(signal=classes.signal, background=classes.background)
    drawn = []
    for variable in leading:
        per_jet = np.asarray(table[f"rel_xaug_{variable}"])
        by_class = {classes.jets(1): per_jet[labels == 1], classes.jets(0): per_jet[labels == 0]}
        drawn.append(captioned(figures.relevance_distribution(by_class, variable), caption))
    return drawn, {}


#: The section's figure builders, in the page's order.
FIGURES: tuple[Callable[[dict[str, Any], str, Classes], Figures], ...] = (
    _ranking,
    _profile,
    _feature_share,
    _eta_phi,
    _images,
)


def lrp_section(layout: StudyLayout, name: str, classes: Classes) -> tuple[dict[str, Any], Any]:
    """One explained network: its template section and its metrics.json entry."""
    report = read(layout.lrp(name) / "ranking.json")
    section: dict[str, Any] = {"name": name, "figures": []}
    shown: dict[str, Any] = {}  # the numbers of this section's figures, for metrics.json
    deltas = [s["conservation"]["median_abs_delta_over_logit"] for s in report["seeds"]]
    section["conservation"] = f"{np.median(deltas):.2f}"
    if "xaug_share" in report:
        s = report["xaug_share"]
        section |= {
            "share": pm(s["all"], 3),
            "share_signal": pm(s["signal"], 3),
            "share_background": pm(s["background"], 3),
        }
    relevance_file = layout.lrp(name) / "relevance-seed-0.parquet"
    built = [draw(report, name, classes) for draw in FIGURES]
    built.append(_distributions(report, relevance_file, classes))
    for drawn, numbers in built:
        section["figures"] += drawn
        shown |= numbers
    numbers = (
        {k: report.get(k) for k in ("ensemble_ranking", "xaug_share")}
        | {"conservation_median": float(np.median(deltas))}
        | shown
    )
    return section, numbers


def lrp_sections(
    layout: StudyLayout, config: dict[str, Any], classes: Classes
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Every network the study explains with LRP."""
    built = {name: lrp_section(layout, name, classes) for name in config["lrp"]}
    sections = [section for section, _ in built.values()]
    return {"lrp": sections}, {"lrp": {name: numbers for name, (_, numbers) in built.items()}}
