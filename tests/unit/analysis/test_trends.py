"""A history of twenty runs whose latency steps up at run 12: the trend flags run 12, as a
regression, on the latency figures, and nothing on the figures that did not move."""
from __future__ import annotations

from analysis.result import summary_row
from analysis.trends import flag_text, trend
from tests.history_fixture import run_result


def history(scales: list[float]) -> list[dict]:
    return [summary_row(run_result(f"run-{i + 1:02d}", started_at_epoch_s=1_790_000_000.0 + i * 86_400,
                                   latency_scale=scale, seed=i + 1)) for i, scale in enumerate(scales)]


def test_a_step_at_run_12_is_flagged_at_run_12() -> None:
    rows = history([1.0] * 11 + [1.3] * 9)
    found = trend(rows)
    p95 = [flag for flag in found["change_points"] if flag["figure"] == "p95_ms"]
    assert [flag["run_id"] for flag in p95] == ["run-12"]
    assert p95[0]["regression"] is True and 0.2 < p95[0]["relative_change"] < 0.4
    assert {flag["figure"] for flag in found["change_points"]} <= {"p50_ms", "p95_ms", "p99_ms"}
    assert "p95_ms rose" in flag_text(p95[0]) and "from run run-12 on: a regression" in flag_text(p95[0])


def test_the_series_hold_each_runs_figures_and_the_baseline() -> None:
    rows = history([1.0, 1.0, 1.0])
    rows[1]["is_baseline"] = True
    found = trend(rows)
    assert found["series"]["p95_ms"] == [row["p95_ms"] for row in rows]
    assert found["baseline"] == "run-02" and found["change_points"] == []


def test_a_faster_run_is_an_improvement() -> None:
    found = trend(history([1.3] * 10 + [1.0] * 10))
    assert any(flag["figure"] == "p95_ms" and flag["regression"] is False for flag in found["change_points"])


def test_a_significant_but_small_step_is_not_flagged() -> None:
    found = trend(history([1.0] * 10 + [1.02] * 10))  # 2 % slower: significant over 1,000 requests a run
    assert found["change_points"] == []
