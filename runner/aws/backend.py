"""The AWS backend seen from the CLI: find the stack, upload the spec, start an execution
named after the run id, watch it (state, workers, live stats), stop it, list and fetch runs.

Every AWS failure becomes one line naming what is missing (CouldNotRun, exit 3).
"""
from __future__ import annotations

import atexit
import json
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, NoRegionError

from analysis.openmetrics import render_openmetrics
from analysis.result import explanation
from runner.aws.s3store import S3Store
from runner.contract import STACK_FORMAT
from runner.job import spec_document
from runner.plan import RunPlan
from runner.preflight import CouldNotRun, SpecRejected
from runner.results.live import StoredView
from runner.results.live_server import LiveServer
from runner.spec import Spec
from runner.spec.locust_folder import FolderTooLarge, pack
from runner.store import StoreError, request_stop, run_prefix
from runner.units import format_duration

Progress = Callable[[str, bool], None]


@dataclass(frozen=True)
class AwsOptions:
    stack: str = "Squall"
    region: str | None = None
    profile: str | None = None
    settle_s: float | None = None
    monitor_interval_s: float | None = None
    start_margin_s: float | None = None
    workers: int | None = None
    slice_s: float | None = None
    engine: str = "fast"
    poll_s: float = 2.0


@dataclass
class Deployment:
    session: boto3.Session
    state_machine_arn: str
    bucket: str
    outputs: dict[str, str] = field(default_factory=dict)  # the stack's, by key (the schedules' group, role…)

    @property
    def store(self) -> S3Store:
        return S3Store(self.bucket, self.session.client("s3"))

    def execution_arn(self, run_id: str) -> str:
        return self.state_machine_arn.replace(":stateMachine:", ":execution:") + ":" + run_id


def _explain(error: Exception, doing: str) -> CouldNotRun:
    if isinstance(error, NoCredentialsError):
        return CouldNotRun("no AWS credentials found (set AWS_PROFILE, pass --profile, or configure credentials)")
    if isinstance(error, NoRegionError):
        return CouldNotRun("no AWS region set (pass --region or set AWS_REGION)")
    if isinstance(error, ClientError):
        code = error.response.get("Error", {}).get("Code", "")
        message = error.response.get("Error", {}).get("Message", str(error))
        if code in ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation"):
            return CouldNotRun(f"access denied while trying to {doing}: {message} (docs/aws.md: 'IAM for the CLI')")
        return CouldNotRun(f"could not {doing}: {code}: {message}")
    return CouldNotRun(f"could not {doing}: {error}")


def find_deployment(options: AwsOptions) -> Deployment:
    try:
        session = boto3.Session(profile_name=options.profile, region_name=options.region)
        stacks = session.client("cloudformation").describe_stacks(StackName=options.stack)["Stacks"]
    except ClientError as error:
        if "does not exist" in str(error):
            region = options.region or "the default region"
            raise CouldNotRun(f"stack {options.stack} not found in {region}: deploy it with `npx cdk deploy` "
                              f"or pass --stack/--region") from None
        raise _explain(error, f"describe the stack {options.stack}") from None
    except (BotoCoreError, boto3.exceptions.Boto3Error) as error:
        raise _explain(error, f"describe the stack {options.stack}") from None
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}
    missing = [k for k in ("StateMachineArn", "BucketName") if k not in outputs]
    if missing:
        raise CouldNotRun(f"stack {options.stack} has no output {', '.join(missing)}: is it a Squall stack?")
    deployed = outputs.get("StackFormat", "")
    if deployed != str(STACK_FORMAT):  # the stop flag, the key layout and the outputs this CLI relies on
        raise CouldNotRun(f"stack {options.stack} is of format {deployed or '1 (or older)'}, this CLI's is {STACK_FORMAT}: "
                          f"deploy this version (npx cdk deploy) or use the CLI the stack came from; "
                          f"`squall doctor --on aws` checks the rest")
    return Deployment(session, outputs["StateMachineArn"], outputs["BucketName"], outputs)


def start_run(deployment: Deployment, spec: Spec, run_id: str, seed: int, options: AwsOptions,
              document: dict[str, Any] | None = None, more_input: dict[str, Any] | None = None) -> str:
    """Upload the spec and start its execution. ``document``: the spec to run, when not ``spec``'s
    own (a region's part of a run across regions); ``more_input``: added to the execution's input."""
    spec_key = f"specs/runs/{run_id}.json"
    execution_input: dict[str, Any] = {"spec_key": spec_key, "run_id": run_id, "seed": seed, "engine": options.engine,
                                       **(more_input or {})}
    if spec.profile:  # already applied to the document uploaded: named, for the result and its baseline
        execution_input["profile"] = spec.profile
    for key, value in (("settle_s", options.settle_s), ("monitor_interval_s", options.monitor_interval_s),
                       ("start_margin_s", options.start_margin_s), ("workers", options.workers),
                       ("slice_s", options.slice_s)):
        if value is not None:
            execution_input[key] = value
    document = document if document is not None else spec_document(spec)
    if spec.locust is not None and spec.locust.inlined is None:  # the workers get the locustfile's folder
        try:
            document["locust"] = {**document["locust"], "file": Path(spec.locust.file).name,
                                  "inlined": pack(Path(spec.locust.file))}
        except FolderTooLarge as error:
            raise SpecRejected(f"{error}; nothing was started") from None
    try:
        deployment.store.put_json(spec_key, document)
        client = deployment.session.client("stepfunctions")
        return str(client.start_execution(stateMachineArn=deployment.state_machine_arn, name=run_id,
                                          input=json.dumps(execution_input))["executionArn"])
    except StoreError as error:
        raise CouldNotRun(str(error)) from None
    except (ClientError, BotoCoreError) as error:
        raise _explain(error, "start the execution") from None


