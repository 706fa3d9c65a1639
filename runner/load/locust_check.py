"""Import a locustfile in a process of its own and say what it holds (or why it does not
import), as one JSON line. Locust monkey-patches the standard library with gevent when it is
imported: never in the CLI's process, nor in an asyncio worker.

    python -m runner.load.locust_check locustfile.py
    {"classes": {"Api": {"host": "http://…", "weight": 1, "fixed_count": 0, "tags": ["smoke"]}}, "shapes": ["Steps"]}
    {"error": "SyntaxError: invalid syntax", "file": "locustfile.py", "line": 7}
"""
from __future__ import annotations

import contextlib
import io
import json
import sys
import traceback
from pathlib import Path
from typing import Any

MAX_SHAPE_S = 24 * 3600  # a shape is asked at most this far ahead


def locust_options(args: list[str]) -> Any:
    """Locust's parsed options as `locust` parses them (its parser, the file's own options added by
    its init_command_line_parser listeners), without parse_options' deprecation line on stdout."""
    from locust.argument_parser import get_parser
    return get_parser().parse_args(args=args)


def check_options(path: str, options: list[str]) -> dict[str, Any]:
    """The locustfile's own options, parsed by Locust's parser once the file has added them (its
    init_command_line_parser listeners): nothing, or why they are refused, in Locust's words."""
    errors = io.StringIO()
    try:
        with contextlib.redirect_stderr(errors):
            locust_options(["-f", path, "--headless", *options])
    except SystemExit:
        said = [line for line in errors.getvalue().splitlines() if "error:" in line]
        return {"error": f"its options: {said[-1].split('error:', 1)[1].strip() if said else ' '.join(options)}",
                "line": 0, "file": path}
    return {}


def describe(path: str, options: list[str] | None = None) -> dict[str, Any]:
    try:
        from locust.util.load_locustfile import load_locustfile
    except ImportError:
        return {"error": "Locust is not installed: pip install 'squall[locust]' (or pip install locust)", "line": 0,
                "file": path}
    try:
        classes, shapes = load_locustfile(path)
    except SystemExit as stop:  # Locust exits when the file has no User class or cannot be found
        return {"error": f"Locust could not load it (exit {stop.code})", "line": 0, "file": path}
    except BaseException as error:  # noqa: BLE001 - any error of the user's file is reported, with its line
        return {"error": f"{type(error).__name__}: {error}", **_where(error, path)}
    refused = check_options(path, options or [])
    if refused:
        return refused
    planned: dict[str, Any] = {}
    if len(shapes) == 1:
        planned = plan_shape(shapes[0], path)
    return {**planned, "classes": {name: {"host": getattr(cls, "host", None), "weight": getattr(cls, "weight", 1),
                               "fixed_count": getattr(cls, "fixed_count", 0),
                               "tags": sorted({t for task in getattr(cls, "tasks", [])
                                               for t in getattr(task, "locust_tag_set", set())})}
                        for name, cls in classes.items()},
            "shapes": [type(shape).__name__ for shape in shapes],
            # Locust ignores -t, -u and -r with a shape unless the shape says it reads them
            "shape_common_options": any(bool(getattr(shape, "use_common_options", False)) for shape in shapes)}


def plan_shape(shape: Any, path: str) -> dict[str, Any]:
    """A LoadTestShape's targets second by second, asked ahead of the run with its clock set to
    each second in turn, until tick() says the test is over (or MAX_SHAPE_S: ``endless``):
    ``targets`` as runs of [users, spawn_rate, seconds]. Squall plans a run's length, users and cost before it starts; a
    shape whose tick() needs the running test (its users now) cannot be asked ahead."""
    clock = [0.0]
    shape.get_run_time = lambda: clock[0]
    runs: list[list[Any]] = []
    for second in range(MAX_SHAPE_S + 1):
        clock[0] = float(second)
        try:
            value = shape.tick()
        except Exception as error:  # noqa: BLE001 - the user's code: said with its line
            return {"shape_error": f"{type(shape).__name__}.tick() at {second} s: {type(error).__name__}: {error} "
                                   f"(Squall asks a shape for its users ahead of the run, from its run time alone)",
                    **{"shape_line": _where(error, path)["line"]}}
        if value is None:
            return {"shape": type(shape).__name__, "targets": runs}
        users, rate = int(value[0]), float(value[1])
        if runs and runs[-1][:2] == [users, rate]:
            runs[-1][2] += 1
        else:
            runs.append([users, rate, 1])
    return {"shape": type(shape).__name__, "targets": runs, "endless": True}  # -t must end it


def _where(error: BaseException, path: str) -> dict[str, Any]:
    """The line of the user's file the error comes from (a SyntaxError says it itself)."""
    if isinstance(error, SyntaxError) and error.lineno:
        return {"file": error.filename or path, "line": error.lineno}
    target = str(Path(path).resolve())
    for frame in reversed(traceback.extract_tb(error.__traceback__)):
        if str(Path(frame.filename).resolve()) == target:
            return {"file": path, "line": frame.lineno}
    return {"file": path, "line": 0}


if __name__ == "__main__":
    print(json.dumps(describe(sys.argv[1], sys.argv[2:])))
