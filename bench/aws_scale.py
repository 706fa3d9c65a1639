"""The AWS path at scale, without AWS (numbers, not a test).

    python bench/aws_scale.py --workers 200 --minutes 60 [--rate-per-worker 50] [--dir /tmp/x]
    python bench/aws_scale.py --workers 200 --minutes 5 --flush-s 1 --tick-s 1   # a spec with abort rules

1. Shards like the workers write: the real Recorder fills per-second, per-endpoint windows
   (latency histograms, statuses, errors, schedule lag) for 5 s flushes; a handful of such
   flushes are recorded and rotated so that generating W x M x 12 shards stays fast (each
   window is gzipped once as its own gzip member, and a shard is those members concatenated:
   a valid gzip stream that the real reader decodes in full). Each worker's snapshot too.
2. A store that adds 20 ms to every request (S3's typical latency) over a directory, and
   shows each shard only once its flush has happened on a virtual clock.
3. The real monitor tick (runner.aws.pipeline.watch_run) every 10 s of the run (--tick-s; 1 s
   with --flush-s 1 is the cadence of a spec with abort rules: runner.plan.MonitorCadence), slice after
   slice, and before it, past 200 workers, the real gatherers' ticks every second (each timed alone:
   on AWS each is its own Lambda; --no-gather: the monitor reads every shard itself); the real
   collect (runner.aws.pipeline.collect_run, reports included); the real Plan (plan_run) at
   1,000 workers x 4 slices. Each phase runs in its own process, so each peak
   RSS is that phase's own.

Ends with exactly one line:
aws-scale W workers M min: monitor tick max X.X s, peak RSS Y MB; collect Z.Z s, peak RSS V MB; plan P.P s
"""
from __future__ import annotations

import argparse
import bisect
import gzip
import json
import math
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analysis.shard import delta_key_parts, key_group, shard_group_prefix, snapshot_key, snapshot_key_parts  # noqa: E402
from runner.store import LocalStore  # noqa: E402

S3_LATENCY_S = 0.020
FLUSH_S = 5  # set from --flush-s (the parent passes it to every phase)
TICK_S = 10  # set from --tick-s
RUN_ID = "scale"
START_AT = 1_800_000_000.0
ENDPOINTS = (("GET /items/{id}", 0.6, 40.0), ("POST /orders", 0.25, 120.0), ("GET /search", 0.15, 250.0))

SPEC = {"name": "scale", "target": {"url": "https://api.example.com"},
        "load": {"phases": [{"name": "steady", "duration": "{minutes}m", "rate": "{rate}/s"}]},
        "scenarios": [{"name": "browse", "flow": [{"get": {"url": "/items/1", "name": ENDPOINTS[0][0]}}]}],
        "thresholds": ["error_rate < 1%", "p95 < 500ms", {"check": "error_rate < 20%", "abort": True, "for": "30s"}],
        "limits": {"max_workers": 5000}}


def spec_for(workers: int, minutes: int, rate_per_worker: float) -> dict[str, Any]:
    text = json.dumps(SPEC).replace("{minutes}", str(minutes)).replace("{rate}", f"{workers * rate_per_worker:g}")
    return dict(json.loads(text))


