"""`squall run locustfile.py`: Locust's own vocabulary (-u, -r, -t, -H, --tags, --exclude-tags,
user class names, --csv, --html, locust.conf and LOCUST_* variables), headless always, beside
Squall's options; thresholds, limits and the aws section come from a small sidecar spec
(--spec). The file is imported first in a process of its own (runner.load.locust_check): one
that does not import is refused with its file:line, and nothing starts."""
from __future__ import annotations

import argparse
import dataclasses
import configparser
import json
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from runner.spec import Spec
from runner.spec.checker import Problem, SpecError
from runner.spec.locust_shape import shape_phases, shape_users_per_second
from runner.spec.validate import build_spec
from runner.spec.yamlsource import Source, load_yaml
from runner.units import parse_duration_s

SIDECAR_KEYS = ("name", "thresholds", "limits", "aws", "target")


def locust_settings(cwd: Path, environ: Mapping[str, str]) -> dict[str, str]:
    """locust.conf (or ~/.locust.conf), then LOCUST_* variables: Locust's own precedence below the CLI."""
    found: dict[str, str] = {}
    for path in (Path.home() / ".locust.conf", cwd / "locust.conf"):
        if path.is_file():
            parser = configparser.ConfigParser()
            parser.read_string("[locust]\n" + path.read_text(encoding="utf-8"))
            found.update({k.replace("_", "-"): v.strip() for k, v in parser["locust"].items()})
    for key, value in environ.items():
        if key.startswith("LOCUST_"):
            found[key[len("LOCUST_"):].lower().replace("_", "-")] = value
    return found


def check_locustfile(path: Path) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-m", "runner.load.locust_check", str(path)], capture_output=True,
                          text=True, timeout=120)
    try:
        described: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise SpecError([Problem(str(path), 0, "", f"could not be read by Locust: {done.stderr.strip()[-500:]}")]) \
            from None
    if "error" in described:
        raise SpecError([Problem(str(path), int(described.get("line") or 0), "", described["error"])])
    return described


def locust_spec(args: argparse.Namespace, path: Path) -> Spec:
    conf = locust_settings(Path.cwd(), os.environ)
    described = check_locustfile(path)
    classes: dict[str, Any] = described["classes"]
    if not classes:
        raise SpecError([Problem(str(path), 0, "", "no User class in it (a subclass of HttpUser, FastHttpUser or "
                                 "User with tasks): Locust would have nothing to run")])
    picked = list(args.user_classes or conf.get("user-classes", "").split()) or []
    unknown = [name for name in picked if name not in classes]
    if unknown:
        raise SpecError([Problem(str(path), 0, "", f"no User class named {', '.join(unknown)} "
                                 f"(classes: {', '.join(sorted(classes))})")])
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
    if shapes and not problems:
        try:
            limit_s = int(parse_duration_s(run_time)) if run_time else None
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
                   **({"shape": shapes[0]} if shapes else {})},
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
    spec = build_spec(Source(sidecar_file, document, lines), None)
    if shapes and (args.users or args.spawn_rate):  # as Locust: the shape decides
        spec = dataclasses.replace(spec, notes=spec.notes + (
            f"{path.name}: LoadTestShape {shapes[0]} sets the users and their spawn rate: -u and -r are ignored",))
    return spec
