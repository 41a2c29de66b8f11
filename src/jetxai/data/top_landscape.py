"""Reader for the Top Tagging reference dataset (Kasieczka, Plehn et al., "The machine learning
landscape of top taggers", SciPost Phys. 7 (2019) 014, arXiv:1902.09914).

Format: a pandas HDF5 store, key ``"table"``, one row per jet with columns ``E_i, PX_i, PY_i,
PZ_i`` for i < 200 (zero padded, hardest first), ``is_signal_new`` (1 top, 0 QCD) and ``ttv``
(0 train, 1 test, 2 validation). The data carry no particle identity: ``part_pid`` and
``part_charge`` are 0. ``ttv`` is kept as an extra field.
"""

from __future__ import annotations

import os
from pathlib import Path

import awkward as ak
import numpy as np

from jetxai._optional import require
from jetxai.data._build import jets_from_constituents, padded_to_jagged
from jetxai.errors import InputError

N_CONSTITUENTS = 200


def read_top_landscape(path: str | os.PathLike[str], key: str = "table") -> ak.Array:
    """Read a Top Tagging Landscape HDF5 file into the common jet schema."""
    pd = require("pandas", "io")
    require("tables", "io")

    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    try:
        frame = pd.read_hdf(path, key=key)
    except KeyError:
        raise InputError(
            f"{path}: no HDF5 key {key!r} (not a Top Tagging Landscape file)"
        ) from None
    except Exception as exc:  # PyTables/HDF5 raise many types for damaged files
        raise InputError(f"{path}: cannot read as HDF5 ({exc.__class__.__name__})") from None
    columns = {
        name: [f"{name}_{i}" for i in range(N_CONSTITUENTS)] for name in ("E", "PX", "PY", "PZ")
    }
    needed = [c for names in columns.values() for c in names] + ["is_signal_new"]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        shown = ", ".join(missing[:4]) + (" ..." if len(missing) > 4 else "")
        raise InputError(f"{path}: missing column(s) {shown}")
    arrays = {name: frame[cols].to_numpy(dtype=np.float64) for name, cols in columns.items()}
    zeros = np.zeros_like(arrays["E"], dtype=np.int64)
    process = np.where(frame["is_signal_new"].to_numpy() == 1, "top", "qcd")
    jets = jets_from_constituents(
        padded_to_jagged(arrays["PX"]),
        padded_to_jagged(arrays["PY"]),
        padded_to_jagged(arrays["PZ"]),
        padded_to_jagged(arrays["E"]),
        pid=padded_to_jagged(zeros),
        charge=padded_to_jagged(zeros),
        process=process,
    )
    if "ttv" in frame.columns:
        jets = ak.with_field(jets, frame["ttv"].to_numpy().astype(np.int8), "ttv")
    return jets
