"""Two runs compared: every scope and metric with both values, the change, and the noise judgement;
counts stay integers."""
from __future__ import annotations

from analysis.comparison import change_text, compare_runs, noise_text, value_text
from tests.history_fixture import run_result


def rows_of(comparison: dict, scope: str) -> dict[str, dict]:
    found = next(s for s in comparison["scopes"] if s["scope"] == scope)
    return {row["metric"]: row for row in found["metrics"]}


def test_a_slower_run_is_beyond_noise_on_its_latency_alone() -> None:
    a = run_result("a", seed=1, seconds=30)
    b = run_result("b", seed=2, seconds=30, latency_scale=1.25)
    comparison = compare_runs(a, b)
    overall = rows_of(comparison, "overall")
    assert overall["p95"]["judged"]["beyond_noise"] is True
    assert overall["latency distribution"]["judged"]["beyond_noise"] is True
    assert overall["rps"]["judged"]["beyond_noise"] is False  # the same load
    assert overall["requests"]["a"] == a["overall"]["requests"] and isinstance(overall["requests"]["a"], int)
    assert "overall p95" in comparison["beyond_noise"] and "GET /items p95" in comparison["beyond_noise"]
    assert comparison["a"]["run_id"] == "a" and comparison["b"]["run_id"] == "b"


def test_two_runs_of_the_same_system_are_within_noise() -> None:
    comparison = compare_runs(run_result("a", seed=1, seconds=30), run_result("b", seed=2, seconds=30))
    assert comparison["beyond_noise"] == []


def test_more_errors_are_beyond_noise() -> None:
    comparison = compare_runs(run_result("a", seed=1), run_result("b", seed=2, error_every=5))
    overall = rows_of(comparison, "overall")
    assert overall["error_rate"]["judged"]["beyond_noise"] is True
    assert change_text(overall["error_rate"]) == f"{overall['error_rate']['b'] * 100:+.2f}pp"


def test_an_endpoint_in_one_run_only_is_said() -> None:
    a, b = run_result("a"), run_result("b")
    del b["endpoints"]["POST /orders"]
    scope = next(s for s in compare_runs(a, b)["scopes"] if s["scope"] == "POST /orders")
    assert scope["only_in"] == "A" and scope["metrics"] == []


def test_values_are_shown_with_their_units() -> None:
    overall = rows_of(compare_runs(run_result("a"), run_result("b")), "overall")
    assert value_text(overall["requests"], "a") == f"{overall['requests']['a']:,}"  # an integer, no decimals
    assert value_text(overall["error_rate"], "a") == "0.00%"
    assert value_text(overall["p95"], "a").endswith(" ms")
    assert noise_text(overall["max"]) == "not judged"
