"""One scenario's flow for one arrival, on the virtual clock with a scripted engine: latency from
the intended start and from the send, a capture feeding the next request, an expectation that
fails counted as an error of its own class, and a failed step ending the arrival's flow."""
from __future__ import annotations

from runner.load.engines.base import Reply
from runner.load.flow import FlowRunner  # noqa: F401  (the module under test, driven through the generator)
from tests.unit.runner.load.test_generator import ok, run

SPEC = """
target: http://127.0.0.1:1
load: {phases: [{duration: 1s, rate: 2/s}]}
scenarios:
  - flow:
      - post: {url: /jobs, name: create, capture: [{json: $.id, as: job}]}
      - get: {url: "/jobs/{{ job }}", name: status, expect: {status: 200, json: {$.state: done}}}
"""


def test_a_capture_feeds_the_next_request_and_a_failed_expectation_is_its_own_error() -> None:
    def script(method: str, url: str, body: bytes | None) -> tuple[float, Reply]:
        if method == "POST":
            return ok({"id": "j-7"}, status=202)
        return ok({"state": "running"})
    merged, engine, _ = run(SPEC, script)
    assert [url for _, method, url in engine.sent if method == "GET"] == ["http://127.0.0.1:1/jobs/j-7"] * 2
    status = merged.endpoints["status"]
    assert status.requests == 2 and status.errors == {"expectation": 2}
    assert merged.endpoints["create"].error_count == 0


def test_a_failed_step_ends_the_arrivals_flow() -> None:
    merged, engine, _ = run(SPEC, lambda method, url, body: ok(status=500))
    assert [method for _, method, _ in engine.sent] == ["POST", "POST"]  # no GET: nothing was captured
    assert merged.endpoints["create"].errors == {"http_5xx": 2} and "status" not in merged.endpoints


def test_latency_is_measured_from_the_intended_start() -> None:
    merged, _, _ = run(SPEC.replace("$.state: done", "$.state: running"),
                       lambda method, url, body: ok({"id": "j", "state": "running"}, delay_s=0.010))
    create = merged.endpoints["create"]
    assert 9_000 <= create.latency.percentile_us(50) <= 11_000
    assert create.latency_uncorrected.total_count == create.requests == 2


def test_a_request_sent_late_is_counted_once_whether_its_arrival_was_late_or_it_waited_for_a_connection() -> None:
    """``sent_late``: requests sent more than the lag tolerance (50 ms) after they were due. An arrival the
    generator started late, and an on-time one whose request waited for a connection, each count once; one
    both late and then waiting counts once too (the late arrivals and the late pool waits count it twice)."""
    spec = """
target: http://127.0.0.1:1
load: {phases: [{duration: 1s, rate: 10/s}]}
scenarios:
  - flow:
      - get: {url: /, name: home}
"""
    sends = []

    def script(method: str, url: str, body: bytes | None) -> tuple[float, Reply]:
        sends.append(url)
        delay_s, reply = ok()
        if len(sends) in (3, 7):  # the third arrival's request, and the seventh's: each waited 100 ms
            reply.queued_s = 0.100
        return delay_s, reply
    # the generator freezes for 0.22 s from 0.5 s on: the arrivals due at 0.5 and 0.6 s start 220 and 120 ms
    # late (the one due at 0.7 s, 20 ms: within the tolerance)
    merged, _, _ = run(spec, script, stall=(0.5, 0.22))
    health = merged.health
    assert (health.late, health.pool_waits_late) == (2, 2)  # the seventh arrival in both
    assert health.sent_late == 3
