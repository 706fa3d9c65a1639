"""Baselines: the run a spec's regression thresholds compare against, one per spec name and load
profile, kept in the store (``baselines/<spec>.json``, ``baselines/<spec>@<profile>.json``)
beside the runs: a stress profile is never compared with the everyday one."""
from __future__ import annotations

import re
from typing import Any

from runner.store import Store, StoreError, run_prefix


def baseline_key(spec_name: str, profile: str | None = None) -> str:
    name = spec_name + (f"@{profile}" if profile else "")
    return f"baselines/{re.sub(r'[^A-Za-z0-9_.@-]+', '-', name)}.json"


def set_baseline(store: Store, run_id: str) -> dict[str, Any]:
    key = run_prefix(run_id) + "result.json"
    if not store.exists(key):
        raise StoreError(f"no result for run {run_id} in {store.uri(run_prefix(run_id))}")
    result = store.get_json(key)
    record = {"run_id": run_id, "spec_name": result["spec_name"], "profile": result.get("profile"),
              "verdict": result["verdict"]["status"]}
    store.put_json(baseline_key(result["spec_name"], result.get("profile")), record)
    return record


def clear_baseline(store: Store, spec_name: str, profile: str | None = None) -> str | None:
    """The spec's (and profile's) baseline no more: its regression thresholds then have nothing to
    compare with until another is set. The run that was the baseline, or None."""
    key = baseline_key(spec_name, profile)
    if not store.exists(key):
        return None
    run_id = str(store.get_json(key).get("run_id"))
    delete = getattr(store, "delete", None)
    if delete is None:
        raise StoreError(f"{store.uri(key)} cannot be removed from this store")
    delete(key)
    return run_id


def load_baseline(store: Store, spec_name: str, current_run_id: str, profile: str | None = None) -> dict[str, Any] | None:
    """The baseline run's result document, or None when there is none (or it is this very run).
    A baseline that exists but cannot be read (no permission, malformed) raises StoreError: a
    regression threshold must never quietly become "no baseline"."""
    key = baseline_key(spec_name, profile)
    if not store.exists(key):
        return None
    try:
        run_id = str(store.get_json(key)["run_id"])
    except (KeyError, TypeError):
        raise StoreError(f"{store.uri(key)} has no run_id: set it again with `squall baseline set RUN_ID`") from None
    if run_id == current_run_id:
        return None
    if not store.exists(run_prefix(run_id) + "result.json"):
        raise StoreError(f"the baseline run {run_id} has no result.json in {store.uri(run_prefix(run_id))} "
                         f"(expired?): set another with `squall baseline set RUN_ID`")
    return dict(store.get_json(run_prefix(run_id) + "result.json"))
