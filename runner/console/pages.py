"""The console's pages, rendered on the server: documents in, HTML out. Charts are drawn by the
same plotly.js the reports inline (served once, at /plotly.js); a run's own charts are the HTML
report itself (analysis.reports.html), never a second copy of them."""
from __future__ import annotations

import html
import json
import time
from typing import Any
from urllib.parse import quote, urlencode

from analysis.reports.compare import comparison_table_html, overlay_charts_html
from analysis.reports.html import STYLE
from analysis.result import explanation
from analysis.trends import flag_text

NAV = (("/", "Runs"), ("/trends", "Trends"), ("/compare", "Compare"), ("/start", "Start a run"),
       ("/schedules", "Schedules"))
CONSOLE_STYLE = STYLE + """
header{display:flex;gap:18px;align-items:center;background:#1d2733;color:#fff;padding:10px 24px}
header a{color:#cfd8e3;text-decoration:none} header a.here{color:#fff;font-weight:600} header .store{margin-left:auto}
main{max-width:1280px} form.filters{display:flex;flex-wrap:wrap;gap:8px;margin:12px 0}
form.filters label{font-size:13px;color:#687385} td a{color:#1f5fa8} .state{font-weight:600}
.state.PASS,.state.WARN{color:#1f8a4c}.state.FAIL,.state.ABORTED{color:#c0392b}
.state.INCONCLUSIVE,.state.STOPPED,.state.INTERRUPTED{color:#7f8c8d} .state.RUNNING{color:#1f5fa8}
td.state,p.state{background:none} #schedules td,#schedules th{text-align:left}
#runs td:nth-child(-n+5),#runs th:nth-child(-n+5){text-align:left}
.reason{color:#687385;font-size:12px;max-width:360px} .mark{background:#fff3cd;border-radius:4px;padding:1px 6px}
iframe.report{width:100%;height:1900px;border:0;background:#fff;border-radius:8px}
tr.beyond td{background:#fdecea} .flag.regression{color:#c0392b} .flag.improvement{color:#1f8a4c}
button,.button{font-size:14px;padding:6px 12px;border:0;border-radius:4px;background:#1f5fa8;color:#fff;
cursor:pointer;text-decoration:none} button.danger{background:#c0392b} .error{background:#fdecea;padding:10px;
border-radius:6px;white-space:pre-wrap} .inline{display:inline}
"""


def e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def when(epoch_s: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(epoch_s)) if epoch_s else "?"


def layout(title: str, here: str, body: str, store_label: str) -> str:
    nav = "".join(f"<a href='{href}'{' class=here' if href == here else ''}>{e(name)}</a>" for href, name in NAV)
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Squall — {e(title)}</title>"
            f"<style>{CONSOLE_STYLE}</style></head><body><header><b>Squall</b>{nav}"
            f"<span class='store muted'>{e(store_label)}</span></header><main>{body}</main></body></html>")


def token_field(token: str) -> str:
    return f"<input type='hidden' name='token' value='{e(token)}'>"


def _select(name: str, values: list[str], chosen: str | None, blank: str = "any") -> str:
    options = [f"<option value=''>{e(blank)}</option>"] + [
        f"<option value='{e(v)}'{' selected' if v == chosen else ''}>{e(v)}</option>" for v in values]
    return f"<label>{e(name)} <select name='{e(name)}'>{''.join(options)}</select></label>"


def _figure(value: float | None, pattern: str) -> str:
    return "-" if value is None else pattern.format(value)


def run_row_html(row: dict[str, Any]) -> str:
    run = quote(row["run_id"])
    spec = row["spec_name"] + (f"@{row['profile']}" if row.get("profile") else "")
    mark = " <span class='mark'>baseline</span>" if row.get("is_baseline") else ""
    cost = "-" if row.get("cost_usd") is None else f"${row['cost_usd']:.4f}"
    return (f"<tr data-run='{e(row['run_id'])}'><td><a href='/runs/{run}'>{e(row['run_id'])}</a>{mark}</td>"
            f"<td>{e(spec)}</td><td>{e(when(row['started_at_epoch_s']))}</td><td>{e(row.get('backend'))}</td>"
            f"<td class='state {e(row['state'])}'>{e(row['state'])}<div class='reason'>{e(row.get('reason') or '')}</div>"
            f"</td><td>{_figure(row.get('requests'), '{:,}')}</td><td>{_figure(row.get('rps'), '{:,.1f}/s')}</td>"
            f"<td>{_figure(row.get('p95_ms'), '{:,.1f} ms')}</td><td>{_figure(row.get('error_rate'), '{:.2%}')}</td>"
            f"<td>{cost}</td></tr>")


