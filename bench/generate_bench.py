"""Generator benchmarks: overhead over bare Pythia, Dask scaling, and physics sanity.

Run from the repository root:

    python3 bench/generate_bench.py throughput   # jetxai vs bare Pythia next(), same settings
    python3 bench/generate_bench.py scaling      # 2 Dask workers vs 1
    python3 bench/generate_bench.py physics      # mass peaks and yields per process
    python3 bench/generate_bench.py pthat        # jets lost to the generator-level p̂_T window
    python3 bench/generate_bench.py pthat-tail   # the same down to p̂_T = 0, at parton level
    python3 bench/generate_bench.py pthat-bias   # biased p̂_T sampling: cost per effective jet
    python3 bench/generate_bench.py biased-shapes  # weighted vs unweighted jets: χ² per variable
    python3 bench/generate_bench.py preselect    # parton-level pre-selection: margin, equivalence
    python3 bench/generate_bench.py preselect-speed  # ... its CPU-s per kept jet, tight and wide

Every speed figure is a ratio of two measurements taken side by side in this run (interleaved
and repeated), because the machine is shared and noisy.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import itertools
import logging
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from jetxai import data
from jetxai.generate import GeneratorConfig, _pythia, generate
from jetxai.generate.config import PARTON_PT_FRACTION


def bare_pythia_seconds_per_event(config: GeneratorConfig, n_events: int) -> float:
    """Seconds per event of a plain ``Pythia.next()`` loop with exactly the same settings."""
    pythia = _pythia.build(config, seed=12345)
    start = time.perf_counter()
    done = 0
    while done < n_events:
        done += bool(pythia.next())
    return (time.perf_counter() - start) / n_events


def jetxai_seconds_per_event(
    config: GeneratorConfig, scheduler: str | None = None
) -> tuple[float, dict]:
    """Seconds per generated event of a full ``generate`` run (clustering, matching, writing)."""
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        manifest = generate(config, out, scheduler=scheduler, progress=False)
        elapsed = time.perf_counter() - start
    return elapsed / manifest["events_generated"], manifest


def dask_seconds_per_event(config: GeneratorConfig, workers: int) -> float:
    """As :func:`jetxai_seconds_per_event` on a warmed-up LocalCluster of ``workers`` processes
    (cluster start-up is outside the timed region, so only the generation scales)."""
    from dask.distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            dashboard_address=":0",
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster) as client,
    ):
        client.run(importlib.import_module, "jetxai.generate.jets")
        return jetxai_seconds_per_event(config, scheduler=cluster.scheduler_address)[0]


def throughput(args: argparse.Namespace) -> None:
    config = GeneratorConfig(process=args.process, n_jets=args.jets, seed=1, chunk_size=args.jets)
    ratios = []
    for rep in range(args.repeats):
        run = dataclasses.replace(config, seed=rep + 1)
        ours, manifest = jetxai_seconds_per_event(run)
        bare = bare_pythia_seconds_per_event(run, manifest["events_generated"])
        ratios.append(bare / ours)
        print(
            f"rep {rep}: {manifest['events_generated']} events, bare next() "
            f"{bare * 1e3:.2f} ms/event, jetxai {ours * 1e3:.2f} ms/event, "
            f"jets/event {manifest['jets_per_event']:.3f}, ratio {bare / ours:.3f}"
        )
    print(
        f"throughput ratio (bare time / jetxai time per event, {args.process}): "
        f"median {statistics.median(ratios):.3f}, min {min(ratios):.3f}, max {max(ratios):.3f}"
        f"  [target >= 0.85]"
    )


def scaling(args: argparse.Namespace) -> None:
    config = GeneratorConfig(
        process=args.process, n_jets=args.jets, seed=1, chunk_size=args.jets // 8
    )
    speedups = []
    for rep in range(args.repeats):
        run = dataclasses.replace(config, seed=rep + 1)
        one = dask_seconds_per_event(run, workers=1)
        two = dask_seconds_per_event(run, workers=2)
        speedups.append(one / two)
        print(
            f"rep {rep}: 1 worker {one * 1e3:.2f} ms/event, 2 workers {two * 1e3:.2f} ms/event,"
            f" speed-up {one / two:.2f}x"
        )
    print(
        f"scaling 2 Dask workers vs 1 ({args.process}, {args.jets} jets in 8 chunks): "
        f"median {statistics.median(speedups):.2f}x  [target >= 1.8x]"
    )


def physics(args: argparse.Namespace) -> None:
    header = f"{'process':8} {'jets':>6} {'events':>7} {'jets/event':>10} {'sigma [pb]':>12}"
    print(f"{header} {'mass mode':>9} {'median':>7}   jet-mass histogram, 0-300 GeV, 20 GeV bins")
    for process in args.processes:
        config = GeneratorConfig(process=process, n_jets=args.jets, seed=7, chunk_size=500)
        with tempfile.TemporaryDirectory() as out:
            manifest = generate(config, out, workers=args.workers, progress=False)
            mass = data.read(Path(out), columns=["jet_mass"]).jet_mass.to_numpy()
        counts, _edges = np.histogram(mass, bins=np.arange(0, 301, 20))
        fine, fine_edges = np.histogram(mass, bins=np.arange(0, 301, 5))
        mode = fine_edges[np.argmax(fine)] + 2.5
        row = (
            f"{process:8} {manifest['jets_kept']:6d} {manifest['events_tried']:7d} "
            f"{manifest['jets_per_event']:10.3f} {manifest['cross_section_pb']:12.4g}"
        )
        histogram = " ".join(str(c) for c in counts)
        print(f"{row} {mode:9.1f} {np.median(mass):7.1f}   {histogram}")


#: Lower and upper p̂_T edges (in units of pt_min and pt_max) the loss table is read at.
_LOWER_EDGES = (0.85, 0.8, 0.7, 0.6, 0.55, 0.5, 0.45, 0.4, 0.35, 0.3, 0.25)
_UPPER_EDGES = (1.15, 1.3, 1.5)


def _pthat_of_window_jets(
    config: GeneratorConfig, n_jets: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(p̂_T of the event of every selected jet, p̂_T of every generated event) for ``config``."""
    import awkward as ak

    from jetxai.generate.jets import select_jets

    pythia = _pythia.build(config, seed=4321)
    per_jet, per_event, truth = [], [], []
    have = 0
    while have < n_jets:
        batch = pythia.nextBatch(config.batch_size)
        pthat = np.sqrt(ak.to_numpy(batch.info.pT2Hat))
        jets = select_jets(batch, config)
        per_event.append(pthat)
        per_jet.append(pthat[ak.to_numpy(jets.event_id)])
        truth.append(ak.to_numpy(jets.truth_pid))
        have += len(jets)
    return np.concatenate(per_jet), np.concatenate(per_event), np.concatenate(truth)


