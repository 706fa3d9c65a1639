"""The stack's settings from CDK context: cdk.json, or `cdk deploy -c squall:key=value`, which hands
every value over as text (a list given with -c arrived as its characters). Text is read as JSON
where the key takes a list, a number or a flag; every value is checked; every problem is reported
at once, one line each naming the key and what it takes (ContextError). Schedules are checked
here too (a name, a schedule expression EventBridge accepts, a spec key that exists under specs/),
and every spec under specs/ is validated by `squall validate` (run as a command: infra imports
nothing from runner/)."""
from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from constructs import Construct

from runner.contract import SCHEDULE_EXPRESSION_HINT, SCHEDULE_NAME, is_schedule_expression


class ContextError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Schedule:
    name: str
    expression: str
    timezone: str
    spec_key: str


@dataclass(frozen=True)
class Settings:
    allowed_hosts: tuple[str, ...]
    max_workers: int
    max_duration_s: int
    worker_memory_mb: int
    architecture: str
    results_expire_days: int
    schedules: tuple[Schedule, ...]
    ssm_parameter_prefix: str
    secret_name_prefix: str
    worker_reserved_concurrency: int | None
    control_reserved_concurrency: int = 0  # plan, monitor and collect each; 0 (the default): none
    # what collect may read of the target's AWS resources: stack and function names (globs)
    watched_stacks: tuple[str, ...] = ("*",)
    watched_functions: tuple[str, ...] = ("*",)
    vpc: VpcSettings | None = None  # the workers in a VPC, to reach private targets
    concurrent_runs: int = 1  # runs at once the control reserves are sized for


@dataclass(frozen=True)
class VpcSettings:
    """squall:vpc. ``vpc_id`` set: the workers go in that VPC's ``subnet_ids`` (which must reach S3,
    through NAT or an S3 gateway endpoint; with ``route_table_ids`` the stack adds one), with the
    ``security_group_ids`` given or one the stack makes (no inbound, all outbound). ``vpc_id`` None:
    the stack creates a VPC (``max_azs`` private subnets with one NAT gateway, an S3 gateway endpoint)."""
    vpc_id: str | None = None
    subnet_ids: tuple[str, ...] = ()
    security_group_ids: tuple[str, ...] = ()
    route_table_ids: tuple[str, ...] = ()
    max_azs: int = 2


_VPC_FIELDS = {"vpcId", "subnetIds", "securityGroupIds", "routeTableIds", "create", "maxAzs"}
# EC2 ids: 8 hex digits (older resources) or 17 (cfn-lint holds templates to exactly these)
_AWS_ID = {field: re.compile(rf"^{prefix}-([0-9a-f]{{8}}|[0-9a-f]{{17}})$") for field, prefix in (
    ("vpcId", "vpc"), ("subnetIds", "subnet"), ("securityGroupIds", "sg"), ("routeTableIds", "rtb"))}
MAX_RUN_HOURS = 8  # the longest run Plan accepts with Collect's memory (whole hours)
_HOST_PATTERN = re.compile(r"^[A-Za-z0-9*?.\-\[\]:]+$")
# IAM resource names take * and ? as wildcards; a stack name letters, digits and hyphens; a function's
# also underscores
_STACK_GLOB = re.compile(r"^[A-Za-z*?][A-Za-z0-9*?-]{0,127}$")
_FUNCTION_GLOB = re.compile(r"^[A-Za-z0-9_*?-]{1,64}$")
_validated: dict[str, str | None] = {}  # a spec's text hash -> its problems (synth runs many times in tests)


class _Reader:
    def __init__(self, scope: Construct) -> None:
        self.scope = scope
        self.problems: list[str] = []

    def raw(self, key: str, default: Any, kind: type) -> Any:
        value = self.scope.node.try_get_context(f"squall:{key}")
        if value is None:
            return default
        if isinstance(value, str) and kind is not str:
            try:
                value = json.loads(value)  # `-c squall:key=...` gives text
            except ValueError:
                self.problems.append(f"squall:{key}: expected {_kind(kind)} written as JSON, got {value!r}")
                return default
        if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
            self.problems.append(f"squall:{key}: expected a whole number, got {value!r}")
            return default
        if kind is not int and not isinstance(value, kind):
            self.problems.append(f"squall:{key}: expected {_kind(kind)}, got {value!r}")
            return default
        return value

    def number(self, key: str, default: int, low: int, high: int) -> int:
        value = int(self.raw(key, default, int))
        if not low <= value <= high:
            self.problems.append(f"squall:{key}: must be between {low:,} and {high:,}, got {value:,}")
            return default
        return value


def _kind(kind: type) -> str:
    return {list: "a JSON list", int: "a whole number", str: "text", bool: "true or false",
            dict: "a JSON object"}.get(kind, kind.__name__)


