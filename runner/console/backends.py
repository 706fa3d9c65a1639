"""What the console asks of where the runs are: the store and its index, the specs a run can be
started from, starting and stopping a run, a running run's live state, and the schedules. Locally:
the project's store, its specs folder and run processes on this machine; on AWS (--on aws): the
stack's bucket, its specs/ and the state machine (runner.console.aws_backend)."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from runner.console import pages
from runner.console.launch import Launch, Launcher, specs_in
from runner.console.live import LiveRuns
from runner.results.index import RunIndex, index_path_for
from runner.store import LocalStore


class ConsoleBackend(Protocol):
    label: str  # where the runs are, as the header says it
    specs_where: str
    store: Any

    def fresh_index(self) -> RunIndex: ...
    def specs(self) -> list[tuple[str, list[str]]]: ...
    def start(self, launch: Launch) -> str: ...
    def stop(self, run_id: str) -> None: ...
    def live_snapshot(self, run_id: str) -> dict[str, Any]: ...
    def schedules_page(self, token: str, error: str | None) -> str: ...
    def save_schedule(self, form: dict[str, str]) -> str | None: ...
    def delete_schedule(self, name: str) -> str | None: ...
    def pause_schedule(self, name: str, resume: bool) -> str | None: ...


class LocalConsole:
    """The project's local store; runs started as `squall run` processes on this machine."""

    def __init__(self, store_dir: Path, project: Path, specs_dir: Path, cache_dir: Path | None = None) -> None:
        """``cache_dir``: where the index lives while the store has no folder yet (default: the store's)."""
        self.store = LocalStore(store_dir)
        self.project, self.specs_dir = project, specs_dir.resolve()
        self.index = RunIndex(self.store, index_path_for(self.store, cache_dir or store_dir))
        self.live = LiveRuns(self.store)
        self.launcher = Launcher(self.store, project)
        self.label = f"local store {store_dir}"
        self.specs_where = str(specs_dir)

    def fresh_index(self) -> RunIndex:
        self.index.refresh()
        return self.index

    def specs(self) -> list[tuple[str, list[str]]]:
        return [(str(path), profiles) for path, profiles in specs_in(self.specs_dir)]

    def start(self, launch: Launch) -> str:
        return self.launcher.start(launch)

    def stop(self, run_id: str) -> None:
        self.live.stop(run_id)

    def live_snapshot(self, run_id: str) -> dict[str, Any]:
        return self.live.snapshot(run_id)

    def schedules_page(self, token: str, error: str | None) -> str:
        return pages.schedules_local_page()

    def save_schedule(self, form: dict[str, str]) -> str | None:
        return "schedules are AWS's: squall console --on aws"

    def delete_schedule(self, name: str) -> str | None:
        return self.save_schedule({})

    def pause_schedule(self, name: str, resume: bool) -> str | None:
        return self.save_schedule({})
