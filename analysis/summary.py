"""The console summary of a result document: readable at a glance, verdict last."""
from __future__ import annotations

from typing import Any

from analysis.result import explanation

_ERROR_NAMES = {
    "timeout": "timeout", "connect": "connection refused/failed", "dns": "DNS lookup failed",
    "tls": "TLS handshake failed", "read": "connection dropped mid-response", "http_4xx": "HTTP 4xx",
    "http_429": "HTTP 429 (throttled)", "http_5xx": "HTTP 5xx", "expectation": "unexpected status",
    "capture": "capture failed", "cancelled": "unanswered when the run ended",
    "refused_host": "not sent: host not allowed", "invalid_header": "not sent: a line break in a header value",
    "body_too_large": "answer past limits.max_body (not read further)",
}


SUMMARY_ENDPOINTS = 50  # rows of the endpoint table in the terminal; the reports hold every one


def _ms(value: float) -> str:
    return f"{value:,.0f} ms" if value >= 100 else f"{value:.1f} ms"


def render_summary(result: dict[str, Any]) -> str:
    """The run's summary as the CLI prints it and report.txt holds it: a block per concern."""
    lines = [f"Squall run {result['run_id']} — {result['spec_name']} against {result['target_url']}", ""]
    lines += _load_lines(result) + _health_lines(result) + _status_lines(result["overall"])
    lines += _endpoint_lines(result) + _region_lines(result.get("regions") or []) + \
        _slice_lines(result.get("slices") or [])
    lines += _target_lines(result.get("target")) + _cost_lines(result.get("cost"))
    lines += _threshold_lines(result["verdict"]) + _verdict_lines(result)
    return "\n".join(lines)


def _is_locust(result: dict[str, Any]) -> bool:
    """Locust's terms: users, requests, failures; no schedule of ours."""
    return result.get("engine") == "locust"


def _models(result: dict[str, Any]) -> tuple[bool, bool]:
    """(open model, closed model): which kinds of phases the plan has."""
    phases = result["plan"].get("phases", [])
    return (any(p.get("kind") == "rate" for p in phases) or not phases, any(p.get("kind") == "users" for p in phases))


def _load_lines(result: dict[str, Any]) -> list[str]:
    """Scenarios, requests against the plan, and the users of a closed-model run."""
    overall, health, lines = result["overall"], result["health"], []
    scenarios = result["scenarios"]
    launched = sum(s["launched"] for s in scenarios.values())
    completed = sum(s["completed"] for s in scenarios.values())
    if not _is_locust(result):
        lines.append(f"  scenarios   {launched:,} launched, {completed:,} completed, {launched - completed:,} failed")
    open_model, closed_model = _models(result)
    planned = f"(planned {result['plan']['expected_requests']:,.0f}" + (
        " in the open-model phases)" if closed_model else ")") if open_model else \
        "(closed model: as many as the users' loops made)"
    lines.append(f"  requests    {overall['requests']:,} sent, {overall['responses']:,} answered, "
                 f"{overall['rps']:,.1f}/s achieved over {result['duration_s']:g} s {planned}")
    if _is_locust(result):
        lines.append(f"  users       {result['plan'].get('peak_users', 0):,} at most, run by Locust on its own "
                     f"timings (closed model, timed from the actual send: not corrected for coordinated omission)")
    elif closed_model:
        lines.append(f"  users       {result['plan'].get('peak_users', 0):,} at most (closed model), "
                     f"{health.get('iterations', 0):,} iterations")
    return lines


