"""Lambda's and Step Functions' limits, checked in Plan before anything starts."""
from __future__ import annotations

from runner.aws.pipeline import HISTORY_EVENTS_MAX, history_events, monitor_interval_problem
from runner.plan import start_margin_for


def test_the_longest_allowed_run_at_the_default_interval_stays_far_from_the_history_limit() -> None:
    """squall:maxDurationSeconds defaults to 3,600 s: 5 slices, a tick every 10 s (or 5 s);
    each slice adds its start margin, drain and final flush (35 s) of ticks."""
    # ceil((3600 + 5 x 35) / 10) + 5 = 383 ticks x 9 events, + 5 slices x 50, + 40
    assert history_events(3600, 5, 10, 15 + 10 + 10) == 3_737
    assert history_events(3600, 5, 5, 15 + 10 + 10) == 7_130 < HISTORY_EVENTS_MAX // 2
    assert monitor_interval_problem(3600, 5, 5, 35) is None


def test_a_monitor_interval_under_5_s_is_refused() -> None:
    assert monitor_interval_problem(60, 1, 1, 35) == (
        "monitor_interval_s must be at least 5 s (each tick is a Lambda invocation and 9 history events), got 1")


def test_a_day_long_run_is_told_the_interval_that_fits() -> None:
    problem = monitor_interval_problem(86_400, 103, 10, 35)
    assert problem == ("a monitor tick every 10 s makes about 87,126 history events for this run, too close to Step "
                       "Functions' limit of 25,000: use monitor_interval_s 127 or more")
    assert history_events(86_400, 103, 127, 35) <= HISTORY_EVENTS_MAX // 2 < history_events(86_400, 103, 126, 35)


def test_collects_reduce_groups_count_in_the_history_and_the_gatherers_do_not() -> None:
    """A slice's Reduce map is inline (its groups' events are the run's); its gatherers run in a
    Distributed Map (their loops are in their own child executions' histories)."""
    margin = start_margin_for(1000) + 10 + 10  # 1,000 workers x 6 h: 26 slices of 10 reduce groups
    assert history_events(6 * 3600, 26, 24, margin, 10) - history_events(6 * 3600, 26, 24, margin) == 26 * 10 * 9
    assert monitor_interval_problem(6 * 3600, 26, 20, margin, 10) == (
        "a monitor tick every 20 s makes about 14,165 history events for this run, too close to Step Functions' limit "
        "of 25,000: use monitor_interval_s 24 or more")


def test_the_start_margin_grows_with_the_worker_count() -> None:
    assert (start_margin_for(2), start_margin_for(100), start_margin_for(1000)) == (15.0, 16.0, 25.0)


def test_a_run_no_interval_can_fit_is_told_to_split() -> None:
    problem = monitor_interval_problem(30 * 86_400, 3_086, 60, 35)
    assert problem is not None and problem.endswith("split it into shorter runs")


def test_the_cli_counts_the_workers_map_never_the_newer_gatherers_one() -> None:
    """Before: a whole run showed "workers running 0, done 0": the newest Map Run was a wide
    slice's Gatherers map."""
    from runner.aws.backend import current_state

    class Client:
        def get_execution_history(self, **_: object) -> dict[str, object]:
            return {"events": [{"stateEnteredEventDetails": {"name": "Slice"}}]}

        def list_map_runs(self, **_: object) -> dict[str, object]:
            machine = "arn:aws:states:us-east-1:1:mapRun:Squall"
            return {"mapRuns": [{"mapRunArn": f"{machine}/Workers:a", "startDate": 1},
                                {"mapRunArn": f"{machine}/Gatherers:b", "startDate": 2}]}

        def describe_map_run(self, mapRunArn: str) -> dict[str, object]:  # noqa: N803 - boto3's name
            counts = {"running": 40, "succeeded": 2} if "/Workers:" in mapRunArn else {"running": 1, "succeeded": 0}
            return {"itemCounts": counts}

    assert current_state(Client(), "arn:execution") == ("Slice", "workers running 40, done 2")


