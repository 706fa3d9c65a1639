"""`squall run locustfile.py`: Locust's own vocabulary (-u, -r, -t, -H, --tags, --exclude-tags,
user class names, --csv, --html, locust.conf and LOCUST_* variables), headless always, beside
Squall's options; thresholds, limits and the aws section come from a small sidecar spec
(--spec). The file is imported first in a process of its own (runner.load.locust_check): one
that does not import is refused with its file:line, and nothing starts."""
from __future__ import annotations

import argparse
import configparser
import dataclasses
import json
import os
import subprocess
import sys
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from runner.spec import Spec
from runner.spec.checker import Problem, SpecError
from runner.spec.locust_shape import shape_phases, shape_users_per_second
from runner.spec.overrides import OverrideError, apply_override
from runner.spec.validate import build_spec
from runner.spec.yamlsource import Source, load_yaml
from runner.units import parse_duration_s

SIDECAR_KEYS = ("name", "thresholds", "limits", "aws", "target")


def locust_settings(cwd: Path, environ: Mapping[str, str], config: str | None = None) -> dict[str, str]:
    """Locust's own precedence below the command line: ~/.locust.conf, ./locust.conf, [tool.locust]
    in ./pyproject.toml, the --config file, then LOCUST_* variables (later ones win)."""
    found: dict[str, str] = {}
    files = [Path.home() / ".locust.conf", cwd / "locust.conf", cwd / "pyproject.toml"] + \
        ([Path(config)] if config else [])
    for path in files:
        if not path.is_file():
            if config and path == Path(config):
                raise SpecError([Problem(config, 0, "", "--config: no such file")])
            continue
        if path.suffix == ".toml":
            try:
                table = tomllib.loads(path.read_text(encoding="utf-8")).get("tool", {}).get("locust", {})
            except tomllib.TOMLDecodeError as error:
                raise SpecError([Problem(str(path), 0, "", f"not valid TOML: {error}")]) from None
            found.update({str(k).replace("_", "-"): " ".join(map(str, v)) if isinstance(v, list) else str(v)
                          for k, v in table.items()})
            continue
        parser = configparser.ConfigParser()
        parser.read_string("[locust]\n" + path.read_text(encoding="utf-8"))
        found.update({k.replace("_", "-"): v.strip() for k, v in parser["locust"].items()})
    for key, value in environ.items():
        if key.startswith("LOCUST_"):
            found[key[len("LOCUST_"):].lower().replace("_", "-")] = value
    return found


def check_locustfile(path: Path, options: tuple[str, ...] = ()) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-m", "runner.load.locust_check", str(path), *options],
                          capture_output=True, text=True, timeout=120)
    try:
        described: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise SpecError([Problem(str(path), 0, "", f"could not be read by Locust: {done.stderr.strip()[-500:]}")]) \
            from None
    if "error" in described:
        raise SpecError([Problem(str(path), int(described.get("line") or 0), "", described["error"])])
    return described


@dataclasses.dataclass(frozen=True)
class LocustRun:
    """What the command line, Locust's settings and the file itself decide about a locustfile run."""

    path: Path
    described: dict[str, Any]  # what runner.load.locust_check found in the file
    picked: list[str]  # the User classes named (none: every class)
    host: str | None
    run_time: str | None
    options: tuple[str, ...]  # the file's own command-line options

    @property
    def shapes(self) -> list[str]:
        return list(self.described.get("shapes") or [])

    @property
    def ignores_run_time(self) -> bool:
        """As Locust: -t ends a shape only when it reads the common options (or never ends by itself)."""
        return bool(self.shapes and self.run_time and not self.described.get("shape_common_options")
                    and not self.described.get("endless"))

    def problem(self, message: str, line: int = 0) -> Problem:
        return Problem(str(self.path), line, "", message)


