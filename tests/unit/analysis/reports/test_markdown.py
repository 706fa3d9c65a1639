"""The Markdown summary, held to its golden file."""
from __future__ import annotations

from analysis.reports.markdown import render_markdown
from tests.report_fixture import report_result
from tests.unit.analysis.reports.golden import check_golden


def test_the_markdown_report_matches_its_golden_file() -> None:
    check_golden("report.md", render_markdown(report_result()))
