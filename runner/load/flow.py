"""Runs one scenario's flow for one arrival (or one closed-model iteration) and records
every request: status, error class, bytes, and latency both from the intended start
(corrected for coordinated omission) and from the actual send (uncorrected).

A step that fails (error reply, unexpected status, failed capture) ends its scenario: the
later steps depend on it. Times are seconds on the injected monotonic clock.
"""
from __future__ import annotations

import asyncio
import base64
import json
import random
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import unquote, urlencode, urlsplit, urlunsplit

from analysis.stats import EndpointStats, Window
from runner.guardrails import HostPolicy
from runner.load.capture import CaptureFailed, extract, holds
from runner.load.cookies import CookieJar
from runner.load.engines.base import NOT_SENT, Engine
from runner.load.recorder import Recorder
from runner.secrets import target_url_with
from runner.spec.model import DataSet, Loop, Request, Scenario, Spec, Step, Think
from runner.templating import MissingVariable, Template, render_value, variables_in

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


_STATUS_TEXT = {status: str(status) for status in range(100, 600)}  # a status's text, made once
_UNSEEN: Any = object()  # a step render() has not looked at yet (None: a step rendered for each run)


def classify_status(status: int, expect: frozenset[int] | None) -> str | None:
    if expect is not None:
        if status in expect:
            return None
    elif status < 400:
        return None
    if status == 429:
        return "http_429"
    if 400 <= status < 500:
        return "http_4xx"
    if status >= 500:
        return "http_5xx"
    return "expectation"


def _default_content_type(headers: list[tuple[str, str]], content_type: str) -> None:
    """The body's type unless the spec names one (a second Content-Type gets a 400 from strict servers)."""
    if not any(name.lower() == "content-type" for name, _ in headers):
        headers.append(("Content-Type", content_type))


class InvalidHeader(Exception):
    """A rendered header value holds a line break."""


class DataPicker:
    """Chooses each iteration's row of every data set: at random, or in sequence (each
    worker starting at its own offset so workers do not all send the same rows)."""

    def __init__(self, data: tuple[DataSet, ...], rng: random.Random, worker_index: int, slice_index: int = 0) -> None:
        self.data = data
        self.rng = rng
        # each time slice starts its sequences elsewhere too (104,729 is a prime), so a long run
        # does not send the same rows every 14 minutes
        self.counters = {d.name: worker_index + slice_index * 104_729 for d in data}

    def pick(self, names: frozenset[str], into: dict[str, Any]) -> None:
        for dataset in self.data:
            if dataset.name not in names:
                continue
            if dataset.order == "sequence":
                row = dataset.rows[self.counters[dataset.name] % len(dataset.rows)]
                self.counters[dataset.name] += 1
            else:
                row = dataset.rows[int(self.rng.random() * len(dataset.rows))]
            if isinstance(row, dict):
                for column, value in row.items():
                    into[f"{dataset.name}.{column}"] = value
            into[dataset.name] = row


def data_sets_used(scenario: Scenario) -> frozenset[str]:
    names: set[str] = set()
    for step in scenario.requests:
        found = set(step.url.variables) if isinstance(step.url, Template) else set()
        found |= variables_in(step.json)
        for _, value in step.headers + step.query + (step.form or ()):
            if isinstance(value, Template):
                found |= set(value.variables)
        names |= {name.split(".")[0] for name in found}
    return frozenset(names)


def _with_cookies(headers: list[tuple[str, str]], cookies: str) -> list[tuple[str, str]]:
    """The jar's cookies after any Cookie header the spec sets itself."""
    for i, (name, value) in enumerate(headers):
        if name.lower() == "cookie":
            return headers[:i] + [(name, f"{value}; {cookies}")] + headers[i + 1:]
    return [*headers, ("Cookie", cookies)]


