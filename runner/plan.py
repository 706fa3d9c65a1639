"""The run plan: a pure function from a spec to workers, phases, shares and time slices.

The per-worker rate ceiling comes from the benchmark (bench/README.md): one worker process
sustained RATE_MEASURED_PER_CORE arrivals/s on one core of the development machine; the
plan uses a quarter of that, because a Lambda vCPU is slower than that core and real
targets are farther away than loopback (more connections, more bytes per request).
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from runner.contract import GATHER_GROUP_WORKERS
from runner.pacing import arrivals_in_phase, expected_arrivals, split_evenly, user_windows
from runner.spec.model import Spec, requests_sent

RATE_MEASURED_PER_CORE = 15_000.0  # arrivals/s (18,006 req/s), bench/run_bench.py on the dev machine (docs/engine.md)
RATE_CEILING_PER_WORKER = 3_750.0  # arrivals/s a worker is planned for: a quarter of the above
# CPU time one request costs the worker at its held rate, bench/peers.py's mix on this project's VM
# (docs/engine.md has the date and the figures): what `squall plan` prices a million requests from.
# 28.1: at 19,000 arrivals/s = 22,804 req/s, the highest rate the 20:17 run held, every request sent late
# counted (sent_late). The 19:20 run's held rate cost 45.9, on a slower stretch of the machine.
CPU_US_PER_REQUEST_MEASURED = 28.1
CPU_US_MEASURED_ON = "2026-12-07"
USERS_CEILING_PER_WORKER = 1_000  # closed-model users a worker is planned for
SLICE_MAX_S = 840.0  # the default slice: 14 min of load, shortened when the budget below needs it

# A worker's time inside one Lambda invocation (the function's timeout):
#   start margin (invoked at the slice's start instant minus the margin, at the earliest)
#   + slice (load) + drain (in-flight requests finish) + final flush + slack <= LAMBDA_TIMEOUT_S
LAMBDA_TIMEOUT_S = 900.0  # the Worker function's timeout (infra/functions.py), Lambda's maximum
START_MARGIN_S = 15.0  # from "start the slice" to its first arrival: time for the Map to start every worker
FINAL_FLUSH_S = 10.0  # the final shard: encoding and a PUT with its retries (0.2 + 0.4 + 0.8 + 1.6 s of backoff)
SLACK_S = 5.0  # the handler's own start and return


def start_margin_for(workers: int) -> float:
    """From "start the slice" to its first arrival: the Distributed Map launches its children
    over seconds, and Lambda adds about 1,000 new execution environments per 10 s; so the margin
    grows by a second per 100 workers (25 s at 1,000)."""
    return START_MARGIN_S + workers // 100


def slice_max_s(start_margin_s: float = START_MARGIN_S, drain_s: float = 10.0) -> float:
    """The longest slice whose load, drain and final flush fit in one Lambda invocation."""
    return float(math.floor(LAMBDA_TIMEOUT_S - start_margin_s - drain_s - FINAL_FLUSH_S - SLACK_S))


@dataclass(frozen=True)
class WorkerBudget:
    """When a Lambda worker stops sending, and when its drain must end, in wall-clock seconds."""
    send_until_epoch_s: float  # no arrival is sent at or after this (the rest are counted as cut)
    drain_until_epoch_s: float  # in-flight requests are cancelled (and counted) at this instant
    cut_short: bool  # the worker must stop before its planned end

    @classmethod
    def for_slice(cls, start_at_epoch_s: float, slice_duration_s: float, drain_s: float,
                  lambda_end_epoch_s: float) -> WorkerBudget:
        """Derived from the slice's start instant (not the invocation's): the planned end is
        ``start_at + slice``; the Lambda's end bounds it, less drain, final flush and slack."""
        planned_end = start_at_epoch_s + slice_duration_s
        latest_send_end = lambda_end_epoch_s - drain_s - FINAL_FLUSH_S - SLACK_S
        send_until = min(planned_end, latest_send_end)
        drain_until = min(send_until + drain_s, lambda_end_epoch_s - FINAL_FLUSH_S - SLACK_S)
        return cls(send_until, drain_until, latest_send_end < planned_end)


AWS_FLUSH_S = 5.0
ABORT_FLUSH_S = ABORT_TICK_S = 1.0
MONITOR_LOOP_MAX_S = 60.0  # the Monitor function's timeout is 2 minutes (infra/functions.py)


