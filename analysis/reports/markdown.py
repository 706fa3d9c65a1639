"""A Markdown summary fit for a pull-request comment or a CI step summary."""
from __future__ import annotations

from typing import Any

from analysis.result import explanation

ICON = {"PASS": "✅", "WARN": "⚠️", "FAIL": "❌", "NO_DATA": "❔", "INCONCLUSIVE": "❔", "STOPPED": "⏹️", "ABORTED": "🛑"}


def _ms(value: float) -> str:
    return f"{value:,.0f} ms" if value >= 100 else f"{value:.1f} ms"


# complexity: the step summary's sections in page order, each a few lines (split with the HTML report's)
def render_markdown(result: dict[str, Any]) -> str:
    verdict, overall = result["verdict"], result["overall"]
    lines = [f"### {ICON.get(verdict['status'], '')} Squall: {result['spec_name']} — **{verdict['status']}**", "",
             f"`{result['run_id']}` against `{result['target_url']}` · {overall['requests']:,} requests in "
             f"{result['duration_s']:g} s ({overall['rps']:,.1f}/s) · error rate {overall['error_rate']:.2%} · "
             f"p95 {_ms(overall['latency']['p95_ms'])} · p99 {_ms(overall['latency']['p99_ms'])}", ""]
    if verdict["thresholds"]:
        lines += ["| threshold | measured | result |", "|---|---:|:---:|"]
        for t in verdict["thresholds"]:
            label = f"`{t['check']}`" + (f" on `{t['endpoint']}`" if t["endpoint"] else "") + \
                (f" during `{t['phase']}`" if t.get("phase") else "") + \
                (" *(should)*" if t["severity"] == "should" else "")
            lines.append(f"| {label} | {t['measured_text']} | {ICON.get(t['status'], '')} {t['status']} |")
        lines.append("")
    problems = set(verdict["generator_problems"])
    for reason in explanation(verdict):  # the deciding reason first
        lines.append(f"> {'❔' if reason in problems else '❌'} {reason}")
    advice = (result.get("target") or {}).get("advice") or []
    for line in advice:
        lines.append(f"> 💡 {line}")
    if explanation(verdict) or advice:
        lines.append("")
    lines += ["<details><summary>Endpoints</summary>", "",
              "| endpoint | requests | errors | p50 | p95 | p99 | max |", "|---|---:|---:|---:|---:|---:|---:|"]
    for name, e in result["endpoints"].items():
        lat = e["latency"]
        lines.append(f"| `{name}` | {e['requests']:,} | {e['errors']:,} | {_ms(lat['p50_ms'])} | {_ms(lat['p95_ms'])} | "
                     f"{_ms(lat['p99_ms'])} | {_ms(lat['max_ms'])} |")
    lines += ["", "</details>"]
    cost = result.get("cost") or {}
    parts = [p for p in (cost.get("test"), cost.get("target")) if p]
    if parts:
        lines += ["", "Cost: " + " · ".join(f"{p['title']} ${p['total_usd']:.4f}" for p in parts)]
    return "\n".join(lines) + "\n"
