"""The console's routes over a store with a history: pages answer, names resolve, a refused or
malformed request is said, and only this console's own pages may change anything."""
from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer

from runner.console.backends import LocalConsole
from runner.console.server import ConsoleApp
from runner.store import LocalStore
from tests.history_fixture import write_history


def with_console(tmp_path: Path, check: Callable[[TestClient, ConsoleApp], Awaitable[None]]) -> None:
    write_history(LocalStore(tmp_path / "squall-runs"), [1.0] * 4)
    console = ConsoleApp(LocalConsole(tmp_path / "squall-runs", tmp_path, tmp_path / "specs"), token="tok")

    async def main() -> None:
        async with TestClient(TestServer(console.app())) as client:
            console.port = client.server.port or 0
            await check(client, console)
    asyncio.run(main())


def test_the_pages_answer(tmp_path: Path) -> None:
    async def check(client: TestClient, console: ConsoleApp) -> None:
        for path, expected in (("/", "4 runs"), ("/runs/checkout-0002", "checkout-0002"),
                               ("/trends?spec=checkout", "4 finished runs"), ("/compare?a=checkout-0001&b=latest",
                                                                               "checkout-0004"),
                               ("/start", "No spec in"), ("/schedules", "Schedules are AWS's")):
            response = await client.get(path)
            assert response.status == 200, path
            assert expected in await response.text(), path
        report = await client.get("/runs/checkout-0002/report")
        assert "<h1>Squall: checkout</h1>" in await report.text()
    with_console(tmp_path, check)


def test_unknown_runs_names_and_dates_are_said(tmp_path: Path) -> None:
    async def check(client: TestClient, console: ConsoleApp) -> None:
        missing = await client.get("/runs/nope")
        assert missing.status == 404 and "No run nope" in await missing.text()
        baseline = await client.get("/compare?a=baseline&b=latest")
        assert baseline.status == 404 and "has no baseline" in await baseline.text()
        bad_date = await client.get("/?since=yesterday")
        assert bad_date.status == 400
    with_console(tmp_path, check)


def test_a_change_needs_the_token_and_this_origin(tmp_path: Path) -> None:
    async def check(client: TestClient, console: ConsoleApp) -> None:
        origin = f"http://127.0.0.1:{console.port}"
        refused = await client.post("/runs/checkout-0001/baseline", data={"action": "set"})
        assert refused.status == 403
        foreign = await client.post("/runs/checkout-0001/baseline", data={"action": "set", "token": "tok"},
                                    headers={"Origin": "http://example.com"})
        assert foreign.status == 403
        done = await client.post("/runs/checkout-0001/baseline", data={"action": "set", "token": "tok"},
                                 headers={"Origin": origin}, allow_redirects=False)
        assert done.status == 303 and done.headers["Location"] == "/runs/checkout-0001"
        page = await (await client.get("/")).text()
        assert re.search(r"checkout-0001</a> <span class='mark'>baseline</span>", page)
        other_host = await client.get("/", headers={"Host": "evil.example"})
        assert other_host.status == 421
    with_console(tmp_path, check)


def test_a_start_with_a_bad_scale_or_an_unknown_spec_is_refused(tmp_path: Path) -> None:
    async def check(client: TestClient, console: ConsoleApp) -> None:
        scale = await client.post("/start", data={"token": "tok", "spec": "x.yaml", "duration_scale": "fast"})
        assert scale.status == 400 and "the duration scale is a number" in await scale.text()
        unknown = await client.post("/start", data={"token": "tok", "spec": "/etc/passwd"})
        assert unknown.status == 400 and "no spec /etc/passwd here" in await unknown.text()
    with_console(tmp_path, check)


def test_stopping_a_run_that_is_not_there_makes_no_run(tmp_path: Path) -> None:
    async def check(client: TestClient, console: ConsoleApp) -> None:
        answer = await client.post("/runs/nope/live/stop", headers={"X-Squall-Token": "tok"})
        assert answer.status == 404
        assert not (tmp_path / "squall-runs" / "runs" / "nope").exists()  # before: a phantom run with a stop flag
    with_console(tmp_path, check)
