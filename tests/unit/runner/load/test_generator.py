"""The load generator on a virtual clock with a scripted engine: no network, no sleeping."""
from __future__ import annotations

import json
from collections.abc import Callable

from analysis.merge import merge_shards
from analysis.shard import Shard
from runner.load.engines.base import Reply
from runner.load.generator import LoadGenerator, WorkerSettings
from runner.plan import make_plan
from runner.spec import parse_spec
from tests.unit.runner.virtual_time import VirtualTime

Script = Callable[[str, str, bytes | None], tuple[float, Reply]]


class ScriptedEngine:
    """Answers after a virtual delay with whatever the script says; remembers every request."""

    def __init__(self, time: VirtualTime, script: Script) -> None:
        self.time, self.script = time, script
        self.sent: list[tuple[float, str, str]] = []
        self.headers: list[dict[str, str]] = []  # each request's headers, as sent

    async def send(self, method: str, url: str, headers: list[tuple[str, str]], body: bytes | None,
                   timeout_s: float | None = None) -> Reply:
        self.sent.append((self.time.now, method, url))
        self.headers.append(dict(headers))
        delay_s, reply = self.script(method, url, body)
        await self.time.sleep(delay_s)
        return reply

    async def close(self) -> None:
        pass


def ok(body: object = None, status: int = 200, delay_s: float = 0.005) -> tuple[float, Reply]:
    data = json.dumps(body).encode() if body is not None else b""
    return delay_s, Reply(status, [("x-request-id", "r-1")], data, None, 100 + len(data), 0)


def run(spec_text: str, script: Script, stall: tuple[float, float] | None = None,
        stop_at: float | None = None, workers: int = 1, worker_index: int = 0,
        send_until_s: float = float("inf"), drain_until_s: float = float("inf"),
        at_flush: Callable[[bool], None] | None = None):
    time = VirtualTime()
    spec = parse_spec(spec_text, "t.yaml")
    plan = make_plan(spec, "run-1", seed=42, workers=workers)
    engine = ScriptedEngine(time, script)
    shards: list[Shard] = []

    async def sink(shard: Shard) -> None:
        shards.append(Shard.from_dict(shard.to_dict(), shard.key))  # through the wire format

    real_clock = time.clock
    if stall:  # the generator's process freezes for stall[1] s at stall[0] (e.g. a GC pause)
        def clock() -> float:
            if time.now >= stall[0] and not getattr(clock, "done", False):
                clock.done = True  # type: ignore[attr-defined]
                time.now += stall[1]
            return real_clock()
    else:
        clock = real_clock
    generator = LoadGenerator(spec, plan, WorkerSettings(worker_index, flush_interval_s=1.0), engine, sink,
                              start_mono_s=0.0, clock=clock, sleep=time.sleep,
                              stop_requested=lambda: stop_at is not None and time.now >= stop_at,
                              cpu_clock=lambda: 0.0, send_until_s=send_until_s, drain_until_s=drain_until_s,
                              epoch_clock=lambda: 1_000.0 + time.now, at_flush=at_flush)
    time.run(generator.run())
    return merge_shards(shards), engine, shards


OPEN = """
target: http://127.0.0.1:1
load: {phases: [{name: steady, duration: 2s, rate: 10/s}]}
limits: {max_in_flight: %d, lag_tolerance: 50ms}
scenarios: [{flow: [{get: {url: /ping, name: ping}}]}]
"""


def test_the_open_model_sends_every_planned_arrival_at_its_time() -> None:
    run_, engine, shards = run(OPEN % 100, lambda m, u, b: ok())
    assert [t for t, _, _ in engine.sent] == [i / 10 for i in range(20)]
    ping = run_.endpoints["ping"]
    assert (ping.requests, ping.responses, ping.statuses) == (20, 20, {"200": 20})
    assert ping.latency.percentile_us(100) == 5_000 == ping.latency.min_us
    assert run_.health.intended == 20 and run_.health.dropped == 0 and run_.health.late == 0
    assert shards[-1].final and len(shards) >= 2  # flushed along the way, final shard last


def test_latency_is_measured_from_the_intended_time_when_the_generator_stalls() -> None:
    run_, engine, _ = run(OPEN % 100, lambda m, u, b: ok(), stall=(1.0, 0.5))
    ping = run_.endpoints["ping"]
    assert ping.requests == 20  # nothing skipped: late arrivals are still sent
    assert run_.health.late == 5  # due at 1.0 .. 1.4, sent at 1.5
    assert ping.latency.max_us >= 505_000 - 10  # corrected: includes the 0.5 s the arrival waited
    assert ping.latency_uncorrected.max_us <= 5_100  # uncorrected: only the response time
    assert run_.health.lag.max_us >= 500_000 - 10


