"""Classes that come only from public datasets (the readers in :mod:`jetxai.data`): the
EnergyFlow quark/gluon jets and JetClass's classes beyond jetxai's own jet processes."""

from __future__ import annotations

from jetxai.catalogue import Process, add

for _name, _label, _role, _description in (
    ("quark", 5, "signal", "quark jets (EnergyFlow quark/gluon sets)"),
    ("gluon", 6, "background", "gluon jets (EnergyFlow quark/gluon sets)"),
    ("hcc", 7, "signal", "H → c c̄ (JetClass)"),
    ("hgg", 8, "signal", "H → g g (JetClass)"),
    ("h4q", 9, "signal", "H → 4 q (JetClass)"),
    ("hqql", 10, "signal", "H → ℓ ν q q̄′ (JetClass)"),
    ("top_lep", 11, "signal", "t → b ℓ ν (JetClass)"),
):
    add(Process(_name, _label, _role, "dataset", _description))  # type: ignore[arg-type]
