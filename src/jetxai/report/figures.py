"""Report figures: pure functions from numbers to matplotlib Figures (mplhep style), which a
notebook shows as they are; :func:`png` renders one as the PNG the report page embeds.

HEP conventions: labelled axes with units, background rejection on a log scale, seed bands as
the spread between seeds.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import numpy as np
import numpy.typing as npt

from jetxai.evaluate.statistics import clopper_pearson_band
from jetxai.report.labels import axis_label, literal, symbol


@contextmanager
def _style() -> Iterator[None]:
    """The figures' style (mplhep's ROOT style, 13 pt), for drawing and for rendering."""
    import matplotlib.style
    import mplhep
    from matplotlib import rc_context

    with matplotlib.style.context(mplhep.style.ROOT), rc_context({"font.size": 13}):
        yield


@contextmanager
def _figure(width: float = 6.4, height: float = 4.4) -> Iterator[Any]:
    """A new Figure with one Axes, drawn in the figures' style. The figure is made without
    pyplot (no backend is switched, nothing is kept in pyplot's registry), so a notebook's own
    backend stays as it was and the Figure can be shown, saved or changed there."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    with _style():
        fig = Figure(figsize=(width, height))
        FigureCanvasAgg(fig)
        yield fig, fig.subplots()


#: The right-hand experiment label of physics figures ("√s = 14 TeV"), set for a block
#: by :func:`experiment_label`; None: no label (figures of numbers that are not simulation).
_RIGHT_LABEL: ContextVar[str | None] = ContextVar("right_label", default=None)
#: Resolution of the embedded PNGs: sharp on 2× displays at their shown size.
DPI = 150


@contextmanager
def experiment_label(right: str) -> Iterator[None]:
    """Figures drawn in the block carry mplhep's "jetxai Simulation" label with ``right`` (the
    collision energy) on the right."""
    token = _RIGHT_LABEL.set(right)
    try:
        yield
    finally:
        _RIGHT_LABEL.reset(token)


def _finish(fig: Any) -> Any:
    """The finished Figure: labelled as simulation where :func:`experiment_label` says so, laid
    out tightly (inside the figures' style, as it was drawn)."""
    right = _RIGHT_LABEL.get()
    if right is not None:
        import mplhep

        for ax in fig.axes:
            if ax.get_label() == "<colorbar>":
                continue
            mplhep.label.exp_label(
                exp="jetxai", llabel="Simulation", rlabel=right, ax=ax, fontsize=11, loc=0
            )
    fig.tight_layout()
    return fig


def png(fig: Any) -> bytes:
    """A figure of this module as the PNG the report embeds (:data:`DPI`)."""
    buffer = io.BytesIO()
    with _style():
        fig.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _normalised_histograms(
    ax: Any,
    values: Mapping[str, tuple[npt.ArrayLike, npt.ArrayLike | None]],
    n_bins: int,
    fallback: tuple[float, float],
) -> None:
    """Normalised step histograms (label → (values, weights or None)) over the central 99 % of
    all values, with each bin's statistical uncertainty (√Σw²) as error bars."""
    everything = np.concatenate([np.asarray(v, dtype=float) for v, _ in values.values()])
    low, high = np.quantile(everything, [0.005, 0.995]) if len(everything) else fallback
    bins = np.linspace(low, high if high > low else low + 1, n_bins + 1)
    centres, widths = (bins[1:] + bins[:-1]) / 2, np.diff(bins)
    for label, (v, w) in values.items():
        v = np.asarray(v, dtype=float)
        w = np.ones_like(v) if w is None else np.asarray(w, dtype=float)
        counts, _ = np.histogram(v, bins, weights=w)
        squares, _ = np.histogram(v, bins, weights=w**2)
        scale = 1.0 / (w.sum() * widths) if w.sum() > 0 else np.zeros_like(widths)
        patch = ax.stairs(counts * scale, bins, linewidth=1.8, label=literal(label))
        ax.errorbar(
            centres,
            counts * scale,
            yerr=np.sqrt(squares) * scale,
            fmt="none",
            ecolor=patch.get_edgecolor(),
            elinewidth=1,
        )


def distributions(
    values: Mapping[str, tuple[npt.ArrayLike, npt.ArrayLike | None]], name: str
) -> Any:
    """Normalised histograms of one XAUG variable for each sample (label → (values, weights)),
    with the statistical uncertainty of each bin as error bars."""
    with _figure(5.0, 3.8) as (fig, ax):
        _normalised_histograms(ax, values, 40, (0.0, 1.0))
        ax.set_xlabel(axis_label(name))
        ax.set_ylabel("normalised jets")
        ax.legend(fontsize=11)
        return _finish(fig)


def measured(
    background_efficiency: np.ndarray, counts: Sequence[float] | None, min_passing: float
) -> np.ndarray:
    """Grid points (columns of the per-seed ``background_efficiency`` rows) where every seed has
    at least ``min_passing`` of its ``counts`` background jets passing (all, without counts)."""
    if counts is None:
        return np.ones(background_efficiency.shape[1], dtype=bool)
    passing = background_efficiency * np.asarray(counts, dtype=np.float64)[:, None]
    return np.asarray((passing >= min_passing).all(axis=0))


def _statistical_band(
    efficiency: np.ndarray, counts: Sequence[float]
) -> tuple[np.ndarray, np.ndarray]:
    """The envelope over seeds of each seed's Clopper–Pearson 68 % interval of ε_B (rows: seeds,
    ``counts``: each seed's test background count): statistics and seed spread together."""
    lows, highs = [], []
    for row, n in zip(efficiency, counts, strict=True):
        low, high = clopper_pearson_band(row * n, n)
        lows.append(low)
        highs.append(high)
    return np.min(lows, axis=0), np.max(highs, axis=0)


def rejection_curves(
    curves: Mapping[str, Sequence[Mapping[str, Sequence[float]]]],
    background: Mapping[str, Sequence[float]] | None = None,
    min_passing: float = 10.0,
) -> Any:
    """1/ε_B against ε_S (log scale) per model, median over seeds with a min–max band.

    With ``background`` (per model, each seed's number of test background jets) a curve stops
    where fewer than ``min_passing`` background jets pass: beyond it 1/ε_B is not measured; and
    a lighter band spans every seed's Clopper–Pearson 68 % interval (statistics and seeds)."""
    grid = np.linspace(0.05, 1.0, 96)
    with _figure() as (fig, ax):
        for label, per_seed in curves.items():
            efficiency = np.array(
                [
                    np.interp(grid, roc["signal_efficiency"], roc["background_efficiency"])
                    for roc in per_seed
                ]
            )
            counts = background[label] if background else None
            keep = measured(efficiency, counts, min_passing) & (efficiency > 0).all(axis=0)
            if not keep.any():
                continue  # nowhere measured: no curve rather than a made-up one
            stack = 1.0 / np.where(efficiency > 0, efficiency, 1.0)
            line = ax.plot(
                grid[keep], np.median(stack[:, keep], axis=0), label=literal(label), linewidth=1.8
            )[0]
            ax.fill_between(
                grid[keep],
                stack[:, keep].min(axis=0),
                stack[:, keep].max(axis=0),
                color=line.get_color(),
                alpha=0.3,
            )
            if counts is not None:
                low, high = _statistical_band(efficiency[:, keep], counts)
                ax.fill_between(
                    grid[keep], 1.0 / high, 1.0 / low, color=line.get_color(), alpha=0.12
                )
        if ax.lines:
            ax.set_yscale("log")
            ax.legend(fontsize=10)
        else:
            ax.text(0.5, 0.5, "too few test background jets", ha="center", transform=ax.transAxes)
        ax.set_xlabel(r"signal efficiency $\varepsilon_S$")
        ax.set_ylabel(r"background rejection $1/\varepsilon_B$")
        return _finish(fig)


def roc_curves(
    curves: Mapping[str, Sequence[Mapping[str, Sequence[float]]]],
    background: Mapping[str, Sequence[float]] | None = None,
    min_passing: float = 10.0,
) -> Any:
    """ROC: background efficiency (log) against signal efficiency per model, median over seeds
    with a min–max band; with ``background`` (each seed's test background count) a curve stops
    where fewer than ``min_passing`` background jets pass, and a lighter band spans every seed's
    Clopper–Pearson 68 % interval."""
    grid = np.linspace(0.0, 1.0, 101)
    with _figure() as (fig, ax):
        for label, per_seed in curves.items():
            stack = np.array(
                [
                    np.interp(grid, roc["signal_efficiency"], roc["background_efficiency"])
                    for roc in per_seed
                ]
            )
            keep = measured(stack, background[label] if background else None, min_passing)
            if not keep.any():
                continue
            line = ax.plot(
                grid[keep], np.median(stack[:, keep], axis=0), label=literal(label), linewidth=1.8
            )[0]
            ax.fill_between(
                grid[keep],
                stack[:, keep].min(axis=0),
                stack[:, keep].max(axis=0),
                color=line.get_color(),
                alpha=0.3,
            )
            counts = background[label] if background else None
            if counts is not None:
                low, high = _statistical_band(stack[:, keep], counts)
                ax.fill_between(grid[keep], low, high, color=line.get_color(), alpha=0.12)
        ax.plot(grid, grid, color="grey", linestyle=":", label="random")
        ax.set_yscale("log")
        ax.set_ylim(1e-4, 1.0)
        ax.set_xlabel(r"signal efficiency $\varepsilon_S$")
        ax.set_ylabel(r"background efficiency $\varepsilon_B$")
        ax.legend(fontsize=10)
        return _finish(fig)


def ranking(
    names: Sequence[str],
    mean: Sequence[float],
    std: Sequence[float],
    title: str,
    xlabel: str = "share of |relevance|",
    intervals: Sequence[Sequence[float]] | None = None,
    resolved: Sequence[bool] | None = None,
) -> Any:
    """Horizontal bars (e.g. relevance shares) with seed error bars, the first name on top;
    ``intervals``: each bar's (low, high) interval over jets, drawn as a thick black line
    along its lower edge; ``resolved``: False where a position is not resolved from a
    neighbour's (its bar drawn hatched and pale, its label marked ≈)."""
    with _figure(5.6, 0.32 * len(names) + 1.6) as (fig, ax):
        positions = np.arange(len(names))[::-1]
        apart = [True] * len(names) if resolved is None else list(resolved)
        colours = ["#4477aa" if ok else "#a9bfd8" for ok in apart]
        bars = ax.barh(positions, mean, xerr=std, color=colours, capsize=2)
        for bar, ok in zip(bars, apart, strict=True):
            if not ok:
                bar.set_hatch("///")
        if intervals is not None:
            low = [i[0] for i in intervals]
            high = [i[1] for i in intervals]
            ax.hlines(positions - 0.22, low, high, color="black", linewidth=2.5,
                      label="interval over jets")  # fmt: skip
            ax.errorbar([], [], xerr=[], color="black", capsize=2, linewidth=1,
                        label="seed spread")  # fmt: skip
            ax.legend(fontsize=8, loc="lower right", frameon=False)
        labels = [symbol(n) + ("" if ok else " ≈") for n, ok in zip(names, apart, strict=True)]
        ax.set_yticks(positions, labels, fontsize=10)
        ax.axvline(0, color="grey", linewidth=0.8)
        ax.set_xlabel(xlabel)
        ax.set_title(literal(title), fontsize=12, pad=22)
        return _finish(fig)


def profile(
    edges: Sequence[float],
    series: Mapping[str, Sequence[float]],
    xlabel: str,
    errors: Mapping[str, Sequence[float]] | None = None,
) -> Any:
    """Mean per-constituent relevance in bins of a quantity (step lines per series), with
    ``errors`` (e.g. the seed spread) as error bars at the bin centres where given."""
    centres = (np.asarray(edges[1:], dtype=float) + np.asarray(edges[:-1], dtype=float)) / 2
    with _figure(5.0, 3.8) as (fig, ax):
        for label, values in series.items():
            patch = ax.stairs(values, edges, label=literal(label), linewidth=1.8)
            if errors and label in errors:
                ax.errorbar(
                    centres,
                    values,
                    yerr=errors[label],
                    fmt="none",
                    ecolor=patch.get_edgecolor(),
                    elinewidth=1,
                    capsize=2,
                )
        ax.axhline(0, color="grey", linewidth=0.8)
        ax.set_xlabel(xlabel)
        ax.set_ylabel("mean relevance per constituent")
        ax.legend(fontsize=10)
        return _finish(fig)


def baseline_comparison(
    names: Sequence[str],
    attributions: Mapping[str, tuple[Sequence[float], Sequence[float]]],
    ylabel: str = "mean IG attribution (logit)",
) -> Any:
    """Signed mean attribution per feature for each IG baseline (label → (mean, seed std)),
    side by side with seed error bars, features in the order given."""
    with _figure(7.6, 4.6) as (fig, ax):
        width = 0.8 / max(len(attributions), 1)
        positions = np.arange(len(names))
        for i, (label, (values, errors)) in enumerate(attributions.items()):
            ax.bar(
                positions + (i - (len(attributions) - 1) / 2) * width,
                values,
                width,
                yerr=errors,
                capsize=2,
                label=literal(label),
            )
        ax.set_xticks(positions, [symbol(n) for n in names], rotation=60, ha="right", fontsize=10)
        ax.axhline(0, color="grey", linewidth=0.8)
        ax.set_ylabel(ylabel)
        ax.legend(fontsize=10)
        return _finish(fig)


def reduced_curve(
    ks: Sequence[int], curves: Mapping[str, Sequence[Mapping[str, float]]], reference: float
) -> Any:
    """1/ε_B(0.5) against the number of top-ranked XAUGs kept, mean ± std over seeds."""
    with _figure(5.4, 4.0) as (fig, ax):
        for label, points in curves.items():
            mean = np.array([p["mean"] for p in points])
            std = np.array([p["std"] for p in points])
            ax.errorbar(ks, mean, yerr=std, marker="o", capsize=3, label=literal(label))
        ax.axhline(reference, color="grey", linestyle="--", label="all XAUGs")
        ax.set_yscale("log")
        ax.set_xlabel("number of XAUG variables kept")
        ax.set_ylabel(r"$1/\varepsilon_B$ at $\varepsilon_S = 0.5$")
        ax.legend(fontsize=10)
        return _finish(fig)


def jet_relevance(
    deta: npt.ArrayLike,
    dphi: npt.ArrayLike,
    pt_rel: npt.ArrayLike,
    relevances: Mapping[str, npt.ArrayLike],
    title: str,
) -> Any:
    """One jet's constituents in the (Δη, Δφ) plane, area ∝ p_T fraction, coloured by each
    method's relevance (one panel per method; red for the signal, blue against it)."""
    from matplotlib.colors import TwoSlopeNorm

    panels = max(len(relevances), 1)
    with _figure(4.6 * panels, 4.4) as (fig, ax):
        fig.delaxes(ax)
        axes = fig.subplots(1, panels, squeeze=False)[0]
        size = 20 + 900 * np.sqrt(np.asarray(pt_rel, dtype=float))
        for axis, (method, values) in zip(axes, relevances.items(), strict=True):
            values = np.asarray(values, dtype=float)
            scale = float(np.abs(values).max()) or 1.0
            points = axis.scatter(
                deta,
                dphi,
                s=size,
                c=values,
                cmap="RdBu_r",
                norm=TwoSlopeNorm(0.0, -scale, scale),
                edgecolors="black",
                linewidths=0.4,
            )
            fig.colorbar(points, ax=axis, label=literal(f"{method} relevance"))
            axis.set_xlim(-0.9, 0.9)
            axis.set_ylim(-0.9, 0.9)
            axis.set_xlabel(r"$\Delta\eta$")
            axis.set_ylabel(r"$\Delta\phi$")
            axis.set_title(literal(method), fontsize=12, pad=22)
        fig.suptitle(literal(title), fontsize=11)
        return _finish(fig)


def _diverging_panels(
    panels: Mapping[str, npt.ArrayLike],
    draw: Callable[[Any, npt.NDArray[np.float64], Any], Any],
    colour: str,
    axes_labels: tuple[str, str],
) -> Any:
    """One panel per entry, each drawn by ``draw(axis, values, norm)`` in red (positive) and
    blue (negative) on its own symmetric colour scale, with a colour bar labelled ``colour``."""
    from matplotlib.colors import TwoSlopeNorm

    with _figure(4.8 * len(panels), 4.2) as (fig, ax):
        fig.delaxes(ax)
        axes = fig.subplots(1, len(panels), squeeze=False)[0]
        for axis, (label, values) in zip(axes, panels.items(), strict=True):
            array = np.asarray(values, dtype=float)
            scale = float(np.abs(array).max()) or 1.0
            shown = draw(axis, array, TwoSlopeNorm(0.0, -scale, scale))
            fig.colorbar(shown, ax=axis, label=colour)
            axis.set_xlabel(axes_labels[0])
            axis.set_ylabel(axes_labels[1])
            axis.set_title(literal(label), fontsize=12, pad=22)
        return _finish(fig)


def eta_phi_maps(edges: Sequence[float], maps: Mapping[str, npt.ArrayLike]) -> Any:
    """Mean relevance per jet in (Δη, Δφ) bins, one panel per class, each on its own symmetric
    scale (one class's strong core would otherwise wash out the other's pattern)."""
    return _diverging_panels(
        maps,
        lambda axis, values, norm: axis.pcolormesh(
            edges, edges, values.T, cmap="RdBu_r", norm=norm
        ),
        "mean relevance per jet",
        (r"$\Delta\eta$", r"$\Delta\phi$"),
    )


def relevance_images(extent: float, images: Mapping[str, npt.ArrayLike]) -> Any:
    """Mean relevance jet images (rows: Δφ′ from the top, columns: Δη′, after centring and
    rotation), one panel per entry, each on its own symmetric colour scale."""
    return _diverging_panels(
        images,
        lambda axis, pixels, norm: axis.imshow(
            pixels,
            extent=(-extent, extent, -extent, extent),
            origin="upper",
            cmap="RdBu_r",
            norm=norm,
        ),
        "mean relevance per pixel",
        (r"$\Delta\eta'$", r"$\Delta\phi'$"),
    )


def relevance_distribution(values: Mapping[str, npt.ArrayLike], name: str) -> Any:
    """Normalised distributions of one variable's per-jet relevance for each class, with the
    statistical uncertainty of each bin."""
    with _figure(5.0, 3.8) as (fig, ax):
        _normalised_histograms(ax, {k: (v, None) for k, v in values.items()}, 30, (-1.0, 1.0))
        ax.axvline(0, color="grey", linewidth=0.8)
        ax.set_xlabel(f"LRP relevance of {symbol(name)} (logit)")
        ax.set_ylabel("normalised jets")
        ax.legend(fontsize=10)
        return _finish(fig)


def confusion_matrix(
    classes: Sequence[str], fraction: npt.ArrayLike, rows: Sequence[int] | None = None
) -> Any:
    """Each true class's jets (rows: ``rows`` of ``classes``, default all) by the class of the
    highest logit (columns), as fractions of the row, written in each cell."""
    shown = list(range(len(classes))) if rows is None else list(rows)
    values = np.asarray(fraction, dtype=float)[shown]
    size = 1.0 + 0.55 * len(classes)
    with _figure(size + 1.4, 1.6 + 0.55 * len(shown)) as (fig, ax):
        image = ax.imshow(values, cmap="Blues", vmin=0.0, vmax=1.0)
        for (row, column), value in np.ndenumerate(values):
            colour = "white" if value > 0.5 else "black"
            ax.text(column, row, f"{value:.2f}", ha="center", va="center", fontsize=8, color=colour)
        labels = [literal(c) for c in classes]
        ax.set_xticks(range(len(classes)), labels, rotation=45, ha="right", fontsize=9)
        ax.set_yticks(range(len(shown)), [labels[k] for k in shown], fontsize=9)
        ax.set_xlabel("predicted class (highest logit)")
        ax.set_ylabel("true class")
        fig.colorbar(image, ax=ax, label="fraction of the true class")
        return _finish(fig)


def xaug_gain(sizes: Sequence[int], runs: Mapping[str, Sequence[Mapping[str, Any]]]) -> Any:
    """ε_S at ε_B = 1 % and 1/ε_B at ε_S = 0.5 against the training jets per class, one line
    per network (``runs``: name → its metrics.json at each size), with the seed spread and the
    statistical error added in quadrature; an open marker where the rejection is a bound."""
    with _figure(10.0, 4.2) as (fig, ax):
        fig.delaxes(ax)
        panels = fig.subplots(1, 2)
        shown = (("efficiency_0.01", r"$\varepsilon_S$ at $\varepsilon_B$ = 1 %"),
                 ("rejection_0.5", r"$1/\varepsilon_B$ at $\varepsilon_S$ = 0.5"))  # fmt: skip
        for axis, (metric, label) in zip(panels, shown, strict=True):
            for name, per_size in runs.items():
                entries = [m[metric] for m in per_size]
                mean = np.array([e["mean"] for e in entries])
                errors = np.array([_total_error(e) for e in entries]).T
                bound = [bool(e.get("is_lower_bound")) for e in entries]
                line = axis.errorbar(sizes, mean, yerr=errors, marker="o", capsize=3,
                                     label=literal(name))  # fmt: skip
                for x, y, is_bound in zip(sizes, mean, bound, strict=True):
                    if is_bound:  # open: a lower bound (too few background jets pass)
                        axis.plot(x, y, "o", mfc="white", mec=line[0].get_color(), ms=8,
                                  mew=2, zorder=5)  # fmt: skip
            axis.set_xscale("log")
            if metric.startswith("rejection"):
                axis.set_title("open marker: a lower bound", fontsize=9)
            axis.set_xlabel("training jets per class (before the split)")
            axis.set_ylabel(label)
            axis.legend(fontsize=9)
        return _finish(fig)


def _total_error(entry: Mapping[str, Any]) -> tuple[float, float]:
    """(below, above): the seed spread with the statistical error in quadrature (the larger
    side where the statistical interval is open)."""
    std = float(entry.get("std", 0.0))
    stat = entry.get("stat")
    if isinstance(stat, list):
        low = float(stat[0])
        high = float(stat[1]) if stat[1] is not None else low
        return float(np.hypot(std, low)), float(np.hypot(std, high))
    if isinstance(stat, float):
        return float(np.hypot(std, stat)), float(np.hypot(std, stat))
    return std, std
