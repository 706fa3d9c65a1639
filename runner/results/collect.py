"""Collect a run: read its shards from the store, merge, pull the target's metrics when the
spec watches AWS resources, judge, price, and write ``result.json``. Malformed shards are set
aside with their key named; they never poison the merge."""
from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from analysis.advice import advise
from analysis.cost import RunShape, gatherer_shape, run_cost, stored_bytes_of, target_cost
from analysis.endpoints import OTHER_ENDPOINTS, fold_endpoints, folding_warning
from analysis.merge import MergedRun, merge_shards
from analysis.partial import Partial, fold_partial, partial_of
from analysis.result import build_result, summary_row
from analysis.shard import Shard, delta_key_parts, snapshot_key_parts
from analysis.target_summary import cross_check, resource_totals, target_usage
from analysis.verdict import judge
from runner.collect_budget import merge_seconds
from runner.job import WorkerJob, job_key
from runner.plan import (
    GATHER_LOOP_S,
    MonitorCadence,
    RunPlan,
    planned_users_per_second,
    start_margin_for,
    target_rate_per_second,
)
from runner.results.baseline import load_baseline
from runner.results.target import TargetReport, TargetSource
from runner.spec import Spec
from runner.store import (
    Store,
    StoreError,
    failure_keys,
    fetch_parallel,
    read_gzipped_json,
    read_parallel,
    run_prefix,
    shard_keys,
)


@dataclass
class ShardsRead:
    """What collect read of a run, besides the merge itself."""
    rejected: list[str] = field(default_factory=list)
    ends: dict[int, float] = field(default_factory=dict)  # slice -> its last worker's real end (epoch s)
    objects: int = 0  # shard objects read (snapshots and deltas)


def run_shards(store: Store, run_id: str, plan: RunPlan, read: ShardsRead,
               wanted: Callable[[int, int], bool] = lambda slice_index, worker: True) -> Iterator[Shard]:
    """Every worker's results, one object per worker and slice where it can: its snapshot;
    its delta shards only when it left no readable snapshot (it crashed, or the snapshot was
    lost). Fetched in parallel and handed out as they arrive, so a merge holds only a few.
    ``wanted``: the (slice, worker) pairs to read (a group's, or those no partial merge covers)."""
    covered: set[tuple[int, int]] = set()
    snapshots = [k for k in store.list(run_prefix(run_id) + "snapshots/") if k.endswith(".json.gz")
                 and (where := snapshot_key_parts(k)) is not None and wanted(*where)]
    for shard in _noted(read_parallel(store, snapshots, read.rejected), read):
        if shard.covers is None:
            read.rejected.append(f"{run_prefix(run_id)}{shard.key}: a delta shard where a snapshot belongs")
            continue
        covered.add((shard.slice_index, shard.worker_index))
        yield shard
    for slice_index in sorted({s.index for s in plan.slices} | {0}):
        if all((slice_index, w) in covered or not wanted(slice_index, w) for w in range(plan.workers)):
            continue
        yield from _noted(read_parallel(store, _deltas_wanted(store, run_id, slice_index, covered, wanted),
                                        read.rejected), read)


def _deltas_wanted(store: Store, run_id: str, slice_index: int, covered: set[tuple[int, int]],
                   wanted: Callable[[int, int], bool]) -> list[str]:
    """The slice's delta shard keys of the wanted workers no snapshot covers."""
    return [k for k in shard_keys(store, run_id, slice_index)
            if (delta := delta_key_parts(k)) is not None and (delta[0], delta[2]) not in covered
            and wanted(delta[0], delta[2])]


def _noted(shards: Iterator[Shard], read: ShardsRead) -> Iterator[Shard]:
    """The shards as they come, counted, with each slice's last worker's real end noted."""
    for shard in shards:
        read.objects += 1
        if shard.final and shard.ended_at_epoch_s is not None:
            read.ends[shard.slice_index] = max(read.ends.get(shard.slice_index, 0.0), shard.ended_at_epoch_s)
        yield shard


def partial_key(run_id: str, slice_index: int, first_worker: int) -> str:
    return f"{run_prefix(run_id)}partials/{slice_index}/{first_worker:05d}.json.gz"