def pthat(args: argparse.Namespace) -> None:
    """Share of the jets in the pT window that a narrower p̂_T window would never generate,
    read off one wide reference run per process, and what each window costs in events."""
    for process in args.processes:
        base = GeneratorConfig(process=process, n_jets=1)
        wide = dataclasses.replace(
            base,
            pthat_min=args.reference_low * base.pt_min,
            pthat_max=args.reference_high * base.pt_max,
            batch_size=200,
        )
        jets, events, truth = _pthat_of_window_jets(wide, args.jets)
        print(
            f"{process}: {len(jets)} jets in [{base.pt_min}, {base.pt_max}] GeV from "
            f"{len(events)} events with p̂_T in [{wide.pthat_window[0]:.0f}, "
            f"{wide.pthat_window[1]:.0f}] GeV; lowest reference bin "
            f"[{args.reference_low}, {args.reference_low + 0.05}) pt_min holds "
            f"{np.mean(jets < (args.reference_low + 0.05) * base.pt_min):.4f} of them"
        )
        if process == "qcd":
            print(f"  gluon fraction, all jets: {np.mean(truth == 21):.3f}")
        print(f"  {'p̂_T window [GeV]':>22} {'jets lost':>10} {'± stat':>7} {'events/jet':>11}")
        for low in _LOWER_EDGES:
            for high in _UPPER_EDGES:
                lo, hi = low * base.pt_min, high * base.pt_max
                kept = (jets >= lo) & (jets < hi)
                lost = 1 - kept.mean()
                error = np.sqrt(lost * (1 - lost) / len(jets))
                cost = ((events >= lo) & (events < hi)).sum() / max(kept.sum(), 1)
                extra = ""
                if process == "qcd":
                    extra = f"  gluon fraction {np.mean(truth[kept] == 21):.3f}"
                print(
                    f"  {f'[{lo:.0f}, {hi:.0f}]':>22} {lost:10.4f} {error:7.4f} {cost:11.2f}{extra}"
                )


