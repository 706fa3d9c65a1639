"""A self-contained HTML report: verdict first, summary, per-endpoint table, and charts on one
shared time axis (rate achieved vs planned, latency percentiles, errors by class and status,
generator health, the target's metrics when present) and the cost. The chart library's source
is passed in and inlined, so the file works offline. Pure: no file or network access here."""
from __future__ import annotations

import html
import json
from typing import Any

from analysis.result import explanation

MARK = {"PASS": "✓", "WARN": "!", "FAIL": "✗", "NO_DATA": "?", "INCONCLUSIVE": "?", "STOPPED": "■", "ABORTED": "✗"}

STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
main{max-width:1180px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 4px} h2{font-size:17px;margin:28px 0 8px}
.verdict{padding:16px 20px;border-radius:8px;margin:16px 0;color:#fff}
.PASS{background:#1f8a4c}.FAIL,.ABORTED{background:#c0392b}.INCONCLUSIVE,.STOPPED{background:#7f8c8d}
.verdict h2{margin:0;color:#fff;font-size:20px}.verdict li{margin:4px 0}
table{border-collapse:collapse;width:100%;background:#fff;font-size:13px}
th,td{padding:6px 10px;border-bottom:1px solid #e3e6ea;text-align:right}
th:first-child,td:first-child{text-align:left}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(160px,1fr));gap:10px}
.card{background:#fff;border-radius:8px;padding:12px 14px}.card b{display:block;font-size:20px}
.chart{background:#fff;border-radius:8px;margin:10px 0;height:300px}
.muted{color:#687385;font-size:13px}
"""


def _e(value: Any) -> str:
    return html.escape(str(value))


def _ms(value: float) -> str:
    return f"{value:,.0f} ms" if value >= 100 else f"{value:.1f} ms"


def chart_data(result: dict[str, Any]) -> dict[str, Any]:
    """Everything the charts draw, as plain series on run seconds."""
    return {**_timeline_series(result["timeline"]), "locust": result.get("engine") == "locust",
            # a pause in the schedule between two AWS slices: the run's clock skips it, every chart marks it
            "gaps": [{"x": row["offset_s"], "s": row["gap_s"]} for row in result.get("slices") or []
                     if row.get("gap_s") is not None and row["gap_s"] > 0.1],
            "target": _target_series(result.get("target") or {}, result.get("started_at_epoch_s", 0))}


def _timeline_series(timeline: list[dict[str, Any]]) -> dict[str, Any]:
    """The run's own series, a value per second: rates, latency, errors and statuses, the generator's health."""
    def column(key: str) -> list[Any]:
        return [row[key] for row in timeline]
    classes = sorted({c for row in timeline for c in row["errors_by_class"]})
    statuses = sorted({s for row in timeline for s in row["statuses"]})
    return {
        "x": column("second"), "rate": column("requests"), "arrivals": column("arrivals"),
        "target_rate": column("target_rate"), "users": [row.get("users", 0) for row in timeline],
        "closed": any(row.get("users") for row in timeline),
        "p50": column("p50_ms"), "p95": column("p95_ms"), "p99": column("p99_ms"),
        "errors": {c: [row["errors_by_class"].get(c, 0) for row in timeline] for c in classes},
        "statuses": {s: [row["statuses"].get(s, 0) for row in timeline] for s in statuses},
        "lag_p99": column("lag_p99_ms"), "dropped": column("dropped"), "late": column("late"),
        "cpu": [None if row.get("cpu_share") is None else round(row["cpu_share"] * 100, 1) for row in timeline],
    }


_TARGET_CHARTED = {("lambda", "concurrent_executions", "Maximum"), ("lambda", "throttles", "Sum"),
                   ("lambda", "errors", "Sum"), ("dynamodb", "throttled_requests", "Sum"),
                   ("dynamodb", "read_throttle_events", "Sum"), ("dynamodb", "write_throttle_events", "Sum"),
                   ("apigateway", "4xx", "Sum"), ("apigateway", "5xx", "Sum")}


def _target_series(target: dict[str, Any], start_epoch_s: float) -> list[dict[str, Any]]:
    """The target's CloudWatch series the charts draw, on the run's seconds."""
    return [{"name": f"{series['service']} {series['resource']} {series['metric']}".strip(),
             "x": [t - start_epoch_s for t, _ in series["points"]], "y": [v for _, v in series["points"]]}
            for series in ((target.get("metrics") or {}).get("series") or [])
            if (series["service"], series["metric"], series["stat"]) in _TARGET_CHARTED]


CHARTS_JS = """
const D = JSON.parse(document.getElementById('squall-data').textContent);
const allX = D.x.concat(...D.target.map(s => s.x));
const axis = {title: {text: 'seconds since start'}, range: [Math.min(...allX, 0), Math.max(...allX, 1)]};
const gapShapes = (D.gaps || []).map(g => ({type: 'line', x0: g.x, x1: g.x, yref: 'paper', y0: 0, y1: 1,
  line: {color: '#c0392b', dash: 'dot', width: 2}}));
const gapNotes = (D.gaps || []).map(g => ({x: g.x, yref: 'paper', y: 1, text: 'paused ' + g.s.toFixed(1) + ' s',
  showarrow: false, font: {color: '#c0392b', size: 11}, xanchor: 'left'}));
const layout = (title, y) => ({title: {text: title, font: {size: 14}}, margin: {l: 55, r: 20, t: 40, b: 40},
  xaxis: axis, yaxis: {title: {text: y}, rangemode: 'tozero'}, legend: {orientation: 'h'},
  shapes: gapShapes, annotations: gapNotes});
const line = (x, y, name, extra) => Object.assign({x: x, y: y, name: name, type: 'scatter', mode: 'lines'}, extra || {});
const draw = (id, traces, title, y) => Plotly.newPlot(id, traces, layout(title, y), {displaylogo: false, responsive: true});
const rateTraces = [line(D.x, D.rate, 'requests/s')].concat(D.locust ? [] : [line(D.x, D.arrivals, 'arrivals/s'),
  line(D.x, D.target_rate, 'planned arrivals/s', {line: {dash: 'dash'}})]).concat(D.closed ?
  [line(D.x, D.users, 'users (planned)', {yaxis: 'y2', line: {dash: 'dot'}})] : []);
const rateLayout = Object.assign(layout(D.closed ? 'Rate, and users over time' : 'Rate: achieved vs planned',
  'per second'), D.closed ? {yaxis2: {overlaying: 'y', side: 'right', title: {text: 'users'}, rangemode: 'tozero'}} : {});
Plotly.newPlot('chart-rate', rateTraces, rateLayout, {displaylogo: false, responsive: true});
draw('chart-latency', [line(D.x, D.p50, 'p50'), line(D.x, D.p95, 'p95'), line(D.x, D.p99, 'p99')],
  D.locust ? "Latency (Locust's own timings, from the actual send: not corrected for coordinated omission)"
           : 'Latency (from the intended start)', 'ms');
const errs = Object.entries(D.errors).map(([k, v]) => ({x: D.x, y: v, name: k, type: 'bar'}));
const stats = Object.entries(D.statuses).map(([k, v]) => line(D.x, v, 'HTTP ' + k, {yaxis: 'y2'}));
const errorLayout = Object.assign(layout('Errors by class (bars) and statuses (lines)', 'errors'),
  {barmode: 'stack', yaxis2: {overlaying: 'y', side: 'right', title: {text: 'responses'}}});
Plotly.newPlot('chart-errors', errs.concat(stats), errorLayout, {displaylogo: false, responsive: true});
draw('chart-health', [line(D.x, D.lag_p99, 'schedule lag p99 (ms)'), {x: D.x, y: D.late, name: 'late', type: 'bar'},
  {x: D.x, y: D.dropped, name: 'dropped', type: 'bar'},
  line(D.x, D.cpu, 'CPU % of a core', {connectgaps: true, mode: 'lines+markers'})],
  'Load generator health', 'ms / arrivals / %');
if (D.target.length) {
  draw('chart-target', D.target.map(s => line(s.x, s.y, s.name, {mode: 'lines+markers'})),
       'Target (CloudWatch, per minute)', 'count');
}
document.body.dataset.chartsDrawn = String(document.querySelectorAll('.js-plotly-plot').length);
"""


def render_html(result: dict[str, Any], chart_library_js: str) -> str:
    """The report: the verdict first, the figures, thresholds, endpoints, the charts and the cost,
    in one file (the chart library inlined)."""
    status = result["verdict"]["status"]
    parts = [f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Squall — {_e(result['spec_name'])} "
             f"— {_e(status)}</title><style>{STYLE}</style></head><body><main>",
             f"<h1>Squall: {_e(result['spec_name'])}</h1><div class='muted'>run {_e(result['run_id'])} against "
             f"{_e(result['target_url'])} · {_e(result.get('backend', 'local'))} backend</div>",
             _verdict_html(result), _cards_html(result), _thresholds_html(result["verdict"]["thresholds"]),
             _endpoints_html(result["endpoints"]), _regions_html(result.get("regions") or []),
             _exceptions_html(result["health"].get("exceptions") or {})]
    charts = ["chart-rate", "chart-latency", "chart-errors", "chart-health"]
    data = chart_data(result)
    if data["target"]:
        charts.append("chart-target")
    parts.append("<h2>Over time</h2>" + "".join(f"<div class='chart' id='{c}'></div>" for c in charts))
    parts.append(_cost_html(result.get("cost") or {}))
    embedded = json.dumps(data).replace("</", "<\\/")  # a value holding </script> cannot end the element
    parts.append(f"<script id='squall-data' type='application/json'>{embedded}</script>")
    parts.append(f"<script>{chart_library_js}</script><script>{CHARTS_JS}</script></main></body></html>")
    return "".join(parts)


def _verdict_html(result: dict[str, Any]) -> str:
    verdict = result["verdict"]
    status = verdict["status"]
    reasons = explanation(verdict) + ((result.get("target") or {}).get("advice") or [])
    return (f"<section class='verdict {_e(status)}'><h2>{MARK.get(status, '')} {_e(status)}</h2>"
            + ("<ul>" + "".join(f"<li>{_e(r)}</li>" for r in reasons) + "</ul>" if reasons else "") + "</section>")


def _cards_html(result: dict[str, Any]) -> str:
    overall, health = result["overall"], result["health"]
    lat = overall["latency"]
    cards = [("requests", f"{overall['requests']:,}"), ("achieved", f"{overall['rps']:,.1f}/s"),
             ("error rate", f"{overall['error_rate']:.2%}"), ("p50", _ms(lat["p50_ms"])), ("p95", _ms(lat["p95_ms"])),
             ("p99", _ms(lat["p99_ms"])), ("max", _ms(lat["max_ms"])),
             ("schedule lag p99", f"{health['lag_p99_ms']:.1f} ms"),
             ("dropped / late", f"{health['dropped']:,} / {health['late']:,}")]
    return ("<h2>Summary</h2><div class='cards'>" +
            "".join(f"<div class='card'><span class='muted'>{_e(k)}</span><b>{_e(v)}</b></div>" for k, v in cards) +
            "</div>")


def _thresholds_html(thresholds: list[dict[str, Any]]) -> str:
    if not thresholds:
        return ""
    return ("<h2>Thresholds</h2><table><tr><th>threshold</th><th>severity</th><th>measured</th><th>result</th></tr>"
            + "".join(f"<tr><td>{_e(t['check'])}{' [' + _e(t['endpoint']) + ']' if t['endpoint'] else ''}"
                      f"{' in ' + _e(t['region']) if t.get('region') else ''}"
                      f"{' during ' + _e(t['phase']) if t.get('phase') else ''}</td>"
                      f"<td>{_e(t['severity'])}</td><td>{_e(t['measured_text'])}</td>"
                      f"<td>{MARK.get(t['status'], '')} {_e(t['status'])}</td></tr>" for t in thresholds)
            + "</table>")


def _endpoints_html(endpoints: dict[str, Any]) -> str:
    return ("<h2>Endpoints</h2><table><tr><th>endpoint</th><th>requests</th><th>errors</th><th>rate</th>"
            "<th>p50</th><th>p90</th><th>p95</th><th>p99</th><th>max</th></tr>" + "".join(
                f"<tr><td>{_e(name)}</td><td>{e['requests']:,}</td><td>{e['errors']:,}</td><td>{e['rps']:,.1f}/s</td>"
                f"<td>{_ms(e['latency']['p50_ms'])}</td><td>{_ms(e['latency']['p90_ms'])}</td>"
                f"<td>{_ms(e['latency']['p95_ms'])}</td><td>{_ms(e['latency']['p99_ms'])}</td>"
                f"<td>{_ms(e['latency']['max_ms'])}</td></tr>" for name, e in endpoints.items()) + "</table>")


def _regions_html(regions: list[dict[str, Any]]) -> str:
    """A run across regions: the regions side by side, each with when it started against the agreed
    instant and its clock; a region that sent nothing, and why."""
    if not regions:
        return ""
    rows = []
    for r in regions:
        if r["state"] != "ran":
            rows.append(f"<tr><td>{_e(r['region'])}</td><td>{r['share']:.0%}</td>"
                        f"<td colspan='7'>sent nothing: {_e(r['why'])}</td></tr>")
            continue
        o, lat = r["overall"], r["overall"]["latency"]
        late = "?" if r.get("start_late_s") is None else f"{r['start_late_s']:+.2f} s"
        clock = "?" if r.get("clock_offset_s") is None else f"{r['clock_offset_s']:+.2f} s ± {r['clock_bound_s']:.2f}"
        rows.append(f"<tr><td>{_e(r['region'])}</td><td>{r['share']:.0%}</td><td>{o['requests']:,}</td>"
                    f"<td>{o['rps']:,.1f}/s</td><td>{o['error_rate']:.2%}</td><td>{_ms(lat['p50_ms'])}</td>"
                    f"<td>{_ms(lat['p95_ms'])}</td><td>{_ms(lat['p99_ms'])}</td><td>{late}, clock {clock}</td></tr>")
    return ("<h2>Regions</h2><table><tr><th>region</th><th>share</th><th>requests</th><th>rate</th><th>errors</th>"
            "<th>p50</th><th>p95</th><th>p99</th><th>started (its clock), clock</th></tr>" + "".join(rows) + "</table>")


def _exceptions_html(exceptions: dict[str, int]) -> str:
    if not exceptions:
        return ""
    return ("<h2>Exceptions raised inside tasks</h2><p>Not requests: Locust's Exceptions, by message.</p>"
            "<table><tr><th>count</th><th>message</th></tr>" + "".join(
                f"<tr><td>{count:,}</td><td>{_e(message)}</td></tr>" for message, count in exceptions.items())
            + "</table>")


def _cost_html(cost: dict[str, Any]) -> str:
    parts = [p for p in (cost.get("test"), cost.get("target")) if p]
    if not parts:
        return ""
    return "<h2>Cost</h2>" + "".join(
        f"<table><tr><th>{_e(p['title'])}</th><th>quantity</th><th>unit</th><th>USD</th></tr>" + "".join(
            f"<tr><td>{_e(i['name'])}</td><td>{i['quantity']:,.1f}</td><td>{_e(i['unit'])}</td>"
            f"<td>${i['cost_usd']:.6f}</td></tr>" for i in p["items"]) +
        f"<tr><th>total</th><th></th><th></th><th>${p['total_usd']:.4f}</th></tr></table>"
        + "".join(f"<p class='muted'>{_e(n)}</p>" for n in p.get("notes", [])) for p in parts)
