"""The result store on a local directory, with keys that mirror the S3 layout:
``runs/<run_id>/spec.json plan.json jobs/… shards/<slice>/<worker>/<seq>.json.gz control/stop
result.json``. Writes are atomic (temporary file, then rename), so a reader never sees half
a shard.
"""
from __future__ import annotations

import gzip
import json
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from analysis.shard import Shard


class StoreError(Exception):
    pass


class Store(Protocol):
    """Where a run's documents and shards live: a local directory or an S3 bucket."""

    def put_bytes(self, key: str, data: bytes) -> None: ...
    def get_bytes(self, key: str) -> bytes: ...
    def exists(self, key: str) -> bool: ...
    def list(self, prefix: str) -> list[str]: ...
    def put_json(self, key: str, value: Any) -> None: ...
    def get_json(self, key: str) -> Any: ...
    def uri(self, key: str) -> str: ...


class LocalStore:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def path(self, key: str) -> Path:
        return self.root / key

    def put_bytes(self, key: str, data: bytes) -> None:
        target = self.path(key)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temporary, target)
        except OSError as error:
            raise StoreError(f"cannot write {target}: {error.strerror}") from None

    def get_bytes(self, key: str) -> bytes:
        try:
            return self.path(key).read_bytes()
        except OSError as error:
            raise StoreError(f"cannot read {self.path(key)}: {error.strerror}") from None

    def exists(self, key: str) -> bool:
        return self.path(key).exists()

    def uri(self, key: str) -> str:
        return str(self.path(key))

    def list(self, prefix: str) -> list[str]:
        base = self.path(prefix)
        if not base.is_dir():
            return []
        return sorted(str(p.relative_to(self.root)) for p in base.rglob("*")
                      if p.is_file() and not p.name.startswith(".tmp-"))

    def put_json(self, key: str, value: Any) -> None:
        self.put_bytes(key, json.dumps(value, indent=1, sort_keys=False).encode())

    def get_json(self, key: str) -> Any:
        try:
            return json.loads(self.get_bytes(key))
        except ValueError as error:
            raise StoreError(f"{self.path(key)} is not valid JSON: {error}") from None


def run_prefix(run_id: str) -> str:
    return f"runs/{run_id}/"


def shard_bytes(shard: Shard) -> tuple[str, bytes]:
    """The store key and the gzipped JSON of a shard."""
    data = gzip.compress(json.dumps(shard.to_dict(), separators=(",", ":")).encode(), compresslevel=5)
    return run_prefix(shard.run_id) + shard.key, data


def put_shard(store: Store, shard: Shard) -> None:
    store.put_bytes(*shard_bytes(shard))


def put_with_retry(store: Store, key: str, data: bytes, attempts: int = 5, first_backoff_s: float = 0.2,
                   sleep: Callable[[float], None] = time.sleep) -> int:
    """Write, retrying a failed write with exponential backoff; returns the retries it took.
    Raises the last StoreError when every attempt failed."""
    for attempt in range(attempts):
        try:
            store.put_bytes(key, data)
            return attempt
        except StoreError:
            if attempt == attempts - 1:
                raise
            sleep(first_backoff_s * 2 ** attempt)
    return attempts


def read_shard(store: Store, key: str) -> Shard:
    """The shard at ``key``; ValueError naming the key when it is not a valid shard."""
    try:
        data = json.loads(gzip.decompress(store.get_bytes(key)))
    except (OSError, EOFError, ValueError) as error:
        raise ValueError(f"{key}: not a readable shard ({error})") from None
    return Shard.from_dict(data, key)


def shard_keys(store: Store, run_id: str) -> list[str]:
    return [k for k in store.list(run_prefix(run_id) + "shards/") if k.endswith(".json.gz")]
