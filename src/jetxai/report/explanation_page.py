"""The page of a per-class explanation directory: a multi-class jetxai tagger explained per
logit (``jetxai explain --model``), or a weaver-core model (``jetxai explain
--weaver-network``). Its ``classes.json`` lists the classes and the explained logits, each in
its own directory with a ``ranking.json``.

One section per explained logit — the inputs ranked by their share of |relevance| (overall, the
class's own jets and the others'), the (Δη, Δφ) map of particle relevance for the class's jets
and the others', conservation (LRP) or completeness (IG) — after the rankings side by side and
the confusion matrix of the explained jets (weaver; for a jetxai run, of its test split, from
its metrics). ``report/metrics.json`` holds every number shown.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from jetxai.errors import InputError
from jetxai.report import figures
from jetxai.report.common import b64, read, write_page

#: Inputs shown in each logit's ranking figure, and rows of the side-by-side table.
SHOWN = 12
SIDE_BY_SIDE = 8


def _weaver_logit(report: dict[str, Any]) -> dict[str, Any]:
    """The page's view of a weaver explanation's ranking.json."""
    ranking = report["ranking"]
    parts = [k for k in ranking if k != "all"]
    maps = report.get("map_eta_phi")
    return {
        "ranking": {
            part: {e["variable"]: e["share"] for e in entries} for part, entries in ranking.items()
        },
        "parts": parts,
        "map": None if maps is None else {k: v for k, v in maps.items() if k != "edges"},
        "edges": None if maps is None else maps["edges"],
        "conservation": report["conservation"]["median"],
        "shares": report["input_share"] | report.get("source_share", {}),
        "jets": report["jets"],
        "jets_per_second": report.get("jets_per_second"),
        "method": report["method"],
    }


def _jetxai_logit(report: dict[str, Any], name: str, negative: str) -> dict[str, Any]:
    """The page's view of a jetxai run's ranking.json (mean over seeds): the constituent
    features' shares where the tagger reads constituents, else the XAUG shares."""
    seeds = report["seeds"]
    parts = {"all": "all", "signal": name, "background": negative}
    ranking: dict[str, dict[str, float]] = {shown: {} for shown in parts.values()}
    if "feature_share" in seeds[0]:
        for feature in seeds[0]["feature_share"]:
            for part, shown in parts.items():
                values = [s["feature_share"][feature][part] for s in seeds]
                ranking[shown][feature] = float(np.mean(values))
    elif "ensemble_ranking" in report:
        for part, shown in parts.items():
            shares = report["ensemble_ranking"]["share"][part]
            ranking[shown] = {k: v["mean"] for k, v in shares.items()}
    maps = [s["map_eta_phi"] for s in seeds if "map_eta_phi" in s]
    mean_map = None
    if maps:
        mean_map = {
            shown: np.mean([m[part] for m in maps], axis=0).tolist()
            for part, shown in (("signal", name), ("background", negative))
        }
    return {
        "ranking": ranking,
        "parts": [name, negative],
        "map": mean_map,
        "edges": maps[0]["edges"] if maps else None,
        "conservation": float(
            np.mean([s["conservation"]["median_abs_delta_over_logit"] for s in seeds])
        ),
        "shares": {},
        "jets": None,
        "jets_per_second": None,
        "method": report["method"],
    }


def _ordered(ranking: dict[str, float]) -> list[tuple[str, float]]:
    return sorted(ranking.items(), key=lambda item: -item[1])


def _section(name: str, logit: dict[str, Any]) -> dict[str, Any]:
    """One explained logit's figures and table rows."""
    top = _ordered(logit["ranking"]["all"])[:SHOWN]
    shown = {
        "name": name,
        "ranking": b64(
            figures.ranking(
                [n for n, _ in top], [v for _, v in top], [0.0] * len(top), f"logit {name}"
            )
        ),
        "parts": [
            {"part": part, "top": ", ".join(n for n, _ in _ordered(logit["ranking"][part])[:5])}
            for part in logit["parts"]
            if part in logit["ranking"]
        ],
        "conservation": logit["conservation"],
        "shares": logit["shares"],
        "jets": logit["jets"],
        "jets_per_second": logit["jets_per_second"],
        "method": logit["method"],
        "map": None,
    }
    if logit["map"]:
        shown["map"] = b64(figures.eta_phi_maps(logit["edges"], logit["map"]))
    return shown


def _confusion_figure(classes: list[str], confusion: dict[str, Any]) -> str:
    counts = np.asarray(confusion["counts"])
    rows = [k for k in range(len(classes)) if counts[k].sum() > 0]
    return b64(figures.confusion_matrix(classes, confusion["fraction"], rows))


def build_explanation_page(root: Path) -> Path:
    """Write ``root/report/index.html`` and ``metrics.json`` for the explanation in ``root``."""
    listing = read(root / "classes.json")
    classes, explained = list(listing["classes"]), list(listing["explained"])
    weaver = listing.get("kind") == "weaver-explanation"
    if not explained:
        raise InputError(f"{root}: classes.json lists no explained logit")
    logits = {}
    for name in explained:
        report = read(root / name / "ranking.json")
        if weaver:
            logits[name] = _weaver_logit(report)
        else:
            first, _, second = name.partition("-vs-")
            logits[name] = _jetxai_logit(report, first, second or "the others")
    rows = []
    for rank in range(SIDE_BY_SIDE):
        cells = []
        for name in explained:
            ordered = _ordered(logits[name]["ranking"]["all"])
            cells.append(
                f"{ordered[rank][0]} ({ordered[rank][1]:.3f})" if rank < len(ordered) else ""
            )
        rows.append(cells)
    confusion = listing.get("confusion")
    context: dict[str, Any] = {
        "title": "weaver-core model explained per class"
        if weaver
        else "Tagger explained per class",
        "classes": classes,
        "explained": explained,
        "side_by_side": rows,
        "sections": [_section(name, logits[name]) for name in explained],
        "confusion": None if confusion is None else _confusion_figure(classes, confusion),
        "confusion_of": "" if weaver else ", on the run's test split (first seed)",
        "source": {k: listing[k] for k in ("network", "weights", "data_config") if k in listing},
        "files": listing.get("files", []),
    }
    metrics = {
        "classes": classes,
        "explained": {
            name: {
                "ranking": _ordered(logit["ranking"]["all"]),
                "conservation_median": logit["conservation"],
                "shares": logit["shares"],
                "jets": logit["jets"],
                "jets_per_second": logit["jets_per_second"],
            }
            for name, logit in logits.items()
        },
        "confusion": confusion,
    }
    return write_page(root / "report", "explanation.html.j2", context, metrics)
