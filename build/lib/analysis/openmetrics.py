"""A run's live state as OpenMetrics text (what Prometheus scrapes from `squall run --ui` or
`--metrics-port`): requests and errors by endpoint, status and class as counters, latency as a
histogram with fixed buckets, users, late and dropped arrivals, and the run's state."""
from __future__ import annotations

from analysis.histogram import Histogram, bucket_bounds_us
from analysis.stats import EndpointStats, HealthStats

BUCKETS_S = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
STATES = ("running", "stopping", "aborting", "PASS", "WARN", "FAIL", "ABORTED", "INCONCLUSIVE", "STOPPED")


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _cumulative(histogram: Histogram) -> list[int]:
    """Counts at or below each bucket's bound (a value counts where its bucket's top falls)."""
    counts = [0] * len(BUCKETS_S)
    for index, count in histogram.counts.items():
        top_s = bucket_bounds_us(index)[1] / 1_000_000
        for i, bound in enumerate(BUCKETS_S):
            if top_s <= bound:
                counts[i] += count
                break
    running = 0
    for i, count in enumerate(counts):
        running += count
        counts[i] = running
    return counts


def render_openmetrics(endpoints: dict[str, EndpointStats], health: HealthStats, users: int, state: str) -> str:
    lines = ["# TYPE squall_requests counter", "# HELP squall_requests Requests sent, by endpoint and status (0: none)"]
    for name, stats in sorted(endpoints.items()):
        answered = sum(stats.statuses.values())
        for status, count in sorted(stats.statuses.items()):
            lines.append(f'squall_requests_total{{endpoint="{_label(name)}",status="{status}"}} {count}')
        if stats.requests > answered:
            lines.append(f'squall_requests_total{{endpoint="{_label(name)}",status="0"}} {stats.requests - answered}')
    lines += ["# TYPE squall_errors counter", "# HELP squall_errors Failed requests, by endpoint and error class"]
    for name, stats in sorted(endpoints.items()):
        for kind, count in sorted(stats.errors.items()):
            lines.append(f'squall_errors_total{{endpoint="{_label(name)}",class="{_label(kind)}"}} {count}')
    lines += ["# TYPE squall_latency_seconds histogram",
              "# HELP squall_latency_seconds Latency from the intended start, by endpoint"]
    for name, stats in sorted(endpoints.items()):
        label = _label(name)
        for bound, count in zip(BUCKETS_S, _cumulative(stats.latency), strict=True):
            lines.append(f'squall_latency_seconds_bucket{{endpoint="{label}",le="{bound:g}"}} {count}')
        lines.append(f'squall_latency_seconds_bucket{{endpoint="{label}",le="+Inf"}} {stats.latency.total_count}')
        lines.append(f'squall_latency_seconds_sum{{endpoint="{label}"}} {stats.latency.sum_us / 1_000_000:.6f}')
        lines.append(f'squall_latency_seconds_count{{endpoint="{label}"}} {stats.latency.total_count}')
    lines += ["# TYPE squall_users gauge", "# HELP squall_users Closed-model users planned now",
              f"squall_users {users}",
              "# TYPE squall_arrivals counter", "# HELP squall_arrivals Open-model arrivals due so far",
              f"squall_arrivals_total {health.intended}",
              "# TYPE squall_late_arrivals counter",
              "# HELP squall_late_arrivals Arrivals started later than the lag tolerance",
              f"squall_late_arrivals_total {health.late}",
              "# TYPE squall_dropped_arrivals counter", "# HELP squall_dropped_arrivals Arrivals never sent",
              f"squall_dropped_arrivals_total {health.dropped}",
              "# TYPE squall_run_state gauge", "# HELP squall_run_state 1 for the run's state (running, then its verdict)"]
    lines += [f'squall_run_state{{state="{s}"}} {1 if s == state else 0}' for s in STATES]
    lines.append("# EOF")
    return "\n".join(lines) + "\n"
