"""The jet page's per-jet view: test jets of the first seed of ``config["jets"]["model"]`` (each
class; highest and lowest score, and closest to the boundary), each drawn with its LRP and IG
relevance per constituent, its score and its XAUG values."""

from __future__ import annotations

from typing import Any

import numpy as np

from jetxai.report import figures
from jetxai.report.common import Classes, b64
from jetxai.report.labels import html
from jetxai.report.layout import StudyLayout

#: Jets shown per class in each of the view's groups.
JETS_PER_GROUP = 2
#: The groups of each class, in the order their jets are picked.
GROUPS = ("highest score", "lowest score", "closest to the boundary")


def _choose(lrp: dict[str, Any], candidates: list[int], classes: Classes) -> list[tuple[str, int]]:
    """(group title, row) of the jets shown: per class and group the first
    :data:`JETS_PER_GROUP` not shown yet."""
    logit = np.asarray(lrp["logit"])
    chosen: list[tuple[str, int]] = []
    for label in (1, 0):
        truth = classes.signal if label == 1 else classes.background
        mine = [i for i in candidates if lrp["label"][i] == label]
        by_score = sorted(mine, key=lambda i: logit[i])
        near = sorted(mine, key=lambda i: abs(logit[i]))
        for group, rows in zip(GROUPS, (by_score[::-1], by_score, near), strict=True):
            picked = [i for i in rows if i not in {c for _, c in chosen}][:JETS_PER_GROUP]
            chosen += [(f"{truth} jet, {group}", i) for i in picked]
    return chosen


def _view(
    number: int,
    group: str,
    i: int,
    lrp: dict[str, Any],
    ig: dict[str, Any] | None,
    ig_rows: dict[int, int],
) -> dict[str, Any]:
    """One jet: its figure, score, XAUG table and numbers."""
    names = [k.removeprefix("xaug_") for k in lrp if k.startswith("xaug_")]
    relevances = {"LRP": lrp["rel_constituents"][i]}
    if ig:
        relevances["IG (averaged background)"] = ig["rel_constituents"][ig_rows[lrp["test_row"][i]]]
    logit = lrp["logit"][i]
    score = 1.0 / (1.0 + np.exp(-logit))
    right = (score >= 0.5) == (lrp["label"][i] == 1)
    figure = figures.jet_relevance(
        lrp["constituent_deta"][i],
        lrp["constituent_dphi"][i],
        lrp["constituent_pt_rel"][i],
        relevances,
        f"{group}: score {score:.3f} ({'correctly' if right else 'wrongly'} classified)",
    )
    values = [
        {
            "name": html(n),
            "value": f"{lrp[f'xaug_{n}'][i]:.3g}",
            "relevance": f"{lrp[f'rel_xaug_{n}'][i]:+.3f}",
        }
        for n in names
    ]
    xaug = {n: {"value": lrp[f"xaug_{n}"][i], "relevance": lrp[f"rel_xaug_{n}"][i]} for n in names}
    return {
        "number": number,
        "group": group,
        "score": f"{score:.3f}",
        "correct": right,
        "png": b64(figure),
        "values": values,
        "numbers": {
            "group": group,
            "test_row": lrp["test_row"][i],
            "label": lrp["label"][i],
            "logit": logit,
            "xaug": xaug,
        },
    }


def jet_views(
    layout: StudyLayout, config: dict[str, Any], classes: Classes
) -> list[dict[str, Any]]:
    """The view's jets, or none where the study has no view or its files are older."""
    import pyarrow.parquet as pq

    view = config.get("jets")
    if not view:
        return []
    lrp_file = layout.lrp(view["model"]) / "relevance-seed-0.parquet"
    ig_file = layout.ig(view["model"], view["ig_baseline"]) / "relevance-seed-0.parquet"
    if not lrp_file.is_file():
        return []
    lrp = pq.read_table(lrp_file).to_pydict()
    ig = pq.read_table(ig_file).to_pydict() if ig_file.is_file() else None
    if "test_row" not in lrp or "constituent_deta" not in lrp:
        return []  # written by an older jetxai
    ig_rows = {r: i for i, r in enumerate(ig["test_row"])} if ig else {}
    candidates = [i for i, r in enumerate(lrp["test_row"]) if not ig or r in ig_rows]
    chosen = _choose(lrp, candidates, classes)
    return [_view(number, group, i, lrp, ig, ig_rows) for number, (group, i) in enumerate(chosen)]