def runs_page(rows: list[dict[str, Any]], total: int, suites: list[dict[str, Any]], choices: dict[str, list[str]],
              chosen: dict[str, str], offset: int, limit: int) -> str:
    filters = "".join(_select(name, choices.get(name, []), chosen.get(name)) for name in
                      ("spec", "profile", "verdict", "backend", "tag"))
    dates = "".join(f"<label>{label} <input type='date' name='{name}' value='{e(chosen.get(name, ''))}'></label>"
                    for name, label in (("since", "from"), ("until", "until")))
    table = ("<table id='runs'><tr><th>run</th><th>spec</th><th>started (UTC)</th><th>backend</th><th>verdict</th>"
             "<th>requests</th><th>achieved</th><th>p95</th><th>errors</th><th>cost</th></tr>"
             + "".join(run_row_html(row) for row in rows) + "</table>")
    more = ""
    if offset + limit < total:
        more = f"<p><a id='older' href='/?{urlencode({**chosen, 'offset': offset + limit})}'>older runs</a></p>"
    suite_rows = "".join(
        f"<tr><td>{e(s['suite_id'])}</td><td class='state {e(s['status'])}'>{e(s['status'])}</td>"
        f"<td>{e(when(s['started_at_epoch_s']))}</td><td>" + ", ".join(
            (f"<a href='/runs/{quote(t['run_id'])}'>{e(t['name'])}</a>" if t.get("run_id") else e(t["name"]))
            + f" {e(t['status'])}" for t in s["tests"]) + "</td></tr>" for s in suites)
    suites_html = ("<h2>Suites</h2><table id='suites'><tr><th>suite</th><th>verdict</th><th>started (UTC)</th>"
                   f"<th>tests</th></tr>{suite_rows}</table>") if suites else ""
    return (f"<h1>Runs</h1><form class='filters' method='get'>{filters}{dates}<button>Filter</button></form>"
            f"<p class='muted' id='count'>{total:,} run{'s' if total != 1 else ''}"
            f"{' (the newest ' + str(len(rows)) + ' shown)' if total > len(rows) else ''}</p>{table}{more}{suites_html}")


def run_page(row: dict[str, Any], result: dict[str, Any] | None, baseline: dict[str, Any] | None,
             token: str) -> str:
    run = quote(row["run_id"])
    spec = row["spec_name"] + (f"@{row['profile']}" if row.get("profile") else "")
    head = f"<h1>{e(row['run_id'])}</h1><div class='muted'>{e(spec)} · {e(when(row['started_at_epoch_s']))} UTC · " \
           f"{e(row.get('backend'))} · {e(row.get('target_url'))}</div>"
    if result is None:
        if row["state"] == "RUNNING":
            return head + (f"<p class='state RUNNING'>RUNNING</p><p><a class='button' id='live' "
                           f"href='/runs/{run}/live/'>the live view (with Stop)</a></p>")
        return head + (f"<p class='state {e(row['state'])}'>{e(row['state'])}</p><p>This run ended without a "
                       f"verdict: its process is gone. <code>squall collect {e(row['run_id'])}</code> judges what "
                       f"it wrote.</p>")
    status = result["verdict"]["status"]
    reasons = explanation(result["verdict"])
    verdict = (f"<section class='verdict {e(status)}' id='verdict'><h2>{e(status)}</h2>"
               + ("<ul>" + "".join(f"<li>{e(r)}</li>" for r in reasons) + "</ul>" if reasons else "") + "</section>")
    return (head + verdict + _baseline_html(row, result, baseline, token)
            + f"<p><a href='/runs/{run}/report' target='_blank'>the report on its own page</a></p>"
            f"<iframe class='report' src='/runs/{run}/report' title='report'></iframe>")