class UserState:
    """What one closed-model user of a user class carries from task to task."""

    __slots__ = ("cookies", "headers", "variables")

    def __init__(self, headers: tuple[tuple[str, Template | str], ...] = ()) -> None:
        self.variables: dict[str, Any] = {}  # captured by its on_start (a login's token)
        self.headers = headers
        self.cookies = CookieJar()  # kept from iteration to iteration, as a browser would

    def with_headers(self, headers: list[tuple[str, str]], variables: dict[str, Any],
                     rng: random.Random) -> list[tuple[str, str]]:
        """The request's headers with the class's (which replace those of the same name)."""
        own: list[tuple[str, str]] = []
        for name, value in self.headers:
            try:
                own.append((name, value.render(variables, rng) if isinstance(value, Template) else value))
            except MissingVariable:  # during on_start, before it captured what the header needs
                continue
        if any("\r" in value or "\n" in value or "\0" in value for _, value in own):
            raise InvalidHeader
        names = {name.lower() for name, _ in own}
        return [(k, v) for k, v in headers if k.lower() not in names] + own


def basic_auth_from(url: str, headers: tuple[tuple[str, Any], ...]) -> tuple[str, tuple[tuple[str, Any], ...]]:
    """``http://user:password@host``: the URL without its user:password, and an ``Authorization:
    Basic`` header from them (as curl, requests and k6 send it), unless the headers have one."""
    parts = urlsplit(url)
    if parts.username is None:
        return url, headers
    bare = urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))
    if any(name.lower() == "authorization" for name, _ in headers):
        return bare, headers
    token = base64.b64encode(f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()).decode()
    return bare, (("Authorization", f"Basic {token}"), *headers)


