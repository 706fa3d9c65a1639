"""The live page `squall run --ui` serves: charts pushed once a second (server-sent events) from
the merged live timeline, the endpoint table, the thresholds' state, the generator's health,
the phases, a Stop button, and the verdict with a link to the report when the run ends. It
loads nothing from the network: plotly.js comes from the same server. Its addresses are relative
(``events``, ``stop``, ``report``), so the console serves the same page under a run's own path."""

PAGE = """<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Squall — live</title>
<style>
body{font-family:system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1d2733}
header{display:flex;align-items:center;gap:16px;padding:12px 24px;background:#1d2733;color:#fff}
header h1{font-size:18px;margin:0} #state{padding:4px 10px;border-radius:4px;background:#46627f}
#state.PASS,#state.WARN{background:#2e7d32} #state.FAIL,#state.ABORTED{background:#c62828}
#state.INCONCLUSIVE,#state.STOPPED{background:#ef6c00} main{padding:16px 24px}
button{font-size:14px;padding:6px 14px;border:0;border-radius:4px;background:#c62828;color:#fff;cursor:pointer}
button:disabled{background:#888} .grid{display:grid;grid-template-columns:1fr 1fr;gap:12px}
.card{background:#fff;border-radius:6px;padding:8px;box-shadow:0 1px 2px #0002} .chart{height:280px}
table{border-collapse:collapse;width:100%;background:#fff}
td,th{padding:4px 8px;border-bottom:1px solid #eee;text-align:right}
td:first-child,th:first-child{text-align:left} .PASS{color:#2e7d32} .FAIL{color:#c62828} .WARN{color:#ef6c00}
#verdict{margin:12px 0;font-size:16px}
</style></head><body>
<header><h1 id='title'>Squall</h1><span id='state'>connecting</span><span id='clock'></span>
<span style='flex:1'></span><button id='stop'>Stop the run</button></header>
<main><div id='verdict'></div>
<div class='grid'>
 <div class='card'><div id='chart-rate' class='chart'></div></div>
 <div class='card'><div id='chart-latency' class='chart'></div></div>
 <div class='card'><div id='chart-errors' class='chart'></div></div>
 <div class='card'><div id='chart-health' class='chart'></div></div>
</div>
<h3>Endpoints</h3><table id='endpoints'><thead><tr><th>endpoint</th><th>requests</th><th>errors</th><th>p50 ms</th>
<th>p95 ms</th><th>p99 ms</th><th>rate /s</th></tr></thead><tbody></tbody></table>
<h3>Thresholds</h3><table id='thresholds'><thead><tr><th>threshold</th><th>severity</th><th>measured</th><th>now</th>
</tr></thead><tbody></tbody></table>
<h3>Generator</h3><div id='health'></div>
</main>
<script src='plotly.js'></script>
<script>
const TOKEN = '__SQUALL_TOKEN__';  // this page's own: a Stop from any other page is refused
const cfg = {displaylogo: false, responsive: true};
const lay = (title, y) => ({title: {text: title, font: {size: 13}}, margin: {l: 50, r: 40, t: 36, b: 30},
  xaxis: {title: {text: 's'}}, yaxis: {title: {text: y}, rangemode: 'tozero'}, legend: {orientation: 'h'}});
const line = (x, y, name, extra) => Object.assign({x: x, y: y, name: name, type: 'scatter', mode: 'lines'}, extra || {});
const esc = (t) => String(t).replace(/[&<>"']/g,
  c => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}[c]));
let updates = 0;
function shapes(d) {
  return d.phases.map(p => ({type: 'line', x0: p.start_s, x1: p.start_s, yref: 'paper', y0: 0, y1: 1,
                             line: {color: '#9aa', dash: 'dot', width: 1}}));
}
function draw(d) {
  const s = d.series, closed = s.users.some(u => u > 0);
  const rate = [line(s.x, s.requests, 'requests/s'),
                line(s.x, s.target_rate, 'planned arrivals/s', {line: {dash: 'dash'}})];
  if (closed) rate.push(line(s.x, s.users, 'users', {yaxis: 'y2'}));
  Plotly.react('chart-rate', rate, Object.assign(lay('Rate: achieved vs planned', 'per second'),
    {shapes: shapes(d), yaxis2: {overlaying: 'y', side: 'right', title: {text: 'users'}, rangemode: 'tozero'}}), cfg);
  Plotly.react('chart-latency', [line(s.x, s.p50, 'p50'), line(s.x, s.p95, 'p95'), line(s.x, s.p99, 'p99')],
    Object.assign(lay('Latency per second', 'ms'), {shapes: shapes(d)}), cfg);
  const errs = Object.entries(d.errors_by_class).map(([k, v]) => ({x: s.x, y: v, name: k, type: 'bar'}));
  Plotly.react('chart-errors', errs.length ? errs : [line(s.x, s.x.map(() => 0), 'no errors')],
    Object.assign(lay('Errors by class', 'per second'), {barmode: 'stack', shapes: shapes(d)}), cfg);
  Plotly.react('chart-health', [line(s.x, s.lag_p99, 'schedule lag p99 (ms)'),
    {x: s.x, y: s.late, name: 'late', type: 'bar'},
    {x: s.x, y: s.dropped, name: 'dropped', type: 'bar'}], Object.assign(lay('Generator health', 'ms / arrivals'),
    {shapes: shapes(d)}), cfg);
  document.querySelector('#endpoints tbody').innerHTML = d.endpoints.map(e => '<tr><td>' + esc(e.name) + '</td><td>' +
    e.requests + '</td><td>' + e.errors + '</td><td>' + e.p50_ms + '</td><td>' + e.p95_ms + '</td><td>' + e.p99_ms +
    '</td><td>' + e.rate + '</td></tr>').join('');
  document.querySelector('#thresholds tbody').innerHTML = d.thresholds.map(t => '<tr><td>' + esc(t.check) +
    '</td><td>' + t.severity + '</td><td>' + esc(t.measured) + "</td><td class='" + t.status + "'>" +
    ({PASS: 'passing', FAIL: 'breaking', WARN: 'breaking (should)', NO_DATA: 'no data yet',
      AT_END: 'judged at the end'}[t.status] || t.status) +
    '</td></tr>').join('');
  const h = d.health;
  document.getElementById('health').textContent = 'schedule lag p99 ' + h.lag_p99_ms + ' ms · ' + h.late + ' late · ' +
    h.dropped + ' dropped of ' + h.intended + ' arrivals · ' + h.workers + ' workers' +
    (h.cpu_share === null ? '' : ' · CPU ' + Math.round(h.cpu_share * 100) + ' % of a core');
  const state = document.getElementById('state');
  state.textContent = d.state; state.className = d.state;
  document.getElementById('clock').textContent = d.phase + ' · ' + Math.round(d.elapsed_s) + ' s of ' + d.duration_s + ' s' +
    (d.detail ? ' · ' + d.detail : '');
  document.getElementById('title').textContent = 'Squall — ' + d.name;
  if (d.verdict) {
    document.getElementById('verdict').innerHTML = '<b>VERDICT: ' + esc(d.verdict.status) + '</b>' +
      d.verdict.reasons.map(r => '<div>' + esc(r) + '</div>').join('') +
      (d.report ? " <a id='report' href='report'>the report</a>" : '');
    document.getElementById('stop').disabled = true;
  }
  updates += 1; document.body.dataset.updates = String(updates);
}
const source = new EventSource('events');
source.onmessage = (event) => draw(JSON.parse(event.data));
document.getElementById('stop').onclick = async () => {
  if (!confirm('Stop the run? It ends gracefully and every result is kept.')) return;
  document.getElementById('stop').disabled = true;
  await fetch('stop', {method: 'POST', headers: {'X-Squall-Token': TOKEN}});
};
</script></body></html>
"""
