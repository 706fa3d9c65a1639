"""The result store on a local directory, with keys that mirror the S3 layout:
``runs/<run_id>/spec.json plan.json jobs/… shards/<slice>/<group>/<seq>/<worker>.json.gz
snapshots/<slice>/<group>/<worker>.json.gz gathered/<slice>/<seq>/<first worker>.json.gz control/stop
control/stop-groups/<group> result.json`` (a key group: 200 workers, analysis.shard.KEY_GROUP_WORKERS).
Writes are atomic (temporary file, then rename), so a reader never sees half a shard.
"""
from __future__ import annotations

import builtins
import contextlib
import gzip
import json
import os
import re
import secrets
import tempfile
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any, Protocol, TypeVar

from analysis.gathered import Gathered, gathered_key
from analysis.shard import KEY_GROUP_WORKERS, Shard, key_group, shard_group_prefix

T = TypeVar("T")


class StoreError(Exception):
    pass


class Store(Protocol):
    """Where a run's documents and shards live: a local directory or an S3 bucket."""

    def put_bytes(self, key: str, data: bytes) -> None: ...
    def get_bytes(self, key: str) -> bytes: ...
    def exists(self, key: str) -> bool: ...
    def list(self, prefix: str, start_after: str | None = None) -> list[str]:
        """Keys under ``prefix`` in lexical order; only those after ``start_after`` when given."""
        ...
    def put_json(self, key: str, value: Any) -> None: ...
    def get_json(self, key: str) -> Any: ...
    def uri(self, key: str) -> str: ...
    def create_bytes(self, key: str, data: bytes) -> bool:
        """Write ``key`` only if it does not exist yet, atomically: False when it already did."""
        ...


class JsonOnBytes:
    """put_json and get_json, once, on a store's put_bytes, get_bytes and uri (every store's JSON
    is the same: indented, and refused with the object's address when it is not JSON)."""

    def put_bytes(self, key: str, data: bytes) -> None:
        raise NotImplementedError

    def get_bytes(self, key: str) -> bytes:
        raise NotImplementedError

    def uri(self, key: str) -> str:
        raise NotImplementedError

    def put_json(self, key: str, value: Any) -> None:
        self.put_bytes(key, json.dumps(value, indent=1).encode())

    def get_json(self, key: str) -> Any:
        try:
            return json.loads(self.get_bytes(key))
        except ValueError as error:
            raise StoreError(f"{self.uri(key)} is not valid JSON: {error}") from None


class LocalStore(JsonOnBytes):
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def path(self, key: str) -> Path:
        return self.root / key

    def put_bytes(self, key: str, data: bytes) -> None:
        target = self.path(key)
        temporary = None
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temporary, target)
        except OSError as error:
            if temporary is not None:  # a full disk: nothing half-written is left behind
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
            raise StoreError(f"cannot write {target}: {error.strerror}") from None

    def create_bytes(self, key: str, data: bytes) -> bool:
        target = self.path(key)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            handle = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            return False
        except OSError as error:
            raise StoreError(f"cannot write {target}: {error.strerror}") from None
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        return True

    def get_bytes(self, key: str) -> bytes:
        try:
            return self.path(key).read_bytes()
        except OSError as error:
            raise StoreError(f"cannot read {self.path(key)}: {error.strerror}") from None

    def exists(self, key: str) -> bool:
        return self.path(key).exists()

    def uri(self, key: str) -> str:
        return str(self.path(key))

    def list(self, prefix: str, start_after: str | None = None) -> list[str]:
        base = self.path(prefix)
        if not base.is_dir():
            return []
        keys: list[str] = []
        _collect_keys(os.fspath(base), len(os.fspath(self.root)) + 1, start_after, keys)
        keys.sort()
        return [k for k in keys if k > start_after] if start_after is not None else keys

    def delete(self, key: str) -> None:
        """Remove ``key`` (one that is not there is already removed)."""
        try:
            self.path(key).unlink(missing_ok=True)
        except OSError as error:
            raise StoreError(f"cannot remove {self.path(key)}: {error.strerror}") from None

    def folders(self, prefix: str) -> builtins.list[str]:
        """The names of the folders right under ``prefix`` (``runs/`` -> every run id), sorted."""
        try:
            return sorted(entry.name for entry in os.scandir(self.path(prefix)) if entry.is_dir())
        except OSError:
            return []

    def stamp(self, key: str) -> str | None:
        """When ``key`` was last written (a change tells a reader its copy is stale); None: no such key."""
        try:
            return str(os.stat(self.path(key)).st_mtime_ns)
        except OSError:
            return None