class S3LikeStore(LocalStore):
    """A directory store that answers like S3: 20 ms a request (a LIST page holds 1,000 keys),
    and a virtual clock: a delta shard appears once its flush has happened, a snapshot once its
    slice has ended."""

    def __init__(self, root: Path, slice_s: float) -> None:
        super().__init__(root)
        self.slice_s = slice_s
        self.now_run_s = math.inf  # the run's elapsed time on the virtual clock
        self.requests = 0
        self._lock = threading.Lock()
        self._sorted: dict[str, list[str]] = {}

    def _wait(self, requests: int = 1) -> None:
        with self._lock:
            self.requests += requests
        time.sleep(S3_LATENCY_S * requests)

    def visible(self, key: str) -> bool:
        parts = delta_key_parts(key)
        if parts is not None:
            slice_index, seq, _ = parts
            return slice_index * self.slice_s + (seq + 1) * FLUSH_S <= self.now_run_s
        snapshot = snapshot_key_parts(key)
        if snapshot is not None:
            return (snapshot[0] + 1) * self.slice_s <= self.now_run_s
        return True

    def prime(self, prefix: str) -> list[str]:
        """The generated shards under ``prefix``, walked once (before the timed ticks: the walk is
        this directory's cost, not S3's)."""
        if prefix not in self._sorted:
            self._sorted[prefix] = super().list(prefix)
        return self._sorted[prefix]

    def get_bytes(self, key: str) -> bytes:
        self._wait()
        return super().get_bytes(key)

    def put_bytes(self, key: str, data: bytes) -> None:
        self._wait()
        super().put_bytes(key, data)

    def exists(self, key: str) -> bool:
        self._wait()
        return super().exists(key) and self.visible(key)

    def list(self, prefix: str, start_after: str | None = None) -> list[str]:
        if "/shards/" not in prefix:
            keys = [k for k in super().list(prefix, start_after) if self.visible(k)]
        else:
            # As S3 lists from a cursor: only the keys after it, never a walk of every key before it
            # (a walk of the directory would make each tick cost as much as all the shards so far).
            # The generated shards never change: listed once, then bisected. Delta keys sort by
            # slice, key group, then flush: past a group's first one not yet flushed, none of that
            # group's is, so the walk skips to the next group.
            every = self.prime(prefix)
            keys = []
            at = bisect.bisect_right(every, start_after) if start_after else 0
            while at < len(every):
                key = every[at]
                if self.visible(key):
                    keys.append(key)
                    at += 1
                    continue
                group_prefix = key.rsplit("/", 2)[0] + "/"
                at = bisect.bisect_right(every, group_prefix + "~")
        self._wait(max(1, math.ceil(len(keys) / 1000)))
        return keys


def recorded_flushes(count: int, rate_per_worker: float, seed: int = 7) -> list[list[Any]]:
    """``count`` flushes of FLUSH_S windows each, recorded by the real Recorder: each Window."""
    from runner.load.recorder import Recorder
    rng = random.Random(seed)
    flushes = []
    for _ in range(count):
        recorder = Recorder(RUN_ID, 0, 0, 0.0)
        for second in range(FLUSH_S):
            window = recorder.window_at(second + 0.5)
            arrivals = int(rate_per_worker)
            window.health.intended += arrivals
            for _ in range(arrivals):
                window.health.lag.record(int(rng.expovariate(1 / 300)))
                name, _, median_ms = rng.choices(ENDPOINTS, weights=[e[1] for e in ENDPOINTS])[0]
                stats = window.endpoint(name)
                latency_us = int(rng.lognormvariate(math.log(median_ms * 1000), 0.5))
                stats.requests += 1
                stats.bytes_out += 180
                stats.latency.record(latency_us)
                stats.latency_uncorrected.record(max(1, latency_us - int(rng.expovariate(1 / 300))))
                if rng.random() < 0.004:
                    stats.errors["http_5xx"] = stats.errors.get("http_5xx", 0) + 1
                    stats.error_statuses["503"] = stats.error_statuses.get("503", 0) + 1
                    status = "503"
                else:
                    status = "200"
                stats.responses += 1
                stats.bytes_in += 900
                stats.statuses[status] = stats.statuses.get(status, 0) + 1
                scenario = window.scenario("browse")
                scenario.launched += 1
                scenario.completed += 1
            window.health.cpu_s += 0.15
            window.health.wall_s += 1.0
        shard = recorder.take_shard()
        flushes.append([shard.windows[s] for s in range(FLUSH_S)])
    return flushes


