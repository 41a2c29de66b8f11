"""What both report pages share: reading a study's files, writing a cell of a table (mean ± seed
spread, the statistical interval, "≥" for bounds), embedding a figure, naming the classes, and
writing the page and its metrics atomically."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jetxai._io import atomic_path, read_json_object, write_json
from jetxai.errors import InputError
from jetxai.evaluate.seeds import statistics_text


def b64(figure: Any) -> str:
    """A figure (a matplotlib Figure of :mod:`jetxai.report.figures`, or PNG bytes) as the
    base64 PNG text an ``<img src="data:…">`` embeds."""
    from jetxai.report.figures import png

    data = figure if isinstance(figure, bytes) else png(figure)
    return base64.b64encode(data).decode()


def captioned(figure: Any, caption: str) -> dict[str, str]:
    """A figure of a section: the embedded PNG and the one sentence saying what to read in it."""
    return {"png": b64(figure), "caption": caption}


def pm(metric: dict[str, Any], digits: int = 4, bound: bool = False) -> str:
    """mean ± std; "≥" marks a rejection where no test background jet passed for some seed."""
    return f"{'≥ ' if bound else ''}{metric['mean']:.{digits}g} ± {metric['std']:.2g}"


def auc_stat(metric: dict[str, Any]) -> str:
    """ " ± stat" of an AUC where the metrics carry it."""
    return f" ± {metric['stat']:.2g} (stat)" if "stat" in metric else ""


def rejection_cell(run: dict[str, Any], point: str) -> str:
    """1/ε_B: mean ± seed spread, the statistical interval of one seed's measurement and the
    background jets passing; "≥" where fewer than ten pass for some seed (a bound)."""
    metric = run[f"rejection_{point}"]
    statistics = statistics_text(metric)
    bound = any(seed.get(f"rejection_{point}_is_lower_bound") for seed in run["per_seed"])
    return pm(metric, 3, bound) + (f" {statistics}" if statistics else "")


def efficiency_cell(run: dict[str, Any]) -> str:
    """ε_S at ε_B = 1 %: mean ± seed spread, its Clopper–Pearson interval from the test signal
    count and the background jets passing at the working point; "≈" where fewer than ten pass
    for some seed (the working point itself is then uncertain); "–" where the run has none."""
    metric = run.get("efficiency_0.01")
    if metric is None:
        return "–"
    statistics = statistics_text(metric, "bkg")  # empty for metrics from before the statistics
    text = pm(metric, 3) + (f" {statistics}" if statistics else "")
    return ("≈ " if metric.get("is_imprecise") else "") + text


def balanced_accuracy_cell(run: dict[str, Any]) -> str:
    """The balanced accuracy at its best threshold: mean ± seed spread ± binomial stat; "–"
    for runs written before it was recorded."""
    metric = run.get("balanced_accuracy")
    if metric is None:
        return "–"
    return pm(metric, 3) + (f" ± {metric['stat']:.2g} (stat)" if "stat" in metric else "")


def background_counts(run: dict[str, Any]) -> list[float]:
    """Each seed's test background count (effective when weighted); runs trained before the
    counts were recorded draw their curves in full (an enormous count)."""
    return [float(seed.get("background_effective", 1e300)) for seed in run["per_seed"]]


def read(path: Path) -> dict[str, Any]:
    """A study file, or the one-line error saying to run the study first."""
    if not path.is_file():
        raise InputError(f"{path}: missing; run the study (jetxai demo) first")
    return read_json_object(path)


def energy_label(manifests: Iterable[dict[str, Any]]) -> str:
    """ "√s = … TeV" where the datasets record one collision energy ("" otherwise,
    e.g. imported public data)."""
    energies = {m.get("config", {}).get("sqrt_s") for m in manifests}
    if len(energies) != 1 or None in energies:
        return ""
    (energy,) = energies
    return f"√s = {float(energy) / 1000:g} TeV"


@dataclass(frozen=True)
class Classes:
    """How the page names the two classes ("top", "QCD"): the catalogue's titles of the
    processes in the data, several of one class joined by " + "."""

    signal: str
    background: str

    @classmethod
    def of(cls, processes: Iterable[str], signal: Iterable[str] | None = None) -> Classes:
        """The classes of ``processes``: ``signal`` those the study counted as signal (None:
        every process the catalogue does not call background)."""
        from jetxai.catalogue import backgrounds, title

        names = sorted(set(processes))
        if signal is None:
            background = backgrounds(names)
        else:
            counted = set(signal)
            background = [n for n in names if n not in counted]
        chosen = [n for n in names if n not in background]
        return cls(
            " + ".join(title(n) for n in chosen) or "signal",
            " + ".join(title(n) for n in background) or "background",
        )

    def jets(self, label: int) -> str:
        """ "top jets" for label 1, "QCD jets" for 0."""
        return f"{self.signal if label == 1 else self.background} jets"


def write_page(out: Path, template: str, context: dict[str, Any], metrics: dict[str, Any]) -> Path:
    """Render ``template`` with ``context`` into ``out/index.html`` and write ``metrics`` to
    ``out/metrics.json``, each atomically; return the page."""
    from jinja2 import Environment, PackageLoader

    # autoescape everything: the templates are *.html.j2, which select_autoescape() would not
    environment = Environment(loader=PackageLoader("jetxai.report"), autoescape=True)
    page = environment.get_template(template).render(**context)
    out.mkdir(exist_ok=True)
    with atomic_path(out / "index.html") as tmp:
        tmp.write_text(page)
    write_json(out / "metrics.json", json.loads(json.dumps(metrics, default=float)))
    return out / "index.html"
