"""One chunk of a jet dataset: the unit of parallel work, of seeding and of resume."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import awkward as ak
import numpy as np

from jetxai.data.dataset import write_chunk
from jetxai.errors import InputError
from jetxai.generate import _pythia
from jetxai.generate.config import GeneratorConfig
from jetxai.generate.jets import select_jets

#: Event ids are ``chunk index × EVENT_ID_STRIDE + event number within the chunk``.
EVENT_ID_STRIDE = 1_000_000_000
#: A chunk that has produced no jet after this many events is given up as misconfigured.
MAX_EVENTS_WITHOUT_JET = 5_000
_MB_TO_PB = 1e9


def chunk_seed(seed: int, index: int) -> int:
    """Pythia seed of chunk ``index``: a hash of (seed, index) in Pythia's range [1, 9·10⁸]."""
    state = np.random.SeedSequence([seed, index]).generate_state(1, dtype=np.uint64)[0]
    return int(state % _pythia.MAX_PYTHIA_SEED) + 1


def generate_chunk(
    config: GeneratorConfig,
    index: int,
    root: str | Path,
    config_hash: str,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Generate chunk ``index`` of ``config`` and write it atomically under ``root``.

    Events are generated in batches until the chunk holds exactly ``config.chunk_jets(index)``
    selected jets; jets after the last needed one are discarded, so the chunk's content does not
    depend on the batch boundaries. Returns the chunk's book-keeping (also stored in the file).
    """
    needed = config.chunk_jets(index)
    seed = chunk_seed(config.seed, index)
    pythia = _pythia.build(config, seed)
    pieces: list[ak.Array] = []
    have = events_tried = events_generated = 0
    while have < needed:
        batch = pythia.nextBatch(config.batch_size)
        jets = select_jets(batch, config)
        n_events = len(batch)
        events_generated += n_events
        if have + len(jets) >= needed:
            jets = jets[: needed - have]
            n_events = int(jets.event_id[-1]) + 1
        jets = ak.with_field(
            jets, jets.event_id + index * EVENT_ID_STRIDE + events_tried, "event_id"
        )
        events_tried += n_events
        pieces.append(jets)
        have += len(jets)
        if progress is not None and len(jets):
            progress(len(jets))
        if have == 0 and events_tried >= MAX_EVENTS_WITHOUT_JET:
            raise InputError(
                f"no {config.process} jet passed the selection in {events_tried} events; "
                f"check the pT window [{config.pt_min}, {config.pt_max}] and |eta| < "
                f"{config.eta_max}"
            )
    info = pythia.infoPython()
    meta = {
        "index": index,
        "seed": seed,
        "config_hash": config_hash,
        "n_jets": have,
        "events_tried": events_tried,
        "events_generated": events_generated,
        "sigma_pb": info.sigmaGen() * _MB_TO_PB,
        "sigma_err_pb": info.sigmaErr() * _MB_TO_PB,
    }
    write_chunk(root, index, ak.concatenate(pieces) if len(pieces) > 1 else pieces[0], meta)
    return meta
