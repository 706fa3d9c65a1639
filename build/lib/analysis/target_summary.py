"""Read a run's target metrics into what the result document shows: per-resource totals,
the requests cross-check, and the target's usage for the cost model. Pure."""
from __future__ import annotations

from typing import Any

from analysis.cost import TargetUsage
from analysis.target import TargetMetrics

CROSS_CHECK_TOLERANCE = 0.02  # a gap beyond 2 % between requests sent and API Gateway's Count is flagged


def resource_totals(metrics: TargetMetrics) -> dict[str, list[dict[str, Any]]]:
    lambdas = sorted({q.resource for q in metrics.queries if q.service == "lambda"})
    tables = sorted({q.resource for q in metrics.queries if q.service == "dynamodb"})
    apis = sorted({q.resource for q in metrics.queries if q.service == "apigateway"})
    return {
        "lambda": [{"name": fn, "invocations": metrics.total("lambda", "invocations", resource=fn),
                    "throttles": metrics.total("lambda", "throttles", resource=fn),
                    "errors": metrics.total("lambda", "errors", resource=fn),
                    "concurrent_executions_max": metrics.peak("lambda", "concurrent_executions", resource=fn),
                    "duration_avg_ms": metrics.mean_of("lambda", "duration", resource=fn),
                    "duration_max_ms": metrics.peak("lambda", "duration", resource=fn),
                    "memory_mb": metrics.memory_mb.get(fn)} for fn in lambdas],
        "dynamodb": [{"name": t, "throttled_requests": metrics.total("dynamodb", "throttled_requests", resource=t),
                      "read_throttle_events": metrics.total("dynamodb", "read_throttle_events", resource=t),
                      "write_throttle_events": metrics.total("dynamodb", "write_throttle_events", resource=t),
                      "consumed_rcu": metrics.total("dynamodb", "consumed_rcu", resource=t),
                      "consumed_wcu": metrics.total("dynamodb", "consumed_wcu", resource=t),
                      "system_errors": metrics.total("dynamodb", "system_errors", resource=t)} for t in tables],
        "apigateway": [{"name": a, "count": metrics.total("apigateway", "count", resource=a),
                        "4xx": metrics.total("apigateway", "4xx", resource=a),
                        "5xx": metrics.total("apigateway", "5xx", resource=a),
                        "latency_avg_ms": metrics.mean_of("apigateway", "latency", resource=a)} for a in apis],
    }


def cross_check(metrics: TargetMetrics, requests_sent: int) -> dict[str, Any] | None:
    """Requests the generator sent vs API Gateway's Count over the same window."""
    if not any(q.service == "apigateway" for q in metrics.queries):
        return None
    counted = metrics.total("apigateway", "count")
    if counted is None or requests_sent == 0:
        return {"sent": requests_sent, "api_count": counted, "gap": None, "flagged": False,
                "message": "API Gateway reported no requests to compare with"}
    gap = (requests_sent - counted) / requests_sent
    flagged = abs(gap) > CROSS_CHECK_TOLERANCE
    message = (f"sent {requests_sent:,} requests, API Gateway counted {counted:,.0f} ({gap:+.1%})" +
               (": more than 2 % apart — requests lost before the API, or the spec points at another target"
                if flagged else ""))
    return {"sent": requests_sent, "api_count": counted, "gap": gap, "flagged": flagged, "message": message}


def target_usage(metrics: TargetMetrics, rest_apis: set[str], architectures: dict[str, str]) -> TargetUsage:
    rest = sum(metrics.total("apigateway", "count", resource=a) or 0.0 for a in rest_apis)
    all_apis = {q.resource for q in metrics.queries if q.service == "apigateway"}
    http = sum(metrics.total("apigateway", "count", resource=a) or 0.0 for a in all_apis - rest_apis)
    functions = sorted({q.resource for q in metrics.queries if q.service == "lambda"})
    invocations = {fn: metrics.total("lambda", "invocations", resource=fn) or 0.0 for fn in functions}
    durations = {fn: d for fn in functions if (d := metrics.mean_of("lambda", "duration", resource=fn)) is not None}
    return TargetUsage(rest, http, invocations, durations, dict(metrics.memory_mb), dict(architectures),
                       metrics.total("dynamodb", "consumed_rcu") or 0.0, metrics.total("dynamodb", "consumed_wcu") or 0.0)
