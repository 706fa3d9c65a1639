"""A baseline that exists but cannot be read is said so, never taken for "no baseline"."""
from __future__ import annotations

from pathlib import Path

import pytest

from runner.results.baseline import baseline_key, clear_baseline, load_baseline, set_baseline
from runner.store import LocalStore, StoreError


class DeniedBaselines(LocalStore):
    """What S3 answers a role without a grant on baselines/*: 403 on every read there."""

    def get_bytes(self, key: str) -> bytes:
        if key.startswith("baselines/"):
            raise StoreError(f"cannot read {self.uri(key)}: An error occurred (AccessDenied)")
        return super().get_bytes(key)


def test_no_baseline_is_none(tmp_path: Path) -> None:
    assert load_baseline(LocalStore(tmp_path), "launch", "run-2") is None


def test_the_baseline_run_result_is_returned(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    store.put_json(baseline_key("launch"), {"run_id": "run-1"})
    store.put_json("runs/run-1/result.json", {"run_id": "run-1"})
    assert load_baseline(store, "launch", "run-2") == {"run_id": "run-1"}
    assert load_baseline(store, "launch", "run-1") is None  # a run is not its own baseline


def test_each_load_profile_has_its_own_baseline(tmp_path: Path) -> None:
    """Before: baselines were keyed by the spec's name alone, so a stress profile's run became the
    baseline of the everyday one without a word."""
    from runner.results.baseline import set_baseline
    store = LocalStore(tmp_path)
    store.put_json("runs/stress-1/result.json", {"run_id": "stress-1", "spec_name": "launch", "profile": "stress",
                                                 "verdict": {"status": "PASS"}})
    set_baseline(store, "stress-1")
    assert load_baseline(store, "launch", "run-2") is None  # the everyday profile has none yet
    assert load_baseline(store, "launch", "run-2", profile="stress")["run_id"] == "stress-1"  # type: ignore[index]
    assert baseline_key("launch", "stress") == "baselines/launch@stress.json"


def test_an_unreadable_baseline_raises_with_the_store_s_reason(tmp_path: Path) -> None:
    store = DeniedBaselines(tmp_path)
    store.put_json(baseline_key("launch"), {"run_id": "run-1"})
    with pytest.raises(StoreError, match="AccessDenied"):
        load_baseline(store, "launch", "run-2")


def test_a_baseline_whose_run_expired_raises_with_a_hint(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    store.put_json(baseline_key("launch"), {"run_id": "run-1"})
    with pytest.raises(StoreError, match=r"run-1 has no result.json .*squall baseline set"):
        load_baseline(store, "launch", "run-2")


def test_target_functions_without_reserved_concurrency_are_said_to_share_the_workers_pool() -> None:
    from analysis.advice import TargetLimits
    from analysis.target import TargetResources
    from runner.results.collect import shared_pool_note
    from runner.results.target import TargetReport
    report = TargetReport(TargetResources(("api-fn", "worker-fn")), None, "us-east-1",
                          limits=TargetLimits({"worker-fn": 100}))
    assert shared_pool_note(report, 40) == (
        "api-fn reserve no concurrency: they share this account's unreserved pool with Squall's 40 workers, so the "
        "test itself can throttle them; set squall:workerReservedConcurrency (cdk.json) or reserve the target's "
        "concurrency when they run in the same account and region")
    assert shared_pool_note(TargetReport(TargetResources(("worker-fn",)), None, "us-east-1",
                                         limits=TargetLimits({"worker-fn": 100})), 40) is None


def test_a_cleared_baseline_is_gone_and_says_which_run_it_was(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    store.put_json("runs/run-1/result.json", {"run_id": "run-1", "spec_name": "launch", "profile": "stress",
                                              "verdict": {"status": "PASS"}})
    set_baseline(store, "run-1")
    assert clear_baseline(store, "launch") is None  # the everyday load has none; the stress profile has one
    assert clear_baseline(store, "launch", "stress") == "run-1"
    assert not store.exists(baseline_key("launch", "stress"))
    assert load_baseline(store, "launch", "run-2", "stress") is None
