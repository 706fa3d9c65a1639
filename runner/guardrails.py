"""Guardrails, checked before anything is sent: values in, problems out (a loopback name is
resolved to tell whether it is this machine).

- An operator's, set once (cdk.json context on AWS): which hosts may be targets, how many
  workers and how long a run may take.
- A local run's: a target that is not on this machine must be listed in the spec's
  limits.allowed_hosts (or allowed with --allow-host), so a typo cannot load-test someone
  else's API.
- The spec's own rate, duration and worker limits (both backends).
"""
from __future__ import annotations

import fnmatch
import ipaddress
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from runner.plan import PlanError, RunPlan
from runner.spec import Spec
from runner.units import format_duration


@dataclass(frozen=True)
class HostPolicy:
    """Which hosts a worker may send to, checked for every request it sends (absolute and
    templated URLs included): glob patterns, and on a local run this machine's own addresses."""
    patterns: tuple[str, ...]
    allow_loopback: bool

    def allows(self, host: str) -> bool:
        host = host.lower().strip("[]").rstrip(".")
        return (self.allow_loopback and is_loopback(host)) or any(host_matches(host, p) for p in self.patterns)

    @classmethod
    def local(cls, spec: Spec, allowed_by_flag: tuple[str, ...] = ()) -> HostPolicy:
        return cls(spec.limits.allowed_hosts + allowed_by_flag, allow_loopback=True)


@dataclass(frozen=True)
class Guardrails:
    allowed_hosts: tuple[str, ...] = ()  # glob patterns; empty: no host at all (every run is refused)
    max_workers: int = 100
    max_duration_s: float = 3600.0

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Guardrails:
        hosts = tuple(h.strip() for h in env.get("SQUALL_ALLOWED_HOSTS", "").split(",") if h.strip())
        return cls(hosts, int(env.get("SQUALL_MAX_WORKERS", "100")),
                   float(env.get("SQUALL_MAX_DURATION_S", "3600")))


    @property
    def hosts(self) -> HostPolicy:
        return HostPolicy(self.allowed_hosts, allow_loopback=False)


def check_guardrails(guardrails: Guardrails, target_url: str, plan: RunPlan) -> list[str]:
    problems: list[str] = []
    host = urlsplit(target_url).hostname or ""
    if not guardrails.allowed_hosts:
        problems.append(f"no target host is allowed on this deployment, so no run can start: list the hosts you test "
                        f"(e.g. \"{host or 'api.example.com'}\" or \"*.execute-api.us-east-1.amazonaws.com\") under the "
                        f"cdk.json context key squall:allowedHosts and redeploy")
    elif not guardrails.hosts.allows(host):
        problems.append(f"target host '{host}' is not allowed (allowed: {', '.join(guardrails.allowed_hosts)}); "
                        f"add it to the cdk.json context key squall:allowedHosts and redeploy")
    if plan.workers > guardrails.max_workers:
        problems.append(f"the plan needs {plan.workers} workers, more than the {guardrails.max_workers} allowed "
                        f"by the cdk.json context key squall:maxWorkers")
    if plan.duration_s > guardrails.max_duration_s:
        problems.append(f"the run lasts {format_duration(plan.duration_s)}, longer than the "
                        f"{format_duration(guardrails.max_duration_s)} allowed by the cdk.json context key "
                        f"squall:maxDurationSeconds")
    return problems


def host_matches(host: str, pattern: str) -> bool:
    """A host name against a glob (``*.example.com``), or an address against a network
    (``127.0.0.0/8``, ``10.0.0.0/8``: an address literal only, never a name)."""
    if "/" in pattern:
        try:
            return ipaddress.ip_address(host.split("%")[0]) in ipaddress.ip_network(pattern, strict=False)
        except ValueError:
            return False
    return fnmatch.fnmatchcase(host, pattern.lower())


def is_loopback(host: str, resolve: Callable[..., Any] = socket.getaddrinfo) -> bool:
    """An address on 127.0.0.0/8 or ::1, or ``localhost`` / ``*.localhost`` when every address the
    name resolves to is one (a name mapped elsewhere in /etc/hosts is not this machine)."""
    host = host.strip("[]")
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        pass
    if host != "localhost" and not host.endswith(".localhost"):
        return False
    try:
        addresses = {str(info[4][0]) for info in resolve(host, None)}
    except (OSError, UnicodeError):
        return False
    return bool(addresses) and all(is_loopback_address(a) for a in addresses)


def is_loopback_address(address: str) -> bool:
    try:
        return ipaddress.ip_address(address.split("%")[0]).is_loopback
    except ValueError:
        return False


def check_local_guardrails(spec: Spec, plan: RunPlan, allowed_by_flag: tuple[str, ...] = ()) -> None:
    problems = []
    host = urlsplit(spec.target.base_url).hostname or ""
    if not HostPolicy.local(spec, allowed_by_flag).allows(host):
        problems.append(f"target host '{host}' is not on this machine and not allowed: list it under "
                        f"limits.allowed_hosts in the spec, or pass --allow-host {host}")
    problems += spec_limit_problems(spec, plan)
    if problems:
        raise PlanError("; ".join(problems))


def spec_limit_problems(spec: Spec, plan: RunPlan) -> list[str]:
    """The spec's own limits on rate and duration (both backends)."""
    problems = []
    if spec.limits.max_rate_per_s is not None and plan.peak_rate_per_s > spec.limits.max_rate_per_s:
        problems.append(f"the peak rate {plan.peak_rate_per_s:g}/s is over limits.max_rate "
                        f"{spec.limits.max_rate_per_s:g}/s")
    if spec.limits.max_duration_s is not None and plan.duration_s > spec.limits.max_duration_s:
        problems.append(f"the run lasts {format_duration(plan.duration_s)}, over limits.max_duration "
                        f"{format_duration(spec.limits.max_duration_s)}")
    return problems
