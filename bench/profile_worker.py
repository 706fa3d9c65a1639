"""Where a worker's CPU goes per request (numbers, not a test): py-spy samples one pinned worker
at a held rate, and each sample is put under the part of the per-request path it was in.

    python bench/profile_worker.py [--rate 10000] [--seconds 20] [--sample-s 10] [--hz 250]

The run is bench/run_bench.py's (nginx on core 1, one worker process on core 0, the 80/20 mix);
py-spy (`pip install py-spy`) attaches to the worker a few seconds in, without stopping it
(--nonblocking), and records --sample-s seconds at --hz. (py-spy's --native, which would look into
uvloop's C, pauses the process at each sample: tried, the worker fell behind its schedule and a
third of the samples were the collector catching up, so the figures would be of another run.)
A sample belongs to the innermost frame of the stack that names a part (the table below); CPU-µs
per request is that part's share of the samples times the run's own CPU-µs per request (the
worker's process_time over its requests).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from run_bench import SPEC, machine_state, nginx_on_core_1, pinned  # noqa: E402

# (part, what a frame's "function (file)" text contains), innermost match wins; order: most specific first
PARTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("templating", ("templating.py",)),
    ("capture (JSONPath on the body)", ("capture.py", "jsonpath.py", "json/decoder.py", "json/__init__.py")),
    ("recording (histograms, windows)", ("recorder.py", "histogram.py", "stats.py")),
    ("flushing shards (encode, gzip, write)", ("store.py", "shard.py", "gzip.py", "json/encoder.py", "zlib")),
    ("the engine: write, parse (httptools)", ("http1.py",)),
    ("the engine: pool, timeouts", ("fast.py", "base.py")),
    ("the flow (steps, checks, cookies)", ("flow.py", "cookies.py")),
    ("scheduling (arrivals, the loop's tick)", ("generator.py", "pacing.py", "gc_policy.py")),
    # py-spy sees Python frames: a sample whose innermost one is the loop's run() was in uvloop's C (the
    # sockets' reads and writes, epoll, running callbacks, stepping tasks) or in C asyncio
    ("the event loop itself, in C (uvloop: socket I/O, epoll, callbacks, task steps)",
     ("asyncio/", "uvloop", "events.py", "futures.py", "tasks.py")),
)


def part_of(stack: str) -> str:
    frames = stack.split(";")
    for frame in reversed(frames):  # the innermost frame first
        for part, marks in PARTS:
            if any(mark in frame for mark in marks):
                return part
    return "other (the interpreter, imports, the rest)"


def worker_pid(parent: int, timeout_s: float = 15.0) -> int:
    """The worker process the squall command started (runner.local.worker_process)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = subprocess.run(["pgrep", "-f", "runner.local.worker_process"], capture_output=True, text=True)
        pids = [int(p) for p in found.stdout.split()]
        if pids:
            return pids[0]
        time.sleep(0.2)
    raise SystemExit("no worker process appeared")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=10_000.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--sample-s", type=float, default=10.0)
    parser.add_argument("--hz", type=int, default=250)
    args = parser.parse_args()
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(spy).exists():
        raise SystemExit("py-spy is not installed: pip install py-spy")
    with nginx_on_core_1("squall-profile-") as (url, port, work):
        print(f"machine now: {machine_state(port)}")
        spec = work / "profile.yaml"
        spec.write_text(SPEC.format(url=url, rate=args.rate, duration=args.seconds))
        run = subprocess.Popen(pinned(1) + [sys.executable, "-m", "runner.cli", "run", str(spec), "--workers", "1",
                                            "--store", str(work / "store"), "--seed", "1", "--quiet"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               env={**os.environ, "SQUALL_WORKER_CPUS": "0"})
        pid = worker_pid(run.pid)
        time.sleep(min(4.0, args.seconds / 4))  # past the start and the pool's first growth
        raw = work / "profile.txt"
        subprocess.run([spy, "record", "--pid", str(pid), "--rate", str(args.hz), "--duration", str(int(args.sample_s)),
                        "--format", "raw", "--output", str(raw), "--nonblocking"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        run.wait()
        [run_dir] = (work / "store" / "runs").iterdir()
        result = json.loads((run_dir / "result.json").read_text())
        health, overall = result["health"], result["overall"]
        cpu_us = health["cpu_s"] * 1e6 / max(1, overall["requests"])
        samples: Counter[str] = Counter()
        for line in raw.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            if stack and count.isdigit():
                samples[part_of(stack)] += int(count)
        total = sum(samples.values())
        print(f"rate {args.rate:,.0f} arrivals/s: {overall['requests']:,} requests, lag p99 {health['lag_p99_ms']:.2f} ms, "
              f"{health['late']:,} late, {health['dropped']:,} dropped, {cpu_us:.1f} CPU-µs/request; "
              f"{total:,} samples")
        if os.environ.get("SQUALL_PROFILE_LEAVES"):  # the innermost frames themselves, for a closer look
            leaves: Counter[str] = Counter()
            for line in raw.read_text().splitlines():
                stack, _, count = line.rpartition(" ")
                if stack and count.isdigit():
                    leaves[";".join(stack.split(";")[-3:])] += int(count)
            for leaf, count in leaves.most_common(25):
                print(f"{count:>6}  {leaf}")
        print("| part of the per-request path | share of samples | CPU-µs per request |\n|---|---:|---:|")
        for part, count in samples.most_common():
            print(f"| {part} | {count / total:.1%} | {count / total * cpu_us:.1f} |")


if __name__ == "__main__":
    main()