WORKERS_LABEL = "Workers"  # the Workers Distributed Map's Label (infra/orchestration.py)


def current_state(client: Any, execution_arn: str) -> tuple[str, str]:
    """The state the execution is in (its newest history event), and how many workers are
    running: from the newest Map Run (ListMapRuns, then DescribeMapRun), however long the
    history has grown (a long run's Map Run started thousands of events ago)."""
    events = client.get_execution_history(executionArn=execution_arn, reverseOrder=True, maxResults=20)["events"]
    entered = [e for e in events if e.get("stateEnteredEventDetails")]
    # the newest by id, not the first listed: an emulator that ignores reverseOrder (moto answers the whole
    # history, oldest first) showed "[Plan]" for a whole rehearsal; on AWS the first listed is the newest
    state = str(max(entered, key=lambda e: int(e.get("id", 0)))["stateEnteredEventDetails"]["name"]) \
        if entered else "starting"
    workers = ""
    try:
        runs = client.list_map_runs(executionArn=execution_arn).get("mapRuns", [])
        # the slices' Workers maps (labelled so in their ARNs), never a wide slice's Gatherers map, which
        # started after them: before, a whole run showed "workers running 0, done 0"
        runs = [r for r in runs if f"/{WORKERS_LABEL}:" in str(r.get("mapRunArn", ""))] or runs
        if runs:
            newest = max(runs, key=lambda r: r.get("startDate") or 0)
            counts = client.describe_map_run(mapRunArn=newest["mapRunArn"])["itemCounts"]
            workers = f"workers running {counts.get('running', 0)}, done {counts.get('succeeded', 0)}" + \
                (f", failed {counts['failed']}" if counts.get("failed") else "")
    except (ClientError, BotoCoreError, KeyError):
        workers = ""
    return state, workers


def watch_run(deployment: Deployment, run_id: str, progress: Progress, poll_s: float = 2.0,
              stop_requested: Callable[[], int] = lambda: 0, live_server: LiveServer | None = None) -> dict[str, Any]:
    """Follow an execution to its end; return result.json. ``stop_requested`` counts Ctrl-Cs:
    1 sets the stop flag (graceful), 2 also stops the execution. ``live_server``: the live page
    and /metrics, drawn from the monitor's live.json; its Stop sets the stop flag."""
    client = deployment.session.client("stepfunctions")
    store = deployment.store
    arn = deployment.execution_arn(run_id)
    flagged = 0
    page = _WatchedPage(store, run_id, live_server) if live_server is not None else None
    try:
        while True:
            described = client.describe_execution(executionArn=arn)
            status = described["status"]
            if status != "RUNNING":
                break
            interrupts = stop_requested()
            if page is not None and page.server.stop_requested.is_set() and not flagged:
                interrupts = max(interrupts, 1)
                page.stopping = True
            if interrupts > flagged:
                flagged = interrupts
                stop_run(deployment, run_id, now=interrupts > 1)
                progress("stopping: workers finish within a second (Ctrl-C again stops the execution now)", True)
            state, workers = current_state(client, arn)
            live = read_live(store, run_id)
            progress(progress_line(state, workers, live), False)
            if page is not None:
                page.publish(live, f"{state}{' · ' + workers if workers else ''}")
            time.sleep(poll_s)
    except (ClientError, BotoCoreError) as error:
        raise _explain(error, f"watch the execution {run_id}") from None
    if store.exists(run_prefix(run_id) + "result.json"):
        result = dict(store.get_json(run_prefix(run_id) + "result.json"))
        if page is not None:
            page.finish(result)
        return result
    failure, cause = described.get("error", ""), described.get("cause", "")
    if "PlanRejected" in failure or "PlanRejected" in cause:
        raise SpecRejected(lambda_message(cause))
    raise CouldNotRun(f"execution {run_id} ended {status} without a result: {failure} {lambda_message(cause)}".strip())


