"""The target's side of a run as collect sees it: its resources, their metrics over the
run's window, and the limits that explain throttling. Where they come from (CloudWatch, on
either backend) is a ``TargetSource`` handed in: runner.aws.target_report has the real one."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from analysis.advice import TargetLimits
from analysis.target import TargetMetrics, TargetResources
from runner.spec.model import AwsWatch


@dataclass
class TargetReport:
    resources: TargetResources
    metrics: TargetMetrics | None
    region: str
    limits: TargetLimits = field(default_factory=lambda: TargetLimits({}))
    notes: list[str] = field(default_factory=list)
    metrics_requested: int = 0
    architectures: dict[str, str] = field(default_factory=dict)


class TargetSource(Protocol):
    def pull(self, watch: AwsWatch, start_epoch_s: float, end_epoch_s: float) -> TargetReport: ...
