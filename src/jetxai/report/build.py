"""Building the report of a study directory: ``report/index.html`` (self-contained, images
embedded) and ``report/metrics.json`` (every number the page shows).

The study's ``study.json`` says its kind; :mod:`jetxai.report.layout` says where each kind keeps
its files. A jet-tagging study (``jetxai demo``) gets the tagger page, an event-classification
study (``jetxai study``) the event page.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from jetxai import data
from jetxai._io import atomic_path, read_json_object, write_json
from jetxai.errors import InputError
from jetxai.evaluate.seeds import statistics_text
from jetxai.evaluate.statistics import MIN_PASSING
from jetxai.features import column
from jetxai.generate.events.record import STAGE_NAMES, STAGES
from jetxai.report import figures
from jetxai.report.labels import html
from jetxai.report.layout import EVENT_CLASSIFICATION, JET_TAGGING, KINDS, StudyLayout

SHOWN_XAUG = ("mass", "tau32", "d2", "msd")


def _b64(png: bytes) -> str:
    return base64.b64encode(png).decode()


def _pm(metric: dict[str, Any], digits: int = 4, bound: bool = False) -> str:
    """mean ± std; "≥" marks a rejection where no test background jet passed for some seed."""
    return f"{'≥ ' if bound else ''}{metric['mean']:.{digits}g} ± {metric['std']:.2g}"


def _bounded(run: dict[str, Any], point: str) -> bool:
    return any(seed.get(f"rejection_{point}_is_lower_bound") for seed in run["per_seed"])


def _auc_stat(metric: dict[str, Any]) -> str:
    """ " ± stat" of an AUC where the metrics carry it."""
    return f" ± {metric['stat']:.2g} (stat)" if "stat" in metric else ""


def _rejection_cell(run: dict[str, Any], point: str) -> str:
    """1/ε_B: mean ± seed spread, the statistical interval of one seed's measurement and the
    background jets passing; "≥" where fewer than ten pass for some seed (a bound)."""
    metric = run[f"rejection_{point}"]
    statistics = statistics_text(metric)
    return _pm(metric, 3, _bounded(run, point)) + (f" {statistics}" if statistics else "")


def _background_counts(run: dict[str, Any]) -> list[float]:
    """Each seed's test background count (effective when weighted); runs trained before the
    counts were recorded draw their curves in full (an enormous count)."""
    return [float(seed.get("background_effective", 1e300)) for seed in run["per_seed"]]


def _reduced_roc(layout: StudyLayout, reduced: dict[str, Any]) -> str | None:
    """ROC curves of the network retrained on the k leading variables of the first ordering
    (the LRP one), beside the network on all of them; None for studies that did not record
    where the curve's networks are."""
    from jetxai.train.reduced import k_directory

    directories = reduced.get("directories")
    if not directories:
        return None
    label = next(iter(directories))
    curves, background = {}, {}
    for k in reduced["ks"]:
        run = _read(k_directory(layout.reduced / directories[label], k) / "metrics.json")
        name = f"{k} leading XAUG{'s' if k > 1 else ''}"
        curves[name] = [seed["roc"] for seed in run["per_seed"]]
        background[name] = _background_counts(run)
    return _b64(figures.roc_curves(curves, background, MIN_PASSING))


def _xaug_gains(config: dict[str, Any], layout: StudyLayout) -> list[dict[str, str]]:
    """Each low-level model trained with and without XAUGs (``x`` and ``x-xaug`` both in the
    study): its working points side by side, mean ± seed spread, and the change."""
    rows = []
    for name in config["models"]:
        if f"{name}-xaug" not in config["models"]:
            continue
        plain = _read(layout.runs(name) / "metrics.json")
        added = _read(layout.runs(f"{name}-xaug") / "metrics.json")
        for key, label in (
            ("efficiency_0.01", "ε<sub>S</sub> at ε<sub>B</sub> = 1 %"),
            ("rejection_0.5", "1/ε<sub>B</sub> at ε<sub>S</sub> = 0.5"),
            ("auc", "AUC"),
        ):
            if key not in plain or key not in added:
                continue
            a, b = plain[key], added[key]
            change = b["mean"] - a["mean"]
            spread = float(np.hypot(a["std"], b["std"]))
            rows.append(
                {
                    "model": name,
                    "point": label,
                    "without": _pm(a, 3),
                    "with": _pm(b, 3),
                    "change": f"{change:+.3g} ± {spread:.2g}",
                    "numbers": {"model": name, "metric": key, "change": change, "spread": spread},
                }
            )
    return rows


