"""`squall console` in real headless Chromium, over a project's store: the runs page lists what
`squall runs` prints with the same numbers; a run page sets and unsets the baseline; the trends of
a twenty-run history with a step at run 12 flag run 12; compare judges two runs; a run started
from the page against the demo target is followed live, stopped, and ends with a verdict; another
page's requests are refused (foreign Host, foreign Origin, no token). No console error, and no
request leaves the console's own origin."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from runner.store import LocalStore
from tests.functional.test_html_report import ARTIFACTS, watched_page
from tests.history_fixture import write_history
from tests.processes import demo_target_process

ROOT = Path(__file__).resolve().parents[2]
SPEC = """
name: live
target: "{url}"
load: {{phases: [{{name: steady, duration: 60s, rate: 20/s}}]}}
scenarios:
  - {{name: ok, flow: [{{get: {{url: /health, name: GET /health}}}}]}}
thresholds: [p95 < 1s, error_rate < 1%]
"""
QUICK = """
name: quick
target: "{url}"
load: {{phases: [{{name: steady, duration: 4s, rate: 20/s}}]}}
scenarios:
  - {{name: ok, flow: [{{get: {{url: /health, name: GET /health}}}}]}}
thresholds: [error_rate < 1%]
"""
HISTORY = [1.0] * 11 + [1.3] * 9  # checkout's p95 steps up by 30 % at run 12


def squall(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "runner.cli", *args], cwd=project, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)


@pytest.fixture
def project(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A project (a repository with specs/), the demo target, two quick runs from the command line
    (one from a subfolder) and a twenty-run history of another spec."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "specs").mkdir()
    target, url = demo_target_process()
    try:
        (tmp_path / "specs" / "live.yaml").write_text(SPEC.format(url=url))
        (tmp_path / "specs" / "quick.yaml").write_text(QUICK.format(url=url))
        for folder in (tmp_path, tmp_path / "specs"):  # the project's one store, whatever the folder
            done = squall(folder, "run", str(tmp_path / "specs" / "quick.yaml"), "--quiet")
            assert done.returncode == 0, done.stderr
        write_history(LocalStore(tmp_path / "squall-runs"), HISTORY)
        yield tmp_path, url
    finally:
        target.kill()
        target.wait()


@pytest.fixture
def console(project: tuple[Path, str]) -> Iterator[str]:
    process = subprocess.Popen([sys.executable, "-m", "runner.cli", "console", "--port", "0"], cwd=project[0],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line.startswith("squall console: http://127.0.0.1:"), line + (process.stderr.read() if process.stderr else "")
    try:
        yield line.split()[2].rstrip("/")
    finally:
        process.terminate()
        process.wait(10)


def post(url: str, data: bytes, headers: dict[str, str]) -> int:
    try:
        return urllib.request.urlopen(urllib.request.Request(url, data=data, headers=headers), timeout=10).status
    except urllib.error.HTTPError as error:
        return error.code


def browse(origin: str, project: Path) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright
    problems: list[str] = []
    seen: dict[str, Any] = {"problems": problems}
    with sync_playwright() as playwright:
        page = watched_page(playwright, origin, problems)

        page.goto(origin + "/")
        seen["rows"] = page.eval_on_selector_all("#runs tr[data-run]", "rows => rows.map(r => [...r.cells].map("
                                                 "c => c.innerText.split('\\n')[0]))")
        page.screenshot(path=str(ARTIFACTS / "console-runs.png"), full_page=True)
        page.select_option("select[name=spec]", "quick")
        page.click("form.filters button")
        seen["filtered"] = page.inner_text("#count")

        quick = next(row[0] for row in seen["rows"] if row[1] == "quick")
        page.goto(f"{origin}/runs/{quick}")
        seen["run_verdict"] = page.inner_text("#verdict")
        page.click("#set-baseline")
        seen["after_set"] = page.inner_text("main")
        page.goto(origin + "/")
        seen["marked"] = page.inner_text(f"tr[data-run='{quick}']")
        page.goto(f"{origin}/runs/{quick}")
        page.click("#unset-baseline")
        seen["after_unset"] = page.inner_text("main")
        page.frame_locator("iframe.report").locator("#chart-latency .main-svg").first.wait_for(timeout=30_000)

        page.goto(f"{origin}/trends?spec=checkout")
        page.wait_for_function("Number(document.body.dataset.chartsDrawn || 0) === 4", timeout=30_000)
        seen["change_points"] = page.inner_text("#change-points")
        page.screenshot(path=str(ARTIFACTS / "console-trends.png"), full_page=True)

        page.goto(f"{origin}/compare?a=checkout-0001&b=checkout-0020")
        page.wait_for_function("Number(document.body.dataset.chartsDrawn || 0) === 3", timeout=30_000)
        seen["compare"] = page.inner_text("table.compare")
        seen["conclusion"] = page.inner_text("#conclusion")
        page.screenshot(path=str(ARTIFACTS / "console-compare.png"), full_page=True)

        page.goto(origin + "/start")
        page.select_option("#spec", str(project / "specs" / "live.yaml"))
        page.fill("#duration-scale", "0.5")
        page.click("#start")
        page.wait_for_url(re.compile(r".*/runs/live-[^/]+/live/$"), timeout=60_000)
        seen["live_url"] = page.url
        page.wait_for_function("Number(document.body.dataset.updates || 0) >= 4", timeout=60_000)
        seen["live_rows"] = page.inner_text("#endpoints tbody")
        page.screenshot(path=str(ARTIFACTS / "console-live.png"), full_page=True)
        page.click("#stop")
        page.wait_for_function("document.getElementById('verdict').innerText.includes('VERDICT')", timeout=60_000)
        seen["live_verdict"] = page.inner_text("#verdict")
        page.goto(origin + "/schedules")
        seen["schedules"] = page.inner_text("main")
        page.context.browser.close()
    return seen


@pytest.mark.timeout(400)
def test_the_console_in_a_browser(project: tuple[Path, str], console: str) -> None:
    folder, _ = project
    listed = squall(folder, "runs", "--spec", "quick").stdout.splitlines()[1:]
    seen = browse(console, folder)
    assert seen["problems"] == []

    # the runs page: every run, the same numbers as `squall runs`
    assert len(seen["rows"]) == 22
    page_quick = [row for row in seen["rows"] if row[1] == "quick"]
    assert len(page_quick) == 2 == len(listed)
    for row, line in zip(page_quick, listed, strict=True):
        run_id, _, _, _, _, _, requests, rate, p95, errors = line.split()[:10]  # id, spec, date, time, backend, duration
        assert (row[0], row[5], row[6], row[7].replace(" ", ""), row[8]) == (run_id, requests, rate, p95, errors)
    assert seen["filtered"].startswith("2 runs")

    # a run's page: its verdict; the baseline set and unset
    assert "PASS" in seen["run_verdict"]
    assert "the baseline of quick" in seen["after_set"] and "baseline" in seen["marked"]
    assert "Make this the baseline of quick" in seen["after_unset"]

    # trends: the step at run 12 is flagged at run 12, as a regression
    assert "p95_ms rose" in seen["change_points"] and "from run checkout-0012 on: a regression" in seen["change_points"]

    # compare: per endpoint, with the noise judged
    assert "GET /items" in seen["compare"] and "POST /orders" in seen["compare"]
    assert "BEYOND NOISE" in seen["compare"] and seen["conclusion"].startswith("Beyond noise: overall p50")

    # a run started from the page, followed live and stopped: a verdict, and in the list
    assert "GET /health" in seen["live_rows"]
    assert "VERDICT: STOPPED" in seen["live_verdict"]
    run_id = seen["live_url"].rstrip("/").split("/")[-2]
    assert (folder / "squall-runs" / "runs" / run_id / "result.json").is_file()
    assert "Schedules are AWS's" in seen["schedules"]


def test_other_pages_cannot_use_it(project: tuple[Path, str], console: str) -> None:
    port = console.rsplit(":", 1)[1]
    run_id = "checkout-0001"
    url = f"{console}/runs/{run_id}/baseline"
    assert post(url, b"action=set", {"Host": f"attacker.example:{port}"}) == 421  # DNS rebinding
    assert post(url, b"action=set", {}) == 403  # no token
    assert post(url, b"action=set&token=guess", {}) == 403
    page = urllib.request.urlopen(f"{console}/runs/{run_id}", timeout=10).read().decode()
    token = re.search(r"name='token' value='([^']+)'", page)
    assert token is not None
    assert post(url, f"action=set&token={token[1]}".encode(), {"Origin": "http://attacker.example"}) == 403
    assert post(f"{console}/runs/{run_id}/live/stop", b"", {"X-Squall-Token": token[1],
                                                             "Origin": "http://attacker.example"}) == 403
    assert not (project[0] / "squall-runs" / "baselines").exists()  # nothing was changed
    assert post(url, f"action=set&token={token[1]}".encode(), {"Origin": console}) in (200, 303)
    assert (project[0] / "squall-runs" / "baselines" / "checkout.json").is_file()
