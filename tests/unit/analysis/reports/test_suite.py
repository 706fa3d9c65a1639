"""A suite's one summary, one JUnit file and one verdict: the most telling outcome speaks for the
suite (a failed test over a pass), a test that did not run is a row and a JUnit error with why."""
from __future__ import annotations

from xml.etree import ElementTree as ET

from analysis.reports.suite import SuiteEntry, render_suite_junit, render_suite_summary, suite_status
from tests.report_fixture import report_result


def test_the_most_telling_outcome_speaks_for_the_suite() -> None:
    def entries(*statuses: str) -> list[SuiteEntry]:
        return [SuiteEntry(f"t{i}", status) for i, status in enumerate(statuses)]
    assert suite_status(entries("PASS", "WARN", "PASS")) == "WARN"
    assert suite_status(entries("PASS", "INCONCLUSIVE", "NOT_RUN")) == "INCONCLUSIVE"
    assert suite_status(entries("INCONCLUSIVE", "FAIL", "COULD_NOT_RUN")) == "FAIL"
    assert suite_status([]) == "PASS"


def test_a_test_that_did_not_run_is_a_row_and_a_junit_error_with_why() -> None:
    ran = report_result()
    entries = [SuiteEntry("golden", ran["verdict"]["status"], ran),
               SuiteEntry("nightly-soak", "COULD_NOT_RUN", note="target unreachable at start")]
    summary = render_suite_summary("nightly", entries).splitlines()
    assert summary[0] == "Squall suite nightly: 2 tests"
    assert any(line.startswith("  golden") and "FAIL" in line and "golden-run" in line for line in summary)
    assert "      - p95 < 50ms: measured 58.75 ms" in summary  # each failed test's reasons under it
    assert any(line.startswith("  nightly-soak") and line.endswith("target unreachable at start") for line in summary)
    assert summary[-1] == "  SUITE: FAIL"
    root = ET.fromstring(render_suite_junit("nightly", entries))
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites][-1] == "squall.nightly-soak"
    error = suites[-1].find("testcase/error")
    assert error is not None and error.get("type") == "COULD_NOT_RUN" and error.get("message") == \
        "target unreachable at start"
