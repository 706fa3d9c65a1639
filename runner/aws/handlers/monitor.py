"""Monitor function: write live.json for a running run (every slice), publish the run's live figures as
CloudWatch metrics (embedded metric format, namespace Squall, by test name), say when done. With
``"action": "gather"``, a gatherer: one group of a wide slice's workers merged for the monitor."""
from __future__ import annotations

import time
from typing import Any

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from runner.aws.handlers.adapters import logger, s3_store
from runner.aws.pipeline import gather_run, monitor_run, now

metrics = Metrics(namespace="Squall")


@logger.inject_lambda_context(log_event=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    logger.append_keys(run_id=event.get("run_id"))
    if event.get("action") == "gather":
        return gather_run(event, s3_store(), now, time.sleep)
    decision: dict[str, Any] = tick(event, context)
    return decision


@metrics.log_metrics
def tick(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    decision, live = monitor_run(event, s3_store(), now, time.sleep)
    metrics.add_dimension(name="TestName", value=str(live["spec_name"]))
    metrics.add_metric(name="RequestRate", unit=MetricUnit.CountPerSecond, value=live["rate_per_s"])
    metrics.add_metric(name="P95Latency", unit=MetricUnit.Milliseconds, value=live["p95_ms"])
    metrics.add_metric(name="P99Latency", unit=MetricUnit.Milliseconds, value=live["p99_ms"])
    metrics.add_metric(name="ErrorRate", unit=MetricUnit.Percent, value=live["error_rate"] * 100)
    metrics.add_metric(name="ActiveWorkers", unit=MetricUnit.Count, value=live["workers_running"])
    return decision