_TAIL_EDGES = (0, 50, 100, 150, 200, 248, 275, 302, 330, 385, 440, 468, 550, 650, 747, 845, 975)
_TAIL_EDGES += (1300, 3000)


def _parents_in_window(config: GeneratorConfig, parent: int, max_events: int, hits: int) -> dict:
    """Events generated and truth parents (last copy, status -62) with pT in the jet window, at
    parton level (no MPI, no hadronisation: the parent's pT is fixed by then)."""
    import awkward as ak

    pythia = _pythia.build(config, seed=4321)
    events = found = 0
    while events < max_events and found < hits:
        batch = pythia.nextBatch(5000)
        events += len(batch)
        prt = batch.prt
        last = (abs(prt.id) == parent) & (prt.status == -62)
        pt = np.hypot(prt.p.px, prt.p.py)[last]
        found += int(ak.sum((pt >= config.pt_min) & (pt < config.pt_max)))
    return {"events": events, "parents": found, "sigma_mb": pythia.infoPython().sigmaGen()}


def pthat_tail(args: argparse.Namespace) -> None:
    """Where in p̂_T the parents of window jets come from, down to p̂_T = 0: parton-level runs in
    p̂_T slices, each weighted by its cross-section. The reference run of ``pthat`` stops at
    0.45 pt_min; power-shower processes (tt̄, ZH) keep a tail below it."""
    from jetxai.catalogue import PROCESSES

    for process in args.processes:
        base = GeneratorConfig(
            process=process,
            n_jets=1,
            pythia=("HadronLevel:all = off", "PartonLevel:MPI = off"),
            isr=args.isr,
        )
        parent = PROCESSES[process].parent
        rows = []
        for low, high in itertools.pairwise(_TAIL_EDGES):
            config = dataclasses.replace(base, pthat_min=float(low), pthat_max=float(high))
            row = _parents_in_window(config, parent, args.max_events, args.parents)
            rows.append((low, high, row))
        rate = np.array([r["sigma_mb"] * r["parents"] / r["events"] for *_, r in rows])
        error = np.array([r["sigma_mb"] * np.sqrt(r["parents"]) / r["events"] for *_, r in rows])
        sigma = np.array([r["sigma_mb"] for *_, r in rows])
        lows = np.array([low for low, *_ in rows])
        highs = np.array([high for _, high, _ in rows])
        print(f"{process}: parents with pT in [{base.pt_min}, {base.pt_max}] GeV, by p̂_T slice")
        for (low, high, row), share in zip(rows, rate / rate.sum(), strict=True):
            counts = f"{row['parents']:4d} / {row['events']:7d}"
            print(f"  [{low:5.0f}, {high:5.0f})  {counts}  {share:.4f}  σ {row['sigma_mb']:.4g} mb")
        print(f"  {'p̂_T window [GeV]':>18} {'lost':>7} {'± stat':>7} {'events/parent':>14}")
        for low in _TAIL_EDGES[:12]:
            for high in (747, 845, 975, 1300):
                kept = (lows >= low) & (highs <= high)
                lost = 1 - rate[kept].sum() / rate.sum()
                stat = np.sqrt((error[~kept] ** 2).sum()) / rate.sum()
                cost = sigma[kept].sum() / rate[kept].sum()
                print(f"  {f'[{low}, {high}]':>18} {lost:7.4f} {stat:7.4f} {cost:14.1f}")
        _biased_cost(lows, highs, sigma, rate, base.pt_min)


