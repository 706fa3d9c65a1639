"""A locustfile's user classes, run by Locust itself (used as a library), recorded as Squall
records everything: every request event goes into the per-second, per-endpoint histograms and
is flushed as ordinary shards, so merge, verdict, reports, baselines and abort rules need no
special case.

Runs in a process of its own, after gevent's monkey-patching (runner.local.locust_process):
Locust's greenlets never meet the asyncio worker. Users are split across workers as Locust's
distributed mode splits them, without a master. Times are Locust's own (closed model: not
corrected for coordinated omission); a request is filed under the second it started.
"""
from __future__ import annotations

import errno
import os
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analysis.endpoints import EndpointNames
from analysis.shard import Shard, compact, cumulate
from analysis.stats import Window
from runner.guardrails import HostPolicy
from runner.job import WorkerJob
from runner.load.recorder import Recorder
from runner.pacing import split_evenly
from runner.plan import RunPlan, WorkerBudget
from runner.secrets import resolve_environment, target_url_with, template_references
from runner.spec.locust_folder import unpack
from runner.spec.model import Spec
from runner.store import Store, StoreError, put_with_retry, shard_bytes, stop_flag_key

if TYPE_CHECKING:
    from locust.env import Environment

MAX_FAILURE_CLASSES = 20  # distinct failure messages kept as classes per worker; the rest are "failure: other"


# A worker stopped unasked (its squall process gone, a signal) gives its users this long to finish the
# task they are in: killed at once, a request the target had already read was never counted.
INTERRUPTED_DRAIN_S = 1.0


class LocustfileFailed(Exception):
    """The locustfile failed as this worker imported it: where, and why."""


def import_failure(locustfile: str, failure: BaseException, processes: int) -> str:
    """A failure while the locustfile was imported, at the file's own line (its deepest frame in the
    file), with the per-process hint when module-level code holds something one process may hold."""
    line = next((frame.lineno for frame in reversed(traceback.extract_tb(failure.__traceback__))
                 if os.path.abspath(frame.filename) == os.path.abspath(locustfile)), None)
    where = f"{locustfile}:{line}" if line else locustfile
    said = f"{where}: {type(failure).__name__}: {failure}"
    if processes > 1 and isinstance(failure, OSError) and failure.errno == errno.EADDRINUSE:
        said += (f" (module-level code runs in each of the {processes} worker processes, as under Locust's "
                 f"--processes: one of them holds it already; run one process, or start it in a test_start listener "
                 f"guarded to one process)")
    return said


