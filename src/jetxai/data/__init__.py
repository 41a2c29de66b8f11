"""Datasets: chunked Parquet on disk with a manifest, and the common jet schema.

``read(path)`` returns the jets of a dataset as an awkward array with the fields listed in
:mod:`jetxai.data.schema`; ``iter_chunks(path)`` streams them chunk by chunk. The readers
``read_top_landscape``, ``read_jetclass`` and ``read_energyflow_qg`` turn the public datasets
physicists already use into the same schema, and ``import_dataset`` (``jetxai import``) makes a
jetxai dataset of them with their official split.
"""

from __future__ import annotations

from jetxai.data.dataset import (
    chunk_meta,
    chunk_path,
    file_digest,
    iter_chunks,
    list_chunks,
    read,
    read_chunk,
    read_manifest,
    write_chunk,
    write_manifest,
)
from jetxai.data.energyflow import read_energyflow_qg
from jetxai.data.imports import import_dataset
from jetxai.data.jetclass import read_jetclass
from jetxai.data.pdg import charge
from jetxai.data.schema import ALL_FIELDS, LABELS, SCHEMA_VERSION
from jetxai.data.top_landscape import read_top_landscape

__all__ = [
    "ALL_FIELDS",
    "LABELS",
    "SCHEMA_VERSION",
    "charge",
    "chunk_meta",
    "chunk_path",
    "file_digest",
    "import_dataset",
    "iter_chunks",
    "list_chunks",
    "read",
    "read_chunk",
    "read_energyflow_qg",
    "read_jetclass",
    "read_manifest",
    "read_top_landscape",
    "write_chunk",
    "write_manifest",
]
