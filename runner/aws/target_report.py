"""The target's side of a run from AWS: discover its resources, pull their metrics over the
run's window from CloudWatch, and read the limits that explain throttling (memory, reserved
concurrency, quota). Used by the AWS collector and, with credentials, by local runs."""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from analysis.advice import TargetLimits
from analysis.target import build_queries
from runner.aws.cloudwatch import pull_until_settled
from runner.aws.discovery import DiscoveryError, discover
from runner.results.target import TargetReport
from runner.spec.model import AwsWatch


class Boto3TargetSource:
    def __init__(self, default_region: str | None = None, clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], None] = time.sleep,
                 progress: Callable[[str], None] = lambda line: None) -> None:
        self.default_region = default_region
        self.clock, self.sleep, self.progress = clock, sleep, progress

    def pull(self, watch: AwsWatch, start_epoch_s: float, end_epoch_s: float) -> TargetReport:
        import boto3
        session = boto3.Session(region_name=watch.region or self.default_region)
        region = session.region_name or "us-east-1"
        report = TargetReport(watch.resources, None, region)
        if session.get_credentials() is None:
            report.notes.append("target metrics not pulled: no AWS credentials (set AWS_PROFILE or credentials)")
            return report
        if watch.stack:
            try:
                report.resources = watch.resources.merged(discover(
                    watch.stack, session.client("cloudformation", region_name=region),
                    session.client("apigateway", region_name=region)))
            except DiscoveryError as error:
                report.notes.append(str(error))
        queries = build_queries(report.resources)
        if not queries:
            report.notes.append("no target resources to watch")
            return report
        self.progress(f"waiting for the target's CloudWatch metrics (at most {watch.settle_max_s:g} s)")
        try:
            report.metrics, report.metrics_requested = pull_until_settled(
                session.client("cloudwatch", region_name=region), queries, start_epoch_s, end_epoch_s,
                watch.settle_max_s, self.clock, self.sleep)
        except (ClientError, BotoCoreError) as error:
            report.notes.append(f"target metrics not pulled: {_reason(error, 'cloudwatch:GetMetricData')}")
            return report
        if report.metrics.missing:
            report.notes.append("still without datapoints for the run's last minute: " + ", ".join(report.metrics.missing))
        self._read_limits(session.client("lambda", region_name=region), report)
        return report

    def _read_limits(self, lambda_client: Any, report: TargetReport) -> None:
        reserved: dict[str, int] = {}
        assert report.metrics is not None
        for function in report.resources.lambdas:
            try:
                config = lambda_client.get_function_configuration(FunctionName=function)
                report.metrics.memory_mb[function] = int(config["MemorySize"])
                report.architectures[function] = (config.get("Architectures") or ["x86_64"])[0]
            except (ClientError, BotoCoreError) as error:
                reason = _reason(error, "lambda:GetFunctionConfiguration (a Squall stack grants it for the functions "
                                        "squall:watchedFunctions allows)")
                report.notes.append(f"Lambda {function}: memory unknown ({reason})")
            try:
                concurrency = lambda_client.get_function_concurrency(FunctionName=function)
                if "ReservedConcurrentExecutions" in concurrency:
                    reserved[function] = int(concurrency["ReservedConcurrentExecutions"])
            except (ClientError, BotoCoreError):
                pass  # advice then names both limits to check
        account = None
        try:
            account = int(lambda_client.get_account_settings()["AccountLimit"]["ConcurrentExecutions"])
        except (ClientError, BotoCoreError, KeyError):
            pass
        report.limits = TargetLimits(reserved, account)


def _reason(error: Exception, permission: str) -> str:
    if isinstance(error, ClientError) and error.response.get("Error", {}).get("Code", "").startswith("AccessDenied"):
        return f"missing permission {permission}"
    return str(error)
