"""Explaining in chunks: resuming from chunk files, Dask workers, warnings from workers."""

from __future__ import annotations

from pathlib import Path

import pytest

from jetxai.models import load
from jetxai.studies.explain import explain_run


def _relevances(directory: Path) -> dict[str, list]:  # type: ignore[type-arg]
    import pyarrow.parquet as pq

    return pq.read_table(directory / "relevance-seed-0.parquet").to_pydict()


def test_an_interrupted_run_resumes_from_its_chunk_files(
    run: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from jetxai.studies import chunks

    datasets = [run / "top", run / "qcd"]
    options = {"method": "ig", "baseline": "uniform", "k": 4, "n_steps": 8, "batch_size": 1}
    whole = explain_run(run / "run", datasets, tmp_path / "whole", progress=False, **options)
    assert not (tmp_path / "whole" / "chunks").exists()  # removed once every seed is written
    n_jets = len(_relevances(tmp_path / "whole")["label"])
    n_chunks = -(-n_jets // chunks.CHUNK_BATCHES)
    assert n_chunks >= 3

    calls: list[int] = []
    crash = [True]
    original = chunks._batched

    def crash_on_the_third_chunk(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(args[6])  # the chunk's first jet
        if len(calls) == 3 and crash and crash.pop():
            raise KeyboardInterrupt
        return original(*args, **kwargs)

    monkeypatch.setattr(chunks, "_batched", crash_on_the_third_chunk)
    out = tmp_path / "resumed"
    with pytest.raises(KeyboardInterrupt):
        explain_run(run / "run", datasets, out, progress=False, **options)
    assert len(list((out / "chunks" / "seed-0").glob("chunk-*.npz"))) == 2
    calls.clear()
    resumed = explain_run(run / "run", datasets, out, progress=False, **options)
    assert len(calls) == n_chunks - 2  # the two written chunks are not explained again
    assert calls[0] == 2 * chunks.CHUNK_BATCHES
    assert _relevances(out) == _relevances(tmp_path / "whole")  # bit-identical
    assert resumed["seeds"][0]["ranking"] == whole["seeds"][0]["ranking"]
    # other options make other chunks: none is reused
    calls.clear()
    explain_run(run / "run", datasets, out, progress=False, **(options | {"n_steps": 4}))
    assert len(calls) == n_chunks


def test_any_number_of_dask_workers_gives_bit_identical_relevances(
    run: Path, tmp_path: Path, dask_scheduler: str
) -> None:
    import numpy as np

    datasets = [run / "top", run / "qcd"]
    options = {"method": "ig", "baseline": "uniform", "k": 4, "n_steps": 8, "batch_size": 1}
    explain_run(run / "run", datasets, tmp_path / "two", progress=False, workers=2, **options)
    explain_run(  # one worker process with one thread, reached by its address
        run / "run", datasets, tmp_path / "one", progress=False, scheduler=dask_scheduler,
        **options,
    )  # fmt: skip
    explain_run(run / "run", datasets, tmp_path / "here", progress=False, **options)
    two, one, here = (_relevances(tmp_path / d) for d in ("two", "one", "here"))
    assert two == one
    # this process may use more torch threads: the same to float32 round-off
    for name in ("delta", "rel_xaug_mass", "rel_xaug_tau32"):
        np.testing.assert_allclose(here[name], two[name], rtol=1e-5, atol=1e-6)
    lrp_two = explain_run(run / "run", datasets, tmp_path / "lrp2", progress=False, workers=2)
    lrp_one = explain_run(
        run / "run", datasets, tmp_path / "lrp1", progress=False, scheduler=dask_scheduler
    )
    assert _relevances(tmp_path / "lrp2") == _relevances(tmp_path / "lrp1")
    assert lrp_two["seeds"][0]["ranking"] == lrp_one["seeds"][0]["ranking"]


def test_a_chunk_returns_its_warnings_for_the_caller_to_raise(run: Path, tmp_path: Path) -> None:
    import numpy as np

    from jetxai.explain.integrated_gradients import IGConvergenceWarning
    from jetxai.studies.checkpoints import SplitCache
    from jetxai.studies.chunks import ChunkTask, explain_chunk

    checkpoint = run / "run" / "seed-0"
    samples = SplitCache([run / "top", run / "qcd"])(load(checkpoint))
    jets, labels = samples.jets[samples.test], np.asarray(samples.target[samples.test])
    options = {"n_steps": 2, "tolerance": 1e-12, "max_steps": 4}  # cannot converge: it warns
    task = ChunkTask(
        str(checkpoint), "ig", options, jets, slice(None), labels, 0, 4, str(tmp_path / "c.npz"),
        "key",
    )  # fmt: skip
    done = explain_chunk(task)  # no warning escapes here (pytest would fail on it): it comes back
    assert done.n_jets == len(jets)
    assert any(category is IGConvergenceWarning for _, category in done.warnings)
    assert (tmp_path / "c.npz").is_file()


def test_a_resumed_lrp_run_still_probes_conservation_once(
    run: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from jetxai.explain.lrp import engine
    from jetxai.studies import chunks

    probes: list[int] = []
    check = engine._check_conservation
    monkeypatch.setattr(engine, "_check_conservation", lambda *a: probes.append(1) or check(*a))
    original, crash = chunks._batched, [True]

    def crash_on_the_second_chunk(*args, **kwargs):  # type: ignore[no-untyped-def]
        if args[6] > 0 and crash:  # the second chunk (first jet > 0)
            crash.pop()
            raise KeyboardInterrupt
        return original(*args, **kwargs)

    monkeypatch.setattr(chunks, "_batched", crash_on_the_second_chunk)
    datasets = [run / "top", run / "qcd"]
    with pytest.raises(KeyboardInterrupt):
        explain_run(run / "run", datasets, tmp_path, batch_size=1, progress=False)
    assert len(probes) == 1  # the first chunk was probed and written
    probes.clear()
    explain_run(run / "run", datasets, tmp_path, batch_size=1, progress=False)
    assert len(probes) == 1  # the resumed run probes its own first batch, once
