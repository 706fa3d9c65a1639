"""The live page (`squall run --ui`) in real headless Chromium while a run goes on: the charts
update, the endpoint table fills, no console error, no request leaves the page's own origin,
and Stop ends the run as STOPPED with every result kept; /metrics read by prometheus_client's
OpenMetrics parser."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.functional.test_html_report import ARTIFACTS, CHROMIUM, watched_page
from tests.processes import page_origin

ROOT = Path(__file__).resolve().parents[2]
SPEC = """
name: live
target: "{url}"
load: {{phases: [{{name: warm, duration: 20s, rate: 20/s}}, {{name: users, duration: 20s, users: 5}}]}}
scenarios:
  - {{name: ok, weight: 9, flow: [{{get: {{url: /health, name: GET /health}}}}, {{think: 50ms}}]}}
  - {{name: missing, weight: 1, flow: [{{get: {{url: /nothing, name: GET /nothing}}}}]}}
thresholds: [p95 < 1s, error_rate < 50%]
"""


def wait_for(url: str, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"nothing at {url}")


def watch_the_page(origin: str, screenshot: str) -> dict[str, Any]:
    """In headless Chromium: wait for the charts to move and the tables to fill, read /metrics,
    press Stop (confirming) and wait for the verdict. What was seen, and every problem."""
    from playwright.sync_api import sync_playwright
    from prometheus_client.openmetrics.parser import text_string_to_metric_families
    problems: list[str] = []
    seen: dict[str, Any] = {"problems": problems}
    with sync_playwright() as playwright:
        page = watched_page(playwright, origin, problems)
        page.goto(origin + "/")
        page.wait_for_function("Number(document.body.dataset.updates || 0) >= 4", timeout=60_000)
        first = page.evaluate("document.getElementById('chart-rate').data[0].x.length")
        page.wait_for_function(f"document.getElementById('chart-rate').data[0].x.length > {first}", timeout=30_000)
        seen["rows"] = page.inner_text("#endpoints tbody")
        seen["thresholds"] = page.inner_text("#thresholds tbody")
        seen["clock"] = page.inner_text("#clock")
        seen["metrics"] = {f.name: f for f in text_string_to_metric_families(
            urllib.request.urlopen(origin + "/metrics", timeout=5).read().decode())}
        page.screenshot(path=str(ARTIFACTS / screenshot), full_page=True)
        page.click("#stop")
        page.wait_for_function("document.getElementById('verdict').innerText.includes('VERDICT')", timeout=60_000)
        seen["verdict"] = page.inner_text("#verdict")
        seen["report_link"] = page.get_attribute("#report", "href")
        seen["report"] = urllib.request.urlopen(origin + "/report", timeout=5).read().decode()
        page.context.browser.close()
    return seen


def squall(tmp_path: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "runner.cli", *args], cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})


@pytest.mark.functional
def test_the_live_page_updates_and_its_stop_button_ends_the_run_keeping_results(tmp_path: Path, demo_target) -> None:
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed: `make test` installs it (apt-get install chromium)")
    demo = demo_target(latency="fixed:2ms")
    (tmp_path / "live.yaml").write_text(SPEC.format(url=demo.url))
    run = squall(tmp_path, "run", "live.yaml", "--store", "s", "--workers", "1", "--ui", "127.0.0.1:0",
                 "--ui-linger", "8")
    try:
        origin = page_origin(run)
        wait_for(origin + "/metrics")
        seen = watch_the_page(origin, "live-page.png")
        out, err = run.communicate(timeout=60)
    finally:
        if run.poll() is None:
            run.kill()
    assert seen["problems"] == []
    assert "GET /health" in seen["rows"] and "GET /nothing" in seen["rows"]
    assert "p95 < 1s" in seen["thresholds"] and "passing" in seen["thresholds"]
    families = seen["metrics"]
    requests = {s.labels["status"]: s.value for s in families["squall_requests"].samples if s.name.endswith("_total")}
    assert requests.get("200", 0) > 0 and requests.get("404", 0) > 0
    assert {s.labels["le"] for s in families["squall_latency_seconds"].samples if s.name.endswith("_bucket")} >= {"+Inf"}
    assert "VERDICT: STOPPED" in seen["verdict"] and seen["report_link"] == "report"
    assert run.returncode == 130, out[-2000:] + err[-2000:]  # stopped
    result = json.loads(next((tmp_path / "s" / "runs").glob("*/result.json")).read_text())
    assert result["verdict"]["status"] == "STOPPED" and result["overall"]["requests"] > 20
    assert result["duration_s"] < 40  # stopped before its end, what was measured kept


@pytest.mark.functional
def test_squall_watch_shows_a_run_from_another_terminal_and_stops_it(tmp_path: Path, demo_target) -> None:
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed: `make test` installs it (apt-get install chromium)")
    demo = demo_target(latency="fixed:2ms")
    (tmp_path / "live.yaml").write_text(SPEC.format(url=demo.url))
    run = squall(tmp_path, "run", "live.yaml", "--store", "s", "--workers", "1")  # no page of its own
    watcher = None
    try:
        deadline = time.monotonic() + 30
        while not list((tmp_path / "s" / "runs").glob("*/start.json")) and time.monotonic() < deadline:
            time.sleep(0.2)
        run_id = next((tmp_path / "s" / "runs").glob("*/start.json")).parent.name
        watcher = squall(tmp_path, "watch", run_id, "--store", "s", "--ui", "127.0.0.1:0", "--ui-linger", "8")
        origin = page_origin(watcher)
        wait_for(origin + "/metrics")
        seen = watch_the_page(origin, "live-page-watch.png")
        watched_out, watched_err = watcher.communicate(timeout=60)
        out, err = run.communicate(timeout=60)
    finally:
        for process in (run, watcher):
            if process is not None and process.poll() is None:
                process.kill()
    assert seen["problems"] == []
    assert "GET /health" in seen["rows"] and "GET /nothing" in seen["rows"] and "passing" in seen["thresholds"]
    assert "VERDICT: STOPPED" in seen["verdict"] and "<html" in seen["report"].lower()
    assert run.returncode == 130, out[-2000:] + err[-2000:]  # stopped by the watcher's page
    assert watcher.returncode == 130 and "VERDICT: STOPPED" in watched_out, watched_out[-2000:] + watched_err[-2000:]
    result = json.loads((tmp_path / "s" / "runs" / run_id / "result.json").read_text())
    assert result["verdict"]["status"] == "STOPPED" and result["overall"]["requests"] > 20
