"""Past runs in the local store, newest first."""
from __future__ import annotations

from typing import Any

from runner.store import LocalStore, StoreError, run_prefix


def list_local_runs(store_dir: str, limit: int) -> list[dict[str, Any]]:
    store = LocalStore(store_dir)
    runs_dir = store.path("runs")
    rows: list[dict[str, Any]] = []
    if not runs_dir.is_dir():
        return rows
    for path in runs_dir.iterdir():
        prefix = run_prefix(path.name)
        try:
            meta = store.get_json(prefix + "meta.json")
            result = store.get_json(prefix + "result.json") if store.exists(prefix + "result.json") else None
        except StoreError:
            continue
        rows.append({"run_id": path.name, "spec_name": meta.get("spec_name", "?"),
                     "started_at_epoch_s": meta.get("started_at_epoch_s", 0), "result": result})
    rows.sort(key=lambda r: r["started_at_epoch_s"], reverse=True)
    return rows[:limit]