def _captioned(png: bytes, caption: str) -> dict[str, str]:
    """A figure of a section: the embedded PNG and the one sentence saying what to read in it."""
    return {"png": _b64(png), "caption": caption}


def _signed_mean(ranking: dict[str, Any], name: str) -> float:
    """A variable's mean signed attribution over all explained jets (rankings written before
    signed means were recorded give NaN)."""
    return float(ranking.get("mean_relevance", {}).get(name, {}).get("all", float("nan")))


#: Jets shown per class in each of the per-jet view's groups (highest score, lowest score,
#: closest to the decision boundary).
JETS_PER_GROUP = 2


def _jet_views(layout: StudyLayout, config: dict[str, Any]) -> list[dict[str, Any]]:
    """The per-jet view: jets of the first seed of ``config["jets"]["model"]`` (top and QCD;
    highest and lowest score, and closest to the boundary), each drawn with its LRP and IG
    relevance per constituent, its score and its XAUG values."""
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
    logit = np.asarray(lrp["logit"])
    names = [k.removeprefix("xaug_") for k in lrp if k.startswith("xaug_")]
    chosen: list[tuple[str, int]] = []
    for label, truth in ((1, "top"), (0, "QCD")):
        mine = [i for i in candidates if lrp["label"][i] == label]
        by_score = sorted(mine, key=lambda i: logit[i])
        near = sorted(mine, key=lambda i: abs(logit[i]))
        for group, rows in (
            ("highest score", by_score[::-1]),
            ("lowest score", by_score),
            ("closest to the boundary", near),
        ):
            picked = [i for i in rows if i not in {c for _, c in chosen}][:JETS_PER_GROUP]
            chosen += [(f"{truth} jet, {group}", i) for i in picked]
    views = []
    for number, (group, i) in enumerate(chosen):
        relevances = {"LRP": lrp["rel_constituents"][i]}
        if ig:
            relevances["IG (averaged background)"] = ig["rel_constituents"][
                ig_rows[lrp["test_row"][i]]
            ]
        score = 1.0 / (1.0 + np.exp(-logit[i]))
        right = (score >= 0.5) == (lrp["label"][i] == 1)
        png = figures.jet_relevance(
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
        views.append(
            {
                "number": number,
                "group": group,
                "score": f"{score:.3f}",
                "correct": right,
                "png": _b64(png),
                "values": values,
                "numbers": {
                    "group": group,
                    "test_row": lrp["test_row"][i],
                    "label": lrp["label"][i],
                    "logit": logit[i],
                    "xaug": {
                        n: {"value": lrp[f"xaug_{n}"][i], "relevance": lrp[f"rel_xaug_{n}"][i]}
                        for n in names
                    },
                },
            }
        )
    return views


def _read(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise InputError(f"{path}: missing; run the study (jetxai demo) first")
    return read_json_object(path)


def build_report(study: str | os.PathLike[str]) -> Path:
    """Write ``study/report/index.html`` and ``study/report/metrics.json``; return the page."""
    try:
        return _build(Path(study))
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError(
            f"{study}: the study's files are not what jetxai writes ({type(exc).__name__}: {exc})"
        ) from None


def _build(study: Path) -> Path:

    layout = StudyLayout(study)
    config = _read(layout.config)
    kind = config.get("kind", JET_TAGGING)  # demo directories from before kinds were recorded
    if kind == EVENT_CLASSIFICATION:
        return _build_event_page(layout, config)
    if kind != JET_TAGGING:
        raise InputError(f"{layout.config}: unknown study kind {kind!r}; jetxai writes {KINDS}")
    paths = config.get("sample_paths", {})  # a study on given datasets says where they are
    where = {s: Path(paths[s]) if s in paths else layout.data(s) for s in config["samples"]}
    manifests = {s: data.read_manifest(path) for s, path in where.items()}
    with figures.experiment_label(energy_label(manifests.values())):
        return _build_jet_page(layout, config, where, manifests)


def energy_label(manifests: Iterable[dict[str, Any]]) -> str:
    """ "√s = … TeV" where the datasets record one collision energy ("" otherwise,
    e.g. imported public data)."""
    energies = {m.get("config", {}).get("sqrt_s") for m in manifests}
    if len(energies) != 1 or None in energies:
        return ""
    (energy,) = energies
    return f"√s = {float(energy) / 1000:g} TeV"


def _build_jet_page(
    layout: StudyLayout,
    config: dict[str, Any],
    where: dict[str, Path],
    manifests: dict[str, dict[str, Any]],
) -> Path:
    """The page of a jet-tagging study (the demo's, on its own data or on given datasets)."""
    from jinja2 import Environment, PackageLoader

    metrics: dict[str, Any] = {"config": config}
    samples = []
    values: dict[str, dict[str, tuple[np.ndarray, None]]] = {n: {} for n in SHOWN_XAUG}
    for sample in config["samples"]:
        manifest = manifests[sample]
        jets = data.read(where[sample], columns=["process", *(column(n) for n in SHOWN_XAUG)])
        samples.append(
            {
                "name": sample,
                # imported data: its processes and source format, no generator numbers
                "process": manifest["config"].get("process")
                or ", ".join(sorted(set(jets.process.to_list())))
                + f" ({manifest.get('source_format', 'imported')})",
                "jets": manifest["jets_kept"],
                "events": manifest.get("events_tried"),
                "sigma": manifest.get("cross_section_pb"),
                "jets_per_event": manifest.get("jets_per_event"),
            }
        )
        for name in SHOWN_XAUG:
            values[name][sample] = (jets[column(name)].to_numpy(), None)
    metrics["datasets"] = samples
    distribution_figures = [_b64(figures.distributions(values[n], n)) for n in SHOWN_XAUG]

    models, curves = [], {}
    background: dict[str, list[float]] = {}
    metrics["taggers"] = {}
    for name in config["models"]:
        run = _read(layout.runs(name) / "metrics.json")
        models.append(
            {
                "name": name,
                "auc": _pm(run["auc"]) + _auc_stat(run["auc"]),
                "r03": _rejection_cell(run, "0.3"),
                "r05": _rejection_cell(run, "0.5"),
                "efficiency": _pm(run["efficiency_0.01"], 3) if "efficiency_0.01" in run else "–",
                "accuracy": _pm(run["accuracy"], 3),
            }
        )
        curves[name] = [seed["roc"] for seed in run["per_seed"]]
        background[name] = _background_counts(run)
        metrics["taggers"][name] = {
            k: run[k]
            for k in ("auc", "rejection_0.3", "rejection_0.5", "efficiency_0.01", "accuracy")
            if k in run
        }

    lrp_sections = []
    metrics["lrp"] = {}
    for name in config["lrp"]:
        report = _read(layout.lrp(name) / "ranking.json")
        section: dict[str, Any] = {"name": name, "figures": []}
        shown: dict[str, Any] = {}  # the numbers of this section's figures, for metrics.json
        deltas = [s["conservation"]["median_abs_delta_over_logit"] for s in report["seeds"]]
        section["conservation"] = f"{np.median(deltas):.2f}"
        if "ensemble_ranking" in report:
            ranking = report["ensemble_ranking"]
            order = ranking["order"]
            share = ranking["share"]["all"]
            png = figures.ranking(
                order,
                [share[n]["mean"] for n in order],
                [share[n]["std"] for n in order],
                f"LRP XAUG ranking, {name}",
            )
            section["figures"].append(
                _captioned(
                    png,
                    "Each XAUG variable's share of the XAUG relevance (mean over seeds, "
                    "error bars their spread): the variables on top are the ones this network's "
                    "decision rests on most.",
                )
            )
        if "xaug_share" in report:
            s = report["xaug_share"]
            section["share"] = _pm(s["all"], 3)
            section["share_signal"] = _pm(s["signal"], 3)
            section["share_background"] = _pm(s["background"], 3)
        first = report["seeds"][0]
        if "profile_dr" in first:
            edges = first["profile_dr"]["edges"]
            series, spread = {"all jets": first["profile_dr"]["mean_relevance"]}, None
            caption = "one seed"
            if all("profile_dr_by_class" in s for s in report["seeds"]):
                series, spread = {}, {}
                for part, label in (("signal", "top jets"), ("background", "QCD jets")):
                    per_seed = np.array(
                        [s["profile_dr_by_class"][part]["mean_relevance"] for s in report["seeds"]]
                    )
                    series[label] = per_seed.mean(axis=0).tolist()
                    spread[label] = per_seed.std(axis=0).tolist()
                caption = "top and QCD jets, mean over seeds with their spread"
            shown["profile_dr"] = {"edges": edges, "mean": series} | (
                {"std_over_seeds": spread} if spread else {}
            )
            png = figures.profile(edges, series, r"$\Delta R$ to the jet axis", spread)
            section["figures"].append(
                _captioned(
                    png,
                    "Mean relevance per constituent against its distance from the jet axis "
                    f"({caption}): where in the jet the network looks.",
                )
            )
        if "feature_share" in first:
            features = list(first["feature_share"])
            per_seed = np.array(
                [[s["feature_share"][f]["all"] for f in features] for s in report["seeds"]]
            )
            order = np.argsort(-per_seed.mean(axis=0), kind="stable")
            shown["feature_share"] = [  # in the figure's order (JSON objects lose theirs)
                {"feature": features[i], "mean": per_seed[:, i].mean(), "std": per_seed[:, i].std()}
                for i in order
            ]
            png = figures.ranking(
                [features[i] for i in order],
                per_seed.mean(axis=0)[order],
                per_seed.std(axis=0)[order],
                f"LRP per constituent feature, {name}",
                xlabel="share of the low-level |relevance|",
            )
            section["figures"].append(
                _captioned(
                    png,
                    "Each constituent input feature's share of the relevance that "
                    "reaches the particles (summed over a jet's constituents; mean over seeds): "
                    "which property of the particles the network reads.",
                )
            )
        if "map_eta_phi" in first:
            maps = first["map_eta_phi"]
            shown["map_eta_phi"] = maps
            png = figures.eta_phi_maps(
                maps["edges"], {"top jets": maps["signal"], "QCD jets": maps["background"]}
            )
            section["figures"].append(
                _captioned(
                    png,
                    "Mean LRP relevance per jet in the (Δη, Δφ) plane around the jet axis "
                    "(one seed; each panel on its own colour scale): red regions speak for a "
                    "top jet, blue against it — the constituent-tagger analogue of the mean "
                    "relevance image.",
                )
            )
        if "images" in first:  # an image tagger: the mean relevance jet images
            images = first["images"]
            shown["images"] = images
            png = figures.relevance_images(
                images.get("extent", 1.0),
                {
                    "top jets": images["signal"],
                    "QCD jets": images["background"],
                    "top − QCD": images["difference"],
                },
            )
            section["figures"].append(
                _captioned(
                    png,
                    "Mean LRP relevance per pixel of the centred and rotated jet images (one "
                    "seed; each panel on its own colour scale): the pixels whose intensity "
                    "speaks for a top jet (red) or against it (blue).",
                )
            )
        relevance_file = layout.lrp(name) / "relevance-seed-0.parquet"
        if "ensemble_ranking" in report and relevance_file.is_file():
            import pyarrow.parquet as pq

            leading = report["ensemble_ranking"]["order"][:3]
            table = pq.read_table(
                relevance_file, columns=["label", *(f"rel_xaug_{n}" for n in leading)]
            ).to_pydict()
            labels = np.asarray(table["label"])
            for variable in leading:
                per_jet = np.asarray(table[f"rel_xaug_{variable}"])
                png = figures.relevance_distribution(
                    {"top jets": per_jet[labels == 1], "QCD jets": per_jet[labels == 0]}, variable
                )
                section["figures"].append(
                    _captioned(
                        png,
                        "Per-jet LRP relevance of one of the three leading XAUG "
                        "variables, top against QCD jets (one seed): a variable that pushes top "
                        "jets up and QCD jets down is used to tell them apart, not merely large.",
                    )
                )
        lrp_sections.append(section)
        metrics["lrp"][name] = (
            {k: report.get(k) for k in ("ensemble_ranking", "xaug_share")}
            | {"conservation_median": float(np.median(deltas))}
            | shown
        )

    ig_model = config["ig"]
    signed: dict[str, dict[str, tuple[float, float]]] = {}
    completeness: list[dict[str, str]] = []
    completeness_numbers: list[dict[str, Any]] = []  # the same for metrics.json, unrounded
    scorecard: list[dict[str, Any]] = []
    for baseline in config["ig_baselines"]:
        report = _read(layout.ig(ig_model, baseline) / "ranking.json")
        names = list(report["seeds"][0]["ranking"]["mean_abs_relevance"])
        per_seed = np.array(
            [[_signed_mean(seed["ranking"], n) for n in names] for seed in report["seeds"]]
        )
        signed[baseline] = {
            n: (float(m), float(e))
            for n, m, e in zip(names, per_seed.mean(axis=0), per_seed.std(axis=0), strict=True)
        }
        ratios = [s["conservation"]["median_abs_delta_over_logit"] for s in report["seeds"]]
        median = float(np.median(ratios))
        completeness.append(
            {"baseline": baseline, "delta": f"{median:.2e}", "seeds": str(len(ratios))}
        )
        completeness_numbers.append(
            {"baseline": baseline, "median_abs_delta_over_logit": median, "seeds": len(ratios)}
        )
        first = report["seeds"][0]
        if "scorecard" in first and not scorecard:
            scorecard = first["scorecard"]
    # most important first: the largest |mean attribution| over the baselines
    order = sorted(names, key=lambda n: -max(abs(signed[b][n][0]) for b in signed))
    metrics["ig"] = {
        "model": ig_model,
        "mean_attribution": {
            b: {n: {"mean": v[0], "std": v[1]} for n, v in table.items()}
            for b, table in signed.items()
        },
        "completeness": completeness_numbers,
        "scorecard": [{k: v for k, v in r.items() if k != "mean_attribution"} for r in scorecard],
    }
    rows = [
        {
            "method": r["method"],
            "baseline": r["baseline"],
            "completeness": "–"
            if r["completeness_error"] is None
            else f"{r['completeness_error']:.2e}",
            "deletion": f"{r['deletion_auc']:.3f} ({r['random_deletion_auc']:.3f})",
            "seconds": f"{r['seconds']:.3f}",
        }
        for r in scorecard
    ]

    reduced = _read(layout.reduced / "curve.json")
    metrics["reduced"] = reduced
    reduced_png = figures.reduced_curve(
        reduced["ks"],
        {label: [p["rejection_0.5"] for p in c] for label, c in reduced["curves"].items()},
        reduced["reference"],
    )

    # autoescape everything: the template is *.html.j2, which select_autoescape() would not escape
    environment = Environment(loader=PackageLoader("jetxai.report"), autoescape=True)
    gains, jets = _xaug_gains(config, layout), _jet_views(layout, config)
    page = environment.get_template("index.html.j2").render(
        title=config.get("title", "jetxai study"),
        summary=config.get("summary", ""),
        datasets=samples,
        distributions=distribution_figures,
        seeds=config["seeds"],
        models=models,
        rejection_figure=_b64(figures.rejection_curves(curves, background, MIN_PASSING)),
        roc_figure=_b64(figures.roc_curves(curves, background, MIN_PASSING)),
        lrp=lrp_sections,
        ig_model=ig_model,
        baseline_figure=_b64(
            figures.baseline_comparison(
                order,
                {
                    b: ([table[n][0] for n in order], [table[n][1] for n in order])
                    for b, table in signed.items()
                },
            )
        ),
        completeness=completeness,
        scorecard=rows,
        reduced_figure=_b64(reduced_png),
        reduced_roc=_reduced_roc(layout, reduced),
        gains=gains,
        jets=jets,
        configuration=json.dumps(config, indent=2),
    )
    out = layout.report
    out.mkdir(exist_ok=True)
    with atomic_path(out / "index.html") as tmp:
        tmp.write_text(page)
    metrics["xaug_gains"] = [row["numbers"] for row in gains]
    metrics["jets"] = [view["numbers"] for view in jets]
    write_json(out / "metrics.json", json.loads(json.dumps(metrics, default=float)))
    return out / "index.html"


def _build_event_page(layout: StudyLayout, config: dict[str, Any]) -> Path:
    """The page of an event-classification study: samples and cut flow, the classifier, and
    every explanation with its figures."""

    results = _read(layout.results)
    classifier = results["classifier"]
    manifests = [
        data.read_manifest(d)
        for d in config.get("datasets", [])
        if Path(d, "manifest.json").is_file()
    ]
    with figures.experiment_label(energy_label(manifests)):
        return _render_event_page(layout, config, results, classifier)


def _render_event_page(
    layout: StudyLayout,
    config: dict[str, Any],
    results: dict[str, Any],
    classifier: dict[str, Any],
) -> Path:
    from jinja2 import Environment, PackageLoader
    from markupsafe import Markup

    run = _read(layout.run / "metrics.json")
    curves = {"classifier": [seed["roc"] for seed in run["per_seed"]]}
    counts = {"classifier": _background_counts(run)}
    samples = [
        {
            "name": name,
            "sigma": entry["cross_section_pb"],
            "flow": [f"{entry['cut_flow'][stage]['efficiency']:.3g}" for stage in STAGES],
            "yield_fb": 1e3 * entry["selected_yield_pb"],
            "stored": entry["events_stored"],
        }
        for name, entry in results["samples"].items()
    ]
    explanations = [
        {
            "name": name,
            "leading": Markup(", ").join(html(n) for n in entry["ranking"][:5]),
            "deletion": f"{_pm(entry['deletion_auc'], 3)} ({entry['random_deletion_auc']:.3f})",
            "completeness": "–"
            if entry["completeness_error"] is None
            else f"{entry['completeness_error']:.1e}",
        }
        for name, entry in results["explanations"].items()
    ]
    pictures = [
        _b64(path.read_bytes())
        for path in sorted(layout.figures.glob("*.png"))
        if path.name in {Path(f).name for f in results.get("figures", [])}
    ]
    environment = Environment(loader=PackageLoader("jetxai.report"), autoescape=True)
    page = environment.get_template("event.html.j2").render(
        title=config.get("title", "jetxai event study"),
        summary=config.get("summary", ""),
        stages=[STAGE_NAMES[stage] for stage in STAGES],
        samples=samples,
        seeds=len(classifier["auc"]["values"]),
        auc=_pm(run["auc"]) + _auc_stat(run["auc"]),
        efficiency=_pm(classifier["efficiency_0.01"], 3),
        r05=_rejection_cell(run, "0.5"),
        curves=[
            _b64(figures.roc_curves(curves, counts, MIN_PASSING)),
            _b64(figures.rejection_curves(curves, counts, MIN_PASSING)),
        ],
        explained=results["explained"],
        explanations=explanations,
        figures=pictures,
        configuration=json.dumps(config, indent=2),
    )
    layout.report.mkdir(exist_ok=True)
    with atomic_path(layout.report / "index.html") as tmp:
        tmp.write_text(page)
    metrics = {"config": config} | {k: v for k, v in results.items() if k != "figures"}
    write_json(layout.report / "metrics.json", json.loads(json.dumps(metrics, default=float)))
    return layout.report / "index.html"
