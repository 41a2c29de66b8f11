"""Every report figure is a matplotlib Figure that renders to a PNG from small inputs."""

from __future__ import annotations

import numpy as np
import pytest

from jetxai.report import figures

PNG = b"\x89PNG\r\n\x1a\n"


def test_figures_are_png() -> None:
    rng = np.random.default_rng(0)
    roc = {"signal_efficiency": [0.0, 0.5, 1.0], "background_efficiency": [0.0, 0.05, 1.0]}
    outputs = [
        figures.distributions(
            {"top": (rng.normal(175, 10, 200), None), "qcd": (rng.exponential(60, 200), None)},
            "mass",
        ),
        figures.rejection_curves({"dnn": [roc, roc]}),
        figures.roc_curves({"dnn": [roc, roc]}),
        figures.ranking(["tau32", "mass"], [0.6, 0.4], [0.05, 0.02], "ranking"),
        figures.ranking(
            ["tau32", "mass", "d2"],
            [0.5, 0.3, 0.2],
            [0.05, 0.02, 0.02],
            "stability",
            intervals=[[0.45, 0.55], [0.25, 0.31], [0.19, 0.27]],
            resolved=[True, False, False],
        ),
        figures.profile([0.0, 0.4, 0.8], {"all": [0.1, -0.05]}, "dR"),
        figures.baseline_comparison(
            ["a", "b"], {"zero": ([1.0, 2.0], [0.1, 0.2]), "averaged": ([1.5, -0.5], [0.1, 0.0])}
        ),
        figures.reduced_curve(
            [1, 2], {"LRP": [{"mean": 10.0, "std": 1.0}, {"mean": 20.0, "std": 2.0}]}, 25.0
        ),
    ]
    from matplotlib.figure import Figure

    for figure in outputs:
        assert isinstance(figure, Figure)
        png = figures.png(figure)
        assert png.startswith(PNG)
        assert len(png) > 2000


def test_curves_stop_where_fewer_than_ten_background_jets_pass() -> None:
    efficiency = np.array([[0.5, 0.01, 0.002, 0.0], [0.4, 0.02, 0.0005, 0.0]])
    counts = [1000, 2000]  # passing: [500, 10, 2, 0] and [800, 40, 1, 0]
    assert figures.measured(efficiency, counts, 10).tolist() == [True, True, False, False]
    assert figures.measured(efficiency, None, 10).all()
    curves = {"m": [{"signal_efficiency": [0, 0.5, 1], "background_efficiency": [0, 0.01, 1]}]}
    for draw in (figures.rejection_curves, figures.roc_curves):
        assert figures.png(draw(curves, {"m": [50]}, 10)).startswith(PNG)


def test_a_curve_measured_nowhere_is_left_out_not_drawn_at_a_floor() -> None:
    curves = {"m": [{"signal_efficiency": [0, 0.5, 1], "background_efficiency": [0, 0.01, 1]}]}
    for draw in (figures.rejection_curves, figures.roc_curves):
        # 5 background jets: no curve
        assert figures.png(draw(curves, {"m": [5]}, 10)).startswith(PNG)


def _width(png: bytes) -> int:
    """Pixel width from the PNG header (IHDR)."""
    return int.from_bytes(png[16:20], "big")


def test_figures_are_sharp_and_labelled_as_simulation() -> None:
    values = {"top": (np.linspace(100, 200, 50), None)}
    plain = figures.png(figures.distributions(values, "msd"))
    with figures.experiment_label("√s = 14 TeV"):
        labelled = figures.png(figures.distributions(values, "msd"))
    assert _width(plain) == _width(labelled) == 5 * figures.DPI  # a 5-inch figure at 150 dpi
    assert labelled != plain  # the label is drawn; outside the block it is not
    assert figures.png(figures.distributions(values, "msd")) == plain


def test_variables_are_written_as_symbols_with_units() -> None:
    from jetxai.report.labels import axis_label, html, symbol

    assert axis_label("msd") == "$m_{SD}$ [GeV]"
    assert symbol("tau32") == r"$\tau_{32}$"
    assert symbol("d2") == r"$D_2^{(\beta=1)}$"
    assert str(html("tau32")) == "τ<sub>32</sub>"
    assert axis_label("S_T") == "S_T"  # a variable jetxai has no symbol for
    assert html("<b>x</b>") == "&lt;b&gt;x&lt;/b&gt;"  # users' names are escaped


