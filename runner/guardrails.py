"""Guardrails an operator sets once (cdk.json context on AWS): which hosts may be targets,
how many workers and how long a run may take. Pure: values in, problems out."""
from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from runner.plan import RunPlan
from runner.units import format_duration


@dataclass(frozen=True)
class Guardrails:
    allowed_hosts: tuple[str, ...] = ()  # glob patterns; empty: any host
    max_workers: int = 100
    max_duration_s: float = 3600.0

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Guardrails:
        hosts = tuple(h.strip() for h in env.get("SQUALL_ALLOWED_HOSTS", "").split(",") if h.strip())
        return cls(hosts, int(env.get("SQUALL_MAX_WORKERS", "100")),
                   float(env.get("SQUALL_MAX_DURATION_S", "3600")))


def check_guardrails(guardrails: Guardrails, target_url: str, plan: RunPlan) -> list[str]:
    problems: list[str] = []
    host = urlsplit(target_url).hostname or ""
    if guardrails.allowed_hosts and not any(fnmatch.fnmatch(host, p) for p in guardrails.allowed_hosts):
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
