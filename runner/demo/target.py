"""The demo target: a small HTTP API on 127.0.0.1 shaped like a serverless image-generation
backend (POST /generate, GET /status/{id}, POST /enhance, GET /gallery, GET /gallery/{id}),
with what the teams' suites in examples/seeds/ call besides: GET /health, POST /login (a
bearer token and a session cookie), GET /me (needs the cookie), GET|POST /jobs, GET /jobs/{id},
GET /templates, GET /admin/stats, POST /tokenize, POST /tokenize/batch, POST /generate/batch,
POST /analyze (needs an X-Api-Key; a cache: X-Cache HIT or MISS, "cached" in the body),
GET /cache/stats, GET /providers, POST /route, GET /scrape.

Latency comes from a configurable distribution; a concurrency limit answers 429 beyond it
(as Lambda reserved concurrency would); a configurable share of requests answers 5xx; an API
key starting "low-" (X-Api-Key) may send ``key_rate_per_s`` requests a second, 429 beyond.
GET /__stats reports what the server saw (per route and status), for tests to compare.
"""
from __future__ import annotations

import asyncio
import math
import random
import re
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from runner.units import parse_duration_s


@dataclass(frozen=True)
class LatencyModel:
    kind: str  # fixed, uniform, lognormal
    a_s: float
    b_s: float = 0.0

    def draw_s(self, rng: random.Random) -> float:
        if self.kind == "fixed":
            return self.a_s
        if self.kind == "uniform":
            return rng.uniform(self.a_s, self.b_s)
        return self.a_s * math.exp(rng.gauss(0.0, self.b_s))  # median a, sigma b


def parse_latency(text: str) -> LatencyModel:
    """`fixed:5ms`, `uniform:5ms:50ms` or `lognormal:20ms:0.5` (median, sigma)."""
    kind, _, rest = text.partition(":")
    parts = rest.split(":") if rest else []
    try:
        if kind == "fixed" and len(parts) == 1:
            return LatencyModel("fixed", parse_duration_s(parts[0]))
        if kind == "uniform" and len(parts) == 2:
            return LatencyModel("uniform", parse_duration_s(parts[0]), parse_duration_s(parts[1]))
        if kind == "lognormal" and len(parts) == 2:
            return LatencyModel("lognormal", parse_duration_s(parts[0]), float(parts[1]))
    except ValueError as error:
        raise ValueError(f"--latency {text!r}: {error}") from None
    raise ValueError(f"--latency {text!r}: write fixed:5ms, uniform:5ms:50ms or lognormal:20ms:0.5")


@dataclass
class DemoState:
    latency: LatencyModel
    concurrency_limit: int
    error_share: float
    rng: random.Random
    active: int = 0
    peak_active: int = 0
    seen: Counter[str] = field(default_factory=Counter)
    jobs: dict[str, int] = field(default_factory=dict)
    # For publishing the metrics AWS would publish: reset by each publication.
    window_peak_active: int = 0
    window_latency_s: float = 0.0
    window_handled: int = 0
    key_rate_per_s: float = 5.0  # requests a second an X-Api-Key starting "low-" may send
    key_windows: dict[str, tuple[int, int]] = field(default_factory=dict)  # key -> (second, count)
    cache: set[str] = field(default_factory=set)
    cache_hits: int = 0
    cache_misses: int = 0
    logins: int = 0


_ROUTE_KEYS = [(re.compile(r"^/status/[^/]+$"), "/status/{id}"), (re.compile(r"^/gallery/[^/]+$"), "/gallery/{id}"),
               (re.compile(r"^/jobs/[^/]+$"), "/jobs/{id}")]