def _biased_cost(
    lows: np.ndarray, highs: np.ndarray, sigma: np.ndarray, rate: np.ndarray, reference: float
) -> None:
    """Expected events per effective parent of biased sampling from each low edge to 1300 GeV,
    per bias power, from the slices: events drawn ∝ σ_i ⟨b⟩_i, each parent weighing 1/b, so
    events / Kish = Σσ⟨b⟩ · Σ(rate ⟨1/b⟩) / (Σ rate)², with the bias b = (p̂_T / pt_min)^p
    averaged over each slice (σ and the parent rate taken flat inside it). Unlike a sample's
    own Kish count, this includes the rare heavy-weight events a finite sample misses."""
    print("  biased sampling to 1300 GeV, expected events per effective parent (bias power p):")
    powers = (1, 1.5, 2, 2.5, 3, 4, 5)
    print(f"  {'from [GeV]':>10} " + " ".join(f"{f'p = {p:g}':>8}" for p in powers))
    inside = [np.linspace(max(low, 1.0), high, 50) for low, high in zip(lows, highs, strict=True)]
    for low in (0, 50, 100, 150):
        kept = np.flatnonzero((lows >= low) & (highs <= 1300))
        costs = []
        for power in powers:
            bias = np.array([np.mean((inside[i] / reference) ** power) for i in kept])
            inverse = np.array([np.mean((reference / inside[i]) ** power) for i in kept])
            drawn = (sigma[kept] * bias).sum() * (rate[kept] * inverse).sum()
            costs.append(f"{drawn / rate[kept].sum() ** 2:8.1f}")
        print(f"  {low:>10} " + " ".join(costs))


def _weighted_parents(config: GeneratorConfig, parent: int | None, events: int) -> dict:
    """Parton-level events of ``config`` (weighted where it is biased): the window parents'
    weights (truth parents, or outgoing hard partons for QCD), events tried, σ."""
    import awkward as ak

    pythia = _pythia.build(config, seed=4321)
    weights, done = [], 0
    start = time.process_time()
    while done < events:
        batch = pythia.nextBatch(5000)
        done += len(batch)
        event = ak.to_numpy(batch.info.weights).reshape(len(batch), -1)[:, 0]
        prt = batch.prt
        last = (prt.status == -23) if parent is None else (abs(prt.id) == parent)
        last = last & (prt.status == (-23 if parent is None else -62))
        pt = np.hypot(prt.p.px, prt.p.py)[last]
        count = ak.to_numpy(ak.sum((pt >= config.pt_min) & (pt < config.pt_max), axis=1))
        weights.append(np.repeat(event, count))
    w = np.concatenate(weights)
    seconds = time.process_time() - start
    info = pythia.infoPython()
    return {"weights": w, "events": done, "sigma_pb": info.sigmaGen() * 1e9, "seconds": seconds,
            "weight_sum": info.weightSum()}  # fmt: skip


def pthat_bias(args: argparse.Namespace) -> None:
    """Biased p̂_T sampling at parton level (the proxy of ``pthat-tail``): per process and
    bias power, the window parents' Kish effective number, events per effective parent and the
    weighted yield, beside the process's unweighted default window. The loss of the biased
    range is that of the same window in ``pthat-tail`` (50 GeV → 0.7 % top, 0.6 % higgs)."""
    from jetxai.catalogue import PROCESSES

    parton = ("HadronLevel:all = off", "PartonLevel:MPI = off")
    print(f"{'process':8} {'sampling':22} {'parents':>7} {'Kish':>7} {'events/eff':>10} "
          f"{'yield [pb]':>11} {'± stat':>8}")  # fmt: skip
    for process in args.processes:
        base = GeneratorConfig(process=process, n_jets=1, pythia=parton)
        chosen = PROCESSES[process].bias_power
        runs = [("window (default)", base)]
        for power in sorted({chosen - 1, chosen, chosen + 1}):
            biased = dataclasses.replace(base, pthat_sampling="biased")
            settings = [*parton, f"PhaseSpace:bias2SelectionPow = {power}"]
            label = f"biased, power {power:g}{' (chosen)' if power == chosen else ''}"
            runs.append((label, dataclasses.replace(biased, pythia=tuple(settings))))
        for label, config in runs:
            row = _weighted_parents(config, PROCESSES[process].parent, args.events)
            w = row["weights"]
            kish = w.sum() ** 2 / np.square(w).sum() if len(w) else 0.0
            scale = row["sigma_pb"] / row["weight_sum"]
            yield_pb, stat = w.sum() * scale, np.sqrt(np.square(w).sum()) * scale
            print(
                f"{process:8} {label:22} {len(w):7d} {kish:7.0f} {row['events'] / kish:10.1f} "
                f"{yield_pb:11.4g} {stat:8.2g}"
            )


