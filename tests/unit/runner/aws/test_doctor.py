"""squall doctor's report: each finding on a line with its fix when there is something to do, the
count of problems and warnings, exit 1 only for a problem (tests/e2e_emulated/test_doctor.py runs
its checks against the emulated account)."""
from __future__ import annotations

from runner.aws.doctor import OK, PROBLEM, WARN, Finding, exit_code, render


def test_findings_are_rendered_with_their_fix_and_counted() -> None:
    findings = [Finding("credentials", OK, "account 123456789012"),
                Finding("bootstrap", PROBLEM, "no CDKToolkit stack", "npx cdk bootstrap aws://123456789012/us-east-1"),
                Finding("concurrency", WARN, "a run fits up to 75 workers", "raise L-B99A9384")]
    lines = render(findings)
    assert lines[0].split() == ["ok", "credentials", "account", "123456789012"]
    assert lines[1].startswith("  PROBLEM  bootstrap") and lines[2].strip() == \
        "fix: npx cdk bootstrap aws://123456789012/us-east-1"
    assert lines[-1] == "squall doctor: 1 problem, 1 warning"
    assert exit_code(findings) == 1 and exit_code(findings[::2]) == 0  # a warning alone is no obstacle
