"""S3 requests per prefix per second at 1,000 and 5,000 workers (numbers, not a test).

    python bench/s3_prefix_rates.py [--workers 1000,5000] [--seconds 3]

S3 serves at least 3,500 PUT/COPY/POST/DELETE and 5,500 GET/HEAD requests per second per
partitioned prefix (AWS, "Best practices design patterns: optimizing Amazon S3 performance");
past that it answers 503 Slow Down. A run's steady traffic, every second of a slice:

- each worker HEADs its stop flag and PUTs one delta shard (1 s flushes: a spec with abort rules);
- past 200 workers, each gatherer LISTs its group's new shards and GETs them.

"now": the store calls the real code makes (runner.store.stop_flag_key, Shard.key, and the real
gatherer tick runner.results.gather.gather_tick over an in-memory store that records every call),
for every worker of one slice over ``--seconds`` seconds. "before": the same traffic on the layout
before key groups (commit 2ffa362: every worker HEADs runs/<id>/control/stop; shards at
shards/<slice>/<seq>/<worker>; gatherers list the slice's whole shard prefix), from those key shapes.

A request's prefix is its key less the parts that change from flush to flush and worker to worker
(the seq and worker of a shard, nothing of a flag): the folder that keeps taking the traffic, which
S3 can only split between such folders, never within one key. Printed: the busiest prefix's
requests per second, by kind, against half of S3's per-prefix rates (the issue's bound). At a slice
hand-over two slices' workers run for a start margin and a drain: their shards go to two slices'
prefixes, their stop flags (one per key group, whatever the slice) take twice the reads, 400/s.
"""
from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analysis.shard import Shard  # noqa: E402
from runner.plan import gather_group_workers  # noqa: E402
from runner.results.gather import Group, gather_tick  # noqa: E402
from runner.store import put_shard, stop_flag_key  # noqa: E402

S3_WRITES_PER_PREFIX_S, S3_READS_PER_PREFIX_S = 3_500, 5_500
FLUSH_PARTS = re.compile(r"/\d{6}/\d{5}\.json\.gz$|/\d{5}\.json\.gz$")


def prefix_of(key: str) -> str:
    return FLUSH_PARTS.sub("/", key)


class RecordingStore:
    """In memory; every call recorded as (kind, prefix) for the second being simulated."""

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}
        self.calls: Counter[tuple[str, str]] = Counter()

    def put_bytes(self, key: str, data: bytes) -> None:
        self.calls[("write", prefix_of(key))] += 1
        self.objects[key] = data

    def get_bytes(self, key: str) -> bytes:
        self.calls[("read", prefix_of(key))] += 1
        return self.objects[key]

    def exists(self, key: str) -> bool:
        self.calls[("read", prefix_of(key))] += 1
        return key in self.objects

    def list(self, prefix: str, start_after: str | None = None) -> list[str]:
        self.calls[("read", prefix)] += 1  # a LIST is priced and rated as a read
        return sorted(k for k in self.objects if k.startswith(prefix) and (start_after is None or k > start_after))

    def put_json(self, key: str, value: Any) -> None:
        self.put_bytes(key, b"{}")

    def get_json(self, key: str) -> Any:
        return {}

    def uri(self, key: str) -> str:
        return key

    def create_bytes(self, key: str, data: bytes) -> bool:
        self.put_bytes(key, data)
        return True


def now(workers: int, seconds: int) -> tuple[int, int]:
    """The busiest prefix's writes and reads per second, from the real code's calls."""
    store = RecordingStore()
    group_size = gather_group_workers(workers)
    groups = [Group(0, first, min(group_size, workers - first)) for first in range(0, workers, group_size)] \
        if group_size else []
    last: dict[int, Any] = {}
    worst_writes = worst_reads = 0
    for second in range(seconds):
        store.calls.clear()
        for worker in range(workers):
            store.exists(stop_flag_key("r", worker))
            put_shard(store, Shard(run_id="r", slice_index=0, worker_index=worker, seq=second))
        for group in groups:
            gathered = gather_tick(store, "r", group, last.get(group.first_worker), second)
            last[group.first_worker] = gathered or last.get(group.first_worker)
        worst_writes = max([worst_writes] + [n for (kind, _), n in store.calls.items() if kind == "write"])
        worst_reads = max([worst_reads] + [n for (kind, _), n in store.calls.items() if kind == "read"])
    return worst_writes, worst_reads


def before(workers: int) -> tuple[int, int]:
    """The same second on the layout before key groups, from its key shapes."""
    writes = Counter(prefix_of(f"runs/r/shards/0/000001/{w:05d}.json.gz") for w in range(workers))
    reads = Counter("runs/r/control/stop" for _ in range(workers))
    group_size = gather_group_workers(workers)
    for _ in range(0, workers, group_size) if group_size else ():
        reads["runs/r/shards/0/"] += 1 + group_size  # a LIST of the slice's prefix, then its group's GETs
    return max(writes.values()), max(reads.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--workers", default="1000,5000")
    parser.add_argument("--seconds", type=int, default=3)
    args = parser.parse_args()
    half_writes, half_reads = S3_WRITES_PER_PREFIX_S // 2, S3_READS_PER_PREFIX_S // 2
    print(f"busiest prefix, requests per second (half of S3's per-prefix rates: {half_writes:,} writes, "
          f"{half_reads:,} reads)")
    print(f"{'workers':>8}  {'layout':7} {'writes/s':>9} {'reads/s':>8}  within half?")
    for workers in (int(w) for w in args.workers.split(",")):
        for name, (writes, reads) in (("before", before(workers)), ("now", now(workers, args.seconds))):
            fits = "yes" if writes <= half_writes and reads <= half_reads else "no"
            print(f"{workers:>8,}  {name:7} {writes:>9,} {reads:>8,}  {fits}")


if __name__ == "__main__":
    main()
