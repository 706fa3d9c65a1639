"""An index of every run and suite in a store, in SQLite, so the console and `squall runs` list and
filter ten thousand runs at once. The store stays the only source of truth: the index is a cache
any reader may delete; it is rebuilt from the store when it is missing, of another version, or
stale (a run it does not know, a run gone, a result that appeared or was written again).

A run is read from its ``summary.json`` (analysis.result.summary_row, written beside result.json
since the console exists), or from its result.json for runs written before. A run with no result
is RUNNING while the process that started it lives (on this machine), else INTERRUPTED, with what
its shards hold; on AWS, RUNNING until its result is written.
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from analysis.result import summary_row
from runner.results.baseline import baseline_key
from runner.results.history import held_so_far, process_alive
from runner.store import LocalStore, StoreError, run_prefix

INDEX_VERSION = "2"  # 2: part_of (a region's part of a run across regions is not listed apart)
COLUMNS = ("run_id", "spec_name", "profile", "backend", "engine", "target_url", "tags", "started_at_epoch_s",
           "duration_s", "verdict", "reason", "requests", "errors", "rps", "error_rate", "p50_ms", "p95_ms",
           "p99_ms", "cost_usd", "baseline_run_id", "state", "stamp", "pid", "part_of")
SCHEMA = f"""
CREATE TABLE IF NOT EXISTS facts (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS runs ({', '.join(c + (' TEXT PRIMARY KEY' if c == 'run_id' else '') for c in COLUMNS)});
CREATE INDEX IF NOT EXISTS runs_started ON runs (started_at_epoch_s DESC);
CREATE INDEX IF NOT EXISTS runs_spec ON runs (spec_name, profile, started_at_epoch_s);
CREATE TABLE IF NOT EXISTS suites (suite_id TEXT PRIMARY KEY, name TEXT, status TEXT, started_at_epoch_s REAL,
                                   tests TEXT);
CREATE TABLE IF NOT EXISTS baselines (spec_key TEXT PRIMARY KEY, run_id TEXT);
"""
FINAL = ("PASS", "WARN", "FAIL", "INCONCLUSIVE", "STOPPED", "ABORTED")
# what a trend draws: runs judged over their whole load (a stopped or aborted run measured part of it,
# an inconclusive one a generator that could have changed the answer: not the target's steps)
TRENDED = ("PASS", "WARN", "FAIL")


class IndexedStore(Protocol):
    """What the index reads of a store: the documents, and the folders right under a prefix."""

    def get_json(self, key: str) -> Any: ...
    def exists(self, key: str) -> bool: ...
    def folders(self, prefix: str) -> list[str]: ...
    def stamp(self, key: str) -> str | None: ...
    def list(self, prefix: str, start_after: str | None = None) -> list[str]: ...


@dataclass(frozen=True)
class RunFilter:
    spec: str | None = None
    profile: str | None = None
    verdict: str | None = None
    backend: str | None = None
    tag: str | None = None
    since_epoch_s: float | None = None
    until_epoch_s: float | None = None


@dataclass(frozen=True)
class Refreshed:
    read: int  # runs (and suites) read from the store this time
    removed: int
    known: int


def _clean(value: Any) -> Any:
    return value if value is None or isinstance(value, int | float | str) else json.dumps(value)


class RunIndex:
    def __init__(self, store: IndexedStore, path: Path, is_alive: Callable[[int | None], bool] = process_alive) -> None:
        self.store, self.path, self.is_alive = store, Path(path), is_alive
        self.local = isinstance(store, LocalStore)

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(self.path, timeout=30)) as db:
            db.row_factory = sqlite3.Row
            with db:
                yield db

    def _open(self) -> None:
        """A missing index or one of another version starts empty (it is a cache)."""
        try:
            with self._db() as db:
                db.executescript(SCHEMA)
                row = db.execute("SELECT value FROM facts WHERE key='version'").fetchone()
                if row is not None and row[0] == INDEX_VERSION:
                    return
        except sqlite3.DatabaseError:
            pass  # not a database (a half-written file): start again
        self.path.unlink(missing_ok=True)
        with self._db() as db:
            db.executescript(SCHEMA)
            db.execute("INSERT OR REPLACE INTO facts VALUES ('version', ?)", (INDEX_VERSION,))

    def refresh(self) -> Refreshed:
        """Bring the index up to the store: new runs read, gone ones removed, unfinished ones and
        results written again read anew."""
        self._open()
        with self._db() as db:
            known = {row["run_id"]: (row["state"], row["stamp"])
                     for row in db.execute("SELECT run_id, state, stamp FROM runs")}
            present = self.store.folders("runs/")
            gone = set(known) - set(present)
            db.executemany("DELETE FROM runs WHERE run_id=?", [(run_id,) for run_id in gone])
            read = 0
            for run_id in present:
                state, stamp = known.get(run_id, (None, None))
                row = self._read_if_changed(run_id, state, stamp)
                if row is not None:
                    db.execute(f"INSERT OR REPLACE INTO runs ({', '.join(COLUMNS)}) VALUES "
                               f"({', '.join('?' for _ in COLUMNS)})", [_clean(row.get(c)) for c in COLUMNS])
                    read += 1
            read += self._refresh_suites(db)
            self._refresh_baselines(db)
        return Refreshed(read, len(gone), len(present))

    def _result_stamp(self, run_id: str) -> str | None:
        return self.store.stamp(run_prefix(run_id) + "result.json")

    def _read_if_changed(self, run_id: str, state: str | None, stamp: str | None) -> dict[str, Any] | None:
        if state in FINAL and (not self.local or self._result_stamp(run_id) == stamp):
            return None  # a finished run whose result was not written again
        if state == "INTERRUPTED" and not self.store.exists(run_prefix(run_id) + "result.json"):
            return None  # its process is gone: nothing more will come (until `squall collect`)
        try:
            return self._read_run(run_id)
        except (StoreError, ValueError, KeyError, TypeError):
            return {"run_id": run_id, "spec_name": "?", "state": "UNREADABLE", "started_at_epoch_s": 0.0}

    def _read_run(self, run_id: str) -> dict[str, Any]:
        prefix = run_prefix(run_id)
        stamp = self._result_stamp(run_id)
        if stamp is not None:
            summary = prefix + "summary.json"
            row = self.store.get_json(summary) if self.store.exists(summary) else \
                summary_row(self.store.get_json(prefix + "result.json"))
            if row.get("backend") == "aws" and self.store.exists(prefix + "rehearsal.log"):
                row["backend"] = "rehearsal"
            row["tags"] = "," + ",".join(row.get("tags") or []) + ","
            return {**row, "state": row["verdict"], "stamp": stamp}
        meta = self.store.get_json(prefix + "meta.json") if self.store.exists(prefix + "meta.json") else {}
        row = {"run_id": run_id, "spec_name": meta.get("spec_name", "?"), "profile": meta.get("profile"),
               "part_of": (meta.get("part_of") or {}).get("run"),
               "backend": meta.get("backend", "local" if self.local else "aws"), "engine": meta.get("engine"),
               "target_url": meta.get("target_url"), "tags": ",,",
               "started_at_epoch_s": meta.get("started_at_epoch_s", 0.0), "pid": meta.get("pid"), "state": "RUNNING"}
        if self.local and not self.is_alive(meta.get("pid")):
            row["state"] = "INTERRUPTED"
            assert isinstance(self.store, LocalStore)
            try:
                held = held_so_far(self.store, run_id)
            except (StoreError, ValueError, KeyError):
                return row
            overall = held["overall"]
            row.update(duration_s=held["duration_s"], requests=overall["requests"],
                       p95_ms=overall["latency"]["p95_ms"], error_rate=overall["error_rate"])
        return row

    def _refresh_suites(self, db: sqlite3.Connection) -> int:
        known = {row[0] for row in db.execute("SELECT suite_id FROM suites")}
        present = self.store.folders("suites/")
        db.executemany("DELETE FROM suites WHERE suite_id=?", [(s,) for s in known - set(present)])
        read = 0
        for suite_id in present:
            key = f"suites/{suite_id}/suite.json"
            if suite_id in known or not self.store.exists(key):
                continue
            try:
                suite = self.store.get_json(key)
                db.execute("INSERT OR REPLACE INTO suites VALUES (?, ?, ?, ?, ?)",
                           (suite_id, suite["name"], suite["status"], suite.get("started_at_epoch_s", 0.0),
                            json.dumps(suite["tests"])))
                read += 1
            except (StoreError, KeyError, TypeError):
                continue
        return read

    def _refresh_baselines(self, db: sqlite3.Connection) -> None:
        """Which run is each spec's (and profile's) baseline: a small folder, read whole."""
        db.execute("DELETE FROM baselines")
        for key in self.store.list("baselines/"):
            try:
                record = self.store.get_json(key)
                db.execute("INSERT OR REPLACE INTO baselines VALUES (?, ?)",
                           (baseline_key(record["spec_name"], record.get("profile")), str(record["run_id"])))
            except (StoreError, KeyError, TypeError):
                continue

    def runs(self, where: RunFilter = RunFilter(), limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
        """Rows newest first, each with ``is_baseline``; a local run still RUNNING whose process has
        gone since is shown INTERRUPTED (the next refresh reads what it left)."""
        clauses, values = _where(where)
        return self._rows(f"{clauses} ORDER BY started_at_epoch_s DESC, runs.run_id DESC LIMIT ? OFFSET ?",
                          [*values, limit, offset])

    def run(self, run_id: str) -> dict[str, Any] | None:
        """One run's row, as ``runs`` gives it."""
        rows = self._rows("WHERE runs.run_id = ?", [run_id])
        return rows[0] if rows else None

    def _rows(self, tail: str, values: list[Any]) -> list[dict[str, Any]]:
        with self._db() as db:
            rows = [dict(r) for r in db.execute(
                f"SELECT runs.*, baselines.run_id IS NOT NULL AS is_baseline FROM runs LEFT JOIN baselines "
                f"ON baselines.run_id = runs.run_id {tail}", values)]
        for row in rows:
            row["tags"] = [t for t in (row["tags"] or "").split(",") if t]
            row["is_baseline"] = bool(row["is_baseline"])
            if row["state"] == "RUNNING" and self.local and not self.is_alive(row["pid"]):
                row["state"] = "INTERRUPTED"
        return rows

    def count(self, where: RunFilter = RunFilter()) -> int:
        clauses, values = _where(where)
        with self._db() as db:
            return int(db.execute(f"SELECT COUNT(*) FROM runs {clauses}", values).fetchone()[0])

    def choices(self) -> dict[str, list[str]]:
        """The values each filter can take: specs, profiles, verdicts (and states), backends, tags."""
        with self._db() as db:
            def distinct(column: str) -> list[str]:
                return [r[0] for r in db.execute(f"SELECT DISTINCT {column} FROM runs WHERE {column} IS NOT NULL "
                                                 f"ORDER BY {column}")]
            tags = sorted({t for (text,) in db.execute("SELECT DISTINCT tags FROM runs") for t in (text or "").split(",")
                           if t})
            return {"spec": distinct("spec_name"), "profile": distinct("profile"), "verdict": distinct("state"),
                    "backend": distinct("backend"), "tag": tags}

    def suites(self, limit: int = 20) -> list[dict[str, Any]]:
        with self._db() as db:
            rows = [dict(r) for r in db.execute("SELECT * FROM suites ORDER BY started_at_epoch_s DESC LIMIT ?",
                                                (limit,))]
        for row in rows:
            row["tests"] = json.loads(row["tests"])
        return rows

    def history(self, spec: str, profile: str | None) -> list[dict[str, Any]]:
        """A spec's (and profile's) runs judged over their whole load, oldest first: what a trend draws."""
        finished = RunFilter(spec=spec, profile=profile or "")
        clauses, values = _where(finished)
        with self._db() as db:
            rows = [dict(r) for r in db.execute(
                f"SELECT runs.*, baselines.run_id IS NOT NULL AS is_baseline FROM runs LEFT JOIN baselines "
                f"ON baselines.run_id = runs.run_id {clauses} AND state IN ({', '.join('?' for _ in TRENDED)}) "
                f"ORDER BY started_at_epoch_s, runs.run_id", [*values, *TRENDED])]
        for row in rows:
            row["is_baseline"] = bool(row["is_baseline"])
        return rows

    def baseline_of(self, spec: str, profile: str | None) -> str | None:
        with self._db() as db:
            row = db.execute("SELECT run_id FROM baselines WHERE spec_key=?", (baseline_key(spec, profile),)).fetchone()
        return None if row is None else str(row[0])

    def latest(self, spec: str | None = None) -> str | None:
        """The newest finished run (of a spec, when named)."""
        rows = [r for r in self.runs(RunFilter(spec=spec), limit=50) if r["state"] in FINAL]
        return rows[0]["run_id"] if rows else None