def reduce_group(store: Store, run_id: str, slice_index: int, first_worker: int, worker_count: int) -> Partial:
    """One branch of collect's reduce tree: a group of one slice's workers merged into one object
    (``partials/<slice>/<first worker>``), read by the final merge in their workers' place."""
    plan = RunPlan.from_dict(store.get_json(run_prefix(run_id) + "plan.json"))
    group = range(first_worker, first_worker + worker_count)
    read = ShardsRead()
    run = merge_shards(run_shards(store, run_id, plan, read, lambda s, w: s == slice_index and w in group))
    partial = partial_of(run, slice_index, first_worker, worker_count, read.ends.get(slice_index), read.objects,
                         read.rejected)
    store.put_bytes(partial_key(run_id, slice_index, first_worker),
                    gzip.compress(json.dumps(partial.to_dict(), separators=(",", ":")).encode(), compresslevel=5))
    return partial


def read_partials(store: Store, run_id: str, read: ShardsRead) -> list[Partial]:
    """The partial merges the reduce step wrote; one that cannot be read is left out (its workers'
    shards are read instead), never trusted."""
    keys = [k for k in store.list(run_prefix(run_id) + "partials/") if k.endswith(".json.gz")]
    left_out: list[str] = []
    # read at once (260 of them at 1,000 workers x 6 h, 20 ms a GET on S3), in key order again after
    partials = sorted(fetch_parallel(store, keys, left_out, _read_partial, threads=8),
                      key=lambda p: (p.slice_index, p.first_worker))
    for partial in partials:
        read.objects += partial.objects + 1
        read.rejected += partial.rejected
        if partial.ended_at_epoch_s is not None:
            read.ends[partial.slice_index] = max(read.ends.get(partial.slice_index, 0.0), partial.ended_at_epoch_s)
    return partials


def _read_partial(store: Store, key: str) -> Partial:
    try:
        return Partial.from_dict(read_gzipped_json(store, key, "partial merge"), key)
    except StoreError as error:
        raise ValueError(f"{key}: {error}") from None


def read_all_shards(store: Store, run_id: str) -> tuple[list[Shard], list[str]]:
    """Every delta shard of a run (a short local run's live view; tests)."""
    rejected: list[str] = []
    return list(read_parallel(store, shard_keys(store, run_id), rejected)), rejected


def slice_timing(store: Store, run_id: str, plan: RunPlan, ends: dict[int, float]) -> list[dict[str, Any]]:
    """Each time slice: planned boundaries, real start, real end (its last worker's end of drain,
    from the final shards), and the gap in the schedule before it: its start less the previous
    slice's scheduled end (0 when slices hand over on time; the seconds without load otherwise)."""
    rows: list[dict[str, Any]] = []
    previous_end: float | None = None
    for slice_ in plan.slices:
        key = f"{run_prefix(run_id)}slices/{slice_.index}.start.json"
        started = float(store.get_json(key)["start_at_epoch_s"]) if store.exists(key) else None
        gap = started - previous_end if started is not None and previous_end is not None else None
        rows.append({"index": slice_.index, "offset_s": slice_.offset_s, "duration_s": slice_.duration_s,
                     "started_at_epoch_s": started, "ended_at_epoch_s": ends.get(slice_.index),
                     "gap_s": None if gap is None else round(gap, 3)})
        previous_end = started + slice_.duration_s if started is not None else None
    return rows


def abort_reason(flag: bytes) -> str | None:
    """The stop flag holds an abort decision (JSON) when an abort rule set it; plain text otherwise."""
    try:
        decision = json.loads(flag)
    except ValueError:
        return None
    return str(decision["reason"]) if isinstance(decision, dict) and decision.get("kind") == "abort" else None


def metric_window_of(store: Store, run_id: str, started_at_epoch_s: float, measured_s: float,
                     ends: dict[int, float]) -> tuple[float, float]:
    """The target's metrics window: from the first slice's real start (its first arrival) to the
    last worker's real end when the shards say so; else from the run's start for its length."""
    key = f"{run_prefix(run_id)}slices/0.start.json"
    start = float(store.get_json(key)["start_at_epoch_s"]) if store.exists(key) else started_at_epoch_s
    end = max(ends.values()) if ends else start + measured_s
    return start, max(end, start + 1.0)


def _error_message(cause: str) -> str:
    """A Step Functions error's cause: a function error's is its JSON payload (errorMessage), an
    API error's plain text."""
    try:
        return str(json.loads(cause).get("errorMessage", cause))
    except (ValueError, AttributeError):
        return cause


def failure_reason(failure: Any) -> str:
    """failure.json, written when the run's orchestration failed (the state machine's catch)."""
    error = str(failure.get("error") or "error") if isinstance(failure, dict) else "error"
    cause = _error_message(str(failure.get("cause") or "") if isinstance(failure, dict) else "")
    return (f"the run could not finish: {error}: {cause[:1000]} (the stop flag was set, so workers stopped; "
            f"what they measured is kept)")


