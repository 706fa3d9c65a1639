"""A spec's history as trends: each figure per run over time (p50/p95/p99, error rate, achieved
rate, cost), the baseline marked, and the change points of each figure flagged
(analysis.changepoints) when the step is at least 5 % (significance alone flags a steady 1 % shift
of a figure measured over thousands of requests). Pure: the runs' summary rows in, oldest first; series and flags out."""
from __future__ import annotations

from typing import Any

from analysis.changepoints import change_points

# figure, unit, and which way is worse (a rise in latency is a regression, a fall in rate is)
FIGURES: tuple[tuple[str, str, int], ...] = (
    ("p50_ms", "ms", 1), ("p95_ms", "ms", 1), ("p99_ms", "ms", 1), ("error_rate", "fraction", 1),
    ("rps", "per_s", -1), ("cost_usd", "USD", 1))
MIN_RELATIVE_CHANGE = 0.05  # a significant step smaller than 5 % is not flagged: no one acts on a 1 % p50 step
MAX_RUNS_SEARCHED = 200  # change points are searched in the newest this many runs (O(n^2) per shuffle)


def trend(rows: list[dict[str, Any]], seed: int = 0) -> dict[str, Any]:
    """Series per figure on the runs' start times, and every change point with the run it starts at."""
    rows = rows[-MAX_RUNS_SEARCHED:]
    series: dict[str, list[float | None]] = {name: [row.get(name) for row in rows] for name, _, _ in FIGURES}
    flags = [flag for name, unit, worse in FIGURES for flag in _flags(rows, series[name], name, unit, worse, seed)]
    flags.sort(key=lambda flag: (flag["index"], flag["figure"]))
    return {"run_ids": [row["run_id"] for row in rows], "started_at_epoch_s": [row["started_at_epoch_s"] for row in rows],
            "verdicts": [row.get("verdict") for row in rows], "series": series,
            "baseline": next((row["run_id"] for row in rows if row.get("is_baseline")), None),
            "change_points": flags, "searched_runs": len(rows)}


def _flags(rows: list[dict[str, Any]], values: list[float | None], name: str, unit: str, worse: int,
           seed: int) -> list[dict[str, Any]]:
    """One figure's change points (none when a run lacks the figure)."""
    known = [float(v) for v in values if v is not None]
    if len(known) < len(values) or len(known) < 2:
        return []
    flags = []
    for point in change_points(known, seed=seed):
        if point.relative_change is not None and abs(point.relative_change) < MIN_RELATIVE_CHANGE:
            continue
        rising = point.mean_after > point.mean_before
        flags.append({"figure": name, "unit": unit, "index": point.index, "run_id": rows[point.index]["run_id"],
                      "started_at_epoch_s": rows[point.index]["started_at_epoch_s"],
                      "before": point.mean_before, "after": point.mean_after,
                      "relative_change": point.relative_change, "p_value": point.p_value,
                      "regression": rising == (worse > 0)})
    return flags


def flag_text(flag: dict[str, Any]) -> str:
    """One change point as a sentence: 'p95_ms rose 28% (91.2 -> 117 ms) from run X on (p=0.01)'."""
    change = flag["relative_change"]
    direction = "rose" if flag["after"] > flag["before"] else "fell"
    amount = f" {abs(change):.0%}" if change is not None else ""
    kind = "a regression" if flag["regression"] else "an improvement"
    return (f"{flag['figure']} {direction}{amount} ({flag['before']:.4g} -> {flag['after']:.4g} {flag['unit']}) "
            f"from run {flag['run_id']} on: {kind} (p={flag['p_value']:.2f})")
