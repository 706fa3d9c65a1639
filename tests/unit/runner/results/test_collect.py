"""What collect reads beside the shards: the Lambda errors the state machine caught."""
from __future__ import annotations


def test_the_verdict_names_what_lambda_said_about_a_failed_worker() -> None:
    from runner.results.collect import worker_failure
    throttled = worker_failure({"Error": "Lambda.TooManyRequestsException",
                                "Cause": "Rate Exceeded. (Service: AWSLambda; Status Code: 429)"})
    assert throttled.startswith("throttled: Lambda refused to start it") and "Status Code: 429" in throttled
    timed_out = worker_failure({"Error": "Sandbox.Timedout", "Cause": '{"errorType": "Sandbox.Timedout", '
                                '"errorMessage": "Task timed out after 900.00 seconds"}'})
    assert timed_out == ("timed out (its invocation reached the function's 15-minute limit) (Sandbox.Timedout: "
                         "Task timed out after 900.00 seconds)")
    assert worker_failure({"Error": "KeyError", "Cause": "'x'"}) == "KeyError: 'x'"


def test_a_reduce_tree_gives_exactly_what_one_merge_of_every_worker_gives(tmp_path) -> None:
    """Collect on AWS merges groups of workers in parallel (partial merges), then the groups: the
    result is the same, to the last histogram bucket, as one merge of every worker's shards
    (snapshots for most, deltas for a worker that left none, a worker that sent nothing)."""
    import json
    import random
    import shutil

    from analysis.histogram import Histogram
    from analysis.shard import Shard, compact
    from analysis.stats import EndpointStats, HealthStats, Window
    from runner.guardrails import HostPolicy
    from runner.plan import make_plan
    from runner.prepare import prepare_run
    from runner.results.collect import collect, reduce_group
    from runner.spec import parse_spec
    from runner.store import LocalStore, put_shard, run_prefix

    spec = parse_spec("name: tree\ntarget: http://127.0.0.1:1\nload: {phases: [{duration: 20s, rate: 100/s}]}\n"
                      "scenarios: [{flow: [{get: {url: /a, name: A}}, {get: {url: /b, name: B}}]}]\n"
                      "thresholds: [p95 < 50ms, error_rate < 5%]\n", "tree.yaml")
    plan = make_plan(spec, "tree", 1, workers=5, slice_s=10)
    store = LocalStore(tmp_path / "one")
    prepare_run(store, spec, plan, {"run_id": "tree", "spec_name": "tree", "backend": "aws",
                                    "started_at_epoch_s": 1_000.0, "target_url": spec.target.base_url},
                "fast", 5.0, None, sliced=True, hosts=HostPolicy.local(spec, ()))
    rng = random.Random(3)
    for slice_ in plan.slices:
        for worker in range(plan.workers):
            if (slice_.index, worker) == (1, 4):
                continue  # sent nothing: named as missing either way
            windows = {}
            for second in range(int(slice_.offset_s), int(slice_.offset_s + slice_.duration_s)):
                window = Window(health=HealthStats(intended=20, late=rng.randint(0, 1)))
                for name in ("A", "B"):
                    count = rng.randint(5, 15)
                    errors = rng.randint(0, 1)
                    window.endpoints[name] = EndpointStats(
                        requests=count, responses=count, statuses={"200": count - errors, "500": errors},
                        errors={"http_5xx": errors} if errors else {}, error_statuses={"500": errors} if errors else {},
                        latency=Histogram.of([rng.randint(1_000, 90_000) for _ in range(count)]))
                windows[second] = window
            deltas = [{s: w for s, w in windows.items() if (s // 5) % 2 == i} for i in (0, 1)]
            for seq, part in enumerate(deltas):
                put_shard(store, Shard("tree", slice_.index, worker, seq, part, final=seq == 1,
                                       ended_at_epoch_s=2_000.0 + slice_.index if seq == 1 else None))
            if (slice_.index, worker) != (0, 2):  # worker 2 of slice 0 left no snapshot: its deltas count
                seconds, totals = compact(windows)
                put_shard(store, Shard("tree", slice_.index, worker, 2, seconds, final=True, covers=2, totals=totals,
                                       ended_at_epoch_s=2_000.0 + slice_.index))
    shutil.copytree(tmp_path / "one", tmp_path / "tree")
    direct = collect(store, "tree")
    tree = LocalStore(tmp_path / "tree")
    for slice_ in plan.slices:
        for first in (0, 2, 4):
            reduce_group(tree, "tree", slice_.index, first, min(2, plan.workers - first))
    assert len(tree.list(run_prefix("tree") + "partials/")) == 6
    reduced = collect(tree, "tree")
    for key in ("overall", "endpoints", "scenarios", "timeline", "health", "verdict", "slices"):
        assert json.dumps(reduced[key], sort_keys=True) == json.dumps(direct[key], sort_keys=True), key
    assert direct["verdict"]["status"] == "FAIL"  # p95 < 50ms, with latencies up to 90 ms
    assert any("worker 4 of slice 1 sent no results" in p for p in reduced["verdict"]["generator_problems"])
    # a partial that cannot be read is left out, never trusted: its workers' shards are read instead
    tree.put_bytes(run_prefix("tree") + "partials/1/00002.json.gz", b"not a partial")
    again = collect(tree, "tree")
    for key in ("overall", "endpoints", "scenarios", "timeline", "health", "verdict", "slices"):
        assert json.dumps(again[key], sort_keys=True) == json.dumps(direct[key], sort_keys=True), key
