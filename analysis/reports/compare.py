"""Two runs compared (analysis.comparison), as text for a terminal, Markdown for a pull request,
and a self-contained HTML page with the two latency distributions and timelines overlaid. Pure:
documents in, text out (the chart library's source is passed in, as for the run report)."""
from __future__ import annotations

import html
import json
from typing import Any

from analysis.comparison import change_text, noise_text, value_text
from analysis.histogram import Histogram, bucket_bounds_us
from analysis.reports.html import STYLE


def _header(comparison: dict[str, Any]) -> list[tuple[str, str]]:
    return [(side.upper(), f"{run['run_id']} ({run['spec_name']}"
                           f"{'@' + run['profile'] if run.get('profile') else ''}, {run['verdict']})")
            for side, run in (("a", comparison["a"]), ("b", comparison["b"]))]


def render_compare_text(comparison: dict[str, Any]) -> str:
    lines = [f"{side} = {text}" for side, text in _header(comparison)] + [""]
    lines.append(f"{'scope':<32} {'metric':<22} {'A':>14} {'B':>14} {'change':>9}  noise")
    for scope in comparison["scopes"]:
        if scope["only_in"]:
            lines.append(f"{scope['scope']:<32} only in {scope['only_in']} ({scope['requests']:,} requests)")
        for row in scope["metrics"]:
            lines.append(f"{scope['scope']:<32} {row['metric']:<22} {value_text(row, 'a'):>14} "
                         f"{value_text(row, 'b'):>14} {change_text(row):>9}  {noise_text(row)}")
    lines += ["", _conclusion(comparison)]
    return "\n".join(lines) + "\n"


def _conclusion(comparison: dict[str, Any]) -> str:
    beyond = comparison["beyond_noise"]
    if not beyond:
        return "Every difference is within noise."
    return f"Beyond noise: {', '.join(beyond)}."


def render_compare_markdown(comparison: dict[str, Any]) -> str:
    lines = ["## Squall: two runs compared", ""] + [f"- **{side}**: `{text}`" for side, text in _header(comparison)]
    lines += ["", "| scope | metric | A | B | change | noise |", "|---|---|---:|---:|---:|---|"]
    for scope in comparison["scopes"]:
        name = scope["scope"].replace("|", "\\|")
        if scope["only_in"]:
            lines.append(f"| {name} | only in {scope['only_in']} | | | | |")
        for row in scope["metrics"]:
            noise = noise_text(row)
            if noise.startswith("BEYOND"):
                noise = f"**{noise}**"
            lines.append(f"| {name} | {row['metric']} | {value_text(row, 'a')} | {value_text(row, 'b')} | "
                         f"{change_text(row)} | {noise} |")
    lines += ["", _conclusion(comparison), "", "How noise is judged: docs/console.md, \"Compare\"."]
    return "\n".join(lines) + "\n"


def distribution_points(encoded: str) -> dict[str, list[float]]:
    """A histogram as its cumulative distribution: each bucket's upper bound (ms) and the share of
    requests at or below it."""
    histogram = Histogram.decode(encoded)
    xs: list[float] = []
    ys: list[float] = []
    seen = 0
    for index in sorted(histogram.counts):
        seen += histogram.counts[index]
        xs.append(bucket_bounds_us(index)[1] / 1000)
        ys.append(seen / histogram.total_count)
    return {"x": xs, "y": ys}


def overlay_data(result_a: dict[str, Any], result_b: dict[str, Any]) -> dict[str, Any]:
    """What the overlaid charts draw: each run's latency distribution and its timeline."""
    def series(result: dict[str, Any]) -> dict[str, Any]:
        timeline = result["timeline"]
        return {"cdf": distribution_points(result["overall"]["histogram"]),
                "x": [row["second"] for row in timeline], "p95": [row["p95_ms"] for row in timeline],
                "rate": [row["requests"] for row in timeline]}
    return {"a": series(result_a), "b": series(result_b)}


