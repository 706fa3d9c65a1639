"""The dashboard: Squall's live figures beside the target's metrics on one time axis."""
from __future__ import annotations

import json

from aws_cdk import App

from infra.dashboard import LoadTestDashboard
from tests.aws_harness import cdk_context, resolve, resources, synth


def test_the_dashboard_puts_squall_beside_the_target_on_one_time_axis() -> None:
    [dashboard] = resources(synth(), "AWS::CloudWatch::Dashboard").values()
    body = json.loads(resolve(dashboard["Properties"]["DashboardBody"], {"AWS::Region": "us-east-1"}))
    expressions = {m[0]["expression"] for w in body["widgets"] for m in w["properties"]["metrics"]}
    for metric in ("RequestRate", "P95Latency", "P99Latency", "ErrorRate", "ActiveWorkers"):
        assert any(e.startswith(f"SEARCH('{{Squall,TestName,service}} MetricName=\"{metric}\"'") for e in expressions)
    for search in ('{AWS/Lambda,FunctionName} MetricName="Throttles"',
                   '{AWS/ApiGateway,ApiName,Stage} MetricName="5XXError"',
                   '{AWS/DynamoDB,TableName,Operation} MetricName="ThrottledRequests"'):
        assert any(search in e for e in expressions), search


def test_the_stacks_dashboard_is_the_load_test_dashboard() -> None:
    from infra.app import build_app
    _, stack = build_app(App(context=cdk_context(nag=False)))
    dashboards = [c for c in stack.node.children if isinstance(c, LoadTestDashboard)]
    assert len(dashboards) == 1 and dashboards[0].dashboard is stack.dashboard