def test_arrivals_beyond_the_in_flight_cap_are_dropped_and_counted() -> None:
    run_, engine, _ = run(OPEN % 2, lambda m, u, b: ok(delay_s=1.0))
    assert len(engine.sent) == run_.endpoints["ping"].requests
    assert run_.health.intended == 20
    assert run_.health.dropped == 20 - len(engine.sent) > 0


FLOW = """
target: http://127.0.0.1:1
load: {phases: [{duration: 1s, rate: 2/s}]}
scenarios:
  - flow:
      - post: {url: /generate, json: {prompt: hi}, capture: [{json: $.jobId, as: jobId}, {header: X-Request-Id, as: rid}]}
      - think: 100ms
      - get: {url: "/status/{{ jobId }}?r={{ rid }}", name: status}
"""


def test_captured_values_flow_into_later_requests() -> None:
    def script(method: str, url: str, body: bytes | None) -> tuple[float, Reply]:
        if url.endswith("/generate"):
            assert json.loads(body or b"") == {"prompt": "hi"}
            return ok({"jobId": "job-7"}, status=202)
        return ok({"status": "done"})
    run_, engine, _ = run(FLOW, script)
    urls = [u for _, _, u in engine.sent]
    assert urls.count("http://127.0.0.1:1/status/job-7?r=r-1") == 2
    assert sum(s.completed for s in run_.scenarios.values()) == 2


def test_a_capture_of_several_values_takes_the_first_and_the_scenario_goes_on() -> None:
    """`$..id` and `$.items[-1].id` used to pass validate and then kill the scenario uncounted."""
    spec = FLOW.replace("$.jobId", "$..id").replace("{header: X-Request-Id, as: rid}", "{json: '$.items[-1].id', as: rid}")
    run_, engine, _ = run(spec, lambda m, u, b: ok({"items": [{"id": "a"}, {"id": "z"}]}, status=202))
    assert [u for _, _, u in engine.sent].count("http://127.0.0.1:1/status/a?r=z") == 2
    assert sum(s.completed for s in run_.scenarios.values()) == 2


def test_a_failed_capture_ends_the_scenario_and_is_counted() -> None:
    run_, engine, _ = run(FLOW, lambda m, u, b: ok({"other": 1}, status=202))
    assert [u for _, _, u in engine.sent] == ["http://127.0.0.1:1/generate"] * 2
    assert run_.endpoints["POST /generate"].errors == {"capture": 2}
    assert sum(s.failed for s in run_.scenarios.values()) == 2


CLASSES = """
target: http://127.0.0.1:1
load: {phases: [{duration: 1s, rate: 6/s}]}
scenarios:
  - flow: [{get: {url: /x, name: x}}]
  - flow: [{get: {url: /limited, name: limited, expect: [200, 429]}}]
"""


def test_statuses_and_error_classes_are_counted() -> None:
    replies = iter([ok(status=500), ok(status=404), ok(status=429), (0.01, Reply(0, [], b"", "timeout", 0, 50)),
                    ok(status=302), ok()] * 4)
    run_, _, _ = run(CLASSES.replace("- flow: [{get: {url: /limited", "# ").split("# ")[0], lambda m, u, b: next(replies))
    x = run_.endpoints["x"]
    assert x.requests == 6
    assert x.errors == {"http_5xx": 1, "http_4xx": 1, "http_429": 1, "timeout": 1}
    assert x.statuses == {"500": 1, "404": 1, "429": 1, "302": 1, "200": 1}
    assert x.error_statuses == {"500": 1, "404": 1, "429": 1}


def test_expected_statuses_are_not_errors() -> None:
    spec = CLASSES.replace("- flow: [{get: {url: /x, name: x}}]\n", "")
    run_, _, _ = run(spec, lambda m, u, b: ok(status=429))
    assert run_.endpoints["limited"].errors == {}
    assert run_.endpoints["limited"].statuses == {"429": 6}


