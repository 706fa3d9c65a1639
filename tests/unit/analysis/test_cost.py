"""The cost arithmetic, pinned against hand-computed cases (us-east-1 list prices)."""
from __future__ import annotations

import pytest

from analysis.cost import (
    COLLECT_MEMORY_MB,
    RunShape,
    TargetUsage,
    gatherer_shape,
    planned_shape,
    prices_for,
    run_cost,
    standing_cost,
    stored_bytes_of,
    target_cost,
)


def items(breakdown) -> dict[str, tuple[float, float]]:
    return {i.name: (i.quantity, i.cost_usd) for i in breakdown.items}


def test_a_ten_minute_one_worker_run_on_aws() -> None:
    shape = RunShape("aws", worker_seconds=600.0, workers=1, worker_memory_mb=1769, architecture="arm64",
                      monitor_invocations=60, monitor_seconds_each=1.0, transitions=200, s3_puts=130, s3_gets=4000,
                      metrics_requested=30)
    cost = items(run_cost(shape, "us-east-1"))
    # 600 s x 1769/1024 GB = 1036.5234 GB-s x $0.0000133334
    assert cost["Lambda workers"] == pytest.approx((1036.5234375, 1036.5234375 * 0.0000133334))
    monitor_gb_s = 60 * 1.0 * 1769 / 1024  # 60 one-second ticks of the 1,769 MB Monitor; plan and collect: 30
    assert cost["Lambda monitor, plan, collect"] == pytest.approx((monitor_gb_s + 30, (monitor_gb_s + 30) * 0.0000133334))
    assert cost["Lambda requests"] == pytest.approx((64, 64 * 0.20 / 1e6))
    assert cost["Step Functions"] == pytest.approx((200, 0.005))
    assert cost["S3 writes"] == pytest.approx((130, 0.00065))
    assert cost["S3 reads"] == pytest.approx((4000, 0.0016))
    assert cost["CloudWatch GetMetricData"] == pytest.approx((30, 0.0003))


def test_x86_workers_cost_more_per_gb_second() -> None:
    arm = run_cost(RunShape("aws", 1000.0, 1, 1024, "arm64"), "us-east-1")
    x86 = run_cost(RunShape("aws", 1000.0, 1, 1024, "x86_64"), "us-east-1")
    assert items(arm)["Lambda workers"][1] == pytest.approx(1000 * 0.0000133334)
    assert items(x86)["Lambda workers"][1] == pytest.approx(1000 * 0.0000166667)


def test_a_local_run_pays_only_for_the_metrics_it_reads() -> None:
    cost = run_cost(RunShape("local", 0.0, 2, metrics_requested=15), "us-east-1")
    assert items(cost) == {"CloudWatch GetMetricData": (15, 0.00015)}
    assert cost.total_usd == pytest.approx(0.00015)


def test_an_unknown_region_is_priced_as_us_east_1_and_says_so() -> None:
    prices, note = prices_for("ap-south-2")
    assert prices == prices_for("us-east-1")[0] and note == "ap-south-2 is not in the price table: us-east-1 prices used"
    assert run_cost(RunShape("local", 0, 1), "ap-south-2").notes[0] == note


def test_the_target_is_priced_from_its_metrics_in_total_and_per_1000_requests() -> None:
    usage = TargetUsage(rest_requests=1_000_000, http_requests=500_000, lambda_invocations={"fn": 1_000_000},
                        lambda_duration_ms_avg={"fn": 120.0}, lambda_memory_mb={"fn": 512},
                        lambda_architecture={"fn": "arm64"}, dynamodb_rcu=2_000_000, dynamodb_wcu=400_000)
    cost = target_cost(usage, "us-east-1", client_requests=1_500_000)
    got = items(cost)
    assert got["API Gateway REST requests"] == pytest.approx((1_000_000, 3.50))
    assert got["API Gateway HTTP requests"] == pytest.approx((500_000, 0.50))
    assert got["Lambda fn requests"] == pytest.approx((1_000_000, 0.20))
    assert got["Lambda fn compute"] == pytest.approx((60_000, 60_000 * 0.0000133334))  # 1e6 x 0.12 s x 0.5 GB
    assert got["DynamoDB reads"] == pytest.approx((2_000_000, 0.25))
    assert got["DynamoDB writes"] == pytest.approx((400_000, 0.25))
    total = 3.50 + 0.50 + 0.20 + 60_000 * 0.0000133334 + 0.25 + 0.25
    assert cost.total_usd == pytest.approx(total)
    assert cost.per_1000_requests_usd == pytest.approx(total / 1500)


