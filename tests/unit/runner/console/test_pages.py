"""The console's pages: what users typed is escaped; a run's page says what state it is in; the
regression rows name the baseline run and its value."""
from __future__ import annotations

from analysis.result import summary_row
from runner.console.pages import run_page, runs_page, trends_page
from tests.history_fixture import run_result


def row_of(result: dict, **extra: object) -> dict:
    return {**summary_row(result), "state": result["verdict"]["status"], "is_baseline": False, **extra}


def test_names_are_escaped() -> None:
    row = row_of(run_result("r1", spec_name="<script>alert(1)</script>"))
    page = runs_page([row], 1, [], {"spec": [row["spec_name"]]}, {}, 0, 100)
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_more_runs_than_a_page_link_to_the_older_ones() -> None:
    row = row_of(run_result("r1"))
    page = runs_page([row], 250, [], {}, {"spec": "checkout"}, 0, 100)
    assert "id='older' href='/?spec=checkout&offset=100'" in page and "the newest 1 shown" in page
    assert "id='older'" not in runs_page([row], 1, [], {}, {}, 0, 100)


def test_a_running_run_links_to_its_live_view_and_an_interrupted_one_to_collect() -> None:
    row = {"run_id": "r2", "spec_name": "checkout", "profile": None, "started_at_epoch_s": 1.0, "backend": "local",
           "target_url": "http://127.0.0.1:1", "state": "RUNNING"}
    assert "href='/runs/r2/live/'" in run_page(row, None, None, "t")
    assert "squall collect r2" in run_page({**row, "state": "INTERRUPTED"}, None, None, "t")


def test_regression_rows_name_the_baseline_run_and_its_value() -> None:
    baseline = run_result("base", seed=1)
    current = run_result("now", seed=2)
    current["verdict"]["thresholds"].append({"check": "p95 regression < 10%", "endpoint": None, "measured_text": "+3.1%",
                                             "status": "PASS"})
    page = run_page(row_of(current), current, baseline, "token-1")
    assert f"{baseline['overall']['latency']['p95_ms']:,.1f} ms in base" in page
    assert "href='/compare?a=base&b=now'" in page
    assert "value='token-1'" in page and "id='set-baseline'" in page


def test_a_trend_without_runs_says_so() -> None:
    page = trends_page({"spec": ["checkout"]}, "checkout", None, {"run_ids": []})
    assert "No finished run of this spec" in page