def test_the_stop_flag_ends_the_run_early_and_keeps_what_was_measured() -> None:
    run_, engine, shards = run(OPEN % 100, lambda m, u, b: ok(), stop_at=0.55)
    poll_s = WorkerSettings(0).stop_poll_s
    assert 6 <= len(engine.sent) < 20
    assert max(t for t, _, _ in engine.sent) < 0.55 + poll_s  # stopped within one poll interval
    assert run_.endpoints["ping"].requests == len(engine.sent)
    assert shards[-1].final


def test_two_workers_split_the_schedule_between_them() -> None:
    sent = []
    for w in range(2):
        _, engine, _ = run(OPEN % 100, lambda m, u, b: ok(), workers=2, worker_index=w)
        sent += [t for t, _, _ in engine.sent]
    assert sorted(sent) == [i / 10 for i in range(20)]


CLOSED = """
target: http://127.0.0.1:1
load: {phases: [{duration: 2s, users: 2}]}
scenarios: [{flow: [{get: {url: /u, name: u}}, {think: 500ms}]}]
"""


def test_closed_model_users_loop_their_scenario_with_think_time() -> None:
    run_, engine, _ = run(CLOSED, lambda m, u, b: ok(delay_s=0.1))
    # each user: request 0.1 s + think 0.5 s per loop, from 0 until 2 s: loops start at 0, 0.6, 1.2, 1.8
    assert len(engine.sent) == 8
    assert run_.endpoints["u"].latency.max_us == 100_000


def test_a_time_slice_sends_only_its_part_of_the_schedule() -> None:
    time = VirtualTime()
    spec = parse_spec(OPEN % 100, "t.yaml")
    plan = make_plan(spec, "run-1", seed=42, workers=1)
    engine = ScriptedEngine(time, lambda m, u, b: ok())

    async def sink(shard: Shard) -> None:
        pass
    # the second of two slices: from 1.2 s to the end; its worker's clock starts at the slice
    generator = LoadGenerator(spec, plan, WorkerSettings(0, slice_index=1, window_start_s=1.2, window_end_s=2.0),
                              engine, sink, start_mono_s=-1.2, clock=time.clock, sleep=time.sleep,
                              cpu_clock=lambda: 0.0)
    time.run(generator.run())
    assert [round(t, 6) for t, _, _ in engine.sent] == [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]


def test_a_worker_that_must_stop_early_counts_every_arrival_it_could_not_send_as_cut() -> None:
    """A Lambda's time budget ends the load at 1.2 s of a 2 s phase: the 8 arrivals due after it
    are counted where they were due, as cut; nothing is sent after the budget's end."""
    run_, engine, shards = run(OPEN % 100, lambda m, u, b: ok(), send_until_s=1.2, drain_until_s=1.5)
    assert [t for t, _, _ in engine.sent] == [i / 10 for i in range(12)]
    assert (run_.health.intended, run_.health.cut, run_.health.dropped) == (20, 8, 0)
    assert run_.timeline[1].health.cut == 8  # arrivals 1.2 s .. 1.9 s belong to second 1
    assert shards[-1].final and shards[-1].ended_at_epoch_s == 1_000.0 + 1.2  # the drain found nothing in flight


def test_a_cut_run_is_inconclusive_and_says_the_load_was_less_than_planned() -> None:
    from analysis.verdict import HealthLimits, judge
    run_, _, _ = run(OPEN % 100, lambda m, u, b: ok(), send_until_s=1.2)
    verdict = judge(run_, (), 2.0, HealthLimits(), 1)
    assert verdict.status == "INCONCLUSIVE"
    assert verdict.generator_problems[0].startswith("8 of 20 planned arrivals were never sent: a worker had to stop "
                                                    "before its planned end")


def test_the_drain_ends_at_the_budget_s_drain_deadline() -> None:
    """A 5 s answer is still in flight at the drain deadline: cancelled and counted there."""
    run_, _, _ = run(OPEN % 100, lambda m, u, b: ok(delay_s=5.0), send_until_s=0.15, drain_until_s=0.5)
    ping = run_.endpoints["ping"]
    assert ping.requests == 2 and ping.errors == {"cancelled": 2}
    assert run_.health.cut == 18


CLOSED_THINKING = """
target: http://127.0.0.1:1
load: {phases: [{name: users, duration: 2s, users: 2}]}
scenarios: [{flow: [{get: {url: /ping, name: ping}}, {think: 100ms}]}]
"""


