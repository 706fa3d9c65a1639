"""The result document: percentiles read from the merged histograms (kept, encoded, beside them),
each second of the timeline, the verdict's reasons in order, and the summary row that lists it."""
from __future__ import annotations

from analysis.histogram import Histogram
from analysis.result import explanation, summary_row
from tests.history_fixture import run_result
from tests.report_fixture import report_result


def test_percentiles_are_read_from_the_histogram_kept_beside_them() -> None:
    result = report_result()
    for summary in (result["overall"], *result["endpoints"].values()):
        histogram = Histogram.decode(summary["histogram"])
        assert summary["latency"]["p95_ms"] == round(histogram.percentile_us(95) / 1000, 3)
        assert summary["latency"]["samples"] == histogram.total_count == summary["requests"]


def test_the_timeline_has_a_row_a_second_and_they_add_up_to_the_whole() -> None:
    result = report_result()
    assert [row["second"] for row in result["timeline"]] == list(range(10))
    assert sum(row["requests"] for row in result["timeline"]) == result["overall"]["requests"]
    assert sum(row["errors"] for row in result["timeline"]) == result["overall"]["errors"]


def test_the_deciding_reason_comes_first_also_for_results_written_before_explanation() -> None:
    verdict = {"status": "INCONCLUSIVE", "reasons": ["p95 < 50ms: measured 60 ms"],
               "generator_problems": ["the load generator was late"]}
    assert explanation(verdict) == ["the load generator was late", "p95 < 50ms: measured 60 ms"]
    assert explanation({**verdict, "explanation": ["as written"]}) == ["as written"]


def test_the_summary_row_holds_the_results_own_figures() -> None:
    result = run_result("r1", p95_limit_ms=10)  # its p95 fails
    row = summary_row(result)
    assert (row["requests"], row["p95_ms"], row["error_rate"]) == (
        result["overall"]["requests"], result["overall"]["latency"]["p95_ms"], result["overall"]["error_rate"])
    assert row["verdict"] == "FAIL" and row["reason"].startswith("p95 < 10ms")
    assert row["cost_usd"] == result["cost"]["test"]["total_usd"] and row["tags"] == ["smoke"]
