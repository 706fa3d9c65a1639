"""The CloudWatch adapter against a scripted client: batching, pagination, and the bounded wait for
the last period, naming what is still missing."""
from __future__ import annotations

from typing import Any

from analysis.target import RestApi, TargetResources, build_queries
from runner.aws.cloudwatch import fetch_metrics, pull_until_settled
from tests.unit.runner.virtual_time import FakeTime


class ScriptedCloudWatch:
    """Answers every query with one datapoint per period it has 'published' so far; pages of 2 results."""

    def __init__(self, published_until: list[int]) -> None:
        self.published_until = published_until  # per read (first page): the last published period start
        self.calls: list[dict[str, Any]] = []

    def get_metric_data(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(kwargs)
        reads = sum(1 for call in self.calls if "NextToken" not in call)
        until = self.published_until[min(reads - 1, len(self.published_until) - 1)]
        start = int(kwargs["StartTime"].timestamp())
        queries = kwargs["MetricDataQueries"]
        offset = int(kwargs.get("NextToken", 0))
        page = queries[offset:offset + 2]
        results = [{"Id": q["Id"], "Timestamps": list(range(start, until + 1, 60)),
                    "Values": [1.0] * len(range(start, until + 1, 60))} for q in page]
        answer: dict[str, Any] = {"MetricDataResults": results}
        if offset + 2 < len(queries):
            answer["NextToken"] = str(offset + 2)
        return answer


def test_pages_are_followed_and_every_metric_requested_is_counted() -> None:
    queries = build_queries(TargetResources(("fn",)))  # 7 function + 2 account queries
    client = ScriptedCloudWatch([600])
    points, requested = fetch_metrics(client, queries, 0, 660)
    assert len(client.calls) == 5 and requested == 45
    assert set(points) == {q.query_id for q in queries}
    assert sorted(points["q0"]) == list(range(0, 601, 60))


def test_it_waits_until_the_last_period_has_datapoints() -> None:
    queries = build_queries(TargetResources(("fn",)))
    time = FakeTime()
    client = ScriptedCloudWatch([480, 540, 600])  # the run's last period (600) appears on the third read
    metrics, _ = pull_until_settled(client, queries, 0, 650, settle_max_s=180, clock=time.clock, sleep=time.sleep)
    assert time.slept == [15.0, 15.0] and metrics.missing == []


def test_a_table_that_is_only_written_to_counts_as_arrived_by_its_write_capacity() -> None:
    """No reads at all: ConsumedReadCapacityUnits has no datapoints, ever; its writes do."""
    queries = build_queries(TargetResources(tables=("events",)))
    written = {q.query_id for q in queries if q.metric == "consumed_wcu"}

    class WriteOnly(ScriptedCloudWatch):
        def get_metric_data(self, **kwargs: Any) -> dict[str, Any]:
            answer = super().get_metric_data(**kwargs)
            for result in answer["MetricDataResults"]:
                if result["Id"] not in written:
                    result["Timestamps"], result["Values"] = [], []
            return answer

    time = FakeTime()
    metrics, _ = pull_until_settled(WriteOnly([600]), queries, 0, 650, settle_max_s=180, clock=time.clock,
                                    sleep=time.sleep)
    assert time.slept == [] and metrics.missing == []


def test_the_wait_is_bounded_and_names_what_is_still_missing() -> None:
    queries = build_queries(TargetResources(("fn",), rest_apis=(RestApi("api", "prod"),)))
    time = FakeTime()
    metrics, _ = pull_until_settled(ScriptedCloudWatch([480]), queries, 0, 650, settle_max_s=40,
                                    clock=time.clock, sleep=time.sleep)
    assert sum(time.slept) <= 40
    assert metrics.missing == ["lambda:fn", "apigateway:api"]