#: The XAUG variables whose shapes ``biased-shapes`` compares (besides n_const).
_SHAPES = ("mass", "tau32")


def _shapes(config: GeneratorConfig, workers: int) -> tuple[dict, np.ndarray, dict, float]:
    """(variable → values, weights, manifest, CPU-s) of a generated sample."""
    from jetxai.features import add_xaug, column

    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        manifest = generate(config, out, workers=workers, progress=False)
        seconds = (time.perf_counter() - start) * workers
        add_xaug(out, list(_SHAPES), progress=False)
        jets = data.read(Path(out))
        values = {name: jets[column(name)].to_numpy() for name in _SHAPES}
        values["n_const"] = jets.jet_nparticles.to_numpy().astype(float)
        fields = jets.fields
        weights = jets.weight.to_numpy() if "weight" in fields else np.ones(len(jets))
    return values, weights, manifest, seconds


def _chi2(a: np.ndarray, wa: np.ndarray, b: np.ndarray, wb: np.ndarray) -> tuple[float, int]:
    """χ² of two normalised weighted histograms (bins of ≥ 10 jets each), each bin's error
    from the sum of squared weights; and the degrees of freedom."""
    edges = np.unique(np.quantile(np.concatenate([a, b]), np.linspace(0, 1, 21)))
    ha, _ = np.histogram(a, edges, weights=wa)
    hb, _ = np.histogram(b, edges, weights=wb)
    sa, _ = np.histogram(a, edges, weights=wa**2)
    sb, _ = np.histogram(b, edges, weights=wb**2)
    na, nb = ha.sum(), hb.sum()
    variance = sa / na**2 + sb / nb**2
    used = variance > 0
    chi2 = float((((ha / na - hb / nb) ** 2)[used] / variance[used]).sum())
    return chi2, int(used.sum()) - 1


def biased_shapes(args: argparse.Namespace) -> None:
    """Hadron-level jets: the weighted sample of biased sampling against an unweighted one in
    the same p̂_T range (the weights undo the bias: χ² per degree of freedom ≈ 1), and the
    default biased range against that reference (what the wider range adds), with each
    sample's events and CPU-seconds per (effective) jet."""
    for process in args.processes:
        base = GeneratorConfig(process=process, n_jets=args.jets, seed=21, chunk_size=500)
        low = args.reference_low * base.pt_min
        reference = dataclasses.replace(base, pthat_min=low, pthat_max=2.0 * base.pt_max)
        samples = {
            "unweighted reference": reference,
            "biased, same range": dataclasses.replace(reference, pthat_sampling="biased", seed=22),
            "biased, default range": dataclasses.replace(base, pthat_sampling="biased", seed=23),
            "window (default)": dataclasses.replace(base, seed=24),
        }
        made = {label: _shapes(config, args.workers) for label, config in samples.items()}
        ref_values, ref_weights, *_ = made["unweighted reference"]
        print(f"{process}: reference p̂_T in [{low:.0f}, {2.0 * base.pt_max:.0f}] GeV, unweighted")
        for label, (values, weights, manifest, seconds) in made.items():
            kish = weights.sum() ** 2 / np.square(weights).sum()
            tests = []
            for name in (*_SHAPES, "n_const"):
                chi2, dof = _chi2(values[name], weights, ref_values[name], ref_weights)
                tests.append(f"{name} {chi2:.1f}/{dof}")
            print(
                f"  {label:22} jets {len(weights):5d} Kish {kish:7.0f} events/eff "
                f"{manifest['events_tried'] / kish:6.1f} CPU-s/eff {seconds / kish:6.3f}  "
                f"χ²/dof vs reference: {', '.join(tests)}"
            )


