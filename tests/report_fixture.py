"""A fixed result document built from synthetic shards through the real merge and verdict:
the input of the report golden files and of the browser test."""
from __future__ import annotations

import random
from typing import Any

from analysis.histogram import Histogram
from analysis.merge import merge_shards
from analysis.result import build_result
from analysis.shard import Shard
from analysis.stats import EndpointStats, HealthStats, Window
from analysis.thresholds import Threshold
from analysis.verdict import HealthLimits, judge


def _window(rng: random.Random, second: int) -> Window:
    window = Window()
    for name, base_us, count in (("POST /generate", 40_000, 20 + second), ("GET /status/{id}", 8_000, 40 + 2 * second)):
        samples = [int(rng.lognormvariate(0, 0.4) * base_us) for _ in range(count)]
        errors = 2 if second == 7 and name == "POST /generate" else 0
        window.endpoints[name] = EndpointStats(
            requests=count, responses=count, statuses={"200": count - errors, **({"503": errors} if errors else {})},
            errors={"http_5xx": errors} if errors else {}, error_statuses={"503": errors} if errors else {},
            bytes_in=count * 310, bytes_out=count * 120, latency=Histogram.of(samples),
            latency_uncorrected=Histogram.of(samples))
    window.health = HealthStats(intended=20 + second, lag=Histogram.of([300 + 40 * second] * (20 + second)),
                                cpu_s=0.05, wall_s=1.0)
    return window


def report_result() -> dict[str, Any]:
    rng = random.Random(11)
    shard = Shard("golden-run", 0, 0, 0, {s: _window(rng, s) for s in range(10)}, final=True)
    run = merge_shards([shard])
    thresholds = (Threshold("error_rate < 1%", "error_rate", None, "<", 0.01),
                  Threshold("p95 < 50ms", "latency", 95.0, "<", 50.0),
                  Threshold("p99 < 10ms", "latency", 99.0, "<", 10.0, endpoint="GET /status/{id}",
                            severity="should"))
    verdict = judge(run, thresholds, 10.0, HealthLimits(), planned_workers=1)
    meta = {"run_id": "golden-run", "spec_name": "golden", "target_url": "http://127.0.0.1:8080",
            "backend": "local", "started_at_epoch_s": 1_790_000_000.0,
            "plan": {"expected_requests": 1000.0, "workers": 1}}
    result = build_result(run, verdict, meta, 10.0, [20.0 + s for s in range(10)])
    result["target"] = None
    result["cost"] = {"test": {"title": "the test itself", "total_usd": 0.0, "items": [], "notes": [],
                               "per_1000_requests_usd": None}, "target": None}
    return result
