"""CSV files in the layout of Locust's ``--csv`` output (``_stats.csv``, ``_failures.csv``,
``_stats_history.csv``), so tooling that reads Locust's files reads Squall's. Response times in
ms, read from the merged histograms."""
from __future__ import annotations

import csv
import io
from typing import Any

from analysis.histogram import Histogram

PERCENTILES = (50, 66, 75, 80, 90, 95, 98, 99, 99.9, 99.99, 100)
STATS_HEADER = ["Type", "Name", "Request Count", "Failure Count", "Median Response Time", "Average Response Time",
                "Min Response Time", "Max Response Time", "Average Content Size", "Requests/s", "Failures/s"] + \
    [f"{p:g}%" for p in PERCENTILES]
HISTORY_HEADER = ["Timestamp", "User Count", "Type", "Name", "Requests/s", "Failures/s"] + \
    [f"{p:g}%" for p in PERCENTILES] + ["Total Request Count", "Total Failure Count", "Total Median Response Time",
                                        "Total Average Response Time", "Total Min Response Time",
                                        "Total Max Response Time", "Total Average Content Size"]


def _split(name: str) -> tuple[str, str]:
    method, _, rest = name.partition(" ")
    return (method, rest) if method.isupper() and rest else ("", name)


def _ms(value_us: float) -> str:
    return f"{value_us / 1000:.0f}" if value_us >= 1000 else f"{value_us / 1000:.3f}".rstrip("0").rstrip(".") or "0"


def _row(kind: str, name: str, e: dict[str, Any], duration_s: float) -> list[str]:
    hist = Histogram.decode(e["histogram"])
    size = e["bytes_in"] / e["responses"] if e["responses"] else 0
    return [kind, name, str(e["requests"]), str(e["errors"]), _ms(hist.percentile_us(50)), _ms(hist.mean_us()),
            _ms(hist.min_us), _ms(hist.max_us), f"{size:.0f}", f"{e['requests'] / duration_s:.6f}",
            f"{e['errors'] / duration_s:.6f}"] + [_ms(hist.percentile_us(p)) for p in PERCENTILES]


def render_stats(result: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(STATS_HEADER)
    duration_s = max(result["duration_s"], 1e-9)
    for name, e in result["endpoints"].items():
        method, path = _split(name)
        writer.writerow(_row(method, path, e, duration_s))
    writer.writerow(_row("", "Aggregated", result["overall"], duration_s))
    return out.getvalue()


def _status_class(status: int) -> str:
    """The error class an unexpected status is counted under (as the load generator counts it)."""
    if status == 429:
        return "http_429"
    if 400 <= status < 500:
        return "http_4xx"
    return "http_5xx" if status >= 500 else "expectation"


def render_failures(result: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["Method", "Name", "Error", "Occurrences"])
    for name, e in result["endpoints"].items():
        method, path = _split(name)
        for error, count in sorted(e["errors_by_class"].items()):
            # one row per status of an HTTP error class, with that status's own count
            statuses = sorted((s, n) for s, n in e["error_statuses"].items() if _status_class(int(s)) == error)
            if statuses and sum(n for _, n in statuses) == count:
                for status, occurrences in statuses:
                    writer.writerow([method, path, f"{error} ({status})", occurrences])
            else:
                writer.writerow([method, path, error, count])
    return out.getvalue()


def render_exceptions(result: dict[str, Any]) -> str:
    """Locust's ``_exceptions.csv``: what the tasks raised, by message (no tracebacks kept)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["Count", "Message", "Traceback", "Nodes"])
    for message, count in result["health"].get("exceptions", {}).items():
        writer.writerow([count, message, "", ""])
    return out.getvalue()


def render_history(result: dict[str, Any]) -> str:
    """One aggregated row per second (Squall keeps per-second windows for the whole run)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HISTORY_HEADER)
    start = int(result.get("started_at_epoch_s", 0))
    total_requests = total_failures = 0
    for row in result["timeline"]:
        total_requests += row["requests"]
        total_failures += row["errors"]
        percentiles = ["N/A"] * len(PERCENTILES)
        percentiles[0], percentiles[5], percentiles[7] = (f"{row['p50_ms']:g}", f"{row['p95_ms']:g}",
                                                          f"{row['p99_ms']:g}")
        # Locust's user count: closed-model users (an open-model second has none: its arrivals are
        # in Squall's own timeline)
        writer.writerow([start + row["second"], row.get("users", 0), "", "Aggregated", row["requests"], row["errors"]] +
                        percentiles + [total_requests, total_failures, "N/A", "N/A", "N/A", "N/A", "N/A"])
    return out.getvalue()