# (method, path, handler, what it answers): the routes, and `squall demo-target --help`'s list of them.
ENDPOINTS = (
    ("POST", "/generate", "generate", "queue an image job from a JSON body ({\"steps\": 20}): 202 with its jobId"),
    ("GET", "/status/{job_id}", "status", "a queued job's status (404 for an unknown id)"),
    ("POST", "/enhance", "enhance", "any body: its size"),
    ("GET", "/gallery", "gallery", "twelve items"),
    ("GET", "/gallery/{item_id}", "gallery_item", "one item"),
    ("GET", "/health", "health", "ok"),
    ("POST", "/login", "login", "a token, and a session cookie"),
    ("GET", "/me", "me", "the session cookie's session (401 without it)"),
    ("GET", "/jobs", "jobs", "five jobs"),
    ("POST", "/jobs", "jobs", "create a job: 201 with its id"),
    ("GET", "/jobs/{job_id}", "job", "one job"),
    ("GET", "/templates", "templates", "three templates"),
    ("GET", "/admin/stats", "admin_stats", "counts"),
    ("POST", "/tokenize", "tokenize", "a text body's word count"),
    ("POST", "/analyze", "analyze", "needs X-Api-Key; a repeated body is a cache hit (X-Cache: HIT)"),
    ("GET", "/cache/stats", "cache_stats", "/analyze's cache hits and misses"),
    ("GET", "/providers", "providers", "two providers"),
    ("POST", "/route", "route", "a model by body size"),
    ("GET", "/scrape", "scrape", "a page count"),
    ("POST", "/tokenize/batch", "tokenize_batch", "word counts of a JSON body's texts"),
    ("POST", "/generate/batch", "generate_batch", "a result per prompt of a JSON body's prompts"),
    ("GET", "/__stats", "stats", "what the target saw: requests by route and status, peak in-flight (no latency)"),
    ("POST", "/__reset", "reset", "forget what it saw"),
)


def endpoints_help() -> str:
    """The routes, for `squall demo-target --help`."""
    width = max(len(f"{method} {path}") for method, path, _, _ in ENDPOINTS)
    return "endpoints (each after --latency, 429 past --concurrency, an X-Api-Key starting low- rate-limited;\n" \
        "the /__ ones answer at once):\n" \
        + "\n".join(f"  {f'{method} {path}':{width}}  {what}" for method, path, _, what in ENDPOINTS)


def route_key(method: str, path: str) -> str:
    for pattern, name in _ROUTE_KEYS:
        if pattern.match(path):
            return f"{method} {name}"
    return f"{method} {path}"


