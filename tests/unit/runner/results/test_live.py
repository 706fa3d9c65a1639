"""The live view the page draws: merged once as shards arrive, each second as it was."""
from __future__ import annotations

from analysis.histogram import Histogram
from analysis.shard import Shard
from analysis.stats import EndpointStats, Window
from runner.plan import make_plan
from runner.results.live import LiveView
from runner.spec import parse_spec

SPEC = parse_spec("target: http://127.0.0.1:1\nload: {phases: [{name: a, duration: 5s, rate: 10/s}, "
                  "{name: b, duration: 5s, users: 3}]}\nscenarios: [{flow: [{get: /x}]}]\n"
                  "thresholds: [p95 < 50ms, error_rate < 10%]\n", "t.yaml")


def window(requests: int, latency_ms: int, errors: int = 0) -> Window:
    stats = EndpointStats(requests=requests, responses=requests, statuses={"200": requests - errors, "503": errors},
                          errors={"http_5xx": errors} if errors else {},
                          latency=Histogram.of([latency_ms * 1000] * requests))
    return Window(endpoints={"GET /x": stats})


def test_the_snapshot_draws_complete_seconds_totals_thresholds_and_phases() -> None:
    live = LiveView(make_plan(SPEC, "r", 1, workers=1))
    live.add("s0", Shard("r", 0, 0, 0, {0: window(10, 5), 1: window(10, 7, errors=2)}))
    live.add("s0", Shard("r", 0, 0, 0, {0: window(99, 99)}))  # the same shard again: ignored
    live.add("s1", Shard("r", 0, 0, 1, {2: window(10, 200)}))
    snapshot = live.snapshot(elapsed_s=4.0, settled_s=1.0, thresholds=SPEC.thresholds)
    assert snapshot["series"]["x"] == [0, 1, 2]
    assert snapshot["series"]["requests"] == [10, 10, 10] and snapshot["series"]["target_rate"] == [10.0] * 3
    assert snapshot["errors_by_class"] == {"http_5xx": [0, 2, 0]}
    assert [(e["name"], e["requests"], e["errors"]) for e in snapshot["endpoints"]] == [("GET /x", 30, 2)]
    assert [(t["check"], t["status"]) for t in snapshot["thresholds"]] == [("p95 < 50ms", "FAIL"),
                                                                          ("error_rate < 10%", "PASS")]
    assert [p["name"] for p in snapshot["phases"]] == ["a", "b"] and snapshot["phase"] == "a"
    assert live.users_now(7.0) == 3
