"""The live view the page draws: merged once as shards arrive, each second as it was."""
from __future__ import annotations

import json

from analysis.histogram import Histogram
from analysis.shard import Shard
from analysis.stats import EndpointStats, Window
from runner.plan import make_plan
from runner.results.live import LiveView
from runner.spec import parse_spec

SPEC = parse_spec("target: http://127.0.0.1:1\nload: {phases: [{name: a, duration: 5s, rate: 10/s}, "
                  "{name: b, duration: 5s, users: 3}]}\nscenarios: [{flow: [{get: /x}]}]\n"
                  "thresholds: [p95 < 50ms, error_rate < 10%]\n", "t.yaml")


def window(requests: int, latency_ms: int, errors: int = 0) -> Window:
    stats = EndpointStats(requests=requests, responses=requests, statuses={"200": requests - errors, "503": errors},
                          errors={"http_5xx": errors} if errors else {},
                          latency=Histogram.of([latency_ms * 1000] * requests))
    return Window(endpoints={"GET /x": stats})


def test_the_snapshot_draws_complete_seconds_totals_thresholds_and_phases() -> None:
    live = LiveView(make_plan(SPEC, "r", 1, workers=1))
    live.add("s0", Shard("r", 0, 0, 0, {0: window(10, 5), 1: window(10, 7, errors=2)}))
    live.add("s0", Shard("r", 0, 0, 0, {0: window(99, 99)}))  # the same shard again: ignored
    live.add("s1", Shard("r", 0, 0, 1, {2: window(10, 200)}))
    snapshot = live.snapshot(elapsed_s=4.0, settled_s=1.0, thresholds=SPEC.thresholds)
    assert snapshot["series"]["x"] == [0, 1, 2]
    assert snapshot["series"]["requests"] == [10, 10, 10] and snapshot["series"]["target_rate"] == [10.0] * 3
    assert snapshot["errors_by_class"] == {"http_5xx": [0, 2, 0]}
    assert [(e["name"], e["requests"], e["errors"]) for e in snapshot["endpoints"]] == [("GET /x", 30, 2)]
    assert [(t["check"], t["status"]) for t in snapshot["thresholds"]] == [("p95 < 50ms", "FAIL"),
                                                                          ("error_rate < 10%", "PASS")]
    assert [p["name"] for p in snapshot["phases"]] == ["a", "b"] and snapshot["phase"] == "a"
    assert live.users_now(7.0) == 3


PHASED = parse_spec("target: http://127.0.0.1:1\nload: {phases: [{name: a, duration: 5s, rate: 10/s}, "
                    "{name: b, duration: 5s, rate: 10/s}]}\nscenarios: [{flow: [{get: /x}]}]\n"
                    "thresholds: [p95 < 50ms, {check: p99 < 1s, phase: b}]\n", "t.yaml")


def test_a_watcher_draws_from_the_monitors_documents_what_the_runs_own_view_draws(tmp_path) -> None:
    """The AWS monitor keeps only recent seconds and totals; a watcher rebuilds the page from
    its successive live.json documents: the same series and table as from the shards."""
    from runner.results.live import StoredView, view_document
    from runner.results.monitor_state import MonitorState
    plan = make_plan(PHASED, "r", 1, workers=1)
    shards = [Shard("r", 0, 0, 0, {0: window(10, 5), 1: window(10, 7, errors=2)}),
              Shard("r", 0, 0, 1, {1: window(5, 9), 2: window(10, 200), 3: window(4, 1)})]
    progress, local, watcher = MonitorState(), LiveView(plan), StoredView(plan)
    for index, shard in enumerate(shards):
        progress.add(shard, keep_from_second=0)
        local.add(f"s{index}", shard)
        recent = {s: w for s, w in progress.recent.items() if s >= index}  # the monitor forgets old seconds
        document = view_document(recent, complete_second=2, endpoints=progress.endpoints, health=progress.health,
                                 thresholds=PHASED.thresholds, elapsed_s=4.0)
        watcher.update(json.loads(json.dumps(document)), "live.json")  # as stored and read back
    drawn, own = watcher.snapshot(4.0, "running"), local.snapshot(4.0, 1.0, PHASED.thresholds)
    assert drawn["series"] == own["series"] and drawn["series"]["requests"] == [10, 15, 10]  # second 1 completed
    assert drawn["endpoints"] == own["endpoints"] and drawn["endpoints"][0]["requests"] == 39
    assert drawn["thresholds"][0] == own["thresholds"][0] and drawn["thresholds"][0]["status"] == "FAIL"
    assert drawn["thresholds"][1]["status"] == "AT_END"  # a phase's threshold needs the whole timeline


def test_the_monitors_progress_keeps_the_totals_across_its_stored_state() -> None:
    from runner.results.monitor_state import MonitorState
    progress = MonitorState()
    progress.add(Shard("r", 0, 0, 0, {0: window(10, 5, errors=1)}), keep_from_second=0)
    again = MonitorState.from_bytes(progress.to_bytes(), "state")
    assert again.endpoints["GET /x"].requests == 10 and again.endpoints["GET /x"].errors == {"http_5xx": 1}
    assert again.endpoints["GET /x"].latency.percentile_us(50) == progress.endpoints["GET /x"].latency.percentile_us(50)


def test_a_local_run_s_view_lists_its_shards_from_where_the_slowest_worker_is(tmp_path) -> None:
    """Each read lists from a flush before the slowest worker's newest (not every shard of the run
    so far); a worker that lags behind the others, or whose last flush lands after its final one,
    loses nothing."""
    from runner.store import LocalStore, put_shard
    listed: list[str | None] = []

    class Recording(LocalStore):
        def list(self, prefix: str, start_after: str | None = None) -> list[str]:
            listed.append(start_after)
            return super().list(prefix, start_after)

    store = Recording(tmp_path)
    live = LiveView(make_plan(SPEC, "r", 1, workers=2))

    def flush(worker: int, seq: int, final: bool = False) -> None:
        put_shard(store, Shard("r", 0, worker, seq, {seq: window(10, 5)}, final))
    flush(0, 0)
    live.read_new(store, "r")  # worker 1 has written nothing yet: everything is listed
    for seq in range(1, 8):
        flush(0, seq)
    for seq in range(4):
        flush(1, seq)
    live.read_new(store, "r")
    flush(1, 4)  # worker 1 lags: its flush 4 comes after worker 0's flush 7
    flush(0, 8, final=True)
    flush(1, 6, final=True)  # worker 1's end: its final shard lands before its flush 5
    live.read_new(store, "r")
    flush(1, 5)
    live.read_new(store, "r")
    shards = "runs/r/shards/0/000/"
    assert listed == [None, None, shards + "000002/", shards + "000005/"]
    assert live.total.requests == 10 * 16  # nine flushes of worker 0 and seven of worker 1, each read once
