"""JUnit XML: one test case per threshold (failed thresholds are failures, should-thresholds
that failed are reported as skipped-with-message warnings would hide them, so they pass with
a system-out note), plus one for the load generator's health."""
from __future__ import annotations

from typing import Any
from xml.etree import ElementTree as ET

from analysis.result import explanation


def render_junit(result: dict[str, Any]) -> str:
    suites = ET.Element("testsuites", name="squall")
    suites.append(junit_suite(result))
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def junit_suite(result: dict[str, Any]) -> ET.Element:
    """One run's testsuite element (a suite of runs puts several side by side)."""
    verdict = result["verdict"]
    cases = verdict["thresholds"]
    suite = ET.Element("testsuite", name=f"squall.{result['spec_name']}", tests=str(len(cases) + 1),
                       failures=str(sum(1 for t in cases if t["status"] == "FAIL")),
                       errors=str(sum(1 for t in cases if t["status"] == "NO_DATA") +
                                  (1 if verdict["generator_problems"] else 0)),
                       time=f"{result['duration_s']:.3f}")
    for t in cases:
        name = t["check"] + (f" [{t['endpoint']}]" if t["endpoint"] else "") + \
            (f" during {t['phase']}" if t.get("phase") else "")
        case = ET.SubElement(suite, "testcase", classname=f"squall.{result['spec_name']}.thresholds", name=name)
        message = f"measured {t['measured_text']}"
        if t["status"] == "FAIL":
            ET.SubElement(case, "failure", message=message, type="ThresholdFailed").text = message
        elif t["status"] == "NO_DATA":
            ET.SubElement(case, "error", message="nothing was measured", type="NoData")
        else:
            out = ET.SubElement(case, "system-out")
            out.text = message + (" (should-threshold failed: warning)" if t["status"] == "WARN" else "")
    health = ET.SubElement(suite, "testcase", classname=f"squall.{result['spec_name']}.generator",
                           name="load generator kept its schedule")
    if verdict["generator_problems"]:
        text = "; ".join(verdict["generator_problems"])
        # INCONCLUSIVE: these decided the verdict; beside a FAIL they are only what else went wrong
        kind = "Inconclusive" if verdict["status"] == "INCONCLUSIVE" else "GeneratorProblem"
        ET.SubElement(health, "error", message=text, type=kind).text = text
    # what a CI page shows first: the verdict and the reason that decided it, then the rest
    ET.SubElement(suite, "system-out").text = "\n".join(
        [f"VERDICT: {verdict['status']}", *(f"- {reason}" for reason in explanation(verdict))])
    return suite
