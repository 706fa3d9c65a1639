"""A CloudWatch dashboard that puts Squall's live figures beside the target's own metrics on
one time axis. The target is named per spec, so its widgets search every function, API and
table of the account and region (SEARCH expressions), rather than fixed resources."""
from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cw
from constructs import Construct


def _search(namespace_dims: str, metric: str, stat: str, label: str) -> cw.MathExpression:
    expression = "SEARCH('{" + namespace_dims + "} MetricName=\"" + metric + "\"', '" + stat + "', 60)"
    return cw.MathExpression(expression=expression, label=label, period=cdk.Duration.minutes(1))


class LoadTestDashboard(Construct):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        squall = "Squall,TestName,service"  # Powertools adds the service dimension
        self.dashboard = cw.Dashboard(self, "Dashboard", default_interval=cdk.Duration.hours(3))
        self.dashboard.add_widgets(
            cw.GraphWidget(title="Squall: request rate (/s) and active workers", width=12,
                           left=[_search(squall, "RequestRate", "Average", "rate")],
                           right=[_search(squall, "ActiveWorkers", "Maximum", "workers")]),
            cw.GraphWidget(title="Squall: latency p95 / p99 (ms) and error rate (%)", width=12,
                           left=[_search(squall, "P95Latency", "Maximum", "p95"),
                                 _search(squall, "P99Latency", "Maximum", "p99")],
                           right=[_search(squall, "ErrorRate", "Maximum", "errors")]),
        )
        self.dashboard.add_widgets(
            cw.GraphWidget(title="Target Lambda: concurrency and throttles", width=8,
                           left=[_search("AWS/Lambda,FunctionName", "ConcurrentExecutions", "Maximum", "concurrency")],
                           right=[_search("AWS/Lambda,FunctionName", "Throttles", "Sum", "throttles")]),
            cw.GraphWidget(title="Target API Gateway: 4xx and 5xx", width=8,
                           left=[_search("AWS/ApiGateway,ApiName,Stage", "4XXError", "Sum", "REST 4xx"),
                                 _search("AWS/ApiGateway,ApiName,Stage", "5XXError", "Sum", "REST 5xx"),
                                 _search("AWS/ApiGateway,ApiId,Stage", "5xx", "Sum", "HTTP 5xx")]),
            cw.GraphWidget(title="Target DynamoDB: throttled requests", width=8,
                           left=[_search("AWS/DynamoDB,TableName,Operation", "ThrottledRequests", "Sum", "throttled")]),
        )