class LocustRecorder:
    """Locust's request events, into a Squall Recorder."""

    def __init__(self, recorder: Recorder, max_endpoints: int = 1000, always: frozenset[str] = frozenset()) -> None:
        self.recorder = recorder
        self.names = EndpointNames(max_endpoints, always)  # a name per URL must not grow without end
        self.failure_classes: set[str] = set()
        self.exception_messages: set[str] = set()
        self.tracebacks_kept: set[str] = set()

    def on_request(self, request_type: str, name: str, response_time: float, response_length: int,
                   response: Any = None, exception: BaseException | None = None, **_: Any) -> None:
        began = time.monotonic() - (response_time or 0.0) / 1000
        window = self.recorder.window_at(began)
        stats = window.endpoint(self.names.name(f"{request_type} {name}", window.health))
        stats.requests += 1
        latency_us = int((response_time or 0.0) * 1000 + 0.5)
        stats.latency.record(latency_us)
        stats.latency_uncorrected.record(latency_us)  # Locust's timings are from the actual send
        status = int(getattr(response, "status_code", 0) or 0)
        if status:
            stats.responses += 1
            stats.bytes_in += int(response_length or 0)
            stats.statuses[str(status)] = stats.statuses.get(str(status), 0) + 1
        if exception is not None:
            kind = self.error_class(status, exception)
            stats.errors[kind] = stats.errors.get(kind, 0) + 1
            host = getattr(exception, "host", None) if kind == "refused_host" else None
            if host is not None:
                refused = self.recorder.window_at(began).health.refused_hosts
                refused[host] = refused.get(host, 0) + 1
            if status:
                stats.error_statuses[str(status)] = stats.error_statuses.get(str(status), 0) + 1

    def on_user_error(self, user_instance: Any, exception: BaseException, tb: Any = None, **_: Any) -> None:
        """An exception a task raised (not a request's failure): counted by message, as Locust's
        Exceptions tab counts it, under the second it was raised."""
        exceptions = self.recorder.window_at(time.monotonic()).health.exceptions
        message = f"{type(exception).__name__}: {str(exception)[:100]}"
        if message not in self.exception_messages and len(self.exception_messages) >= MAX_FAILURE_CLASSES:
            message = "other exceptions"
        self.exception_messages.add(message)
        exceptions[message] = exceptions.get(message, 0) + 1
        if tb is not None and message not in self.tracebacks_kept:  # the first one, as Locust's CSV shows it
            self.tracebacks_kept.add(message)
            self.recorder.window_at(time.monotonic()).health.tracebacks[message] = "".join(traceback.format_tb(tb))

    def error_class(self, status: int, exception: BaseException) -> str:
        if type(exception).__name__ == "RefusedHost":  # runner.load.locust_hosts: never sent
            return "refused_host"
        if status >= 400 and "CatchResponseError" not in type(exception).__name__:
            return "http_429" if status == 429 else "http_4xx" if status < 500 else "http_5xx"
        name = type(exception).__name__.lower()
        if "timeout" in name:
            return "timeout"
        if "connect" in name or "refused" in name:
            return "connect"
        # catch_response's failure(...) and anything else: Locust shows its message, and so do we
        kind = f"failure: {str(exception)[:60]}"
        if kind not in self.failure_classes and len(self.failure_classes) >= MAX_FAILURE_CLASSES:
            return "failure: other"
        self.failure_classes.add(kind)
        return kind


def worker_class_counts(classes: list[tuple[str, float, int]], users: int, workers: int,
                        worker_index: int) -> dict[str, int]:
    """How many users of each class (name, weight, Locust's fixed_count) this worker runs: the
    run's users are numbered and worker w runs numbers w, w + workers, ...; the classes with a
    fixed_count take the first numbers, then the others by weight in a fixed order (smooth
    weighted round robin), so the whole run has the mix Locust gives that many users (3:1 over
    4 users is 3 and 1) however many workers share it."""
    order: list[str] = []
    for name, _, fixed in classes:
        order += [name] * fixed
    weighted = [(name, weight) for name, weight, fixed in classes if not fixed and weight > 0]
    current = [0.0] * len(weighted)
    total = sum(weight for _, weight in weighted)
    while len(order) < users and weighted:
        for i, (_, weight) in enumerate(weighted):
            current[i] += weight
        chosen = max(range(len(weighted)), key=lambda i: current[i])
        current[chosen] -= total
        order.append(weighted[chosen][0])
    counts = {name: 0 for name, _, _ in classes}
    for index in range(worker_index, min(users, len(order)), workers):
        counts[order[index]] += 1
    return counts


