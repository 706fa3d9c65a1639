"""The comparison as text, Markdown and HTML: the same rows, the noise said, the charts' data."""
from __future__ import annotations

from analysis.comparison import compare_runs
from analysis.histogram import Histogram
from analysis.reports.compare import (
    distribution_points,
    render_compare_html,
    render_compare_markdown,
    render_compare_text,
)
from tests.history_fixture import run_result


def test_text_and_markdown_name_the_runs_and_what_is_beyond_noise() -> None:
    a, b = run_result("run-a", seed=1, seconds=30), run_result("run-b", seed=2, seconds=30, latency_scale=1.3)
    comparison = compare_runs(a, b)
    text = render_compare_text(comparison)
    assert text.startswith("A = run-a (checkout, PASS)\nB = run-b (checkout, ")
    assert "BEYOND NOISE" in text and "Beyond noise: overall p50" in text
    markdown = render_compare_markdown(comparison)
    assert "| overall | p95 |" in markdown and "**BEYOND NOISE" in markdown
    assert f"| overall | requests | {a['overall']['requests']:,} |" in markdown


def test_the_html_page_holds_the_table_and_both_distributions() -> None:
    a, b = run_result("run-a"), run_result("run-b", latency_scale=1.3)
    page = render_compare_html(compare_runs(a, b), a, b, "/* plotly */")
    assert "<table class='compare'>" in page and "chart-distribution" in page and "/* plotly */" in page


def test_a_distribution_ends_at_every_request() -> None:
    points = distribution_points(Histogram.of([1_000, 2_000, 2_000, 50_000]).encode())
    assert points["y"][-1] == 1.0 and points["y"] == sorted(points["y"])
    assert points["x"][0] >= 1.0 and points["x"][-1] >= 50.0  # ms: each bucket's upper bound
