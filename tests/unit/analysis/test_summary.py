"""The summary the CLI prints and report.txt holds, block by block, from a result built through
the real merge and verdict (tests/report_fixture.py): the verdict and its deciding reason last,
every figure with its unit, Locust's own terms for a locustfile run, and the slices of a long run."""
from __future__ import annotations

import copy

from analysis.summary import render_summary
from tests.report_fixture import report_result


def test_the_summary_reads_top_to_bottom_and_ends_with_the_verdict_and_why() -> None:
    text = render_summary(report_result())
    lines = text.splitlines()
    assert lines[0] == "Squall run golden-run — golden against http://127.0.0.1:8080"
    assert "  requests    735 sent, 735 answered, 73.5/s achieved over 10 s (planned 1,000)" in lines
    assert "              (from the actual send: p95 58.8 ms · p99 78.6 ms)" in lines
    assert "  error rate  0.27 % (2 errors)" in lines
    order = [next(i for i, line in enumerate(lines) if line.strip().startswith(head))
             for head in ("requests", "latency", "HTTP status", "errors by class", "endpoint", "threshold",
                          "VERDICT: FAIL")]
    assert order == sorted(order)
    assert lines[lines.index("  VERDICT: FAIL") + 1] == "    - p95 < 50ms: measured 58.75 ms"  # the deciding reason
    assert "    ~ p99 < 10ms [GET /status/{id}]: measured 20.29 ms" in lines  # a should-threshold only warns


def test_a_locustfile_run_is_summed_up_in_locust_s_terms() -> None:
    result = copy.deepcopy(report_result())
    result["engine"] = "locust"
    text = render_summary(result)
    assert "scenarios" not in text and "schedule lag" not in text and "(from the actual send: p95" not in text
    assert "(2 failures)" in text and "run by Locust on its own timings" in text


def test_a_run_over_several_slices_says_how_each_took_over() -> None:
    result = copy.deepcopy(report_result())
    result["slices"] = [{"index": 0, "offset_s": 0.0, "duration_s": 5.0, "gap_s": None},
                        {"index": 1, "offset_s": 5.0, "duration_s": 5.0, "gap_s": 0.01},
                        {"index": 2, "offset_s": 10.0, "duration_s": 5.0, "gap_s": 2.5}]
    lines = render_summary(result).splitlines()
    assert "  slice 1: 5 s → 10 s · took over without a pause" in lines
    assert "  slice 2: 10 s → 15 s · the load paused 2.5 s before it" in lines
