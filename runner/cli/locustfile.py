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


def locust_spec(args: argparse.Namespace, path: Path) -> Spec:
    conf = locust_settings(Path.cwd(), os.environ, getattr(args, "locust_config", None))
    options = tuple(getattr(args, "locust_options", None) or ())
    described = check_locustfile(path, options)
    classes: dict[str, Any] = described["classes"]
    if not classes:
        raise SpecError([Problem(str(path), 0, "", "no User class in it (a subclass of HttpUser, FastHttpUser or "
                                 "User with tasks): Locust would have nothing to run")])
    picked = list(args.user_classes or conf.get("user-classes", "").split()) or []
    unknown = [name for name in picked if name not in classes]
    if unknown:
        raise SpecError([Problem(str(path), 0, "", f"no User class named {', '.join(unknown)} "
                                 f"(classes: {', '.join(sorted(classes))})")])
    running = [classes[n] for n in (picked or classes)]
    if running and not any((c.get("weight") or 0) > 0 or (c.get("fixed_count") or 0) > 0 for c in running):
        raise SpecError([Problem(str(path), 0, "", f"no User class to run has a weight > 0 or a fixed_count "
                                 f"({', '.join(picked or sorted(classes))}): Locust refuses it too ('There are no "
                                 f"users with weight > 0.')")])
    host = args.host or conf.get("host") or next((classes[n]["host"] for n in (picked or classes)
                                                 if classes[n]["host"]), None)
    run_time = args.run_time or conf.get("run-time")
    shapes = described.get("shapes") or []
    problems = []
    if not host:
        problems.append(Problem(str(path), 0, "", "no host: pass -H http://HOST (or set host on the User class)"))
    if len(shapes) > 1:
        problems.append(Problem(str(path), 0, "", f"more than one LoadTestShape ({', '.join(shapes)}): Locust, too, "
                                "runs one; keep one in the file"))
    elif described.get("shape_error"):
        problems.append(Problem(str(path), int(described.get("shape_line") or 0), "", described["shape_error"]))
    elif shapes and described.get("endless") and not run_time:
        problems.append(Problem(str(path), 0, "", f"{shapes[0]} still has users after 24 h: pass -t to end the run"))
    elif not shapes and not run_time:
        problems.append(Problem(str(path), 0, "", "no run time: pass -t (e.g. -t 5m); a Squall run has a planned "
                                "length"))
    phases: list[dict[str, Any]] = []
    ignored_run_time = bool(shapes and run_time and not described.get("shape_common_options")
                            and not described.get("endless"))
    if shapes and not problems:
        try:  # as Locust: -t ends a shape only when it reads the common options (or never ends by itself)
            limit_s = int(parse_duration_s(run_time)) if run_time and not ignored_run_time else None
        except ValueError as error:
            raise SpecError([Problem(str(path), 0, "", f"-t {run_time}: {error}")]) from None
        phases = shape_phases(shapes[0], shape_users_per_second(described["targets"], limit_s))
        if not phases:
            problems.append(Problem(str(path), 0, "", f"{shapes[0]}.tick() ends the test at once (it returned None "
                                    "at 0 s): there is nothing to run"))
    if problems:
        raise SpecError(problems)
    if not shapes:
        users = int(args.users or conf.get("users") or 1)
        spawn_rate = float(args.spawn_rate or conf.get("spawn-rate") or 1)
        phases = [{"name": "locust", "duration": run_time, "users": users, "spawn_rate": f"{spawn_rate:g}/s"}]
    document: dict[str, Any] = {
        "name": path.stem if path.stem != "locustfile" else path.resolve().parent.name or "locustfile",
        "target": {"url": host},
        "load": {"phases": phases},
        "locust": {"file": str(path.resolve()), "classes": picked,
                   "tags": [t for t in (args.tags or conf.get("tags", "")).replace(",", " ").split() if t],
                   "exclude_tags": [t for t in (args.exclude_tags or conf.get("exclude-tags", "")).replace(",", " ")
                                    .split() if t],
                   **({"shape": shapes[0]} if shapes else {}), **({"options": list(options)} if options else {})},
    }
    lines: dict[Any, int] = {}
    sidecar_file = str(path)
    if getattr(args, "sidecar", None):
        sidecar = load_yaml(Path(args.sidecar).read_text(encoding="utf-8"), args.sidecar)
        data = sidecar.data if isinstance(sidecar.data, dict) else {}
        extra = sorted(set(data) - set(SIDECAR_KEYS))
        if extra:
            raise SpecError([Problem(args.sidecar, sidecar.line_of((extra[0],)), extra[0],
                                     f"a sidecar spec for a locustfile holds {', '.join(SIDECAR_KEYS)}")])
        for key, value in data.items():
            document[key] = {**document["target"], **value} if key == "target" and isinstance(value, dict) else value
        lines, sidecar_file = sidecar.lines, args.sidecar
    locust_exit = "thresholds" not in document
    if locust_exit:  # as Locust: a failed request or a task that raised fails the run
        document["thresholds"] = ["errors == 0", "exceptions == 0"]
    stop_timeout = getattr(args, "stop_timeout", None) or conf.get("stop-timeout")
    if stop_timeout:  # Locust's time for users to finish their task: Squall's drain
        document["limits"] = {**(document.get("limits") or {}), "drain": f"{stop_timeout}s" if
                              str(stop_timeout).replace(".", "", 1).isdigit() else stop_timeout}
    for assignment in getattr(args, "overrides", None) or ():  # --set, as on a spec (it was ignored here)
        try:
            apply_override(document, assignment)
        except OverrideError as error:
            raise SpecError([Problem(str(path), 0, "", str(error))]) from None
    spec = build_spec(Source(sidecar_file, document, lines), None)
    if locust_exit:
        spec = dataclasses.replace(spec, notes=spec.notes + (
            "no thresholds (--spec YAML gives some): as under Locust, a failed request or a task that raised fails "
            "the run (exit 1, or --exit-code-on-error)",))
    if shapes and (args.users or args.spawn_rate):  # as Locust: the shape decides
        spec = dataclasses.replace(spec, notes=spec.notes + (
            f"{path.name}: LoadTestShape {shapes[0]} sets the users and their spawn rate: -u and -r are ignored",))
    if ignored_run_time:
        spec = dataclasses.replace(spec, notes=spec.notes + (
            f"{path.name}: -t {run_time} is ignored, as Locust ignores it: LoadTestShape {shapes[0]} ends the test "
            f"(set use_common_options = True on it to have -t end it sooner)",))
    return spec
