"""The run index: a cache of the store in SQLite, rebuilt when missing or stale, filtered at once."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from runner.results.baseline import set_baseline
from runner.results.index import RunFilter, RunIndex, UnknownRunName, index_path_for, resolve_run_names
from runner.store import LocalStore, run_prefix
from tests.history_fixture import run_result, write_history, write_run


def index_of(tmp_path: Path, alive: bool = False) -> tuple[LocalStore, RunIndex]:
    store = LocalStore(tmp_path / "squall-runs")
    return store, RunIndex(store, index_path_for(store, tmp_path / "cache"), is_alive=lambda pid: alive)


def test_every_run_is_listed_newest_first_with_the_results_own_figures(tmp_path: Path) -> None:
    store, index = index_of(tmp_path)
    run_ids = write_history(store, [1.0, 1.0, 1.5])
    assert index.refresh().read == 3
    rows = index.runs()
    assert [r["run_id"] for r in rows] == run_ids[::-1]
    result = store.get_json(run_prefix(run_ids[2]) + "result.json")
    assert rows[0]["requests"] == result["overall"]["requests"]
    assert rows[0]["p95_ms"] == result["overall"]["latency"]["p95_ms"]
    assert [r["state"] for r in rows] == ["FAIL", "PASS", "PASS"]  # the slower run broke its p95 < 100ms
    assert rows[0]["verdict"] == "FAIL" and rows[0]["tags"] == ["smoke"]


def test_a_second_refresh_reads_nothing_and_a_new_run_alone(tmp_path: Path) -> None:
    store, index = index_of(tmp_path)
    write_history(store, [1.0, 1.0])
    index.refresh()
    assert index.refresh().read == 0
    write_run(store, run_result("later", started_at_epoch_s=1_800_000_000.0))
    assert index.refresh().read == 1
    assert index.runs()[0]["run_id"] == "later"


def test_a_run_deleted_from_the_store_leaves_the_index(tmp_path: Path) -> None:
    store, index = index_of(tmp_path)
    run_ids = write_history(store, [1.0, 1.0])
    index.refresh()
    shutil.rmtree(store.path(run_prefix(run_ids[0])))
    assert index.refresh().removed == 1
    assert [r["run_id"] for r in index.runs()] == [run_ids[1]]


def test_a_result_written_again_is_read_again(tmp_path: Path) -> None:
    store, index = index_of(tmp_path)
    result = run_result("r1")
    write_run(store, result)
    index.refresh()
    result["verdict"]["status"] = "FAIL"
    write_run(store, result)
    stat = os.stat(store.path(run_prefix("r1") + "result.json"))
    # a later mtime even within the file system clock's resolution
    os.utime(store.path(run_prefix("r1") + "result.json"), ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert index.refresh().read == 1
    assert index.runs()[0]["state"] == "FAIL"


def test_a_deleted_or_broken_index_is_rebuilt_from_the_store(tmp_path: Path) -> None:
    store, index = index_of(tmp_path)
    write_history(store, [1.0, 1.0, 1.0])
    index.refresh()
    index.path.write_bytes(b"not a database")
    assert index.refresh().read == 3 and len(index.runs()) == 3
    index.path.unlink()
    assert index.refresh().read == 3


def test_a_run_written_before_summaries_is_read_from_its_result(tmp_path: Path) -> None:
    store, index = index_of(tmp_path)
    write_run(store, run_result("old"), summary=False)
    index.refresh()
    assert index.runs()[0]["requests"] == store.get_json(run_prefix("old") + "result.json")["overall"]["requests"]


def test_filters(tmp_path: Path) -> None:
    store, index = index_of(tmp_path)
    write_run(store, run_result("a", "checkout", 1_000.0))
    write_run(store, run_result("b", "checkout", 2_000.0, profile="stress", tags=("nightly",)))
    write_run(store, run_result("c", "search", 3_000.0, p95_limit_ms=10))  # fails its p95
    index.refresh()

    def ids(where: RunFilter) -> list[str]:
        return [r["run_id"] for r in index.runs(where)]
    assert ids(RunFilter(spec="checkout")) == ["b", "a"]
    assert ids(RunFilter(profile="stress")) == ["b"] and ids(RunFilter(spec="checkout", profile="")) == ["a"]
    assert ids(RunFilter(verdict="FAIL")) == ["c"]
    assert ids(RunFilter(tag="nightly")) == ["b"]
    assert ids(RunFilter(since_epoch_s=1_500.0, until_epoch_s=2_500.0)) == ["b"]
    assert index.count(RunFilter(backend="local")) == 3
    assert index.choices()["spec"] == ["checkout", "search"]


def test_the_baseline_is_marked(tmp_path: Path) -> None:
    store, index = index_of(tmp_path)
    run_ids = write_history(store, [1.0, 1.0])
    set_baseline(store, run_ids[0])
    index.refresh()
    assert [r["is_baseline"] for r in index.runs()] == [False, True]
    assert index.baseline_of("checkout", None) == run_ids[0]
    assert [r["is_baseline"] for r in index.history("checkout", None)] == [True, False]


def test_a_run_without_a_result_is_running_while_its_process_lives(tmp_path: Path) -> None:
    store, index = index_of(tmp_path, alive=True)
    store.put_json(run_prefix("now") + "meta.json", {"spec_name": "checkout", "pid": 123, "started_at_epoch_s": 5.0})
    index.refresh()
    assert index.runs()[0]["state"] == "RUNNING"
    index.is_alive = lambda pid: False
    assert index.runs()[0]["state"] == "INTERRUPTED"


def test_suites_are_listed(tmp_path: Path) -> None:
    store, index = index_of(tmp_path)
    store.put_json("suites/nightly-1/suite.json", {"name": "nightly", "status": "PASS", "started_at_epoch_s": 9.0,
                                                   "tests": [{"name": "a", "status": "PASS", "run_id": "a-1"}]})
    index.refresh()
    assert index.suites()[0]["tests"][0]["run_id"] == "a-1"


def test_latest_and_baseline_are_names_for_runs(tmp_path: Path) -> None:
    store, index = index_of(tmp_path)
    run_ids = write_history(store, [1.0, 1.0, 1.0])
    write_run(store, run_result("other-1", "search", 1_700_000_000.0))
    set_baseline(store, run_ids[0])
    index.refresh()
    assert resolve_run_names(index, ["baseline", "latest"]) == [run_ids[0], run_ids[2]]
    assert resolve_run_names(index, [run_ids[1], "baseline"]) == [run_ids[1], run_ids[0]]
    assert resolve_run_names(index, ["latest"], spec="search") == ["other-1"]
    with pytest.raises(UnknownRunName, match="spec search has no baseline"):
        resolve_run_names(index, ["other-1", "baseline"])


def test_listing_a_store_not_made_yet_creates_no_folder(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "not-yet")
    index = RunIndex(store, index_path_for(store, tmp_path / "cache"))
    index.refresh()
    assert index.runs() == [] and not (tmp_path / "not-yet").exists()
    assert index.path.parent == tmp_path / "cache"


def test_a_region_s_part_of_a_run_across_regions_is_listed_in_its_run_not_apart(tmp_path: Path) -> None:
    store, index = index_of(tmp_path)
    write_run(store, run_result("r1", started_at_epoch_s=1_800_000_000.0))
    part = run_result("r1.us-east-1", started_at_epoch_s=1_800_000_000.0)
    write_run(store, {**part, "part_of": {"run": "r1", "region": "us-east-1", "share": 0.6}})
    index.refresh()
    assert [r["run_id"] for r in index.runs()] == ["r1"]
    assert index.run("r1.us-east-1")["part_of"] == "r1"  # still there by its name


def test_a_trend_draws_the_runs_judged_to_their_end_not_the_stopped_aborted_or_inconclusive(tmp_path: Path) -> None:
    """A stopped or aborted run measured part of its load, an inconclusive one a generator that could
    have changed the answer: in a trend their figures would make steps that are not the target's."""
    store, index = index_of(tmp_path)
    for run_id, status, at in (("a", "PASS", 1_000.0), ("b", "STOPPED", 2_000.0), ("c", "INCONCLUSIVE", 3_000.0),
                               ("d", "ABORTED", 4_000.0), ("e", "FAIL", 5_000.0)):
        result = run_result(run_id, started_at_epoch_s=at)
        write_run(store, {**result, "verdict": {**result["verdict"], "status": status}})
    index.refresh()
    assert [r["run_id"] for r in index.history("checkout", None)] == ["a", "e"]
