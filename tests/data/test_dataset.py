"""The chunked Parquet dataset format: round trip, atomicity and clear errors."""

from __future__ import annotations

from pathlib import Path

import awkward as ak
import numpy as np
import pytest

from jetxai import data
from jetxai.data.schema import SCHEMA_VERSION
from jetxai.errors import InputError


def _jets(n: int, start: int = 0) -> ak.Array:
    counts = np.arange(n) % 3 + 1
    px = np.arange(counts.sum(), dtype=np.float64) + start
    return ak.zip(
        {
            "part_px": ak.unflatten(px, counts),
            "jet_pt": np.arange(n, dtype=np.float64) + start,
            "process": ak.Array(["top"] * n),
        },
        depth_limit=1,
    )


def _dataset(root: Path, complete: bool = True) -> None:
    metas = [{"index": 0, "n_jets": 4}, {"index": 1, "n_jets": 3}]
    data.write_chunk(root, 0, _jets(4), metas[0])
    data.write_chunk(root, 1, _jets(3, start=100), metas[1])
    entries = [
        {**meta, "blake2b": data.file_digest(data.chunk_path(root, meta["index"]))}
        for meta in metas
    ]
    data.write_manifest(
        root, {"schema_version": SCHEMA_VERSION, "complete": complete, "chunks": entries}
    )


def test_round_trip_keeps_values_types_and_chunk_order(tmp_path: Path) -> None:
    _dataset(tmp_path)
    jets = data.read(tmp_path)
    expected = ak.concatenate([_jets(4), _jets(3, start=100)])
    assert ak.to_list(jets) == ak.to_list(expected)
    assert data.chunk_meta(data.chunk_path(tmp_path, 1)) == {"index": 1, "n_jets": 3}
    assert ak.fields(data.read(tmp_path, columns=["jet_pt"])) == ["jet_pt"]
    assert [len(c) for c in data.iter_chunks(tmp_path)] == [4, 3]


def test_temporary_files_are_never_read_as_chunks(tmp_path: Path) -> None:
    _dataset(tmp_path)
    stray = tmp_path / "chunks" / ".chunk-00002.parquet.abc.tmp"
    stray.write_bytes(b"half written")
    assert [p.name for p in data.list_chunks(tmp_path)] == [
        "chunk-00000.parquet",
        "chunk-00001.parquet",
    ]
    assert len(data.read(tmp_path)) == 7


def test_failed_write_leaves_nothing_behind(tmp_path: Path) -> None:
    with pytest.raises(TypeError):
        data.write_chunk(tmp_path, 0, _jets(2), {"not json": object()})
    assert list((tmp_path / "chunks").iterdir()) == []


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda root: None, "not a jetxai dataset"),
        (lambda root: (root / "manifest.json").write_text("{oops"), "not valid JSON"),
        (lambda root: _dataset(root, complete=False), "incomplete"),
        (
            lambda root: data.write_manifest(
                root, {"schema_version": SCHEMA_VERSION, "complete": True, "chunks": []}
            ),
            "no chunks",
        ),
    ],
)
def test_bad_datasets_give_one_clear_error(tmp_path: Path, setup, message: str) -> None:  # type: ignore[no-untyped-def]
    setup(tmp_path)
    with pytest.raises(InputError, match=message):
        data.read(tmp_path)


def test_corrupt_chunk_and_missing_column_name_the_file(tmp_path: Path) -> None:
    _dataset(tmp_path)
    with pytest.raises(InputError, match=r"chunk-00000\.parquet"):
        data.read(tmp_path, columns=["no_such_column"])
    data.chunk_path(tmp_path, 1).write_bytes(b"PAR1 truncated")
    with pytest.raises(InputError, match=r"chunk-00001\.parquet"):
        data.read(tmp_path)


def _edit_manifest(root: Path, change) -> None:  # type: ignore[no-untyped-def]
    manifest = data.read_manifest(root)
    change(manifest)
    data.write_manifest(root, manifest)


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:-40])


def _other_chunk(root: Path) -> None:
    # a chunk of another dataset copied in under a listed name
    data.write_chunk(root / "elsewhere", 1, _jets(3, start=7), {"index": 1, "n_jets": 3})
    data.chunk_path(root, 1).write_bytes(data.chunk_path(root / "elsewhere", 1).read_bytes())


