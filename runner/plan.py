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

from runner.pacing import arrivals_in_phase, expected_arrivals, split_evenly
from runner.spec.model import Request, Spec

RATE_MEASURED_PER_CORE = 15_000.0  # arrivals/s (18,006 req/s), bench/run_bench.py on the dev machine (README)
RATE_CEILING_PER_WORKER = 3_750.0  # arrivals/s a worker is planned for: a quarter of the above
USERS_CEILING_PER_WORKER = 1_000  # closed-model users a worker is planned for
SLICE_MAX_S = 840.0  # a Lambda lives at most 15 min: 14 min of load leaves time to flush


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

    @property
    def expected_arrivals(self) -> float:
        return sum(p.expected_arrivals for p in self.phases)

    @property
    def expected_requests(self) -> float:
        return sum(p.expected_requests for p in self.phases)

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
    return sum(s.weight * sum(1 for step in s.flow if isinstance(step, Request))
               for s in spec.scenarios) / total_weight


def make_plan(spec: Spec, run_id: str, seed: int, workers: int | None = None,
              rate_ceiling_per_worker: float = RATE_CEILING_PER_WORKER, slice_s: float = SLICE_MAX_S) -> RunPlan:
    per_arrival = requests_per_scenario(spec)
    phases: list[PhasePlan] = []
    offset_s = 0.0
    for phase in spec.phases:
        arrivals = 0.0
        if phase.kind == "rate":
            arrivals = float(arrivals_in_phase(phase.start, phase.end, phase.duration_s)) \
                if spec.arrivals == "constant" else expected_arrivals(phase.start, phase.end, phase.duration_s)
        phases.append(PhasePlan(phase.name, phase.kind, offset_s, phase.duration_s, phase.start, phase.end,
                                arrivals, arrivals * per_arrival))
        offset_s += phase.duration_s
    peak_rate = max((p.peak for p in spec.phases if p.kind == "rate"), default=0.0)
    peak_users = int(max((p.peak for p in spec.phases if p.kind == "users"), default=0.0))
    needed = max(1, math.ceil(peak_rate / rate_ceiling_per_worker), math.ceil(peak_users / USERS_CEILING_PER_WORKER))
    chosen = workers if workers is not None else needed
    if chosen > spec.limits.max_workers:
        raise PlanError(f"the plan needs {chosen} workers but limits.max_workers is {spec.limits.max_workers} "
                        f"(raise it, or lower the peak rate of {peak_rate:g}/s)")
    if not 0 < slice_s <= SLICE_MAX_S:
        raise PlanError(f"a time slice lasts between 0 and {SLICE_MAX_S:g} s (a Lambda lives at most 15 min), "
                        f"got {slice_s:g}")
    slice_count = max(1, math.ceil(offset_s / slice_s - 1e-9))
    slices = tuple(SlicePlan(i, i * slice_s, min(slice_s, offset_s - i * slice_s))
                   for i in range(slice_count))
    return RunPlan(
        run_id=run_id, spec_name=spec.name, seed=seed, workers=chosen, duration_s=offset_s,
        phases=tuple(phases), slices=slices, peak_rate_per_s=peak_rate, peak_users=peak_users,
        rate_ceiling_per_worker=rate_ceiling_per_worker,
        max_in_flight_per_worker=max(1, math.ceil(spec.limits.max_in_flight / chosen)),
    )


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


def phase_at(plan: RunPlan, elapsed_s: float) -> PhasePlan | None:
    for phase in plan.phases:
        if phase.offset_s <= elapsed_s < phase.offset_s + phase.duration_s:
            return phase
    return None