def run_locust_job(job: WorkerJob, store: Store, start_at_epoch_s: float, stop_poll_s: float = 0.5,
                   stop_store: Store | None = None, lambda_end_epoch_s: float | None = None,
                   folder: Path | None = None, snapshot: bool = False,
                   stop_now: Callable[[], str | None] = lambda: None, guard_sockets: bool = False) -> int:
    """Run this worker's share of the users from ``start_at_epoch_s`` for the slice's duration.
    On Lambda: the locustfile's carried folder is unpacked into ``folder`` first, the stop flag
    is polled in ``stop_store``, the users stop in time for the drain and the final shard to fit
    before ``lambda_end_epoch_s``, and ``snapshot`` writes the worker's whole slice in one object
    for collect. ``guard_sockets``: hold every connection of the process to the allowed hosts (a
    local worker process; runner.load.locust_hosts). Returns the number of requests recorded."""
    import gevent

    spec = job.load_spec()
    plan = RunPlan.from_dict(job.plan)
    assert spec.locust is not None
    locustfile = _locustfile_path(spec, folder)
    base_url = _guarded_base_url(spec, job, guard_sockets)
    classes, shapes = _load(locustfile, job, plan.workers, store)
    chosen = [classes[name] for name in spec.locust.classes] if spec.locust.classes else list(classes.values())
    for user_class in chosen:
        if not getattr(user_class, "host", None):
            user_class.host = base_url
    users = _users_of_this_worker(spec, job, plan, chosen, shapes, start_at_epoch_s)
    environment = _environment(spec, locustfile, base_url, users)
    send_until_epoch_s = start_at_epoch_s + job.slice_duration_s
    if lambda_end_epoch_s is not None:
        send_until_epoch_s = WorkerBudget.for_slice(start_at_epoch_s, job.slice_duration_s, spec.limits.drain_s,
                                                    lambda_end_epoch_s).send_until_epoch_s
    flusher = ShardFlusher(job, store, start_at_epoch_s - (time.time() - time.monotonic()), snapshot,
                           spec.limits.max_endpoints, frozenset(t.endpoint for t in spec.thresholds if t.endpoint))
    environment.events.request.add_listener(flusher.recording.on_request)  # type: ignore[no-untyped-call]
    environment.events.user_error.add_listener(flusher.recording.on_user_error)  # type: ignore[no-untyped-call]
    stop_key = stop_flag_key(job.run_id, job.worker_index)  # its key group's: request_stop writes every one
    flag_store = stop_store or store

    def stopped() -> str | None:
        return stop_now() or ("stop flag" if _stop_flag(flag_store, stop_key) else None)

    runner = environment.create_local_runner()
    # as Locust's main does: the file's init listeners see the environment and its runner
    environment.events.init.fire(environment=environment, runner=runner, web_ui=None)  # type: ignore[no-untyped-call]
    gevent.sleep(max(0.0, start_at_epoch_s - time.time()))
    flusher.start(job.flush_interval_s)
    error, interrupted = None, None
    try:
        _start_users(runner, users, already_stopped=bool(stopped()))
        _wait_for_the_end(runner, users.shape is not None, send_until_epoch_s, stop_poll_s, stopped)
        interrupted = stop_now()
        if interrupted:  # signalled, or the parent is gone: a short drain, so requests in flight are counted
            environment.stop_timeout = min(spec.limits.drain_s, INTERRUPTED_DRAIN_S)
        runner.quit()  # lets users finish within limits.drain (Locust's stop_timeout)
    except Exception as failure:  # noqa: BLE001 - the final shard says what happened
        error = f"{type(failure).__name__}: {failure}"
        raise
    finally:
        flusher.stop()
        # as Locust's shutdown does, before the final shard
        environment.events.quitting.fire(environment=environment, reverse=True)  # type: ignore[no-untyped-call]
        exit_code = getattr(environment, "process_exit_code", None)  # a quitting listener may have set it
        flusher.flush(final=True, error=error, interrupted=interrupted,
                      exit_code=exit_code if isinstance(exit_code, int) and not isinstance(exit_code, bool) else None)
    return int(runner.stats.total.num_requests)


def _locustfile_path(spec: Spec, folder: Path | None) -> str:
    """The locustfile to load: where it is, or unpacked into ``folder`` when the job carries it."""
    assert spec.locust is not None
    if spec.locust.inlined is None:
        return spec.locust.file
    assert folder is not None, "a carried locustfile needs a folder to be unpacked in"
    unpack(spec.locust.inlined, folder)
    return str(folder / spec.locust.file)


def _guarded_base_url(spec: Spec, job: WorkerJob, guard_sockets: bool) -> str:
    """The target's URL (its `$env.` references read here), with Locust's clients held to the
    allowed hosts; ``guard_sockets``: every other client of the locustfile's too (requests,
    urllib, httpx, sockets)."""
    from runner.load.locust_hosts import guard_connections, guard_hosts
    base_url = target_url_with(spec, resolve_environment(
        {name for name in template_references(spec) if name.startswith("$env.")}, os.environ))
    guard_hosts(HostPolicy(job.allowed_hosts, job.allow_loopback), base_url)
    if guard_sockets:
        guard_connections(HostPolicy(job.allowed_hosts, job.allow_loopback), base_url)
    return base_url