class WritesKeptInMemory(JsonOnBytes):
    """A store whose writes stay in memory, over one that can still be read: what a run collects
    once its store can no longer be written (a full disk), so the verdict is still judged."""

    def __init__(self, under: Store) -> None:
        self.under = under
        self.written: dict[str, bytes] = {}

    def put_bytes(self, key: str, data: bytes) -> None:
        self.written[key] = data

    def create_bytes(self, key: str, data: bytes) -> bool:
        if self.exists(key):
            return False
        self.written[key] = data
        return True

    def get_bytes(self, key: str) -> bytes:
        return self.written[key] if key in self.written else self.under.get_bytes(key)

    def exists(self, key: str) -> bool:
        return key in self.written or self.under.exists(key)

    def list(self, prefix: str, start_after: str | None = None) -> list[str]:
        mine = [k for k in self.written if k.startswith(prefix) and (start_after is None or k > start_after)]
        return sorted({*self.under.list(prefix, start_after), *mine})

    def uri(self, key: str) -> str:
        return self.under.uri(key)


def _collect_keys(directory: str, root_length: int, start_after: str | None, keys: list[str]) -> None:
    """The keys below ``directory``, skipping each directory whose keys all sort before the cursor
    (every key below ``d`` starts with ``d/``, so all sort before ``d0``)."""
    with os.scandir(directory) as entries:
        for entry in entries:
            key = entry.path[root_length:]
            if entry.is_dir(follow_symlinks=False):
                if start_after is None or start_after < key + "0":
                    _collect_keys(entry.path, root_length, start_after, keys)
            elif not entry.name.startswith(".tmp-"):
                keys.append(key)