def test_a_closed_model_user_whose_step_fails_still_waits_its_think() -> None:
    """50 users with think 1 s against a throttling API sent 1,563 req/s instead of ~47: a
    failed step skipped the think and the user looped at once."""
    run_, engine, _ = run(CLOSED_THINKING, lambda m, u, b: ok(status=429))
    # 2 users x 2 s at one request per 105 ms (5 ms answer + 100 ms think), not one per 5 ms
    assert 36 <= len(engine.sent) <= 40
    assert run_.endpoints["ping"].errors == {"http_429": len(engine.sent)}


def test_closed_model_users_cut_by_the_budget_are_counted() -> None:
    run_, engine, _ = run(CLOSED_THINKING, lambda m, u, b: ok(), send_until_s=1.0)
    assert max(t for t, _, _ in engine.sent) < 1.0
    assert run_.health.cut == 2  # both users lost the rest of their time


def test_a_worker_that_starts_late_skips_what_is_overdue_instead_of_bursting_it() -> None:
    """Started 1 s into its slice (a cold start): the 10 arrivals older than the lag tolerance
    are skipped and counted, not fired at once; the rest go out on schedule."""
    time = VirtualTime()
    time.now = 1.0
    spec = parse_spec(OPEN % 100, "t.yaml")
    engine = ScriptedEngine(time, lambda m, u, b: ok())
    shards: list[Shard] = []

    async def sink(shard: Shard) -> None:
        shards.append(shard)
    generator = LoadGenerator(spec, make_plan(spec, "run-1", seed=42, workers=1), WorkerSettings(0, flush_interval_s=1.0),
                              engine, sink, start_mono_s=0.0, clock=time.clock, sleep=time.sleep, cpu_clock=lambda: 0.0)
    time.run(generator.run())
    run_ = merge_shards(shards)
    assert [round(t, 1) for t, _, _ in engine.sent] == [i / 10 for i in range(10, 20)]
    assert (run_.health.intended, run_.health.dropped, run_.health.skipped_late_start) == (20, 10, 10)
    from analysis.verdict import HealthLimits, judge
    problems = judge(run_, (), 2.0, HealthLimits(), 1).generator_problems
    assert problems[0] == ("10 of 20 arrivals dropped (50.00%): 10 skipped because a worker started later than the lag "
                           "tolerance (a cold start or the Map still launching: a longer start margin gives them time)")


def test_arrivals_more_than_a_second_late_are_shed_not_sent_in_a_burst() -> None:
    """A 1.55 s freeze at 0.5 s: the arrivals due 0.5 .. 1.0 s are over a second late when the
    generator wakes at 2.05 s, so they are shed (dropped, counted); the rest still go, late."""
    run_, engine, _ = run(OPEN % 100, lambda m, u, b: ok(), stall=(0.5, 1.55))
    assert run_.health.intended == 20
    assert (run_.health.dropped, run_.health.shed) == (6, 6)
    assert len(engine.sent) == run_.endpoints["ping"].requests == 14
    assert run_.health.late == 6 + 9  # the shed and the 1.1 .. 1.9 s arrivals sent at 2.05 s
    from analysis.verdict import HealthLimits, judge
    problems = judge(run_, (), 2.0, HealthLimits(), 1).generator_problems
    assert problems[0] == ("6 of 20 arrivals dropped (30.00%): 6 shed because the load generator could not start them "
                           "within a second of their time (saturated: use more workers)")


def test_each_time_slice_has_its_own_random_stream_and_sequence_start() -> None:
    spec = parse_spec(OPEN % 100, "t.yaml")
    plan = make_plan(spec, "run-1", seed=42, workers=1)
    streams = []
    for slice_index in (0, 1, 2):
        time = VirtualTime()
        generator = LoadGenerator(spec, plan, WorkerSettings(0, slice_index=slice_index), ScriptedEngine(time, ok),
                                  lambda s: None, 0.0, clock=time.clock, sleep=time.sleep)  # type: ignore[arg-type]
        streams.append(([generator.rng.random() for _ in range(3)], generator.flows.data.counters))
    assert streams[0][0] != streams[1][0] != streams[2][0]
    same = LoadGenerator(spec, plan, WorkerSettings(0), ScriptedEngine(VirtualTime(), ok), lambda s: None, 0.0,
                         clock=lambda: 0.0, sleep=VirtualTime().sleep)  # type: ignore[arg-type]
    assert [same.rng.random() for _ in range(3)] == streams[0][0]  # deterministic per seed, worker and slice


