"""CSV files in Locust's layout, held to their golden files: Locust's columns, an aggregated row,
a failure row per status, a locustfile's failures as Locust writes them, and the closed model's users."""
from __future__ import annotations

import csv
import io

import pytest

from analysis.reports.locust_csv import HISTORY_HEADER, STATS_HEADER, render_failures, render_history, render_stats
from tests.report_fixture import report_result
from tests.unit.analysis.reports.golden import check_golden


@pytest.mark.parametrize("name, render", [("stats.csv", render_stats), ("failures.csv", render_failures),
                                          ("stats_history.csv", render_history)])
def test_the_csv_files_match_their_golden_files(name: str, render) -> None:
    check_golden(name, render(report_result()))


def test_the_stats_csv_has_locusts_columns_and_an_aggregated_row() -> None:
    rows = list(csv.reader(io.StringIO(render_stats(report_result()))))
    assert rows[0] == STATS_HEADER
    assert rows[0][:4] == ["Type", "Name", "Request Count", "Failure Count"] and rows[0][-1] == "100%"
    assert [r[1] for r in rows[1:]] == ["/status/{id}", "/generate", "Aggregated"]
    assert int(rows[-1][2]) == sum(int(r[2]) for r in rows[1:-1])
    history = list(csv.reader(io.StringIO(render_history(report_result()))))
    assert history[0] == HISTORY_HEADER and len(history) == 11


def test_failures_csv_has_a_row_per_status_with_its_own_count() -> None:
    """Every row listed every error status of its endpoint (a 429 row said "(404, 429, 503)")."""
    result = report_result()
    result["endpoints"] = {"GET /a": {**result["overall"], "errors_by_class": {"http_429": 3, "http_4xx": 2,
                                                                               "http_5xx": 5, "timeout": 1},
                                      "error_statuses": {"404": 2, "429": 3, "500": 1, "503": 4}}}
    rows = [row[:4] for row in csv.reader(io.StringIO(render_failures(result)))]
    assert rows == [["Method", "Name", "Error", "Occurrences"], ["GET", "/a", "http_429 (429)", "3"],
                    ["GET", "/a", "http_4xx (404)", "2"], ["GET", "/a", "http_5xx (500)", "1"],
                    ["GET", "/a", "http_5xx (503)", "4"], ["GET", "/a", "timeout", "1"]]


def test_a_locustfile_run_s_failures_read_as_locust_writes_them() -> None:
    result = {**report_result(), "engine": "locust"}
    result["endpoints"] = {"GET /nothing-here": {**result["overall"], "errors_by_class": {"http_4xx": 2},
                                                 "error_statuses": {"404": 2}, "errors_seen_s": {"http_4xx": [1, 3]}},
                           "GET /health": {**result["overall"], "errors_by_class": {"failure: health says ok": 1},
                                           "error_statuses": {}}}
    rows = list(csv.reader(io.StringIO(render_failures(result))))
    assert rows[1][2:] == ["HTTPError('404 Client Error: Not Found for url: /nothing-here')", "2",
                           "2026-09-21T14:13:21Z", "2026-09-21T14:13:23Z"]
    assert rows[2][2] == "CatchResponseError('health says ok')"


def test_the_history_s_user_count_is_the_closed_model_users_not_arrivals() -> None:
    result = report_result()
    for row, users in zip(result["timeline"], range(100, 110), strict=False):
        row["users"] = users
    counts = [row[1] for row in csv.reader(io.StringIO(render_history(result)))][1:]
    assert counts == [str(u) for u in range(100, 110)]