def locust_spec(args: argparse.Namespace, path: Path) -> Spec:
    conf = locust_settings(Path.cwd(), os.environ, getattr(args, "locust_config", None))
    run = _locust_run(args, conf, path)
    problems = _run_problems(run)
    phases = _shape_phases(run) if run.shapes and not problems else []
    if run.shapes and not problems and not phases:
        problems.append(run.problem(f"{run.shapes[0]}.tick() ends the test at once (it returned None at 0 s): "
                                    "there is nothing to run"))
    if problems:
        raise SpecError(problems)
    if not run.shapes:
        users = int(args.users or conf.get("users") or 1)
        spawn_rate = float(args.spawn_rate or conf.get("spawn-rate") or 1)
        phases = [{"name": "locust", "duration": run.run_time, "users": users, "spawn_rate": f"{spawn_rate:g}/s"}]
    document = _document(run, phases, args, conf)
    lines, sidecar_file = _add_sidecar(document, getattr(args, "sidecar", None)) or ({}, str(path))
    locust_exit = "thresholds" not in document
    if locust_exit:  # as Locust: a failed request or a task that raised fails the run
        document["thresholds"] = ["errors == 0", "exceptions == 0"]
    _apply_command_line(document, args, conf, path)
    return _with_notes(build_spec(Source(sidecar_file, document, lines), None), run, args, locust_exit)


def _locust_run(args: argparse.Namespace, conf: dict[str, str], path: Path) -> LocustRun:
    """The file checked, its User classes picked and the host and run time settled, in Locust's
    precedence (the command line, then its settings files and variables, then the class's host)."""
    options = tuple(getattr(args, "locust_options", None) or ())
    described = check_locustfile(path, options)
    classes: dict[str, Any] = described["classes"]
    picked = _picked_classes(path, classes, list(args.user_classes or conf.get("user-classes", "").split()))
    host = args.host or conf.get("host") or next((classes[n]["host"] for n in (picked or classes)
                                                 if classes[n]["host"]), None)
    return LocustRun(path, described, picked, host, args.run_time or conf.get("run-time"), options)


def _picked_classes(path: Path, classes: dict[str, Any], picked: list[str]) -> list[str]:
    """The User classes named (none: every class), refused as Locust refuses them."""
    def refused(message: str) -> SpecError:
        return SpecError([Problem(str(path), 0, "", message)])
    if not classes:
        raise refused("no User class in it (a subclass of HttpUser, FastHttpUser or User with tasks): Locust would "
                      "have nothing to run")
    unknown = [name for name in picked if name not in classes]
    if unknown:
        raise refused(f"no User class named {', '.join(unknown)} (classes: {', '.join(sorted(classes))})")
    running = [classes[n] for n in (picked or classes)]
    if not any((c.get("weight") or 0) > 0 or (c.get("fixed_count") or 0) > 0 for c in running):
        raise refused(f"no User class to run has a weight > 0 or a fixed_count ({', '.join(picked or sorted(classes))})"
                      f": Locust refuses it too ('There are no users with weight > 0.')")
    return picked


def _run_problems(run: LocustRun) -> list[Problem]:
    """Every reason the run cannot be planned: no host, no length, a shape Locust would refuse."""
    problems = []
    if not run.host:
        problems.append(run.problem("no host: pass -H http://HOST (or set host on the User class)"))
    described, shapes = run.described, run.shapes
    if len(shapes) > 1:
        problems.append(run.problem(f"more than one LoadTestShape ({', '.join(shapes)}): Locust, too, runs one; "
                                    "keep one in the file"))
    elif described.get("shape_error"):
        problems.append(run.problem(described["shape_error"], int(described.get("shape_line") or 0)))
    elif shapes and described.get("endless") and not run.run_time:
        problems.append(run.problem(f"{shapes[0]} still has users after 24 h: pass -t to end the run"))
    elif not shapes and not run.run_time:
        problems.append(run.problem("no run time: pass -t (e.g. -t 5m); a Squall run has a planned length"))
    return problems


