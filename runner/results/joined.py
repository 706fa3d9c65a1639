"""A run across regions joined (runner.aws.regions runs its parts): every region's part read from
its own bucket, merged into one run (histograms merged, never averaged), judged once
(analysis.regions.judge_across_regions) and written to the home region's bucket as an ordinary
run: result.json with the run's numbers and each region's beside them, summary.json, the reports.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from analysis.regions import MissingRegion, RegionPart, join_runs, judge_across_regions
from analysis.result import build_result, endpoint_summary, summary_row
from analysis.thresholds import Threshold
from analysis.verdict import Verdict, judge
from runner.plan import make_plan, planned_users_per_second, target_rate_per_second
from runner.results.collect import Gathered, abort_reason, gather
from runner.results.reports import write_reports
from runner.spec import Spec
from runner.store import Store, StoreError, run_prefix


@dataclass(frozen=True)
class Part:
    """One region's part of the run: where its results are and what became of it."""

    region: str
    share: float
    run_id: str  # the part's own run id, in its region's bucket
    store: Store | None  # None: the region has no stack
    failure: str | None = None  # why it sent nothing: its stack missing, its Plan refused, its execution failed
    clock_offset_s: float | None = None  # the region's clock against this machine's (runner.aws.regions)
    clock_bound_s: float | None = None  # ± how well that is known


def join_parts(home: Store, run_id: str, spec: Spec, parts: list[Part], meta: dict[str, Any],
               agreed_start_epoch_s: float) -> dict[str, Any]:
    """Join the parts into the run ``run_id`` in ``home``; returns its result.json."""
    gathered: dict[str, Gathered] = {}
    missing: list[MissingRegion] = []
    for part in parts:
        got = _gathered(part)
        if isinstance(got, str):
            missing.append(MissingRegion(part.region, part.share, got))
        else:
            gathered[part.region] = got
    region_parts = [RegionPart(region, got.run, got.plan.workers) for region, got in gathered.items()]
    joined = join_runs(region_parts)
    workers = sum(p.workers for p in region_parts)
    plan = make_plan(spec, run_id, 0, workers=max(1, workers))
    endings = {part.region: _ending(part) for part in parts if part.region in gathered}
    stopped = any(stop for stop, _ in endings.values())
    # stopped: the load ran to its last second, as collect measures a stopped run
    measured_s = min(plan.duration_s, float(joined.last_second + 1)) if stopped and joined.timeline else plan.duration_s

    def judge_one(run: Any, thresholds: tuple[Threshold, ...], planned_workers: int, region: str | None) -> Verdict:
        """The whole run is stopped if any part was; a part that aborted (its abort rule broke in
        its region) is ABORTED with its reason."""
        aborted = endings[region][1] if region is not None else None
        return judge(run, thresholds, measured_s, spec.limits.health, planned_workers, stopped=stopped,
                     aborted=f"{region}: {aborted}" if aborted else None, planned_s=plan.duration_s,
                     request_timeout_s=spec.target.timeout_s)

    verdict = judge_across_regions(joined, region_parts, spec.thresholds, missing, judge_one, measured_s)
    result = build_result(joined, verdict, {**meta, "plan": {**plan.to_dict(), "expected_requests":
                                                             plan.expected_requests}},
                          measured_s, target_rate_per_second(plan), planned_users_per_second(plan))
    result["regions"] = [_region_row(part, gathered.get(part.region), measured_s, agreed_start_epoch_s)
                         for part in parts]
    result["cost"] = _cost(result["regions"])
    result["tags"] = sorted({tag for scenario in spec.scenarios for tag in scenario.tags})
    result.update(slices=[], target=None, endpoints_folded=None, baseline_run_id=None)
    prefix = run_prefix(run_id)
    home.put_json(prefix + "result.json", result)
    home.put_json(prefix + "summary.json", summary_row(result))
    write_reports(home, result)
    return result


def _gathered(part: Part) -> Gathered | str:
    """The part's merge, or why there is none."""
    if part.store is None or part.failure is not None:
        return part.failure or "its stack was not found"
    try:
        if not part.store.exists(run_prefix(part.run_id) + "plan.json"):
            return "its part was never planned"
        return gather(part.store, part.run_id)
    except (StoreError, ValueError, KeyError) as error:
        return f"its results could not be read: {error}"


def _ending(part: Part) -> tuple[bool, str | None]:
    """(stopped, the abort's reason) of a part, from its stop flag."""
    key = run_prefix(part.run_id) + "control/stop"
    if part.store is None or not part.store.exists(key):
        return False, None
    return True, abort_reason(part.store.get_bytes(key))


def _region_row(part: Part, got: Gathered | None, measured_s: float, agreed_start_epoch_s: float) -> dict[str, Any]:
    """A region's numbers beside the run's: every endpoint's latency and errors, when its workers
    started against the agreed instant (by its own clock), its clock against the orchestrator's,
    and its cost at its own prices."""
    row: dict[str, Any] = {"region": part.region, "share": part.share, "run_id": part.run_id,
                           "clock_offset_s": part.clock_offset_s, "clock_bound_s": part.clock_bound_s}
    if got is None:
        return {**row, "state": "missing", "why": part.failure or "its results could not be read"}
    assert part.store is not None  # gathered
    start_key = run_prefix(part.run_id) + "slices/0.start.json"
    started = float(part.store.get_json(start_key)["start_at_epoch_s"]) if part.store.exists(start_key) else None
    result_key = run_prefix(part.run_id) + "result.json"
    own = part.store.get_json(result_key) if part.store.exists(result_key) else {}
    return {**row, "state": "ran", "workers": got.plan.workers,
            "start_late_s": None if started is None else round(started - agreed_start_epoch_s, 3),
            "overall": endpoint_summary(got.run.overall, measured_s),
            "endpoints": {name: endpoint_summary(stats, measured_s) for name, stats in sorted(got.run.endpoints.items())},
            "cost": (own.get("cost") or {}).get("test")}


def _cost(regions: list[dict[str, Any]]) -> dict[str, Any]:
    """The test's cost: every region's, each at its own region's prices, added up."""
    priced = [r for r in regions if r.get("cost")]
    total = sum(float(r["cost"]["total_usd"]) for r in priced)
    requests = sum(int(r["overall"]["requests"]) for r in priced)
    return {"test": {"title": "the test in every region, each at its own prices", "total_usd": total,
                     "per_1000_requests_usd": total / requests * 1000 if requests else None,
                     "notes": list(dict.fromkeys(note for r in priced for note in r["cost"].get("notes", []))),
                     "items": [{"name": f"{r['region']}: its part", "quantity": 1, "unit": "run",
                                "cost_usd": float(r["cost"]["total_usd"])} for r in priced]},
            "target": None}
