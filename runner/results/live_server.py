"""The live view's server (aiohttp, in a thread of the CLI's process): the page, its events
(the merged live state once a second, never a re-read of the shards), /metrics in the
OpenMetrics text format, a Stop the run loop turns into the stop flag, and the report when the
run is over. Loopback by default, with no login; --ui-public listens beyond it and then every
request needs the run's access key (in the address printed) or the --ui-password. Other pages in
the same browser cannot use it: a request naming another Host is refused (DNS rebinding), and Stop
needs the page's own token in a header (a cross-origin request cannot send one without a
preflight, which is never allowed) and, when the browser says where it comes from, this page's
Origin."""
from __future__ import annotations

import asyncio
import base64
import ipaddress
import json
import secrets
import socket
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import web

from runner.results.live_page import PAGE
from runner.results.reports import chart_library_js


class UiAddressRefused(ValueError):
    pass


def parse_address(text: str, public: bool) -> tuple[str, int]:
    """`HOST:PORT` (or `:PORT`); anything but loopback needs ``public`` (which then asks for a key)."""
    host, _, port = text.rpartition(":")
    host = host.strip("[]") or "127.0.0.1"
    try:
        number = int(port)
    except ValueError:
        raise UiAddressRefused(f"--ui {text!r}: write HOST:PORT, e.g. 127.0.0.1:8089") from None
    loopback = host == "localhost" or (_is_ip(host) and ipaddress.ip_address(host).is_loopback)
    if not loopback and not public:
        raise UiAddressRefused(f"--ui {text}: the live page binds to loopback unless --ui-public says it may listen "
                               f"on {host} (then it asks every visitor for the run's access key, or --ui-password)")
    return host, number


def this_machine_names() -> set[str]:
    """The names and addresses this machine is reached under, as far as it knows them."""
    names = {socket.gethostname().lower(), socket.getfqdn().lower()}
    for name in list(names):
        try:
            names |= {str(info[4][0]) for info in socket.getaddrinfo(name, None)}
        except OSError:
            pass
    return {f"[{n}]" if ":" in n else n for n in names if n}


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