def _where(where: RunFilter) -> tuple[str, list[Any]]:
    clauses: list[str] = ["part_of IS NULL"]  # a region's part shows in its run across regions, not apart
    values: list[Any] = []
    for column, value in (("spec_name", where.spec), ("backend", where.backend), ("state", where.verdict)):
        if value:
            clauses.append(f"{column} = ?")
            values.append(value)
    if where.profile is not None:  # "" is the spec's own load (no profile)
        clauses.append("profile IS NULL" if where.profile == "" else "profile = ?")
        values += [] if where.profile == "" else [where.profile]
    if where.tag:
        clauses.append("tags LIKE ?")
        values.append(f"%,{where.tag},%")
    if where.since_epoch_s is not None:
        clauses.append("started_at_epoch_s >= ?")
        values.append(where.since_epoch_s)
    if where.until_epoch_s is not None:
        clauses.append("started_at_epoch_s < ?")
        values.append(where.until_epoch_s)
    return "WHERE " + " AND ".join(clauses), values


class UnknownRunName(ValueError):
    pass


def resolve_run_names(index: RunIndex, names: list[str], spec: str | None = None) -> list[str]:
    """Run ids for what people type: a run id, ``latest`` (the newest finished run: of ``spec``, or
    of the spec of the other run named), ``baseline`` (the baseline of that spec and profile)."""
    resolved: list[str | None] = [None if n in ("latest", "baseline") else n for n in names]

    def spec_and_profile() -> tuple[str | None, str | None]:
        for run_id in resolved:
            row = index.run(run_id) if run_id else None
            if row is not None:
                return row["spec_name"], row["profile"]
        return spec, None
    for i, name in enumerate(names):
        if name == "latest":
            found = index.latest(spec or spec_and_profile()[0])
            if found is None:
                raise UnknownRunName("no finished run to call latest" + (f" for spec {spec}" if spec else ""))
            resolved[i] = found
    for i, name in enumerate(names):
        if name == "baseline":
            of_spec, profile = spec_and_profile()
            if of_spec is None:
                raise UnknownRunName("baseline of which spec? Name a run beside it, or --spec NAME")
            found = index.baseline_of(of_spec, profile)
            if found is None:
                raise UnknownRunName(f"spec {of_spec}{'@' + profile if profile else ''} has no baseline: "
                                     f"`squall baseline set RUN_ID` sets one")
            resolved[i] = found
    return [r for r in resolved if r is not None]


def index_path_for(store: IndexedStore, cache_dir: Path, bucket: str | None = None) -> Path:
    """Where a store's index lives: inside a local store (``.index/runs.sqlite``), or in the user's
    cache folder for a bucket, or for a local store not made yet (listing runs creates no folder)."""
    if isinstance(store, LocalStore):
        if store.root.is_dir():
            return store.root / ".index" / "runs.sqlite"
        digest = hashlib.sha256(str(store.root.resolve()).encode()).hexdigest()[:16]
        return cache_dir / f"index-local-{digest}.sqlite"
    return cache_dir / f"index-{bucket or 'bucket'}.sqlite"
