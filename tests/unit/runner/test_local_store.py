"""The local directory store lists as S3 does: keys in lexical order, only those after a cursor
when given one, and without walking the directories that lie wholly before it (a long local
run's live view lists its shards several times a second)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from runner.store import LocalStore


def write(root: Path, *keys: str) -> LocalStore:
    store = LocalStore(root)
    for key in keys:
        store.put_bytes(key, b"x")
    return store


def test_keys_come_in_lexical_order_as_on_s3(tmp_path: Path) -> None:
    # "a.c" sorts before "a/b" ('.' < '/'): a walk in name order would give them the other way round
    store = write(tmp_path, "p/a/b", "p/a.c", "p/a0", "p/b/c/d")
    (tmp_path / "p" / "a" / ".tmp-half").write_bytes(b"")  # a write in progress is not a key yet
    assert store.list("p/") == ["p/a.c", "p/a/b", "p/a0", "p/b/c/d"]
    assert store.list("p/", start_after="p/a.c") == ["p/a/b", "p/a0", "p/b/c/d"]
    assert store.list("p/", start_after="p/a/") == ["p/a/b", "p/a0", "p/b/c/d"]
    assert store.list("p/", start_after="p/a/b") == ["p/a0", "p/b/c/d"]
    assert store.list("p/", start_after="p/b") == ["p/b/c/d"]
    assert store.list("p/", start_after="p/z") == []
    assert store.list("q/") == []


def test_listing_from_a_cursor_does_not_walk_what_lies_before_it(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    store = write(tmp_path, *(f"runs/r/shards/0/{seq:06d}/{worker:05d}.json.gz"
                              for seq in range(100) for worker in range(2)))
    walked: list[str] = []
    scandir = os.scandir

    def counting(path):  # type: ignore[no-untyped-def]
        walked.append(os.fspath(path))
        return scandir(path)
    monkeypatch.setattr(os, "scandir", counting)
    keys = store.list("runs/r/shards/", start_after="runs/r/shards/0/000098/")
    assert keys == [f"runs/r/shards/0/{seq:06d}/{worker:05d}.json.gz" for seq in (98, 99) for worker in (0, 1)]
    assert len(walked) == 4  # shards/, shards/0/, and the two flushes after the cursor; not the 98 before