def _load(locustfile: str, job: WorkerJob, workers: int, store: Store) -> tuple[dict[str, Any], list[Any]]:
    """The file's User classes and shapes; a file that fails to import is said in a final shard
    (the verdict names it) and raised."""
    from locust.util.load_locustfile import load_locustfile
    try:
        classes, shapes = load_locustfile(locustfile)
    except Exception as failure:  # noqa: BLE001 - said in a final shard and raised
        said = import_failure(locustfile, failure, workers)
        shard = Recorder(job.run_id, job.slice_index, job.worker_index, time.monotonic()).take_shard(
            final=True, error=f"{said} (before sending load)")
        shard.ended_at_epoch_s = time.time()
        put_with_retry(store, *shard_bytes(shard))
        raise LocustfileFailed(said) from None
    return classes, list(shapes)


@dataclass(frozen=True)
class WorkerUsers:
    """This worker's share of the run's users: a shape's, or counts per class and a spawn rate."""

    classes: list[Any]
    count: int = 0
    spawn_rate: float = 0.0
    shape: Any = None


def _users_of_this_worker(spec: Spec, job: WorkerJob, plan: RunPlan, chosen: list[Any], shapes: list[Any],
                          start_at_epoch_s: float) -> WorkerUsers:
    assert spec.locust is not None
    if spec.locust.shape is not None:  # the file's shape, followed by every worker for its share of the users
        return WorkerUsers(chosen, shape=_worker_share(shapes, spec.locust.shape, plan.workers, job.worker_index,
                                                       lambda: job.slice_offset_s + time.time() - start_at_epoch_s))
    phase = plan.phases[0]
    counts = worker_class_counts([(k.__name__, float(getattr(k, "weight", 1) or 0),
                                   int(getattr(k, "fixed_count", 0) or 0)) for k in chosen],
                                 int(phase.start), plan.workers, job.worker_index)
    mine = [k for k in chosen if counts[k.__name__]]
    for user_class in mine:  # this worker's users of each class, as the whole run's distribution has them
        user_class.fixed_count = counts[user_class.__name__]
    users = sum(counts.values())
    # A later slice's users come back at once (the run was at full strength when the slice began)
    spawn_rate = (phase.spawn_rate_per_s or max(1.0, phase.start)) / plan.workers if job.slice_index == 0 \
        else max(1.0, float(users))
    return WorkerUsers(mine or chosen, users, spawn_rate)


def _environment(spec: Spec, locustfile: str, base_url: str, users: WorkerUsers) -> Environment:
    """Locust's Environment with its own global events (the file's listeners are on them) and its
    parsed options (the file's own options among them), as `locust` gives them to a locustfile."""
    import locust
    from locust.env import Environment

    from runner.load.locust_check import locust_options
    assert spec.locust is not None
    parsed_options = locust_options(["-f", locustfile, "--headless", "-H", base_url, *spec.locust.options])
    return Environment(user_classes=users.classes, host=base_url, shape_class=users.shape,
                       tags=list(spec.locust.tags) or None, events=locust.events,
                       exclude_tags=list(spec.locust.exclude_tags) or None, stop_timeout=spec.limits.drain_s,
                       parsed_options=parsed_options)


def _start_users(runner: Any, users: WorkerUsers, already_stopped: bool) -> None:
    if already_stopped:
        return  # stopped before this worker began (a slice started as the run was stopped): no users
    if users.shape is not None:
        runner.start_shape()
    elif users.count:
        runner.start(users.count, spawn_rate=users.spawn_rate)


def _wait_for_the_end(runner: Any, shaped: bool, send_until_epoch_s: float, stop_poll_s: float,
                      stopped: Callable[[], str | None]) -> None:
    """Until the slice's sending time is over, a stop, or the shape ending the test."""
    import gevent
    while time.time() < send_until_epoch_s and not stopped():
        if shaped and runner.state == "stopped":
            break
        gevent.sleep(min(stop_poll_s, max(0.0, send_until_epoch_s - time.time())))


