"""Every report of a run written beside its result; a report the store refuses does not stop the
others, and the ones not written are named."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from runner.results.reports import FORMATS, ReportError, render, write_reports
from runner.store import LocalStore, StoreError
from tests.report_fixture import report_result


def test_every_format_renders_its_files() -> None:
    result = report_result()
    names = {fmt: sorted(render(result, fmt)) for fmt in FORMATS}
    assert names == {"html": ["report.html"], "md": ["report.md"], "junit": ["junit.xml"], "txt": ["report.txt"],
                     "json": ["result.json"],
                     "csv": ["exceptions.csv", "failures.csv", "stats.csv", "stats_history.csv"]}
    assert json.loads(render(result, "json")["result.json"]) == result
    with pytest.raises(ReportError, match="unknown format 'pdf'"):
        render(result, "pdf")


def test_reports_are_written_under_the_runs_reports_folder(tmp_path: Path) -> None:
    written = write_reports(LocalStore(tmp_path), report_result())
    assert sorted(written) == ["exceptions.csv", "failures.csv", "junit.xml", "report.html", "report.md",
                               "report.txt", "stats.csv", "stats_history.csv"]
    assert (tmp_path / "runs" / "golden-run" / "reports" / "report.md").is_file()


def test_a_report_the_store_refuses_does_not_stop_the_others(tmp_path: Path) -> None:
    class FullForHtml(LocalStore):
        def put_bytes(self, key: str, data: bytes) -> None:
            if key.endswith(".html"):
                raise StoreError("No space left on device")
            super().put_bytes(key, data)
    with pytest.raises(ReportError, match=r"1 not written: report.html \(No space left on device\)") as raised:
        write_reports(FullForHtml(tmp_path), report_result())
    assert "report.md" in raised.value.written and "report.html" not in raised.value.written