def _baseline_html(row: dict[str, Any], result: dict[str, Any], baseline: dict[str, Any] | None, token: str) -> str:
    run = quote(row["run_id"])
    spec = row["spec_name"] + (f"@{row['profile']}" if row.get("profile") else "")
    if row.get("is_baseline"):
        control = (f"<p><span class='mark'>the baseline of {e(spec)}</span> <form class='inline' method='post' "
                   f"action='/runs/{run}/baseline'>{token_field(token)}<input type='hidden' name='action' "
                   f"value='unset'><button id='unset-baseline' class='danger'>Unset the baseline</button></form></p>")
    else:
        control = (f"<form method='post' action='/runs/{run}/baseline'>{token_field(token)}<input type='hidden' "
                   f"name='action' value='set'><button id='set-baseline'>Make this the baseline of {e(spec)}"
                   f"</button></form>")
    if baseline is None or baseline["run_id"] == row["run_id"]:
        return control
    link = f"/compare?{urlencode({'a': baseline['run_id'], 'b': row['run_id']})}"
    rows = []
    for check in result["verdict"]["thresholds"]:
        if "regression" not in check["check"]:
            continue
        metric = check["check"].split()[0]
        scope = baseline["endpoints"].get(check["endpoint"]) if check.get("endpoint") else baseline["overall"]
        before = _baseline_value(metric, scope, baseline["duration_s"]) if scope else "-"
        rows.append(f"<tr><td>{e(check['check'])}</td><td>{e(check['measured_text'])}</td>"
                    f"<td>{e(before)} in {e(baseline['run_id'])}</td><td>{e(check['status'])}</td></tr>")
    table = ("<table id='regressions'><tr><th>regression threshold</th><th>measured</th><th>the baseline's value</th>"
             "<th>result</th></tr>" + "".join(rows) + "</table>") if rows else ""
    return (control + f"<h2>Against the baseline</h2><p>Baseline: <a href='/runs/{quote(baseline['run_id'])}'>"
            f"{e(baseline['run_id'])}</a> · <a id='compare-baseline' href='{link}'>compare with it</a></p>{table}")


def _baseline_value(metric: str, scope: dict[str, Any], duration_s: float) -> str:
    if metric == "error_rate":
        return f"{scope['error_rate']:.2%}"
    if metric == "rps":
        return f"{scope['requests'] / duration_s if duration_s else 0:,.1f}/s"
    key = f"{metric}_ms"
    return f"{scope['latency'][key]:,.1f} ms" if key in scope["latency"] else "-"


TREND_JS = """
const T = JSON.parse(document.getElementById('squall-trend').textContent);
const x = T.started_at_epoch_s.map(s => new Date(s * 1000).toISOString());
const cfg = {displaylogo: false, responsive: true};
const base = T.baseline === null ? -1 : T.run_ids.indexOf(T.baseline);
function flags(figures) {
  return T.change_points.filter(f => figures.includes(f.figure)).map(f => ({type: 'line', x0: x[f.index],
    x1: x[f.index], yref: 'paper', y0: 0, y1: 1, line: {color: f.regression ? '#c0392b' : '#1f8a4c', dash: 'dash'}}));
}
function chart(id, figures, title, unit, scale) {
  const traces = figures.map(f => ({x: x, y: T.series[f].map(v => v === null ? null : v * scale), name: f,
    type: 'scatter', mode: 'lines+markers', text: T.run_ids, hovertemplate: '%{text}<br>%{y}<extra>' + f + '</extra>'}));
  if (base >= 0) traces.push({x: [x[base]], y: [T.series[figures[0]][base] * scale], name: 'baseline',
    mode: 'markers', marker: {size: 14, symbol: 'star', color: '#e6a700'}});
  Plotly.newPlot(id, traces, {title: {text: title, font: {size: 14}}, margin: {l: 55, r: 20, t: 40, b: 40},
    yaxis: {title: {text: unit}, rangemode: 'tozero'}, legend: {orientation: 'h'}, shapes: flags(figures)}, cfg);
}
chart('trend-latency', ['p50_ms', 'p95_ms', 'p99_ms'], 'Latency per run', 'ms', 1);
chart('trend-errors', ['error_rate'], 'Error rate per run', '%', 100);
chart('trend-rate', ['rps'], 'Achieved rate per run', 'requests/s', 1);
chart('trend-cost', ['cost_usd'], 'Cost per run', 'USD', 1);
document.body.dataset.chartsDrawn = String(document.querySelectorAll('.js-plotly-plot').length);
"""


