"""The validated spec as frozen values. Built only by ``runner.spec.validate``.

Units: seconds, requests per second, milliseconds where a name says so.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from analysis.abort import AbortRule
from analysis.target import TargetResources
from analysis.thresholds import Threshold
from analysis.verdict import HealthLimits
from runner.templating import Template


@dataclass(frozen=True)
class Target:
    base_url: str
    headers: tuple[tuple[str, Template | str], ...] = ()
    timeout_s: float = 10.0
    verify_tls: bool = True
    http2: bool = False
    cookies: bool = True  # a cookie jar per virtual user (false: Set-Cookie is ignored)


@dataclass(frozen=True)
class Phase:
    name: str
    duration_s: float
    kind: str  # "rate" (open model), "users" (closed model) or "pause"
    start: float = 0.0  # arrivals/s for rate phases, users for users phases
    end: float = 0.0  # == start when there is no ramp
    spawn_rate_per_s: float | None = None  # users phases: new users start at this rate (Locust's --spawn-rate)
    iterations: int | None = None  # users phases: this many scenario runs in all, then the users stop (hey -n)

    @property
    def peak(self) -> float:
        return max(self.start, self.end)


@dataclass(frozen=True)
class Capture:
    source: str  # "json" or "header"
    expression: str  # JSONPath-style for json, header name for header
    variable: str


@dataclass(frozen=True)
class Check:
    """What a response must hold besides its status (Artillery's expect): ``kind`` is
    content_type (prefix), json (a JSONPath's first value equals ``value``), has (a JSONPath
    selects something) or header (a header equals ``value``)."""

    kind: str
    key: str
    value: Any = None


@dataclass(frozen=True)
class Request:
    method: str
    url: Template | str
    name: str
    headers: tuple[tuple[str, Template | str], ...] = ()
    query: tuple[tuple[str, Template | str], ...] = ()
    json: Any = None
    form: tuple[tuple[str, Template | str], ...] | None = None
    expect: frozenset[int] | None = None  # None: any status below 400
    captures: tuple[Capture, ...] = ()
    has_json: bool = False
    timeout_s: float | None = None  # this step's own timeout (None: target.timeout)
    checks: tuple[Check, ...] = ()  # failing one is an "expectation" error
    cookies: tuple[tuple[str, Template | str], ...] = ()  # put in the user's jar before it is sent (Artillery's cookie)


@dataclass(frozen=True)
class Think:
    duration_s: float
    max_s: float | None = None  # a range (`1s..3s`): uniform between duration_s and max_s

    def draw_s(self, uniform: Callable[[float, float], float]) -> float:
        return self.duration_s if self.max_s is None else uniform(self.duration_s, self.max_s)


@dataclass(frozen=True)
class Loop:
    """Steps repeated: ``count`` times (at most, with ``until``), or once per item of ``over``
    (the item in ``{{ as_name }}``); ``until`` (variable, value): stop after the iteration
    that left that variable equal to that value (a status poll that says done)."""

    flow: tuple[Step, ...]
    count: int = 1
    over: tuple[Any, ...] | None = None
    as_name: str = "item"
    until: tuple[str, str] | None = None

    @property
    def repeats(self) -> int:
        return len(self.over) if self.over is not None else self.count


Step = Request | Think | Loop


def requests_in(flow: tuple[Step, ...]) -> Iterator[Request]:
    """Every request step, those inside loops too (each once)."""
    for step in flow:
        if isinstance(step, Request):
            yield step
        elif isinstance(step, Loop):
            yield from requests_in(step.flow)


def requests_sent(flow: tuple[Step, ...]) -> float:
    """Requests one run of the flow sends when every step succeeds (a loop's at most)."""
    return sum(1.0 if isinstance(step, Request) else step.repeats * requests_sent(step.flow)
               if isinstance(step, Loop) else 0.0 for step in flow)


@dataclass(frozen=True)
class Scenario:
    name: str
    weight: float
    flow: tuple[Step, ...]
    tags: tuple[str, ...] = ()

    @property
    def requests(self) -> tuple[Request, ...]:
        return tuple(requests_in(self.flow))


@dataclass(frozen=True)
class UserClass:
    """A Locust-style user class for the closed-model phases: users are given a class by weight
    when they start, run its on_start scenario once (its captures stay with the user), then loop
    its tasks (scenarios, by weight), waiting ``wait_s`` after each or keeping a pacing."""

    name: str
    weight: float
    tasks: tuple[tuple[str, float], ...]  # scenario name, weight
    wait_s: tuple[float, float] = (0.0, 0.0)  # uniform between low and high after each task
    pacing_s: float | None = None  # instead of wait: a task starts every pacing_s (Locust's constant_pacing)
    on_start: str | None = None  # a scenario's name
    headers: tuple[tuple[str, Template | str], ...] = ()
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class LocustSource:
    """A locustfile whose user classes Locust itself runs (runner.load.locust_runner)."""

    file: str  # its path (absolute once validated with a folder to read from)
    classes: tuple[str, ...] = ()  # the classes to run (none: every one, as Locust does)
    tags: tuple[str, ...] = ()
    exclude_tags: tuple[str, ...] = ()
    # On AWS: the locustfile's folder as a base64 zip (runner.spec.locust_folder.pack), ``file``
    # then naming the locustfile inside it; the worker unpacks it before importing.
    inlined: str | None = None
    shape: str | None = None  # the file's LoadTestShape the workers follow (the phases only draw it)
    options: tuple[str, ...] = ()  # the locustfile's own command-line options (its init_command_line_parser)


@dataclass(frozen=True)
class DataSet:
    name: str
    rows: tuple[Any, ...]  # scalars, or maps of column -> value
    order: str = "random"  # or "sequence"


@dataclass(frozen=True)
class AwsWatch:
    """The target's AWS resources to watch: listed, and/or discovered from a CloudFormation stack."""

    resources: TargetResources
    region: str | None = None
    stack: str | None = None
    settle_max_s: float = 180.0  # wait at most this long after the run for the last datapoints


@dataclass(frozen=True)
class Limits:
    max_in_flight: int = 5000  # scenarios at once, over all workers
    health: HealthLimits = field(default_factory=HealthLimits)
    max_workers: int = 1000
    drain_s: float = 10.0  # after the last phase, time allowed for in-flight scenarios
    max_cost_usd: float | None = None  # refuse to start a run whose estimate is higher
    allowed_hosts: tuple[str, ...] = ()  # non-loopback target hosts this spec may load (globs)
    max_rate_per_s: float | None = None  # refuse plans above this peak arrival rate
    max_duration_s: float | None = None  # refuse longer runs
    min_worker_share: float = 1.0  # of planned workers that must finish, or the run is INCONCLUSIVE
    max_connections: int | None = None  # per worker and origin (the engine's default, 1,024, when None)
    max_body_bytes: int = 10 * 1024 * 1024  # an answer's body past this is not read: body_too_large
    max_endpoints: int = 1000  # endpoint names kept apart; past them, new names fold into one row


@dataclass(frozen=True)
class Spec:
    name: str
    file: str
    target: Target
    phases: tuple[Phase, ...]
    scenarios: tuple[Scenario, ...]
    data: tuple[DataSet, ...] = ()
    thresholds: tuple[Threshold, ...] = ()
    abort_rules: tuple[AbortRule, ...] = ()
    limits: Limits = field(default_factory=Limits)
    arrivals: str = "constant"  # or "poisson"
    raw: Any = None  # the parsed YAML, kept for the run record
    user_classes: tuple[UserClass, ...] = ()
    locust: LocustSource | None = None
    aws: AwsWatch | None = None
    regions: tuple[tuple[str, float], ...] = ()  # where the load comes from on AWS, each region's share (1 = all)
    notes: tuple[str, ...] = ()  # e.g. what an imported Artillery script could not carry over
    profile: str | None = None  # the load profile applied (-e NAME): a run's baseline is per spec and profile

    @property
    def duration_s(self) -> float:
        return sum(p.duration_s for p in self.phases)

    @property
    def endpoint_names(self) -> tuple[str, ...]:
        names: dict[str, None] = {}
        for scenario in self.scenarios:
            for step in scenario.requests:
                names[step.name] = None
        return tuple(names)