class MemberCache:
    """One gzip member per (recorded window, run second, leading comma, compact or not): shared
    by every worker; a snapshot's totals per (slice length, rotation)."""

    def __init__(self, flushes: list[list[Any]]) -> None:
        from analysis.shard import per_second
        def text(window: Any) -> str:
            return json.dumps(window.to_dict(), separators=(",", ":"))
        self.full = [[text(w) for w in flush] for flush in flushes]
        self.compact = [[text(per_second(w)) for w in flush] for flush in flushes]
        self.flushes = flushes
        self.members: dict[tuple[int, int, bool, bool], bytes] = {}
        self.totals: dict[tuple[int, int, int], str] = {}

    def window(self, variant: int, second: int, comma: bool, compact: bool) -> bytes:
        key = (variant, second, comma, compact)
        member = self.members.get(key)
        if member is None:
            body = (self.compact if compact else self.full)[variant][second % FLUSH_S]
            member = self.members[key] = gzip.compress((("," if comma else "") + f'"{second}":' + body).encode(),
                                                       compresslevel=5)
        return member

    def slice_totals(self, offset: int, duration: int, rotation: int, variant_of: Any) -> str:
        from analysis.stats import Window
        key = (offset % (FLUSH_S * len(self.flushes)), duration, rotation)
        if key not in self.totals:
            totals = Window()
            for second in range(offset, offset + duration):
                totals.merge(self.flushes[variant_of(second)][second % FLUSH_S])
            self.totals[key] = json.dumps(totals.to_dict(), separators=(",", ":"))
        return self.totals[key]


def shard_bytes(cache: MemberCache, slice_index: int, worker: int, seq: int, seconds: range, final: bool,
                covers: int | None, variant_of: Any, totals: str | None = None) -> bytes:
    head = {"format": 1, "run_id": RUN_ID, "slice": slice_index, "worker": worker, "seq": seq, "final": final,
            "error": None, "ended_at_epoch_s": START_AT + seconds.stop + 1 if final else None, "covers": covers}
    text = json.dumps(head)[:-1] + (f',"totals":{totals}' if totals else "") + ',"windows":{'
    parts = [gzip.compress(text.encode())]
    parts += [cache.window(variant_of(second), second, i > 0, totals is not None) for i, second in enumerate(seconds)]
    parts.append(gzip.compress(b"}}"))
    return b"".join(parts)


