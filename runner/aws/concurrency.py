"""Several runs on one stack: what a Plan counts of the runs going on beside the one it plans
(their running executions, read back to their plans, or to the concurrency an earlier run's Plan
claims while it is under way), and whether the account's Lambda concurrency holds them all,
reserves included, with the reason when it does not."""
from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from runner.store import Store, claim_key, run_id_from, run_prefix

CLAIM_WAIT_S = 20.0  # how long a Plan waits for an earlier run's Plan to claim its concurrency
CLAIM_POLL_S = 0.5


def runs_going_on(stepfunctions: Any, machine_arn: str, own_execution: str, store: Store,
                  sleep: Callable[[float], None] = time.sleep) -> list[tuple[str, int]]:
    """(run id, workers at once) of every run of this stack that started before this one and is
    going on now: its running executions, each read back to its run id (a schedule's execution is
    named by the scheduler) and its plan, or while that run's Plan is still under way the
    concurrency it claims (two slices' workers while they hand over). Runs that started later are
    left to count this one, so two Plans at the same instant cannot both miss each other: the
    earlier ones' claims are awaited up to CLAIM_WAIT_S in all. On any failure to list them: none (a run is
    not refused on a guess)."""
    found: list[tuple[str, int]] = []
    try:
        pages = stepfunctions.get_paginator("list_executions").paginate(
            stateMachineArn=machine_arn, statusFilter="RUNNING", PaginationConfig={"MaxItems": 1000})
        running = [e for page in pages for e in page.get("executions", [])]
        own = next((e for e in running if e["name"] == own_execution), None)
        earlier = [e for e in running if e["name"] != own_execution
                   and (own is None or (e["startDate"], e["name"]) < (own["startDate"], own["name"]))]
        budget = [CLAIM_WAIT_S]  # one wait for all of them: Plan has two minutes
        for execution in earlier:
            described = stepfunctions.describe_execution(executionArn=execution["executionArn"])
            run_id = run_id_from(str(json.loads(described.get("input") or "{}").get("run_id") or execution["name"]))
            found.append((run_id, _workers_at_once(store, run_id, sleep, budget)))
    except Exception:  # noqa: BLE001 - no permission or no answer: counted as none, as the quota check does
        return found
    return found


def _workers_at_once(store: Store, run_id: str, sleep: Callable[[float], None], budget: list[float]) -> int:
    """The workers an earlier run holds at once: from its plan, else its claim, awaited while its
    Plan is under way out of the seconds left in ``budget``; 0 when neither comes."""
    while True:
        plan_key, claim = run_prefix(run_id) + "plan.json", claim_key(run_id)
        if store.exists(plan_key):
            plan = store.get_json(plan_key)
            return int(plan.get("workers", 0)) * (2 if len(plan.get("slices", [])) > 1 else 1)
        if store.exists(claim):
            return int(store.get_json(claim).get("workers_at_once", 0))
        if budget[0] <= 0:
            return 0
        sleep(CLAIM_POLL_S)
        budget[0] -= CLAIM_POLL_S


def check_concurrency_headroom(lambda_client: Any, workers: int, handover: bool = False, gatherers: int = 0,
                               monitor_reserved: int = 0, worker_reserved: int = 0,
                               others: list[tuple[str, int]] | None = None, concurrent_runs: int = 1) -> str | None:
    """On AWS, before anything starts: can the account run this many workers at once? With
    several slices, two slices' workers (and gatherers) run at once while they hand over. The
    control functions' reserved concurrency (``monitor_reserved`` > 0: the monitor's, which runs
    the gatherers too, sized for ``concurrent_runs`` runs) is not in the unreserved pool the workers
    draw from; with ``worker_reserved`` the workers draw from that reserve alone. ``others``: the
    runs going on beside this one, (run id, workers at once), whose executions share the pools."""
    others = others or []
    slices_at_once = 2 if handover else 1
    monitors = 1 + gatherers * slices_at_once
    needs = (f"the plan needs {workers * slices_at_once} workers at once"
             + (f" ({workers} per slice, and two slices' while they hand over)" if handover else ""))
    refused = _reserve_refusal(needs, workers * slices_at_once, monitors, gatherers, handover, monitor_reserved,
                               worker_reserved, others, concurrent_runs)
    if refused:
        return refused
    try:
        limit = lambda_client.get_account_settings()["AccountLimit"]
    except Exception:  # noqa: BLE001 - no permission or no answer: the run is not refused on a guess
        return None
    unreserved = int(limit.get("UnreservedConcurrentExecutions", limit.get("ConcurrentExecutions", 0)))
    at_once = 0 if worker_reserved else workers * slices_at_once  # reserved workers draw from their own pool
    control = 0 if monitor_reserved else 2 + monitors  # without reserves: plan, collect and the monitors share the pool
    taken = (0 if worker_reserved else sum(n for _, n in others)) + (0 if monitor_reserved else 3 * len(others))
    if unreserved - taken >= at_once + control:
        return None
    return (f"the plan needs {at_once} workers at once"
            + (f" ({workers} per slice, and two slices' while they hand over)" if handover else "")
            + (f" (+{control} for the plan, monitor, gatherer and collect functions)" if control else "")
            + f" but the account has only {unreserved} unreserved concurrent executions in this region"
              f"{_beside(others)}; raise the Lambda quota 'Concurrent executions' (L-B99A9384) in Service Quotas, "
              "or lower the rate")


def _beside(others: list[tuple[str, int]]) -> str:
    """The runs going on, as a refusal names them."""
    if not others:
        return ""
    held = sum(n for _, n in others)
    names = ", ".join(run_id for run_id, _ in others[:5]) + (" …" if len(others) > 5 else "")
    return (f"; {len(others)} other run{'s' if len(others) != 1 else ''} going on "
            f"hold{'s' if len(others) == 1 else ''} {held} ({names})")


def _reserve_refusal(needs: str, workers_at_once: int, monitors: int, gatherers: int, handover: bool,
                     monitor_reserved: int, worker_reserved: int, others: list[tuple[str, int]],
                     concurrent_runs: int) -> str | None:
    """A refusal by the stack's reserved concurrency: the runs it is sized for, the workers' own
    reserve, the monitor's (which runs the gatherers too)."""
    if monitor_reserved and len(others) + 1 > concurrent_runs:
        return (f"{len(others)} run{'s are' if len(others) != 1 else ' is'} going on already "
                f"({', '.join(run_id for run_id, _ in others[:5])}) and the stack's reserved concurrency holds "
                f"{concurrent_runs} at once (squall:concurrentRuns): wait for one to end, or redeploy with a larger "
                f"squall:concurrentRuns")
    if worker_reserved and workers_at_once + sum(n for _, n in others) > worker_reserved:
        return (f"{needs} but the worker function reserves {worker_reserved} (squall:workerReservedConcurrency)"
                f"{_beside(others)}: raise it and redeploy, or lower the rate")
    if monitor_reserved and monitors > monitor_reserved:
        return (f"the plan needs {monitors} monitor executions at once (the monitor, and {gatherers} gatherers per "
                f"slice{', two slices at a handover' if handover else ''}) but the monitor function reserves "
                f"{monitor_reserved}; deploy with squall:maxWorkers at least this run's workers (it sizes the "
                f"reserve), or leave gather_group_workers out of the input")
    return None