@dataclass(frozen=True)
class MonitorCadence:
    """How often, on AWS, the workers flush their shards and the monitor judges them. Without abort
    rules: a flush every 5 s, one tick per Monitor invocation (every monitor interval). With abort
    rules: a flush every second, and each Monitor invocation ticks every second for its interval
    (at most a minute, then the state machine's wait takes the rest), so an abort acts within about
    two seconds of the second that broke it, not an interval later; the execution's history grows
    as before (one invocation an interval), the workers' shard writes five times faster."""
    flush_s: float
    tick_s: float
    loop_s: float  # how long one Monitor invocation goes on ticking (0: a single tick)

    @classmethod
    def for_run(cls, abort_rules: bool, monitor_interval_s: float) -> MonitorCadence:
        if abort_rules:
            return cls(ABORT_FLUSH_S, ABORT_TICK_S, min(monitor_interval_s, MONITOR_LOOP_MAX_S))
        return cls(AWS_FLUSH_S, monitor_interval_s, 0.0)


class PlanError(ValueError):
    pass


@dataclass(frozen=True)
class PhasePlan:
    name: str
    kind: str
    offset_s: float  # from the run's start
    duration_s: float
    start: float
    end: float
    expected_arrivals: float  # open model; 0 otherwise
    expected_requests: float  # open model; 0 otherwise
    spawn_rate_per_s: float | None = None  # closed model: users started per second (None: a linear ramp)
    iterations: int | None = None  # closed model: scenario runs in all (None: as many as the time allows)
    arrivals_before: float = 0.0  # open model: the run's expected arrivals before this phase (carried over)


@dataclass(frozen=True)
class SlicePlan:
    index: int
    offset_s: float
    duration_s: float


@dataclass(frozen=True)
class RunPlan:
    run_id: str
    spec_name: str
    seed: int
    workers: int
    duration_s: float
    phases: tuple[PhasePlan, ...]
    slices: tuple[SlicePlan, ...]
    peak_rate_per_s: float
    peak_users: int
    rate_ceiling_per_worker: float
    max_in_flight_per_worker: int

    def in_flight_limit(self, cap: int | None = None) -> int:
        """The most requests a worker keeps in flight: the plan's share, or ``cap`` when lower (a Lambda's
        descriptors)."""
        return min(self.max_in_flight_per_worker, cap or self.max_in_flight_per_worker)

    @property
    def expected_arrivals(self) -> float:
        return sum(p.expected_arrivals for p in self.phases)

    @property
    def expected_requests(self) -> float:
        return sum(p.expected_requests for p in self.phases)

    def worker_iterations(self, phase: PhasePlan, worker_index: int) -> int | None:
        return None if phase.iterations is None else split_evenly(phase.iterations, self.workers, worker_index)

    def worker_users(self, phase: PhasePlan, worker_index: int) -> tuple[int, int]:
        return (split_evenly(int(phase.start), self.workers, worker_index),
                split_evenly(int(phase.end), self.workers, worker_index))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunPlan:
        fields = dict(data)
        fields["phases"] = tuple(PhasePlan(**p) for p in data["phases"])
        fields["slices"] = tuple(SlicePlan(**s) for s in data["slices"])
        return cls(**fields)


def requests_per_scenario(spec: Spec) -> float:
    """Requests an arrival sends on average, by scenario weight."""
    total_weight = sum(s.weight for s in spec.scenarios)
    if total_weight <= 0:  # a locustfile run: Locust's tasks, not scenarios
        return 0.0
    return sum(s.weight * requests_sent(s.flow) for s in spec.scenarios) / total_weight


def make_plan(spec: Spec, run_id: str, seed: int, workers: int | None = None,
              rate_ceiling_per_worker: float = RATE_CEILING_PER_WORKER, slice_s: float | None = None,
              start_margin_s: float = START_MARGIN_S) -> RunPlan:
    """``slice_s`` None: the default slice, as long as the Lambda time budget allows."""
    phases = _phase_plans(spec)
    duration_s = sum(p.duration_s for p in spec.phases)
    peak_rate = max((p.peak for p in spec.phases if p.kind == "rate"), default=0.0)
    peak_users = int(max((p.peak for p in spec.phases if p.kind == "users"), default=0.0))
    needed = max(1, math.ceil(peak_rate / rate_ceiling_per_worker), math.ceil(peak_users / USERS_CEILING_PER_WORKER))
    chosen = workers if workers is not None else needed
    if chosen < 1:
        raise PlanError(f"{chosen} workers: a run needs at least 1")
    if chosen > spec.limits.max_workers:
        raise PlanError(f"the plan needs {chosen} workers but limits.max_workers is {spec.limits.max_workers} "
                        f"(raise it, or lower the peak rate of {peak_rate:g}/s)")
    return RunPlan(
        run_id=run_id, spec_name=spec.name, seed=seed, workers=chosen, duration_s=duration_s,
        phases=tuple(phases), slices=_slices(duration_s, slice_s, start_margin_s, spec.limits.drain_s),
        peak_rate_per_s=peak_rate, peak_users=peak_users, rate_ceiling_per_worker=rate_ceiling_per_worker,
        max_in_flight_per_worker=max(1, math.ceil(spec.limits.max_in_flight / chosen)),
    )


