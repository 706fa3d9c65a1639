"""Endpoint names stay bounded and nothing is lost in the fold: the folded row's counts and
histogram are exactly those of the names it took in."""
from __future__ import annotations

from analysis.endpoints import OTHER_ENDPOINTS, EndpointNames, fold_endpoints, folding_warning
from analysis.histogram import Histogram
from analysis.merge import MergedRun
from analysis.stats import EndpointStats, HealthStats


def test_past_the_limit_new_names_fold_and_a_few_are_kept_as_examples() -> None:
    names, health = EndpointNames(3), HealthStats()
    given = [names.name(f"GET /item/{i}", health) for i in range(10)] + [names.name("GET /item/1", health)]
    assert given[:3] == ["GET /item/0", "GET /item/1", "GET /item/2"]
    assert given[3:10] == [OTHER_ENDPOINTS] * 7 and given[10] == "GET /item/1"  # a kept name stays itself
    assert list(health.folded_examples) == [f"GET /item/{i}" for i in range(3, 8)]  # five examples, no more


def test_a_name_a_threshold_reads_is_never_folded() -> None:
    names, health = EndpointNames(1, always=frozenset({"GET /checkout"})), HealthStats()
    assert names.name("GET /a", health) == "GET /a"
    assert names.name("GET /b", health) == OTHER_ENDPOINTS
    assert names.name("GET /checkout", health) == "GET /checkout"


def stats(requests: int, latency_ms: int) -> EndpointStats:
    return EndpointStats(requests=requests, responses=requests, statuses={"200": requests},
                         latency=Histogram.of([latency_ms * 1000] * requests))


def test_a_merge_folds_the_least_requested_names_exactly() -> None:
    """Each worker kept its own first names: the merge keeps the busiest, the rest fold."""
    run = MergedRun(endpoints={"GET /a": stats(50, 10), "GET /b": stats(3, 200), "GET /c": stats(1, 900),
                               OTHER_ENDPOINTS: stats(4, 300)})
    for endpoint in run.endpoints.values():
        run.overall.merge(endpoint)
    before = run.overall.requests
    assert fold_endpoints(run, 2) == 2
    assert list(run.endpoints) == ["GET /a", OTHER_ENDPOINTS]
    other = run.endpoints[OTHER_ENDPOINTS]
    assert other.requests == 8 and sum(e.requests for e in run.endpoints.values()) == before
    assert other.latency.counts == Histogram.of([200_000] * 3 + [900_000] + [300_000] * 4).counts
    assert run.health.folded_examples == {"GET /b": 3, "GET /c": 1}
    assert fold_endpoints(run, 2) == 0  # within the limit: unchanged


def test_the_warning_says_how_to_name_requests() -> None:
    warning = folding_warning(123_907, {"GET /item/8": 1, "GET /item/9": 1}, 1000)
    assert warning.startswith("more than 1,000 endpoint names: 123,907 requests")
    assert "e.g. GET /item/8, GET /item/9" in warning and "name= in Locust" in warning and "name: in a spec" in warning
