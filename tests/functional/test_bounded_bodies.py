"""No answer takes a worker's memory: a body past limits.max_body (decompressed, where the engine
decompresses) is not read further, the request is an error of its own class (body_too_large) with
the bytes read, and the engine goes on. Each engine runs in a process of its own whose peak RSS is
read at its end. Before: a 4 GB Content-Length or an endless chunked body took a worker past 3 GB
in seconds, and httpx and aiohttp turned a 1 MB gzip bomb into 2 GB."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.hostile_bodies import HostileBodies, gzip_bomb

ROOT = Path(__file__).resolve().parents[2]
PEAK_RSS_LIMIT_MB = 200

SEND = r"""
import asyncio, json, re, sys
from runner.load.engines import make_engine

async def main():
    engine = make_engine(sys.argv[1], 20.0, verify_tls=True)
    replies = [await engine.send("GET", sys.argv[2] + path, [("Accept-Encoding", "gzip")], None)
               for path in (sys.argv[3], "/small")]
    await engine.close()
    return replies

bounded, after = asyncio.run(main())
# this process's own peak: ru_maxrss keeps the forking parent's across exec (Linux), VmHWM does not
peak_mb = int(re.search(r"VmHWM:\s+(\d+) kB", open("/proc/self/status").read()).group(1)) / 1024
print(json.dumps({"error": bounded.error, "bytes_in": bounded.bytes_in, "status": bounded.status,
                  "body": len(bounded.body), "after": [after.status, after.body.decode()], "peak_mb": peak_mb}))
"""


@pytest.fixture(scope="module")
def hostile() -> Iterator[HostileBodies]:
    gzip_bomb()  # made before any engine waits for it
    server = HostileBodies()
    yield server
    server.close()


def send_alone(engine: str, url: str, path: str) -> dict[str, object]:
    done = subprocess.run([sys.executable, "-c", SEND, engine, url, path], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


@pytest.mark.parametrize("engine", ["fast", "httpx", "aiohttp"])
@pytest.mark.parametrize("path", ["/huge", "/endless"])
def test_a_body_without_end_is_cut_at_the_limit(hostile: HostileBodies, engine: str, path: str) -> None:
    reply = send_alone(engine, hostile.url, path)
    assert reply["error"] == "body_too_large" and reply["status"] == 200 and reply["body"] == 0, reply
    assert 10 * 1024 * 1024 < int(reply["bytes_in"]) < 64 * 1024 * 1024, reply  # what was read, counted
    assert reply["after"] == [200, "ok"]  # the engine goes on (on a new connection)
    assert float(reply["peak_mb"]) < PEAK_RSS_LIMIT_MB, reply


@pytest.mark.parametrize("engine", ["fast", "httpx", "aiohttp"])
def test_a_head_without_end_is_refused_as_a_malformed_answer(hostile: HostileBodies, engine: str) -> None:
    """Header lines that never end: every engine gives up early (the fast engine past 64 KiB, httpx
    and aiohttp at their parsers' own limits), as an answer it cannot read. Before, the fast engine
    kept every line: a 2 GB head held ~2 GB until the target stopped."""
    reply = send_alone(engine, hostile.url, "/endless-head")
    assert reply["error"] == "read" and reply["status"] == 0, reply
    assert reply["after"] == [200, "ok"]
    assert float(reply["peak_mb"]) < PEAK_RSS_LIMIT_MB, reply


@pytest.mark.parametrize("engine", ["httpx", "aiohttp"])
def test_a_gzip_bomb_is_cut_as_it_is_decompressed(hostile: HostileBodies, engine: str) -> None:
    reply = send_alone(engine, hostile.url, "/bomb")
    assert reply["error"] == "body_too_large", reply
    assert reply["after"] == [200, "ok"]
    assert float(reply["peak_mb"]) < PEAK_RSS_LIMIT_MB, reply


def test_the_fast_engine_keeps_a_gzip_body_as_it_came(hostile: HostileBodies) -> None:
    """It never decompresses: a megabyte of gzip is a megabyte, under the limit."""
    reply = send_alone("fast", hostile.url, "/bomb")
    assert reply["error"] is None and reply["body"] == len(gzip_bomb()), reply
    assert float(reply["peak_mb"]) < PEAK_RSS_LIMIT_MB, reply


def test_a_run_counts_the_cut_answers_under_its_own_limit(hostile: HostileBodies, tmp_path: Path) -> None:
    """limits.max_body reaches the worker's engine; the summary names the class."""
    (tmp_path / "endless.yaml").write_text(f"""
name: endless
target: {{url: "{hostile.url}", timeout: 20s}}
load: {{phases: [{{duration: 2s, rate: 2/s}}]}}
scenarios: [{{flow: [{{get: /endless}}]}}]
limits: {{max_body: 1MB}}
""")
    done = subprocess.run([sys.executable, "-m", "runner.cli", "run", "endless.yaml", "--workers", "1", "--store",
                           "s"], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 1, done.stdout + done.stderr  # error_rate < 1% (the default threshold) fails
    assert "answer past limits.max_body" in done.stdout
    [result_file] = (tmp_path / "s" / "runs").glob("*/result.json")
    overall = json.loads(result_file.read_text())["overall"]
    assert overall["errors_by_class"] == {"body_too_large": 4}, overall
    assert overall["bytes_in"] >= 4 * 1_000_000
