"""The run result document (``result.json``): everything measured, judged and planned,
in plain JSON. Percentiles are read from merged histograms; the histograms themselves are
kept (encoded) so later tools can merge or compare without the shards.
"""
from __future__ import annotations

from typing import Any

from analysis.merge import MergedRun
from analysis.stats import EndpointStats, HealthStats
from analysis.verdict import Verdict, in_order

PERCENTILES = (50.0, 90.0, 95.0, 99.0)
LOCUST_PERCENTILES = (50, 66, 75, 80, 90, 95, 98, 99, 99.9, 99.99, 100)  # the columns of Locust's CSV files


def _ms(value_us: float) -> float:
    return round(value_us / 1000, 3)


def latency_summary(stats: EndpointStats, corrected: bool = True) -> dict[str, float]:
    hist = stats.latency if corrected else stats.latency_uncorrected
    summary = {"min_ms": _ms(hist.min_us), "mean_ms": _ms(hist.mean_us())}
    for p in PERCENTILES:
        summary[f"p{p:g}_ms"] = _ms(hist.percentile_us(p))
    summary["max_ms"] = _ms(hist.max_us)
    summary["samples"] = hist.total_count
    summary["out_of_range"] = hist.clamped_count
    return summary


def endpoint_summary(stats: EndpointStats, duration_s: float) -> dict[str, Any]:
    return {
        "requests": stats.requests, "responses": stats.responses, "errors": stats.error_count,
        "error_rate": stats.error_count / stats.requests if stats.requests else 0.0,
        "rps": stats.requests / duration_s if duration_s > 0 else 0.0,
        "statuses": dict(sorted(stats.statuses.items())), "errors_by_class": dict(sorted(stats.errors.items())),
        "error_statuses": dict(sorted(stats.error_statuses.items())),
        "bytes_in": stats.bytes_in, "bytes_out": stats.bytes_out,
        "latency": latency_summary(stats), "latency_uncorrected": latency_summary(stats, corrected=False),
        "histogram": stats.latency.encode(), "histogram_uncorrected": stats.latency_uncorrected.encode(),
    }


def health_summary(health: HealthStats) -> dict[str, Any]:
    return {
        "intended_arrivals": health.intended, "dropped": health.dropped, "late": health.late, "cut": health.cut,
        "skipped_late_start": health.skipped_late_start, "shed": health.shed, "iterations": health.iterations,
        "late_steps": health.late_steps, "pool_waits": health.pool_waits, "pool_waits_late": health.pool_waits_late,
        "sent_late": health.sent_late,
        "pool_wait_p99_ms": _ms(health.pool_wait.percentile_us(99)), "not_sent": health.not_sent,
        "refused_hosts": dict(sorted(health.refused_hosts.items())),
        "exceptions": dict(sorted(health.exceptions.items(), key=lambda item: (-item[1], item[0]))),
        "tracebacks": dict(sorted(health.tracebacks.items())),
        "lag_p50_ms": _ms(health.lag.percentile_us(50)), "lag_p99_ms": _ms(health.lag.percentile_us(99)),
        "lag_max_ms": _ms(health.lag.max_us),
        "cpu_share": health.cpu_s / health.wall_s if health.wall_s > 0 else 0.0,
        "cpu_s": round(health.cpu_s, 3),
    }


def timeline(run: MergedRun, target_rate: list[float], target_users: list[int] | None = None) -> list[dict[str, Any]]:
    """Per second of the run; ``target_users``: the closed-model users planned each second."""
    users = target_users or []
    rows: list[dict[str, Any]] = []
    so_far = EndpointStats()  # every request up to this second (Locust's "Total" columns)
    for second in range(max(0, run.first_second), run.last_second + 1):
        window = run.timeline.get(second)
        merged = EndpointStats()
        if window is not None:
            for stats in window.endpoints.values():
                merged.merge(stats)
        so_far.merge(merged)
        health = window.health if window is not None else HealthStats()
        rows.append({
            "second": second, "requests": merged.requests, "errors": merged.error_count,
            "errors_by_class": dict(merged.errors), "statuses": dict(merged.statuses),
            "p50_ms": _ms(merged.latency.percentile_us(50)), "p95_ms": _ms(merged.latency.percentile_us(95)),
            "p99_ms": _ms(merged.latency.percentile_us(99)),
            "percentiles_ms": [_ms(merged.latency.percentile_us(p)) for p in LOCUST_PERCENTILES]
            if merged.latency.total_count else None,
            "total": {"median_ms": _ms(so_far.latency.percentile_us(50)), "mean_ms": _ms(so_far.latency.mean_us()),
                      "min_ms": _ms(so_far.latency.min_us), "max_ms": _ms(so_far.latency.max_us),
                      "content_size": so_far.bytes_in / so_far.responses if so_far.responses else 0.0},
            "arrivals": health.intended, "target_rate": target_rate[second] if second < len(target_rate) else 0.0,
            "users": users[second] if second < len(users) else 0, "iterations": health.iterations,
            "dropped": health.dropped, "late": health.late, "lag_p99_ms": _ms(health.lag.percentile_us(99)),
            # CPU is sampled at each flush: the share of one core used since the previous flush
            "cpu_share": round(health.cpu_s / health.wall_s, 4) if health.wall_s > 0 else None,
        })
    return rows


