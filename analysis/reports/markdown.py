"""A Markdown summary fit for a pull-request comment or a CI step summary."""
from __future__ import annotations

from typing import Any

from analysis.result import explanation

ICON = {"PASS": "✅", "WARN": "⚠️", "FAIL": "❌", "NO_DATA": "❔", "INCONCLUSIVE": "❔", "STOPPED": "⏹️", "ABORTED": "🛑"}


def _ms(value: float) -> str:
    return f"{value:,.0f} ms" if value >= 100 else f"{value:.1f} ms"


def render_markdown(result: dict[str, Any]) -> str:
    """The verdict and the headline figures, the thresholds, the reasons and advice, the endpoints
    (folded away), the cost."""
    verdict, overall = result["verdict"], result["overall"]
    lines = [f"### {ICON.get(verdict['status'], '')} Squall: {result['spec_name']} — **{verdict['status']}**", "",
             f"`{result['run_id']}` against `{result['target_url']}` · {overall['requests']:,} requests in "
             f"{result['duration_s']:g} s ({overall['rps']:,.1f}/s) · error rate {overall['error_rate']:.2%} · "
             f"p95 {_ms(overall['latency']['p95_ms'])} · p99 {_ms(overall['latency']['p99_ms'])}", ""]
    lines += _thresholds(verdict["thresholds"]) + _reasons(result) + _regions(result.get("regions") or []) + \
        _endpoints(result["endpoints"])
    cost = result.get("cost") or {}
    parts = [p for p in (cost.get("test"), cost.get("target")) if p]
    if parts:
        lines += ["", "Cost: " + " · ".join(f"{p['title']} ${p['total_usd']:.4f}" for p in parts)]
    return "\n".join(lines) + "\n"


def _thresholds(thresholds: list[dict[str, Any]]) -> list[str]:
    if not thresholds:
        return []
    lines = ["| threshold | measured | result |", "|---|---:|:---:|"]
    for t in thresholds:
        label = f"`{t['check']}`" + (f" on `{t['endpoint']}`" if t["endpoint"] else "") + \
            (f" in `{t['region']}`" if t.get("region") else "") + \
            (f" during `{t['phase']}`" if t.get("phase") else "") + \
            (" *(should)*" if t["severity"] == "should" else "")
        lines.append(f"| {label} | {t['measured_text']} | {ICON.get(t['status'], '')} {t['status']} |")
    return [*lines, ""]


def _reasons(result: dict[str, Any]) -> list[str]:
    """The deciding reason first (❔ for the generator's problems), then the target's advice."""
    verdict = result["verdict"]
    problems = set(verdict["generator_problems"])
    lines = [f"> {'❔' if reason in problems else '❌'} {reason}" for reason in explanation(verdict)]
    lines += [f"> 💡 {line}" for line in (result.get("target") or {}).get("advice") or []]
    return [*lines, ""] if lines else []


def _regions(regions: list[dict[str, Any]]) -> list[str]:
    """A run across regions: each region's figures side by side."""
    if not regions:
        return []
    lines = ["| region | share | requests | error rate | p95 | p99 |", "|---|---:|---:|---:|---:|---:|"]
    for r in regions:
        if r["state"] != "ran":
            lines.append(f"| {r['region']} | {r['share']:.0%} | sent nothing: {r['why']} | | | |")
            continue
        o = r["overall"]
        lines.append(f"| {r['region']} | {r['share']:.0%} | {o['requests']:,} | {o['error_rate']:.2%} | "
                     f"{_ms(o['latency']['p95_ms'])} | {_ms(o['latency']['p99_ms'])} |")
    return [*lines, ""]


def _endpoints(endpoints: dict[str, Any]) -> list[str]:
    lines = ["<details><summary>Endpoints</summary>", "",
             "| endpoint | requests | errors | p50 | p95 | p99 | max |", "|---|---:|---:|---:|---:|---:|---:|"]
    for name, e in endpoints.items():
        lat = e["latency"]
        lines.append(f"| `{name}` | {e['requests']:,} | {e['errors']:,} | {_ms(lat['p50_ms'])} | {_ms(lat['p95_ms'])} | "
                     f"{_ms(lat['p99_ms'])} | {_ms(lat['max_ms'])} |")
    return [*lines, "", "</details>"]