OVERLAY_JS = """
const C = JSON.parse(document.getElementById('squall-compare').textContent);
const cfg = {displaylogo: false, responsive: true};
const lay = (title, x, y, extra) => Object.assign({title: {text: title, font: {size: 14}},
  margin: {l: 55, r: 20, t: 40, b: 40}, xaxis: {title: {text: x}}, yaxis: {title: {text: y}, rangemode: 'tozero'},
  legend: {orientation: 'h'}}, extra || {});
const ln = (x, y, name) => ({x: x, y: y, name: name, type: 'scatter', mode: 'lines'});
Plotly.newPlot('chart-distribution', [ln(C.a.cdf.x, C.a.cdf.y, 'A'), ln(C.b.cdf.x, C.b.cdf.y, 'B')],
  lay('Latency distribution (share of requests at or below)', 'ms (log)', 'share', {xaxis: {type: 'log',
  title: {text: 'ms (log)'}}}), cfg);
Plotly.newPlot('chart-p95', [ln(C.a.x, C.a.p95, 'A p95'), ln(C.b.x, C.b.p95, 'B p95')],
  lay('p95 per second', 'seconds since start', 'ms'), cfg);
Plotly.newPlot('chart-rate', [ln(C.a.x, C.a.rate, 'A'), ln(C.b.x, C.b.rate, 'B')],
  lay('Requests per second', 'seconds since start', 'per second'), cfg);
document.body.dataset.chartsDrawn = String(document.querySelectorAll('.js-plotly-plot').length);
"""


def comparison_table_html(comparison: dict[str, Any]) -> str:
    """The per-scope, per-metric table (also the console's compare page)."""
    rows = []
    for scope in comparison["scopes"]:
        name = html.escape(scope["scope"])
        if scope["only_in"]:
            rows.append(f"<tr><td>{name}</td><td colspan='5'>only in {scope['only_in']}</td></tr>")
        for row in scope["metrics"]:
            noise = noise_text(row)
            mark = " class='beyond'" if noise.startswith("BEYOND") else ""
            rows.append(f"<tr{mark}><td>{name}</td><td>{html.escape(row['metric'])}</td>"
                        f"<td>{value_text(row, 'a')}</td><td>{value_text(row, 'b')}</td>"
                        f"<td>{change_text(row)}</td><td class='noise'>{html.escape(noise)}</td></tr>")
    return ("<table class='compare'><tr><th>scope</th><th>metric</th><th>A</th><th>B</th><th>change</th>"
            "<th>noise</th></tr>" + "".join(rows) + "</table>"
            f"<p id='conclusion'>{html.escape(_conclusion(comparison))}</p>")


def overlay_charts_html(result_a: dict[str, Any], result_b: dict[str, Any], chart_script: str) -> str:
    """The three overlaid charts; ``chart_script`` loads plotly (inlined, or a script tag)."""
    embedded = json.dumps(overlay_data(result_a, result_b)).replace("</", "<\\/")
    return ("".join(f"<div class='chart' id='{c}'></div>" for c in ("chart-distribution", "chart-p95", "chart-rate"))
            + f"<script id='squall-compare' type='application/json'>{embedded}</script>"
            + chart_script + f"<script>{OVERLAY_JS}</script>")


def render_compare_html(comparison: dict[str, Any], result_a: dict[str, Any], result_b: dict[str, Any],
                        chart_library_js: str) -> str:
    header = "".join(f"<div><b>{side}</b> {html.escape(text)}</div>" for side, text in _header(comparison))
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Squall — compare</title>"
            f"<style>{STYLE} tr.beyond td{{background:#fdecea}}</style></head><body><main>"
            f"<h1>Squall: two runs compared</h1>{header}<h2>Figures</h2>{comparison_table_html(comparison)}"
            f"<h2>Overlaid</h2>"
            + overlay_charts_html(result_a, result_b, f"<script>{chart_library_js}</script>")
            + "</main></body></html>")