# What Lambda's errors mean for a worker, as the state machine's catch records them
LAMBDA_ERRORS = {
    "Lambda.TooManyRequestsException": "throttled: Lambda refused to start it (the account's concurrency was "
                                       "exhausted; reserve concurrency for the workers with "
                                       "squall:workerReservedConcurrency, or raise the quota)",
    "Lambda.ServiceException": "Lambda's service failed to start it",
    "Sandbox.Timedout": "timed out (its invocation reached the function's 15-minute limit)",
    "Runtime.OutOfMemory": "ran out of memory (raise squall:workerMemoryMb)",
}


def worker_failure(record: Any) -> str:
    """A worker's failure as the Worker task's catch wrote it ({"Error": ..., "Cause": ...})."""
    error = str(record.get("Error") or "error") if isinstance(record, dict) else "error"
    cause = _error_message(str(record.get("Cause") or "") if isinstance(record, dict) else "")
    meaning = LAMBDA_ERRORS.get(error)
    return f"{meaning} ({error}: {cause[:300]})" if meaning else f"{error}: {cause[:500]}"


def worker_failures(store: Store, run_id: str) -> dict[tuple[int, int], str]:
    failures: dict[tuple[int, int], str] = {}
    for where, key in failure_keys(store, run_id).items():
        try:
            failures[where] = worker_failure(store.get_json(key))
        except (StoreError, ValueError) as error:
            failures[where] = f"failed (its record is unreadable: {error})"
    return failures


@dataclass
class Gathered:
    """A run as collect reads it back: what was planned, and every worker's results merged."""

    meta: dict[str, Any]
    plan: RunPlan
    job: WorkerJob
    spec: Spec
    run: MergedRun
    read: ShardsRead
    partials: int  # the reduce tree's partial merges folded in

    @property
    def on_aws(self) -> bool:
        return self.meta.get("backend") == "aws"


def collect(store: Store, run_id: str, stopped: bool = False, target_source: TargetSource | None = None,
            worker_memory_mb: int = 1769, architecture: str = "arm64", incomplete: str | None = None,
            region: str = "us-east-1") -> dict[str, Any]:
    """Merge, judge and write result.json. ``incomplete``: why the run could not finish as planned
    (its store failed): INCONCLUSIVE. ``region``: where the test ran, whose prices its cost takes."""
    prefix = run_prefix(run_id)
    got = gather(store, run_id)
    plan, spec, run = got.plan, got.spec, got.run
    stopped, aborted, incomplete = _ending(store, prefix, stopped, incomplete)
    measured_s = _measured_s(plan, run, stopped)
    report = None
    if spec.aws is not None and target_source is not None:
        start, end = metric_window_of(store, run_id, float(got.meta["started_at_epoch_s"]), measured_s, got.read.ends)
        report = target_source.pull(spec.aws, start, end)
    metrics = report.metrics if report else None
    baseline, baseline_problem = _baseline(store, spec, run_id, got.meta)
    timing = slice_timing(store, run_id, plan, got.read.ends) if got.on_aws else []
    verdict = judge(run, spec.thresholds, measured_s, spec.limits.health, plan.workers, stopped=stopped,
                    target=metrics, baseline=baseline, baseline_problem=baseline_problem,
                    slices=len(plan.slices) if got.on_aws else 1,
                    rejected_shards=tuple(got.read.rejected), aborted=aborted, incomplete=incomplete,
                    slice_gaps=tuple((row["index"], row["gap_s"]) for row in timing if row["gap_s"] is not None),
                    worker_failures=worker_failures(store, run_id) if got.on_aws else {},
                    planned_s=plan.duration_s, request_timeout_s=spec.target.timeout_s)
    result = build_result(run, verdict, {**got.meta, "plan": {**plan.to_dict(), "expected_requests":
                                                               plan.expected_requests},
                                         "rejected_shards": got.read.rejected}, measured_s,
                          target_rate_per_second(plan), planned_users_per_second(plan))
    result["endpoints_folded"] = _folded(got)
    result["baseline_run_id"] = baseline["run_id"] if baseline else None
    result["slices"] = timing
    result["target"] = _target_section(spec, report, run, verdict.outcomes, plan.workers if got.on_aws else 0) \
        if spec.aws is not None else None
    result["cost"] = _cost(got, measured_s, report, worker_memory_mb, architecture, region)
    result["tags"] = sorted({tag for scenario in spec.scenarios for tag in scenario.tags}
                            | set(spec.locust.tags if spec.locust else ()))
    store.put_json(prefix + "result.json", result)
    store.put_json(prefix + "summary.json", summary_row(result))  # what the run lists and trends read
    return result


