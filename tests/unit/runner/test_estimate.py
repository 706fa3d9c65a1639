"""What a run will cost before it starts, from its plan and the backend, and the refusal when that
is over the spec's limits.max_cost_usd."""
from __future__ import annotations

import pytest

from runner.estimate import check_cost_limit, estimate_test_cost
from runner.plan import PlanError, make_plan
from runner.spec import parse_spec

SPEC = """
target: http://127.0.0.1:8080
load: {phases: [{duration: 30m, rate: 20000/s}]}
scenarios: [{flow: [{get: /a}]}]
limits: {max_workers: 100}
"""


def test_a_local_run_costs_nothing_of_aws_and_a_wide_run_on_aws_prices_collect_s_merges() -> None:
    spec = parse_spec(SPEC, "wide.yaml")
    plan = make_plan(spec, "r", 1)
    local = estimate_test_cost(spec, plan, "local")
    assert local.total_usd == 0 and local.notes == ["the load ran on this machine: no AWS compute cost"]
    aws = estimate_test_cost(spec, plan, "aws")
    names = {item.name for item in aws.items}
    assert {"Lambda workers", "Lambda collect's merges", "Lambda INIT (cold starts)", "S3 storage (90 days)"} <= names
    assert aws.total_usd > 0


def test_a_run_over_its_cost_limit_is_refused_with_the_estimate_and_what_to_change() -> None:
    spec = parse_spec(SPEC.replace("limits: {max_workers: 100}", "limits: {max_workers: 100, max_cost_usd: 0.01}"),
                      "capped.yaml")
    plan = make_plan(spec, "r", 1)
    assert check_cost_limit(spec, plan, "local").total_usd == 0  # locally nothing is billed
    with pytest.raises(PlanError, match=r"the estimated cost of this run, \$[0-9.]+ \(aws\), is over "
                                        r"limits.max_cost_usd \$0.01; shorten it, lower the rate, or raise the limit"):
        check_cost_limit(spec, plan, "aws")
