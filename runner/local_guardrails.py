"""Guardrails for local runs, checked before anything is sent: a target that is not on this
machine must be listed in the spec's limits.allowed_hosts (or allowed with --allow-host), so a
typo cannot load-test someone else's API; and the spec's own rate, duration and worker limits."""
from __future__ import annotations

import fnmatch
import ipaddress
from urllib.parse import urlsplit

from runner.plan import PlanError, RunPlan
from runner.spec import Spec
from runner.units import format_duration


def is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_local_guardrails(spec: Spec, plan: RunPlan, allowed_by_flag: tuple[str, ...] = ()) -> None:
    problems = []
    host = urlsplit(spec.target.base_url).hostname or ""
    allowed = spec.limits.allowed_hosts + allowed_by_flag
    if not is_loopback(host) and not any(fnmatch.fnmatch(host, pattern) for pattern in allowed):
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
