"""Explaining a weaver-core model on the inputs weaver feeds it: relevance per weaver input
variable and per particle, for each class's logit or a contrast of two.

``explain_weaver(network, data_config, weights, files, out)`` builds the model
(:mod:`jetxai.weaver.network`) and the inputs (:mod:`jetxai.weaver.inputs`), and explains every
input that is not a mask (masks, weaver's ``*_mask`` inputs, are passed as they are) with LRP
or Integrated Gradients. The explained number is one logit z_k, or z_X − z_Y: the model's
output (N, classes) goes through a fixed linear map to it, so LRP starts from exactly that
number and IG's completeness holds for it. Written, per explained logit in ``out/<name>``::

    relevance.parquet   per jet: file, entry, label (class), logit, delta (f − Σ relevance),
                        rel_<input>.<variable> (summed over particles), rel_particles (jagged:
                        each real particle's relevance summed over the variables of every
                        per-particle input), with LRP each source's share (rel_pairs, …)
    ranking.json        the variables ranked by their share of |relevance| (over particles
                        and jets; all jets, the class's own, the others), each input's and
                        source's share, the (Δη, Δφ) map of particle relevance where the data
                        have part_deta/part_dphi, conservation, jets/s

and ``out/classes.json`` (the classes and what was explained). Files are written atomically.
"""

from __future__ import annotations

import json
import os
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import awkward as ak
import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from jetxai._io import atomic_path, write_json
from jetxai._quiet import bar_disabled
from jetxai.errors import InputError
from jetxai.evaluate.multiclass import confusion as confusion_of
from jetxai.evaluate.relevance import eta_phi_map_from, eta_phi_sums
from jetxai.explain.targets import Logit, logits_to_explain
from jetxai.studies.options import ExplainOptions
from jetxai.weaver.config import DataConfig, read_data_config
from jetxai.weaver.inputs import Batch, read_batches
from jetxai.weaver.network import WeaverModel, load_weaver_model

#: IG baselines for weaver models: zero inputs, or the average over K jets of the other
#: classes (drawn with a fixed seed from the first :data:`BACKGROUND_POOL` jets read).
WEAVER_BASELINES = ("zero", "averaged")
BACKGROUND_POOL = 5000
#: (Δη, Δφ) bin edges of the particle-relevance maps (JetClass jets: R = 0.8).
ETA_PHI_EDGES = np.linspace(-0.8, 0.8, 17)


def in_model_order(order: Sequence[int], given: Sequence[torch.Tensor]) -> list[torch.Tensor]:
    """Inputs given explained first, masks after (``order[p]``: the model's position of the
    p-th given input) put back in the model's own order."""
    return [given[list(order).index(i)] for i in range(len(given))]


class ExplainedLogit(nn.Module):
    """The weaver model with its inputs reordered (explained ones first, masks after) and its
    output (N, classes) mapped by the fixed ``weight`` (classes,) to the one explained number
    (N, 1)."""

    def __init__(self, model: nn.Module, order: Sequence[int], weight: torch.Tensor) -> None:
        super().__init__()
        self.model, self.order = model, list(order)
        self.head = nn.Linear(len(weight), 1, bias=False)
        with torch.no_grad():
            self.head.weight.copy_(weight[None].to(self.head.weight))
        self.head.weight.requires_grad_(False)
        self.eval()

    def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
        return self.head(self.model(*in_model_order(self.order, inputs)))


def logit_weight(logit: Logit) -> torch.Tensor:
    """The linear map from the class logits to the explained one."""
    weight = torch.zeros(len(logit.classes))
    weight[logit.positive] = 1.0
    if logit.negative is not None:
        weight[logit.negative] = -1.0
    return weight


@dataclass
class _Accumulated:
    """Sums over the explained jets of one logit, added batch by batch."""

    variables: list[str]
    abs_all: np.ndarray
    abs_own: np.ndarray
    abs_other: np.ndarray
    sources: dict[str, float]
    inputs: dict[str, float]
    ratios: list[np.ndarray]
    maps: dict[str, np.ndarray] | None = None
    confusion: tuple[list[np.ndarray], list[np.ndarray]] | None = None  # (predicted, true)
    jets: int = 0
    seconds: float = 0.0

    @classmethod
    def empty(cls, variables: list[str]) -> _Accumulated:
        zero = np.zeros(len(variables))
        return cls(variables, zero.copy(), zero.copy(), zero.copy(), {}, {}, [])


