"""One chunk of a dataset: the unit of parallel work, of seeding and of resume.

The same loop serves both levels: each config brings its own selector (jets: several records
per event, :func:`.jets.select_jets`; events: at most one, :func:`.events.select_events`, with a
cut flow).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import awkward as ak
import numpy as np

from jetxai.data.dataset import write_chunk
from jetxai.data.schema import split_names
from jetxai.errors import InputError
from jetxai.generate import _pythia
from jetxai.generate._pythia import AnyConfig

#: Event ids are ``chunk index × EVENT_ID_STRIDE + event number within the chunk``.
EVENT_ID_STRIDE = 1_000_000_000
#: A chunk that has produced no record after this many events is given up as misconfigured.
MAX_EVENTS_WITHOUT_JET = 5_000
_MB_TO_PB = 1e9


def chunk_seed(seed: int, index: int) -> int:
    """Pythia seed of chunk ``index``: a hash of (seed, index) in Pythia's range [1, 9·10⁸]."""
    state = np.random.SeedSequence([seed, index]).generate_state(1, dtype=np.uint64)[0]
    return int(state % _pythia.MAX_PYTHIA_SEED) + 1


class EventWeights:
    """The generator weights of biased sampling: each kept record gets its event's weight
    (``weight``, still in Pythia's arbitrary units: :func:`jetxai.generate.generate` rescales
    it to pb once every chunk is done), and the chunk keeps the sums that rescaling and the
    effective number of jets need."""

    def __init__(self) -> None:
        self.tried = 0.0  # Σ w over the events tried
        self.kept = 0.0  # Σ w over the kept records
        self.kept_squares = 0.0  # Σ w² over the kept records

    def add(self, batch: Any, records: ak.Array, n_events: int) -> ak.Array:
        """``records`` of ``batch`` (its first ``n_events`` events tried) with their weight."""
        event = ak.to_numpy(batch.info.weights).reshape(len(batch), -1)[:, 0].astype(np.float64)
        mine = event[ak.to_numpy(records.event_id)]
        self.tried += float(event[:n_events].sum())
        self.kept += float(mine.sum())
        self.kept_squares += float(np.square(mine).sum())
        return ak.with_field(records, mine, "weight")

    def book_keeping(self) -> dict[str, float]:
        """The sums, under the names the manifest combines."""
        return {
            "weight_sum_tried": self.tried,
            "weight_sum_kept": self.kept,
            "weight_square_sum_kept": self.kept_squares,
        }


def generate_chunk(
    config: AnyConfig,
    index: int,
    root: str | Path,
    config_hash: str,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Generate chunk ``index`` of ``config`` and write it atomically under ``root``.

    Events are generated in batches until the chunk holds exactly ``config.chunk_items(index)``
    selected records; records after the last needed one are discarded (and so are the events
    after its event, from the count of events tried and the cut flow), so the chunk's content does
    not depend on the batch boundaries. Returns the chunk's book-keeping (also stored in the file).
    """
    needed = config.chunk_items(index)
    seed = chunk_seed(config.seed, index)
    pythia = _pythia.build(config, seed)
    select = config.selector(index)
    pieces: list[ak.Array] = []
    cut_flow: dict[str, int] = {}
    have = events_tried = events_generated = 0
    weights = EventWeights() if config.jet_weights else None
    while have < needed:
        batch = pythia.nextBatch(config.batch_size)
        records, stages = select(batch)
        n_events = len(batch)
        events_generated += n_events
        if have + len(records) >= needed:
            records = records[: needed - have]
            n_events = int(records.event_id[-1]) + 1
        for stage, passed in (stages or {}).items():
            cut_flow[stage] = cut_flow.get(stage, 0) + int(passed[:n_events].sum())
        if weights is not None:
            records = weights.add(batch, records, n_events)
        records = ak.with_field(
            records, records.event_id + index * EVENT_ID_STRIDE + events_tried, "event_id"
        )
        events_tried += n_events
        pieces.append(records)
        have += len(records)
        if progress is not None and len(records):
            progress(len(records))
        if have == 0 and events_tried >= MAX_EVENTS_WITHOUT_JET:
            raise InputError(
                f"no {config.process} {config.level} passed the selection in {events_tried} "
                f"events; check {config.selection_text()}"
            )
    info = pythia.infoPython()
    meta: dict[str, Any] = {
        "index": index,
        "seed": seed,
        "config_hash": config_hash,
        f"n_{config.kind}": have,
        "events_tried": events_tried,
        "events_generated": events_generated,
        "sigma_pb": info.sigmaGen() * _MB_TO_PB,
        "sigma_err_pb": info.sigmaErr() * _MB_TO_PB,
    }
    if cut_flow:
        meta["cut_flow"] = cut_flow
    if weights is not None:
        meta.update(weights.book_keeping())
    if pythia.preselection is not None:  # every event Pythia showered, those it then vetoed
        meta["events_showered"] = pythia.preselection.showered
        meta["events_vetoed"] = pythia.preselection.vetoed
    records = ak.concatenate(pieces) if len(pieces) > 1 else pieces[0]
    if config.split is not None:  # every record is this part of the split
        records = ak.with_field(records, split_names(config.split, len(records)), "split")
    write_chunk(root, index, records, meta)
    return meta
