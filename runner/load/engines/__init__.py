"""HTTP engines behind one small interface (``Engine``): send a request, get a ``Reply``.

``fast`` (default, HTTP/1.1): asyncio protocol + httptools' C parser, keep-alive pool.
``httpx``: for HTTP/2 targets. ``aiohttp``: kept for comparison in the benchmark.
"""
from __future__ import annotations

from runner.load.engines.base import DEFAULT_MAX_BODY_BYTES, Engine, Reply

__all__ = ["ENGINES", "Engine", "Reply", "make_engine"]

ENGINES = ("fast", "httpx", "aiohttp")


def make_engine(name: str, timeout_s: float, verify_tls: bool, http2: bool = False,
                max_connections: int = 1024, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES) -> Engine:
    """``max_connections``: per origin (a Lambda has 1,024 file descriptors in all).
    ``max_body_bytes``: an answer's body past this is not read (engines.base.BODY_TOO_LARGE)."""
    if name == "fast":
        from runner.load.engines.fast import FastEngine
        return FastEngine(timeout_s=timeout_s, verify_tls=verify_tls, max_connections=max_connections,
                          max_body_bytes=max_body_bytes)
    if name == "httpx":
        from runner.load.engines.httpx_engine import HttpxEngine
        return HttpxEngine(timeout_s=timeout_s, verify_tls=verify_tls, http2=http2, max_connections=max_connections,
                           max_body_bytes=max_body_bytes)
    if name == "aiohttp":
        from runner.load.engines.aiohttp_engine import AiohttpEngine
        return AiohttpEngine(timeout_s=timeout_s, verify_tls=verify_tls, max_connections=max_connections,
                             max_body_bytes=max_body_bytes)
    raise ValueError(f"unknown engine {name!r} (known: {', '.join(ENGINES)})")
