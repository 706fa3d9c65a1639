"""Captures: pull a value out of a response (a JSONPath on a JSON body, or a header).
A path that can select several values captures the first in document order
(runner.spec.jsonpath)."""
from __future__ import annotations

import json
from typing import Any

from runner.load.engines.base import Reply
from runner.spec.jsonpath import json_path_steps, select
from runner.spec.model import Capture, Check


class CaptureFailed(Exception):
    pass


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
    for found in select(json_path_steps(capture.expression), parsed[0]):
        return found
    raise CaptureFailed(f"{capture.expression} not found")


def holds(check: Check, reply: Reply, parsed: list[Any]) -> bool:
    """Whether the response holds what the step expects of it besides its status; ``parsed``
    caches the decoded JSON body (shared with the captures)."""
    if check.kind == "content_type":
        return (reply.header("content-type") or "").lower().startswith(check.key.lower())
    if check.kind == "header":
        return reply.header(check.key) == str(check.value)
    if not parsed:
        try:
            parsed.append(json.loads(reply.body))
        except ValueError:
            return False
    found = select(json_path_steps(check.key), parsed[0])
    if check.kind == "has":
        return next(found, _MISSING) is not _MISSING
    return bool(next(found, _MISSING) == check.value)  # json: the first value the path selects


_MISSING = object()
