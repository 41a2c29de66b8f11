"""How a variable is written for readers: its symbol (matplotlib mathtext for figures, HTML for
tables) and unit. Names without an entry (event features, users' variables) stay as they are."""

from __future__ import annotations

#: name → (mathtext symbol, HTML symbol, unit)
SYMBOLS: dict[str, tuple[str, str, str]] = {
    "mass": (r"$m_J$", "m<sub>J</sub>", "GeV"),
    "pt": (r"$p_T$", "p<sub>T</sub>", "GeV"),
    "eta": (r"$\eta$", "η", ""),
    "msd": (r"$m_{SD}$", "m<sub>SD</sub>", "GeV"),
    "tau1": (r"$\tau_1$", "τ<sub>1</sub>", ""),
    "tau2": (r"$\tau_2$", "τ<sub>2</sub>", ""),
    "tau3": (r"$\tau_3$", "τ<sub>3</sub>", ""),
    "tau4": (r"$\tau_4$", "τ<sub>4</sub>", ""),
    "tau21": (r"$\tau_{21}$", "τ<sub>21</sub>", ""),
    "tau32": (r"$\tau_{32}$", "τ<sub>32</sub>", ""),
    "tau43": (r"$\tau_{43}$", "τ<sub>43</sub>", ""),
    "c2": (r"$C_2^{(\beta=1)}$", "C<sub>2</sub><sup>(β=1)</sup>", ""),
    "d2": (r"$D_2^{(\beta=1)}$", "D<sub>2</sub><sup>(β=1)</sup>", ""),
    "c2_b2": (r"$C_2^{(\beta=2)}$", "C<sub>2</sub><sup>(β=2)</sup>", ""),
    "d2_b2": (r"$D_2^{(\beta=2)}$", "D<sub>2</sub><sup>(β=2)</sup>", ""),
    "n2": (r"$N_2^{(\beta=1)}$", "N<sub>2</sub><sup>(β=1)</sup>", ""),
    "m2": (r"$M_2^{(\beta=1)}$", "M<sub>2</sub><sup>(β=1)</sup>", ""),
    "multiplicity": (r"$n_{\mathrm{const}}$", "n<sub>const</sub>", ""),
    "charged_multiplicity": (r"$n_{\mathrm{ch}}$", "n<sub>ch</sub>", ""),
    "ptd": (r"$p_T^D$", "p<sub>T</sub><sup>D</sup>", ""),
    "girth": (r"$g$", "g (girth)", ""),
    "jet_charge": (r"$Q_{\kappa=0.5}$", "Q<sub>κ=0.5</sub>", "e"),
    "zg": (r"$z_g$", "z<sub>g</sub>", ""),
    "rg": (r"$R_g$", "R<sub>g</sub>", ""),
    "dr_subjets": (r"$\Delta R_{12}$", "ΔR<sub>12</sub>", ""),
    "lund_lnkt_max": (r"$\ln k_T^{\max}$", "ln k<sub>T</sub><sup>max</sup>", ""),
}


def symbol(name: str) -> str:
    """The mathtext symbol of ``name`` (the name itself where jetxai has none)."""
    return SYMBOLS[name][0] if name in SYMBOLS else name


def axis_label(name: str) -> str:
    """An axis label: symbol and unit in brackets (``$m_{SD}$ [GeV]``)."""
    unit = SYMBOLS[name][2] if name in SYMBOLS else ""
    return f"{symbol(name)} [{unit}]" if unit else symbol(name)


def html(name: str) -> str:
    """The HTML symbol of ``name`` (markup-safe: only jetxai's own entries carry tags)."""
    from markupsafe import Markup, escape

    return Markup(SYMBOLS[name][1]) if name in SYMBOLS else str(escape(name))
