"""/metrics as Prometheus reads it: prometheus_client's own OpenMetrics parser."""
from __future__ import annotations

from prometheus_client.openmetrics.parser import text_string_to_metric_families

from analysis.histogram import Histogram
from analysis.openmetrics import render_openmetrics
from analysis.stats import EndpointStats, HealthStats


def test_counters_a_latency_histogram_with_fixed_buckets_and_the_run_state_parse() -> None:
    stats = EndpointStats(requests=4, responses=3, statuses={"200": 2, "503": 1}, errors={"http_5xx": 1, "timeout": 1},
                          latency=Histogram.of([3_000, 7_000, 40_000, 2_000_000]))
    text = render_openmetrics({'GET /a "b"': stats}, HealthStats(intended=10, late=2, dropped=1), 5, "running")
    families = {f.name: f for f in text_string_to_metric_families(text)}
    requests = {s.labels["status"]: s.value for s in families["squall_requests"].samples}
    assert requests == {"200": 2, "503": 1, "0": 1}  # the timeout got no status
    errors = {s.labels["class"]: s.value for s in families["squall_errors"].samples}
    assert errors == {"http_5xx": 1, "timeout": 1}
    buckets = {s.labels["le"]: s.value for s in families["squall_latency_seconds"].samples if s.name.endswith("_bucket")}
    assert (buckets["0.005"], buckets["0.01"], buckets["0.05"], buckets["2.5"], buckets["+Inf"]) == (1, 2, 3, 4, 4)
    assert families["squall_users"].samples[0].value == 5
    states = {s.labels["state"]: s.value for s in families["squall_run_state"].samples}
    assert states["running"] == 1 and sum(states.values()) == 1
    assert next(iter(families["squall_requests"].samples)).labels["endpoint"] == 'GET /a "b"'