def _health_lines(result: dict[str, Any]) -> list[str]:
    """Latency (from the intended send, and from the actual one), errors, and the generator's health."""
    overall, health, locust = result["overall"], result["health"], _is_locust(result)
    lat, unc = overall["latency"], overall["latency_uncorrected"]
    lines = [f"  latency     min {_ms(lat['min_ms'])} · median {_ms(lat['p50_ms'])} · p95 {_ms(lat['p95_ms'])} "
             f"· p99 {_ms(lat['p99_ms'])} · max {_ms(lat['max_ms'])}"]
    if not locust:  # Locust times from the actual send only: the line above is that already
        lines.append(f"              (from the actual send: p95 {_ms(unc['p95_ms'])} · p99 {_ms(unc['p99_ms'])})")
    lines.append(f"  error rate  {overall['error_rate'] * 100:.2f} % ({overall['errors']:,} "
                 f"{'failures' if locust else 'errors'})")
    if locust:
        lines.append(f"  generator   CPU {health['cpu_share'] * 100:.0f} %")
    else:
        open_model, _ = _models(result)
        lines.append(f"  generator   schedule lag p50 {health['lag_p50_ms']:.1f} ms · p99 {health['lag_p99_ms']:.1f} ms · "
                     f"{health['late']:,} late · {health['dropped']:,} dropped"
                     + (f" · {health['cut']:,} cut" if health.get("cut") else "")
                     + (f" of {health['intended_arrivals']:,} arrivals · " if open_model else " · ")
                     + f"CPU {health['cpu_share'] * 100:.0f} %")
    if health.get("refused_hosts"):
        lines.append("  refused     " + ", ".join(f"{host} ({count:,} requests)" for host, count in
                                                   health["refused_hosts"].items()) + ": not an allowed host")
    if health.get("exceptions"):
        lines += ["", "  exceptions raised inside tasks (not requests: Locust's Exceptions)"]
        lines += [f"  {count:>8,}  {message}" for message, count in health["exceptions"].items()]
    return lines


def _status_lines(overall: dict[str, Any]) -> list[str]:
    lines = ["", "  HTTP status  count"] + [f"  {status:<12} {count:,}" for status, count in overall["statuses"].items()]
    if overall["errors_by_class"]:
        lines += ["", "  errors by class"] + [f"  {_ERROR_NAMES.get(name, name):<32} {count:,}"
                                              for name, count in overall["errors_by_class"].items()]
    return lines


def _endpoint_lines(result: dict[str, Any]) -> list[str]:
    lines = ["", f"  {'endpoint':<28} {'requests':>9} {'errors':>7} {'p50':>9} {'p95':>9} {'p99':>9} {'max':>9}"]
    endpoints = list(result["endpoints"].items())
    for name, e in endpoints[:SUMMARY_ENDPOINTS]:
        lat = e["latency"]
        lines.append(f"  {name[:28]:<28} {e['requests']:>9,} {e['errors']:>7,} {_ms(lat['p50_ms']):>9} "
                     f"{_ms(lat['p95_ms']):>9} {_ms(lat['p99_ms']):>9} {_ms(lat['max_ms']):>9}")
    if len(endpoints) > SUMMARY_ENDPOINTS:
        lines.append(f"  … {len(endpoints) - SUMMARY_ENDPOINTS:,} more endpoints in the reports (stats.csv, "
                     f"report.html)")
    folded = result.get("endpoints_folded")
    if folded:
        lines.append(f"  ! {folded['warning']}")
    return lines


def _region_lines(regions: list[dict[str, Any]]) -> list[str]:
    """A run across regions: each region's numbers side by side, when it started against the
    agreed instant and its clock against the orchestrator's; a region that sent nothing, and why."""
    if not regions:
        return []
    lines = ["", f"  {'region':<15} {'share':>6} {'requests':>9} {'rps':>7} {'errors':>7} {'p50':>9} {'p95':>9} "
                 f"{'p99':>9}  start"]
    for row in regions:
        if row["state"] != "ran":
            lines.append(f"  {row['region']:<15} {row['share']:>6.0%}  sent nothing: {row['why']}")
            continue
        overall, lat = row["overall"], row["overall"]["latency"]
        late = row.get("start_late_s")
        clock = "" if row.get("clock_offset_s") is None else \
            f", clock {row['clock_offset_s']:+.2f} s ± {row['clock_bound_s']:.2f}"
        lines.append(f"  {row['region']:<15} {row['share']:>6.0%} {overall['requests']:>9,} {overall['rps']:>7.1f} "
                     f"{overall['errors']:>7,} {_ms(lat['p50_ms']):>9} {_ms(lat['p95_ms']):>9} {_ms(lat['p99_ms']):>9}  "
                     + ("?" if late is None else f"{late:+.2f} s") + clock)
    return lines


