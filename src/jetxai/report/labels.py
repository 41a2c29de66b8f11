"""How a variable is written for readers: its symbol (matplotlib mathtext for figures, HTML for
tables) and unit, for XAUG variables, constituent features and event features. Names without
an entry (users' variables) stay as they are."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from markupsafe import Markup

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
    # constituent features (per particle; "J" is the jet)
    "deta": (r"$\Delta\eta$", "Δη", ""),
    "dphi": (r"$\Delta\phi$", "Δφ", ""),
    "dr": (r"$\Delta R$", "ΔR", ""),
    "log_pt": (r"$\ln p_T$", "ln p<sub>T</sub>", ""),
    "log_e": (r"$\ln E$", "ln E", ""),
    "log_pt_rel": (r"$\ln (p_T / p_{T,J})$", "ln (p<sub>T</sub> / p<sub>T,J</sub>)", ""),
    "log_e_rel": (r"$\ln (E / E_J)$", "ln (E / E<sub>J</sub>)", ""),
    "pt_rel": (r"$p_T / p_{T,J}$", "p<sub>T</sub> / p<sub>T,J</sub>", ""),
    "charge": (r"$q$", "q", "e"),
    "is_electron": (r"is $e^\pm$", "is e<sup>±</sup>", ""),
    "is_muon": (r"is $\mu^\pm$", "is μ<sup>±</sup>", ""),
    "is_photon": (r"is $\gamma$", "is γ", ""),
    "is_charged_hadron": (r"is $h^\pm$", "is h<sup>±</sup>", ""),
    "is_neutral_hadron": (r"is $h^0$", "is h<sup>0</sup>", ""),
    # event features (the event study; j1…j4 are the pT-ordered jets, ℓ the lepton)
    "ht": (r"$H_T$", "H<sub>T</sub>", "GeV"),
    "st": (r"$S_T$", "S<sub>T</sub>", "GeV"),
    "met": (r"$E_T^{\mathrm{miss}}$", "E<sub>T</sub><sup>miss</sup>", "GeV"),
    "met_phi": (r"$\phi^{\mathrm{miss}}$", "φ<sup>miss</sup>", ""),
    "mt": (r"$m_T$", "m<sub>T</sub>", "GeV"),
    "lep_pt": (r"$p_T^{\ell}$", "p<sub>T</sub><sup>ℓ</sup>", "GeV"),
    "lep_eta": (r"$\eta^{\ell}$", "η<sup>ℓ</sup>", ""),
    "lep_phi": (r"$\phi^{\ell}$", "φ<sup>ℓ</sup>", ""),
    "n_jets": (r"$n_{\mathrm{jets}}$", "n<sub>jets</sub>", ""),
    "n_bjets": (r"$n_b$", "n<sub>b</sub>", ""),
    "m_lb": (r"$m_{\ell b}$", "m<sub>ℓb</sub>", "GeV"),
    "dr_lb": (r"$\Delta R_{\ell b}$", "ΔR<sub>ℓb</sub>", ""),
}
SYMBOLS |= {
    f"jet{k}_{name}": (math.format(k=k), markup.format(k=k), unit)
    for k in range(1, 5)
    for name, (math, markup, unit) in {
        "pt": ("$p_T^{{j{k}}}$", "p<sub>T</sub><sup>j{k}</sup>", "GeV"),
        "eta": (r"$\eta^{{j{k}}}$", "η<sup>j{k}</sup>", ""),
        "phi": (r"$\phi^{{j{k}}}$", "φ<sup>j{k}</sup>", ""),
        "btag": ("b-tag $j{k}$", "b-tag j{k}", ""),
    }.items()
}


def literal(text: str) -> str:
    """``text`` as matplotlib draws it letter for letter: a name from the data (a process, a
    sample directory, a user's variable) may hold ``$``, which would start mathtext."""
    return text.replace("$", r"\$")


def symbol(name: str) -> str:
    """The mathtext symbol of ``name`` (the name itself, drawn as it reads, where jetxai has
    none)."""
    return SYMBOLS[name][0] if name in SYMBOLS else literal(name)


def axis_label(name: str) -> str:
    """An axis label: symbol and unit in brackets (``$m_{SD}$ [GeV]``)."""
    unit = SYMBOLS[name][2] if name in SYMBOLS else ""
    return f"{symbol(name)} [{unit}]" if unit else symbol(name)


def html(name: str) -> Markup:
    """The HTML symbol of ``name`` (markup-safe: only jetxai's own entries carry tags)."""
    from markupsafe import Markup, escape

    return Markup(SYMBOLS[name][1]) if name in SYMBOLS else escape(name)