def _ending(store: Store, prefix: str, stopped: bool, incomplete: str | None) -> tuple[bool, str | None, str | None]:
    """(stopped, the abort's reason, why it could not finish): from the stop flag and the failure
    record the state machine wrote."""
    stop_flag = store.exists(prefix + "control/stop")
    aborted = abort_reason(store.get_bytes(prefix + "control/stop")) if stop_flag else None
    if incomplete is None and store.exists(prefix + "failure.json"):
        incomplete = failure_reason(store.get_json(prefix + "failure.json"))
    return stopped or stop_flag, aborted, incomplete


def _folded(got: Gathered) -> dict[str, Any] | None:
    """The endpoints past the spec's limit, folded into one row, and the warning that says so."""
    other, limit = got.run.endpoints.get(OTHER_ENDPOINTS), got.spec.limits.max_endpoints
    if other is None:
        return None
    examples = got.run.health.folded_examples
    return {"limit": limit, "requests": other.requests, "examples": examples,
            "warning": folding_warning(other.requests, examples, limit)}


def _cost(got: Gathered, measured_s: float, report: TargetReport | None, worker_memory_mb: int,
          architecture: str, region: str) -> dict[str, Any]:
    """The test's own cost as it ran (at the prices of the region it ran in), and the target's
    during it (from its metrics, at its region's)."""
    cost: dict[str, Any] = {"test": run_cost(_measured_shape(got, measured_s, report, worker_memory_mb, architecture),
                                             region).to_dict(), "target": None}
    if report is not None and report.metrics is not None:
        rest = {a.name for a in report.resources.rest_apis}
        cost["target"] = target_cost(target_usage(report.metrics, rest, report.architectures), report.region,
                                     got.run.overall.requests).to_dict()
    return cost


def gather(store: Store, run_id: str) -> Gathered:
    """The run's plan and spec, and its workers' results: the reduce tree's partials, and the
    snapshots (or delta shards) of every worker no partial covers, merged; endpoints past the
    spec's limit folded."""
    prefix = run_prefix(run_id)
    meta = store.get_json(prefix + "meta.json")
    plan = RunPlan.from_dict(store.get_json(prefix + "plan.json"))
    job = WorkerJob.from_dict(store.get_json(job_key(run_id, 0)))
    spec = job.load_spec()
    read = ShardsRead()
    partials = read_partials(store, run_id, read)
    merged = {(p.slice_index, w) for p in partials for w in p.covers}
    run = merge_shards(run_shards(store, run_id, plan, read, lambda s, w: (s, w) not in merged))
    for partial in partials:
        fold_partial(run, partial)
    fold_endpoints(run, spec.limits.max_endpoints, frozenset(t.endpoint for t in spec.thresholds if t.endpoint))
    return Gathered(meta, plan, job, spec, run, read, len(partials))


def _measured_s(plan: RunPlan, run: MergedRun, stopped: bool) -> float:
    """How long the load ran: as planned, or to its last second when it was stopped, ended with
    its iterations (hey -n: it ends when they are done) or interrupted."""
    ends_when_done = bool(plan.phases) and plan.phases[-1].iterations is not None
    interrupted = any(report.interrupted for report in run.workers.values())
    if (stopped or ends_when_done or interrupted) and run.timeline:
        return min(plan.duration_s, float(run.last_second + 1))
    return plan.duration_s


def _baseline(store: Store, spec: Spec, run_id: str, meta: dict[str, Any]) -> tuple[dict[str, Any] | None, str | None]:
    """The baseline a regression threshold compares with, or why it could not be read."""
    if not any(t.regression for t in spec.thresholds):
        return None, None
    try:
        return load_baseline(store, spec.name, run_id, meta.get("profile")), None
    except StoreError as error:
        return None, f"the baseline could not be read: {error}"


