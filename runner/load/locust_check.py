"""Import a locustfile in a process of its own and say what it holds (or why it does not
import), as one JSON line. Locust monkey-patches the standard library with gevent when it is
imported: never in the CLI's process, nor in an asyncio worker.

    python -m runner.load.locust_check locustfile.py
    {"classes": {"Api": {"host": "http://…", "weight": 1, "fixed_count": 0, "tags": ["smoke"]}}, "shapes": ["Steps"]}
    {"error": "SyntaxError: invalid syntax", "file": "locustfile.py", "line": 7}
"""
from __future__ import annotations

import json
import sys
import traceback
from pathlib import Path
from typing import Any


def describe(path: str) -> dict[str, Any]:
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
    return {"classes": {name: {"host": getattr(cls, "host", None), "weight": getattr(cls, "weight", 1),
                               "fixed_count": getattr(cls, "fixed_count", 0),
                               "tags": sorted({t for task in getattr(cls, "tasks", [])
                                               for t in getattr(task, "locust_tag_set", set())})}
                        for name, cls in classes.items()},
            "shapes": [type(shape).__name__ for shape in shapes]}


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
    print(json.dumps(describe(sys.argv[1])))
