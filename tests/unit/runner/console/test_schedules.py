"""The console's schedules on EventBridge Scheduler (moto): every problem said at once; created in
the stack's group as its role, with the console input; changed, paused, deleted; cdk.json's left
alone; a stack without the schedule outputs is told to deploy."""
from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from runner.console.schedules import ScheduleForm, ScheduleRefused, Schedules, problems_of

MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:Squall-Run"
OUTPUTS = {"ScheduleGroupName": "Squall-runs", "ScheduleRoleArn": "arn:aws:iam::123456789012:role/ScheduleRole",
           "ScheduleDeadLetterArn": "arn:aws:sqs:us-east-1:123456789012:ScheduleDeadLetters"}
SPECS = {"specs/shop.yaml": ["stress"], "specs/launch.yaml": []}


@pytest.fixture
def client() -> Iterator[Any]:
    with mock_aws():
        scheduler = boto3.client("scheduler", region_name="us-east-1")
        scheduler.create_schedule_group(Name="Squall-runs")
        scheduler.create_schedule(Name="nightly", GroupName="Squall-runs", ScheduleExpression="cron(0 2 * * ? *)",
                                  Description="Squall run of specs/launch.yaml (cdk.json)",
                                  FlexibleTimeWindow={"Mode": "OFF"},
                                  Target={"Arn": MACHINE, "RoleArn": OUTPUTS["ScheduleRoleArn"],
                                          "Input": json.dumps({"spec_key": "specs/launch.yaml"})})
        yield scheduler


def test_every_problem_of_a_schedule_is_said_at_once() -> None:
    problems = problems_of(ScheduleForm("a b", "daily", "Mars/Olympus", "specs/none.yaml"), SPECS)
    assert [p.split(":")[0] for p in problems] == ["name", "expression", "time zone", "spec"]
    assert problems_of(ScheduleForm("ok", "rate(1 day)", "Etc/UTC", "specs/shop.yaml", "soak"), SPECS) == [
        "profile: specs/shop.yaml has no load profile 'soak' (it has: stress)"]
    assert problems_of(ScheduleForm("ok", "at(2026-12-24T08:00:00)", "Europe/Berlin", "specs/shop.yaml"), SPECS) == []


def test_a_schedule_is_created_changed_paused_and_deleted(client: Any) -> None:
    schedules = Schedules(client, OUTPUTS, MACHINE)
    schedules.save(ScheduleForm("shop-stress", "rate(1 hour)", "Europe/Berlin", "specs/shop.yaml", "stress"), SPECS)
    made = client.get_schedule(GroupName="Squall-runs", Name="shop-stress")
    assert made["Target"]["RoleArn"] == OUTPUTS["ScheduleRoleArn"] and made["Target"]["Arn"] == MACHINE
    assert made["Target"]["DeadLetterConfig"] == {"Arn": OUTPUTS["ScheduleDeadLetterArn"]}
    assert made["Target"]["RetryPolicy"] == {"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 3600}
    assert json.loads(made["Target"]["Input"]) == {"spec_key": "specs/shop.yaml", "profile": "stress",
                                                   "run_id": "shop-stress-<aws.scheduler.scheduled-time>"}
    schedules.save(ScheduleForm("shop-stress", "cron(0 3 * * ? *)", "Europe/Berlin", "specs/shop.yaml"), SPECS)
    schedules.set_enabled("shop-stress", False, SPECS)
    row = next(r for r in schedules.rows() if r["name"] == "shop-stress")
    assert (row["expression"], row["state"], row["profile"], row["from_cdk_json"]) == \
        ("cron(0 3 * * ? *)", "DISABLED", "", False)
    schedules.delete("shop-stress")
    assert [r["name"] for r in schedules.rows()] == ["nightly"]


def test_cdk_jsons_schedules_are_listed_and_left_to_it(client: Any) -> None:
    schedules = Schedules(client, OUTPUTS, MACHINE)
    [nightly] = schedules.rows()
    assert nightly["from_cdk_json"] and nightly["spec_key"] == "specs/launch.yaml"
    with pytest.raises(ScheduleRefused, match="comes from cdk.json: change it there and deploy"):
        schedules.delete("nightly")
    with pytest.raises(ScheduleRefused, match="comes from cdk.json"):
        schedules.save(ScheduleForm("nightly", "rate(1 day)", "Etc/UTC", "specs/launch.yaml"), SPECS)


def test_a_stack_without_the_schedule_outputs_is_told_to_deploy() -> None:
    with pytest.raises(ScheduleRefused, match="predates the console's schedules.*npx cdk deploy"):
        Schedules(object(), {"StateMachineArn": MACHINE}, MACHINE)


def test_a_schedule_that_is_not_there_is_said(client: Any) -> None:
    schedules = Schedules(client, OUTPUTS, MACHINE)
    with pytest.raises(ScheduleRefused, match="no schedule gone in group Squall-runs"):
        schedules.delete("gone")
