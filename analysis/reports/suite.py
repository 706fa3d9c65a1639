"""A suite: several tests run one after another (seed 004's seven), with one summary, one
JUnit file and one exit code. Pure: it reads the runs' results (or why a test did not run)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from xml.etree import ElementTree as ET

from analysis.reports.junit import junit_suite


@dataclass(frozen=True)
class SuiteEntry:
    name: str  # what the suite calls the test (its spec, and the profile if one was picked)
    status: str  # the run's verdict, or NOT_RUN / COULD_NOT_RUN
    result: dict[str, Any] | None = None
    note: str = ""  # why it did not run


# Which outcome speaks for the suite, most telling first.
_PRECEDENCE = ("FAIL", "ABORTED", "STOPPED", "COULD_NOT_RUN", "INCONCLUSIVE", "NOT_RUN", "WARN", "PASS")


def suite_status(entries: list[SuiteEntry]) -> str:
    statuses = {e.status for e in entries}
    return next((s for s in _PRECEDENCE if s in statuses), "PASS")


def render_suite_summary(suite: str, entries: list[SuiteEntry]) -> str:
    lines = [f"Squall suite {suite}: {len(entries)} tests", "",
             f"  {'test':<34} {'verdict':<14} {'requests':>9} {'errors':>8} {'p95':>10}  run"]
    for entry in entries:
        if entry.result is None:
            lines.append(f"  {entry.name[:34]:<34} {entry.status:<14} {'-':>9} {'-':>8} {'-':>10}  {entry.note}")
            continue
        overall = entry.result["overall"]
        lines.append(f"  {entry.name[:34]:<34} {entry.status:<14} {overall['requests']:>9,} "
                     f"{overall['error_rate'] * 100:>7.2f}% {overall['latency']['p95_ms']:>8.1f}ms  "
                     f"{entry.result['run_id']}")
        lines += [f"      - {reason}" for reason in entry.result["verdict"]["reasons"]]
    lines += ["", f"  SUITE: {suite_status(entries)}"]
    return "\n".join(lines)


def render_suite_junit(suite: str, entries: list[SuiteEntry]) -> str:
    root = ET.Element("testsuites", name=f"squall.{suite}")
    for entry in entries:
        if entry.result is not None:
            root.append(junit_suite(entry.result))
        else:
            element = ET.SubElement(root, "testsuite", name=f"squall.{entry.name}", tests="1", failures="0",
                                    errors="1")
            case = ET.SubElement(element, "testcase", classname=f"squall.{entry.name}", name="the test ran")
            ET.SubElement(case, "error", message=entry.note or entry.status, type=entry.status)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def suite_document(suite: str, entries: list[SuiteEntry], started_at_epoch_s: float) -> dict[str, Any]:
    """``suites/<id>/suite.json``: the suite's outcome and each test's run, for the run index."""
    return {"name": suite, "status": suite_status(entries), "started_at_epoch_s": started_at_epoch_s,
            "tests": [{"name": e.name, "status": e.status, "run_id": (e.result or {}).get("run_id"), "note": e.note}
                      for e in entries]}