def new_run_id(name: str) -> str:
    """A run id: the spec's name as a slug, the UTC time, and four hex digits (two runs started in the
    same second differ)."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40] or "run"
    return f"{slug}-{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}-{os.urandom(2).hex()}"


def run_id_from(text: str) -> str:
    """A run id safe in S3 keys and execution names: a scheduled time such as
    2026-12-01T02:00:00Z becomes 2026-12-01T020000Z."""
    return re.sub(r"[^A-Za-z0-9_.-]", "", text)[:80] or secrets.token_hex(6)


def run_prefix(run_id: str) -> str:
    return f"runs/{run_id}/"


def shard_store_key(shard: Shard) -> str:
    return run_prefix(shard.run_id) + shard.key


def shard_bytes(shard: Shard) -> tuple[str, bytes]:
    """The store key and the gzipped JSON of a shard."""
    return shard_store_key(shard), b"".join(shard_pieces(shard))


def shard_pieces(shard: Shard) -> Iterator[bytes]:
    """The gzipped JSON of a shard in pieces, a window at a time (their concatenation is the whole): a
    worker encodes a shard on its event loop between its requests. Measured (2026-12-07, a 2 s shard at
    20,000 arrivals/s, 41 kB of JSON): 2.6 ms to encode whole (0.6 ms to_dict, 1.0 ms json.dumps holding the
    GIL, 0.9 ms gzip); in a thread on the worker's core that took the loop off the CPU 3.6-3.9 ms at every
    flush, and in the steps that held, every late request came in the 50 ms after a flush."""
    compressor = zlib.compressobj(5, zlib.DEFLATED, 16 + zlib.MAX_WBITS)  # gzip's format
    head = json.dumps(shard.to_dict(windows=False), separators=(",", ":"))
    yield compressor.compress(head[:-1].encode() + b',"windows":{')
    for index, (second, window) in enumerate(sorted(shard.windows.items())):
        text = json.dumps(window.to_dict(), separators=(",", ":"))
        yield compressor.compress(f'{"," if index else ""}"{second}":{text}'.encode())
    yield compressor.compress(b"}}") + compressor.flush()


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


def read_gzipped_json(store: Store, key: str, what: str) -> Any:
    """The gzipped JSON at ``key``; ValueError naming the key and ``what`` it should have been."""
    try:
        return json.loads(gzip.decompress(store.get_bytes(key)))
    except (OSError, EOFError, ValueError) as error:
        raise ValueError(f"{key}: not a readable {what} ({error})") from None


def read_shard(store: Store, key: str) -> Shard:
    """The shard at ``key``; ValueError naming the key when it is not a valid shard."""
    return Shard.from_dict(read_gzipped_json(store, key, "shard"), key)


def failure_keys(store: Store, run_id: str, slice_index: int | None = None) -> dict[tuple[int, int], str]:
    """(slice, worker) -> key of each worker whose invocation failed for good: the state machine's
    catch around the Worker task writes ``failed/<slice>/<worker>.json`` (the Lambda error)."""
    prefix = run_prefix(run_id) + "failed/" + (f"{slice_index}/" if slice_index is not None else "")
    found: dict[tuple[int, int], str] = {}
    for key in store.list(prefix):
        slice_text, _, name = key.removeprefix(run_prefix(run_id) + "failed/").partition("/")
        if slice_text.isdigit() and name.removesuffix(".json").isdigit():
            found[(int(slice_text), int(name.removesuffix(".json")))] = key
    return found


def shard_keys(store: Store, run_id: str, slice_index: int | None = None) -> list[str]:
    """Every delta shard key of the run (or of one slice), by key group, each group's in the order
    they were written (``shards/<slice>/<group>/<seq>/<worker>``)."""
    prefix = run_prefix(run_id) + "shards/" + (f"{slice_index}/" if slice_index is not None else "")
    return [k for k in store.list(prefix) if k.endswith(".json.gz")]


def shard_keys_since(store: Store, run_id: str, slice_index: int, workers: Iterable[int], seq: int) -> list[str]:
    """The delta shard keys that ``workers`` of a slice wrote from flush ``seq`` on (and others of
    their key groups'): only those groups' prefixes are listed, each from the cursor ``seq``."""
    keys: list[str] = []
    for group in sorted({key_group(worker) for worker in workers}):
        prefix = run_prefix(run_id) + shard_group_prefix(slice_index, group)
        keys += [k for k in store.list(prefix, f"{prefix}{seq:06d}/" if seq > 0 else None) if k.endswith(".json.gz")]
    return keys


def claim_key(run_id: str) -> str:
    """What a run on AWS claims of the account's concurrency while its Plan checks the headroom
    (runner.aws.concurrency.runs_going_on): the runs that started after it count it from here."""
    return run_prefix(run_id) + "claim.json"


def stop_key(run_id: str) -> str:
    """The stop request with its reason (what collect, the CLI and the state machine read)."""
    return run_prefix(run_id) + "control/stop"


def stop_flag_key(run_id: str, worker_index: int) -> str:
    """The flag a worker polls every second: one per key group, so 5,000 workers HEAD 25 keys ~200
    times a second each, not one key 5,000 times (S3 serves ~5,500 reads a second per prefix)."""
    return f"{run_prefix(run_id)}control/stop-groups/{key_group(worker_index):03d}"


def request_stop(store: Store, run_id: str, data: bytes, workers: int | None = None) -> None:
    """Ask a run's workers to stop: the reason at ``control/stop``, then every key group's flag. The
    groups come from ``workers`` or the run's plan; with no plan yet no worker runs, and every
    slice not started yet finds ``control/stop`` before it starts."""
    store.put_bytes(stop_key(run_id), data)
    if workers is None:
        plan_key = run_prefix(run_id) + "plan.json"
        workers = int(store.get_json(plan_key).get("workers", 0)) if store.exists(plan_key) else 0
    for group in range(-(-workers // KEY_GROUP_WORKERS)):
        store.put_bytes(stop_flag_key(run_id, group * KEY_GROUP_WORKERS), b"")


def put_gathered(store: Store, run_id: str, gathered: Gathered) -> None:
    data = gzip.compress(json.dumps(gathered.to_dict(), separators=(",", ":")).encode(), compresslevel=5)
    store.put_bytes(run_prefix(run_id) + gathered.key, data)


def read_gathered(store: Store, key: str) -> Gathered:
    """The gathered object at ``key``; ValueError naming the key when it is not one."""
    return Gathered.from_dict(read_gzipped_json(store, key, "gathered object"), key)


def gathered_at(store: Store, run_id: str, slice_index: int, seq: int, first_worker: int) -> Gathered | None:
    key = run_prefix(run_id) + gathered_key(slice_index, seq, first_worker)
    return read_gathered(store, key) if store.exists(key) else None


def gather_failures(store: Store, run_id: str, slice_index: int) -> set[int]:
    """The groups (by first worker) of a slice whose gatherer failed for good: the state machine's
    catch around it writes ``gather-failed/<slice>/<first worker>.json``."""
    prefix = f"{run_prefix(run_id)}gather-failed/{slice_index}/"
    return {int(name) for name in (k.removeprefix(prefix).removesuffix(".json") for k in store.list(prefix))
            if name.isdigit()}


def read_parallel(store: Store, keys: list[str], rejected: list[str], threads: int = 32) -> Iterator[Shard]:
    """The shards at ``keys`` (runner.store.fetch_parallel)."""
    return fetch_parallel(store, keys, rejected, read_shard, threads)


def fetch_parallel(store: Store, keys: list[str], rejected: list[str], read: Callable[[Store, str], T],
                   threads: int = 32) -> Iterator[T]:
    """What ``read`` makes of each object at ``keys``, fetched ``threads`` at a time (S3 answers a
    GET in tens of ms), in the order they arrive; at most twice ``threads`` are held at once.
    Unreadable ones (``read`` raised ValueError) are named in ``rejected``."""
    if not keys:
        return
    with ThreadPoolExecutor(max_workers=min(threads, len(keys))) as pool:
        pending: set[Future[T]] = set()
        queue = iter(keys)
        for key in queue:
            pending.add(pool.submit(read, store, key))
            if len(pending) >= 2 * threads:
                break
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                try:
                    yield future.result()
                except ValueError as error:
                    rejected.append(str(error))
                next_key = next(queue, None)
                if next_key is not None:
                    pending.add(pool.submit(read, store, next_key))