THINKING = """
target: http://127.0.0.1:1
load: {phases: [{name: steady, duration: 1s, rate: 1/s}]}
limits: {lag_tolerance: 50ms}
scenarios: [{flow: [{get: {url: /a, name: a}}, {think: 500ms}, {get: {url: /b, name: b}}]}]
"""


def test_a_step_after_a_think_is_timed_from_when_it_was_due_so_a_stall_in_the_think_shows() -> None:
    """The generator freezes for 0.5 s during the think: step b was due at 0.51 s and went out at
    ~1.0 s; its latency counts from 0.51 s, and the step is counted late."""
    run_, engine, _ = run(THINKING, lambda m, u, b: ok(delay_s=0.01), stall=(0.2, 0.5))
    b = run_.endpoints["b"]
    assert b.latency.max_us >= 490_000  # today's code reported ~10 ms
    assert b.latency_uncorrected.max_us < 20_000  # from the actual send: the target was fast
    assert run_.health.late_steps == 1


def test_requests_cancelled_at_the_end_of_the_drain_are_timed_at_what_they_waited() -> None:
    """Half the answers take 3 s and the drain is 1 s: those are cancelled, and the percentiles
    see them at 1 s or more instead of dropping them (p95 was 5 ms)."""
    spec = OPEN.replace("lag_tolerance: 50ms}", "lag_tolerance: 50ms, drain: 1s}")
    flip = iter(range(10**6))
    run_, _, _ = run(spec % 100, lambda m, u, b: ok(delay_s=3.0 if next(flip) % 2 else 0.005))
    ping = run_.endpoints["ping"]
    assert ping.errors == {"cancelled": 10} and ping.requests == 20
    assert ping.latency.percentile_us(95) >= 1_000_000
    from analysis.verdict import HealthLimits, judge
    problems = judge(run_, (), 2.0, HealthLimits(), 1).generator_problems
    assert any(p.startswith("10 requests (50.00%) were still unanswered when the drain ended") for p in problems)


CLOSED_THEN_OPEN = """
target: http://127.0.0.1:1
load:
  phases:
    - {name: users, duration: 1s, users: 1}
    - {name: open, duration: 1s, rate: 10/s}
limits: {lag_tolerance: 50ms}
scenarios: [{flow: [{get: {url: /u, name: u}}, {think: 800ms}]}]
"""


def test_closed_iterations_are_not_arrivals_and_an_overrun_never_makes_the_next_phase_late() -> None:
    """The user's second iteration starts at 0.81 s and runs to 1.62 s, past its phase: the open
    phase still starts at 1 s on time, and its 10 arrivals are the only ones counted."""
    run_, engine, _ = run(CLOSED_THEN_OPEN, lambda m, u, b: ok(delay_s=0.01))
    open_sends = [round(t, 2) for t, _, url in engine.sent if t >= 1.0]
    assert open_sends[:3] == [1.0, 1.1, 1.2]
    assert (run_.health.intended, run_.health.late, run_.health.iterations) == (10, 0, 2)


INJECTED = """
target: http://127.0.0.1:1
load: {phases: [{name: steady, duration: 1s, rate: 2/s}]}
scenarios:
  - flow:
      - get: {url: /token, name: token, capture: [{json: $.token, as: token}]}
      - get: {url: /me, name: me, headers: {Authorization: "Bearer {{ token }}"}}
"""


def test_a_captured_line_break_in_a_header_is_refused_and_never_sent() -> None:
    run_, engine, _ = run(INJECTED, lambda m, u, b: ok({"token": "abc\r\nX-Admin: yes"}) if u.endswith("/token")
                          else ok())
    assert [u for _, _, u in engine.sent if u.endswith("/me")] == []
    assert run_.endpoints["me"].errors == {"invalid_header": 2} and run_.endpoints["me"].requests == 2


