"""The process catalogue: one entry per process, each with a label and a role."""

from __future__ import annotations

import pytest

from jetxai.catalogue import PROCESSES, Process, add, at_level, labels
from jetxai.data.schema import LABELS
from jetxai.errors import InputError
from jetxai.train.samples import signal_processes


def test_every_process_has_a_unique_label_and_a_role() -> None:
    assert len({p.label for p in PROCESSES.values()}) == len(PROCESSES)
    assert {p.role for p in PROCESSES.values()} == {"signal", "background"}
    assert labels() == LABELS
    backgrounds = sorted(n for n, p in PROCESSES.items() if p.is_background)
    assert backgrounds == ["gluon", "qcd", "singletop", "ttbar", "wjets"]


def test_generated_levels_have_recipes_and_dataset_classes_none() -> None:
    assert list(at_level("jet")) == ["higgs", "qcd", "top", "w", "z"]
    assert list(at_level("event")) == ["singletop", "ttbar", "vlq", "wjets"]
    for process in PROCESSES.values():
        assert (process.recipe is None) == (process.level == "dataset")


def test_a_process_needs_a_new_name_a_free_label_and_a_known_role() -> None:
    with pytest.raises(ValueError, match="already registered"):
        add(Process("top", 99, "signal", "jet", "again"))
    with pytest.raises(ValueError, match="label 1 is taken"):
        add(Process("new", 1, "signal", "jet", "clash"))
    with pytest.raises(ValueError, match="role must be"):
        add(Process("new", 98, "maybe", "jet", "no role"))  # type: ignore[arg-type]
    assert "new" not in PROCESSES


def test_an_unknown_name_is_an_input_error_naming_the_choices() -> None:
    with pytest.raises(InputError, match="unknown process 'tau'; choose from gluon, h4q"):
        PROCESSES["tau"]


def test_a_process_outside_the_catalogue_is_never_signal_by_omission() -> None:
    assert signal_processes(["qcd", "top", "ttbar", "vlq"]) == ["top", "vlq"]
    with pytest.raises(InputError, match="tau in the data are not in jetxai's catalogue"):
        signal_processes(["qcd", "tau"])
    assert signal_processes(["qcd", "tau"], signal=["tau"]) == ["tau"]  # roles given: allowed
    with pytest.raises(InputError, match="not in the data"):
        signal_processes(["qcd"], signal=["top"])
