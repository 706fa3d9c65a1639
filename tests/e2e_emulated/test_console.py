"""`squall console --on aws` against the emulated stack, in headless Chromium, with the CLI's and
the console's IAM policies (docs/aws.md, docs/console.md) enforced on every call it makes: the
stack's schedules listed (cdk.json's among them, left to cdk.json), a schedule created, refused with
every problem said, changed, paused and deleted without a deploy; a run started from the page on
the state machine, followed live to its verdict. Without the CreateSchedule grant the page says AWS
refused it and nothing is created."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.aws_harness import ROOT, Emulator, synth
from tests.functional.test_html_report import ARTIFACTS, watched_page
from tests.iam_enforcement import cli_policy, console_policy

SPEC = """
name: smoke
target: {{url: "{url}", timeout: 5s}}
load: {{phases: [{{name: steady, duration: 20s, rate: 5/s}}]}}
scenarios:
  - {{name: health, flow: [{{get: {{url: /health, name: GET /health}}}}]}}
thresholds: [error_rate < 1%]
limits: {{lag_tolerance: 1s, max_late: 10%}}
profiles:
  short: {{load: {{phases: [{{name: quick, duration: 3s, rate: 5/s}}]}}}}
"""


@pytest.fixture(scope="module")
def stack() -> Iterator[tuple[Emulator, str, str, dict[str, str]]]:
    """The stack with one schedule from cdk.json, deployed into moto."""
    emulator = Emulator()
    machine, bucket = emulator.deploy(synth(allowedHosts=["127.0.0.1"], schedules=[
        {"name": "nightly", "expression": "cron(0 2 * * ? *)", "timezone": "Europe/Berlin",
         "specKey": "specs/launch.yaml"}]))
    [described] = emulator.client("cloudformation").describe_stacks(StackName="Squall")["Stacks"]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in described["Outputs"]}
    yield emulator, machine, bucket, outputs
    emulator.close()


def policies(emulator: Emulator, machine: str, bucket: str, outputs: dict[str, str], path: Path,
             without: str | None = None) -> Path:
    console = console_policy((ROOT / "docs" / "console.md").read_text(), bucket, outputs["ScheduleGroupName"],
                             outputs["ScheduleRoleArn"])
    if without:
        for statement in console["Statement"]:
            if isinstance(statement["Action"], list):
                statement["Action"] = [a for a in statement["Action"] if a != without]
    path.write_text(json.dumps([cli_policy((ROOT / "docs" / "aws.md").read_text(), bucket, machine), console]))
    return path


def start_console(emulator: Emulator, policy: Path, home: Path) -> tuple[subprocess.Popen[str], str]:
    env = {**emulator.cli_env(), "SQUALL_TEST_IAM_POLICY": str(policy), "XDG_CACHE_HOME": str(home)}
    process = subprocess.Popen([sys.executable, "-m", "runner.cli", "console", "--on", "aws", "--stack", "Squall",
                                "--region", "us-east-1", "--port", "0"], cwd=home, env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line.startswith("squall console: "):
        process.kill()
        raise AssertionError(line + (process.stderr.read() if process.stderr else ""))
    return process, line.split()[2].rstrip("/")


def save_schedule(page: Any, name: str, expression: str, timezone: str = "Europe/Berlin",
                  spec: str = "specs/smoke.yaml", profile: str = "short") -> None:
    page.fill("#schedule-name", name)
    page.fill("#schedule-expression", expression)
    page.fill("#schedule-timezone", timezone)
    page.select_option("#schedule-spec", spec)
    page.select_option("#schedule-profile", profile)
    page.click("#save-schedule")


@pytest.mark.timeout(400)
def test_schedules_and_a_run_from_the_console(stack, demo_target, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright
    emulator, machine, bucket, outputs = stack
    demo = demo_target(latency="fixed:2ms")
    emulator.client("s3").put_object(Bucket=bucket, Key="specs/smoke.yaml", Body=SPEC.format(url=demo.url).encode())
    emulator.client("s3").put_object(Bucket=bucket, Key="specs/launch.yaml",
                                     Body=(ROOT / "specs" / "launch.yaml").read_bytes())
    process, origin = start_console(emulator, policies(emulator, machine, bucket, outputs, tmp_path / "p.json"),
                                    tmp_path)
    scheduler = emulator.client("scheduler")
    group = outputs["ScheduleGroupName"]
    problems: list[str] = []
    try:
        with sync_playwright() as playwright:
            page = watched_page(playwright, origin, problems)

            page.goto(origin + "/schedules")
            assert "cdk.json" in page.inner_text("tr[data-schedule='nightly']")  # listed, left to cdk.json

            save_schedule(page, "bad name!", "every day", timezone="Mars/Olympus")
            said = page.inner_text("#error")
            assert "name: 1 to 40 letters" in said and "'every day' is not a schedule expression" in said
            assert "'Mars/Olympus' is not a time zone" in said

            save_schedule(page, "smoke-hourly", "rate(1 hour)")
            assert "ENABLED" in page.inner_text("tr[data-schedule='smoke-hourly']")
            made = scheduler.get_schedule(GroupName=group, Name="smoke-hourly")
            assert made["ScheduleExpressionTimezone"] == "Europe/Berlin"
            assert made["Target"]["Arn"] == machine and made["Target"]["RoleArn"] == outputs["ScheduleRoleArn"]
            assert made["Target"]["DeadLetterConfig"]["Arn"] == outputs["ScheduleDeadLetterArn"]
            assert json.loads(made["Target"]["Input"]) == {
                "spec_key": "specs/smoke.yaml", "profile": "short", "run_id": "smoke-hourly-<aws.scheduler.scheduled-time>"}

            save_schedule(page, "smoke-hourly", "cron(0 3 * * ? *)")  # the same name: changed
            assert "cron(0 3 * * ? *)" in page.inner_text("tr[data-schedule='smoke-hourly']")
            page.click("tr[data-schedule='smoke-hourly'] button.pause")
            assert "DISABLED" in page.inner_text("tr[data-schedule='smoke-hourly']")
            assert scheduler.get_schedule(GroupName=group, Name="smoke-hourly")["State"] == "DISABLED"
            page.screenshot(path=str(ARTIFACTS / "console-schedules.png"), full_page=True)
            page.click("tr[data-schedule='smoke-hourly'] button.delete")
            assert page.locator("tr[data-schedule='smoke-hourly']").count() == 0
            names = [s["Name"] for s in scheduler.list_schedules(GroupName=group)["Schedules"]]
            assert "smoke-hourly" not in names and "nightly" in names

            page.goto(origin + "/start")
            page.select_option("#spec", "specs/smoke.yaml@short")
            page.click("#start")
            page.wait_for_url(re.compile(r".*/runs/smoke-[^/]+/live/$"), timeout=150_000)
            page.wait_for_function("document.getElementById('verdict').innerText.includes('VERDICT')",
                                   timeout=150_000)
            verdict = page.inner_text("#verdict")
            run_id = page.url.rstrip("/").split("/")[-2]
            page.goto(origin + "/")
            listed = page.inner_text(f"tr[data-run='{run_id}']")
            page.context.browser.close()
    finally:
        process.terminate()
        process.wait(10)
    assert [p for p in problems if "status of 400" not in p] == []  # the refused schedule is answered 400
    assert "VERDICT: PASS" in verdict
    assert "PASS" in listed and "smoke@short" in listed


@pytest.mark.timeout(200)
def test_without_the_grant_the_page_says_aws_refused(stack, tmp_path: Path) -> None:
    import urllib.parse
    import urllib.request
    emulator, machine, bucket, outputs = stack
    emulator.client("s3").put_object(Bucket=bucket, Key="specs/smoke.yaml",
                                     Body=SPEC.format(url="http://127.0.0.1:9").encode())
    policy = policies(emulator, machine, bucket, outputs, tmp_path / "p.json", without="scheduler:CreateSchedule")
    process, origin = start_console(emulator, policy, tmp_path)
    try:
        page = urllib.request.urlopen(origin + "/schedules", timeout=30).read().decode()
        token = re.search(r"name='token' value='([^']+)'", page)
        assert token is not None
        form = urllib.parse.urlencode({"token": token[1], "name": "refused", "expression": "rate(1 day)",
                                       "timezone": "Etc/UTC", "spec_key": "specs/smoke.yaml", "profile": ""})
        try:
            urllib.request.urlopen(urllib.request.Request(origin + "/schedules", data=form.encode()), timeout=30)
            raise AssertionError("the schedule was accepted")
        except urllib.error.HTTPError as error:
            assert error.code == 400
            assert "AccessDenied" in error.read().decode()
    finally:
        process.terminate()
        process.wait(10)
    denied = emulator.denials()
    assert len(denied) == 1 and "scheduler:CreateSchedule" in denied[0]
    names = [s["Name"] for s in emulator.client("scheduler").list_schedules(
        GroupName=outputs["ScheduleGroupName"])["Schedules"]]
    assert "refused" not in names