def trends_page(choices: dict[str, list[str]], spec: str | None, profile: str | None,
                trend: dict[str, Any] | None) -> str:
    picker = (f"<form class='filters' method='get'>{_select('spec', choices.get('spec', []), spec, 'pick a spec')}"
              f"{_select('profile', choices.get('profile', []), profile, 'its own load')}<button>Show</button></form>")
    if trend is None:
        return "<h1>Trends</h1>" + picker + "<p>Pick a spec to see its runs over time.</p>"
    if not trend["run_ids"]:
        return "<h1>Trends</h1>" + picker + "<p>No finished run of this spec and profile yet.</p>"
    flags = "".join(f"<li class='flag {'regression' if f['regression'] else 'improvement'}'>"
                    f"<a href='/runs/{quote(f['run_id'])}'>{e(flag_text(f))}</a></li>" for f in trend["change_points"])
    embedded = json.dumps(trend).replace("</", "<\\/")
    return ("<h1>Trends</h1>" + picker +
            f"<p class='muted'>{len(trend['run_ids'])} finished runs; change points by E-divisive means with a "
            f"permutation test (p &lt; 0.05), as docs/console.md explains.</p>"
            + (f"<h2>Change points</h2><ul id='change-points'>{flags}</ul>" if flags else
               "<p id='change-points'>No change point: every figure held its level.</p>")
            + "".join(f"<div class='chart' id='{c}'></div>" for c in
                      ("trend-latency", "trend-errors", "trend-rate", "trend-cost"))
            + f"<script id='squall-trend' type='application/json'>{embedded}</script>"
            f"<script src='/plotly.js'></script><script>{TREND_JS}</script>")


def compare_page(run_ids: list[str], chosen: tuple[str, str], comparison: dict[str, Any] | None,
                 results: tuple[dict[str, Any], dict[str, Any]] | None, error: str | None) -> str:
    def picker(name: str, value: str) -> str:
        return f"<label>{name.upper()} <input name='{name}' list='run-ids' value='{e(value)}' size='40'></label>"
    options = "".join(f"<option value='{e(r)}'>" for r in ["latest", "baseline", *run_ids])
    form = (f"<form class='filters' method='get'>{picker('a', chosen[0])}{picker('b', chosen[1])}"
            f"<datalist id='run-ids'>{options}</datalist><button>Compare</button></form>")
    body = "<h1>Compare two runs</h1>" + form
    if error:
        return body + f"<p class='error'>{e(error)}</p>"
    if comparison is None or results is None:
        return body + "<p>Name two runs: a run id, <code>latest</code> or <code>baseline</code>.</p>"
    header = "".join(f"<div><b>{side.upper()}</b> <a href='/runs/{quote(comparison[side]['run_id'])}'>"
                     f"{e(comparison[side]['run_id'])}</a> ({e(comparison[side]['spec_name'])}, "
                     f"{e(comparison[side]['verdict'])})</div>" for side in ("a", "b"))
    return (body + header + "<h2>Figures</h2>" + comparison_table_html(comparison) + "<h2>Overlaid</h2>"
            + overlay_charts_html(results[0], results[1], "<script src='/plotly.js'></script>")
            + "<p class='muted'>Noise: percentiles by their 95% quantile intervals, the distribution by Mann-Whitney "
              "on the histograms, error rates by a two-proportion test, rates as Poisson counts (docs/console.md)."
              "</p>")