class ShardFlusher:
    """What the worker's users recorded, written as delta shards every flush interval (and, with
    ``snapshot``, its whole slice in one object at the end), each with the CPU it took."""

    def __init__(self, job: WorkerJob, store: Store, start_mono_s: float, snapshot: bool, max_endpoints: int,
                 named_endpoints: frozenset[str]) -> None:
        self.job, self.store, self.start_mono_s, self.snapshot = job, store, start_mono_s, snapshot
        self.recorder = Recorder(job.run_id, job.slice_index, job.worker_index, start_mono_s)
        self.recording = LocustRecorder(self.recorder, max_endpoints, named_endpoints)
        self.cpu_mark = (time.process_time(), time.monotonic())
        self.flushed: dict[int, Window] = {}
        self.periodic: Any = None
        self.writing: Any = None

    def start(self, interval_s: float) -> None:
        """Flush every ``interval_s`` in a greenlet of its own."""
        import gevent
        from gevent.lock import Semaphore
        self.writing = Semaphore()
        self.periodic = gevent.spawn(self._every, interval_s)

    def _every(self, interval_s: float) -> None:
        import gevent
        while True:
            gevent.sleep(interval_s)
            with self.writing:
                self.flush()

    def stop(self) -> None:
        """No more periodic flushes, and never one cut in half: a flush takes the recorder's windows
        before its PUT (which yields to other greenlets on S3), so killed inside it, that shard
        would never be written."""
        if self.periodic is not None:
            with self.writing:  # the periodic greenlet sleeps or waits here: never inside a flush
                self.periodic.kill()

    def flush(self, final: bool = False, error: str | None = None, interrupted: str | None = None,
              exit_code: int | None = None) -> None:
        now_cpu, now = time.process_time(), time.monotonic()
        health = self.recorder.window_at(max(now, self.start_mono_s)).health
        health.cpu_s += now_cpu - self.cpu_mark[0]
        health.wall_s += now - self.cpu_mark[1]
        self.cpu_mark = (now_cpu, now)
        seq = max(0, int((now - self.start_mono_s) / self.job.flush_interval_s))
        shard = self.recorder.take_shard(final=final, error=error, seq_at_least=seq)
        if final:
            shard.ended_at_epoch_s, shard.interrupted = time.time(), interrupted
            shard.process_exit_code = exit_code
        put_with_retry(self.store, *shard_bytes(shard))
        if self.snapshot:
            cumulate(self.flushed, shard)
            if final:
                seconds, totals = compact(self.flushed)
                put_with_retry(self.store, *shard_bytes(Shard(
                    shard.run_id, shard.slice_index, shard.worker_index, shard.seq, seconds, final=True, error=error,
                    ended_at_epoch_s=shard.ended_at_epoch_s, covers=self.recorder.taken, totals=totals,
                    interrupted=interrupted, process_exit_code=exit_code)))


def _worker_share(shapes: list[Any], name: str, workers: int, worker_index: int, run_time: Any) -> Any:
    """A LoadTestShape that asks the file's shape (on the run's clock: the slice's offset, plus
    the time since the synchronized start) and answers this worker's share of its users and
    spawn rate, as Locust's master would dispatch them between workers."""
    from locust import LoadTestShape

    [inner] = [s for s in shapes if type(s).__name__ == name]
    inner.get_run_time = run_time

    class WorkerShare(LoadTestShape):
        def tick(self) -> Any:
            inner.runner = self.runner
            value = inner.tick()
            if value is None:
                return None
            share, rate = split_evenly(int(value[0]), workers, worker_index), float(value[1]) / workers
            return (share, rate) if len(value) == 2 else (share, rate, value[2])

    return WorkerShare()  # type: ignore[no-untyped-call]


def _stop_flag(store: Store, key: str) -> bool:
    """A missed poll (a slow or failed answer) is not a stop: the next one comes a poll later."""
    try:
        return store.exists(key)
    except StoreError:
        return False