def _network(text: str) -> bool:
    """An address range such as 10.0.0.0/16 (a private API's subnet)."""
    import ipaddress
    if "/" not in text:
        return False
    try:
        ipaddress.ip_network(text, strict=False)
    except ValueError:
        return False
    return True


def read_settings(scope: Construct, specs_dir: Path,
                  validate: Callable[[Path], str | None] | None = None) -> Settings:
    """Every squall: context key, checked; ContextError with every problem when any is wrong."""
    r = _Reader(scope)
    hosts = r.raw("allowedHosts", [], list)
    for host in hosts:
        if not isinstance(host, str) or not (_HOST_PATTERN.match(host) or _network(host)):
            r.problems.append(f"squall:allowedHosts: {host!r} is not a host name, glob or network (e.g. "
                              f"api.example.com, *.execute-api.us-east-1.amazonaws.com, 10.0.0.0/16)")
        elif host.strip("*.") == "" or host.endswith("/0"):
            r.problems.append(f"squall:allowedHosts: {host!r} would allow every host: name the hosts you test")
    architecture = str(r.raw("architecture", "arm64", str))
    if architecture not in ("arm64", "x86_64"):
        r.problems.append(f"squall:architecture: arm64 or x86_64, got {architecture!r}")
    reserved = r.raw("workerReservedConcurrency", None, int)
    watched_stacks = _globs(r, "watchedStacks", _STACK_GLOB, "a stack name or glob (letters, digits, hyphens, * and ?)")
    watched_functions = _globs(r, "watchedFunctions", _FUNCTION_GLOB,
                               "a function name or glob (letters, digits, hyphens, underscores, * and ?)")
    schedules = _schedules(r, r.raw("schedules", [], list), specs_dir)
    _validate_specs(r, specs_dir, validate or validate_spec)
    settings = Settings(
        allowed_hosts=tuple(h for h in hosts if isinstance(h, str)),
        max_workers=r.number("maxWorkers", 100, 1, 10_000),
        # at most what Plan lets a run last: the final merge of 8 h of per-second timeline fills 80 % of
        # Collect's 3,008 MB (runner.collect_budget.collect_problem; a test ties the two). It took 7 days.
        max_duration_s=r.number("maxDurationSeconds", 3600, 1, MAX_RUN_HOURS * 3600),
        worker_memory_mb=r.number("workerMemoryMb", 1769, 128, 10_240),
        architecture=architecture,
        results_expire_days=r.number("resultsExpireDays", 90, 1, 36_500),
        schedules=schedules,
        ssm_parameter_prefix=str(r.raw("ssmParameterPrefix", "/squall/", str)),
        secret_name_prefix=str(r.raw("secretNamePrefix", "squall/", str)),
        worker_reserved_concurrency=int(reserved) if reserved else None,
        # 0 unless asked: Lambda keeps 100 unreserved, so reserving 15 fails the first deploy on any account
        # whose concurrency quota is under 115 (new accounts often start at 10)
        control_reserved_concurrency=r.number("controlReservedConcurrency", 0, 0, 100),
        watched_stacks=watched_stacks, watched_functions=watched_functions, vpc=_vpc(r),
        concurrent_runs=r.number("concurrentRuns", 1, 1, 50))
    if r.problems:
        raise ContextError(r.problems)
    return settings


def _vpc(r: _Reader) -> VpcSettings | None:
    """squall:vpc: an existing VPC's subnets (and security groups, route tables), or one to create."""
    value = r.raw("vpc", None, dict)
    if value is None:
        return None
    unknown = sorted(set(value) - _VPC_FIELDS)
    if unknown:
        r.problems.append(f"squall:vpc: unknown field {', '.join(unknown)} (known: {', '.join(sorted(_VPC_FIELDS))})")
    if value.get("create") is True:
        return _created_vpc(r, value)
    if "vpcId" not in value or not value.get("subnetIds"):
        example = ('{"vpcId": "vpc-0abc1234567890def", "subnetIds": ["subnet-0abc1234567890def", ...]} (an existing '
                   'VPC) or {"create": true} (a new one)')
        r.problems.append(f"squall:vpc: needs vpcId and subnetIds, or create: {example}")
        return None
    found = {field: _aws_ids(r, field, pattern, value.get(field, [] if field != "vpcId" else ""))
             for field, pattern in _AWS_ID.items()}
    return VpcSettings(vpc_id=(found["vpcId"] or ("",))[0], subnet_ids=found["subnetIds"],
                       security_group_ids=found["securityGroupIds"], route_table_ids=found["routeTableIds"])