def _slice_lines(slices: list[dict[str, Any]]) -> list[str]:
    if len(slices) <= 1:
        return []
    lines = ["", "  time slices (one Lambda lifetime each)"]
    for row in slices:
        gap = "" if row["gap_s"] is None else " · took over without a pause" if row["gap_s"] <= 0.05 else \
            f" · the load paused {row['gap_s']:.1f} s before it"
        lines.append(f"  slice {row['index']}: {row['offset_s']:g} s → {row['offset_s'] + row['duration_s']:g} s{gap}")
    return lines


def _threshold_lines(verdict: dict[str, Any]) -> list[str]:
    if not verdict["thresholds"]:
        return []
    lines = ["", f"  {'threshold':<40} {'measured':>12}  result"]
    for t in verdict["thresholds"]:
        label = t["check"] + (f" [{t['endpoint']}]" if t["endpoint"] else "") + \
            (f" in {t['region']}" if t.get("region") else "") + \
            (f" during {t['phase']}" if t.get("phase") else "") + \
            (" (should)" if t["severity"] == "should" else "")
        errors = (f"  ({t['error_samples']:,} of {t['samples']:,} samples were errors)"
                  if t.get("error_samples") else "")
        lines.append(f"  {label[:40]:<40} {t['measured_text']:>12}  {t['status']}{errors}")
    return lines


def _verdict_lines(result: dict[str, Any]) -> list[str]:
    """The verdict, its deciding reason first, the warnings, and what the target's metrics add."""
    verdict = result["verdict"]
    lines = ["", f"  VERDICT: {verdict['status']}"]
    if result.get("process_exit_code") is not None:
        lines.append(f"    * exit {result['process_exit_code']}: set by the locustfile (environment.process_exit_code), "
                     f"which decides the exit code as under Locust")
    lines += [f"    - {reason}" for reason in explanation(verdict)]
    if verdict.get("warnings"):
        lines.append("  warnings (should-thresholds: they do not decide the verdict)")
        lines += [f"    ~ {warning}" for warning in verdict["warnings"]]
    target = result.get("target") or {}
    check = target.get("cross_check") or {}
    if check.get("flagged"):
        lines.append(f"    ! {check['message']}")
    lines += [f"    > {advice}" for advice in target.get("advice") or []]
    return lines


def _n(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def _target_lines(target: dict[str, Any] | None) -> list[str]:
    if not target:
        return []
    lines = ["", "  target (CloudWatch)" + (f", {target['region']}" if target.get("region") else "")]
    totals = target.get("totals") or {}
    for fn in totals.get("lambda", []):
        lines.append(f"  λ {fn['name'][:30]:<30} invocations {_n(fn['invocations'])} · throttles {_n(fn['throttles'])} "
                     f"· errors {_n(fn['errors'])} · peak concurrency {_n(fn['concurrent_executions_max'])}")
    for api in totals.get("apigateway", []):
        lines.append(f"  ⇄ {api['name'][:30]:<30} requests {_n(api['count'])} · 4xx {_n(api['4xx'])} · 5xx {_n(api['5xx'])}")
    for table in totals.get("dynamodb", []):
        lines.append(f"  ▦ {table['name'][:30]:<30} throttled {_n(table['throttled_requests'])} · read/write throttle "
                     f"events {_n(table['read_throttle_events'])}/{_n(table['write_throttle_events'])} · "
                     f"RCU {_n(table['consumed_rcu'])} · WCU {_n(table['consumed_wcu'])}")
    check = target.get("cross_check")
    if check:
        lines.append(f"  cross-check: {check['message']}")
    for note in target.get("notes") or []:
        lines.append(f"  note: {note}")
    return lines


def _cost_lines(cost: dict[str, Any] | None) -> list[str]:
    if not cost:
        return []
    lines: list[str] = []
    for part in (cost.get("test"), cost.get("target")):
        if not part or not part["items"]:  # a local run without AWS costs nothing worth a line
            continue
        per_1000 = part.get("per_1000_requests_usd")
        lines.append("")
        lines.append(f"  cost of {part['title']}: ${part['total_usd']:.4f}" +
                     (f" (${per_1000:.6f} per 1,000 requests)" if per_1000 is not None else ""))
        for item in part["items"]:
            lines.append(f"    {item['name']:<42} {item['quantity']:>14,.1f} {item['unit']:<11} ${item['cost_usd']:.6f}")
        for note in part.get("notes", []):
            lines.append(f"    ({note})")
    return lines
