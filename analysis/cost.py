"""What a test costs, and what the target cost while it ran: a dated, region-aware price
table and plain arithmetic on it. Pure: quantities in, dollars out.

Prices are AWS's public list prices (on-demand, first pricing tier), as published on
aws.amazon.com/{lambda,step-functions,s3,cloudwatch,api-gateway,dynamodb}/pricing and the
EC2 data-transfer page; DynamoDB on-demand after the November 2024 price reduction.
Checked: 2025-06. Regions not in the table are priced as us-east-1, and the result says so.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

PRICES_CHECKED = "2025-06"
PRICES_SOURCE = "AWS public pricing pages (on-demand list prices, first tier)"


@dataclass(frozen=True)
class Prices:
    lambda_gb_s_arm64_usd: float = 0.0000133334
    lambda_gb_s_x86_64_usd: float = 0.0000166667
    lambda_per_million_requests_usd: float = 0.20
    sfn_per_1000_transitions_usd: float = 0.025  # Standard workflows; Distributed Map children too
    s3_per_1000_put_usd: float = 0.005  # PUT, COPY, POST, LIST
    s3_per_1000_get_usd: float = 0.0004  # GET, HEAD and others
    cloudwatch_per_1000_metrics_usd: float = 0.01  # GetMetricData, per metric requested
    apigw_rest_per_million_usd: float = 3.50
    apigw_http_per_million_usd: float = 1.00
    dynamodb_per_million_wru_usd: float = 0.625
    dynamodb_per_million_rru_usd: float = 0.125
    transfer_out_per_gb_usd: float = 0.09  # to the internet, first 10 TB
    logs_ingest_per_gb_usd: float = 0.50  # CloudWatch Logs, standard class, data ingested
    xray_per_million_traces_usd: float = 5.00  # traces recorded (the state machine's: one per execution)
    custom_metric_month_usd: float = 0.30  # a custom metric (EMF), first 10,000, prorated by the hour
    s3_storage_gb_month_usd: float = 0.023  # S3 Standard, first 50 TB
    dashboard_month_usd: float = 3.00  # a CloudWatch dashboard (an account's first three are free)
    nat_gateway_hour_usd: float = 0.045  # a NAT gateway, each hour it exists
    nat_gateway_per_gb_usd: float = 0.045  # data it processes


# CloudWatch Logs bytes, estimated (not measured on AWS): the state machine logs at ALL without
# execution data, an entered and an exited event per transition; a Lambda invocation writes its
# START/END/REPORT lines and a few Powertools JSON lines.
LOG_BYTES_PER_TRANSITION = 2 * 600
LOG_BYTES_PER_INVOCATION = 1_500
LIVE_METRICS = 5  # what the monitor publishes by EMF: rate, p95, p99, error rate, active workers
MONITOR_MEMORY_MB = 1769  # the Monitor function's: one full vCPU for a tick that reads every worker's shards
COLLECT_MEMORY_MB = 3008  # runner.contract's (analysis imports nothing of runner: a test ties the two)
CONTROL_BASE_GB_S = 30.0  # Plan, each StartSlice and collect's bookkeeping besides its merges, generously
# Lambda bills the INIT phase of on-demand functions since 2025-08-01 (AWS Compute Blog, 2025-04-29:
# "AWS Lambda standardizes billing for INIT Phase"). bench/cold_imports.py measures the handlers'
# imports at 223-235 ms here (median of 3, 2026-12-07); taken twice as long on a Lambda vCPU.
INIT_S_PER_COLD_START = 0.5
# What a run leaves in the bucket, kept squall:resultsExpireDays (90 by default), estimated from the
# runs on this machine (2026-12-07): delta shards 394 bytes median and 850 at p90 (1,697 of them),
# snapshots 3.4-13 kB, result.json 8.3 kB median, the reports 1.1 MB median (40 runs).
DELTA_BYTES = 850
SNAPSHOT_BYTES = 13_000
RUN_FILES_BYTES = 1_500_000
RESULTS_EXPIRE_DAYS = 90
DAYS_PER_MONTH = 30.4


PRICE_TABLE: dict[str, Prices] = {
    "us-east-1": Prices(),
    "us-east-2": Prices(),
    "us-west-2": Prices(),  # the three regions list the same prices for every item above
}


def prices_for(region: str) -> tuple[Prices, str]:
    """The region's prices, and a note when the region is not in the table."""
    if region in PRICE_TABLE:
        return PRICE_TABLE[region], ""
    return PRICE_TABLE["us-east-1"], f"{region} is not in the price table: us-east-1 prices used"


