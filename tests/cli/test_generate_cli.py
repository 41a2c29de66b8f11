"""``jetxai generate`` run as a real process: success, and one-line errors with exit code 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from jetxai import data


def jetxai(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "jetxai", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def train_small(
    datasets: list[Path], out: Path, model: str, xaug: str, seeds: int = 1, *extra: str
) -> Path:
    """Train a tiny run through the CLI (two epochs) and return its directory."""
    data = [token for path in datasets for token in ("--data", str(path))]
    result = jetxai(
        "train",
        *data,
        "--model",
        model,
        "--xaug",
        xaug,
        "--seeds",
        str(seeds),
        "--epochs",
        "2",
        *extra,
        "--out",
        str(out),
        "--quiet",
    )
    assert result.returncode == 0, result.stderr
    return out


def test_generate_writes_a_readable_dataset(tmp_path: Path) -> None:
    out = tmp_path / "w"
    result = jetxai(
        "generate", "--process", "w", "--n-jets", "5", "--seed", "4", "--out", str(out), "--quiet"
    )
    assert result.returncode == 0, result.stderr
    assert "wrote 5 w jets" in result.stdout
    assert "FastJet release" not in result.stdout  # banners stay out of the user's output
    assert len(data.read(out)) == 5


def test_the_parton_level_pre_selection_is_reported(tmp_path: Path) -> None:
    out = tmp_path / "w"
    result = jetxai(
        "generate", "--process", "w", "--n-jets", "5", "--out", str(out), "--quiet",
        "--preselect", "parton",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    manifest = data.read_manifest(out)
    assert manifest["config"]["preselect"] == "parton"
    pre = manifest["preselection"]
    assert (
        f"parton-level pre-selection: {pre['events_vetoed']} of {pre['events_showered']} "
        "showered events not hadronised"
    ) in result.stdout
    assert "FastJet release" not in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--process", "top", "--n-jets", "-3"], "--n-jets: must be between 1 and"),
        (["--process", "tau", "--n-jets", "3"], "invalid choice: 'tau'"),
        (["--process", "top", "--n-jets", "3", "--pt-min", "700"], "pT window is empty"),
        (["--process", "top", "--n-jets", "3", "--radius", "0"], "radius must be positive"),
        (["--process", "top", "--n-jets", "3", "--pythia", "Foo:bar = 2"], "Foo:bar = 2"),
        (["--process", "top", "--n-jets", "3", "--workers", "0"], "must be between 1 and"),
        (["--process", "top", "--n-jets", "many"], "expected a whole number"),
        (["--process", "w", "--n-jets", "3", "--pthat-sampling", "biased"], "nothing to bias"),
        (["--process", "top", "--n-jets", "3", "--isr", "soft"], "invalid choice: 'soft'"),
        (["--level", "event", "--process", "vlq", "--n-events", "3", "--isr", "damped"],
         "--isr: only for --level jet"),
        (["--process", "w", "--n-jets", "3", "--preselect", "hadron"], "invalid choice: 'hadron'"),
        (["--level", "event", "--process", "vlq", "--n-events", "3", "--preselect", "parton"],
         "--preselect: only for --level jet"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    result = jetxai("generate", *args, "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert message in lines[0]
    assert not (tmp_path / "out").exists()


def test_unwritable_output_is_one_line_and_exit_2(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    result = jetxai("generate", "--process", "top", "--n-jets", "3", "--out", str(blocker / "x"))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"jetxai generate: error: cannot write to output directory {blocker / 'x'}: Not a directory"
    ]


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    result = jetxai(
        "--debug",
        "generate",
        "--process",
        "top",
        "--n-jets",
        "3",
        "--radius",
        "0",
        "--out",
        str(tmp_path),
    )
    assert result.returncode != 0
    assert "Traceback" in result.stderr
    assert "InputError" in result.stderr


def test_event_level_generation_prints_the_cut_flow(tmp_path: Path) -> None:
    out = tmp_path / "wjets"
    result = jetxai(
        "generate", "--level", "event", "--process", "wjets", "--n-events", "3",
        "--seed", "2", "--out", str(out), "--quiet",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "wrote 3 wjets events" in result.stdout
    assert "cut flow: generated" in result.stdout
    events = data.read(out)
    assert set(events.process.to_list()) == {"wjets"}
    assert data.read_manifest(out)["cut_flow"]["bjets"]["events"] == 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--level", "event", "--process", "vlq"], "give --n-events"),
        (["--level", "event", "--process", "top", "--n-events", "3"], "unknown event-level"),
        (["--level", "event", "--process", "vlq", "--n-events", "3", "--pt-min", "5"],
         "--pt-min: only for --level jet"),
        (["--process", "top", "--n-jets", "3", "--mass", "900"], "--mass: only for --level event"),
        (["--level", "event", "--process", "vlq", "--n-events", "3", "--btag-eff", "2"],
         "btag_eff must be a probability"),
    ],
)  # fmt: skip
def test_event_level_bad_input_is_one_line_and_exit_2(
    tmp_path: Path, args: list[str], message: str
) -> None:
    result = jetxai("generate", *args, "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert message in lines[0]
    assert not (tmp_path / "out").exists()