def test_a_spec_key_with_a_profile_is_planned_with_it_and_waits_for_cloudwatch_only_when_it_watches(tmp_path) -> None:
    """A schedule made in the console names a load profile; a run whose spec watches no AWS resource
    has no CloudWatch datapoints to wait for (before: three minutes of Settle for nothing)."""
    from runner.aws.pipeline import DEFAULT_SETTLE_S, plan_run
    from runner.guardrails import Guardrails
    from runner.store import LocalStore
    store = LocalStore(tmp_path)
    text = ("name: shop\ntarget: http://api.example.com\nload: {phases: [{duration: 1m, rate: 5/s}]}\n"
            "scenarios: [{flow: [{get: /}]}]\nprofiles: {short: {load: {phases: [{duration: 5s, rate: 5/s}]}}}\n")
    store.put_bytes("specs/shop.yaml", text.encode())
    store.put_bytes("specs/watched.yaml", (text + "aws: {resources: {lambda: [orders]}}\n").encode())
    guardrails = Guardrails(("api.example.com",), 4, 600)
    planned = plan_run({"input": {"spec_key": "specs/shop.yaml", "profile": "short", "run_id": "s1"}}, store, "b",
                       guardrails, 1_800_000_000.0)
    assert planned["settle_s"] == 0
    assert store.get_json("runs/s1/meta.json")["profile"] == "short"
    assert store.get_json("runs/s1/plan.json")["duration_s"] == 5.0
    watched = plan_run({"input": {"spec_key": "specs/watched.yaml", "run_id": "w1"}}, store, "b", guardrails,
                       1_800_000_000.0)
    assert watched["settle_s"] == DEFAULT_SETTLE_S


def test_a_profile_the_cli_already_applied_is_named_not_applied_again(tmp_path) -> None:
    """`squall run --on aws --load-profile short` uploads the document with the profile applied and
    names it in the input: the result and the baseline then know the profile (before: AWS runs had none)."""
    from runner.aws.pipeline import plan_run
    from runner.guardrails import Guardrails
    from runner.store import LocalStore
    store = LocalStore(tmp_path)
    document = {"name": "shop", "target": {"url": "http://api.example.com"},
                "load": {"phases": [{"duration": "7s", "rate": "5/s"}]}, "scenarios": [{"flow": [{"get": "/"}]}]}
    plan_run({"input": {"spec": document, "profile": "short", "run_id": "c1"}}, store, "b",
             Guardrails(("api.example.com",), 4, 600), 1_800_000_000.0)
    assert store.get_json("runs/c1/meta.json")["profile"] == "short"
    assert store.get_json("runs/c1/plan.json")["duration_s"] == 7.0


def test_a_region_s_part_starts_on_the_instant_the_run_agreed_and_says_whose_part_it_is(tmp_path) -> None:
    """A run across regions: every region's Plan is given one start instant (runner.aws.regions), so
    their workers start together; a Plan that comes after it starts a margin from its own now (the
    gap is measured per slice, as for a late slice)."""
    from runner.aws.pipeline import plan_run
    from runner.guardrails import Guardrails
    from runner.store import LocalStore
    store = LocalStore(tmp_path)
    document = {"name": "shop", "target": {"url": "http://api.example.com"},
                "load": {"phases": [{"duration": "7s", "rate": "5/s"}]}, "scenarios": [{"flow": [{"get": "/"}]}]}
    guardrails = Guardrails(("api.example.com",), 4, 600)
    part = {"run": "r1", "region": "eu-west-1", "share": 0.4}
    planned = plan_run({"input": {"spec": document, "run_id": "r1.eu-west-1", "start_at_epoch_s": 1_800_000_030.0,
                                  "part_of": part}}, store, "b", guardrails, 1_800_000_000.0)
    assert planned["slices"][0]["start_at"] == 1_800_000_030.0
    assert store.get_json("runs/r1.eu-west-1/meta.json")["part_of"] == part
    late = plan_run({"input": {"spec": document, "run_id": "r1.us-east-1", "start_at_epoch_s": 1_800_000_030.0}},
                    store, "b", guardrails, 1_800_000_040.0)
    assert late["slices"][0]["start_at"] > 1_800_000_040.0


def test_a_spec_with_regions_started_in_one_region_is_refused_not_run_from_there_alone(tmp_path) -> None:
    """A schedule or the Step Functions console starting a spec that names several regions: before,
    its whole load came from this one region and a threshold naming another region judged it all."""
    import pytest

    from runner.aws.pipeline import PlanRejected, plan_run
    from runner.guardrails import Guardrails
    from runner.store import LocalStore
    document = {"name": "shop", "target": {"url": "http://api.example.com"},
                "load": {"phases": [{"duration": "7s", "rate": "5/s"}]}, "scenarios": [{"flow": [{"get": "/"}]}],
                "regions": ["us-east-1", "eu-west-1"]}
    with pytest.raises(PlanRejected, match="sends its load from us-east-1 and eu-west-1: start it with `squall run"):
        plan_run({"input": {"spec": document, "run_id": "g1"}}, LocalStore(tmp_path), "b",
                 Guardrails(("api.example.com",), 4, 600), 1_800_000_000.0)