def test_a_function_of_unknown_memory_is_not_guessed() -> None:
    cost = target_cost(TargetUsage(lambda_invocations={"fn": 10}), "us-east-1", 10)
    assert "Lambda fn compute" not in items(cost)
    assert cost.notes == ["Lambda fn: compute not priced (memory size or duration unknown)"]


def test_the_planned_shape_counts_workers_slices_and_monitor_ticks() -> None:
    shape = planned_shape("aws", duration_s=1800, workers=2, slices=3, flush_interval_s=5, monitor_interval_s=10,
                          start_margin_s=15, drain_s=10, metrics_per_call=20)
    assert shape.worker_seconds == 2 * (1800 + 3 * 25)
    assert shape.monitor_invocations == int((1800 + 75) / 10) + 3
    assert shape.metrics_requested == 40
    # S3 as the pipeline runs: 756 deltas (3,750 worker-seconds / 5 s + one final each) and 6 snapshots
    # written and read once; the monitor's state and live.json per tick (190 ticks); a stop-flag
    # check per worker-second; two listings per tick (new shards, failed workers; priced as a PUT) and
    # collect's. Linear in the run's length, never ticks x shards.
    assert shape.s3_puts == 756 + 6 + 2 * 190 + 6 + 2 * 3
    assert shape.s3_gets == 756 + 6 + 2 * 190 + 3750
    assert shape.s3_lists == 2 * 190 + 3 + 2


def test_with_abort_rules_the_shape_counts_one_second_flushes_and_a_monitor_that_ticks_through_its_interval() -> None:
    shape = planned_shape("aws", duration_s=1800, workers=2, slices=3, flush_interval_s=1, monitor_interval_s=10,
                          start_margin_s=15, drain_s=10, metrics_per_call=20, monitor_loop_s=10, monitor_tick_s=1)
    assert shape.monitor_invocations == 190 and shape.monitor_seconds_each == 10  # as many, each 10 s long
    # 3,756 deltas (3,750 worker-seconds / 1 s + one final each); 1,900 ticks, each its state and live.json
    assert shape.s3_puts == 3756 + 6 + 2 * 1900 + 6 + 2 * 3
    assert shape.s3_gets == 3756 + 6 + 2 * 1900 + 3750 and shape.s3_lists == 2 * 1900 + 3 + 2


def test_a_wide_runs_gatherers_are_priced_as_the_monitor_function_they_run_on() -> None:
    narrow = planned_shape("aws", duration_s=1800, workers=1000, slices=3, flush_interval_s=1, monitor_interval_s=10,
                           start_margin_s=25, drain_s=10, metrics_per_call=0, monitor_loop_s=10, monitor_tick_s=1)
    wide = planned_shape("aws", duration_s=1800, workers=1000, slices=3, flush_interval_s=1, monitor_interval_s=10,
                         start_margin_s=25, drain_s=10, metrics_per_call=0, monitor_loop_s=10, monitor_tick_s=1,
                         gatherers=5)
    # five gatherers a slice, each ticking through its slice (600 s + margin + drain), a minute an invocation
    assert wide.gatherer_seconds == 5 * (1800 + 3 * 35) and wide.gatherer_invocations == 5 * 3 * 11
    # a gathered object written and read per gatherer-second, two listings a gatherer tick, and the
    # monitor's listing of failed gatherers per tick
    assert wide.s3_puts - narrow.s3_puts == wide.s3_gets - narrow.s3_gets == 5 * 1905
    assert wide.s3_lists - narrow.s3_lists == 2 * 5 * 1905 + 193 * 10  # 193 monitor invocations of 10 ticks
    cost = items(run_cost(wide, "us-east-1"))
    gb_s = 5 * 1905 * 1769 / 1024
    assert cost["Lambda gatherers (a wide run's monitor)"] == pytest.approx((gb_s, gb_s * 0.0000133334))
    assert "Lambda gatherers (a wide run's monitor)" not in items(run_cost(narrow, "us-east-1"))
    # with 5 s flushes a gatherer writes an object a flush, not a second; it still lists every second
    five = gatherer_shape(5, 3, 635, flush_s=5, loop_s=60, monitor_ticks=193)
    assert (five.puts, five.gets, five.lists) == (1905, 1905, 2 * 5 * 1905 + 193)


