"""Reader for the Top Tagging reference dataset (Kasieczka, Plehn et al., "The machine learning
landscape of top taggers", SciPost Phys. 7 (2019) 014, arXiv:1902.09914).

Format: a pandas HDF5 store, key ``"table"``, one row per jet with columns ``E_i, PX_i, PY_i,
PZ_i`` for i < 200 (zero padded, hardest first), ``is_signal_new`` (1 top, 0 QCD) and ``ttv``
(0 train, 1 test, 2 validation). The data carry no particle identity: ``part_pid`` and
``part_charge`` are 0 and the field ``has_pid`` is False, so observables and inputs that need
them (charged multiplicity, jet charge, charge and particle-type features) are refused rather
than computed as 0. ``ttv`` is kept as an extra field.

The store is read with h5py from its numeric blocks alone (pandas' "fixed" layout:
``<key>/block<k>_items`` names the columns of ``<key>/block<k>_values``), never through pandas or
PyTables, which unpickle object columns and attributes: a crafted file cannot run code. Object
columns are refused by name; so are labels other than 0 and 1.
"""

from __future__ import annotations

import os
from pathlib import Path

import awkward as ak
import numpy as np
import numpy.typing as npt

from jetxai._optional import require
from jetxai.data._build import jets_from_constituents, padded_to_jagged
from jetxai.data.formats import FORMATS
from jetxai.errors import InputError

#: Top Landscape's ``ttv`` codes → our split's names (its 1 is the test set, its 2 validation).
_TTV = {0: "train", 1: "test", 2: "val"}

N_CONSTITUENTS = 200


def _numeric_columns(
    path: Path, key: str, rows: slice = slice(None)
) -> tuple[dict[str, np.ndarray], int]:
    """Column name → values (the ``rows`` asked for) of the numeric blocks of a pandas
    fixed-format frame, and the frame's number of rows."""
    h5py = require("h5py", "io")
    try:
        with h5py.File(path, "r") as store:
            group = store.get(key)
            if group is None or not isinstance(group, h5py.Group):
                raise InputError(f"{path}: no HDF5 key {key!r} (not a Top Tagging Landscape file)")
            if "table" in group and isinstance(group["table"], h5py.Dataset):
                raise InputError(
                    f"{path}: a pandas 'table'-format store; only the 'fixed' layout of the "
                    "published files is read (its metadata would need unpickling)"
                )
            columns: dict[str, np.ndarray] = {}
            k = 0
            while f"block{k}_items" in group:
                items, values = group[f"block{k}_items"], group.get(f"block{k}_values")
                if items.dtype.kind != "S" or values is None:
                    raise InputError(f"{path}: block {k} of {key!r} is not a table of columns")
                names = [name.decode("utf-8", "replace") for name in items[()]]
                if values.dtype.kind not in "biuf" or values.ndim != 2:
                    raise InputError(
                        f"{path}: object or non-numeric column(s) {', '.join(names[:4])} "
                        "(refused: reading them would unpickle)"
                    )
                if values.shape[1] != len(names):
                    raise InputError(
                        f"{path}: block {k} has {values.shape[1]} values per row "
                        f"for {len(names)} column names"
                    )
                block = values[rows]
                total = int(values.shape[0])
                columns |= {name: block[:, i] for i, name in enumerate(names)}
                k += 1
    except InputError:
        raise
    except Exception as exc:  # h5py / HDF5 raise many types for damaged files
        raise InputError(f"{path}: cannot read as HDF5 ({exc.__class__.__name__})") from None
    if not columns:
        raise InputError(
            f"{path}: {key!r} holds no column blocks (not a pandas fixed-format frame)"
        )
    return columns, total


def count_top_landscape(path: str | os.PathLike[str], key: str = "table") -> int:
    """The number of jets in a Top Tagging Landscape HDF5 file (without reading them)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    return _numeric_columns(path, key, slice(0, 0))[1]


def _ttv_split(jets: ak.Array) -> npt.NDArray[np.str_]:
    if "ttv" not in jets.fields:
        raise InputError("the Top Landscape file has no ttv column: pass --split for its part")
    ttv = ak.to_numpy(jets.ttv).astype(np.int64)
    unknown = sorted(set(np.unique(ttv)) - set(_TTV))
    if unknown:
        raise InputError(f"ttv holds value(s) {unknown}; only 0 (train), 1 (test), 2 (val)")
    names = np.empty(len(ttv), dtype="<U5")
    for code, part in _TTV.items():
        names[ttv == code] = part
    return names


@FORMATS.register(
    "top-landscape",
    description="Top Tagging reference data (HDF5; official split in ttv)",
    split=_ttv_split,
    count=count_top_landscape,
)
def read_top_landscape(
    path: str | os.PathLike[str], key: str = "table", start: int = 0, stop: int | None = None
) -> ak.Array:
    """Read a Top Tagging Landscape HDF5 file (jets ``start`` to ``stop``, default all) into
    the common jet schema."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    frame, _ = _numeric_columns(path, key, slice(start, stop))
    columns = {
        name: [f"{name}_{i}" for i in range(N_CONSTITUENTS)] for name in ("E", "PX", "PY", "PZ")
    }
    needed = [c for names in columns.values() for c in names] + ["is_signal_new"]
    missing = [c for c in needed if c not in frame]
    if missing:
        shown = ", ".join(missing[:4]) + (" ..." if len(missing) > 4 else "")
        raise InputError(f"{path}: missing column(s) {shown}")
    arrays = {
        name: np.stack([frame[c] for c in cols], axis=1).astype(np.float64)
        for name, cols in columns.items()
    }
    if not all(np.isfinite(a).all() for a in arrays.values()):
        raise InputError(f"{path}: constituent four-momenta hold NaN or infinite values")
    labels = frame["is_signal_new"]
    unknown = np.unique(labels[(labels != 0) & (labels != 1)])
    if len(unknown):
        raise InputError(
            f"{path}: is_signal_new holds value(s) {', '.join(map(str, unknown[:5]))}; "
            "only 0 (QCD) and 1 (top) are defined"
        )
    zeros = np.zeros_like(arrays["E"], dtype=np.int64)
    process = np.where(labels == 1, "top", "qcd")
    jets = jets_from_constituents(
        padded_to_jagged(arrays["PX"]),
        padded_to_jagged(arrays["PY"]),
        padded_to_jagged(arrays["PZ"]),
        padded_to_jagged(arrays["E"]),
        pid=padded_to_jagged(zeros),
        charge=padded_to_jagged(zeros),
        process=process,
    )
    # no particle identity in this format: say so, so charge/PID observables are refused
    jets = ak.with_field(jets, np.zeros(len(jets), dtype=bool), "has_pid")
    if "ttv" in frame:
        jets = ak.with_field(jets, frame["ttv"].astype(np.int8), "ttv")
    return jets
