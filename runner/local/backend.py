"""The local backend: plan, write jobs to the store, start one worker process per core
with a synchronized start, show live progress, stop cleanly on Ctrl-C, then collect.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from analysis.abort import check_abort
from analysis.openmetrics import render_openmetrics
from analysis.result import explanation
from runner.guardrails import HostPolicy
from runner.job import job_key
from runner.plan import make_plan
from runner.preflight import CouldNotRun, Interrupted, check_reachable
from runner.prepare import prepare_run
from runner.results.collect import collect
from runner.results.live import LiveView
from runner.results.live_server import LiveServer
from runner.results.reports import ReportError, write_reports
from runner.results.target import TargetSource
from runner.spec import Spec
from runner.store import LocalStore, StoreError, WritesKeptInMemory, request_stop, run_prefix

ABORT_FLUSH_S = 0.25
START_DELAY_S = 0.3  # from "every worker is ready" to the synchronized first arrival


@dataclass(frozen=True)
class LocalOptions:
    store_dir: str = "squall-runs"
    workers: int | None = None  # default: one per core
    engine: str = "fast"
    flush_interval_s: float = 2.0
    progress_interval_s: float = 1.0
    allowed_hosts: tuple[str, ...] = ()  # --allow-host, beside the spec's limits.allowed_hosts


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class _Interrupts:
    """Ctrl-C, SIGTERM or SIGHUP once: set the stop flag (graceful). Twice: kill the workers.
    Listens from the start of the run, so a signal before the workers start stops it cleanly."""

    def __init__(self) -> None:
        self.count = 0
        self.first = 0  # the first signal's number

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        self.count += 1
        self.first = self.first or signum

    def listen(self) -> dict[int, Any]:
        """Install for every stop signal; returns the handlers it replaced."""
        return {int(signum): signal.signal(signum, self) for signum in STOP_SIGNALS}


def _start_when_ready(store: LocalStore, prefix: str, processes: list[subprocess.Popen[bytes]],
                      progress: Callable[[str, bool], None], interrupts: _Interrupts, timeout_s: float = 120.0) -> float:
    """Wait until every worker process is ready, then give them all one start instant. A stop
    signal meanwhile ends the workers, which have sent nothing: Interrupted."""
    deadline = time.monotonic() + timeout_s
    while len(store.list(prefix + "ready/")) < len(processes):
        if interrupts.count:
            _end(processes)
            raise Interrupted(interrupts.first)
        if any(p.poll() is not None for p in processes) or time.monotonic() > deadline:
            break  # a worker died before starting: the others still run, the verdict names it
        time.sleep(0.02)
    start_at = time.time() + START_DELAY_S
    store.put_json(prefix + "start.json", {"start_at_epoch_s": start_at})
    return start_at


def _end(processes: list[subprocess.Popen[bytes]]) -> None:
    for p in processes:
        if p.poll() is None:
            p.kill()
        p.wait()


Progress = Callable[[str, bool], None]
# Given the progress printer, where the target's metrics come from (the CLI hands in the
# CloudWatch source; this backend never imports the AWS one).
TargetSourceFactory = Callable[[Callable[[str], None]], TargetSource]


def run_local(spec: Spec, run_id: str, seed: int, options: LocalOptions, progress: Progress,
              target_source: TargetSourceFactory | None = None, live_server: LiveServer | None = None) -> dict[str, Any]:
    """Run ``spec`` on this machine and return the result document (also in the store).
    ``live_server``: the live page and /metrics, fed from the live view every poll; its Stop
    is a graceful stop, as Ctrl-C."""
    interrupts = _Interrupts()
    previous = interrupts.listen()
    try:
        return _run_local(spec, run_id, seed, options, progress, target_source, live_server, interrupts)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _run_local(spec: Spec, run_id: str, seed: int, options: LocalOptions, progress: Progress,
               target_source: TargetSourceFactory | None, live_server: LiveServer | None,
               interrupts: _Interrupts) -> dict[str, Any]:
    workers = options.workers or os.cpu_count() or 1
    plan = make_plan(spec, run_id, seed, workers=workers)
    check_reachable(spec.target.base_url)
    store = LocalStore(options.store_dir)
    prefix = run_prefix(run_id)
    meta = {"run_id": run_id, "spec_name": spec.name, "spec_file": spec.file, "target_url": spec.target.base_url,
            "backend": "local", "engine": options.engine, "started_at_epoch_s": time.time(), "workers": plan.workers,
            "pid": os.getpid(),  # `squall watch` in another terminal tells a dead run from a slow one
            "profile": spec.profile}
    # With abort rules, workers flush and the parent judges four times a second, so an abort acts
    # within a second of the second that broke the rule (not ~5 s later).
    flush_s = min(options.flush_interval_s, ABORT_FLUSH_S) if spec.abort_rules else options.flush_interval_s
    poll_s = min(options.progress_interval_s, ABORT_FLUSH_S) if spec.abort_rules else options.progress_interval_s
    prepare_run(store, spec, plan, meta, options.engine, flush_s, None, sliced=False,
                hosts=HostPolicy.local(spec, options.allowed_hosts))
    if interrupts.count:  # before any worker exists
        raise Interrupted(interrupts.first)
    module = "runner.local.locust_process" if spec.locust is not None else "runner.local.worker_process"
    processes = [subprocess.Popen([sys.executable, "-m", module, str(store.root), job_key(run_id, 0), str(worker_index),
                                   "--parent-pid", str(os.getpid())])
                 for worker_index in range(plan.workers)]
    try:
        start_at = _start_when_ready(store, prefix, processes, progress, interrupts)
        store.put_json(prefix + "meta.json", {**meta, "started_at_epoch_s": start_at})
        live = LiveView(plan)
        stopped, failure = _follow(spec, store, run_id, processes, live, start_at, flush_s, poll_s, progress,
                                   live_server, interrupts)
    finally:
        _end(processes)
    source = None
    if spec.aws is not None and target_source is not None:
        source = target_source(lambda line: progress(line, True))
    result = _collect_despite(store, run_id, stopped, source, failure)
    if interrupts.first:
        result["stop_signal"] = signal.Signals(interrupts.first).name  # the exit code says which
    if result.get("store_failed"):
        progress("reports not written: the results store failed", True)
    else:
        try:
            result["reports"] = write_reports(store, result)
        except ReportError as error:
            result["reports"] = error.written
            progress(f"reports: {error}", True)
    if live_server is not None:
        live.read_new(store, run_id)  # the final shards, written as the workers ended
        report = store.root / prefix / "reports" / "report.html"
        publish_live(live_server, live, spec, time.time() - start_at, 0.0, result["verdict"]["status"],
                     {"status": result["verdict"]["status"], "reasons": explanation(result["verdict"])}, report)
    return result


# complexity: the local run's one loop: signals, the live page's Stop, abort rules, progress, each a few lines
def _follow(spec: Spec, store: LocalStore, run_id: str, processes: list[subprocess.Popen[bytes]], live: LiveView,
            start_at: float, flush_s: float, poll_s: float, progress: Progress, live_server: LiveServer | None,
            interrupts: _Interrupts) -> tuple[bool, str | None]:
    """Show progress while the workers run; turn a signal, the live page's Stop or an abort rule
    into the stop flag; stop the workers when the store fails. Returns whether the run was stopped
    (by a person, not an abort rule) and how the store failed, if it did."""
    prefix = run_prefix(run_id)
    stopped = False
    failure: str | None = None
    while any(p.poll() is None for p in processes):
        elapsed_s = time.time() - start_at
        if failure is None:
            try:  # the store still takes writes (a full disk would lose every shard from now on)
                store.put_json(prefix + "parent.json", {"pid": os.getpid(), "elapsed_s": round(elapsed_s, 3)})
                live.read_new(store, run_id)
            except StoreError as error:
                failure = f"results store failed at {max(0.0, elapsed_s):.0f} s: {error}"
                progress(f"stopping: {failure}", True)
                for p in processes:
                    p.send_signal(signal.SIGTERM)  # a graceful stop: the flag cannot be written
        if interrupts.count and not stopped and failure is None:
            stopped = True
            name = signal.Signals(interrupts.first).name
            request_stop(store, run_id, f"interrupted ({name})\n".encode(), live.plan.workers)
            for p in processes:  # at once, not at their next poll of the flag: a graceful stop (runner/local/lifeline.py)
                if p.poll() is None:
                    p.send_signal(signal.SIGTERM)
            progress(f"stopping ({name}): finishing in-flight work (again to kill the workers)", True)
        if live_server is not None and live_server.stop_requested.is_set() and not stopped and failure is None:
            stopped = True
            request_stop(store, run_id, b"stopped from the live page\n", live.plan.workers)
            progress("stopping: asked on the live page; finishing in-flight work", True)
        if interrupts.count > 1:
            for p in processes:
                p.kill()  # at once: a worker takes a single SIGTERM as a graceful stop
        # a second is complete once every worker has flushed past its end
        complete = int(elapsed_s - flush_s - ABORT_FLUSH_S) - 1
        decision = check_abort(spec.abort_rules, live.windows, complete) \
            if spec.abort_rules and not stopped and failure is None else None
        if decision is not None:
            stopped = True
            request_stop(store, run_id, json.dumps({"kind": "abort", **decision.to_dict()}).encode(), live.plan.workers)
            progress(f"aborting: {decision.describe()}", True)
        progress(live.line(elapsed_s, flush_s), False)
        if live_server is not None:
            publish_live(live_server, live, spec, elapsed_s, flush_s, "stopping" if stopped else "running")
        _nap(poll_s, interrupts, stopped)
    return stopped, failure


def _nap(poll_s: float, interrupts: _Interrupts, stopped: bool) -> None:
    """Sleep until the next poll, but wake at once for a first stop signal (a sleep goes on after
    a signal's handler has run: the stop would wait for the rest of the poll interval)."""
    deadline = time.monotonic() + poll_s
    while time.monotonic() < deadline and not (interrupts.count and not stopped):
        time.sleep(min(0.05, max(0.0, deadline - time.monotonic())))


def _collect_despite(store: LocalStore, run_id: str, stopped: bool, source: TargetSource | None,
                     failure: str | None) -> dict[str, Any]:
    """Collect the run; when its store failed (during the run, or now as result.json is written),
    judge what the store still holds with writes kept in memory: INCONCLUSIVE, the failure first,
    ``store_failed`` set (the CLI exits 3)."""
    if failure is None:
        try:
            return collect(store, run_id, stopped=stopped, target_source=source)
        except StoreError as error:
            failure = f"results store failed while collecting: {error}"
    try:
        # the load was stopped when the store failed: judged over the seconds it ran
        result = collect(WritesKeptInMemory(store), run_id, stopped=True, target_source=source,
                         incomplete=f"{failure}; the results are those flushed before it")
    except StoreError as error:
        raise CouldNotRun(f"{failure}; then {error}; every shard written is kept: `squall collect {run_id}` "
                          f"merges and judges them again") from None
    result["store_failed"] = failure
    return result


def publish_live(server: LiveServer, live: LiveView, spec: Spec, elapsed_s: float, settled_s: float, state: str,
                 verdict: dict[str, Any] | None = None, report: Path | None = None) -> None:
    snapshot = live.snapshot(elapsed_s, settled_s, spec.thresholds, state)
    snapshot.update(name=spec.name, verdict=verdict, report=bool(report and report.is_file()))
    server.publish(snapshot, render_openmetrics(live.endpoints, live.health, live.users_now(elapsed_s), state), report)
