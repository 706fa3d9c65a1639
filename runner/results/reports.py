"""Write every report of a run next to its result: HTML (with the chart library inlined),
Markdown, Locust-style CSVs, JUnit XML. Used by the local backend, the AWS collector and
`squall report`."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from analysis.reports.html import render_html
from analysis.reports.junit import render_junit
from analysis.reports.locust_csv import (
    render_exceptions,
    render_failures,
    render_history,
    render_region_stats,
    render_stats,
)
from analysis.reports.markdown import render_markdown
from analysis.summary import render_summary
from runner.store import Store, StoreError, run_prefix

CHART_LIBRARY = Path(__file__).resolve().parent / "chart" / "plotly-basic.min.js"


class ReportError(Exception):
    def __init__(self, message: str, written: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.written = written or {}  # the reports that were written all the same


def chart_library_js() -> str:
    """plotly.js's basic bundle (scatter and bar traces), vendored in runner/results/chart with its
    licence: 1.1 MB where the plotly package's full bundle was 4.8 MB in every report."""
    try:
        return CHART_LIBRARY.read_text(encoding="utf-8")
    except OSError as error:
        raise ReportError(f"the HTML report's chart library is missing ({CHART_LIBRARY}: {error.strerror})") from None


FORMATS = ("html", "md", "csv", "junit", "json", "txt")


def render(result: dict[str, Any], fmt: str) -> dict[str, str]:
    """File name -> content, for one format."""
    if fmt == "html":
        return {"report.html": render_html(result, chart_library_js())}
    if fmt == "md":
        return {"report.md": render_markdown(result)}
    if fmt == "csv":
        regions = {"regions_stats.csv": render_region_stats(result)} if result.get("regions") else {}
        return {"stats.csv": render_stats(result), "failures.csv": render_failures(result),
                "stats_history.csv": render_history(result), "exceptions.csv": render_exceptions(result), **regions}
    if fmt == "junit":
        return {"junit.xml": render_junit(result)}
    if fmt == "txt":
        return {"report.txt": render_summary(result) + "\n"}
    if fmt == "json":
        import json
        return {"result.json": json.dumps(result, indent=1)}
    raise ReportError(f"unknown format {fmt!r} (known: {', '.join(FORMATS)})")


def write_reports(store: Store, result: dict[str, Any]) -> dict[str, str]:
    """Every format under runs/<id>/reports/; returns file name -> store URI. A report the store
    cannot take (a full disk) does not stop the others: ReportError names each one not written."""
    prefix = run_prefix(result["run_id"]) + "reports/"
    written: dict[str, str] = {}
    failed: list[str] = []
    for fmt in ("html", "md", "csv", "junit", "txt"):
        for name, content in render(result, fmt).items():
            try:
                store.put_bytes(prefix + name, content.encode("utf-8"))
            except StoreError as error:
                failed.append(f"{name} ({error})")
                continue
            written[name] = store.uri(prefix + name)
    if failed:
        raise ReportError(f"{len(failed)} not written: " + "; ".join(failed), written)
    return written
