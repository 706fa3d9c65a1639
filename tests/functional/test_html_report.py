"""The HTML report in real headless Chromium (Debian's, driven by Playwright, no download):
it loads offline with no console errors, every chart is drawn, and a screenshot is saved."""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from analysis.reports.html import render_html
from runner.results.reports import chart_library_js
from tests.report_fixture import report_result

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


def watched_page(playwright: Any, origin: str, problems: list[str]) -> Any:
    """A page in headless Chromium that records every console error, page error and request leaving
    ``origin`` into ``problems``, and accepts every dialog (Stop asks to confirm)."""
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("request", lambda r: problems.append(f"network: {r.url}") if not r.url.startswith(origin) else None)
    page.on("dialog", lambda dialog: dialog.accept())
    return page


def with_target(result: dict) -> dict:
    start = result["started_at_epoch_s"]
    result["target"] = {"advice": ["Lambda images-generate was throttled 12 times"], "metrics": {"series": [
        {"service": "lambda", "resource": "images-generate", "metric": "throttles", "stat": "Sum",
         "points": [[start, 0.0], [start + 60, 12.0]]},
        {"service": "lambda", "resource": "images-generate", "metric": "concurrent_executions", "stat": "Maximum",
         "points": [[start, 40.0], [start + 60, 100.0]]}]}}
    return result


def as_locust_run(result: dict) -> dict:
    """A locustfile run: users over time, Locust's own timings, no planned arrival rate."""
    result["engine"] = "locust"
    for row in result["timeline"]:
        row["users"], row["arrivals"], row["target_rate"] = 8, 0, 0.0
    return result


def with_a_pause_between_slices(result: dict) -> dict:
    """An AWS run whose third slice the state machine started 3.2 s late: every chart marks it."""
    result["slices"] = [{"index": 0, "offset_s": 0.0, "duration_s": 4.0, "gap_s": None},
                        {"index": 1, "offset_s": 4.0, "duration_s": 4.0, "gap_s": 0.0},
                        {"index": 2, "offset_s": 8.0, "duration_s": 2.0, "gap_s": 3.2}]
    return result


@pytest.mark.parametrize("name, result, charts", [("report", report_result(), 4),
                                                  ("report-with-target", with_target(report_result()), 5),
                                                  ("report-locust", as_locust_run(report_result()), 4),
                                                  ("report-slices", with_a_pause_between_slices(report_result()), 4)])
def test_the_report_draws_every_chart_in_chromium_without_errors(name: str, result: dict, charts: int,
                                                                 tmp_path: Path) -> None:
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed: `make test` installs it (apt-get install chromium)")
    from playwright.sync_api import sync_playwright
    page_file = tmp_path / f"{name}.html"
    page_file.write_text(render_html(result, chart_library_js()), encoding="utf-8")
    ARTIFACTS.mkdir(exist_ok=True)
    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.on("request", lambda request: problems.append(f"network: {request.url}")
                if not request.url.startswith(("file:", "data:", "blob:")) else None)
        page.goto(page_file.as_uri())
        page.wait_for_function("document.body.dataset.chartsDrawn !== undefined", timeout=30_000)
        drawn = page.evaluate("document.body.dataset.chartsDrawn")
        svgs = page.evaluate("document.querySelectorAll('.chart svg.main-svg').length")
        traces = page.evaluate("Array.from(document.querySelectorAll('.chart')).map(c => c.data ? c.data.length : 0)")
        marks = page.evaluate("Array.from(document.querySelectorAll('.js-plotly-plot'))"
                              ".map(c => (c.layout.shapes || []).length)")
        verdict = page.inner_text(".verdict h2")
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        browser.close()
    assert problems == []
    assert drawn == str(charts) and svgs >= charts and all(t > 0 for t in traces)
    assert marks == [1 if name == "report-slices" else 0] * charts  # a pause between slices, on every chart
    assert "FAIL" in verdict
    assert (ARTIFACTS / f"{name}.png").stat().st_size > 10_000


def test_a_report_stays_small_and_its_chart_library_s_licence_ships_with_it() -> None:
    """The full plotly.js bundle made every report 4.8 MB (one did not fit a small disk); the basic
    bundle draws every chart the report has (the test above) in a fraction of that."""
    html = render_html(report_result(), chart_library_js())
    assert len(html.encode()) <= 1_500_000
    chart = Path(__file__).resolve().parents[2] / "runner" / "results" / "chart"
    assert "MIT License" in (chart / "LICENSE-plotly.js").read_text()