def errors_seen(run: MergedRun) -> dict[str, dict[str, list[int]]]:
    """Per endpoint and error class: the first and the last second of the run it was seen in."""
    seen: dict[str, dict[str, list[int]]] = {}
    for second in sorted(run.timeline):
        for name, stats in run.timeline[second].endpoints.items():
            for error in stats.errors:
                seen.setdefault(name, {}).setdefault(error, [second, second])[1] = second
    return seen


def build_result(run: MergedRun, verdict: Verdict, meta: dict[str, Any], duration_s: float,
                 target_rate: list[float], target_users: list[int] | None = None) -> dict[str, Any]:
    """``meta`` carries what this module cannot know: run id, spec name, times, plan, target."""
    seen = errors_seen(run)
    return {
        **meta,
        "verdict": {
            "status": verdict.status, "reasons": list(verdict.reasons),
            "generator_problems": list(verdict.generator_problems), "warnings": list(verdict.warnings),
            "explanation": list(verdict.explanation),
            "thresholds": [{
                "check": o.threshold.text, "endpoint": o.threshold.endpoint, "severity": o.threshold.severity,
                "phase": o.threshold.phase, "region": o.threshold.region,
                "metric": o.threshold.metric, "limit": o.threshold.limit, "measured": o.measured,
                "measured_text": o.measured_text, "status": o.status,
                "samples": o.samples, "error_samples": o.error_samples, "measured_from_send": o.measured_from_send,
            } for o in verdict.outcomes],
        },
        "duration_s": duration_s,
        "overall": endpoint_summary(run.overall, duration_s),
        "endpoints": {name: {**endpoint_summary(s, duration_s), "errors_seen_s": seen.get(name, {})}
                      for name, s in sorted(run.endpoints.items())},
        "scenarios": {name: s.to_dict() for name, s in sorted(run.scenarios.items())},
        "health": health_summary(run.health),
        "workers": [{"slice": s, "worker": w, "shards": r.shards, "final": r.final, "error": r.error,
                     **({"interrupted": r.interrupted} if r.interrupted else {})}
                    for (s, w), r in sorted(run.workers.items())],
        "duplicate_shards": run.duplicate_shards,
        # as Locust exits with environment.process_exit_code when a listener set it: the highest any worker set
        "process_exit_code": max((r.process_exit_code for r in run.workers.values()
                                  if r.process_exit_code is not None), default=None),
        "timeline": timeline(run, target_rate, target_users),
    }


def explanation(verdict: dict[str, Any]) -> list[str]:
    """A result's reasons, the deciding one first (results written before ``explanation`` existed too)."""
    if "explanation" in verdict:
        return list(verdict["explanation"])
    return list(in_order(verdict["status"], verdict["reasons"], verdict["generator_problems"]))


def summary_row(result: dict[str, Any]) -> dict[str, Any]:
    """A run in one small document (``runs/<id>/summary.json``, written beside result.json): what a
    list of runs and a trend show, so listing ten thousand runs reads ten thousand small objects
    instead of ten thousand results. Every figure is the result's own."""
    overall, verdict = result["overall"], result["verdict"]
    reasons = explanation(verdict)
    test_cost = ((result.get("cost") or {}).get("test") or {}).get("total_usd")
    return {"run_id": result["run_id"], "spec_name": result["spec_name"], "profile": result.get("profile"),
            "backend": result.get("backend", "local"), "engine": result.get("engine"),
            "target_url": result.get("target_url"), "tags": list(result.get("tags") or []),
            "started_at_epoch_s": result.get("started_at_epoch_s") or 0.0, "duration_s": result["duration_s"],
            "verdict": verdict["status"], "reason": reasons[0] if reasons else "",
            "requests": overall["requests"], "errors": overall["errors"], "rps": overall["rps"],
            "error_rate": overall["error_rate"], "p50_ms": overall["latency"]["p50_ms"],
            "p95_ms": overall["latency"]["p95_ms"], "p99_ms": overall["latency"]["p99_ms"],
            "cost_usd": test_cost, "baseline_run_id": result.get("baseline_run_id"),
            "part_of": (result.get("part_of") or {}).get("run")}  # a region's part of a run across regions
