"""The console's run index at 10,000 runs (numbers, not a test).

    python bench/console_index.py [--runs 10000] [--store DIR]

Writes ``--runs`` runs into a local store as collect writes them (meta.json, result.json,
summary.json: twenty specs, three profiles, every verdict, one a day back from now; the result
documents are real ones from the merge of synthetic shards, one per spec, reused), then times:

- the index built from nothing (every summary.json read once),
- a refresh when nothing changed (what every console page costs: one listing, one stat a run),
- the runs page's queries (newest 100 and the count) and each filter (spec + verdict, tag, a week),
- GET / and GET /?spec=…&verdict=FAIL through the console's own HTTP server (refresh included),
  and a trend of 500 runs with its change points.

The issue's bound: 10,000 runs list and filter in under 1 s.
"""
from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiohttp.test_utils import TestClient, TestServer  # noqa: E402

from analysis.result import summary_row  # noqa: E402
from analysis.trends import trend  # noqa: E402
from runner.console.backends import LocalConsole  # noqa: E402
from runner.console.server import ConsoleApp  # noqa: E402
from runner.results.index import RunFilter, RunIndex, index_path_for  # noqa: E402
from runner.store import LocalStore, run_prefix  # noqa: E402
from tests.history_fixture import run_result  # noqa: E402

SPECS = 20
PROFILES = (None, "stress", "soak")


def write_runs(store: LocalStore, count: int) -> None:
    rng = random.Random(1)
    now = time.time()
    templates = [run_result(f"template-{i}", f"spec-{i:02d}", seconds=5, seed=i,  # every third spec FAILs its p95
                            p95_limit_ms=60.0 if i % 3 == 0 else 200.0) for i in range(SPECS)]
    for n in range(count):
        template = templates[n % SPECS]
        run_id = f"spec-{n % SPECS:02d}-{n:06d}"
        result = {**template, "run_id": run_id, "started_at_epoch_s": now - (count - n) * 600.0,
                  "profile": PROFILES[n % len(PROFILES)], "tags": [rng.choice(["smoke", "nightly", "release"])]}
        prefix = run_prefix(run_id)
        store.put_json(prefix + "meta.json", {k: result[k] for k in ("run_id", "spec_name", "started_at_epoch_s",
                                                                     "profile", "backend")})
        store.put_json(prefix + "result.json", result)
        row = summary_row(result)
        row["p95_ms"] = row["p95_ms"] * rng.uniform(0.9, 1.1)
        store.put_json(prefix + "summary.json", row)


def timed(work: Callable[[], Any], repeat: int = 5) -> tuple[float, Any]:
    """The median wall time of ``repeat`` calls, in seconds, and the last answer."""
    times, answer = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        answer = work()
        times.append(time.perf_counter() - started)
    return statistics.median(times), answer


async def through_http(store_dir: Path) -> dict[str, float]:
    console = ConsoleApp(LocalConsole(store_dir, store_dir.parent, store_dir.parent / "specs"), token="t")
    figures = {}
    async with TestClient(TestServer(console.app())) as client:
        console.port = client.server.port or 0
        for label, path in (("GET /", "/"), ("GET /?spec=spec-03&verdict=FAIL", "/?spec=spec-03&verdict=FAIL"),
                            ("GET /?tag=nightly&profile=stress", "/?tag=nightly&profile=stress")):
            times = []
            for _ in range(5):
                started = time.perf_counter()
                response = await client.get(path)
                await response.read()
                assert response.status == 200
                times.append(time.perf_counter() - started)
            figures[label] = statistics.median(times)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--store", help="where to write the runs (default: a temporary folder)")
    args = parser.parse_args()
    folder = Path(args.store) if args.store else Path(tempfile.mkdtemp(prefix="squall-console-bench-"))
    store = LocalStore(folder / "squall-runs")
    started = time.perf_counter()
    write_runs(store, args.runs)
    print(f"{args.runs:,} runs written in {time.perf_counter() - started:.1f} s to {store.root}")
    index = RunIndex(store, index_path_for(store, folder))
    index.path.unlink(missing_ok=True)
    built_s, refreshed = timed(index.refresh, repeat=1)
    print(f"index built from nothing:        {built_s * 1000:8.0f} ms  ({refreshed.read:,} runs read)")
    fresh_s, refreshed = timed(index.refresh)
    print(f"refresh, nothing changed:        {fresh_s * 1000:8.0f} ms  ({refreshed.known:,} runs checked)")
    week_ago = time.time() - 7 * 86_400
    for label, where in (("newest 100 + count", RunFilter()),
                         ("spec + verdict FAIL", RunFilter(spec="spec-03", verdict="FAIL")),
                         ("tag nightly, profile stress", RunFilter(tag="nightly", profile="stress")),
                         ("the last week", RunFilter(since_epoch_s=week_ago))):
        query_s, rows = timed(lambda where=where: (index.runs(where, 100), index.count(where)))
        print(f"query {label + ':':<27} {query_s * 1000:8.1f} ms  ({rows[1]:,} runs match)")
    for label, seconds in asyncio.run(through_http(store.root)).items():
        print(f"{label + ':':<33}{seconds * 1000:8.0f} ms  (refresh, queries and the page)")
    history = index.history("spec-03", "stress")[-500:]
    trend_s, found = timed(lambda: trend(history), repeat=1)
    print(f"trend of {len(history)} runs (6 figures):   {trend_s * 1000:8.0f} ms  "
          f"({found['searched_runs']} searched, {len(found['change_points'])} change points)")


if __name__ == "__main__":
    main()