#: Nominal masses (GeV) around which ``preselect`` reads each signal's jet-mass peak.
_PEAKS = {"top": 173.0, "w": 80.4, "z": 91.2, "higgs": 125.0}


#: The recording hook sees parton-level jets down to this × pt_min.
_RECORDED_FLOOR = 0.3


class _Recorded:
    """What a recording pre-selection saw (one entry per hard process: a retried parton level
    replaces its predecessor): the incoming partons' pz (the event's key) and the pT of the
    hardest parton-level jet within the rapidity reach."""

    keys: ClassVar[list[tuple[float, float]]] = []
    best: ClassVar[list[float]] = []


def _recording_classes() -> tuple[type, type]:
    """:func:`jetxai.generate._pythia._classes` with a pre-selection hook that vetoes nothing
    and records (:class:`_Recorded`)."""
    generator, hook = _pythia._original_classes()  # type: ignore[attr-defined]

    class Recording(hook):  # type: ignore[misc, valid-type]
        def __init__(self, cut: Any) -> None:
            super().__init__(
                cut._replace(pt_floor=_RECORDED_FLOOR * cut.pt_floor / PARTON_PT_FRACTION)
            )

        def doVetoPartonLevel(self, event):
            self.jets.analyze(event)
            pts = [self.jets.pT(i) for i in range(self.jets.sizeJet())]
            best = max(
                (pt for i, pt in enumerate(pts) if abs(self.jets.y(i)) < self.y_max), default=0.0
            )
            key = (round(event[3].pz(), 6), round(event[4].pz(), 6))
            if _Recorded.keys and _Recorded.keys[-1] == key:
                _Recorded.keys.pop(), _Recorded.best.pop()
            _Recorded.keys.append(key)
            _Recorded.best.append(best)
            return False

    return generator, Recording


def _sample(config: GeneratorConfig, out: Path, record: bool) -> tuple[dict, dict, float]:
    """Generate ``config`` into ``out`` (kept, so runs resume); its values per variable, its
    manifest and its wall seconds; ``record``: through the recording hook, returning also
    each jet's parton-level ratio (hardest parton-level jet pT / pt_min of its event)."""
    from jetxai.features import add_xaug, column

    start = time.perf_counter()
    if record:
        _Recorded.keys, _Recorded.best = [], []
        _pythia._original_classes = _pythia._classes  # type: ignore[attr-defined]
        _pythia._classes = _recording_classes  # type: ignore[assignment]
        try:
            manifest = generate(config, out, progress=False)
        finally:
            _pythia._classes = _pythia._original_classes  # type: ignore[attr-defined]
    else:
        manifest = generate(config, out, progress=False)
    seconds = time.perf_counter() - start
    add_xaug(out, list(_SHAPES), progress=False)
    jets = data.read(out)
    values = {name: jets[column(name)].to_numpy() for name in _SHAPES}
    values["n_const"] = jets.jet_nparticles.to_numpy().astype(float)
    if record:
        events = jets.event_id.to_numpy() % 1_000_000_000
        best = np.asarray(_Recorded.best)
        if len(best) < manifest["events_generated"]:
            raise RuntimeError("recording lost track of events (resumed run? use a new --dir)")
        values["parton_ratio"] = best[events] / config.pt_min
        values["all_ratios"] = best[: manifest["events_tried"]] / config.pt_min
    return values, manifest, seconds


def _yield(manifest: dict) -> tuple[float, float]:
    """Selected jets per pb⁻¹ and its error (σ's error and the jets' Poisson error)."""
    jets, sigma = manifest["jets_kept"], manifest["cross_section_pb"]
    value = sigma * jets / manifest["events_tried"]
    relative = np.hypot(manifest["cross_section_err_pb"] / sigma, 1 / np.sqrt(jets))
    return value, value * relative


def _peak(mass: np.ndarray, nominal: float) -> tuple[float, float]:
    """Median jet mass within ±25 % of ``nominal`` and its error (1.2533 σ / √n)."""
    near = mass[np.abs(mass - nominal) < 0.25 * nominal]
    return float(np.median(near)), float(1.2533 * near.std() / np.sqrt(len(near)))


