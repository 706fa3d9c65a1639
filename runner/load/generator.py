"""The load generator: one worker's share of the plan, phase by phase.

Open model: arrivals are due at times fixed by the plan (runner.pacing) on the worker's
clock, whatever the target does; each is launched when due, counted late when it starts
more than the lag tolerance after its due time, and dropped (counted, never sent) when
the in-flight cap is reached. Closed model: N users loop their scenarios.
Clock, sleep, engine and shard sink are injected; times are monotonic seconds.
"""
from __future__ import annotations

import asyncio
import bisect
import itertools
import math
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from analysis.shard import Shard, compact, cumulate
from analysis.stats import Window
from runner.guardrails import HostPolicy
from runner.load.engines.base import Engine, PacedEngine
from runner.load.flow import Clock, FlowRunner, Sleep, UserState
from runner.load.recorder import Recorder
from runner.pacing import user_windows, worker_arrival_offsets
from runner.plan import PhasePlan, RunPlan
from runner.secrets import Redactor
from runner.spec.model import Scenario, Spec, UserClass

ShardSink = Callable[[Shard], Awaitable[None]]


class ShardWriteFailed(Exception):
    """A shard could not be stored even after retries: the worker stops and fails."""
TIMER_TICK_S = 0.001
# An arrival the generator could not start within this long of its due time is shed: counted
# (dropped and shed), never sent. A saturated worker that sent its whole backlog at once would
# hold ever more requests in flight and slow down further; shedding lets the achieved rate
# plateau near the worker's capacity (and the run is inconclusive either way).
SHED_AFTER_S = 1.0
# Before its slice starts a worker opens the connections WARM_S of its busiest open phase's arrivals need
# (runner/load/engines/fast.py: at most its first 64), WARM_LEAD_S before the start at the earliest, if
# WARM_MARGIN_S or more remain.
WARM_S = 0.003
WARM_LEAD_S = 0.5
WARM_MARGIN_S = 0.05


@dataclass(frozen=True)
class WorkerSettings:
    worker_index: int
    slice_index: int = 0
    flush_interval_s: float = 5.0
    stop_poll_s: float = 0.5
    # The part of the run this worker covers, in seconds from the run's start: a Lambda
    # worker runs one time slice; a local worker runs the whole run (window_end_s None).
    window_start_s: float = 0.0
    window_end_s: float | None = None


def _take_ticket(tickets: list[int] | None) -> bool:
    if tickets is None:
        return True
    if tickets[0] <= 0:
        return False
    tickets[0] -= 1
    return True


class WeightedPick:
    def __init__(self, items: list[tuple[Scenario, float]]) -> None:
        self.items = [item for item, _ in items]
        self.cumulative = list(itertools.accumulate(weight for _, weight in items))

    def pick(self, rng: random.Random) -> Scenario:
        index = bisect.bisect_right(self.cumulative, rng.random() * self.cumulative[-1])
        return self.items[index] if index < len(self.items) else self.items[-1]  # not min(): dearer, per arrival


class UserClasses:
    """Which class each user of the run is given: by weight, in a fixed order (smooth weighted
    round robin), so that any number of users splits between classes as exactly as it can
    (10:1 over 55 users is 50 and 5), whatever the number of workers."""

    def __init__(self, classes: tuple[UserClass, ...], scenarios: dict[str, Scenario]) -> None:
        self.classes = [k for k in classes if k.weight > 0] or list(classes)
        self.order: list[UserClass] = []
        self._current = [0.0] * len(self.classes)
        self.tasks = {k.name: WeightedPick([(scenarios[name], weight) for name, weight in k.tasks if weight > 0])
                      for k in self.classes}

    def for_user(self, index: int) -> UserClass:
        weights = [k.weight or 1.0 for k in self.classes]
        total = sum(weights)
        while len(self.order) <= index:
            for i, weight in enumerate(weights):
                self._current[i] += weight
            chosen = max(range(len(weights)), key=lambda i: self._current[i])
            self._current[chosen] -= total
            self.order.append(self.classes[chosen])
        return self.order[index]


