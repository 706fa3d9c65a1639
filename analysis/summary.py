"""The console summary of a result document: readable at a glance, verdict last."""
from __future__ import annotations

from typing import Any

_ERROR_NAMES = {
    "timeout": "timeout", "connect": "connection refused/failed", "dns": "DNS lookup failed",
    "tls": "TLS handshake failed", "read": "connection dropped mid-response", "http_4xx": "HTTP 4xx",
    "http_429": "HTTP 429 (throttled)", "http_5xx": "HTTP 5xx", "expectation": "unexpected status",
    "capture": "capture failed", "cancelled": "unanswered when the run ended",
}


def _ms(value: float) -> str:
    return f"{value:,.0f} ms" if value >= 100 else f"{value:.1f} ms"


def render_summary(result: dict[str, Any]) -> str:
    overall, health = result["overall"], result["health"]
    lines = [f"Squall run {result['run_id']} — {result['spec_name']} against {result['target_url']}", ""]
    scenarios = result["scenarios"]
    launched = sum(s["launched"] for s in scenarios.values())
    completed = sum(s["completed"] for s in scenarios.values())
    lines.append(f"  scenarios   {launched:,} launched, {completed:,} completed, {launched - completed:,} failed")
    lines.append(f"  requests    {overall['requests']:,} sent, {overall['responses']:,} answered, "
                 f"{overall['rps']:,.1f}/s achieved over {result['duration_s']:g} s "
                 f"(planned {result['plan']['expected_requests']:,.0f})")
    lat = overall["latency"]
    lines.append(f"  latency     min {_ms(lat['min_ms'])} · median {_ms(lat['p50_ms'])} · p95 {_ms(lat['p95_ms'])} "
                 f"· p99 {_ms(lat['p99_ms'])} · max {_ms(lat['max_ms'])}")
    unc = overall["latency_uncorrected"]
    lines.append(f"              (from the actual send: p95 {_ms(unc['p95_ms'])} · p99 {_ms(unc['p99_ms'])})")
    lines.append(f"  error rate  {overall['error_rate'] * 100:.2f} % ({overall['errors']:,} errors)")
    lines.append(f"  generator   schedule lag p50 {health['lag_p50_ms']:.1f} ms · p99 {health['lag_p99_ms']:.1f} ms · "
                 f"{health['late']:,} late · {health['dropped']:,} dropped of {health['intended_arrivals']:,} arrivals · "
                 f"CPU {health['cpu_share'] * 100:.0f} %")
    lines += ["", "  HTTP status  count"]
    for status, count in overall["statuses"].items():
        lines.append(f"  {status:<12} {count:,}")
    if overall["errors_by_class"]:
        lines += ["", "  errors by class"]
        for name, count in overall["errors_by_class"].items():
            lines.append(f"  {_ERROR_NAMES.get(name, name):<32} {count:,}")
    lines += ["", f"  {'endpoint':<28} {'requests':>9} {'errors':>7} {'p50':>9} {'p95':>9} {'p99':>9} {'max':>9}"]
    for name, e in result["endpoints"].items():
        lat = e["latency"]
        lines.append(f"  {name[:28]:<28} {e['requests']:>9,} {e['errors']:>7,} {_ms(lat['p50_ms']):>9} "
                     f"{_ms(lat['p95_ms']):>9} {_ms(lat['p99_ms']):>9} {_ms(lat['max_ms']):>9}")
    verdict = result["verdict"]
    if verdict["thresholds"]:
        lines += ["", f"  {'threshold':<40} {'measured':>12}  result"]
        for t in verdict["thresholds"]:
            label = t["check"] + (f" [{t['endpoint']}]" if t["endpoint"] else "") + \
                (" (should)" if t["severity"] == "should" else "")
            lines.append(f"  {label[:40]:<40} {t['measured_text']:>12}  {t['status']}")
    lines += ["", f"  VERDICT: {verdict['status']}"]
    for reason in verdict["generator_problems"] + verdict["reasons"]:
        lines.append(f"    - {reason}")
    return "\n".join(lines)