@dataclass(frozen=True)
class CostItem:
    name: str
    quantity: float
    unit: str
    cost_usd: float


@dataclass
class CostBreakdown:
    title: str
    items: list[CostItem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    per_1000_requests_usd: float | None = None

    @property
    def total_usd(self) -> float:
        return sum(i.cost_usd for i in self.items)

    def add(self, name: str, quantity: float, unit: str, cost_usd: float) -> None:
        self.items.append(CostItem(name, quantity, unit, cost_usd))

    def to_dict(self) -> dict[str, Any]:
        return {"title": self.title, "total_usd": self.total_usd, "notes": self.notes,
                "per_1000_requests_usd": self.per_1000_requests_usd,
                "items": [{"name": i.name, "quantity": i.quantity, "unit": i.unit, "cost_usd": i.cost_usd}
                          for i in self.items]}


@dataclass(frozen=True)
class RunShape:
    """What a test does, for its cost: measured after a run, planned before it."""

    backend: str  # "local" or "aws"
    worker_seconds: float  # sum over workers of their running time
    workers: int
    worker_memory_mb: int = 1769
    architecture: str = "arm64"
    monitor_invocations: int = 0
    monitor_seconds_each: float = 1.0
    transitions: int = 0
    s3_puts: int = 0
    s3_gets: int = 0
    s3_lists: int = 0  # ListObjectsV2: priced as a PUT is, not as a GET
    metrics_requested: int = 0  # GetMetricData metrics (queries x calls)
    bytes_out: int = 0  # what the workers sent to the target (request lines, headers, bodies)
    bytes_out_assumed: bool = False  # planned: an assumed size per request, not a measured one
    run_hours: float = 0.0  # how long the run's live metrics were published (EMF), prorated
    gatherer_seconds: float = 0.0  # sum over a wide run's gatherers (monitor function) of their running time
    gatherer_invocations: int = 0
    control_invocations: int = 3  # Plan, one StartSlice a slice, the reduce tree's merges, Collect
    merge_seconds: float = 0.0  # collect's merges (its reduce groups and the final one), at its memory
    cold_starts: int = 0  # invocations whose INIT is billed: every worker's, at most
    stored_bytes: int = 0  # what the run leaves in the bucket
    retention_days: int = RESULTS_EXPIRE_DAYS


def run_cost(shape: RunShape, region: str) -> CostBreakdown:
    prices, note = prices_for(region)
    cost = CostBreakdown("the test itself")
    if note:
        cost.notes.append(note)
    if shape.backend == "aws":
        _lambda_items(cost, shape, prices)
        _state_and_storage_items(cost, shape, prices)
        _observability_items(cost, shape, prices)
    if shape.backend == "aws" and shape.bytes_out:
        gb_out = shape.bytes_out / 1e9
        cost.add("Data transfer out", gb_out, "GB", gb_out * prices.transfer_out_per_gb_usd)
        cost.notes.append("data transfer priced as out to the internet; to an API in the same region it costs less"
                          + (f"; {PLANNED_BYTES_PER_REQUEST} bytes assumed per request" if shape.bytes_out_assumed
                             else ""))
    if shape.metrics_requested:
        cost.add("CloudWatch GetMetricData", shape.metrics_requested, "metrics",
                 shape.metrics_requested / 1000 * prices.cloudwatch_per_1000_metrics_usd)
    if shape.backend == "local":
        cost.notes.append("the load ran on this machine: no AWS compute cost")
    return cost


def _per_gb_s(prices: Prices, architecture: str) -> float:
    return prices.lambda_gb_s_arm64_usd if architecture == "arm64" else prices.lambda_gb_s_x86_64_usd


def invocations_of(shape: RunShape) -> int:
    return shape.workers + shape.monitor_invocations + shape.gatherer_invocations + shape.control_invocations


def _lambda_items(cost: CostBreakdown, shape: RunShape, prices: Prices) -> None:
    per_gb_s = _per_gb_s(prices, shape.architecture)
    gb = shape.worker_memory_mb / 1024
    cost.add("Lambda workers", shape.worker_seconds * gb, "GB-s", shape.worker_seconds * gb * per_gb_s)
    monitor_gb_s = shape.monitor_invocations * shape.monitor_seconds_each * MONITOR_MEMORY_MB / 1024
    cost.add("Lambda monitor, plan, collect", monitor_gb_s + CONTROL_BASE_GB_S, "GB-s",
             (monitor_gb_s + CONTROL_BASE_GB_S) * per_gb_s)
    if shape.merge_seconds:
        merge_gb_s = shape.merge_seconds * COLLECT_MEMORY_MB / 1024
        cost.add("Lambda collect's merges", merge_gb_s, "GB-s", merge_gb_s * per_gb_s)
    if shape.gatherer_seconds:
        gatherer_gb_s = shape.gatherer_seconds * MONITOR_MEMORY_MB / 1024
        cost.add("Lambda gatherers (a wide run's monitor)", gatherer_gb_s, "GB-s", gatherer_gb_s * per_gb_s)
    if shape.cold_starts:
        init_gb_s = shape.cold_starts * INIT_S_PER_COLD_START * gb
        cost.add("Lambda INIT (cold starts)", init_gb_s, "GB-s", init_gb_s * per_gb_s)
        cost.notes.append(f"INIT billed for every worker invocation ({INIT_S_PER_COLD_START:g} s each, estimated): "
                          "at most, as Lambda reuses a warm environment where it can")
    invocations = invocations_of(shape)
    cost.add("Lambda requests", invocations, "requests", invocations / 1e6 * prices.lambda_per_million_requests_usd)


def _state_and_storage_items(cost: CostBreakdown, shape: RunShape, prices: Prices) -> None:
    cost.add("Step Functions", shape.transitions, "transitions",
             shape.transitions / 1000 * prices.sfn_per_1000_transitions_usd)
    cost.add("S3 writes", shape.s3_puts, "PUT", shape.s3_puts / 1000 * prices.s3_per_1000_put_usd)
    cost.add("S3 reads", shape.s3_gets, "GET", shape.s3_gets / 1000 * prices.s3_per_1000_get_usd)
    cost.add("S3 listings", shape.s3_lists, "LIST", shape.s3_lists / 1000 * prices.s3_per_1000_put_usd)
    if shape.stored_bytes:
        gb_months = shape.stored_bytes / 1e9 * shape.retention_days / DAYS_PER_MONTH
        cost.add(f"S3 storage ({shape.retention_days} days)", gb_months, "GB-months",
                 gb_months * prices.s3_storage_gb_month_usd)
        cost.notes.append(f"the run's files kept {shape.retention_days} days (squall:resultsExpireDays), "
                          "their size estimated")


def _observability_items(cost: CostBreakdown, shape: RunShape, prices: Prices) -> None:
    invocations = invocations_of(shape)
    log_gb = (shape.transitions * LOG_BYTES_PER_TRANSITION + invocations * LOG_BYTES_PER_INVOCATION) / 1e9
    cost.add("CloudWatch Logs", log_gb, "GB", log_gb * prices.logs_ingest_per_gb_usd)
    cost.add("X-Ray (the state machine's trace)", 1, "trace", prices.xray_per_million_traces_usd / 1e6)
    metric_months = LIVE_METRICS * shape.run_hours / 730
    cost.add("CloudWatch metrics (the live figures, EMF)", metric_months, "metric-months",
             metric_months * prices.custom_metric_month_usd)
    cost.notes.append("CloudWatch Logs estimated at 1.2 kB per state transition and 1.5 kB per invocation")


def stored_bytes_of(deltas: int, snapshots: int) -> int:
    """What a run leaves in the bucket: its shards, snapshots, result and reports (estimated sizes)."""
    return deltas * DELTA_BYTES + snapshots * SNAPSHOT_BYTES + RUN_FILES_BYTES


def standing_cost(region: str, nat_gateways: int = 0) -> CostBreakdown:
    """What the deployed stack costs each month whether it runs or not: its dashboard (free if the
    account has fewer than three others), and the NAT gateway of a VPC the stack creates."""
    prices, note = prices_for(region)
    cost = CostBreakdown("the stack, each month, with or without runs")
    if note:
        cost.notes.append(note)
    cost.add("CloudWatch dashboard", 1, "dashboard-months", prices.dashboard_month_usd)
    cost.notes.append("an account's first three dashboards are free")
    if nat_gateways:
        hours = nat_gateways * 730
        cost.add("NAT gateway (squall:vpc create)", hours, "hours", hours * prices.nat_gateway_hour_usd)
        cost.notes.append(f"plus ${prices.nat_gateway_per_gb_usd:g} per GB the workers send through it "
                          "(shards go through the S3 gateway endpoint, free)")
    cost.notes.append("results in S3 are priced with each run; the rest (functions, state machine, schedules, "
                      "the dead-letter queue) costs nothing while idle")
    return cost


@dataclass(frozen=True)
class GathererShape:
    """What a wide run's gatherers do, for its cost (planned and measured alike)."""

    seconds: float = 0.0
    invocations: int = 0
    transitions: int = 0
    puts: int = 0
    gets: int = 0
    lists: int = 0


def gatherer_shape(gatherers: int, slices: int, slice_span_s: float, flush_s: float, loop_s: float,
                   monitor_ticks: int) -> GathererShape:
    """``gatherers`` per slice, each ticking every second through its slice (``slice_span_s``, start
    margin and drain included) in invocations of ``loop_s``: two LISTs a tick (the new shards, the
    failed workers), a gathered object per flush written and read by the monitor, which lists the
    failed gatherers at each of its ticks. Each invocation is a task and a choice in its child
    execution, each slice's Map a couple more."""
    if not gatherers:
        return GathererShape()
    seconds = gatherers * slices * slice_span_s
    invocations = gatherers * slices * math.ceil(slice_span_s / loop_s)
    objects = int(seconds / max(flush_s, 1.0))
    return GathererShape(seconds, invocations, 2 * invocations + 2 * slices, objects, objects,
                         2 * int(seconds) + monitor_ticks)


PLANNED_BYTES_PER_REQUEST = 500  # request line and headers of a small API call, before a run measures it


def planned_shape(backend: str, duration_s: float, workers: int, slices: int, flush_interval_s: float,
                  monitor_interval_s: float, start_margin_s: float, drain_s: float, metrics_per_call: int,
                  worker_memory_mb: int = 1769, architecture: str = "arm64", expected_requests: float = 0.0,
                  stop_poll_s: float = 1.0, monitor_loop_s: float = 0.0, monitor_tick_s: float = 1.0,
                  gatherers: int = 0, gather_loop_s: float = 60.0, merge_seconds: float = 0.0,
                  reduce_invocations: int = 0, retention_days: int = RESULTS_EXPIRE_DAYS) -> RunShape:
    """The shape of a test before it runs, from its plan and the backend's settings. S3 requests as
    the pipeline makes them: every delta shard written once and read once by the monitor, one
    snapshot per worker and slice (written, and read by collect), the monitor's state and
    live.json per tick and its listings of the new shards and the failed workers (a LIST is priced
    as a PUT), collect's listings, and each worker's stop-flag check once a poll interval. ``monitor_loop_s``:
    how long one Monitor invocation goes on ticking, every ``monitor_tick_s`` (abort rules).
    ``gatherers``: per slice, for a wide run (gatherer_shape). ``merge_seconds`` and
    ``reduce_invocations``: collect's merges (runner.collect_budget), each of the reduce tree's
    writing a partial the final merge reads."""
    if backend != "aws":
        return RunShape(backend, 0.0, workers * slices, worker_memory_mb, architecture,
                        metrics_requested=metrics_per_call * 2)
    worker_seconds = workers * (duration_s + slices * (start_margin_s + drain_s))
    monitor = int((duration_s + slices * (start_margin_s + drain_s)) / max(monitor_interval_s, 1.0)) + slices
    ticks = monitor * max(1, int(monitor_loop_s / monitor_tick_s))
    shards = int(worker_seconds / max(flush_interval_s, 0.1)) + workers * slices
    snapshots = workers * slices
    # Plan, the Run parallel and collect; per slice: wake-up, start, choice, launch, its Map; per monitor
    # tick: task, choice, wait; per worker: its Map child.
    transitions = 12 + slices * 8 + monitor * 3 + workers * slices * 3 + 2 * reduce_invocations
    puts = shards + snapshots + 2 * ticks + 6 + 2 * slices + reduce_invocations
    gets = shards + snapshots + 2 * ticks + int(worker_seconds / stop_poll_s) + reduce_invocations
    # the monitor's two per tick (new shards, failed workers); collect's, per slice, for the snapshots
    # and for the failed workers
    lists = 2 * ticks + slices + 2
    gathering = gatherer_shape(gatherers, slices, duration_s / slices + start_margin_s + drain_s, flush_interval_s,
                               gather_loop_s, ticks)
    return RunShape(backend, worker_seconds, workers * slices, worker_memory_mb, architecture, monitor,
                    max(1.0, monitor_loop_s), transitions + gathering.transitions, puts + gathering.puts,
                    gets + gathering.gets, lists + gathering.lists, metrics_per_call * 2,
                    bytes_out=int(expected_requests * PLANNED_BYTES_PER_REQUEST), bytes_out_assumed=True,
                    run_hours=(duration_s + slices * (start_margin_s + drain_s)) / 3600,
                    gatherer_seconds=gathering.seconds, gatherer_invocations=gathering.invocations,
                    control_invocations=2 + slices + reduce_invocations, merge_seconds=merge_seconds,
                    cold_starts=workers * slices, stored_bytes=stored_bytes_of(shards - snapshots, snapshots),
                    retention_days=retention_days)


@dataclass(frozen=True)
class TargetUsage:
    """The target's usage during the run, read from its CloudWatch metrics."""

    rest_requests: float = 0.0
    http_requests: float = 0.0
    lambda_invocations: dict[str, float] = field(default_factory=dict)
    lambda_duration_ms_avg: dict[str, float] = field(default_factory=dict)
    lambda_memory_mb: dict[str, int] = field(default_factory=dict)
    lambda_architecture: dict[str, str] = field(default_factory=dict)  # function -> arm64 or x86_64
    dynamodb_rcu: float = 0.0
    dynamodb_wcu: float = 0.0


def target_cost(usage: TargetUsage, region: str, client_requests: int) -> CostBreakdown:
    prices, note = prices_for(region)
    cost = CostBreakdown("the target, during the test")
    if note:
        cost.notes.append(note)
    if usage.rest_requests:
        cost.add("API Gateway REST requests", usage.rest_requests, "requests",
                 usage.rest_requests / 1e6 * prices.apigw_rest_per_million_usd)
    if usage.http_requests:
        cost.add("API Gateway HTTP requests", usage.http_requests, "requests",
                 usage.http_requests / 1e6 * prices.apigw_http_per_million_usd)
    for function, invocations in sorted(usage.lambda_invocations.items()):
        arm = usage.lambda_architecture.get(function, "x86_64") == "arm64"
        per_gb_s = prices.lambda_gb_s_arm64_usd if arm else prices.lambda_gb_s_x86_64_usd
        cost.add(f"Lambda {function} requests", invocations, "requests",
                 invocations / 1e6 * prices.lambda_per_million_requests_usd)
        memory = usage.lambda_memory_mb.get(function)
        duration = usage.lambda_duration_ms_avg.get(function)
        if memory is None or duration is None:
            cost.notes.append(f"Lambda {function}: compute not priced (memory size or duration unknown)")
            continue
        gb_s = invocations * duration / 1000 * memory / 1024
        cost.add(f"Lambda {function} compute", gb_s, "GB-s", gb_s * per_gb_s)
    if usage.dynamodb_rcu:
        cost.add("DynamoDB reads", usage.dynamodb_rcu, "RRU",
                 usage.dynamodb_rcu / 1e6 * prices.dynamodb_per_million_rru_usd)
    if usage.dynamodb_wcu:
        cost.add("DynamoDB writes", usage.dynamodb_wcu, "WRU",
                 usage.dynamodb_wcu / 1e6 * prices.dynamodb_per_million_wru_usd)
    if usage.dynamodb_rcu or usage.dynamodb_wcu:
        cost.notes.append("DynamoDB priced as on-demand request units (a provisioned table pays for capacity instead)")
    if client_requests:
        cost.per_1000_requests_usd = cost.total_usd / client_requests * 1000
    return cost



LAMBDA_MB_PER_VCPU = 1769  # Lambda gives a function one full vCPU at 1,769 MB, proportionally less below


def per_million_requests_usd(cpu_us_per_request: float, memory_mb: int, architecture: str, region: str) -> float:
    """What a million requests cost in worker time when workers are kept busy: a worker is one
    Python process (one vCPU at most), billed by the wall-clock second at its memory, so its CPU
    time per request is stretched by the share of a vCPU its memory buys. Invocations and the
    control functions are left out (a worker serves thousands of requests an invocation)."""
    prices, _ = prices_for(region)
    vcpu_share = min(1.0, memory_mb / LAMBDA_MB_PER_VCPU)
    wall_s = cpu_us_per_request * 1_000_000 / 1e6 / vcpu_share
    return wall_s * memory_mb / 1024 * _per_gb_s(prices, architecture)