class _WatchedPage:
    """The live page of a run on AWS: the monitor's live.json ("view") accumulated into a
    StoredView, the execution's state beside it; at the end the verdict and the HTML report
    (downloaded once, served from a temporary folder)."""

    def __init__(self, store: S3Store, run_id: str, server: LiveServer) -> None:
        self.store, self.run_id, self.server = store, run_id, server
        self.view: StoredView | None = None
        self.stopping = False
        self.elapsed_s = 0.0

    def _plan(self) -> StoredView | None:
        if self.view is None and self.store.exists(run_prefix(self.run_id) + "plan.json"):
            self.view = StoredView(RunPlan.from_dict(self.store.get_json(run_prefix(self.run_id) + "plan.json")))
        return self.view

    def publish(self, live: dict[str, Any] | None, detail: str, state: str | None = None,
                verdict: dict[str, Any] | None = None, report: Path | None = None) -> None:
        view = self._plan()
        if view is None:
            return
        if live and "view" in live:
            view.update(live["view"], self.store.uri(run_prefix(self.run_id) + "live.json"))
            self.elapsed_s = float(live["elapsed_s"]) + max(0.0, time.time() - float(live["updated_at_epoch_s"]))
        state = state or ("aborting" if live and live.get("aborted") else "stopping" if self.stopping else "running")
        snapshot = view.snapshot(self.elapsed_s, state)
        snapshot.update(name=view.plan.spec_name, detail=detail, verdict=verdict,
                        report=bool(report and report.is_file()))
        metrics = render_openmetrics(view.endpoints, view.health, view.users_now(self.elapsed_s), state)
        self.server.publish(snapshot, metrics, report)

    def finish(self, result: dict[str, Any]) -> None:
        report = None
        key = run_prefix(self.run_id) + "reports/report.html"
        try:
            if self.store.exists(key):
                folder = Path(tempfile.mkdtemp(prefix="squall-watch-"))
                atexit.register(shutil.rmtree, folder, True)
                report = folder / "report.html"
                report.write_bytes(self.store.get_bytes(key))
        except StoreError:
            report = None
        verdict = result["verdict"]
        self.publish(read_live(self.store, self.run_id), "finished", verdict["status"],
                     {"status": verdict["status"], "reasons": explanation(verdict)}, report)


def read_live(store: S3Store, run_id: str) -> dict[str, Any] | None:
    try:
        key = run_prefix(run_id) + "live.json"
        return dict(store.get_json(key)) if store.exists(key) else None
    except StoreError:
        return None


def lambda_message(cause: str) -> str:
    try:
        return str(json.loads(cause).get("errorMessage", cause))
    except (ValueError, AttributeError):
        return cause


def progress_line(state: str, workers: str, live: dict[str, Any] | None) -> str:
    workers = f" · {workers}" if workers else ""
    if not live:
        return f"[{state}]{workers} waiting for the first results"
    return (f"[{state}] {format_duration(max(0, int(live['elapsed_s'])))}{workers} · rate {live['rate_per_s']:,}/s"
            f" · p95 {live['p95_ms']:.1f} ms · requests {live['requests']:,} · errors {live['errors']:,}")


def stop_run(deployment: Deployment, run_id: str, now: bool = False) -> None:
    try:
        request_stop(deployment.store, run_id, b"stopped by squall stop\n")
        if now:
            deployment.session.client("stepfunctions").stop_execution(
                executionArn=deployment.execution_arn(run_id), error="Squall.Stopped", cause="squall stop --now")
    except StoreError as error:
        raise CouldNotRun(str(error)) from None
    except (ClientError, BotoCoreError) as error:
        raise _explain(error, f"stop {run_id}") from None


def list_runs(deployment: Deployment, limit: int = 20) -> list[dict[str, Any]]:
    client = deployment.session.client("s3")
    run_ids: list[str] = []
    try:
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=deployment.bucket, Prefix="runs/",
                                                                      Delimiter="/"):
            run_ids += [p["Prefix"].split("/")[1] for p in page.get("CommonPrefixes", [])]
    except (ClientError, BotoCoreError) as error:
        raise _explain(error, f"list runs in s3://{deployment.bucket}") from None
    rows = []
    store = deployment.store
    for run_id in run_ids:
        key = run_prefix(run_id) + "result.json"
        result = store.get_json(key) if store.exists(key) else None
        meta = store.get_json(run_prefix(run_id) + "meta.json") if store.exists(run_prefix(run_id) + "meta.json") \
            else {}
        rows.append({"run_id": run_id, "spec_name": meta.get("spec_name", "?"),
                     "started_at_epoch_s": meta.get("started_at_epoch_s", 0), "result": result})
    rows.sort(key=lambda r: r["started_at_epoch_s"], reverse=True)
    return rows[:limit]


def fetch_run(deployment: Deployment, run_id: str, destination: Path) -> list[Path]:
    store = deployment.store
    keys = [k for k in store.list(run_prefix(run_id)) if "/shards/" not in k and "/jobs/" not in k]
    if not keys:
        raise CouldNotRun(f"no run {run_id} in s3://{deployment.bucket}")
    written = []
    for key in keys:
        target = destination / run_id / key[len(run_prefix(run_id)):]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(store.get_bytes(key))
        written.append(target)
    return written
