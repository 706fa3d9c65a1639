"""The demo target (our own, so agreeing with it proves little about real servers: these pin what
the tests rely on): latency models, route keys, a concurrency limit answering 429, the cookie a
login sets, and what /__stats reports."""
from __future__ import annotations

import asyncio
import random

import pytest
from aiohttp.test_utils import TestClient, TestServer

from runner.demo.target import DemoState, LatencyModel, endpoints_help, make_app, parse_latency, route_key


def test_latency_models_are_read_and_drawn() -> None:
    assert parse_latency("fixed:5ms") == LatencyModel("fixed", 0.005)
    assert parse_latency("uniform:5ms:50ms") == LatencyModel("uniform", 0.005, 0.05)
    lognormal = parse_latency("lognormal:20ms:0.5")
    rng = random.Random(1)
    draws = sorted(lognormal.draw_s(rng) for _ in range(2001))
    assert 0.018 < draws[1000] < 0.022  # its median
    with pytest.raises(ValueError, match="write fixed:5ms, uniform:5ms:50ms or lognormal:20ms:0.5"):
        parse_latency("gaussian:5ms")


def test_routes_with_ids_count_under_one_key_and_the_help_lists_every_route() -> None:
    assert route_key("GET", "/status/abc-123") == "GET /status/{id}" and route_key("GET", "/health") == "GET /health"
    assert "POST /generate" in endpoints_help() and "GET /__stats" in endpoints_help()


def test_a_login_sets_a_session_the_me_route_needs_and_the_stats_count_it() -> None:
    state = DemoState(LatencyModel("fixed", 0.0), concurrency_limit=10, error_share=0.0, rng=random.Random(1))

    async def main() -> None:
        async with TestClient(TestServer(make_app(state))) as client:
            assert (await client.get("/me")).status == 401
            assert (await client.post("/login", json={"user": "a"})).status == 200
            assert (await client.get("/me")).status == 200  # the session cookie the login set
            seen = (await (await client.get("/__stats")).json())["seen"]
            assert {k: v for k, v in seen.items() if k.startswith("GET /me")} == {"GET /me 401": 1, "GET /me 200": 1}
    asyncio.run(main())


def test_past_its_concurrency_it_answers_429() -> None:
    state = DemoState(LatencyModel("fixed", 0.2), concurrency_limit=2, error_share=0.0, rng=random.Random(1))

    async def main() -> None:
        async with TestClient(TestServer(make_app(state))) as client:
            answers = await asyncio.gather(*(client.get("/health") for _ in range(5)))
            assert sorted(a.status for a in answers) == [200, 200, 429, 429, 429]
    asyncio.run(main())
