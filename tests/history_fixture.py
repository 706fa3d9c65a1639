"""A history of runs written into a local store as Squall writes them (meta.json, result.json from
the real merge and verdict, summary.json): the input of the index, trend, compare and console tests."""
from __future__ import annotations

import random
from typing import Any

from analysis.histogram import Histogram
from analysis.merge import merge_shards
from analysis.result import build_result, summary_row
from analysis.shard import Shard
from analysis.stats import EndpointStats, HealthStats, Window
from analysis.thresholds import Threshold
from analysis.verdict import HealthLimits, judge
from runner.store import LocalStore, run_prefix

ENDPOINTS = (("GET /items", 20_000, 40), ("POST /orders", 60_000, 10))  # name, median µs, requests a second


def _window(rng: random.Random, latency_scale: float, error_every: int) -> Window:
    window = Window()
    for name, median_us, count in ENDPOINTS:
        samples = [int(rng.lognormvariate(0, 0.35) * median_us * latency_scale) for _ in range(count)]
        errors = count // error_every if error_every else 0
        window.endpoints[name] = EndpointStats(
            requests=count, responses=count, statuses={"200": count - errors, **({"503": errors} if errors else {})},
            errors={"http_5xx": errors} if errors else {}, error_statuses={"503": errors} if errors else {},
            bytes_in=count * 300, bytes_out=count * 100, latency=Histogram.of(samples),
            latency_uncorrected=Histogram.of(samples))
    window.health = HealthStats(intended=sum(c for _, _, c in ENDPOINTS), lag=Histogram.of([300] * 10),
                                cpu_s=0.1, wall_s=1.0)
    return window


def run_result(run_id: str, spec_name: str = "checkout", started_at_epoch_s: float = 1_790_000_000.0,
               latency_scale: float = 1.0, seconds: int = 20, seed: int = 1, profile: str | None = None,
               error_every: int = 0, tags: tuple[str, ...] = ("smoke",), p95_limit_ms: float = 100.0) -> dict[str, Any]:
    """A finished run's result document: two endpoints for ``seconds`` seconds, latency around
    20 and 60 ms times ``latency_scale``, and ``p95 < p95_limit_ms`` judged."""
    rng = random.Random(seed)
    shard = Shard(run_id, 0, 0, 0, {s: _window(rng, latency_scale, error_every) for s in range(seconds)}, final=True)
    run = merge_shards([shard])
    thresholds = (Threshold("error_rate < 1%", "error_rate", None, "<", 0.01),
                  Threshold(f"p95 < {p95_limit_ms:g}ms", "latency", 95.0, "<", p95_limit_ms))
    verdict = judge(run, thresholds, float(seconds), HealthLimits(), planned_workers=1)
    meta = {"run_id": run_id, "spec_name": spec_name, "target_url": "http://127.0.0.1:8080", "backend": "local",
            "engine": "fast", "started_at_epoch_s": started_at_epoch_s, "profile": profile,
            "plan": {"expected_requests": 1000.0, "workers": 1}}
    result = build_result(run, verdict, meta, float(seconds), [50.0] * seconds)
    result.update(target=None, baseline_run_id=None, tags=list(tags),
                  cost={"test": {"title": "the test itself", "total_usd": 0.0012, "items": [], "notes": [],
                                 "per_1000_requests_usd": None}, "target": None})
    return result


def write_run(store: LocalStore, result: dict[str, Any], summary: bool = True) -> None:
    prefix = run_prefix(result["run_id"])
    store.put_json(prefix + "meta.json", {key: result[key] for key in ("run_id", "spec_name", "target_url", "backend",
                                                                        "engine", "started_at_epoch_s", "profile")})
    store.put_json(prefix + "result.json", result)
    if summary:
        store.put_json(prefix + "summary.json", summary_row(result))


def write_history(store: LocalStore, p95_scales: list[float], spec_name: str = "checkout",
                  start_epoch_s: float = 1_790_000_000.0, every_s: float = 86_400.0) -> list[str]:
    """One run a day (by default), each with its latency scale; the run ids, oldest first."""
    run_ids = []
    for index, scale in enumerate(p95_scales):
        run_id = f"{spec_name}-{index + 1:04d}"
        write_run(store, run_result(run_id, spec_name, start_epoch_s + index * every_s, scale, seed=index + 1))
        run_ids.append(run_id)
    return run_ids