class DemoApi:
    """The demo API's handlers, over its state; every request but the /__ ones goes through
    ``limits`` (latency, the concurrency limit, the error rate, rate-limited API keys)."""

    def __init__(self, state: DemoState) -> None:
        self.state = state

    @web.middleware
    async def limits(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if request.path.startswith("/__"):
            passed: web.StreamResponse = await handler(request)
            return passed
        key = route_key(request.method, request.path)
        api_key = request.headers.get("X-Api-Key", "")
        if api_key.startswith("low-"):
            second = int(asyncio.get_running_loop().time())
            window_second, count = self.state.key_windows.get(api_key, (second, 0))
            count = count + 1 if window_second == second else 1
            self.state.key_windows[api_key] = (second, count)
            if count > self.state.key_rate_per_s:
                self.state.seen[f"{key} 429"] += 1
                return web.json_response({"message": "API key rate limit"}, status=429, headers={"Retry-After": "1"})
        if self.state.active >= self.state.concurrency_limit:
            self.state.seen[f"{key} 429"] += 1
            return web.json_response({"message": "Rate exceeded"}, status=429)
        self.state.active += 1
        self.state.peak_active = max(self.state.peak_active, self.state.active)
        self.state.window_peak_active = max(self.state.window_peak_active, self.state.active)
        delay_s = self.state.latency.draw_s(self.state.rng)
        self.state.window_latency_s += delay_s
        self.state.window_handled += 1
        try:
            await asyncio.sleep(delay_s)
            if self.state.error_share and self.state.rng.random() < self.state.error_share:
                response: web.StreamResponse = web.json_response({"message": "Internal server error"}, status=502)
            else:
                response = await handler(request)
        finally:
            self.state.active -= 1
        self.state.seen[f"{key} {response.status}"] += 1
        return response

    async def generate(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except ValueError:
            return web.json_response({"message": "body must be JSON"}, status=400)
        job_id = str(uuid.UUID(int=self.state.rng.getrandbits(128), version=4))
        self.state.jobs[job_id] = int(body.get("steps", 20)) if isinstance(body, dict) else 20
        if len(self.state.jobs) > 100_000:
            self.state.jobs.pop(next(iter(self.state.jobs)))
        return web.json_response({"jobId": job_id, "status": "queued"}, status=202)

    async def status(self, request: web.Request) -> web.Response:
        job_id = request.match_info["job_id"]
        known = job_id in self.state.jobs or job_id.startswith("img-")
        if not known:
            return web.json_response({"message": f"no job {job_id}"}, status=404)
        return web.json_response({"jobId": job_id, "status": "done", "image": f"/gallery/{job_id}"})

    async def enhance(self, request: web.Request) -> web.Response:
        body = await request.read()
        return web.json_response({"status": "enhanced", "bytes": len(body)})

    async def gallery(self, request: web.Request) -> web.Response:
        return web.json_response({"items": [{"id": f"img-{i}", "title": f"Image {i}"} for i in range(1, 13)]})

    async def gallery_item(self, request: web.Request) -> web.Response:
        item = request.match_info["item_id"]
        return web.json_response({"id": item, "url": f"https://example.invalid/{item}.png", "width": 1024})

    async def health(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def login(self, request: web.Request) -> web.Response:
        self.state.logins += 1
        token = f"tok-{self.state.logins}"
        response = web.json_response({"token": token}, status=200)
        response.set_cookie("session", token, httponly=True)
        return response

    async def me(self, request: web.Request) -> web.Response:
        session = request.cookies.get("session")
        if not session:
            return web.json_response({"message": "no session cookie"}, status=401)
        return web.json_response({"session": session})

    async def jobs(self, request: web.Request) -> web.Response:
        if request.method == "POST":
            job_id = str(uuid.UUID(int=self.state.rng.getrandbits(128), version=4))
            return web.json_response({"id": job_id, "status": "queued"}, status=201)
        return web.json_response({"jobs": [{"id": f"job-{i}", "status": "done"} for i in range(1, 6)]})

    async def job(self, request: web.Request) -> web.Response:
        return web.json_response({"id": request.match_info["job_id"], "status": "done"})

    async def templates(self, request: web.Request) -> web.Response:
        return web.json_response({"templates": [{"id": f"tpl-{i}"} for i in range(1, 4)]})

    async def admin_stats(self, request: web.Request) -> web.Response:
        return web.json_response({"jobs": 5, "users": self.state.logins})

    async def tokenize(self, request: web.Request) -> web.Response:
        text = (await request.read()).decode("utf-8", "replace")
        return web.json_response({"tokens": len(text.split())})

    async def analyze(self, request: web.Request) -> web.Response:
        if not request.headers.get("X-Api-Key"):
            return web.json_response({"message": "X-Api-Key required"}, status=401)
        body = (await request.read()).decode("utf-8", "replace")
        cached = body in self.state.cache
        if cached:
            self.state.cache_hits += 1
        else:
            self.state.cache_misses += 1
            self.state.cache.add(body)
            if len(self.state.cache) > 10_000:
                self.state.cache.pop()
        return web.json_response({"cached": cached, "score": len(body) % 10},
                                 headers={"X-Cache": "HIT" if cached else "MISS"})

    async def providers(self, request: web.Request) -> web.Response:
        return web.json_response({"providers": ["alpha", "beta"]})

    async def route(self, request: web.Request) -> web.Response:
        body = await request.read()
        return web.json_response({"model": "small" if len(body) < 64 else "large"})

    async def scrape(self, request: web.Request) -> web.Response:
        return web.json_response({"pages": 3})

    async def tokenize_batch(self, request: web.Request) -> web.Response:
        try:
            texts = (await request.json()).get("texts", [])
        except (ValueError, AttributeError):
            return web.json_response({"message": "body must be JSON with texts"}, status=400)
        return web.json_response({"tokens": [len(str(t).split()) for t in texts]})

    async def generate_batch(self, request: web.Request) -> web.Response:
        try:
            prompts = (await request.json()).get("prompts", [])
        except (ValueError, AttributeError):
            return web.json_response({"message": "body must be JSON with prompts"}, status=400)
        return web.json_response({"results": [{"prompt": str(p), "text": "ok"} for p in prompts]})

    async def cache_stats(self, request: web.Request) -> web.Response:
        return web.json_response({"hits": self.state.cache_hits, "misses": self.state.cache_misses})

    async def stats(self, request: web.Request) -> web.Response:
        return web.json_response({"seen": dict(self.state.seen), "peak_active": self.state.peak_active})

    async def reset(self, request: web.Request) -> web.Response:
        self.state.seen.clear()
        self.state.peak_active = 0
        return web.json_response({"ok": True})

def make_app(state: DemoState) -> web.Application:
    api = DemoApi(state)
    app = web.Application(middlewares=[api.limits])
    for method, path, handler, _ in ENDPOINTS:
        app.router.add_route(method, path, getattr(api, handler))
    return app


async def serve(host: str, port: int, state: DemoState, ready: asyncio.Event | None = None) -> web.AppRunner:
    runner = web.AppRunner(make_app(state), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port, backlog=1024, reuse_address=True)
    await site.start()
    if ready is not None:
        ready.set()
    return runner


def bound_port(runner: web.AppRunner) -> int:
    for site in runner.sites:
        server = getattr(site, "_server", None)
        if server is not None and server.sockets:
            return int(server.sockets[0].getsockname()[1])
    raise RuntimeError("the demo target is not listening")