def preselect(args: argparse.Namespace) -> None:
    """Per process, the default window with and without the parton-level pre-selection: the
    parton-level ratio of every window jet (the margin), the yield per pb⁻¹, the shapes (KS
    and χ²), the mass peak and the wall seconds per jet."""
    from scipy.stats import ks_2samp

    root = Path(args.dir)
    for process in args.processes:
        base = GeneratorConfig(process=process, n_jets=args.jets, seed=31, chunk_size=args.jets)
        # the reference records with a hook that never vetoes
        reference = dataclasses.replace(base, preselect="parton")
        ref, ref_manifest, ref_s = _sample(reference, root / f"{process}-reference", True)
        new, manifest, new_s = _sample(
            dataclasses.replace(base, preselect="parton", seed=32),
            root / f"{process}-parton",
            False,
        )
        ratios, every = ref["parton_ratio"], ref["all_ratios"]
        (y_ref, e_ref), (y_new, e_new) = _yield(ref_manifest), _yield(manifest)
        pre = manifest["preselection"]
        print(
            f"{process}: {len(ratios)} reference jets; parton-level ratio of their events: min "
            f"{ratios.min():.3f}, 0.1 % {np.quantile(ratios, 0.001):.3f}, 1 % "
            f"{np.quantile(ratios, 0.01):.3f}; below the floor {PARTON_PT_FRACTION}: "
            f"{int((ratios < PARTON_PT_FRACTION).sum())} jets; reference events below it "
            f"{(every < PARTON_PT_FRACTION).mean():.3f} (recorded above {_RECORDED_FLOOR})"
        )
        print(
            f"  yield [pb]: reference {y_ref:.4g} ± {e_ref:.2g}, pre-selected {y_new:.4g} ± "
            f"{e_new:.2g} (pull {(y_new - y_ref) / np.hypot(e_ref, e_new):+.2f}); vetoed "
            f"{pre['vetoed_share']:.3f} of {pre['events_showered']} showered events"
        )
        tests = []
        for name in (*_SHAPES, "n_const"):
            chi2, dof = _chi2(
                new[name], np.ones(len(new[name])), ref[name], np.ones(len(ref[name]))
            )
            ks = ks_2samp(new[name], ref[name])
            tests.append(f"{name} χ² {chi2:.1f}/{dof} KS p {ks.pvalue:.2f}")
        print("  shapes: " + "; ".join(tests))
        if process in _PEAKS:
            (p_ref, pe_ref), (p_new, pe_new) = (
                _peak(values["mass"], _PEAKS[process]) for values in (ref, new)
            )
            print(
                f"  mass peak [GeV]: reference {p_ref:.2f} ± {pe_ref:.2f}, pre-selected "
                f"{p_new:.2f} ± {pe_new:.2f}"
            )
        print(
            f"  wall s per jet (reference with its recording hook): {ref_s / len(ratios):.4f}, "
            f"pre-selected {new_s / len(new['mass']):.4f}"
        )


def _showered_seconds(config: GeneratorConfig) -> tuple[float, dict]:
    """Wall seconds per showered event of a ``generate`` run (every event Pythia showered:
    with the pre-selection the vetoed ones too), and its manifest."""
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        manifest = generate(config, out, progress=False)
        elapsed = time.perf_counter() - start
    showered = manifest.get("preselection", {}).get("events_showered", manifest["events_generated"])
    return elapsed / showered, manifest


