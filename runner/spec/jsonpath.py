"""JSONPath as people write it in captures: compiled when the spec is validated, evaluated on
each response body.

The forms people write (RFC 9535's segments without filters): `$.a.b`, `$['a']`,
`$.items[0]`, `$.items[-1]`, `$.items[*].id`, `$.*`, `$..id` (any depth), `$.items[1:3]`.
A path that can select several values captures the first in document order. Filters
(`[?(...)]`) and unions are refused when the spec is validated, never inside the run.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

_NAME = r"[A-Za-z_$][\w$-]*"
_SEGMENT = re.compile(
    rf"(?P<descend>\.\.)?(?:\.?\[(?P<index>-?\d+)\]|\.?\[(?P<slice>-?\d*:-?\d*)\]|\.?\[\*\]|\.\*|(?<=\.\.)\*"
    rf"|\.?\['(?P<quoted>[^']*)'\]|\.?\[\"(?P<double>[^\"]*)\"\]|(?:\.|(?<=\.\.))(?P<name>{_NAME}))")
SUPPORTED = "$.a.b, $['a'], $.items[0], $.items[-1], $.items[*].id, $..id, $.items[1:3]"

Step = tuple[str, Any]  # ("key", name) | ("index", n) | ("all", None) | ("slice", (a, b)); "deep " prefixed for ..


@lru_cache(maxsize=1024)
def json_path_steps(expression: str) -> tuple[Step, ...]:
    """`$.items[0].id` -> (("key", "items"), ("index", 0), ("key", "id")); ValueError (with the
    forms that are supported) when it is not a path this reads."""
    if not expression.startswith("$"):
        raise ValueError(f"a JSONPath starts with $, got '{expression}' (e.g. $.data.id)")
    steps: list[Step] = []
    position = 1
    while position < len(expression):
        match = _SEGMENT.match(expression, position)
        if not match or match.end() == position:
            rest = expression[position:]
            what = "filters ([?(...)]) are not supported" if rest.lstrip(".").startswith("[?") else \
                f"cannot read '{rest}'"
            raise ValueError(f"JSONPath {expression}: {what} (supported: {SUPPORTED})")
        steps.append(_step(match))
        position = match.end()
    return tuple(steps)


def _step(match: re.Match[str]) -> Step:
    """One segment as a step: a key, an index, a slice, or every child ("deep " for ``..``)."""
    deep = "deep " if match["descend"] else ""
    if match["index"] is not None:
        return deep + "index", int(match["index"])
    if match["slice"] is not None:
        low, high = match["slice"].split(":")
        return deep + "slice", (int(low) if low else None, int(high) if high else None)
    key = next((match[group] for group in ("name", "quoted", "double") if match[group] is not None), None)
    return (deep + "key", key) if key is not None else (deep + "all", None)


def _children(value: Any) -> Iterator[Any]:
    if isinstance(value, dict):
        yield from value.values()
    elif isinstance(value, list):
        yield from value


def _descendants(value: Any) -> Iterator[Any]:
    """The value and everything under it, in document order."""
    yield value
    for child in _children(value):
        yield from _descendants(child)


def _select(kind: str, argument: Any, value: Any) -> Iterator[Any]:
    if kind == "key":
        if isinstance(value, dict) and argument in value:
            yield value[argument]
    elif kind == "index":
        if isinstance(value, list) and -len(value) <= argument < len(value):
            yield value[argument]
    elif kind == "slice":
        if isinstance(value, list):
            yield from value[argument[0]:argument[1]]
    else:
        yield from _children(value)


def select(steps: tuple[Step, ...], value: Any) -> Iterator[Any]:
    """Every value the path selects, in document order (lazily: a capture takes the first)."""
    if not steps:
        yield value
        return
    (kind, argument), rest = steps[0], steps[1:]
    if kind.startswith("deep "):
        for node in _descendants(value):
            for selected in _select(kind[5:], argument, node):
                yield from select(rest, selected)
    else:
        for selected in _select(kind, argument, value):
            yield from select(rest, selected)