class LoadGenerator:
    def __init__(self, spec: Spec, plan: RunPlan, settings: WorkerSettings, engine: Engine,
                 sink: ShardSink, start_mono_s: float, clock: Clock, sleep: Sleep,
                 stop_requested: Callable[[], bool] = lambda: False,
                 cpu_clock: Callable[[], float] = time.process_time,
                 secrets: dict[str, str] | None = None, send_until_s: float = float("inf"),
                 drain_until_s: float = float("inf"), epoch_clock: Callable[[], float] = time.time,
                 hosts: HostPolicy | None = None, snapshot_sink: ShardSink | None = None,
                 max_in_flight: int | None = None, at_flush: Callable[[bool], None] | None = None) -> None:
        """``send_until_s`` / ``drain_until_s`` (on ``clock``): when a worker that must stop before its
        planned end (a Lambda's time budget) stops sending, and when its drain must end; the
        arrivals it could not send are counted as cut, never silently missing. ``snapshot_sink``:
        where the worker's snapshot goes at its end (every window of its slice in one shard).
        ``max_in_flight``: a ceiling below the plan's (a Lambda has 1,024 file descriptors).
        ``at_flush``: called at each flush with whether an arrival started late since the last one
        (the worker collects its garbage there: runner/load/gc_policy.py)."""
        self.spec, self.plan, self.settings = spec, plan, settings
        self.clock, self.sleep, self.sink = clock, sleep, sink
        self.start_mono_s = start_mono_s
        self.stop_requested = stop_requested
        self.cpu_clock, self.epoch_clock = cpu_clock, epoch_clock
        self.send_until_s, self.drain_until_s = send_until_s, drain_until_s
        self.snapshot_sink = snapshot_sink
        self.at_flush = at_flush
        self.late_since_flush = 0  # arrivals started late since the last flush
        self.flushed: dict[int, Window] = {}  # every window flushed so far, for the snapshot
        self.window_start_s = settings.window_start_s
        self.window_end_s = settings.window_end_s if settings.window_end_s is not None else plan.duration_s
        # One stream per worker and slice: $uuid, scenario picks and random rows never repeat from
        # one 14-minute slice to the next (slice 0 keeps the stream it always had).
        self.rng = random.Random(plan.seed * 1_000_003 + settings.worker_index + settings.slice_index * 1_000_000_007)
        self.recorder = Recorder(plan.run_id, settings.slice_index, settings.worker_index, start_mono_s)
        self.flows = FlowRunner(spec, engine, self.recorder, clock, sleep, self.rng, settings.worker_index, secrets,
                                hosts, slice_index=settings.slice_index)
        self.redact = Redactor(secrets or {}).redact
        self.in_flight: set[asyncio.Task[Any]] = set()  # scenarios (open model) and users (closed)
        self.max_in_flight = plan.in_flight_limit(max_in_flight)
        self.skip_before_s = float("-inf")  # a late start: arrivals due before this are skipped
        self.lag_tolerance_s = spec.limits.health.lag_tolerance_ms / 1000
        self.stopping = False
        self.interrupted: str | None = None  # why it stopped unasked: into the final shard (analysis.shard)
        self.sink_failure: Exception | None = None
        self._next_stop_poll_s = float("-inf")
        weights = [s.weight for s in spec.scenarios]
        self.cumulative = [sum(weights[: i + 1]) for i in range(len(weights))]
        self.scenarios = spec.scenarios
        self.by_name = {s.name: s for s in spec.scenarios}
        self.classes = UserClasses(spec.user_classes, self.by_name) if spec.user_classes else None
        self._cpu_mark = (cpu_clock(), clock())

    def pick_scenario(self) -> Scenario:
        index = bisect.bisect_right(self.cumulative, self.rng.random() * self.cumulative[-1])
        return self.scenarios[index] if index < len(self.scenarios) else self.scenarios[-1]  # not min(): per arrival

    async def run(self) -> None:
        """Run every phase, drain, and write the final shard (also after an error)."""
        slice_start_s = self.start_mono_s + self.window_start_s
        if self.clock() - slice_start_s > self.lag_tolerance_s:
            # Started late (a cold start, the Map still launching): what is already older than
            # the lag tolerance is skipped and counted, never fired at the target in one burst.
            self.skip_before_s = self.clock() - self.lag_tolerance_s
        flusher = asyncio.ensure_future(self._flush_loop())
        error: str | None = None
        try:
            await self._warm_pool(slice_start_s)
            for phase in self.plan.phases:
                if self.stopping:
                    break
                if phase.offset_s + phase.duration_s <= self.window_start_s or phase.offset_s >= self.window_end_s:
                    continue  # outside this worker's time slice
                if phase.kind == "rate":
                    await self._open_phase(phase)
                elif phase.kind == "users":
                    await self._closed_phase(phase)
                else:
                    await self._sleep_until(self.start_mono_s + min(phase.offset_s + phase.duration_s,
                                                                    self.window_end_s))
            await self._drain()
            if self.sink_failure is not None:
                raise ShardWriteFailed(f"results could not be written: {self.sink_failure}") from self.sink_failure
        except Exception as failure:  # the final shard must still say what happened
            error = self.redact(f"{type(failure).__name__}: {failure}")
            raise
        finally:
            flusher.cancel()
            self._account_cpu()
            final = self.recorder.take_shard(final=True, error=error, seq_at_least=self._flush_number())
            final.ended_at_epoch_s, final.interrupted = self.epoch_clock(), self.interrupted
            await self.sink(final)
            if self.snapshot_sink is not None:
                cumulate(self.flushed, final)
                seconds, totals = compact(self.flushed)
                await self.snapshot_sink(Shard(
                    final.run_id, final.slice_index, final.worker_index, final.seq, seconds, final=True,
                    error=error, ended_at_epoch_s=final.ended_at_epoch_s, covers=self.recorder.taken, totals=totals,
                    interrupted=self.interrupted))

    async def _warm_pool(self, slice_start_s: float) -> None:
        """With time to spare before the slice starts, the engine opens the connections its first
        milliseconds need (WARM_S of the busiest open phase's arrivals), so the start is not a queue:
        WARM_LEAD_S before the start at the earliest (a connection left idle longer may be closed by
        the target, and a POST is never sent twice), and never failing the run (best effort)."""
        warm = getattr(self.flows.engine, "warm", None)
        peak = max((max(p.start, p.end) for p in self.plan.phases if p.kind == "rate"), default=0.0)
        connections = math.ceil(peak / self.plan.workers * WARM_S)
        if warm is None or connections <= 0 or slice_start_s - self.clock() < WARM_MARGIN_S:
            return
        await self._sleep_until(slice_start_s - WARM_LEAD_S)
        if self.stopping:
            return
        try:
            await asyncio.wait_for(warm(self.flows.base_url, connections),
                                   max(0.0, slice_start_s - self.clock() - 0.01))
        except (TimeoutError, OSError, ValueError):
            return

    def _check_stop(self) -> bool:
        """Poll the stop flag at most once per poll interval (it may be a file or an S3 key)."""
        if not self.stopping:
            now = self.clock()
            if now >= self._next_stop_poll_s:
                self._next_stop_poll_s = now + self.settings.stop_poll_s
                self.stopping = self.stop_requested()
        return self.stopping

    async def _sleep_until(self, due_s: float) -> None:
        due_s = min(due_s, self.send_until_s)
        while True:
            remaining = due_s - self.clock()
            if remaining <= 0 or self._check_stop():
                return
            # Event-loop timers tick in milliseconds: a shorter sleep returns at once and would
            # spin the CPU, so wait at least one tick (the lag this adds is measured and reported).
            await self.sleep(max(min(remaining, self.settings.stop_poll_s), TIMER_TICK_S))

    async def _open_phase(self, phase: PhasePlan) -> None:
        phase_start = self.start_mono_s + phase.offset_s
        offsets = worker_arrival_offsets(
            phase.start, phase.end, phase.duration_s, self.settings.worker_index, self.plan.workers,
            poisson=self.spec.arrivals == "poisson", rng=self.rng, before=phase.arrivals_before)
        clock, window_at = self.clock, self.recorder.window_at
        tolerance, in_flight, send_until = self.lag_tolerance_s, self.in_flight, self.send_until_s
        create_task = asyncio.get_running_loop().create_task
        first_s = self.window_start_s - phase.offset_s  # this slice's part of the phase
        last_s = self.window_end_s - phase.offset_s
        # the engine's pool does not grow while the schedule runs late (runner/load/engines/fast.py)
        pool = self.flows.engine if isinstance(self.flows.engine, PacedEngine) else None
        for offset in offsets:
            if offset < first_s:
                continue
            if offset >= last_s:
                break
            due = phase_start + offset
            if due < self.skip_before_s:  # overdue when this worker started: skipped, counted
                health = window_at(due).health
                health.intended += 1
                health.dropped += 1
                health.skipped_late_start += 1
                continue
            if due >= send_until:  # past the time budget: counted where it was due, never sent
                health = window_at(due).health
                health.intended += 1
                health.cut += 1
                continue
            now = clock()
            if due > now:
                await self._sleep_until(due)
                now = clock()
            if self._check_stop():
                return
            health = window_at(due).health
            health.intended += 1
            lag_s = now - due
            health.lag.record(int(lag_s * 1_000_000 + 0.5))
            if pool is not None:
                pool.schedule_lag_s = lag_s
            if lag_s > tolerance:
                health.late += 1
                self.late_since_flush += 1
                if lag_s > SHED_AFTER_S:
                    health.dropped += 1
                    health.shed += 1
                    continue
            if len(in_flight) >= self.max_in_flight:
                health.dropped += 1
                continue
            task = create_task(self.flows.run(self.pick_scenario(), due))
            in_flight.add(task)
            task.add_done_callback(in_flight.discard)
        if pool is not None:
            pool.schedule_lag_s = 0.0
        await self._sleep_until(phase_start + min(phase.duration_s, last_s))

    async def _closed_phase(self, phase: PhasePlan) -> None:
        phase_start = self.start_mono_s + phase.offset_s
        start_users, end_users = self.plan.worker_users(phase, self.settings.worker_index)
        first_s = max(0.0, self.window_start_s - phase.offset_s)
        last_s = min(phase.duration_s, self.window_end_s - phase.offset_s)
        workers, me = self.plan.workers, self.settings.worker_index
        windows = [(max(begin, first_s), min(stop, last_s))
                   for begin, stop in user_windows(start_users, end_users, phase.duration_s, phase.spawn_rate_per_s,
                                                   first_index=me, index_step=workers)]
        share = self.plan.worker_iterations(phase, me)
        tickets = [share] if share is not None else None  # iterations this worker's users may still start
        users = []
        for i, (begin, stop) in enumerate(windows):
            if stop > begin:
                # users finish their last iteration in the background (the drain waits for them):
                # an overrun never delays the next phase, nor makes its arrivals late; user i of
                # this worker is user i * workers + me of the run (which class it is given)
                user = asyncio.ensure_future(self._user(phase_start + begin, phase_start + stop, i * workers + me,
                                                        tickets))
                self.in_flight.add(user)
                user.add_done_callback(self.in_flight.discard)
                users.append(user)
        last_phase = phase is self.plan.phases[-1] or phase.offset_s + phase.duration_s >= self.window_end_s
        if tickets is not None and last_phase:
            # a fixed number of iterations (hey -n -c): once they are done, so is the run
            while users and not all(u.done() for u in users) and self.clock() < phase_start + last_s \
                    and not self._check_stop():
                await self.sleep(min(self.settings.stop_poll_s, 0.05))
            return
        await self._sleep_until(phase_start + last_s)

    async def _user(self, begin_s: float, stop_s: float, run_index: int = 0, tickets: list[int] | None = None) -> None:
        """``tickets``: the iterations left to this worker's users of the phase (None: no limit)."""
        if stop_s > self.send_until_s:  # this user's time is cut short by the time budget
            self.recorder.window_at(max(begin_s, self.send_until_s)).health.cut += 1
            stop_s = self.send_until_s
        await self._sleep_until(begin_s)
        if self.classes is not None:
            await self._class_user(self.classes.for_user(run_index), stop_s, tickets)
            return
        user = UserState()  # its cookies go from one iteration to the next
        while self.clock() < stop_s and not self.stopping and _take_ticket(tickets):
            now = self.clock()
            self.recorder.window_at(now).health.iterations += 1  # an iteration, not an arrival
            await self.flows.run(self.pick_scenario(), now, keep_pace=True, user=user)

    async def _class_user(self, klass: UserClass, stop_s: float, tickets: list[int] | None = None) -> None:
        """A user of a user class: its on_start once, then its tasks by weight, each followed by the
        class's wait (or kept to its pacing: a task that starts late against it is a late step)."""
        user = UserState(klass.headers)
        if klass.on_start is not None and self.clock() < stop_s and not self.stopping:
            await self.flows.run(self.by_name[klass.on_start], self.clock(), keep_pace=True, user=user,
                                 keep_captures=True)
        assert self.classes is not None
        tasks = self.classes.tasks[klass.name]
        next_start_s = self.clock()
        while self.clock() < stop_s and not self.stopping and _take_ticket(tickets):
            now = self.clock()
            if klass.pacing_s is not None and now - next_start_s > self.lag_tolerance_s:
                self.recorder.window_at(next_start_s).health.late_steps += 1
            self.recorder.window_at(now).health.iterations += 1
            await self.flows.run(tasks.pick(self.rng), now, keep_pace=True, user=user)
            if klass.pacing_s is not None:
                next_start_s = max(next_start_s + klass.pacing_s, now)  # a task every pacing_s, never a burst
                await self._sleep_until(min(next_start_s, stop_s))
            else:
                low, high = klass.wait_s
                wait_s = low if high == low else self.rng.uniform(low, high)
                if wait_s > 0:
                    await self._sleep_until(min(self.clock() + wait_s, stop_s))

    async def _drain(self) -> None:
        """Give in-flight scenarios until the drain time (or the stop) to finish, then cancel them."""
        deadline = min(self.clock() + self.spec.limits.drain_s, self.drain_until_s)
        while self.in_flight and self.clock() < deadline and not self._check_stop():
            # Wait on the injected clock (not asyncio's timeout), so a virtual clock drives it too; one
            # gather over what is in flight per poll interval (a wait per completion would cost O(n^2)).
            everything: asyncio.Future[Any] = asyncio.gather(*self.in_flight, return_exceptions=True)
            timer: asyncio.Future[Any] = asyncio.ensure_future(
                self.sleep(min(self.settings.stop_poll_s, deadline - self.clock())))
            await asyncio.wait({everything, timer}, return_when=asyncio.FIRST_COMPLETED)
            timer.cancel()
        for task in list(self.in_flight):
            task.cancel()
        if self.in_flight:
            await asyncio.gather(*self.in_flight, return_exceptions=True)

    def _account_cpu(self) -> None:
        cpu_now, wall_now = self.cpu_clock(), self.clock()
        health = self.recorder.window_at(max(wall_now, self.start_mono_s)).health
        health.cpu_s += cpu_now - self._cpu_mark[0]
        health.wall_s += wall_now - self._cpu_mark[1]
        self._cpu_mark = (cpu_now, wall_now)

    def _flush_number(self) -> int:
        """Which flush interval of the slice this is, counted from the slice's start."""
        elapsed_s = self.clock() - (self.start_mono_s + self.window_start_s)
        return max(0, int(elapsed_s / self.settings.flush_interval_s))

    async def _flush_loop(self) -> None:
        while True:
            await self.sleep(self.settings.flush_interval_s)
            self._account_cpu()
            shard = self.recorder.take_shard(seq_at_least=self._flush_number())
            if self.snapshot_sink is not None:
                cumulate(self.flushed, shard)
            if self.at_flush is not None:
                self.at_flush(self.late_since_flush > 0)
            self.late_since_flush = 0
            try:
                await self.sink(shard)
            except Exception as failure:  # the sink already retried: stop sending load, fail loudly
                self.sink_failure = failure
                self.stopping = True
                return