def test_data_sent_to_the_target_is_priced_as_transfer_out() -> None:
    shape = planned_shape("aws", duration_s=600, workers=1, slices=1, flush_interval_s=5, monitor_interval_s=10,
                          start_margin_s=15, drain_s=10, metrics_per_call=0, expected_requests=2_000_000)
    cost = run_cost(shape, "us-east-1")
    [transfer] = [i for i in cost.items if i.name == "Data transfer out"]
    assert transfer.quantity == 1.0 and transfer.cost_usd == 0.09  # 2 M requests x 500 B assumed = 1 GB
    assert any("500 bytes assumed per request" in note for note in cost.notes)


def test_a_listing_costs_what_a_put_costs_not_a_get() -> None:
    """S3 prices LIST with PUT, COPY and POST ($0.005 per 1,000), ten times a GET. Before, the
    monitor's listing per tick was priced as a GET."""
    cost = run_cost(RunShape("aws", 60.0, 1, s3_lists=10_000), "us-east-1")
    assert items(cost)["S3 listings"] == (10_000, pytest.approx(0.05))


def test_an_aws_run_prices_its_logs_trace_and_live_metrics_as_the_plan_does() -> None:
    """The state machine logs at ALL (Map children too), traces each execution, and the monitor
    publishes five live metrics by EMF: each a line of the estimate and of the measured cost."""
    shape = planned_shape("aws", duration_s=3600, workers=10, slices=5, flush_interval_s=5, monitor_interval_s=10,
                          start_margin_s=15, drain_s=10, metrics_per_call=0)
    cost = run_cost(shape, "us-east-1")
    listed = items(cost)
    logs_gb = (shape.transitions * 1200 + (shape.workers + shape.monitor_invocations + 2 + 5) * 1500) / 1e9
    assert listed["CloudWatch Logs"] == pytest.approx((logs_gb, logs_gb * 0.50))
    assert listed["X-Ray (the state machine's trace)"] == pytest.approx((1, 5.00 / 1e6))
    months = 5 * (3600 + 125) / 3600 / 730
    assert listed["CloudWatch metrics (the live figures, EMF)"] == pytest.approx((months, months * 0.30))
    assert not any(name.startswith(("CloudWatch Logs", "X-Ray")) for name in items(run_cost(
        planned_shape("local", 60, 1, 1, 2, 10, 0, 0, 0), "us-east-1")))


def test_every_lambda_invocation_of_a_wide_run_is_counted_and_collect_s_merges_priced_at_its_memory() -> None:
    """Plan, a StartSlice per slice, a MergeGroup per reduce group and slice, and Collect; before,
    every run was priced with three control invocations and no merge time."""
    from runner.collect_budget import merge_seconds, reduce_invocations
    slices = [600.0, 600.0, 600.0]
    shape = planned_shape("aws", duration_s=1800, workers=1000, slices=3, flush_interval_s=1, monitor_interval_s=10,
                          start_margin_s=25, drain_s=10, metrics_per_call=0,
                          merge_seconds=merge_seconds(1000, slices), reduce_invocations=reduce_invocations(1000, 3))
    assert shape.control_invocations == 2 + 3 + 30  # ten groups of 100 workers in each of three slices
    cost = items(run_cost(shape, "us-east-1"))
    assert cost["Lambda requests"][0] == 3000 + shape.monitor_invocations + 35
    # 1,000 workers x 1,800 s at 12.7 s per 100 x 840 worker-seconds, and 30 partials at 7.5 s per 13, x2 on Lambda
    merge_s = (12.7 / 84_000 * 1_800_000 + 7.5 / 13 * 30) * 2
    assert cost["Lambda collect's merges"] == pytest.approx((merge_s * 3008 / 1024, merge_s * 3008 / 1024 * 0.0000133334))


