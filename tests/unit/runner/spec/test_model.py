"""The spec's typed values: a phase's peak, a think's draw, a loop's repeats, the requests a flow
holds and sends (loops counted), and the endpoints a spec names once each, in order."""
from __future__ import annotations

from runner.spec import parse_spec
from runner.spec.model import Loop, Phase, Request, Think, requests_in, requests_sent


def test_a_phases_peak_is_its_higher_end() -> None:
    assert Phase("ramp", 10.0, "rate", 5.0, 40.0).peak == 40.0 and Phase("down", 10.0, "rate", 40.0, 5.0).peak == 40.0


def test_a_think_is_fixed_or_drawn_from_its_range() -> None:
    assert Think(1.0).draw_s(lambda low, high: 99.0) == 1.0
    assert Think(1.0, 3.0).draw_s(lambda low, high: (low + high) / 2) == 2.0


def test_loops_count_their_requests_each_time_they_repeat() -> None:
    get, post = Request("GET", "/a", "GET /a"), Request("POST", "/b", "POST /b")
    flow = (get, Think(1.0), Loop((post, get), count=3), Loop((post,), over=("x", "y")))
    assert [r.name for r in requests_in(flow)] == ["GET /a", "POST /b", "GET /a", "POST /b"]
    assert requests_sent(flow) == 1 + 3 * 2 + 2 * 1
    assert Loop((get,), over=("a", "b", "c"), count=9).repeats == 3  # over a list: once per item


def test_a_spec_names_each_endpoint_once_in_the_order_written() -> None:
    spec = parse_spec("name: m\ntarget: http://127.0.0.1:9\nload: {phases: [{duration: 5s, rate: 1/s}, "
                      "{duration: 5s, rate: 2/s}]}\nscenarios:\n  - {flow: [{get: {url: /b, name: B}}, "
                      "{get: {url: /a, name: A}}]}\n  - {flow: [{get: {url: /a, name: A}}]}\n", "m.yaml")
    assert spec.endpoint_names == ("B", "A") and spec.duration_s == 10.0