def start_page(specs: list[tuple[str, list[str]]], token: str, error: str | None, where: str) -> str:
    options = "".join(f"<option value='{e(path)}'>{e(path)}</option>" +
                      "".join(f"<option value='{e(path)}@{e(p)}'>{e(path)} — profile {e(p)}</option>" for p in profiles)
                      for path, profiles in specs)
    said = f"<p class='error' id='error'>{e(error)}</p>" if error else ""
    if not specs:
        return (f"<h1>Start a run</h1>{said}<p>No spec in {e(where)}: put specs there (YAML files with a target and "
                f"a load).</p>")
    return (f"<h1>Start a run</h1>{said}" +
            f"<form method='post' action='/start'>{token_field(token)}<p><label>spec <select name='spec' id='spec'>"
            f"{options}</select></label></p><p><label>target URL (empty: the spec's own) <input name='target' "
            f"id='target' size='50'></label></p><p><label>duration scale <input name='duration_scale' "
            f"id='duration-scale' value='1' size='5'></label> <span class='muted'>each phase's duration times this"
            f"</span></p><p><button id='start'>Start the run</button></p></form>"
            f"<p class='muted'>Specs from {e(where)}. The run is started as <code>squall run</code> starts it: "
            f"the same guardrails and host allow-list.</p>")


def schedules_local_page() -> str:
    return ("<h1>Schedules</h1><p id='schedules-local'>Schedules are AWS's: EventBridge Scheduler starts runs on the "
            "deployed stack. Open the console on the stack's bucket: <code>squall console --on aws</code>.</p>")



def schedules_page(rows: list[dict[str, Any]], specs: dict[str, list[str]], token: str, error: str | None) -> str:
    """The stack's schedules, each with pause (or resume) and delete, and a form that creates one
    or, given an existing name, changes it."""
    said = f"<p class='error' id='error'>{e(error)}</p>" if error else ""
    listed = "".join(_schedule_row(row, token) for row in rows)
    table = ("<table id='schedules'><tr><th>name</th><th>expression</th><th>time zone</th><th>spec</th>"
             "<th>profile</th><th>state</th><th></th></tr>" + listed + "</table>") if rows else \
        "<p id='schedules'>No schedule yet.</p>"
    spec_options = "".join(f"<option value='{e(key)}'>{e(key)}</option>" for key in sorted(specs))
    profiles = sorted({p for names in specs.values() for p in names})
    profile_options = "<option value=''>its own load</option>" + "".join(
        f"<option value='{e(p)}'>{e(p)}</option>" for p in profiles)
    form = (f"<h2>Create or change a schedule</h2><form method='post' action='/schedules' id='schedule-form'>"
            f"{token_field(token)}<p><label>name <input name='name' id='schedule-name' size='30'></label> "
            f"<span class='muted'>an existing name changes that schedule</span></p>"
            f"<p><label>expression <input name='expression' id='schedule-expression' size='30' "
            f"placeholder='cron(0 2 * * ? *)'></label> <label>time zone <input name='timezone' id='schedule-timezone' "
            f"value='Etc/UTC' size='20'></label></p><p><label>spec <select name='spec_key' id='schedule-spec'>"
            f"{spec_options}</select></label> <label>profile <select name='profile' id='schedule-profile'>"
            f"{profile_options}</select></label></p><p><button id='save-schedule'>Save the schedule</button></p>"
            f"</form>")
    return ("<h1>Schedules</h1>" + said + table + form +
            "<p class='muted'>EventBridge Scheduler, in the stack's schedule group: each scheduled time starts one "
            "run (a second delivery of the same time is refused as already planned), retried 3 times within an "
            "hour, and what still fails to start is kept in the stack's dead-letter queue. Schedules from cdk.json "
            "are shown and changed there.</p>")


def _schedule_row(row: dict[str, Any], token: str) -> str:
    name = quote(row["name"])
    if row["from_cdk_json"]:
        actions = "<span class='muted'>cdk.json</span>"
    else:
        paused = row["state"] == "DISABLED"
        actions = (f"<form class='inline' method='post' action='/schedules/{name}/pause'>{token_field(token)}"
                   f"<input type='hidden' name='resume' value='{'1' if paused else '0'}'><button class='pause'>"
                   f"{'Resume' if paused else 'Pause'}</button></form> <form class='inline' method='post' "
                   f"action='/schedules/{name}/delete'>{token_field(token)}<button class='danger delete'>Delete"
                   f"</button></form>")
    return (f"<tr data-schedule='{e(row['name'])}'><td>{e(row['name'])}</td><td>{e(row['expression'])}</td>"
            f"<td>{e(row['timezone'])}</td><td>{e(row['spec_key'])}</td><td>{e(row['profile'])}</td>"
            f"<td class='schedule-state'>{e(row['state'])}</td><td>{actions}</td></tr>")