class FlowRunner:
    def __init__(self, spec: Spec, engine: Engine, recorder: Recorder, clock: Clock, sleep: Sleep,
                 rng: random.Random, worker_index: int, secrets: dict[str, str] | None = None,
                 hosts: HostPolicy | None = None, slice_index: int = 0) -> None:
        """``hosts``: checked for every request before it is sent (None: no check, in unit tests)."""
        self.engine = engine
        self.recorder = recorder
        self.clock = clock
        self.sleep = sleep
        self.rng = rng
        self.base_url = target_url_with(spec, secrets or {})  # its $env references put in, here only
        self.target_headers = spec.target.headers
        self.base_url, self.target_headers = basic_auth_from(self.base_url, self.target_headers)
        self.data = DataPicker(spec.data, rng, worker_index, slice_index)
        self.uses = {s.name: data_sets_used(s) for s in spec.scenarios}
        self.iteration = 0
        self.worker_index = worker_index
        # per step: the request itself when it is the same every time (no template, no body), else None
        self.fixed: dict[int, tuple[str, list[tuple[str, str]], None] | None] = {}
        self.header_pairs: dict[int, tuple[tuple[str, str | Template], ...]] = {}
        self.secrets = dict(secrets or {})  # resolved in this worker, never recorded
        self.hosts = hosts
        self.lag_tolerance_s = spec.limits.health.lag_tolerance_ms / 1000
        parts = urlsplit(self.base_url)
        self.origin = f"{parts.scheme}://{parts.netloc}"  # the target's host: checked before the run
        self.origin_slash = self.origin + "/"
        self.host_allowed: dict[str, bool] = {}
        self.cookies = spec.target.cookies
        self.captured_names = {c.variable for s in spec.scenarios for step in s.requests for c in step.captures}

    # complexity: the per-scenario hot path: a call less per run for each branch kept here
    async def run(self, scenario: Scenario, intended_s: float, keep_pace: bool = False,
                  user: UserState | None = None, keep_captures: bool = False) -> bool:
        """Run the flow; True when every step succeeded. The first request's latency is
        measured from ``intended_s``, so time spent waiting for the generator counts.
        ``keep_pace`` (a closed-model user): a failed step still leaves the flow's remaining
        thinks to wait, so a user facing errors keeps its pace instead of looping at once.
        ``user`` (a user class's user): its variables (what its on_start captured) and headers
        go with every request; ``keep_captures``: this run's captures stay with the user."""
        self.iteration += 1
        variables: dict[str, Any] = {"$worker": self.worker_index, "$iteration": self.iteration, **self.secrets}
        if user is not None:
            variables.update(user.variables)
        jar = (user.cookies if user is not None else CookieJar()) if self.cookies else None
        uses = self.uses[scenario.name]
        if uses:
            self.data.pick(uses, variables)
        self.recorder.window_at(intended_s).scenario(scenario.name).launched += 1
        start_s = intended_s
        try:
            for index, step in enumerate(scenario.flow):
                # a request is awaited here directly: one coroutine less per request on the hot path
                if isinstance(step, Request):
                    succeeded = await self.request(step, variables, start_s, user, jar)
                    start_s = self.clock()
                else:
                    succeeded, start_s = await self._step(step, variables, start_s, user, jar)
                if not succeeded:
                    self.recorder.window_at(intended_s).scenario(scenario.name).failed += 1
                    if keep_pace:
                        remaining_s = sum(s.draw_s(self.rng.uniform) for s in scenario.flow[index + 1:]
                                          if isinstance(s, Think))
                        if remaining_s > 0:
                            await self.sleep(remaining_s)
                    return False
            self.recorder.window_at(intended_s).scenario(scenario.name).completed += 1
            return True
        finally:
            if keep_captures and user is not None:
                user.variables.update({k: v for k, v in variables.items() if k in self.captured_names})

    async def _step(self, step: Step, variables: dict[str, Any], start_s: float, user: UserState | None,
                    jar: CookieJar | None) -> tuple[bool, float]:
        """Run one step; (succeeded, when the next step is due)."""
        if isinstance(step, Think):
            # the next step is due at this step's end plus the think: a generator that wakes up
            # later is late, and the step's latency still counts from when it was due
            think_s = step.draw_s(self.rng.uniform)
            due_s = self.clock() + think_s
            await self.sleep(think_s)
            if self.clock() - due_s > self.lag_tolerance_s:
                self.recorder.window_at(due_s).health.late_steps += 1
            return True, due_s
        if isinstance(step, Loop):
            items: Any = step.over if step.over is not None else range(step.count)
            for item in items:
                if step.over is not None:
                    variables[step.as_name] = item
                for inner in step.flow:
                    succeeded, start_s = await self._step(inner, variables, start_s, user, jar)
                    if not succeeded:
                        return False, start_s
                if step.until is not None and str(variables.get(step.until[0])) == step.until[1]:
                    break
            return True, start_s
        return await self.request(step, variables, start_s, user, jar), self.clock()

    def render(self, step: Request, variables: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes | None]:
        fixed = self.fixed.get(id(step), _UNSEEN)
        if fixed is _UNSEEN:
            fixed = self.fixed[id(step)] = self._fixed_request(step)
        return fixed if fixed is not None else self._render_all(step, variables)

    def _fixed_request(self, step: Request) -> tuple[str, list[tuple[str, str]], None] | None:
        """The request when it is the same every time (no template in its URL or headers, no query, no
        body): made once. None: rendered for each run."""
        if step.has_json or step.form is not None or not isinstance(step.url, str) or step.query:
            return None
        pairs = self._header_pairs(step)
        if any(isinstance(v, Template) for _, v in pairs):
            return None
        url = step.url if step.url.startswith(("http://", "https://")) else self.base_url + step.url
        return url, [(k, str(v)) for k, v in pairs], None

    def _header_pairs(self, step: Request) -> tuple[tuple[str, str | Template], ...]:
        """The target's headers, then the step's: a step's header replaces the target's of the same name."""
        pairs = self.header_pairs.get(id(step))
        if pairs is None:
            own = {name.lower() for name, _ in step.headers}
            pairs = self.header_pairs[id(step)] = tuple(
                (name, value) for name, value in self.target_headers if name.lower() not in own) + step.headers
        return pairs

    # complexity: the per-request hot path: kept in one frame (a call per request costs on every request)
    def _render_all(self, step: Request, variables: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes | None]:
        rng = self.rng
        url = step.url.render(variables, rng) if isinstance(step.url, Template) else step.url
        if not url.startswith(("http://", "https://")):
            url = self.base_url + url
        if step.query:
            pairs = [(k, v.render(variables, rng) if isinstance(v, Template) else v) for k, v in step.query]
            url += ("&" if "?" in url else "?") + urlencode(pairs)
        headers = [(k, v.render(variables, rng) if isinstance(v, Template) else v) for k, v in self._header_pairs(step)]
        if any("\r" in value or "\n" in value or "\0" in value for _, value in headers):  # static: refused at validate
            raise InvalidHeader
        body: bytes | None = None
        if step.has_json:
            body = json.dumps(render_value(step.json, variables, rng), separators=(",", ":")).encode()
            _default_content_type(headers, "application/json")
        elif step.form is not None:
            pairs = [(k, v.render(variables, rng) if isinstance(v, Template) else v) for k, v in step.form]
            body = urlencode(pairs).encode()
            _default_content_type(headers, "application/x-www-form-urlencoded")
        return url, headers, body

    def refused_host(self, url: str) -> str | None:
        """The URL's host when the host policy refuses it; None when it may be sent."""
        if self.hosts is None or url.startswith(self.origin_slash) or url == self.origin:
            return None
        host = (urlsplit(url).hostname or "").lower()
        allowed = self.host_allowed.get(host)
        if allowed is None:
            allowed = self.host_allowed[host] = self.hosts.allows(host)
        return None if allowed else host

    # complexity: the per-request hot path: the cold branches are functions, the rest stays in one frame
    async def request(self, step: Request, variables: dict[str, Any], intended_s: float,  # noqa: C901
                      user: UserState | None = None, jar: CookieJar | None = None) -> bool:
        # Look the window up only after each await: a flush may have swapped the windows out.
        try:
            fixed = self.fixed.get(id(step))  # render()'s common case, without its call
            url, headers, body = fixed if fixed is not None else self.render(step, variables)
            if user is not None and user.headers:
                headers = user.with_headers(headers, variables, self.rng)
            if step.cookies and jar is not None:  # set on the step: into the user's jar, kept for later requests
                jar.take([f"{name}={value.render(variables, self.rng) if isinstance(value, Template) else value}"
                          for name, value in step.cookies])
            if jar is not None and jar.values:
                headers = _with_cookies(headers, jar.header())
        except MissingVariable:  # only possible with a data row lacking a column
            return self._never_sent(intended_s, step.name, "capture")
        except InvalidHeader:
            # a header value with a line break (a capture can bring one) would split the request:
            # refused, its own error class, never sent
            return self._never_sent(intended_s, step.name, "invalid_header")
        refused = None if self.hosts is None or url.startswith(self.origin_slash) else self.refused_host(url)
        if refused is not None:
            health = self.recorder.window_at(intended_s).health
            health.refused_hosts[refused] = health.refused_hosts.get(refused, 0) + 1
            return self._never_sent(intended_s, step.name, "refused_host")
        sent_s = self.clock()
        try:
            reply = await (self.engine.send(step.method, url, headers, body) if step.timeout_s is None else
                           self.engine.send(step.method, url, headers, body, step.timeout_s))
        except asyncio.CancelledError as cancel:  # the run ended with this request unanswered: count and time it
            self._count_cancelled(cancel, step.name, intended_s, sent_s)
            raise
        done_s = self.clock()
        window = self.recorder.window_at(intended_s)
        queued_s = reply.queued_s
        if queued_s > 0:  # waited for one of the engine's connections: the generator's time, kept apart
            self._count_pool_wait(window, queued_s)
        if reply.error is not None and reply.error == NOT_SENT:  # waited out its timeout for a connection
            window.health.not_sent += 1
            return False
        if sent_s + queued_s - intended_s > self.lag_tolerance_s:  # sent that late (a late start, a wait)
            window.health.sent_late += 1
        stats = window.endpoint(step.name)
        stats.requests += 1
        stats.bytes_out += reply.bytes_out
        # Failed requests are timed too (a timeout costs the user its full wait).
        stats.latency.record(int((done_s - intended_s - queued_s) * 1_000_000 + 0.5))
        stats.latency_uncorrected.record(int((done_s - sent_s - queued_s) * 1_000_000 + 0.5))
        stats.bytes_in += reply.bytes_in  # also what a failed answer brought (a body cut at limits.max_body)
        if reply.error is not None:
            stats.errors[reply.error] = stats.errors.get(reply.error, 0) + 1
            return False
        stats.responses += 1
        if jar is not None:
            set_cookies = reply.set_cookies()
            if set_cookies:
                jar.take(set_cookies)
        status = reply.status
        code = _STATUS_TEXT.get(status) or str(status)
        stats.statuses[code] = stats.statuses.get(code, 0) + 1
        failure = None if status < 400 and step.expect is None else classify_status(status, step.expect)
        if failure is not None:
            stats.errors[failure] = stats.errors.get(failure, 0) + 1
            stats.error_statuses[code] = stats.error_statuses.get(code, 0) + 1
            return False
        if not step.checks and not step.captures:
            return True
        return _checked_and_captured(step, reply, variables, stats)

    def _never_sent(self, intended_s: float, name: str, error: str) -> bool:
        """A request refused before it was sent (a missing data column, a header that would split
        it, a host not allowed): counted, with its error class."""
        stats = self.recorder.window_at(intended_s).endpoint(name)
        stats.requests += 1
        stats.errors[error] = stats.errors.get(error, 0) + 1
        return False

    def _count_cancelled(self, cancel: asyncio.CancelledError, name: str, intended_s: float, sent_s: float) -> None:
        """A request the run's end cancelled: still waiting for a connection, never sent (the
        generator's); sent, counted and timed as at least this long, like a timeout (never a request
        that vanishes untimed)."""
        if cancel.args == (NOT_SENT,):
            self.recorder.window_at(intended_s).health.not_sent += 1
            return
        cancelled_s = self.clock()
        stats = self.recorder.window_at(intended_s).endpoint(name)
        stats.requests += 1
        stats.errors["cancelled"] = stats.errors.get("cancelled", 0) + 1
        stats.latency.record(int((cancelled_s - intended_s) * 1_000_000 + 0.5))
        stats.latency_uncorrected.record(int((cancelled_s - sent_s) * 1_000_000 + 0.5))

    def _count_pool_wait(self, window: Window, queued_s: float) -> None:
        window.health.pool_waits += 1
        window.health.pool_wait.record(int(queued_s * 1_000_000 + 0.5))
        if queued_s > self.lag_tolerance_s:
            window.health.pool_waits_late += 1


def _checked_and_captured(step: Request, reply: Any, variables: dict[str, Any], stats: EndpointStats) -> bool:
    """The step's checks on the answer, then its captures into the user's variables: the JSON
    body decoded once for both. False (counted as an expectation or capture error) when one fails."""
    parsed: list[Any] = []
    if step.checks:
        try:
            held = all(holds(check, reply, parsed) for check in step.checks)
        except RecursionError:
            held = False
        if not held:
            stats.errors["expectation"] = stats.errors.get("expectation", 0) + 1
            return False
    if step.captures:
        try:
            for capture in step.captures:
                variables[capture.variable] = extract(capture, reply, parsed)
        except (CaptureFailed, RecursionError):  # RecursionError: a body nested deeper than Python reads
            stats.errors["capture"] = stats.errors.get("capture", 0) + 1
            return False
    return True
