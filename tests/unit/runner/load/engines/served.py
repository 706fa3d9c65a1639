"""What every engine must do, checked against a small aiohttp server on 127.0.0.1: an answer read
with its status, headers and body; a body past the limit cut as too large; a URL no
server could be at never sent, never raised. Each engine's test file runs these on its engine."""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

from runner.load.engines.base import BODY_TOO_LARGE, INVALID_URL, Reply

EngineOf = Callable[..., Any]


async def _small(request: web.Request) -> web.Response:
    return web.json_response({"ok": True}, headers={"X-Id": "7"})


async def _big(request: web.Request) -> web.Response:
    return web.Response(body=b"x" * 10_000)


async def answered(engine: Any, path: str) -> Reply:
    app = web.Application()
    app.router.add_get("/small", _small)
    app.router.add_get("/big", _big)
    async with TestServer(app, host="127.0.0.1") as server:
        try:
            return await engine.send("GET", f"http://127.0.0.1:{server.port}{path}", [], None)
        finally:
            await engine.close()


def check_an_answer_and_a_body_past_the_limit(engine_of: EngineOf) -> None:
    reply = asyncio.run(answered(engine_of(timeout_s=5.0), "/small"))
    assert reply.status == 200 and reply.error is None and b'"ok": true' in reply.body
    assert reply.header("X-ID") == "7"  # read the same, whichever form an engine keeps its headers in
    assert asyncio.run(answered(engine_of(timeout_s=5.0, max_body_bytes=1_000), "/big")).error == BODY_TOO_LARGE


def check_a_url_no_server_could_be_at_is_never_sent(engine_of: EngineOf) -> None:
    async def main() -> None:
        engine = engine_of(timeout_s=1.0)
        reply = await engine.send("GET", "http://api.example.com:0/", [], None)
        await engine.close()
        assert reply.error == INVALID_URL
    asyncio.run(main())