def _phase_plans(spec: Spec) -> list[PhasePlan]:
    """Each phase at its offset, with its expected arrivals and requests (open-model phases), and
    the arrivals before it (a constant schedule carries its fractions over from phase to phase)."""
    per_arrival = requests_per_scenario(spec)
    phases: list[PhasePlan] = []
    offset_s = before = 0.0
    for phase in spec.phases:
        arrivals = 0.0
        if phase.kind == "rate":
            arrivals = float(arrivals_in_phase(phase.start, phase.end, phase.duration_s, before)) \
                if spec.arrivals == "constant" else expected_arrivals(phase.start, phase.end, phase.duration_s)
        phases.append(PhasePlan(phase.name, phase.kind, offset_s, phase.duration_s, phase.start, phase.end,
                                arrivals, arrivals * per_arrival, phase.spawn_rate_per_s, phase.iterations, before))
        if phase.kind == "rate":
            before += expected_arrivals(phase.start, phase.end, phase.duration_s)
        offset_s += phase.duration_s
    return phases


def _slices(duration_s: float, slice_s: float | None, start_margin_s: float, drain_s: float) -> tuple[SlicePlan, ...]:
    """The run cut into Lambda time slices: each as long as a Lambda's 15 minutes allow beside the
    start margin, the drain, the final flush and some slack (or ``slice_s``, within that)."""
    longest_s = slice_max_s(start_margin_s, drain_s)
    if longest_s <= 0:
        raise PlanError(f"a start margin of {start_margin_s:g} s and limits.drain {drain_s:g} s leave no "
                        f"time for load inside a {LAMBDA_TIMEOUT_S:g} s Lambda")
    if slice_s is None:
        slice_s = min(SLICE_MAX_S, longest_s)
    if not 0 < slice_s <= longest_s:
        raise PlanError(f"a time slice lasts between 0 and {longest_s:g} s: a Lambda lives at most "
                        f"{LAMBDA_TIMEOUT_S:g} s, and the start margin ({start_margin_s:g} s), limits.drain "
                        f"({drain_s:g} s), the final flush ({FINAL_FLUSH_S:g} s) and {SLACK_S:g} s of "
                        f"slack must fit beside it; got {slice_s:g}")
    count = max(1, math.ceil(duration_s / slice_s - 1e-9))
    return tuple(SlicePlan(i, i * slice_s, min(slice_s, duration_s - i * slice_s)) for i in range(count))


def target_rate_per_second(plan: RunPlan) -> list[float]:
    """The planned arrival rate (arrivals/s) at the middle of each second of the run."""
    rates: list[float] = []
    for second in range(int(plan.duration_s + 0.999)):
        middle = second + 0.5
        rate = 0.0
        for phase in plan.phases:
            if phase.kind == "rate" and phase.offset_s <= middle < phase.offset_s + phase.duration_s:
                rate = phase.start + (phase.end - phase.start) * (middle - phase.offset_s) / phase.duration_s
        rates.append(round(rate, 3))
    return rates


def planned_users_per_second(plan: RunPlan) -> list[int]:
    """Closed-model users the plan has running at the middle of each second of the run (0 in
    open-model phases and pauses)."""
    users = [0] * int(plan.duration_s + 0.999)
    for phase in plan.phases:
        if phase.kind != "users":
            continue
        for begin, stop in user_windows(int(phase.start), int(phase.end), phase.duration_s, phase.spawn_rate_per_s):
            for second in range(int(phase.offset_s + begin), min(len(users), int(phase.offset_s + stop + 0.999))):
                if phase.offset_s + begin <= second + 0.5 < phase.offset_s + stop:
                    users[second] += 1
    return users


def phase_at(plan: RunPlan, elapsed_s: float) -> PhasePlan | None:
    for phase in plan.phases:
        if phase.offset_s <= elapsed_s < phase.offset_s + phase.duration_s:
            return phase
    return None


# A slice of more than 200 workers is read by gatherers, a group of 200 workers each (runner.results.gather):
# a gatherer reads at most 200 shards a second (a third of a second here, bench/aws_scale.py), and the
# monitor one object per group and second, whatever the worker count (GATHER_GROUP_WORKERS, runner.contract).
GATHER_TICK_S = 1.0
GATHER_LOOP_S = 60.0  # one gatherer invocation (the monitor function's timeout is 2 minutes)


def gather_group_workers(workers: int, asked: object = None) -> int:
    """How many workers a gatherer reads; 0: the AWS monitor reads the slice's workers itself."""
    if asked is not None:
        return max(1, int(str(asked)))
    return GATHER_GROUP_WORKERS if workers > GATHER_GROUP_WORKERS else 0


def groups_of(workers: int, size: int) -> list[tuple[int, int]]:
    """(first worker, workers) of each group of ``size`` workers; none when size is 0."""
    return [(first, min(size, workers - first)) for first in range(0, workers, size)] if size > 0 else []
