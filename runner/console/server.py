"""`squall console`: the web app on 127.0.0.1 over the store the CLI uses. Every page reads the
store through the run index (runner.results.index), brought up to date on each request; the
process keeps nothing else a restart would lose. The handlers are thin: parse the request, ask
the backend (runner.console.backends), render a page (runner.console.pages).

Other pages in the same browser cannot use it: a request naming another Host is refused (DNS
rebinding), and every change (start, stop, baseline, schedules) needs this console's token, sent by
its own forms and pages, and, when the browser says where it comes from, this console's Origin."""
from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from aiohttp import web

from analysis.comparison import compare_runs
from analysis.reports.html import render_html
from analysis.trends import trend
from runner.console import pages
from runner.console.backends import ConsoleBackend
from runner.console.launch import Launch, LaunchRefused
from runner.results.baseline import clear_baseline, set_baseline
from runner.results.index import RunFilter, UnknownRunName, resolve_run_names
from runner.results.live_page import PAGE
from runner.results.reports import chart_library_js
from runner.store import StoreError, run_prefix
from runner.units import utc_day_start_s

PAGE_SIZE = 100
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class ConsoleApp:
    def __init__(self, backend: ConsoleBackend, token: str | None = None) -> None:
        self.backend = backend
        self.token = token or secrets.token_urlsafe(24)
        self.port = 0

    def allowed_hosts(self) -> set[str]:
        return {f"{name}:{self.port}" for name in ("127.0.0.1", "localhost", "[::1]")}

    @web.middleware
    async def guard(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.host.lower() not in self.allowed_hosts():
            return web.Response(status=421, text=f"this console answers for 127.0.0.1:{self.port} only")
        if request.method == "POST":
            origin = request.headers.get("Origin")
            given = request.headers.get("X-Squall-Token") or str((await request.post()).get("token", ""))
            if not secrets.compare_digest(given, self.token) or \
                    (origin is not None and origin.lower() != f"http://{request.host.lower()}"):
                return web.Response(status=403, text="a change is taken from this console's own pages only")
        return await handler(request)

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self.guard])
        get, post = app.router.add_get, app.router.add_post
        get("/", self.runs)
        get("/plotly.js", self.plotly)
        get("/favicon.ico", self.no_icon)
        get("/runs/{run_id}", self.run)
        get("/runs/{run_id}/report", self.report)
        get("/runs/{run_id}/live/", self.live_page)
        get("/runs/{run_id}/live/plotly.js", self.plotly)
        get("/runs/{run_id}/live/events", self.live_events)
        get("/runs/{run_id}/live/report", self.report)
        post("/runs/{run_id}/live/stop", self.stop)
        post("/runs/{run_id}/baseline", self.baseline)
        get("/trends", self.trends)
        get("/compare", self.compare)
        get("/start", self.start_form)
        post("/start", self.start)
        get("/schedules", self.schedules)
        post("/schedules", self.schedule_save)
        post("/schedules/{name}/delete", self.schedule_delete)
        post("/schedules/{name}/pause", self.schedule_pause)
        return app

    async def _blocking(self, work: Callable[[], Any]) -> Any:
        return await asyncio.get_running_loop().run_in_executor(None, work)

    def _page(self, title: str, here: str, body: str, status: int = 200) -> web.Response:
        return web.Response(text=pages.layout(title, here, body, self.backend.label), content_type="text/html",
                            status=status, headers={"Cache-Control": "no-store"})

    async def runs(self, request: web.Request) -> web.Response:
        query = request.query
        chosen = {k: query[k] for k in ("spec", "profile", "verdict", "backend", "tag", "since", "until") if query.get(k)}
        try:
            offset = max(0, int(query.get("offset", "0")))
            where = RunFilter(spec=chosen.get("spec"), profile=chosen.get("profile"), verdict=chosen.get("verdict"),
                              backend=chosen.get("backend"), tag=chosen.get("tag"),
                              since_epoch_s=_day(chosen.get("since")), until_epoch_s=_day(chosen.get("until"), 1))
        except ValueError:
            return self._page("Runs", "/", "<p class='error'>A date is written 2026-12-01.</p>", 400)
        index = await self._blocking(self.backend.fresh_index)
        rows, total = index.runs(where, PAGE_SIZE, offset), index.count(where)
        body = pages.runs_page(rows, total, index.suites() if not chosen and offset == 0 else [], index.choices(),
                               chosen, offset, PAGE_SIZE)
        return self._page("Runs", "/", body)

    async def run(self, request: web.Request) -> web.Response:
        run_id = request.match_info["run_id"]
        index = await self._blocking(self.backend.fresh_index)
        row = index.run(run_id)
        if row is None:
            return self._page("Not found", "/", f"<p class='error'>No run {pages.e(run_id)} in this store.</p>", 404)
        result = await self._blocking(lambda: self._result(run_id))
        baseline_id = index.baseline_of(row["spec_name"], row["profile"])
        baseline = None
        if result is not None and baseline_id and baseline_id != run_id:
            baseline = await self._blocking(lambda: self._result(baseline_id))
        return self._page(run_id, "/", pages.run_page(row, result, baseline, self.token))

    def _result(self, run_id: str) -> dict[str, Any] | None:
        key = run_prefix(run_id) + "result.json"
        store = self.backend.store
        return dict(store.get_json(key)) if store.exists(key) else None

    async def report(self, request: web.Request) -> web.Response:
        result = await self._blocking(lambda: self._result(request.match_info["run_id"]))
        if result is None:
            return web.Response(status=404, text="the report is written when the run ends")
        page = await self._blocking(lambda: render_html(result, chart_library_js()))
        return web.Response(text=page, content_type="text/html")

    async def plotly(self, request: web.Request) -> web.Response:
        return web.Response(text=chart_library_js(), content_type="application/javascript",
                            headers={"Cache-Control": "max-age=3600"})

    async def no_icon(self, request: web.Request) -> web.Response:
        return web.Response(status=204)

    async def live_page(self, request: web.Request) -> web.Response:
        return web.Response(text=PAGE.replace("__SQUALL_TOKEN__", self.token), content_type="text/html",
                            headers={"Cache-Control": "no-store"})

    async def live_events(self, request: web.Request) -> web.StreamResponse:
        run_id = request.match_info["run_id"]
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
        await response.prepare(request)
        try:
            while True:
                snapshot = await self._blocking(lambda: self.backend.live_snapshot(run_id))
                if snapshot.get("state") == "unreadable":
                    break
                if "series" in snapshot:  # before its workers start, there is nothing to draw
                    await response.write(f"data: {json.dumps(snapshot)}\n\n".encode())
                if snapshot.get("verdict") or snapshot.get("state") == "INTERRUPTED":
                    break
                await asyncio.sleep(1.0)  # pushed once a second
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        return response

    async def stop(self, request: web.Request) -> web.Response:
        run_id = request.match_info["run_id"]
        index = await self._blocking(self.backend.fresh_index)
        if index.run(run_id) is None:  # a stop flag written for no run would make one
            return web.json_response({"stopping": False, "error": f"no run {run_id}"}, status=404)
        await self._blocking(lambda: self.backend.stop(run_id))
        return web.json_response({"stopping": True})

    async def baseline(self, request: web.Request) -> web.StreamResponse:
        run_id = request.match_info["run_id"]
        action = str((await request.post()).get("action", ""))
        store = self.backend.store
        try:
            if action == "set":
                await self._blocking(lambda: set_baseline(store, run_id))
            elif action == "unset":
                result = await self._blocking(lambda: self._result(run_id))
                if result is not None:
                    await self._blocking(lambda: clear_baseline(store, result["spec_name"], result.get("profile")))
        except StoreError as error:
            return self._page("Baseline", "/", f"<p class='error'>{pages.e(error)}</p>", 400)
        raise web.HTTPSeeOther(f"/runs/{quote(run_id)}")

    async def trends(self, request: web.Request) -> web.Response:
        index = await self._blocking(self.backend.fresh_index)
        spec, profile = request.query.get("spec") or None, request.query.get("profile") or None
        found = None
        if spec:
            history = index.history(spec, profile)
            found = await self._blocking(lambda: trend(history))
        return self._page("Trends", "/trends", pages.trends_page(index.choices(), spec, profile, found))

    async def compare(self, request: web.Request) -> web.Response:
        index = await self._blocking(self.backend.fresh_index)
        chosen = (request.query.get("a", ""), request.query.get("b", ""))
        run_ids = [r["run_id"] for r in index.runs(RunFilter(), limit=200)]
        if not all(chosen):
            return self._page("Compare", "/compare", pages.compare_page(run_ids, chosen, None, None, None))
        try:
            named = resolve_run_names(index, list(chosen))
            results = [await self._blocking(lambda r=r: self._result(r)) for r in named]  # type: ignore[misc]
            missing = [r for r, result in zip(named, results, strict=True) if result is None]
            if missing:
                raise UnknownRunName(f"no result for run {', '.join(missing)} in this store")
        except UnknownRunName as error:
            return self._page("Compare", "/compare", pages.compare_page(run_ids, chosen, None, None, str(error)), 404)
        a, b = results[0], results[1]
        assert a is not None and b is not None
        comparison = await self._blocking(lambda: compare_runs(a, b))
        return self._page("Compare", "/compare", pages.compare_page(run_ids, chosen, comparison, (a, b), None))

    async def start_form(self, request: web.Request, error: str | None = None, status: int = 200) -> web.Response:
        specs = await self._blocking(self.backend.specs)
        return self._page("Start a run", "/start", pages.start_page(specs, self.token, error, self.backend.specs_where),
                          status)

    async def start(self, request: web.Request) -> web.StreamResponse:
        form = await request.post()
        spec, _, profile = str(form.get("spec", "")).partition("@")
        try:
            scale = float(str(form.get("duration_scale") or "1"))
        except ValueError:
            return await self.start_form(request, "the duration scale is a number, e.g. 0.5", 400)
        known = dict(await self._blocking(self.backend.specs))
        if spec not in known:
            return await self.start_form(request, f"no spec {spec} here", 400)
        launch = Launch(spec=Path(spec), profile=profile or None, target_url=str(form.get("target") or "") or None,
                        duration_scale=scale)
        try:
            run_id = await self._blocking(lambda: self.backend.start(launch))
        except LaunchRefused as error:
            return await self.start_form(request, str(error), 400)
        raise web.HTTPSeeOther(f"/runs/{quote(run_id)}/live/")

    async def schedules(self, request: web.Request) -> web.Response:
        return self._page("Schedules", "/schedules", await self._blocking(
            lambda: self.backend.schedules_page(self.token, None)))

    async def schedule_save(self, request: web.Request) -> web.StreamResponse:
        form = {k: str(v) for k, v in (await request.post()).items()}
        error = await self._blocking(lambda: self.backend.save_schedule(form))
        if error:
            return self._page("Schedules", "/schedules", await self._blocking(
                lambda: self.backend.schedules_page(self.token, error)), 400)
        raise web.HTTPSeeOther("/schedules")

    async def schedule_delete(self, request: web.Request) -> web.StreamResponse:
        error = await self._blocking(lambda: self.backend.delete_schedule(request.match_info["name"]))
        if error:
            return self._page("Schedules", "/schedules", await self._blocking(
                lambda: self.backend.schedules_page(self.token, error)), 400)
        raise web.HTTPSeeOther("/schedules")

    async def schedule_pause(self, request: web.Request) -> web.StreamResponse:
        resume = str((await request.post()).get("resume", "")) == "1"
        error = await self._blocking(lambda: self.backend.pause_schedule(request.match_info["name"], resume))
        if error:
            return self._page("Schedules", "/schedules", await self._blocking(
                lambda: self.backend.schedules_page(self.token, error)), 400)
        raise web.HTTPSeeOther("/schedules")


def _day(text: str | None, plus_days: int = 0) -> float | None:
    """A date (UTC midnight), as the page's date inputs send it; ``plus_days`` later for an "until"."""
    if not text:
        return None
    return utc_day_start_s(text) + plus_days * 86_400


async def serve(console: ConsoleApp, port: int, started: Callable[[str], None]) -> None:
    """Serve on 127.0.0.1 until cancelled; ``started`` is told the address once it listens."""
    runner = web.AppRunner(console.app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    console.port = int(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]
    started(f"http://127.0.0.1:{console.port}/")
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
