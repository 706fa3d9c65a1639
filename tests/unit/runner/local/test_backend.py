"""The local backend's pieces that need no processes: the live page fed the merged view with the
run's name, state and verdict and its OpenMetrics text; a first stop signal remembered, a second
counted (it kills). (tests/e2e and tests/functional run whole local runs.)"""
from __future__ import annotations

import signal
from pathlib import Path
from typing import Any

from analysis.histogram import Histogram
from analysis.shard import Shard
from analysis.stats import EndpointStats, HealthStats, Window
from runner.local.backend import _Interrupts, publish_live
from runner.plan import make_plan
from runner.results.live import LiveView
from runner.spec import parse_spec

SPEC = ("name: shop\ntarget: http://127.0.0.1:9\nload: {phases: [{duration: 5s, rate: 10/s}]}\n"
        "scenarios: [{flow: [{get: {url: /, name: A}}]}]\nthresholds: [p95 < 50ms]\n")


class Page:
    def publish(self, snapshot: dict[str, Any], metrics: str, report: Path | None = None) -> None:
        self.snapshot, self.metrics, self.report = snapshot, metrics, report


def test_the_live_page_is_fed_the_merged_view(tmp_path: Path) -> None:
    spec = parse_spec(SPEC, "shop.yaml")
    live = LiveView(make_plan(spec, "r", 1, workers=1))
    stats = EndpointStats(requests=10, responses=10, statuses={"200": 10}, latency=Histogram.of([20_000] * 10))
    live.add("k0", Shard("r", 0, 0, 0, {s: Window(endpoints={"A": stats}, health=HealthStats(intended=10))
                                        for s in range(3)}))
    page = Page()
    publish_live(page, live, spec, 3.5, 1.0, "running")  # type: ignore[arg-type]
    assert page.snapshot["name"] == "shop" and page.snapshot["state"] == "running"
    assert page.snapshot["verdict"] is None and page.snapshot["report"] is False
    assert [e["requests"] for e in page.snapshot["endpoints"]] == [30]
    assert "squall_requests" in page.metrics and page.metrics.rstrip().endswith("# EOF")
    publish_live(page, live, spec, 5.0, 0.0, "PASS", {"status": "PASS", "reasons": []}, tmp_path / "none.html")
    assert page.snapshot["verdict"]["status"] == "PASS" and page.snapshot["report"] is False  # not written yet


def test_the_first_signal_is_remembered_and_a_second_counted() -> None:
    interrupts = _Interrupts()
    interrupts(signal.SIGTERM, None)
    interrupts(signal.SIGINT, None)
    assert (interrupts.count, interrupts.first) == (2, signal.SIGTERM)
