"""How long and how large collect's merges are on Lambda, from bench/aws_scale.py's figures: Plan
refuses a run whose collect could not finish, and the cost model prices the merges."""
from __future__ import annotations

from runner.contract import COLLECT_MEMORY_MB

# Collect as a reduce tree for runs this wide or long: groups of one slice's workers merged in
# parallel as soon as the slice's workers are done, then one final merge of those partials.
REDUCE_GROUP_WORKERS = 100
REDUCE_FROM_WORKER_SLICES = 100

# Collect's arithmetic, from bench/aws_scale.py on a 2-core machine (2026-12-06): a reduce group
# merges 100 workers x 840 s in at most 12.7 s (1,000 workers x 15 min); the final merge took 4.1 s
# for 10 partials (200 x 60 min) and 7.5 s for 13 (20 x 180 min), and its peak RSS was 562 MB for
# a 1-hour and 1,072 MB for a 3-hour run: its per-second timeline. A Lambda vCPU is taken as half
# this core.
REDUCE_S_PER_WORKER_SECOND = 12.7 / (100 * 840)
FINAL_MERGE_S_PER_PARTIAL = 7.5 / 13
FINAL_MERGE_MB_PER_HOUR = (1072 - 562) / 2
FINAL_MERGE_BASE_MB = 562 - FINAL_MERGE_MB_PER_HOUR
LAMBDA_SLOWDOWN = 2.0
COLLECT_TIMEOUT_S = 600


def collect_problem(workers: int, slice_seconds: list[float], group_workers: int, tree: bool,
                    memory_mb: float = COLLECT_MEMORY_MB) -> str | None:
    """Refuse a run whose collect could not finish within the Collect function's time and memory,
    with the arithmetic (after its retries such a run would end without a result.json)."""
    duration_s = sum(slice_seconds)
    if tree:
        partials = sum(-(-workers // max(1, group_workers)) for _ in slice_seconds)
        group_s = REDUCE_S_PER_WORKER_SECOND * min(workers, group_workers) * max(slice_seconds) * LAMBDA_SLOWDOWN
        final_s = FINAL_MERGE_S_PER_PARTIAL * partials * LAMBDA_SLOWDOWN
        longest_s, what = max((group_s, "a group's merge"), (final_s, f"the final merge of {partials:,} partials"))
    else:
        longest_s = REDUCE_S_PER_WORKER_SECOND * workers * duration_s * LAMBDA_SLOWDOWN
        what = f"one merge of {workers:,} workers x {duration_s:,.0f} s"
    if longest_s > COLLECT_TIMEOUT_S * 0.8:
        return (f"collect could not finish: {what} would take about {longest_s:,.0f} s on Lambda "
                f"(measured here x{LAMBDA_SLOWDOWN:g}), over 80 % of the Collect function's {COLLECT_TIMEOUT_S} s; "
                f"split the run into shorter or narrower ones")
    needed_mb = FINAL_MERGE_BASE_MB + FINAL_MERGE_MB_PER_HOUR * duration_s / 3600
    if needed_mb > memory_mb * 0.8:
        hours = (memory_mb * 0.8 - FINAL_MERGE_BASE_MB) / FINAL_MERGE_MB_PER_HOUR
        return (f"collect could not finish: the final merge holds the run's per-second timeline, about "
                f"{needed_mb:,.0f} MB for {duration_s / 3600:.1f} h ({FINAL_MERGE_BASE_MB:.0f} MB + "
                f"{FINAL_MERGE_MB_PER_HOUR:.0f} MB an hour, measured), over 80 % of the Collect function's "
                f"{memory_mb:,.0f} MB; split it into runs of at most {hours:.1f} h")
    return None


def uses_reduce_tree(workers: int, slices: int) -> bool:
    return workers * slices >= REDUCE_FROM_WORKER_SLICES


def merge_seconds(workers: int, slice_seconds: list[float], group_workers: int = REDUCE_GROUP_WORKERS) -> float:
    """Lambda seconds of every merge a run's collect makes (each reduce group's and the final one),
    at the Collect function's memory, for the cost model: the arithmetic collect_problem judges by."""
    worker_seconds = workers * sum(slice_seconds)
    if not uses_reduce_tree(workers, len(slice_seconds)):
        return REDUCE_S_PER_WORKER_SECOND * worker_seconds * LAMBDA_SLOWDOWN
    partials = sum(-(-workers // max(1, group_workers)) for _ in slice_seconds)
    return (REDUCE_S_PER_WORKER_SECOND * worker_seconds + FINAL_MERGE_S_PER_PARTIAL * partials) * LAMBDA_SLOWDOWN


def reduce_invocations(workers: int, slices: int, group_workers: int = REDUCE_GROUP_WORKERS) -> int:
    """The MergeGroup invocations of a run's reduce tree (none for a run too small for it)."""
    if not uses_reduce_tree(workers, slices):
        return 0
    return slices * -(-workers // max(1, group_workers))