def preselect_speed(args: argparse.Namespace) -> None:
    """Speed-up of the pre-selection per kept jet. A vetoed event holds no window jet, so the
    showered events per kept (effective) jet are the same with and without it, and the
    speed-up per jet is the ratio of the wall seconds per showered event (runs interleaved,
    each pair on the same seed's settings). Rows: the default window, a wide unweighted
    window (p̂_T from 50 GeV to 2 pt_max) and biased sampling."""
    print(f"{'process':8} {'sampling':22} {'vetoed':>7} {'ms/event none':>13} {'parton':>7} "
          f"{'speed-up':>8}  (per repeat)")  # fmt: skip
    for process in args.processes:
        base = GeneratorConfig(process=process, n_jets=args.jets, seed=41, chunk_size=10**6)
        samplings = {"window (default)": base}
        if base.pthat_window is not None:
            samplings["wide [50, 2 pt_max]"] = dataclasses.replace(
                base, pthat_min=50.0, pthat_max=2 * base.pt_max, n_jets=args.wide_jets
            )
            samplings["biased"] = dataclasses.replace(base, pthat_sampling="biased")
        for label, config in samplings.items():
            plain, pre, vetoed = [], [], []
            for rep in range(args.repeats):
                run = dataclasses.replace(config, seed=config.seed + rep)
                plain.append(_showered_seconds(run)[0])
                seconds, manifest = _showered_seconds(dataclasses.replace(run, preselect="parton"))
                pre.append(seconds)
                vetoed.append(manifest["preselection"]["vetoed_share"])
            ups = [a / b for a, b in zip(plain, pre, strict=True)]
            print(
                f"{process:8} {label:22} {statistics.mean(vetoed):7.3f} "
                f"{1e3 * statistics.median(plain):13.2f} {1e3 * statistics.median(pre):7.2f} "
                f"{statistics.median(ups):7.2f}x  ({', '.join(f'{u:.2f}' for u in ups)})"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    p = sub.add_parser("throughput")
    p.add_argument("--process", default="top")
    p.add_argument("--jets", type=int, default=600)
    p.add_argument("--repeats", type=int, default=3)
    p.set_defaults(func=throughput)
    p = sub.add_parser("scaling")
    p.add_argument("--process", default="top")
    p.add_argument("--jets", type=int, default=2400)
    p.add_argument("--repeats", type=int, default=2)
    p.set_defaults(func=scaling)
    p = sub.add_parser("physics")
    p.add_argument("--processes", nargs="+", default=["top", "w", "z", "higgs", "qcd"])
    p.add_argument("--jets", type=int, default=2000)
    p.add_argument("--workers", type=int, default=2)
    p.set_defaults(func=physics)
    p = sub.add_parser("pthat")
    p.add_argument("--processes", nargs="+", default=["qcd", "top", "z", "higgs"])
    p.add_argument("--jets", type=int, default=3000, help="window jets per reference run")
    p.add_argument("--reference-low", type=float, default=0.45, help="in units of pt_min")
    p.add_argument("--reference-high", type=float, default=2.0, help="in units of pt_max")
    p.set_defaults(func=pthat)
    p = sub.add_parser("pthat-tail")
    p.add_argument("--processes", nargs="+", default=["top", "higgs"])
    p.add_argument("--max-events", type=int, default=200_000, help="per p̂_T slice")
    p.add_argument("--parents", type=int, default=400, help="stop a slice after this many")
    p.add_argument("--isr", default="default", help="initial-state shower (default, damped)")
    p.set_defaults(func=pthat_tail)
    p = sub.add_parser("pthat-bias")
    p.add_argument("--processes", nargs="+", default=["top", "higgs", "qcd", "z"])
    p.add_argument("--events", type=int, default=40_000, help="parton-level events per run")
    p.set_defaults(func=pthat_bias)
    p = sub.add_parser("biased-shapes")
    p.add_argument("--processes", nargs="+", default=["top", "qcd"])
    p.add_argument("--jets", type=int, default=2000, help="jets per sample")
    p.add_argument("--reference-low", type=float, default=0.45, help="in units of pt_min")
    p.add_argument("--workers", type=int, default=1)
    p.set_defaults(func=biased_shapes)
    p = sub.add_parser("preselect")
    p.add_argument("--processes", nargs="+", default=["w", "qcd", "top", "z", "higgs"])
    p.add_argument("--jets", type=int, default=5000, help="jets per sample")
    p.add_argument("--dir", required=True, help="where the samples are kept (reruns resume)")
    p.set_defaults(func=preselect)
    p = sub.add_parser("preselect-speed")
    p.add_argument("--processes", nargs="+", default=["top", "w", "z", "higgs", "qcd"])
    p.add_argument("--jets", type=int, default=100, help="jets per run (window and biased)")
    p.add_argument("--wide-jets", type=int, default=15, help="jets per wide-window run")
    p.add_argument("--repeats", type=int, default=2)
    p.set_defaults(func=preselect_speed)
    args = parser.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
