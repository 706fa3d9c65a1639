"""Schedules on the deployed stack, without redeploying: EventBridge Scheduler schedules in the
stack's schedule group that start the state machine as the stack's schedule role, each with the
console input a scheduled run takes (``spec_key``, ``profile``, and a run id per scheduled time,
so a second delivery of one time is refused by Plan as already planned), retried and with the
stack's dead-letter queue, as cdk.json's are. cdk.json's schedules are listed beside them and left
to cdk.json (a change made here would be undone by the next deploy)."""
from __future__ import annotations

import json
import zoneinfo
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from runner.contract import SCHEDULE_EXPRESSION_HINT, SCHEDULE_NAME, is_schedule_expression

OUTPUTS = ("ScheduleGroupName", "ScheduleRoleArn", "ScheduleDeadLetterArn")
FROM_CDK_JSON = "(cdk.json)"  # the end of the description infra/stack.py gives cdk.json's schedules
FROM_CONSOLE = "created in squall console"


class ScheduleRefused(ValueError):
    """What is wrong with a schedule, or what AWS answered: said on the page."""


@dataclass(frozen=True)
class ScheduleForm:
    name: str
    expression: str
    timezone: str
    spec_key: str
    profile: str = ""
    enabled: bool = True

    @classmethod
    def from_form(cls, form: dict[str, str]) -> ScheduleForm:
        return cls(form.get("name", "").strip(), form.get("expression", "").strip(),
                   form.get("timezone", "").strip() or "Etc/UTC", form.get("spec_key", "").strip(),
                   form.get("profile", "").strip(), form.get("state", "ENABLED") != "DISABLED")


def problems_of(form: ScheduleForm, specs: dict[str, list[str]]) -> list[str]:
    """Every problem of a schedule at once (``specs``: the spec keys in the bucket, each with its
    load profiles)."""
    problems = []
    if not SCHEDULE_NAME.match(form.name):
        problems.append(f"name: 1 to 40 letters, digits, - or _, got {form.name!r}")
    if not is_schedule_expression(form.expression):
        problems.append(f"expression: {form.expression!r} is not a schedule expression: {SCHEDULE_EXPRESSION_HINT}")
    try:
        zoneinfo.ZoneInfo(form.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        problems.append(f"time zone: {form.timezone!r} is not a time zone (e.g. Europe/Berlin, Etc/UTC)")
    if form.spec_key not in specs:
        problems.append(f"spec: {form.spec_key!r} is not a spec under specs/ in the bucket")
    elif form.profile and form.profile not in specs[form.spec_key]:
        known = ", ".join(specs[form.spec_key]) or "none"
        problems.append(f"profile: {form.spec_key} has no load profile {form.profile!r} (it has: {known})")
    return problems


class Schedules:
    def __init__(self, client: Any, outputs: dict[str, str], state_machine_arn: str) -> None:
        missing = [key for key in OUTPUTS if key not in outputs]
        if missing:
            raise ScheduleRefused("this stack predates the console's schedules (no output "
                                  f"{', '.join(missing)}): deploy this version with `npx cdk deploy`")
        self.client, self.machine = client, state_machine_arn
        self.group, self.role, self.dead_letters = (outputs[key] for key in OUTPUTS)

    def _call(self, doing: str, operation: str, **params: Any) -> Any:
        try:
            return getattr(self.client, operation)(**params)
        except (ClientError, BotoCoreError) as error:
            raise ScheduleRefused(f"could not {doing}: {error}") from None

    def rows(self) -> list[dict[str, Any]]:
        """Every schedule of the group, by name: expression, time zone, state, spec, profile, and
        whether cdk.json or the console made it."""
        rows = []
        names: list[str] = []
        token: str | None = None
        while True:
            page = self._call("list the schedules", "list_schedules", GroupName=self.group,
                              **({"NextToken": token} if token else {}))
            names += [item["Name"] for item in page.get("Schedules", [])]
            token = page.get("NextToken")
            if not token:
                break
        for name in sorted(names):
            found = self._call(f"read schedule {name}", "get_schedule", GroupName=self.group, Name=name)
            try:
                given = json.loads(found.get("Target", {}).get("Input") or "{}")
            except ValueError:
                given = {}
            rows.append({"name": name, "expression": found.get("ScheduleExpression", ""),
                         "timezone": found.get("ScheduleExpressionTimezone") or "Etc/UTC",
                         "state": found.get("State", "ENABLED"), "spec_key": given.get("spec_key", ""),
                         "profile": given.get("profile") or "",
                         "from_cdk_json": str(found.get("Description", "")).endswith(FROM_CDK_JSON)})
        return rows

    def _owned(self, name: str) -> dict[str, Any]:
        row = next((r for r in self.rows() if r["name"] == name), None)
        if row is None:
            raise ScheduleRefused(f"no schedule {name} in group {self.group}")
        if row["from_cdk_json"]:
            raise ScheduleRefused(f"schedule {name} comes from cdk.json: change it there and deploy (a change "
                                  f"made here would be undone by the next deploy)")
        return row

    def save(self, form: ScheduleForm, specs: dict[str, list[str]]) -> None:
        """Create the schedule, or update the one of that name the console made."""
        problems = problems_of(form, specs)
        if problems:
            raise ScheduleRefused("; ".join(problems))
        exists = any(r["name"] == form.name for r in self.rows())
        if exists:
            self._owned(form.name)
        given: dict[str, Any] = {"spec_key": form.spec_key, "run_id": f"{form.name}-<aws.scheduler.scheduled-time>"}
        if form.profile:
            given["profile"] = form.profile
        definition = {
            "Name": form.name, "GroupName": self.group, "ScheduleExpression": form.expression,
            "ScheduleExpressionTimezone": form.timezone, "FlexibleTimeWindow": {"Mode": "OFF"},
            "State": "ENABLED" if form.enabled else "DISABLED",
            "Description": f"Squall run of {form.spec_key}{'@' + form.profile if form.profile else ''}: {FROM_CONSOLE}",
            "Target": {"Arn": self.machine, "RoleArn": self.role, "Input": json.dumps(given),
                       "RetryPolicy": {"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 3600},
                       "DeadLetterConfig": {"Arn": self.dead_letters}}}
        self._call(f"{'update' if exists else 'create'} schedule {form.name}",
                   "update_schedule" if exists else "create_schedule", **definition)

    def delete(self, name: str) -> None:
        self._owned(name)
        self._call(f"delete schedule {name}", "delete_schedule", GroupName=self.group, Name=name)

    def set_enabled(self, name: str, enabled: bool, specs: dict[str, list[str]]) -> None:
        """Pause (or resume) a schedule: the same definition, its state changed."""
        row = self._owned(name)
        self.save(ScheduleForm(name, row["expression"], row["timezone"], row["spec_key"], row["profile"], enabled),
                  specs)