def _variable_names(config: DataConfig, explained: Sequence[str]) -> list[str]:
    return [f"{group}.{v}" for group in explained for v in config.input_dicts[group]]


class WeaverExplainer:
    """A weaver model and data config, explained batch by batch."""

    def __init__(self, weaver: WeaverModel, config: DataConfig, options: ExplainOptions) -> None:
        self.weaver, self.config, self.options = weaver, config, options
        self.explained = [n for n in config.input_names if not config.is_mask(n)]
        self.masks = [n for n in config.input_names if config.is_mask(n)]
        names = list(config.input_names)
        self.order = [names.index(n) for n in (*self.explained, *self.masks)]
        self.variables = _variable_names(config, self.explained)
        self.baseline: Any = None
        self.hold: tuple[int, ...] = ()

    def tensors(
        self, batch: Batch, rows: slice | np.ndarray
    ) -> tuple[tuple[torch.Tensor, ...], tuple[torch.Tensor, ...]]:
        explained = tuple(torch.from_numpy(batch.inputs[n][rows]) for n in self.explained)
        fixed = tuple(torch.from_numpy(batch.inputs[n][rows]) for n in self.masks)
        return explained, fixed

    def in_order(
        self, explained: tuple[torch.Tensor, ...], fixed: tuple[torch.Tensor, ...]
    ) -> list[torch.Tensor]:
        """The explained and fixed inputs in the model's own order."""
        return in_model_order(self.order, (*explained, *fixed))

    def module(self, logit: Logit) -> ExplainedLogit:
        return ExplainedLogit(self.weaver.model, self.order, logit_weight(logit))

    def attribute(
        self,
        module: ExplainedLogit,
        explained: tuple[torch.Tensor, ...],
        fixed: tuple[torch.Tensor, ...],
        check: bool,
    ) -> tuple[tuple[torch.Tensor, ...], torch.Tensor, torch.Tensor, dict[str, torch.Tensor]]:
        """(relevance per explained input, f(x), delta, source totals per jet)."""
        options = self.options.method_options()
        if self.options.method == "lrp":
            from jetxai.explain.lrp import lrp_decomposition

            result = lrp_decomposition(
                module, explained, target=0, additional_forward_args=fixed,
                check_conservation=check, internal=False, **options,
            )  # fmt: skip
            totals = result.totals()
            sources = {name: totals[name].detach() for name in result.sources}
            return result.inputs, result.output.detach(), result.delta.detach(), sources
        from jetxai.explain import integrated_gradients

        with torch.no_grad():
            output = module(*explained, *fixed)[:, 0]
        relevance, delta = integrated_gradients(
            module, explained, target=0, baselines=self.baseline, additional_forward_args=fixed,
            return_convergence_delta=True, hold=self.hold, progress=False, **options,
        )  # fmt: skip
        return tuple(relevance), output, delta.detach(), {}


