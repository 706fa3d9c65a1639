"""The Worker function (moto's in-memory S3, a server on 127.0.0.1): given its slice's item, it runs
its share of the load from the slice's start instant and leaves its shards in the bucket, holding
nothing for the Map."""
from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator

import boto3
import pytest
from aiohttp import web

from analysis.merge import merge_shards
from runner.aws.s3store import S3Store
from runner.store import read_shard
from tests.unit.runner.aws.handlers.calls import call, invoke, keys


@pytest.fixture
def target() -> Iterator[str]:
    """A server on 127.0.0.1 in a thread of its own: what the worker sends to."""
    loop = asyncio.new_event_loop()
    started = threading.Event()
    port: list[int] = []

    async def ok(request: web.Request) -> web.Response:
        return web.Response(text="ok")

    async def serve() -> web.AppRunner:
        app = web.Application()
        app.router.add_get("/health", ok)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port.append(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]
        return runner

    def run() -> None:
        asyncio.set_event_loop(loop)
        runner = loop.run_until_complete(serve())
        started.set()
        loop.run_forever()
        loop.run_until_complete(runner.cleanup())
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    started.wait(10)
    yield f"http://127.0.0.1:{port[0]}"
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)


def test_a_worker_runs_its_share_and_leaves_its_shards(bucket: str, target: str,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from runner.aws.handlers import worker
    monkeypatch.setenv("SQUALL_ALLOWED_HOSTS", "127.0.0.1")
    spec = {"name": "smoke", "target": {"url": target}, "load": {"phases": [{"duration": "2s", "rate": "5/s"}]},
            "scenarios": [{"flow": [{"get": {"url": "/health", "name": "GET /health"}}]}]}
    planned = call("plan", {"action": "plan", "input": {"spec": spec, "workers": 1}, "execution_name": "smoke-1"})
    [slice_] = planned["slices"]
    answer = invoke(worker, {"job_key": "runs/smoke-1/jobs/0.json", "worker": 0, "start_at": time.time() + 2.0})
    assert answer == {}  # results are in S3
    store = S3Store(bucket, boto3.client("s3"))
    snapshots = [read_shard(store, k) for k in keys(bucket, "runs/smoke-1/snapshots/")]
    assert slice_["workers"] == 1 and len(snapshots) == 1 and snapshots[0].final  # its whole slice in one object
    sent = merge_shards(snapshots)
    # 2 s at 5/s: every arrival accounted for (one due before a slow start is counted, never lost), every
    # request sent answered
    assert sent.health.intended == 10 and sent.overall.requests + sent.health.dropped == 10
    assert sent.overall.requests > 0 and sent.overall.statuses == {"200": sent.overall.requests}