def _shape_phases(run: LocustRun) -> list[dict[str, Any]]:
    """The shape's users over time as phases, cut at -t when the shape reads it."""
    try:
        limit_s = int(parse_duration_s(run.run_time)) if run.run_time and not run.ignores_run_time else None
    except ValueError as error:
        raise SpecError([run.problem(f"-t {run.run_time}: {error}")]) from None
    return shape_phases(run.shapes[0], shape_users_per_second(run.described["targets"], limit_s))


def _document(run: LocustRun, phases: list[dict[str, Any]], args: argparse.Namespace,
              conf: dict[str, str]) -> dict[str, Any]:
    def tags(text: str) -> list[str]:
        return [t for t in text.replace(",", " ").split() if t]
    path = run.path
    return {
        "name": path.stem if path.stem != "locustfile" else path.resolve().parent.name or "locustfile",
        "target": {"url": run.host},
        "load": {"phases": phases},
        "locust": {"file": str(path.resolve()), "classes": run.picked,
                   "tags": tags(args.tags or conf.get("tags", "")),
                   "exclude_tags": tags(args.exclude_tags or conf.get("exclude-tags", "")),
                   **({"shape": run.shapes[0]} if run.shapes else {}),
                   **({"options": list(run.options)} if run.options else {})},
    }


def _add_sidecar(document: dict[str, Any], sidecar_path: str | None) -> tuple[dict[Any, int], str] | None:
    """The sidecar spec's keys (--spec YAML: thresholds, limits, aws, name, target) over the
    document; its lines and file, for problems to point at."""
    if not sidecar_path:
        return None
    sidecar = load_yaml(Path(sidecar_path).read_text(encoding="utf-8"), sidecar_path)
    data = sidecar.data if isinstance(sidecar.data, dict) else {}
    extra = sorted(set(data) - set(SIDECAR_KEYS))
    if extra:
        raise SpecError([Problem(sidecar_path, sidecar.line_of((extra[0],)), extra[0],
                                 f"a sidecar spec for a locustfile holds {', '.join(SIDECAR_KEYS)}")])
    for key, value in data.items():
        document[key] = {**document["target"], **value} if key == "target" and isinstance(value, dict) else value
    return sidecar.lines, sidecar_path


def _apply_command_line(document: dict[str, Any], args: argparse.Namespace, conf: dict[str, str], path: Path) -> None:
    """--stop-timeout (Locust's time for users to finish their task: Squall's drain) and --set."""
    stop_timeout = getattr(args, "stop_timeout", None) or conf.get("stop-timeout")
    if stop_timeout:
        document["limits"] = {**(document.get("limits") or {}), "drain": f"{stop_timeout}s" if
                              str(stop_timeout).replace(".", "", 1).isdigit() else stop_timeout}
    for assignment in getattr(args, "overrides", None) or ():  # --set, as on a spec (it was ignored here)
        try:
            apply_override(document, assignment)
        except OverrideError as error:
            raise SpecError([Problem(str(path), 0, "", str(error))]) from None


def _with_notes(spec: Spec, run: LocustRun, args: argparse.Namespace, locust_exit: bool) -> Spec:
    """What the run does differently from what the command line asked, said once."""
    notes = list(spec.notes)
    if locust_exit:
        notes.append("no thresholds (--spec YAML gives some): as under Locust, a failed request or a task that "
                     "raised fails the run (exit 1, or --exit-code-on-error)")
    if run.shapes and (args.users or args.spawn_rate):  # as Locust: the shape decides
        notes.append(f"{run.path.name}: LoadTestShape {run.shapes[0]} sets the users and their spawn rate: -u and -r "
                     "are ignored")
    if run.ignores_run_time:
        notes.append(f"{run.path.name}: -t {run.run_time} is ignored, as Locust ignores it: LoadTestShape "
                     f"{run.shapes[0]} ends the test (set use_common_options = True on it to have -t end it sooner)")
    return dataclasses.replace(spec, notes=tuple(notes))