def _background_pool(
    config: DataConfig, files: Sequence[str | os.PathLike[str]], explainer: WeaverExplainer
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The first :data:`BACKGROUND_POOL` jets read (spread over the files): their labels and
    explained inputs, read once for every logit's averaged baseline."""
    pool = list(read_batches(config, files, max_jets=BACKGROUND_POOL))
    labels = np.concatenate([b.labels for b in pool])
    return labels, {n: np.concatenate([b.inputs[n] for b in pool]) for n in explainer.explained}


def _pick_background(pool: tuple[np.ndarray, dict[str, np.ndarray]], k: int, logit: Logit) -> Any:
    """The averaged baseline of ``logit``: K jets of the other classes (or, for a contrast, of
    the second class) drawn with a fixed seed from the ``pool``."""
    from jetxai.explain import AveragedBaseline

    labels, inputs = pool
    other = labels == logit.negative if logit.negative is not None else labels != logit.positive
    rows = np.flatnonzero(other)
    if not len(rows):
        raise InputError(
            f"averaged baseline of {logit.name}: no jets of the other classes in the first "
            f"{len(labels)} jets of the data"
        )
    chosen = np.sort(np.random.default_rng(0).permutation(rows)[:k])
    return AveragedBaseline(tuple(torch.from_numpy(x[chosen]) for x in inputs.values()))


def _jet_rows(batch: Batch, logit: Logit) -> np.ndarray:
    """The jets of ``batch`` a logit is explained on: all, or a contrast's two classes'."""
    if logit.negative is None:
        return np.arange(len(batch))
    return np.flatnonzero((batch.labels == logit.positive) | (batch.labels == logit.negative))


def _particle_relevance(relevance: Sequence[np.ndarray]) -> np.ndarray | None:
    """(N, length) per-slot relevance summed over the variables of every per-particle input of
    the common length (None: no per-particle input)."""
    parts = [r.sum(axis=1) for r in relevance if r.ndim == 3]
    if not parts or len({p.shape[1] for p in parts}) != 1:
        return None
    return np.sum(parts, axis=0)


class _RelevanceRows:
    """Rows of relevance.parquet, written row group by row group to ``path`` (a temporary name:
    the caller renames it on success)."""

    def __init__(self, path: Path) -> None:
        self.path, self._writer = path, cast(Any, None)

    def add(self, columns: dict[str, Any]) -> None:
        import pyarrow.parquet as pq

        table = ak.to_arrow_table(ak.Array(columns), extensionarray=False)
        if self._writer is None:
            self._writer = pq.ParquetWriter(self.path, table.schema)
        self._writer.write_table(table)

    def __enter__(self) -> _RelevanceRows:
        return self

    def __exit__(self, *error: object) -> None:
        if self._writer is not None:
            self._writer.close()
        elif error[0] is None:  # no jets: an empty file all the same
            import pyarrow as pa
            import pyarrow.parquet as pq

            pq.write_table(pa.table({"entry": pa.array([], pa.int64())}), self.path)


def explain_weaver(
    network: str | os.PathLike[str],
    data_config: str | os.PathLike[str],
    files: Sequence[str | os.PathLike[str]],
    out: str | os.PathLike[str],
    weights: str | os.PathLike[str] | None = None,
    options: ExplainOptions | None = None,
    *,
    target: str | None = None,
    contrast: Sequence[str] | None = None,
    hold: Sequence[str] = (),
    network_options: dict[str, Any] | None = None,
    device: str = "auto",
    progress: bool = True,
    **changes: Any,
) -> dict[str, Any]:
    """Explain the weaver model of ``network`` (weights ``weights``) on the jets of ``files``
    built by ``data_config``; write relevance files and summaries to ``out`` and return the
    summaries by explained logit. ``options`` (default :class:`ExplainOptions`; IG baselines
    ``zero`` or ``averaged`` — over jets of the other classes) with keyword ``changes``;
    ``target`` / ``contrast`` as for jetxai's taggers (default: every class's logit); ``hold``:
    weaver inputs IG holds at the explained jet (e.g. ParT's ``pf_vectors``, whose pair
    features are NaN on an interpolated path)."""
    from jetxai.train.ensemble import pick_device

    options = (options or ExplainOptions()).with_changes(**changes)
    if options.method not in ("lrp", "ig"):
        raise InputError(f"method {options.method!r}: weaver models are explained by lrp or ig")
    if options.method == "ig" and options.baseline not in WEAVER_BASELINES:
        raise InputError(
            f"IG baseline {options.baseline!r}: weaver models take {' or '.join(WEAVER_BASELINES)}"
        )
    if not files:
        raise InputError("give the data files to explain on (--data)")
    config = read_data_config(data_config)
    weaver = load_weaver_model(network, config, weights, network_options)
    chosen_device = pick_device(device)
    weaver.model.to(chosen_device)
    explainer = WeaverExplainer(weaver, config, options)
    unknown = sorted(set(hold) - set(explainer.explained))
    if unknown:
        raise InputError(
            f"--hold {', '.join(unknown)}: not an explained input "
            f"({', '.join(explainer.explained)})"
        )
    explainer.hold = tuple(explainer.explained.index(n) for n in hold)
    logits = logits_to_explain(config.classes, target, contrast)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    summaries, confusion = {}, None
    averaged = options.method == "ig" and options.baseline == "averaged"
    pool = _background_pool(config, files, explainer) if averaged else None
    for logit in logits:
        if pool is not None:
            explainer.baseline = _pick_background(pool, options.k, logit)
        summaries[logit.name], counts = _explain_logit(
            explainer, files, out / logit.name, logit, chosen_device, progress, confusion is None
        )
        confusion = counts if confusion is None else confusion
    write_json(
        out / "classes.json",
        {
            "kind": "weaver-explanation",
            "classes": list(config.classes),
            "explained": list(summaries),
            "confusion": None if confusion is None else confusion_of(*confusion),
            "network": str(weaver.network),
            "weights": None if weaver.weights is None else str(weaver.weights),
            "data_config": str(config.path),
            "files": [str(f) for f in files],
        },
    )
    return summaries


def _explain_logit(
    explainer: WeaverExplainer,
    files: Sequence[str | os.PathLike[str]],
    out: Path,
    logit: Logit,
    device: torch.device,
    progress: bool,
    confusion: bool,
) -> tuple[dict[str, Any], tuple[np.ndarray, np.ndarray, int] | None]:
    """Explain one logit on every jet it concerns; write its relevance file and ranking; return
    its summary and (with ``confusion``) the confusion counts of the explained jets."""
    config, options = explainer.config, explainer.options
    module = explainer.module(logit).to(device)
    total = _Accumulated.empty(explainer.variables)
    if confusion:
        total.confusion = ([], [])
    out.mkdir(parents=True, exist_ok=True)
    bar = tqdm(desc=f"explain {logit.name}", unit="jet", disable=bar_disabled(progress))
    with bar, atomic_path(out / "relevance.parquet") as tmp, _RelevanceRows(tmp) as written:
        for batch in read_batches(config, files, options.max_jets):
            rows = _jet_rows(batch, logit)
            for first in range(0, len(rows), options.batch_size):
                chosen = rows[first : first + options.batch_size]
                _explain_batch(explainer, module, batch, chosen, logit, device, total, written)
                bar.update(len(chosen))
    summary = _summary(explainer, logit, total)
    write_json(out / "ranking.json", json.loads(json.dumps(summary, default=float)))
    if total.confusion is None:
        return summary, None
    predicted, true = (np.concatenate(p) if p else np.zeros(0, np.int64) for p in total.confusion)
    return summary, (predicted, true, len(logit.classes))


def _explain_batch(
    explainer: WeaverExplainer,
    module: ExplainedLogit,
    batch: Batch,
    rows: np.ndarray,
    logit: Logit,
    device: torch.device,
    total: _Accumulated,
    written: _RelevanceRows,
) -> None:
    explained, fixed = explainer.tensors(batch, rows)
    explained = tuple(t.to(device) for t in explained)
    fixed = tuple(t.to(device) for t in fixed)
    if total.jets == 0:
        _probe(explainer, module, explained, fixed)
    start = time.perf_counter()
    relevance, output, delta, sources = explainer.attribute(
        module, explained, fixed, check=total.jets == 0
    )
    total.seconds += time.perf_counter() - start
    if total.confusion is not None:
        with torch.no_grad():
            predicted = explainer.weaver.model(*explainer.in_order(explained, fixed))
        total.confusion[0].append(predicted.argmax(dim=1).cpu().numpy())
        total.confusion[1].append(batch.labels[rows])
    arrays = [r.detach().double().cpu().numpy() for r in relevance]
    labels = batch.labels[rows]
    own = labels == logit.positive
    # per variable: summed over particles (signed, per jet) and |relevance| (over particles)
    per_variable = np.concatenate(
        [a.sum(axis=2) if a.ndim == 3 else a.reshape(len(a), -1) for a in arrays], axis=1
    )
    absolute = np.concatenate(
        [np.abs(a).sum(axis=2) if a.ndim == 3 else np.abs(a).reshape(len(a), -1) for a in arrays],
        axis=1,
    )
    total.abs_all += absolute.sum(axis=0)
    total.abs_own += absolute[own].sum(axis=0)
    total.abs_other += absolute[~own].sum(axis=0)
    for name, a in zip(explainer.explained, arrays, strict=True):
        total.inputs[name] = total.inputs.get(name, 0.0) + float(np.abs(a).sum())
    for name, values in sources.items():
        total.sources[name] = total.sources.get(name, 0.0) + float(values.abs().sum())
    f = output.double().cpu().numpy()
    d = delta.double().cpu().numpy()
    total.ratios.append(np.abs(d) / np.maximum(np.abs(f), 1e-12))
    total.jets += len(rows)
    columns: dict[str, Any] = {
        "file": np.full(len(rows), batch.file),
        "entry": batch.entry[rows],
        "label": np.asarray(logit.classes)[labels],
        "logit": f,
        "delta": d,
    }
    columns |= {
        f"rel_{n}": np.ascontiguousarray(per_variable[:, i])
        for i, n in enumerate(explainer.variables)
    }
    columns |= {f"rel_{n}": v.double().cpu().numpy() for n, v in sources.items()}
    particles = _particle_relevance(arrays)
    if particles is not None:
        table = batch.table[rows]
        counts = np.minimum(ak.to_numpy(ak.num(_first_jagged(table), axis=1)), particles.shape[1])
        real = np.arange(particles.shape[1])[None] < counts[:, None]
        columns["rel_particles"] = ak.unflatten(particles[real], counts)
        if "part_deta" in table.fields and "part_dphi" in table.fields:
            deta = _padded_field(table.part_deta, particles.shape[1])
            dphi = _padded_field(table.part_dphi, particles.shape[1])
            sums = eta_phi_sums(particles, real, deta, dphi, own.astype(int), ETA_PHI_EDGES)
            total.maps = (
                sums if total.maps is None else {k: total.maps[k] + v for k, v in sums.items()}
            )
    written.add(columns)


def _probe(
    explainer: WeaverExplainer,
    module: ExplainedLogit,
    explained: tuple[torch.Tensor, ...],
    fixed: tuple[torch.Tensor, ...],
) -> None:
    """One forward pass: a model that does not take the config's inputs, or gives no logit per
    class, is refused in one line (before any explanation)."""
    names = ", ".join(explainer.config.input_names)
    try:
        with torch.no_grad():
            output = explainer.weaver.model(*explainer.in_order(explained, fixed))
    except (TypeError, RuntimeError, ValueError, IndexError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise InputError(
            f"{explainer.weaver.network}: the model does not run on the data config's inputs "
            f"({names}): {type(exc).__name__}: {first}"
        ) from None
    classes = len(explainer.config.classes)
    if not isinstance(output, torch.Tensor) or tuple(output.shape[1:]) != (classes,):
        shape = tuple(output.shape) if isinstance(output, torch.Tensor) else type(output).__name__
        raise InputError(
            f"{explainer.weaver.network}: the model gives {shape}, not (jets, {classes}) logits "
            f"for the config's classes"
        )
    if torch.allclose(output.sum(dim=1), torch.ones(len(output), dtype=output.dtype)):
        warnings.warn(
            "the model's outputs sum to 1 for every jet: it gives probabilities (weaver's "
            "for_inference), and they are explained as they are; build it with "
            "for_inference=False to explain logits",
            stacklevel=4,
        )


def _first_jagged(table: ak.Array) -> ak.Array:
    """The table's first per-particle field (the particle count of each jet)."""
    for name in table.fields:
        if table[name].ndim == 2:
            return table[name]
    raise InputError("the data have no per-particle branch")


def _padded_field(values: ak.Array, length: int) -> np.ndarray:
    return ak.to_numpy(ak.fill_none(ak.pad_none(values, length, clip=True), 0.0)).astype(np.float64)


def _summary(explainer: WeaverExplainer, logit: Logit, total: _Accumulated) -> dict[str, Any]:
    """ranking.json of one logit."""
    classes = logit.classes

    def ranked(values: np.ndarray) -> list[dict[str, Any]]:
        share = values / max(float(values.sum()), 1e-300)
        order = np.argsort(-share, kind="stable")
        return [{"variable": total.variables[i], "share": float(share[i])} for i in order]

    everything = sum(total.inputs.values()) + sum(total.sources.values())
    ratios = np.concatenate(total.ratios) if total.ratios else np.zeros(0)
    other = "the others" if logit.negative is None else classes[logit.negative]
    summary: dict[str, Any] = {
        "explained": logit.name,
        "method": explainer.options.method,
        "options": explainer.options.recorded(),
        "network": str(explainer.weaver.network),
        "weights": None if explainer.weaver.weights is None else str(explainer.weaver.weights),
        "jets": total.jets,
        "jets_per_second": total.jets / total.seconds if total.seconds else None,
        "ranking": {
            "all": ranked(total.abs_all),
            classes[logit.positive]: ranked(total.abs_own),
            other: ranked(total.abs_other),
        },
        "input_share": {k: v / max(everything, 1e-300) for k, v in total.inputs.items()},
        "source_share": {k: v / max(everything, 1e-300) for k, v in total.sources.items()},
        "conservation": {
            "median": float(np.median(ratios)) if len(ratios) else None,
            "max": float(ratios.max()) if len(ratios) else None,
            "what": "|f - sum R| / |f| per jet (LRP: absorbed by biases and stabilisers; IG: "
            "the completeness error, f(x) - f(x') - sum R over |f(x)|)",
        },
    }
    if total.maps is not None:
        mapped = eta_phi_map_from(total.maps, ETA_PHI_EDGES)
        summary["map_eta_phi"] = {
            "edges": mapped["edges"],
            classes[logit.positive]: mapped["signal"],
            other: mapped["background"],
        }
    return summary