def test_every_xaug_constituent_and_event_feature_has_a_symbol_matplotlib_can_draw() -> None:
    from matplotlib.mathtext import MathTextParser

    from jetxai.data.schema import EVENT_FEATURES
    from jetxai.features.constituents import FEATURES
    from jetxai.features.registry import XAUG_NAMES
    from jetxai.report.labels import SYMBOLS, axis_label

    named = [*XAUG_NAMES, *FEATURES, *EVENT_FEATURES]
    assert [n for n in named if n not in SYMBOLS] == []
    parser = MathTextParser("agg")
    for name in named:
        parser.parse(axis_label(name))  # raises ValueError on a malformed symbol
    assert axis_label("log_pt_rel") == r"$\ln (p_T / p_{T,J})$"
    assert axis_label("jet3_pt") == "$p_T^{j3}$ [GeV]"


def test_a_figure_leaves_the_callers_backend_alone() -> None:
    import subprocess
    import sys

    script = (
        "import matplotlib; matplotlib.use('pdf')\n"
        "from jetxai.report import figures\n"
        "f = figures.ranking(['tau32', 'mass'], [0.6, 0.4], [0.05, 0.02], 'ranking')\n"
        "import matplotlib.pyplot as plt\n"
        "print(matplotlib.get_backend(), type(f).__name__, len(plt.get_fignums()))\n"
    )
    shown = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    assert shown.stdout.split() == ["pdf", "Figure", "0"]  # a notebook's backend stays its own


def test_the_xaug_gain_figure_draws_each_network_at_each_size_with_its_errors() -> None:
    def metric(mean: float, std: float, stat: list[float | None], bound: bool) -> dict:
        return {"mean": mean, "std": std, "stat": stat, "is_lower_bound": bound}

    runs = {
        name: [
            {"efficiency_0.01": metric(0.2 + 0.1 * k, 0.01, [0.03, 0.04], False),
             "rejection_0.5": metric(50.0 * (k + 1), 5.0, [10.0, None], k == 1)}
            for k in range(2)
        ]
        for name in ("pfn", "pfn-xaug")
    }  # fmt: skip
    fig = figures.xaug_gain([10_000, 30_000], runs)
    efficiency, rejection = fig.axes[:2]
    lines = efficiency.get_lines()
    np.testing.assert_allclose(lines[0].get_ydata(), [0.2, 0.3])
    assert efficiency.get_xscale() == "log"
    # the open marker of the bound (second size), beside the two error-bar lines
    markers = [line for line in rejection.get_lines() if line.get_markerfacecolor() == "white"]
    assert [list(m.get_xdata()) for m in markers] == [[30_000], [30_000]]  # one per network
    assert figures._total_error(runs["pfn"][0]["rejection_0.5"]) == pytest.approx(
        (np.hypot(5.0, 10.0), np.hypot(5.0, 10.0))
    )
    assert figures._total_error(runs["pfn"][0]["efficiency_0.01"]) == pytest.approx(
        (np.hypot(0.01, 0.03), np.hypot(0.01, 0.04))
    )


def test_a_ranking_marks_the_positions_it_does_not_resolve() -> None:
    figure = figures.ranking(
        ["tau32", "mass", "d2"], [0.5, 0.3, 0.2], [0.05, 0.02, 0.02], "stability",
        intervals=[[0.45, 0.55], [0.25, 0.31], [0.19, 0.27]], resolved=[True, False, False],
    )  # fmt: skip
    ax = figure.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert [label.endswith("≈") for label in labels] == [False, True, True]
    assert [bool(bar.get_hatch()) for bar in ax.patches[:3]] == [False, True, True]
    (drawn,) = [c for c in ax.collections if c.get_label() == "interval over jets"]
    segments = drawn.get_segments()  # one per bar
    assert [tuple(np.round(s[:, 0], 2)) for s in segments] == [
        (0.45, 0.55),
        (0.25, 0.31),
        (0.19, 0.27),
    ]