def test_the_collect_memory_here_is_the_stacks() -> None:
    from runner.contract import COLLECT_MEMORY_MB as deployed
    assert COLLECT_MEMORY_MB == deployed


def test_every_worker_invocation_s_init_is_priced_at_most_once() -> None:
    """Lambda bills INIT since August 2025: half a second a cold start (the handlers' imports, measured)."""
    shape = planned_shape("aws", duration_s=1800, workers=10, slices=3, flush_interval_s=1, monitor_interval_s=10,
                          start_margin_s=15, drain_s=10, metrics_per_call=0)
    assert shape.cold_starts == 30
    cost = run_cost(shape, "us-east-1")
    gb_s = 30 * 0.5 * 1769 / 1024
    assert items(cost)["Lambda INIT (cold starts)"] == pytest.approx((gb_s, gb_s * 0.0000133334))
    assert any(note.startswith("INIT billed for every worker invocation") and "at most" in note for note in cost.notes)


def test_the_files_a_run_leaves_are_priced_for_the_days_the_bucket_keeps_them() -> None:
    assert stored_bytes_of(deltas=10_000, snapshots=10) == 10_000 * 850 + 10 * 13_000 + 1_500_000
    shape = RunShape("aws", 60.0, 1, stored_bytes=3_040_000_000, retention_days=90)
    [stored] = [i for i in run_cost(shape, "us-east-1").items if i.name.startswith("S3 storage")]
    assert stored.name == "S3 storage (90 days)"
    assert stored.quantity == pytest.approx(3.04 * 90 / 30.4) and stored.cost_usd == pytest.approx(9 * 0.023)
    planned = planned_shape("aws", duration_s=600, workers=2, slices=1, flush_interval_s=1, monitor_interval_s=10,
                            start_margin_s=15, drain_s=10, metrics_per_call=0)
    assert planned.stored_bytes == stored_bytes_of(2 * 625, 2)  # a delta a second and a final one, a snapshot each


def test_the_stack_s_standing_cost_is_its_dashboard_and_a_nat_gateway_it_creates() -> None:
    idle = standing_cost("us-east-1")
    assert items(idle) == {"CloudWatch dashboard": (1, 3.00)}
    assert "an account's first three dashboards are free" in idle.notes
    private = standing_cost("us-east-1", nat_gateways=1)
    assert items(private)["NAT gateway (squall:vpc create)"] == pytest.approx((730, 730 * 0.045))
    assert private.total_usd == pytest.approx(3.00 + 32.85)


def test_a_million_requests_cost_their_cpu_time_at_the_workers_memory() -> None:
    from analysis.cost import per_million_requests_usd
    # 50 CPU-µs a request: 50 s of one vCPU per million; at 1,769 MB arm64 that is 50 x 1.7275 GB-s
    assert per_million_requests_usd(50.0, 1769, "arm64", "us-east-1") == pytest.approx(50 * 1769 / 1024 * 0.0000133334)
    # half a vCPU takes twice the wall time at half the memory: the same GB-s
    assert per_million_requests_usd(50.0, 885, "arm64", "us-east-1") == pytest.approx(
        per_million_requests_usd(50.0, 1769, "arm64", "us-east-1"), rel=0.01)
    # past a vCPU, memory buys nothing a one-process worker uses
    assert per_million_requests_usd(50.0, 3538, "arm64", "us-east-1") == pytest.approx(
        2 * per_million_requests_usd(50.0, 1769, "arm64", "us-east-1"))
    assert per_million_requests_usd(50.0, 1769, "x86_64", "us-east-1") > per_million_requests_usd(
        50.0, 1769, "arm64", "us-east-1")
