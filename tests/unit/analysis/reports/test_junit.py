"""JUnit XML: one case per threshold, the failed ones failing, and the generator's health."""
from __future__ import annotations

from xml.etree import ElementTree as ET

from analysis.reports.junit import render_junit
from tests.report_fixture import report_result
from tests.unit.analysis.reports.golden import check_golden


def test_the_junit_report_matches_its_golden_file() -> None:
    check_golden("junit.xml", render_junit(report_result()))


def test_junit_has_one_case_per_threshold_and_fails_the_failed_ones() -> None:
    suite = ET.fromstring(render_junit(report_result())).find("testsuite")
    assert suite is not None
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == ["error_rate < 1%", "p95 < 50ms", "p99 < 10ms [GET /status/{id}]",
                                              "load generator kept its schedule"]
    assert suite.get("failures") == str(sum(1 for c in cases if c.find("failure") is not None))
