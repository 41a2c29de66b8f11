"""Datasets: chunked Parquet on disk with a manifest, and the common jet schema.

``read(path)`` returns the jets of a dataset as an awkward array with the fields listed in
:mod:`jetxai.data.schema`; ``iter_chunks(path)`` streams them chunk by chunk.
"""

from __future__ import annotations

from jetxai.data.dataset import (
    chunk_meta,
    chunk_path,
    iter_chunks,
    list_chunks,
    read,
    read_chunk,
    read_manifest,
    write_chunk,
    write_manifest,
)
from jetxai.data.pdg import charge
from jetxai.data.schema import ALL_FIELDS, LABELS, SCHEMA_VERSION

__all__ = [
    "ALL_FIELDS",
    "LABELS",
    "SCHEMA_VERSION",
    "charge",
    "chunk_meta",
    "chunk_path",
    "iter_chunks",
    "list_chunks",
    "read",
    "read_chunk",
    "read_manifest",
    "write_chunk",
    "write_manifest",
]