class LiveServer:
    def __init__(self, host: str, port: int, page: bool = True, public: bool = False, password: str | None = None,
                 names: tuple[str, ...] = ()) -> None:
        """``public``: listening beyond loopback, every request needs this run's access key (in the URL
        printed for it, ``?key=…``, then kept in a same-site cookie; or ``Authorization: Bearer``) or,
        with ``password``, HTTP Basic authentication (as Locust's --web-login); ``names``: host names
        it is reached under, beyond this machine's own (a DNS name in front of it)."""
        self.host, self.port, self.page = host, port, page
        self.public, self.password, self.names = public, password, tuple(n.lower() for n in names)
        self.access_key = secrets.token_urlsafe(18) if public else None
        self.stop_requested = threading.Event()
        self._lock = threading.Lock()
        self._snapshot: dict[str, Any] = {"state": "starting"}
        self._metrics = "# EOF\n"
        self._version = 0
        self._report: Path | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self.token = secrets.token_urlsafe(24)  # in the page it serves; Stop must carry it

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    @property
    def shared_url(self) -> str:
        """The address to open (and share): with the access key when it is public."""
        host = socket.getfqdn() if self.host in ("0.0.0.0", "::", "") else self.host
        return f"http://{host}:{self.port}/" + (f"?key={self.access_key}" if self.access_key else "")

    def publish(self, snapshot: dict[str, Any], metrics: str, report: Path | None = None) -> None:
        with self._lock:
            self._snapshot, self._metrics = snapshot, metrics
            self._version += 1
            if report is not None:
                self._report = report

    def start(self) -> None:
        started = threading.Event()
        failure: list[BaseException] = []

        def serve() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                self._runner = web.AppRunner(self._app(), access_log=None)
                loop.run_until_complete(self._runner.setup())
                site = web.TCPSite(self._runner, self.host, self.port)
                loop.run_until_complete(site.start())
                if self.port == 0:
                    self.port = int(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]
            except BaseException as error:  # noqa: BLE001 - reported to the starting thread
                failure.append(error)
                started.set()
                return
            started.set()
            loop.run_forever()
            loop.run_until_complete(self._runner.cleanup())
            loop.close()

        self._thread = threading.Thread(target=serve, name="squall-live", daemon=True)
        self._thread.start()
        started.wait(10)
        if failure:
            raise OSError(f"the live page cannot listen on {self.host}:{self.port}: {failure[0]}")

    def close(self) -> None:
        """Stop serving (once; closing again does nothing)."""
        loop, self._loop = self._loop, None
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(5)

    def allowed_hosts(self) -> set[str]:
        """The Host headers this server answers: its own address (and localhost's names when it
        listens on loopback); listening on every address, this machine's names and addresses."""
        names = {self.host, f"[{self.host}]", *self.names}
        if self.host in ("0.0.0.0", "::", ""):
            names = {*self.names, *this_machine_names()}
        if self.host == "localhost" or (_is_ip(self.host) and ipaddress.ip_address(self.host).is_loopback) or \
                self.host in ("0.0.0.0", "::", ""):
            names |= {"localhost", "127.0.0.1", "[::1]"}
        return {f"{name}:{self.port}" for name in names} | ({*names} if self.port == 80 else set())

    @web.middleware
    async def _guard(self, request: web.Request,
                     handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> web.StreamResponse:
        if request.host.lower() not in self.allowed_hosts():
            return web.Response(status=421, text=f"this server answers for {self.host}:{self.port} only (--ui-name "
                                                 f"adds a name it is reached under)")
        if self.access_key is None:
            return await handler(request)
        keyed = request.query.get("key", "")
        if keyed and secrets.compare_digest(keyed, self.access_key):
            response = await handler(request)
            response.set_cookie("squall_key", self.access_key, httponly=True, samesite="Strict", path="/")
            return response
        if self._authorized(request):
            return await handler(request)
        headers = {"WWW-Authenticate": 'Basic realm="squall live page"'} if self.password else {}
        return web.Response(status=401, headers=headers, text="this live page needs the address squall printed "
                            "(with its ?key=…)" + (", or the password (--ui-password)" if self.password else ""))

    def _authorized(self, request: web.Request) -> bool:
        assert self.access_key is not None
        if secrets.compare_digest(request.cookies.get("squall_key", ""), self.access_key):
            return True
        scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer":
            return secrets.compare_digest(credentials.strip(), self.access_key)
        if scheme.lower() == "basic" and self.password:
            try:
                _, _, given = base64.b64decode(credentials.strip()).decode("utf-8").partition(":")
            except (ValueError, UnicodeDecodeError):
                return False
            return secrets.compare_digest(given.encode(), self.password.encode())
        return False

    def _app(self) -> web.Application:
        app = web.Application(middlewares=[self._guard])
        app.router.add_get("/metrics", self._metrics_handler)
        if self.page:
            app.router.add_get("/", self._page)
            app.router.add_get("/plotly.js", self._plotly)
            app.router.add_get("/events", self._events)
            app.router.add_get("/state", self._state)
            app.router.add_post("/stop", self._stop)
            app.router.add_get("/report", self._report_handler)
            app.router.add_get("/favicon.ico", self._no_icon)
        return app

    async def _page(self, request: web.Request) -> web.Response:
        return web.Response(text=PAGE.replace("__SQUALL_TOKEN__", self.token), content_type="text/html",
                            headers={"Cache-Control": "no-store"})

    async def _plotly(self, request: web.Request) -> web.Response:
        return web.Response(text=chart_library_js(), content_type="application/javascript")

    async def _state(self, request: web.Request) -> web.Response:
        with self._lock:
            return web.json_response(self._snapshot)

    async def _metrics_handler(self, request: web.Request) -> web.Response:
        with self._lock:
            text = self._metrics
        return web.Response(text=text, headers={
            "Content-Type": "application/openmetrics-text; version=1.0.0; charset=utf-8"})

    async def _no_icon(self, request: web.Request) -> web.Response:
        return web.Response(status=204)

    async def _stop(self, request: web.Request) -> web.Response:
        origin = request.headers.get("Origin")
        if not secrets.compare_digest(request.headers.get("X-Squall-Token", ""), self.token) or \
                (origin is not None and origin.lower() != f"http://{request.host.lower()}"):
            return web.json_response({"stopping": False, "error": "Stop is taken from this run's own page only"},
                                     status=403)
        self.stop_requested.set()
        return web.json_response({"stopping": True})

    async def _report_handler(self, request: web.Request) -> web.StreamResponse:
        if self._report is None or not self._report.is_file():
            return web.Response(status=404, text="the report is written when the run ends")
        return web.FileResponse(self._report)

    async def _events(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
        await response.prepare(request)
        sent = -1
        try:
            while True:
                with self._lock:
                    version, snapshot = self._version, self._snapshot
                if version != sent:
                    await response.write(f"data: {json.dumps(snapshot)}\n\n".encode())
                    sent = version
                await asyncio.sleep(1.0)  # pushed once a second
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        return response
