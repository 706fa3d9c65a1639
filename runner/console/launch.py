"""Start a run from the console: the very path `squall run` takes, in a process of its own (the
squall command itself, with the spec, the load profile and the overrides as options), so a run
started here is the run the command line would start, guardrails and allow-list included. The
console finds the run by the process id its meta.json records.

A duration scale becomes one ``--set load.phases.N.duration=…`` a phase (the phases as the profile
leaves them), so it too is an ordinary override."""
from __future__ import annotations

import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from runner.spec import Spec, load_spec, spec_profiles
from runner.store import LocalStore, StoreError, run_prefix

SPEC_SUFFIXES = (".yaml", ".yml")
FOUND_WITHIN_S = 30.0  # how long a run process may take to write its meta.json


class LaunchRefused(ValueError):
    """The run did not start: the squall command's own message (a spec problem, a refused host…)."""


@dataclass(frozen=True)
class Launch:
    spec: Path
    profile: str | None = None
    target_url: str | None = None
    duration_scale: float = 1.0


def specs_in(folder: Path) -> list[tuple[Path, list[str]]]:
    """The specs a run can be started from: YAML files in the folder (and one level below) that
    name a target, each with its load profiles."""
    if not folder.is_dir():
        return []
    found = []
    for path in sorted([*folder.glob("*"), *folder.glob("*/*")]):
        if path.suffix not in SPEC_SUFFIXES or not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if "target:" in text and "load:" in text:
            found.append((path, spec_profiles(path)))
    return found


def command_for(launch: Launch, store_dir: Path) -> list[str]:
    """The squall command line this launch is."""
    command = [sys.executable, "-m", "runner.cli", "--quiet", "run", str(launch.spec), "--store", str(store_dir)]
    if launch.profile:
        command += ["--load-profile", launch.profile]
    if launch.target_url:
        command += ["--target", launch.target_url]
    if launch.duration_scale != 1.0:
        spec = load_spec(launch.spec, launch.target_url, profile=launch.profile)
        for override in scaled_overrides(spec, launch.duration_scale):
            command += ["--set", override]
    return command


def scaled_overrides(spec: Spec, scale: float) -> tuple[str, ...]:
    """Each phase's duration times ``scale``, as --set overrides (at least a second each)."""
    if scale == 1.0:
        return ()
    if not 0 < scale <= 10:
        raise LaunchRefused(f"a duration scale of {scale:g}: give one above 0 and at most 10")
    return tuple(f"load.phases.{index}.duration={max(1.0, phase.duration_s * scale):g}s"
                 for index, phase in enumerate(spec.phases))


class Launcher:
    """Runs started from the console: each process waited for in a thread (so none is left a
    zombie, which would look alive to the run index), its output kept in the store's .console/."""

    def __init__(self, store: LocalStore, project: Path) -> None:
        self.store, self.project = store, project

    def start(self, launch: Launch) -> str:
        """Start the run; its run id once its process has written meta.json."""
        command = command_for(launch, self.store.root.resolve())
        logs = self.store.root / ".console"
        logs.mkdir(parents=True, exist_ok=True)
        log_path = logs / f"run-{time.strftime('%Y%m%d-%H%M%S')}-{threading.get_ident()}.log"
        since_ns = time.time_ns() - 1_000_000_000  # a file system's clock may lag the process's a little
        with open(log_path, "wb") as log:
            process = subprocess.Popen(command, cwd=self.project, stdout=log, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL, start_new_session=True)
        threading.Thread(target=process.wait, name=f"squall-run-{process.pid}", daemon=True).start()
        deadline = time.monotonic() + FOUND_WITHIN_S
        while time.monotonic() < deadline:
            run_id = self._run_of(process.pid, since_ns)
            if run_id is not None:
                return run_id
            if process.poll() is not None:
                run_id = self._run_of(process.pid, since_ns)
                if run_id is not None:
                    return run_id
                message = log_path.read_text(encoding="utf-8", errors="replace").strip()
                raise LaunchRefused(message or f"squall run ended with exit code {process.returncode}")
            time.sleep(0.1)
        raise LaunchRefused(f"the run process {process.pid} wrote no run within {FOUND_WITHIN_S:.0f} s "
                            f"(its output: {log_path})")

    def _run_of(self, pid: int, since_ns: int) -> str | None:
        """The run whose meta.json, written since the process started, names that process."""
        for run_id in self.store.folders("runs/"):
            key = run_prefix(run_id) + "meta.json"
            stamp = self.store.stamp(key)
            try:
                if stamp is not None and int(stamp) >= since_ns and self.store.get_json(key).get("pid") == pid:
                    return run_id
            except StoreError:
                continue
        return None