def _measured_shape(got: Gathered, measured_s: float, report: TargetReport | None, worker_memory_mb: int,
                    architecture: str) -> RunShape:
    """The run's cost shape as it ran. S3 requests: every delta and snapshot written; the monitor
    reads each delta once (plus its state per tick) and lists the new ones per tick (a LIST costs
    what a PUT does), collect reads its objects; on AWS every worker checks its stop flag once a
    second, and a wide run's gatherers (runner.results.gather) tick every second through their slice."""
    plan, spec, run, on_aws = got.plan, got.spec, got.run, got.on_aws
    interval_s = float(got.meta.get("monitor_interval_s", 10))
    cadence = MonitorCadence.for_run(bool(spec.abort_rules), interval_s)
    invocations = int(measured_s / interval_s) + 1 if on_aws else 0
    ticks = invocations * max(1, int(cadence.loop_s / cadence.tick_s))  # each invocation ticks for its loop
    deltas = sum(r.shards for r in run.workers.values())
    stop_checks = int(plan.workers * measured_s) if on_aws else 0
    span_s = start_margin_for(plan.workers) + spec.limits.drain_s  # each slice's besides its load
    gathering = gatherer_shape(int(got.meta.get("gatherers", 0)) if on_aws else 0, len(plan.slices),
                               measured_s / len(plan.slices) + span_s, got.job.flush_interval_s, GATHER_LOOP_S, ticks)
    return RunShape(got.meta.get("backend", "local"), run.health.wall_s, plan.workers * len(plan.slices),
                    worker_memory_mb, architecture, monitor_invocations=invocations,
                    monitor_seconds_each=max(1.0, cadence.loop_s),
                    transitions=12 + 8 * len(plan.slices) + 3 * invocations + 3 * plan.workers * len(plan.slices)
                    + gathering.transitions if on_aws else 0,
                    s3_puts=deltas + len(run.workers) + 8 + 2 * ticks + gathering.puts,
                    s3_gets=got.read.objects + (deltas + ticks if on_aws else 0) + stop_checks + gathering.gets,
                    s3_lists=(2 * ticks if on_aws else 0) + len(plan.slices) + 2 + gathering.lists,
                    metrics_requested=report.metrics_requested if report else 0, bytes_out=run.overall.bytes_out,
                    run_hours=(measured_s + len(plan.slices) * span_s) / 3600 if on_aws else 0.0,
                    gatherer_seconds=gathering.seconds, gatherer_invocations=gathering.invocations,
                    **(_aws_control(plan, run, deltas, got.partials, measured_s) if on_aws else {}))


def _aws_control(plan: RunPlan, run: MergedRun, deltas: int, partials: int, measured_s: float) -> dict[str, Any]:
    """What collect itself, the reduce tree and the cold starts add to a run on AWS, for its cost."""
    slice_seconds = [measured_s / len(plan.slices)] * len(plan.slices)
    return {"control_invocations": 2 + len(plan.slices) + partials,
            "merge_seconds": merge_seconds(plan.workers, slice_seconds),
            "cold_starts": plan.workers * len(plan.slices),
            "stored_bytes": stored_bytes_of(deltas, len(run.workers))}


def shared_pool_note(report: TargetReport, workers: int) -> str | None:
    """On AWS the workers are Lambda functions too: unless one side reserves its concurrency, the
    target's functions and the load generator draw from the same account pool."""
    shared = [f for f in report.resources.lambdas if f not in report.limits.reserved_concurrency]
    if not shared:
        return None
    return (f"{', '.join(shared)} reserve no concurrency: they share this account's unreserved pool with Squall's "
            f"{workers} workers, so the test itself can throttle them; set squall:workerReservedConcurrency (cdk.json) "
            f"or reserve the target's concurrency when they run in the same account and region")


def _target_section(spec: Spec, report: TargetReport | None, run: MergedRun, outcomes: Any,
                    aws_workers: int = 0) -> dict[str, Any]:
    if report is None:
        return {"pulled": False, "notes": ["target metrics not pulled on this backend"], "advice": []}
    metrics = report.metrics
    section: dict[str, Any] = {
        "pulled": metrics is not None, "region": report.region, "notes": report.notes,
        "resources": {"lambda": list(report.resources.lambdas), "dynamodb": list(report.resources.tables),
                      "rest_apis": [f"{a.name}/{a.stage}" for a in report.resources.rest_apis],
                      "http_apis": [f"{a.api_id}/{a.stage}" for a in report.resources.http_apis]},
        "advice": [], "cross_check": None, "totals": None, "metrics": None,
    }
    if metrics is not None:
        section["totals"] = resource_totals(metrics)
        section["cross_check"] = cross_check(metrics, run.overall.requests)
        section["advice"] = advise(outcomes, metrics, report.limits, run.overall.errors.get("http_429", 0))
        section["metrics"] = metrics.to_dict()
        section["limits"] = {"reserved_concurrency": report.limits.reserved_concurrency,
                             "account_concurrency": report.limits.account_concurrency}
        note = shared_pool_note(report, aws_workers) if aws_workers else None
        if note:
            section["notes"] = [*report.notes, note]
    return section
