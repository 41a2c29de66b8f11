"""Every numeric option of every command, given values that break it: one line, exit 2.

Each case is a command line that must be refused before any work starts; a value that would be
legal (and start a long run) is never in the table.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from .conftest import assert_clean_refusal, run_cli

#: option → invalid values, per command (the rest of the command line is valid)
GENERATE = {
    "--n-jets": ["0", "-3", "abc", "1e3", str(10**15)],
    "--seed": ["-1", "abc", "1.5"],
    "--workers": ["0", "-2", "many"],
    "--chunk-size": ["0", "-1", "x"],
    "--batch-size": ["0", "-5", str(10**7)],
    "--sqrt-s": ["0", "-14000", "nan", "inf", "abc"],
    "--radius": ["0", "-0.4", "nan", "abc"],
    "--pt-min": ["-1", "nan", "700", "abc"],
    "--pt-max": ["0", "nan", "100", "8000", "abc"],
    "--eta-max": ["0", "-2", "nan", "abc"],
    "--pthat-min": ["-10", "nan", "5000", "abc"],
    "--pthat-max": ["10", "nan", "abc"],
    "--pythia": ["Top:gg2ttbar on", "Random:seed = 3", "Random:setSeed = off", "NoSuch:key = 1"],
    "--process": ["tau", ""],
}
EVENT = {
    "--n-events": ["0", "-1", "abc", str(10**12)],
    "--mass": ["0", "-1200", "nan", "abc"],
    "--btag-eff": ["-0.1", "1.5", "nan", "abc"],
    "--ctag-eff": ["-0.1", "1.5", "nan"],
    "--mistag": ["-0.1", "2", "nan"],
    "--jet-pt-min": ["-30", "nan", "abc"],
    "--min-jets": ["-1", "abc"],
    "--min-bjets": ["-1", "abc"],
    "--radius": ["0", "nan"],
}
EXPLAIN = {
    "--k": ["0", "-1", "abc", str(10**7)],
    "--n-steps": ["0", "-4", "abc", str(10**6)],
    "--max-jets": ["0", "-1", "abc"],
    "--batch-size": ["0", "-1", "abc", str(10**8)],
    "--epsilon": ["-1", "nan", "inf", "abc"],
    "--gamma": ["-0.5", "nan", "abc"],
    "--composite": ["magic"],
    "--method": ["shap"],
    "--baseline": ["noise"],
    "--weights": ["mass"],
}
TRAIN = {
    "--seeds": ["0", "-1", "abc", "5000"],
    "--first-seed": ["abc"],
    "--epochs": ["0", "-1", "abc"],
    "--batch-size": ["0", "-1", "abc"],
    "--lr": ["0", "-1", "nan", "abc"],
    "--patience": ["0", "abc"],
    "--n-constituents": ["0", "-1", "abc", str(10**6)],
    "--image-bins": ["0", "abc", "5000"],
    "--model": ["transformer"],
    "--xaug": ["mass,nosuch"],
    "--signal": ["nosuch"],
}
STUDY = {
    "--seeds": ["0", "abc"],
    "--epochs": ["0", "-1"],
    "--n-explain": ["0", "abc"],
    "--n-background": ["0", "-5"],
    "--n-steps": ["0", "x"],
    "--k": ["0", "-1"],
}


def _cases(table: dict[str, list[str]]) -> list[tuple[str, str]]:
    return [(option, value) for option, values in table.items() for value in values]


@pytest.mark.parametrize(("option", "value"), _cases(GENERATE))
def test_generate(capsys, tmp_path: Path, option: str, value: str) -> None:  # type: ignore[no-untyped-def]
    argv = {"--process": "top", "--n-jets": "4", "--out": str(tmp_path / "d"), option: value}
    code, err = run_cli(capsys, "generate", *[t for kv in argv.items() for t in kv])
    assert_clean_refusal(code, err)
    assert not list(tmp_path.glob("d/chunks/*.parquet"))


@pytest.mark.parametrize(("option", "value"), _cases(EVENT))
def test_generate_events(capsys, tmp_path: Path, option: str, value: str) -> None:  # type: ignore[no-untyped-def]
    argv = {
        "--level": "event",
        "--process": "vlq",
        "--n-events": "4",
        "--out": str(tmp_path / "d"),
        option: value,
    }
    code, err = run_cli(capsys, "generate", *[t for kv in argv.items() for t in kv])
    assert_clean_refusal(code, err)


@pytest.mark.parametrize(("option", "value"), _cases(EXPLAIN))
def test_explain(capsys, trained_dnn: Path, tmp_path: Path, option: str, value: str) -> None:  # type: ignore[no-untyped-def]
    argv = ["explain", "--model", trained_dnn / "run", "--data", trained_dnn / "top", "--data"]
    argv += [trained_dnn / "qcd", "--out", tmp_path / "x", option, value]
    code, err = run_cli(capsys, *argv)
    assert_clean_refusal(code, err)


@pytest.mark.parametrize(("option", "value"), _cases(TRAIN))
def test_train(capsys, trained_dnn: Path, tmp_path: Path, option: str, value: str) -> None:  # type: ignore[no-untyped-def]
    argv = ["train", "--data", trained_dnn / "top", "--data", trained_dnn / "qcd", "--model"]
    argv += ["dnn", "--xaug", "mass,tau32", "--epochs", "1", "--out", tmp_path / "r"]
    code, err = run_cli(capsys, *argv, option, value)
    assert_clean_refusal(code, err)


@pytest.mark.parametrize("bins", ["1", "2", "3"])
def test_cnn_images_too_small_for_its_pooling(
    capsys, trained_dnn: Path, tmp_path: Path, bins: str
) -> None:  # type: ignore[no-untyped-def]
    argv = ["train", "--data", trained_dnn / "top", "--data", trained_dnn / "qcd", "--model"]
    argv += ["cnn", "--image-bins", bins, "--epochs", "1", "--out", tmp_path / "r"]
    code, err = run_cli(capsys, *argv)
    assert_clean_refusal(code, err, "image")


@pytest.mark.parametrize(("option", "value"), _cases(STUDY))
def test_study(capsys, trained_dnn: Path, tmp_path: Path, option: str, value: str) -> None:  # type: ignore[no-untyped-def]
    argv = ["study", "--data", trained_dnn / "top", "--out", tmp_path / "s", option, value]
    code, err = run_cli(capsys, *argv)
    assert_clean_refusal(code, err)


@pytest.mark.parametrize(
    "argv",
    [
        ["generate", "--process", "top", "--n-jets", "4", "--out", ""],
        ["features", "--data", "/no/such/dir"],
        ["features", "--data", "x", "--tau-axes", "anti_kt"],
        ["features", "--data", "x", "--xaug", "nosuch"],
        ["evaluate", "--model", "/no/such/run", "--data", "x"],
        ["report", "--study", ""],
        ["report", "--study", "/no/such/study"],
        ["demo", "--workers", "0"],
        ["demo", "--out", ""],
        ["nosuch-command"],
    ],
)
def test_other_bad_command_lines(capsys, argv: list[str]) -> None:  # type: ignore[no-untyped-def]
    code, err = run_cli(capsys, *argv)
    assert_clean_refusal(code, err)


@pytest.mark.skipif(torch.cuda.is_available(), reason="a CUDA device is present here")
def test_train_on_cuda_without_cuda(capsys, trained_dnn: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    argv = ["train", "--data", trained_dnn / "top", "--data", trained_dnn / "qcd", "--model"]
    argv += ["dnn", "--xaug", "mass", "--device", "cuda", "--out", tmp_path / "r"]
    code, err = run_cli(capsys, *argv)
    assert_clean_refusal(code, err, "no CUDA device")