def _created_vpc(r: _Reader, value: dict[str, Any]) -> VpcSettings:
    if set(value) & {"vpcId", "subnetIds", "securityGroupIds", "routeTableIds"}:
        r.problems.append("squall:vpc: create makes a new VPC; vpcId, subnetIds, securityGroupIds and routeTableIds "
                          "name an existing one: give one or the other")
    max_azs = value.get("maxAzs", 2)
    if not isinstance(max_azs, int) or isinstance(max_azs, bool) or not 1 <= max_azs <= 6:
        r.problems.append(f"squall:vpc.maxAzs: a whole number from 1 to 6, got {max_azs!r}")
        max_azs = 2
    return VpcSettings(max_azs=max_azs)


def _aws_ids(r: _Reader, field: str, pattern: re.Pattern[str], given: Any) -> tuple[str, ...]:
    """An id (vpcId) or a list of them, each of AWS's form (8 or 17 hex digits)."""
    items = [given] if field == "vpcId" else given
    if not isinstance(items, list) or any(not isinstance(i, str) or not pattern.match(i) for i in items):
        prefix = pattern.pattern[1:].split("-")[0]
        r.problems.append(f"squall:vpc.{field}: expected {'an id' if field == 'vpcId' else 'a list of ids'} "
                          f"like {prefix}-0abc1234567890def (8 or 17 hex digits), got {given!r}")
        return ()
    return tuple(items)


def _globs(r: _Reader, key: str, pattern: re.Pattern[str], what: str) -> tuple[str, ...]:
    items = r.raw(key, ["*"], list)
    bad = [item for item in items if not isinstance(item, str) or not pattern.match(item)]
    for item in bad:
        r.problems.append(f"squall:{key}: {item!r} is not {what}")
    if not items:
        r.problems.append(f"squall:{key}: empty; name at least one (\"*\" for every one in the account)")
    return tuple(item for item in items if item not in bad) or ("*",)


def _schedules(r: _Reader, items: list[Any], specs_dir: Path) -> tuple[Schedule, ...]:
    found: list[Schedule] = []
    names: set[str] = set()
    for index, item in enumerate(items):
        where = f"squall:schedules[{index}]"
        if not isinstance(item, dict):
            r.problems.append(f"{where}: expected an object with name, expression and specKey, got {item!r}")
            continue
        name, expression = str(item.get("name", "")), str(item.get("expression", "")).strip()
        timezone, spec_key = str(item.get("timezone", "Etc/UTC")), str(item.get("specKey", ""))
        unknown = sorted(set(item) - {"name", "expression", "timezone", "specKey"})
        if unknown:
            r.problems.append(f"{where}: unknown field {', '.join(unknown)} (known: name, expression, timezone, "
                              f"specKey)")
        if not SCHEDULE_NAME.match(name):
            r.problems.append(f"{where}.name: 1 to 40 letters, digits, - or _, got {name!r}")
        elif name in names:
            r.problems.append(f"{where}.name: {name!r} is used twice")
        names.add(name)
        if not is_schedule_expression(expression):
            r.problems.append(f"{where}.expression: {expression!r} is not a schedule expression: "
                              f"{SCHEDULE_EXPRESSION_HINT}")
        try:
            zoneinfo.ZoneInfo(timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            r.problems.append(f"{where}.timezone: {timezone!r} is not a time zone (e.g. Europe/Berlin, Etc/UTC)")
        relative = spec_key.removeprefix("specs/")
        if not spec_key.startswith("specs/") or ".." in Path(relative).parts or not (specs_dir / relative).is_file():
            r.problems.append(f"{where}.specKey: {spec_key!r} is not a spec under specs/ (deployed to the bucket "
                              f"as specs/...; e.g. specs/launch.yaml)")
        found.append(Schedule(name, expression, timezone, spec_key))
    return tuple(found)


def _validate_specs(r: _Reader, specs_dir: Path, validate: Callable[[Path], str | None]) -> None:
    if not specs_dir.is_dir():
        return
    for path in sorted(p for p in specs_dir.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file()):
        problems = validate(path)
        if problems:
            r.problems.append(f"specs/{path.relative_to(specs_dir)} is not a valid spec (a schedule or a console "
                              f"run would fail on it): {problems}")


def validate_spec(path: Path) -> str | None:
    """`squall validate` on one spec: None when valid, else its problems on one line."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest() + str(path)
    if digest not in _validated:
        root = str(Path(__file__).resolve().parent.parent)
        done = subprocess.run([sys.executable, "-m", "runner.cli", "validate", str(path)], capture_output=True,
                              text=True, timeout=120, cwd=root, env={**os.environ, "PYTHONPATH": root})
        _validated[digest] = None if done.returncode == 0 else " | ".join(
            line.strip() for line in (done.stderr or done.stdout).splitlines() if line.strip())[:2000]
    return _validated[digest]