#: Damage done to a good dataset → what the one-line error says.
DAMAGE = [
    (lambda root: data.chunk_path(root, 1).unlink(), r"chunk\(s\) 1 of the manifest are missing"),
    (lambda root: _truncate(data.chunk_path(root, 0)), "content differs"),
    (lambda root: _other_chunk(root), "content differs"),
    (
        lambda root: data.write_chunk(root, 2, _jets(1), {"index": 2, "n_jets": 1}),
        r"chunk-00002\.parquet are not in the manifest",
    ),
    (
        lambda root: _edit_manifest(root, lambda m: m.update(schema_version=99)),
        "schema_version 99 is not",
    ),
    (lambda root: _edit_manifest(root, lambda m: m.pop("complete")), "says nothing of whether"),
    (lambda root: (root / "manifest.json").write_text("[1, 2]"), "a JSON list, not a JSON object"),
    (
        lambda root: _edit_manifest(root, lambda m: m["chunks"][0].update(n_jets=5)),
        "holds 4 records, the manifest 5",
    ),
]


@pytest.mark.parametrize(("damage", "message"), DAMAGE)
def test_damaged_datasets_are_refused_by_name(tmp_path: Path, damage, message: str) -> None:  # type: ignore[no-untyped-def]
    _dataset(tmp_path)
    damage(tmp_path)
    with pytest.raises(InputError, match=message):
        data.read(tmp_path)


def test_a_chunk_without_the_columns_of_the_others_is_refused(tmp_path: Path) -> None:
    _dataset(tmp_path)
    jets = data.read_chunk(data.chunk_path(tmp_path, 0))
    data.write_chunk(
        tmp_path, 0, ak.with_field(jets, jets.jet_pt, "xaug_mass"), {"index": 0, "n_jets": 4}
    )
    _edit_manifest(
        tmp_path,
        lambda m: m["chunks"][0].update(blake2b=data.file_digest(data.chunk_path(tmp_path, 0))),
    )
    with pytest.raises(InputError, match=r"columns differ from the other chunks \(xaug_mass\)"):
        data.read(tmp_path)


def test_a_verified_chunk_is_not_hashed_again_until_it_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    from jetxai.data import dataset

    _dataset(tmp_path)
    hashed: list[str] = []
    original = dataset.file_digest
    monkeypatch.setattr(
        dataset, "file_digest", lambda p: hashed.append(Path(p).name) or original(p)
    )
    assert len(data.read(tmp_path)) == 7
    assert hashed == ["chunk-00000.parquet", "chunk-00001.parquet"]
    hashed.clear()
    assert len(data.read(tmp_path)) == 7
    assert hashed == []  # both unchanged: their digests were kept
    # same size, the modification time set back: the write still moves the status-change time
    path = data.chunk_path(tmp_path, 1)
    status = path.stat()
    content = bytearray(path.read_bytes())
    content[len(content) // 2] ^= 0xFF
    path.write_bytes(bytes(content))
    os.utime(path, ns=(status.st_atime_ns, status.st_mtime_ns))
    with pytest.raises(InputError, match="content differs from what the manifest recorded"):
        data.read(tmp_path)
    assert hashed == ["chunk-00001.parquet"]


def test_a_damaged_or_forged_digest_cache_is_ignored(tmp_path: Path) -> None:
    """(A read-only dataset, where the cache cannot be written, is read by every command in
    tests/hostile/test_disk.py.)"""
    from jetxai.data.dataset import DIGEST_CACHE

    _dataset(tmp_path)
    (tmp_path / DIGEST_CACHE).write_text("{not json")
    assert len(data.read(tmp_path)) == 7
    (tmp_path / DIGEST_CACHE).write_text('{"chunk-00000.parquet": ["1:2:3:4", "forged"]}')
    assert len(data.read(tmp_path)) == 7  # a stamp that does not match is hashed again
    kept = (tmp_path / DIGEST_CACHE).read_text()
    assert "forged" not in kept
    assert kept.count("chunk-0000") == 2
