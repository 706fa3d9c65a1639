"""Captures: pull a value out of a response (JSONPath-style on a JSON body, or a header)."""
from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

from runner.load.engines.base import Reply
from runner.spec.model import Capture

_TOKEN = re.compile(r"\.([A-Za-z_$][\w$-]*)|\[(\d+)\]|\['([^']*)'\]|\[\"([^\"]*)\"\]")


class CaptureFailed(Exception):
    pass


@lru_cache(maxsize=1024)
def json_path_steps(expression: str) -> tuple[str | int, ...]:
    """`$.items[0].id` -> ("items", 0, "id"); ValueError when it is not of that form."""
    if not expression.startswith("$"):
        raise ValueError(f"a JSONPath starts with $: {expression!r}")
    steps: list[str | int] = []
    position = 1
    while position < len(expression):
        match = _TOKEN.match(expression, position)
        if not match:
            raise ValueError(f"cannot read {expression!r} at {expression[position:]!r}")
        name, index, quoted, double = match.groups()
        steps.append(int(index) if index is not None else (name or quoted or double or ""))
        position = match.end()
    return tuple(steps)


def extract(capture: Capture, reply: Reply, parsed: list[Any]) -> Any:
    """The captured value; ``parsed`` caches the decoded JSON body across captures."""
    if capture.source == "header":
        value = reply.header(capture.expression)
        if value is None:
            raise CaptureFailed(f"no header {capture.expression}")
        return value
    if not parsed:
        try:
            parsed.append(json.loads(reply.body))
        except ValueError:
            raise CaptureFailed("body is not JSON") from None
    value = parsed[0]
    for step in json_path_steps(capture.expression):
        try:
            value = value[step]
        except (KeyError, IndexError, TypeError):
            raise CaptureFailed(f"{capture.expression} not found") from None
    return value