def generate(directory: Path, workers: int, minutes: int, rate_per_worker: float) -> dict[str, Any]:
    """The run's plan and jobs (the real Plan step), every delta shard and snapshot."""
    from runner.aws.pipeline import plan_run
    from runner.guardrails import Guardrails
    store = LocalStore(directory)
    spec = spec_for(workers, minutes, rate_per_worker)
    planned = plan_run({"input": {"spec": spec, "run_id": RUN_ID, "workers": workers, "seed": 1,
                                  "flush_interval_s": FLUSH_S}}, store, "bench",
                       Guardrails(("api.example.com",), max_workers=5000, max_duration_s=24 * 3600), START_AT)
    slices = planned["slices"]
    cache = MemberCache(recorded_flushes(12, rate_per_worker))
    shards = snapshots = 0
    prefix = directory / "runs" / RUN_ID
    for slice_ in slices:
        index, offset, duration = slice_["index"], int(slice_["offset_s"]), int(slice_["duration_s"])
        flushes = math.ceil(duration / FLUSH_S)
        for worker in range(workers):
            def variant_of(second: int, worker: int = worker) -> int:
                return (worker + second // FLUSH_S) % len(cache.flushes)
            for seq in range(flushes):
                seconds = range(offset + seq * FLUSH_S, min(offset + duration, offset + (seq + 1) * FLUSH_S))
                path = prefix / shard_group_prefix(index, key_group(worker)) / f"{seq:06d}" / f"{worker:05d}.json.gz"
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(shard_bytes(cache, index, worker, seq, seconds, seq == flushes - 1, None, variant_of))
                shards += 1
            path = prefix / snapshot_key(index, worker)
            path.parent.mkdir(parents=True, exist_ok=True)
            totals = cache.slice_totals(offset, duration, worker % len(cache.flushes), variant_of)
            path.write_bytes(shard_bytes(cache, index, worker, flushes - 1, range(offset, offset + duration), True,
                                         flushes, variant_of, totals))
            snapshots += 1
        (prefix / "slices").mkdir(exist_ok=True)
        (prefix / "slices" / f"{index}.start.json").write_text(json.dumps(
            {"start_at_epoch_s": START_AT + offset, "offset_s": offset, "duration_s": duration}))
    first_flush = prefix / shard_group_prefix(0, 0) / "000001"
    delta_bytes = sum(p.stat().st_size for p in first_flush.iterdir())
    return {"slices": slices, "shards": shards, "snapshots": snapshots,
            "delta_kib": round(delta_bytes / len(list(first_flush.iterdir())) / 1024, 1),
            "snapshot_kib": round((prefix / snapshot_key(0, 0)).stat().st_size / 1024, 1)}


class PeakRss:
    """Samples this process's resident memory every 20 ms (and reads the kernel's high-water mark)."""

    def __init__(self) -> None:
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def current_mb() -> float:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_mb = max(self.peak_mb, self.current_mb())
            time.sleep(0.02)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak_mb = max(self.peak_mb, self.current_mb())


def phase_monitor(directory: Path, slices: list[dict[str, Any]], gather: bool = True) -> dict[str, Any]:
    """The monitor's ticks, and (a slice of more than 200 workers) its gatherers' every second
    before them: on AWS each gatherer is its own Lambda, so each gatherer tick is timed alone."""
    from runner.aws.pipeline import watch_run
    from runner.results.gather import Group, gather_tick
    store = S3LikeStore(directory, float(slices[0]["duration_s"]))
    ticks: list[dict[str, float]] = []
    gather_ticks: list[float] = []
    planned = [{**s, "start_at": START_AT + float(s["offset_s"]), "gather": s.get("gather", []) if gather else []}
               for s in slices]
    gatherers = {Group(int(g["slice"]), int(g["first_worker"]), int(g["workers"])): (None, 0)
                 for s in planned for g in s["gather"]}
    for slice_ in planned:
        for group_folder in sorted((directory / "runs" / RUN_ID / "shards" / str(slice_["index"])).iterdir()):
            store.prime(f"runs/{RUN_ID}/{shard_group_prefix(int(slice_['index']), int(group_folder.name))}")
        # what each slice's StartSlice records before its start (the monitor reads it from then on)
        store.put_json(f"runs/{RUN_ID}/slices/{slice_['index']}.start.json", {"start_at_epoch_s": slice_["start_at"]})
    event = {"run_id": RUN_ID, "slices": planned}
    with PeakRss() as rss:
        for slice_ in planned:
            end_s = int(slice_["duration_s"]) + (2 * TICK_S if slice_ is planned[-1] else 1)
            for second in range(1, end_s):
                store.now_run_s = float(slice_["offset_s"]) + second
                for group, (last, seq) in list(gatherers.items()):
                    if group.slice_index != slice_["index"] or (last is not None and len(last.final) == group.workers):
                        continue
                    began = time.perf_counter()
                    written = gather_tick(store, RUN_ID, group, last, seq)
                    gather_ticks.append(time.perf_counter() - began)
                    if written is not None:
                        gatherers[group] = (written, seq + 1)
                if second % TICK_S:
                    continue
                before_requests, began = store.requests, time.perf_counter()
                decision, live = watch_run(event, store, float(slice_["start_at"]) + second)
                ticks.append({"s": time.perf_counter() - began, "rss_mb": PeakRss.current_mb(),
                              "read": live["shards_read_this_tick"], "requests": store.requests - before_requests})
                if decision["done"]:
                    break
    return {"tick_max_s": max(t["s"] for t in ticks), "tick_mean_s": sum(t["s"] for t in ticks) / len(ticks),
            "ticks": len(ticks), "rss_peak_mb": rss.peak_mb, "kernel_peak_mb": _maxrss_mb(),
            "first_ticks_s": [round(t["s"], 2) for t in ticks[:3]], "last_ticks_s": [round(t["s"], 2) for t in ticks[-3:]],
            "shards_read_max": max(t["read"] for t in ticks), "requests_max": max(t["requests"] for t in ticks),
            "gatherers": len(gatherers) // len(planned), "gather_ticks": len(gather_ticks),
            "gather_tick_max_s": max(gather_ticks, default=0.0),
            "gather_tick_mean_s": sum(gather_ticks) / len(gather_ticks) if gather_ticks else 0.0}


def phase_collect(directory: Path, slices: list[dict[str, Any]]) -> dict[str, Any]:
    from runner.aws.pipeline import collect_run
    store = S3LikeStore(directory, float(slices[0]["duration_s"]))
    with PeakRss() as rss:
        began = time.perf_counter()
        out = collect_run({"run_id": RUN_ID}, store)
        seconds = time.perf_counter() - began
    return {"collect_s": seconds, "rss_peak_mb": rss.peak_mb, "kernel_peak_mb": _maxrss_mb(),
            "status": out["status"], "requests": out["requests"], "store_requests": store.requests}


def phase_reduce(directory: Path, slices: list[dict[str, Any]], group: dict[str, Any]) -> dict[str, Any]:
    """One branch of collect's reduce tree, as one Collect invocation runs it."""
    from runner.aws.pipeline import reduce_run
    store = S3LikeStore(directory, float(slices[0]["duration_s"]))
    with PeakRss() as rss:
        began = time.perf_counter()
        reduce_run({"run_id": RUN_ID, "group": group}, store)
        seconds = time.perf_counter() - began
    return {"reduce_s": seconds, "rss_peak_mb": rss.peak_mb, "store_requests": store.requests}


def reduce_groups(workers: int, slices: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The groups Plan hands the state machine's Reduce map (runner.aws.pipeline.plan_run)."""
    from runner.collect_budget import REDUCE_FROM_WORKER_SLICES, REDUCE_GROUP_WORKERS
    if workers * len(slices) < REDUCE_FROM_WORKER_SLICES:
        return []
    return [{"slice": s["index"], "first_worker": first, "workers": min(REDUCE_GROUP_WORKERS, workers - first)}
            for s in slices for first in range(0, workers, REDUCE_GROUP_WORKERS)]


def phase_plan(directory: Path) -> dict[str, Any]:
    from runner.aws.pipeline import plan_run
    from runner.guardrails import Guardrails
    store = S3LikeStore(directory, 840.0)
    spec = spec_for(1000, 56, 10.0)  # 1,000 workers x 4 slices of 14 min
    began = time.perf_counter()
    planned = plan_run({"input": {"spec": spec, "run_id": "plan-1000", "workers": 1000}}, store, "bench",
                       Guardrails(("api.example.com",), max_workers=5000, max_duration_s=24 * 3600), START_AT)
    return {"plan_s": time.perf_counter() - began, "slices": len(planned["slices"]), "workers": planned["workers"],
            "store_requests": store.requests}


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(phase: str, directory: Path, extra: dict[str, Any]) -> dict[str, Any]:
    done = subprocess.run([sys.executable, __file__, "--phase", phase, "--dir", str(directory),
                           "--flush-s", str(FLUSH_S), "--tick-s", str(TICK_S), "--extra", json.dumps(extra)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"phase {phase} failed:\n{done.stderr[-4000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=200)
    parser.add_argument("--minutes", type=int, default=60)
    parser.add_argument("--rate-per-worker", type=float, default=50.0, help="arrivals/s each worker records")
    parser.add_argument("--flush-s", type=int, default=5, help="the workers' flush interval")
    parser.add_argument("--tick-s", type=int, default=10, help="the monitor's tick interval")
    parser.add_argument("--dir", type=Path, default=None, help="where the shards go (default: a temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the generated shards")
    parser.add_argument("--single-collect", action="store_true",
                        help="one collect of every worker's shards, no reduce tree (as before 2026-12-06)")
    parser.add_argument("--no-gather", action="store_true",
                        help="the monitor reads every worker's shards itself, no gatherers (as in the 2026-12-06 "
                             "figures)")
    parser.add_argument("--phase", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--extra", default="{}", help=argparse.SUPPRESS)
    args = parser.parse_args()
    extra = json.loads(args.extra)
    global FLUSH_S, TICK_S
    FLUSH_S, TICK_S = args.flush_s, args.tick_s
    if args.phase == "generate":
        print(json.dumps(generate(args.dir, extra["workers"], extra["minutes"], extra["rate_per_worker"])))
        return
    if args.phase == "reduce":
        print(json.dumps(phase_reduce(args.dir, extra["slices"], extra["group"])))
        return
    if args.phase == "monitor":
        print(json.dumps(phase_monitor(args.dir, extra["slices"], extra["gather"])))
        return
    if args.phase == "collect":
        print(json.dumps(phase_collect(args.dir, extra["slices"])))
        return
    if args.phase == "plan":
        print(json.dumps(phase_plan(args.dir)))
        return
    directory = args.dir or Path(tempfile.mkdtemp(prefix="squall-scale-"))
    try:
        began = time.perf_counter()
        made = child("generate", directory, {"workers": args.workers, "minutes": args.minutes,
                                             "rate_per_worker": args.rate_per_worker})
        print(f"generated {made['shards']:,} delta shards (~{made['delta_kib']} KiB each) and {made['snapshots']:,} "
              f"snapshots (~{made['snapshot_kib']} KiB each) in {time.perf_counter() - began:.0f} s", file=sys.stderr)
        monitor = child("monitor", directory, {"slices": made["slices"], "gather": not args.no_gather})
        print(f"monitor: {monitor['ticks']} ticks, mean {monitor['tick_mean_s']:.2f} s, first {monitor['first_ticks_s']}"
              f", last {monitor['last_ticks_s']}, at most {monitor['shards_read_max']} objects and "
              f"{monitor['requests_max']} store requests a tick", file=sys.stderr)
        if monitor["gatherers"]:
            print(f"gatherers: {monitor['gatherers']} a slice, {monitor['gather_ticks']:,} ticks (a second each), mean "
                  f"{monitor['gather_tick_mean_s']:.2f} s, max {monitor['gather_tick_max_s']:.2f} s", file=sys.stderr)
        groups = [] if args.single_collect else reduce_groups(args.workers, made["slices"])
        reduced = [child("reduce", directory, {"slices": made["slices"], "group": g}) for g in groups]
        if reduced:
            print(f"reduce: {len(reduced)} groups of up to {max(g['workers'] for g in groups)} workers, one "
                  f"invocation each: longest {max(r['reduce_s'] for r in reduced):.1f} s, mean "
                  f"{sum(r['reduce_s'] for r in reduced) / len(reduced):.1f} s, peak RSS "
                  f"{max(r['rss_peak_mb'] for r in reduced):.0f} MB", file=sys.stderr)
        collected = child("collect", directory, {"slices": made["slices"]})
        print(f"collect{' (the final merge)' if reduced else ''}: {collected['status']}, {collected['requests']:,} "
              f"requests merged in {collected['collect_s']:.1f} s, peak RSS {collected['rss_peak_mb']:.0f} MB, "
              f"{collected['store_requests']:,} store requests", file=sys.stderr)
        # the longest single Collect invocation: what must fit a Lambda's time and memory
        collected["collect_s"] = max([collected["collect_s"], *(r["reduce_s"] for r in reduced)])
        collected["rss_peak_mb"] = max([collected["rss_peak_mb"], *(r["rss_peak_mb"] for r in reduced)])
        planned = child("plan", directory / "plan", {})
        print(f"plan: {planned['workers']} workers x {planned['slices']} slices, {planned['store_requests']} store "
              f"requests; machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}", file=sys.stderr)
    finally:
        if not args.keep:
            shutil.rmtree(directory, ignore_errors=True)
    cadence = f" (flush {FLUSH_S} s, tick {TICK_S} s)" if (FLUSH_S, TICK_S) != (5, 10) else ""
    gathered = f" (gatherer tick max {monitor['gather_tick_max_s']:.2f} s)" if monitor["gatherers"] else ""
    print(f"aws-scale {args.workers} workers {args.minutes} min{cadence}: monitor tick max {monitor['tick_max_s']:.1f} s"
          f"{gathered}, peak RSS {monitor['rss_peak_mb']:.0f} MB; collect (longest invocation) "
          f"{collected['collect_s']:.1f} s, peak RSS {collected['rss_peak_mb']:.0f} MB; plan {planned['plan_s']:.1f} s")


if __name__ == "__main__":
    main()
