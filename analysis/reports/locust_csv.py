"""CSV files in the layout of Locust's ``--csv`` output (``_stats.csv``, ``_failures.csv``,
``_stats_history.csv``, ``_exceptions.csv``), column for column and with Locust's kinds of value
(counts as integers, times and rates as decimals, N/A where nothing was measured), so tooling
that reads Locust's files reads Squall's. A locustfile run's failures and exceptions read as
Locust writes them. Response times in ms, read from the merged histograms."""
from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any

from analysis.histogram import Histogram
from analysis.result import LOCUST_PERCENTILES as PERCENTILES

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


def _decimal(value: float) -> str:
    return repr(float(round(value, 6)))  # always with a decimal point, as Locust's floats are


def _row(kind: str, name: str, e: dict[str, Any], duration_s: float) -> list[str]:
    hist = Histogram.decode(e["histogram"])
    size = e["bytes_in"] / e["responses"] if e["responses"] else 0
    return [kind, name, str(e["requests"]), str(e["errors"]), _ms(hist.percentile_us(50)),
            _decimal(hist.mean_us() / 1000), _decimal(hist.min_us / 1000), _decimal(hist.max_us / 1000),
            _decimal(size), _decimal(e["requests"] / duration_s), _decimal(e["errors"] / duration_s)] + \
        [_ms(hist.percentile_us(p)) for p in PERCENTILES]


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


def render_region_stats(result: dict[str, Any]) -> str:
    """A run across regions: the stats rows of every region that ran, a Region column first (the
    region tag k6 puts on its load zones' metrics); the run's own stats.csv stays Locust's."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["Region", *STATS_HEADER])
    duration_s = max(result["duration_s"], 1e-9)
    for region in (r for r in result.get("regions") or [] if r["state"] == "ran"):
        for name, e in region["endpoints"].items():
            writer.writerow([region["region"], *_row(*_split(name), e, duration_s)])
        writer.writerow([region["region"], *_row("", "Aggregated", region["overall"], duration_s)])
    return out.getvalue()


def _status_class(status: int) -> str:
    """The error class an unexpected status is counted under (as the load generator counts it)."""
    if status == 429:
        return "http_429"
    if 400 <= status < 500:
        return "http_4xx"
    return "http_5xx" if status >= 500 else "expectation"


def _seen(result: dict[str, Any], second: int) -> str:
    at = result.get("started_at_epoch_s", 0) + second
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _as_locust_says(error: str, status: int | None, path: str) -> str:
    """A locustfile run's failure, in the words Locust's CSV uses (the exception's repr)."""
    if error.startswith("failure: "):
        return f"CatchResponseError({error[len('failure: '):]!r})"
    if status:
        side = "Client" if status < 500 else "Server"
        phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else ""
        return f"HTTPError({f'{status} {side} Error: {phrase} for url: {path}'!r})"
    return error


def render_failures(result: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["Method", "Name", "Error", "Occurrences", "First Seen", "Last Seen"])
    locust = result.get("engine") == "locust"
    for name, e in result["endpoints"].items():
        method, path = _split(name)
        for error, count in sorted(e["errors_by_class"].items()):
            first, last = (_seen(result, s) for s in e.get("errors_seen_s", {}).get(error, [0, 0]))
            # one row per status of an HTTP error class, with that status's own count
            statuses = sorted((s, n) for s, n in e["error_statuses"].items() if _status_class(int(s)) == error)
            if statuses and sum(n for _, n in statuses) == count:
                for status, occurrences in statuses:
                    text = _as_locust_says(error, int(status), path) if locust else f"{error} ({status})"
                    writer.writerow([method, path, text, occurrences, first, last])
            else:
                writer.writerow([method, path, _as_locust_says(error, None, path) if locust else error, count,
                                 first, last])
    return out.getvalue()


def render_exceptions(result: dict[str, Any]) -> str:
    """Locust's ``_exceptions.csv``: what the tasks raised, by message, with the first traceback."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["Count", "Message", "Traceback", "Nodes"])
    tracebacks = result["health"].get("tracebacks", {})
    for message, count in result["health"].get("exceptions", {}).items():
        said = message.split(": ", 1)[1] if ": " in message else message  # Locust writes str(exception)
        writer.writerow([count, said, tracebacks.get(message, ""), "local"])
    return out.getvalue()


def render_history(result: dict[str, Any]) -> str:
    """One aggregated row per second (Squall keeps per-second windows for the whole run), with
    Locust's columns: the second's rates and percentiles, then the totals so far."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HISTORY_HEADER)
    start = int(result.get("started_at_epoch_s", 0))
    total_requests = total_failures = 0
    for row in result["timeline"]:
        total_requests += row["requests"]
        total_failures += row["errors"]
        measured = row.get("percentiles_ms")
        percentiles = [_ms(v * 1000) for v in measured] if measured else ["N/A"] * len(PERCENTILES)
        total = row.get("total") or {}
        totals = [_ms(total["median_ms"] * 1000), _decimal(total["mean_ms"]), _decimal(total["min_ms"]),
                  _decimal(total["max_ms"]), _decimal(total["content_size"])] if total and total_requests \
            else [0, 0.0, 0, 0, 0.0]
        # Locust's user count: closed-model users (an open-model second has none: its arrivals are
        # in Squall's own timeline)
        writer.writerow([start + row["second"], row.get("users", 0), "", "Aggregated", _decimal(row["requests"]),
                         _decimal(row["errors"])] + percentiles + [total_requests, total_failures] + totals)
    return out.getvalue()
