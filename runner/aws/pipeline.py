"""The steps the AWS state machine runs, as plain functions of an event and a store: plan a
run, start a slice, watch a slice, collect. The Lambda handlers only build the adapters and
call these; tests call them directly too."""
from __future__ import annotations

import dataclasses
import json
import math
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import yaml

from analysis.abort import check_abort
from analysis.result import explanation
from analysis.stats import EndpointStats
from analysis.summary import render_summary
from runner.aws.concurrency import check_concurrency_headroom, runs_going_on
from runner.aws.target_report import Boto3TargetSource
from runner.collect_budget import REDUCE_GROUP_WORKERS, collect_problem, uses_reduce_tree
from runner.contract import COLLECT_MEMORY_MB
from runner.estimate import estimate_test_cost
from runner.guardrails import Guardrails, check_guardrails, spec_limit_problems
from runner.job import WorkerJob, job_key
from runner.plan import (
    FINAL_FLUSH_S,
    GATHER_LOOP_S,
    GATHER_TICK_S,
    START_MARGIN_S,
    MonitorCadence,
    PlanError,
    RunPlan,
    gather_group_workers,
    groups_of,
    make_plan,
    start_margin_for,
)
from runner.prepare import prepare_run, slice_manifest_key
from runner.results.collect import collect, reduce_group
from runner.results.gather import Group, gather_tick, group_done, resume
from runner.results.live import view_document
from runner.results.monitor_state import MonitorState, advance_slice, load_monitor_state, save_monitor_state
from runner.results.reports import write_reports
from runner.spec import Spec, SpecError, parse_spec
from runner.spec.validate import build_spec
from runner.spec.yamlsource import Source
from runner.store import Store, claim_key, request_stop, run_id_from, run_prefix, stop_key

DEFAULT_SETTLE_S = 180  # CloudWatch needs minutes before a run's last datapoints can be read
DEFAULT_MONITOR_INTERVAL_S = 10
STOP_WAIT_S = 20  # after the stop flag: a poll (1 s), a drain cut short, the final flush (10 s)
DRAIN_GRACE_S = 120.0  # how long after a slice's end the monitor waits for missing workers
# Slices hand over without a pause: each one's start instant is planned (the run's start plus its
# offset), and its StartSlice runs a while before its workers must be launched (a start margin
# before that instant), so the next slice's workers start as the last one's schedule ends.
PLAN_LEAD_S = 2.0  # from Plan to the first slice's StartSlice: a few state transitions
WAKE_EARLY_S = 10.0  # a later slice's StartSlice runs this long before its workers' launch


LAMBDA_ENGINES = ("fast", "httpx", "locust")  # what the Lambda bundle carries (aiohttp is for local comparisons)
MONITOR_INTERVAL_MIN_S = 5
HISTORY_EVENTS_MAX = 25_000  # a Standard execution's history limit
EVENTS_PER_TICK = 9  # Monitor task (5 events), RunDone? choice (2), MonitorInterval wait (2)
# WakeUp, StartSlice, Launch, the Slice parallel, the Workers and Gatherers Distributed Maps (their
# children's events are in the children's own histories), the Reduce map
EVENTS_PER_SLICE = 50
EVENTS_PER_REDUCE_GROUP = 9  # a Reduce iteration (2) and its MergeGroup task (5), with slack
EVENTS_FIXED = 40  # Plan, Duplicate?, Settle, Collect, Verdict?, the end


def history_events(duration_s: float, slices: int, interval_s: float, per_slice_overhead_s: float,
                   reduce_groups_per_slice: int = 0) -> int:
    """How many history events an execution of this shape writes (the monitor loop dominates)."""
    ticks = math.ceil((duration_s + slices * per_slice_overhead_s) / interval_s) + slices
    return ticks * EVENTS_PER_TICK + slices * (EVENTS_PER_SLICE + reduce_groups_per_slice * EVENTS_PER_REDUCE_GROUP) \
        + EVENTS_FIXED