def test_the_drain_waits_per_poll_interval_not_once_per_finished_request() -> None:
    """Found by the bench: a drain that re-waited on every in-flight task after each completion
    cost O(n^2) and took the worker's CPU from 40 to 150 us a request at 12,000 arrivals/s."""
    time = VirtualTime()
    spec = parse_spec(OPEN.replace("duration: 2s, rate: 10/s", "duration: 1s, rate: 2000/s")
                      .replace("lag_tolerance: 50ms}", "lag_tolerance: 50ms, drain: 5s}") % 5000, "t.yaml")
    delays = iter(0.5 + (i % 300) / 100 for i in range(10**6))  # answers keep arriving for 3.5 s
    engine = ScriptedEngine(time, lambda m, u, b: ok(delay_s=next(delays)))
    sleeps_after_load: list[float] = []

    async def sleep(seconds: float) -> None:
        if time.now >= 1.0:
            sleeps_after_load.append(seconds)
        await time.sleep(seconds)

    async def sink(shard: Shard) -> None:
        pass
    generator = LoadGenerator(spec, make_plan(spec, "r", seed=1, workers=1), WorkerSettings(0, flush_interval_s=1.0),
                              engine, sink, 0.0, clock=time.clock, sleep=sleep, cpu_clock=lambda: 0.0)
    time.run(generator.run())
    assert len(engine.sent) == 2000
    assert len(sleeps_after_load) < 30  # about one per 0.5 s poll (and the flushes), not one per answer


def test_a_content_type_the_spec_names_is_sent_once_on_json_steps() -> None:
    """target.headers' Content-Type (the Artillery importer writes it from defaults.headers) was
    sent beside the JSON body's own: strict servers answer 400 to every such POST."""
    import random

    from runner.load.flow import FlowRunner
    from runner.load.recorder import Recorder
    spec = parse_spec("""
target: {url: "http://127.0.0.1:1", headers: {content-type: application/vnd.api+json}}
load: {phases: [{duration: 1s, rate: 1}]}
scenarios:
  - flow: [{post: {url: /a, json: {x: 1}}}, {post: {url: /b, json: {x: 1}, headers: {Content-Type: text/plain}}},
           {post: {url: /c, form: {x: 1}}}]
""", "t.yaml")
    time = VirtualTime()
    flows = FlowRunner(spec, ScriptedEngine(time, lambda m, u, b: ok()), Recorder("r", 0, 0, 0.0), time.clock,
                       time.sleep, random.Random(1), 0)
    expected_types = ("application/vnd.api+json", "text/plain", "application/vnd.api+json")
    for step, expected in zip(spec.scenarios[0].flow, expected_types, strict=True):
        _, headers, _ = flows.render(step, {})  # type: ignore[arg-type]
        assert [v for k, v in headers if k.lower() == "content-type"] == [expected]  # a step's header wins


def test_at_each_flush_the_worker_is_told_whether_an_arrival_started_late_since_the_last() -> None:
    """Where it collects its garbage (runner/load/gc_policy.py): not while it is behind, when a
    young collection would scan the whole backlog."""
    behind: list[bool] = []
    run(OPEN.replace("2s", "5s") % 100, lambda m, u, b: ok(), stall=(1.0, 1.2), at_flush=behind.append)
    assert behind == [False, True, False], behind  # the interval of the stall, then caught up again


class WarmableEngine(ScriptedEngine):
    def __init__(self, time: VirtualTime, script: Script) -> None:
        super().__init__(time, script)
        self.warmed: list[tuple[float, str, int]] = []

    async def warm(self, url: str, connections: int) -> None:
        self.warmed.append((self.time.now, url, connections))


def test_with_time_before_its_start_a_worker_opens_the_connections_its_first_milliseconds_need() -> None:
    """A worker that starts its load at 20,000 arrivals/s with 64 connections to open queued its first
    second behind their connects (584-801 late arrivals in it, in runs that never caught up): with
    time before its slice starts, it has the engine open 3 ms of its busiest phase's arrivals' worth
    first (here 4,000/s over 2 workers: 6), half a second before the start (a connection idle for
    long may be closed by the target). Without time to spare, nothing waits for it."""
    spec = parse_spec(OPEN.replace("duration: 2s, rate: 10/s", "duration: 1s, rate: 4000/s") % 100_000, "t.yaml")
    plan = make_plan(spec, "run-1", seed=42, workers=2)
    warmed = []
    for start_mono_s in (1.0, 0.0):
        time = VirtualTime()
        engine = WarmableEngine(time, lambda method, url, body: ok(delay_s=0.001))

        async def sink(shard: Shard) -> None:
            pass
        generator = LoadGenerator(spec, plan, WorkerSettings(0, flush_interval_s=1.0), engine, sink,
                                  start_mono_s=start_mono_s, clock=time.clock, sleep=time.sleep, cpu_clock=lambda: 0.0)
        time.run(generator.run())
        warmed.append(engine.warmed)
        assert len(engine.sent) == 2000  # its share of the arrivals, all sent either way
    assert warmed == [[(0.5, "http://127.0.0.1:1", 6)], []]  # half a second before its start, not sooner
