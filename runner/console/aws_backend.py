"""The console on a deployed stack (`squall console --on aws`): the stack's bucket is the store
(indexed in the user's cache folder), runs start from the specs under ``specs/`` in the bucket the
way `squall run --on aws` starts them (the spec, its profile and overrides applied here, uploaded,
and an execution started), a run going on is drawn from the live.json its monitor writes, and the
schedules are the stack's EventBridge Scheduler group (runner.console.schedules)."""
from __future__ import annotations

import random
import threading
import time
from pathlib import Path
from typing import Any

from analysis.result import explanation
from runner.aws.backend import AwsOptions, Deployment, lambda_message, start_run, stop_run
from runner.console.launch import Launch, LaunchRefused, scaled_overrides
from runner.console.pages import schedules_page
from runner.console.schedules import ScheduleForm, ScheduleRefused, Schedules
from runner.plan import RunPlan
from runner.preflight import CouldNotRun, SpecRejected
from runner.results.index import RunIndex, index_path_for
from runner.results.live import StoredView
from runner.spec import SpecError, parse_spec
from runner.spec.profiles import profile_names
from runner.spec.yamlsource import SpecSyntaxError, load_yaml
from runner.store import StoreError, new_run_id, run_prefix

SPEC_SUFFIXES = (".yaml", ".yml", ".json")
PLANNED_WITHIN_S = 120.0  # Plan has two minutes


class AwsConsole:
    def __init__(self, deployment: Deployment, cache: Path, stack: str = "Squall") -> None:
        self.deployment, self.stack = deployment, stack
        self.store = deployment.store
        self.index = RunIndex(self.store, index_path_for(self.store, cache, deployment.bucket))
        self.label = f"s3://{deployment.bucket} (stack {stack})"
        self.specs_where = f"s3://{deployment.bucket}/specs/"
        self._views: dict[str, StoredView] = {}
        self._lock = threading.Lock()

    def fresh_index(self) -> RunIndex:
        self.index.refresh()
        return self.index

    def spec_profiles(self) -> dict[str, list[str]]:
        """The specs under specs/ in the bucket (not the runs' uploaded ones), each with its profiles."""
        found: dict[str, list[str]] = {}
        for key in self.store.list("specs/"):
            if key.startswith("specs/runs/") or not key.endswith(SPEC_SUFFIXES):
                continue
            try:
                found[key] = profile_names(load_yaml(self.store.get_bytes(key).decode("utf-8"), key))
            except (StoreError, SpecSyntaxError, UnicodeDecodeError):
                found[key] = []
        return found

    def specs(self) -> list[tuple[str, list[str]]]:
        return sorted(self.spec_profiles().items())

    def start(self, launch: Launch) -> str:
        """Start as `squall run --on aws` does; the run id once Plan has planned it (or its refusal)."""
        key = str(launch.spec)
        try:
            text = self.store.get_bytes(key).decode("utf-8")
            source = f"s3://{self.deployment.bucket}/{key}"
            base = parse_spec(text, source, read_files=False, target_url=launch.target_url, profile=launch.profile)
            spec = parse_spec(text, source, read_files=False, target_url=launch.target_url, profile=launch.profile,
                              overrides=scaled_overrides(base, launch.duration_scale))
        except (StoreError, UnicodeDecodeError) as error:
            raise LaunchRefused(f"cannot read {key}: {error}") from None
        except SpecError as error:
            raise LaunchRefused("\n".join(str(p) for p in error.problems)) from None
        run_id = new_run_id(spec.name)
        try:
            start_run(self.deployment, spec, run_id, random.randrange(2**31), AwsOptions(stack=self.stack))
        except (CouldNotRun, SpecRejected) as error:
            raise LaunchRefused(str(error)) from None
        self._wait_for_plan(run_id)
        return run_id

    def _wait_for_plan(self, run_id: str) -> None:
        client = self.deployment.session.client("stepfunctions")
        deadline = time.monotonic() + PLANNED_WITHIN_S
        while time.monotonic() < deadline:
            if self.store.exists(run_prefix(run_id) + "plan.json"):
                return
            described = client.describe_execution(executionArn=self.deployment.execution_arn(run_id))
            if described["status"] in ("FAILED", "TIMED_OUT", "ABORTED"):
                raise LaunchRefused(lambda_message(described.get("cause", "")) or described["status"])
            time.sleep(1.0)
        raise LaunchRefused(f"run {run_id} was not planned within {PLANNED_WITHIN_S:.0f} s: `squall watch {run_id}`")

    def stop(self, run_id: str) -> None:
        stop_run(self.deployment, run_id)

    def live_snapshot(self, run_id: str) -> dict[str, Any]:
        """What the live page draws: the monitor's live.json accumulated, the verdict once there."""
        prefix = run_prefix(run_id)
        try:
            with self._lock:
                if run_id not in self._views:
                    self._views[run_id] = StoredView(RunPlan.from_dict(self.store.get_json(prefix + "plan.json")))
                view = self._views[run_id]
            live = self.store.get_json(prefix + "live.json") if self.store.exists(prefix + "live.json") else None
            result = self.store.get_json(prefix + "result.json") if self.store.exists(prefix + "result.json") else None
        except (StoreError, KeyError, TypeError, ValueError) as error:
            return {"state": "unreadable", "detail": str(error)}
        elapsed_s = 0.0
        with self._lock:
            if live and "view" in live:
                view.update(live["view"], self.store.uri(prefix + "live.json"))
                elapsed_s = float(live["elapsed_s"]) + max(0.0, time.time() - float(live["updated_at_epoch_s"]))
            state = result["verdict"]["status"] if result else \
                "stopping" if self.store.exists(prefix + "control/stop") else "running"
            snapshot = view.snapshot(elapsed_s, state)
        snapshot.update(name=view.plan.spec_name, report=self.store.exists(prefix + "reports/report.html"),
                        verdict={"status": state, "reasons": explanation(result["verdict"])} if result else None)
        return snapshot

    def _schedules(self) -> Schedules:
        return Schedules(self.deployment.session.client("scheduler"), self.deployment.outputs,
                         self.deployment.state_machine_arn)

    def schedules_page(self, token: str, error: str | None) -> str:
        try:
            rows = self._schedules().rows()
        except ScheduleRefused as refused:
            return schedules_page([], {}, token, error or str(refused))
        return schedules_page(rows, self.spec_profiles(), token, error)

    def save_schedule(self, form: dict[str, str]) -> str | None:
        try:
            self._schedules().save(ScheduleForm.from_form(form), self.spec_profiles())
        except ScheduleRefused as refused:
            return str(refused)
        return None

    def delete_schedule(self, name: str) -> str | None:
        try:
            self._schedules().delete(name)
        except ScheduleRefused as refused:
            return str(refused)
        return None

    def pause_schedule(self, name: str, resume: bool) -> str | None:
        try:
            self._schedules().set_enabled(name, resume, self.spec_profiles())
        except ScheduleRefused as refused:
            return str(refused)
        return None