def monitor_interval_problem(duration_s: float, slices: int, interval_s: float,
                             per_slice_overhead_s: float, reduce_groups_per_slice: int = 0) -> str | None:
    if interval_s < MONITOR_INTERVAL_MIN_S:
        return (f"monitor_interval_s must be at least {MONITOR_INTERVAL_MIN_S} s (each tick is a Lambda invocation "
                f"and 9 history events), got {interval_s:g}")
    events = history_events(duration_s, slices, interval_s, per_slice_overhead_s, reduce_groups_per_slice)
    if events > HISTORY_EVENTS_MAX // 2:
        needed = next((i for i in range(int(interval_s), 3601)
                       if history_events(duration_s, slices, i, per_slice_overhead_s,
                                         reduce_groups_per_slice) <= HISTORY_EVENTS_MAX // 2), None)
        advice = f"use monitor_interval_s {needed} or more" if needed else "split it into shorter runs"
        return (f"a monitor tick every {interval_s:g} s makes about {events:,} history events for this run, too close "
                f"to Step Functions' limit of {HISTORY_EVENTS_MAX:,}: {advice}")
    return None


# What collect hands the state machine stays far below its 256 KiB payload limit, however many
# workers went missing: at most 30,000 + 2 × 20 × 2,000 characters; result.json keeps everything.
CAUSE_MAX_CHARS = 30_000
REASONS_MAX, REASON_MAX_CHARS = 20, 2_000


class PlanRejected(Exception):
    """The spec or the guardrails refuse this run; the message says every reason."""
    expected = True  # a refusal, not a failure: the rehearsal prints no traceback for it


def load_execution_spec(execution_input: dict[str, Any], store: Store, bucket: str) -> Spec:
    """The run's spec: given whole, or a key in the bucket. ``profile``: a load profile applied to a
    YAML spec there (a schedule's), or the name of the one already applied to a document the CLI
    uploaded (so the result and the baseline know it)."""
    profile = str(execution_input.get("profile") or "") or None
    if "spec" in execution_input:
        source = Source("execution input: spec", execution_input["spec"])
        return _named(build_spec(source, base_dir=None), profile)
    if "spec_key" in execution_input:
        key = str(execution_input["spec_key"])
        text = store.get_bytes(key).decode("utf-8")
        if key.endswith(".json"):
            return _named(build_spec(Source(f"s3://{bucket}/{key}", yaml.safe_load(text)), base_dir=None), profile)
        return parse_spec(text, f"s3://{bucket}/{key}", read_files=False, profile=profile)
    raise PlanRejected('the execution input needs "spec" (the spec itself) or "spec_key" (a key in the bucket), '
                       'e.g. {"spec_key": "specs/launch.yaml"}')


def _named(spec: Spec, profile: str | None) -> Spec:
    return dataclasses.replace(spec, profile=profile) if profile else spec


@dataclass(frozen=True)
class PlannedRun:
    """What Plan settled for a run on AWS, before it is checked against the account and written."""

    run_id: str
    spec: Spec
    plan: RunPlan
    engine: str
    start_margin_s: float
    monitor_interval_s: float
    gather_size: int  # workers per gatherer
    group_size: int  # workers per reduce group
    tree: bool  # collect as a reduce tree

    @property
    def gatherers(self) -> int:
        return len(groups_of(self.plan.workers, self.gather_size))


def plan_run(event: dict[str, Any], store: Store, bucket: str, guardrails: Guardrails,
             now_epoch_s: float, lambda_client: Any = None, stepfunctions: Any = None) -> dict[str, Any]:
    execution_input = event.get("input") or {}
    run_id = run_id_from(str(execution_input.get("run_id") or event.get("execution_name") or secrets.token_hex(6)))
    if store.exists(run_prefix(run_id) + "meta.json"):
        # EventBridge Scheduler delivers at least once: a schedule's run id is its scheduled time,
        # so a second delivery of the same run finds it planned and ends at once, green.
        return {"run_id": run_id, "duplicate": True}
    try:
        run = _planned(run_id, execution_input, store, bucket)
        problems = _plan_problems(run, guardrails)
        if lambda_client is not None and not problems:
            shortfall = _headroom_problem(run, store, str(event.get("execution_name", "")), lambda_client,
                                          stepfunctions)
            problems += [shortfall] if shortfall else []
        if problems:
            raise PlanRejected("; ".join(problems))
    except PlanRejected:
        if lambda_client is not None:  # on AWS: the runs that started after this one need not wait for its claim
            store.put_json(claim_key(run_id), {"workers_at_once": 0, "execution": event.get("execution_name")})
        raise
    spec, plan = run.spec, run.plan
    cadence = MonitorCadence.for_run(bool(spec.abort_rules), run.monitor_interval_s)
    meta = {"run_id": run_id, "spec_name": spec.name, "spec_file": spec.file, "target_url": spec.target.base_url,
            "profile": spec.profile, "backend": "aws", "engine": run.engine, "started_at_epoch_s": now_epoch_s,
            "workers": plan.workers, "monitor_interval_s": run.monitor_interval_s,
            "gatherers": run.gatherers,  # per slice
            # A scheduled run that cannot be judged must not stay green: INCONCLUSIVE fails the execution
            # unless the input says {"inconclusive_fails": false}.
            "inconclusive_fails": bool(execution_input.get("inconclusive_fails", True))}
    if execution_input.get("part_of"):  # one region's part of a run across regions (runner.aws.regions)
        meta["part_of"] = execution_input["part_of"]
    # Two deliveries of one schedule can both pass the check above; the conditional write of meta.json
    # lets exactly one of them plan the run (If-None-Match on S3): the other ends as a duplicate.
    if not store.create_bytes(run_prefix(run_id) + "meta.json", json.dumps(meta, indent=1).encode()):
        return {"run_id": run_id, "duplicate": True}
    slices = prepare_run(store, spec, plan, meta, str(meta["engine"]),
                         float(execution_input.get("flush_interval_s", cadence.flush_s)), None, sliced=True,
                         hosts=guardrails.hosts)
    return {
        "run_id": run_id, "duplicate": False, "bucket": bucket, "workers": plan.workers,
        # CloudWatch's datapoints are waited for only when the spec watches the target's AWS resources
        "settle_s": int(execution_input.get("settle_s", DEFAULT_SETTLE_S if spec.aws is not None else 0)),
        "stop_wait_s": int(execution_input.get("stop_wait_s", STOP_WAIT_S)),
        "monitor_interval_s": int(run.monitor_interval_s),
        "slices": [_slice_item(run, s, _run_start(execution_input, now_epoch_s, run.start_margin_s)) for s in slices],
    }


def _run_start(execution_input: dict[str, Any], now_epoch_s: float, start_margin_s: float) -> float:
    """When the first slice starts: a start margin from now, or the instant a run across regions
    agreed for every region's part when that is later (a Plan that comes after it starts as soon
    as it can: the slice's gap is measured and named, as for any late slice)."""
    soonest = now_epoch_s + start_margin_s + PLAN_LEAD_S
    agreed = execution_input.get("start_at_epoch_s")
    return max(soonest, float(agreed)) if agreed is not None else soonest


def _planned(run_id: str, execution_input: dict[str, Any], store: Store, bucket: str) -> PlannedRun:
    """The spec read and planned from the execution's input; refused (PlanRejected) when it is
    invalid or cannot be planned."""
    try:
        spec = load_execution_spec(execution_input, store, bucket)
    except SpecError as error:
        raise PlanRejected("invalid spec:\n" + "\n".join(str(p) for p in error.problems)) from None
    seed = int(execution_input.get("seed", secrets.randbelow(1 << 31)))
    workers = execution_input.get("workers")
    slice_s = float(execution_input["slice_s"]) if execution_input.get("slice_s") else None
    try:
        plan = make_plan(spec, run_id, seed, workers=int(workers) if workers else None, slice_s=slice_s)
        start_margin_s = float(execution_input.get("start_margin_s", start_margin_for(plan.workers)))
        plan = make_plan(spec, run_id, seed, workers=plan.workers, slice_s=slice_s, start_margin_s=start_margin_s)
    except PlanError as error:
        raise PlanRejected(str(error)) from None
    return PlannedRun(run_id, spec, plan, str(execution_input.get("engine", "fast")), start_margin_s,
                      float(execution_input.get("monitor_interval_s", DEFAULT_MONITOR_INTERVAL_S)),
                      gather_group_workers(plan.workers, execution_input.get("gather_group_workers")),
                      int(execution_input.get("reduce_group_workers", REDUCE_GROUP_WORKERS)),
                      uses_reduce_tree(plan.workers, len(plan.slices)) or "reduce_group_workers" in execution_input)


def _plan_problems(run: PlannedRun, guardrails: Guardrails) -> list[str]:
    """Every reason to refuse the run before anything starts: the guardrails and the spec's limits,
    the engine, Step Functions' history, collect's time and memory, then the cost limit."""
    spec, plan, engine = run.spec, run.plan, run.engine
    problems = check_guardrails(guardrails, spec.target.base_url, plan) + spec_limit_problems(spec, plan)
    if spec.regions:  # a region's part never names regions (runner.spec.regions): this is a whole run
        problems.append(f"the spec sends its load from {' and '.join(r for r, _ in spec.regions)}: start it with "
                        "`squall run SPEC --on aws` (or the console), which runs each region's part in its region "
                        "and joins them; a schedule or this console starts a run from one region")
    if engine not in LAMBDA_ENGINES:
        problems.append(f"the {engine} engine does not run on AWS (the Lambda bundle carries {', '.join(LAMBDA_ENGINES)})")
    if (engine == "locust") != (spec.locust is not None):
        problems.append("the locust engine runs locustfiles, and a locustfile runs on it (`squall run locustfile.py`)")
    interval_problem = monitor_interval_problem(plan.duration_s, len(plan.slices), run.monitor_interval_s,
                                                run.start_margin_s + spec.limits.drain_s + FINAL_FLUSH_S,
                                                len(groups_of(plan.workers, run.group_size)) if run.tree else 0)
    too_big = collect_problem(plan.workers, [s.duration_s for s in plan.slices], run.group_size, run.tree,
                              float(os.environ.get("SQUALL_COLLECT_MEMORY_MB", COLLECT_MEMORY_MB)))
    problems += [p for p in (interval_problem, too_big) if p]
    if not problems:
        estimate = estimate_test_cost(spec, plan, "aws", monitor_interval_s=run.monitor_interval_s,
                                      gatherers=run.gatherers)
        if spec.limits.max_cost_usd is not None and estimate.total_usd > spec.limits.max_cost_usd:
            problems.append(f"the estimated cost of this run, ${estimate.total_usd:.4f}, is over limits.max_cost_usd "
                            f"${spec.limits.max_cost_usd:g}")
    return problems


def _headroom_problem(run: PlannedRun, store: Store, execution_name: str, lambda_client: Any,
                      stepfunctions: Any) -> str | None:
    """Whether the account's concurrency holds the run beside the runs that started before it. The
    run claims what it needs first (the runs that start later count it from the claim); plan_run
    gives the claim back when the run is refused."""
    plan = run.plan
    at_once = plan.workers * (2 if len(plan.slices) > 1 else 1)
    store.put_json(claim_key(run.run_id), {"workers_at_once": at_once, "execution": execution_name})
    machine = os.environ.get("SQUALL_STATE_MACHINE_ARN")
    others = runs_going_on(stepfunctions, machine, execution_name, store) if stepfunctions is not None and machine \
        else []
    shortfall = check_concurrency_headroom(lambda_client, plan.workers, handover=len(plan.slices) > 1,
                                           gatherers=run.gatherers,
                                           monitor_reserved=int(os.environ.get("SQUALL_MONITOR_RESERVED", "0")),
                                           worker_reserved=int(os.environ.get("SQUALL_WORKER_RESERVED", "0")),
                                           others=others,
                                           concurrent_runs=int(os.environ.get("SQUALL_CONCURRENT_RUNS", "1")))
    return shortfall


def _slice_item(run: PlannedRun, s: Any, run_start_at: float) -> dict[str, Any]:
    """A slice as the state machine's Slices map gets it: its jobs, its timing, and the groups of
    collect's reduce tree (merged as soon as the slice's workers are done) and of the monitor's
    gatherers (none for a slice it reads worker by worker)."""
    workers = run.plan.workers
    return {"index": s.index, "items_key": slice_manifest_key(run.run_id, s.index), "workers": workers,
            "offset_s": s.offset_s, "duration_s": s.duration_s,
            "start_margin_s": run.start_margin_s, "start_at": run_start_at + s.offset_s,
            "wake_at": timestamp(run_start_at + s.offset_s - run.start_margin_s - (WAKE_EARLY_S if s.index else 0)),
            "groups": [{"slice": s.index, "first_worker": first, "workers": count}
                       for first, count in groups_of(workers, run.group_size)] if run.tree else [],
            "gather": [{"slice": s.index, "first_worker": first, "workers": count}
                       for first, count in groups_of(workers, run.gather_size)]}


def timestamp(epoch_s: float) -> str:
    """A Wait state's timestamp (whole seconds, rounded down: a wait ends early, never late)."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(math.floor(epoch_s)))


def start_slice(event: dict[str, Any], now_epoch_s: float, store: Store | None = None) -> dict[str, Any]:
    """The instant every worker of the slice starts its schedule: the planned one (the previous
    slice's end), or a start margin from now when the state machine came too late for it (the gap
    is then measured and named). Recorded so the monitor and the report know each slice's real
    start; ``launch_at``: when the Map must start the workers. ``stopped``: the run's stop flag is
    set (a user's stop or an abort in an earlier slice): the slice is skipped."""
    slice_ = event.get("slice") or {}
    margin_s = float(slice_.get("start_margin_s", START_MARGIN_S))
    planned = slice_.get("start_at")
    start_at = max(float(planned), now_epoch_s + margin_s) if planned is not None else now_epoch_s + margin_s
    timing = {"start_at": start_at, "launch_at": timestamp(start_at - margin_s), "stopped": False}
    if store is not None and "run_id" in event and store.exists(stop_key(str(event["run_id"]))):
        return {**timing, "stopped": True}  # stopped or aborted in an earlier slice: this one is skipped
    if store is not None and "run_id" in event and "index" in slice_:
        store.put_json(f"{run_prefix(str(event['run_id']))}slices/{slice_['index']}.start.json",
                       {"start_at_epoch_s": start_at, "offset_s": slice_.get("offset_s", 0.0),
                        "duration_s": slice_.get("duration_s", 0.0),
                        "planned_start_at_epoch_s": None if planned is None else float(planned)})
    return timing


def abandon_run(event: dict[str, Any], store: Store, now_epoch_s: float) -> dict[str, Any]:
    """The state machine's catch around the slices: something failed for good (the monitor, a
    slice's start). Record why, and set the stop flag unless there is one already, so workers
    still running stop within a poll instead of loading the target until their slice ends."""
    run_id = str(event["run_id"])
    failure = event.get("failure") or {}
    record = {"error": str(failure.get("Error", "error")), "cause": str(failure.get("Cause", ""))[:20000],
              "at_epoch_s": now_epoch_s}
    store.put_json(run_prefix(run_id) + "failure.json", record)
    if not store.exists(stop_key(run_id)):
        request_stop(store, run_id, json.dumps({"kind": "failure", "reason": record["error"]}).encode())
    return {"run_id": run_id, "stop_wait_s": int(event.get("stop_wait_s", STOP_WAIT_S))}


def monitor_run(event: dict[str, Any], store: Store, clock: Callable[[], float],
                sleep: Callable[[float], None]) -> tuple[dict[str, Any], dict[str, Any]]:
    """One Monitor invocation: a tick, or with abort rules a tick every second for the monitor
    interval (runner.plan.MonitorCadence). The decision says how long the state machine waits
    before the next invocation (``wait_s``: what is left of the interval)."""
    began_s = clock()
    interval_s = float(event.get("monitor_interval_s", DEFAULT_MONITOR_INTERVAL_S))
    job = WorkerJob.from_dict(store.get_json(job_key(str(event["run_id"]), 0)))
    spec = job.load_spec()
    cadence = MonitorCadence.for_run(bool(spec.abort_rules), interval_s)
    ticks = 0
    while True:
        decision, live = watch_run(event, store, clock(), job, spec)
        ticks += 1
        next_tick_s = began_s + ticks * cadence.tick_s
        if decision["done"] or next_tick_s - began_s >= cadence.loop_s:
            break
        sleep(max(0.0, next_tick_s - clock()))
    decision["wait_s"] = max(0, round(interval_s - (clock() - began_s))) if cadence.loop_s else int(interval_s)
    return decision, live


def _record_starts(store: Store, run_id: str, slices: list[dict[str, Any]], progress: MonitorState,
                   now_epoch_s: float) -> None:
    """Each slice's real start, once its StartSlice has recorded it (slices start in order)."""
    for slice_ in slices:
        index = int(slice_["index"])
        if index in progress.starts:
            continue
        key = f"{run_prefix(run_id)}slices/{index}.start.json"
        if now_epoch_s < float(slice_.get("start_at", 0.0)) - float(slice_.get("start_margin_s", 0.0)) - \
                WAKE_EARLY_S - 5 or not store.exists(key):
            return
        progress.starts[index] = float(store.get_json(key)["start_at_epoch_s"])


def watch_run(event: dict[str, Any], store: Store, now_epoch_s: float, job: WorkerJob | None = None,
              spec: Spec | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """One monitor tick for the whole run: read the shards written since the last tick, in every
    slice that is running (two at a handover: the next one's first seconds, the last one's drain),
    into the run's stored progress (runner.results.monitor_state), write live.json, judge the abort
    rules on the last complete second. Returns (the decision for the state machine, the live
    stats). Done when every slice has finished (its workers all wrote their final shard, or are
    given up on a grace period after its end) or, once the run is stopped, was never started."""
    run_id, slices = str(event["run_id"]), list(event["slices"])
    job = job or WorkerJob.from_dict(store.get_json(job_key(run_id, 0)))
    spec = spec or job.load_spec()
    progress = load_monitor_state(store, run_id)
    _record_starts(store, run_id, slices, progress, now_epoch_s)
    started = [s for s in slices if int(s["index"]) in progress.starts]
    current, elapsed_s = _current_slice(slices, started, progress, now_epoch_s)
    # a second whose shards have all arrived: a flush interval after its end, and a second for the PUTs
    # (and with gatherers, their tick and their own PUT)
    gathering = any(s.get("gather") for s in slices)
    complete_second = math.floor(elapsed_s - job.flush_interval_s - 1.0 - (GATHER_TICK_S + 1.0 if gathering else 0.0))
    keep_from = int(elapsed_s - max((rule.for_s for rule in spec.abort_rules), default=0.0) - 30)

    def finished(slice_: dict[str, Any]) -> bool:
        index = int(slice_["index"])
        return progress.cursor(index).finished() >= int(slice_["workers"]) or \
            now_epoch_s > progress.starts[index] + float(slice_["duration_s"]) + DRAIN_GRACE_S

    new_shards, running = _advance(store, run_id, progress, [s for s in started if not finished(s)], keep_from)
    progress.forget_before(keep_from)
    finished_here = progress.cursor(int(current["index"])).finished()
    live = {
        "run_id": run_id, "spec_name": spec.name, "slice": current["index"],
        "elapsed_s": round(elapsed_s, 1), "requests": progress.requests, "errors": progress.errors,
        **_second_figures(progress, complete_second),
        "workers_running": running, "workers_finished": finished_here, "workers": current["workers"],
        "rejected_shards": progress.rejected, "shards_read_this_tick": new_shards, "updated_at_epoch_s": now_epoch_s,
        "view": view_document(progress.recent, complete_second, progress.endpoints, progress.health, spec.thresholds,
                              elapsed_s),
    }
    _judge_abort_rules(store, run_id, spec, progress, complete_second, slices, live)
    save_monitor_state(store, run_id, progress)
    store.put_json(run_prefix(run_id) + "live.json", live)
    every_started_done = all(finished(s) for s in started)
    # a slice not started yet: the run goes on, unless it is stopped (its later slices are skipped)
    done = every_started_done and (len(started) == len(slices) or store.exists(stop_key(run_id)))
    return {"done": bool(done), "workers_finished": finished_here}, live


def _current_slice(slices: list[dict[str, Any]], started: list[dict[str, Any]], progress: MonitorState,
                   now_epoch_s: float) -> tuple[dict[str, Any], float]:
    """The slice whose load is going on now (the newest started; the first before any has), and
    the run's elapsed seconds on its clock."""
    current = next((s for s in reversed(started) if progress.starts[int(s["index"])] <= now_epoch_s),
                   started[0] if started else slices[0])
    current_start = progress.starts.get(int(current["index"]), float(current.get("start_at", now_epoch_s)))
    return current, now_epoch_s - current_start + float(current["offset_s"])


def _judge_abort_rules(store: Store, run_id: str, spec: Spec, progress: MonitorState, second: int,
                       slices: list[dict[str, Any]], live: dict[str, Any]) -> None:
    """The abort rules on the last complete second: a breach stops every worker, once, and the live
    figures say why."""
    decision = check_abort(spec.abort_rules, progress.recent, second) if spec.abort_rules else None
    if decision is not None and not store.exists(stop_key(run_id)):
        request_stop(store, run_id, json.dumps({"kind": "abort", **decision.to_dict()}).encode(),
                     workers=max(int(s["workers"]) for s in slices))
        live["aborted"] = decision.describe()


def _advance(store: Store, run_id: str, progress: MonitorState, running_slices: list[dict[str, Any]],
             keep_from: int) -> tuple[int, int]:
    """Read the new shards of each slice still running into the progress: (shards read, workers
    still running)."""
    new_shards = running = 0
    for slice_ in running_slices:
        new_shards += advance_slice(store, run_id, progress, int(slice_["index"]), int(slice_["workers"]), keep_from,
                                    [(int(g["first_worker"]), int(g["workers"])) for g in slice_.get("gather", [])])
        cursor = progress.cursor(int(slice_["index"]))
        running += len(set(cursor.last_seq) - cursor.final - cursor.failed)
    return new_shards, running


def _second_figures(progress: MonitorState, second: int) -> dict[str, Any]:
    """The live figures of the last complete second: its rate, p95, p99 and error rate."""
    recent = progress.recent.get(second)
    merged = EndpointStats()
    for stats in (recent.endpoints.values() if recent else ()):
        merged.merge(stats)
    return {"rate_per_s": merged.requests, "p95_ms": round(merged.latency.percentile_us(95) / 1000, 2),
            "p99_ms": round(merged.latency.percentile_us(99) / 1000, 2),
            "error_rate": merged.error_count / merged.requests if merged.requests else 0.0}


def gather_run(event: dict[str, Any], store: Store, clock: Callable[[], float],
               sleep: Callable[[float], None]) -> dict[str, Any]:
    """One gatherer invocation: a tick a second for up to GATHER_LOOP_S, each merging the group's
    new shards into one gathered object. Done when every worker of the group has finished (or
    failed for good), or a drain grace after the slice's end; the state machine invokes it again
    until then, handing over ``next_seq``."""
    run_id, spec = str(event["run_id"]), event["group"]
    group = Group(int(spec["slice"]), int(spec["first_worker"]), int(spec["workers"]))
    give_up_at = float(event["start_at"]) + float(event["duration_s"]) + DRAIN_GRACE_S
    last, seq = resume(store, run_id, group, int(event.get("next_seq", 0)))
    began_s, ticks = clock(), 0
    while True:
        written = gather_tick(store, run_id, group, last, seq)
        if written is not None:
            last, seq = written, seq + 1
        ticks += 1
        done = group_done(store, run_id, group, last) or clock() > give_up_at
        next_tick_s = began_s + ticks * GATHER_TICK_S
        if done or next_tick_s - began_s >= GATHER_LOOP_S:
            return {"done": done, "next_seq": seq}
        sleep(max(0.0, next_tick_s - clock()))


def reduce_run(event: dict[str, Any], store: Store) -> dict[str, Any]:
    """One branch of collect's reduce tree: a group of one slice's workers merged into a partial."""
    group = event["group"]
    partial = reduce_group(store, str(event["run_id"]), int(group["slice"]), int(group["first_worker"]),
                           int(group["workers"]))
    return {"slice": partial.slice_index, "first_worker": partial.first_worker, "objects": partial.objects}


def collect_run(event: dict[str, Any], store: Store) -> dict[str, Any]:
    run_id = str(event["run_id"])
    result = collect(store, run_id, target_source=Boto3TargetSource(),
                     worker_memory_mb=int(os.environ.get("SQUALL_WORKER_MEMORY_MB", "1769")),
                     architecture=os.environ.get("SQUALL_ARCHITECTURE", "arm64"),
                     region=os.environ.get("AWS_REGION", "us-east-1"))  # Lambda's own region: its prices
    report_key = run_prefix(run_id) + "report.txt"
    store.put_bytes(report_key, render_summary(result).encode())
    reports = write_reports(store, result)
    verdict = result["verdict"]
    cause = f"{verdict['status']}: " + "; ".join(explanation(verdict))  # the deciding reason first
    fails = verdict["status"] in ("FAIL", "ABORTED") or (
        verdict["status"] == "INCONCLUSIVE" and bool(result.get("inconclusive_fails", True)))
    return {
        "run_id": run_id, "status": verdict["status"], "cause": _clip(cause, CAUSE_MAX_CHARS),
        "fails_execution": fails,
        "reasons": [_clip(r, REASON_MAX_CHARS) for r in verdict["reasons"][:REASONS_MAX]],
        "generator_problems": [_clip(p, REASON_MAX_CHARS) for p in verdict["generator_problems"][:REASONS_MAX]],
        "requests": result["overall"]["requests"], "error_rate": result["overall"]["error_rate"],
        "p95_ms": result["overall"]["latency"]["p95_ms"],
        "result_uri": store.uri(run_prefix(run_id) + "result.json"), "report_uri": store.uri(report_key),
        "html_report_uri": reports["report.html"],
    }


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 40] + " … (cut: the whole text is in result.json)"


def now() -> float:
    return time.time()
