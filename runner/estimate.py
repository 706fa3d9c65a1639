"""What a run will cost before it starts, and the refusal when that is over the spec's limit."""
from __future__ import annotations

from analysis.cost import CostBreakdown, planned_shape, run_cost
from analysis.target import build_queries
from runner.collect_budget import merge_seconds, reduce_invocations
from runner.plan import GATHER_LOOP_S, MonitorCadence, PlanError, RunPlan, gather_group_workers, groups_of, start_margin_for
from runner.spec import Spec


def estimate_test_cost(spec: Spec, plan: RunPlan, backend: str, region: str | None = None,
                       monitor_interval_s: float = 10.0, gatherers: int | None = None) -> CostBreakdown:
    queries = len(build_queries(spec.aws.resources)) if spec.aws else 0
    slices = len(plan.slices) if backend == "aws" else 1
    cadence = MonitorCadence.for_run(bool(spec.abort_rules), monitor_interval_s)
    shape = planned_shape(backend, plan.duration_s, plan.workers, slices,
                          flush_interval_s=cadence.flush_s if backend == "aws" else 2.0,
                          monitor_interval_s=monitor_interval_s, start_margin_s=start_margin_for(plan.workers),
                          drain_s=spec.limits.drain_s, metrics_per_call=queries, expected_requests=plan.expected_requests,
                          monitor_loop_s=cadence.loop_s, monitor_tick_s=cadence.tick_s,
                          gatherers=(len(groups_of(plan.workers, gather_group_workers(plan.workers)))
                                     if gatherers is None else gatherers) if backend == "aws" else 0,
                          gather_loop_s=GATHER_LOOP_S,
                          merge_seconds=merge_seconds(plan.workers, [s.duration_s for s in plan.slices])
                          if backend == "aws" else 0.0,
                          reduce_invocations=reduce_invocations(plan.workers, slices) if backend == "aws" else 0)
    return run_cost(shape, region or (spec.aws.region if spec.aws and spec.aws.region else "us-east-1"))


def check_cost_limit(spec: Spec, plan: RunPlan, backend: str) -> CostBreakdown:
    estimate = estimate_test_cost(spec, plan, backend)
    limit = spec.limits.max_cost_usd
    if limit is not None and estimate.total_usd > limit:
        raise PlanError(f"the estimated cost of this run, ${estimate.total_usd:.4f} ({backend}), is over "
                        f"limits.max_cost_usd ${limit:g}; shorten it, lower the rate, or raise the limit")
    return estimate
