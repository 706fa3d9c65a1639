"""`--set path=value` overrides applied to a spec's YAML before it is validated:
``load.phases.sustained.rate=200`` (a list item by its name or its index), values read as YAML."""
from __future__ import annotations

from typing import Any

import yaml


class OverrideError(ValueError):
    pass


def apply_override(data: dict[str, Any], assignment: str) -> None:
    path, sep, raw = assignment.partition("=")
    if not sep or not path.strip():
        raise OverrideError(f"--set {assignment!r}: write PATH=VALUE, e.g. load.phases.sustained.rate=200/s")
    try:
        value = yaml.safe_load(raw) if raw.strip() else ""
    except yaml.YAMLError:
        value = raw
    parts = path.strip().split(".")
    node: Any = data
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if isinstance(node, list):
            index = _item_index(node, part, path, ".".join(parts[: i + 1]))
            if last:
                node[index] = value
            else:
                node = node[index]
        elif isinstance(node, dict):
            if last:
                node[part] = value
            else:
                node = node.setdefault(part, {})
        else:
            raise OverrideError(f"--set {path}: {'.'.join(parts[:i])} is a value, not a map or a list")


def _item_index(items: list[Any], part: str, path: str, where: str) -> int:
    """A list's item by its name, or by its index."""
    index = next((n for n, item in enumerate(items) if isinstance(item, dict) and item.get("name") == part), None)
    if index is None and part.isdigit() and int(part) < len(items):
        index = int(part)
    if index is None:
        names = [str(item.get("name")) for item in items if isinstance(item, dict) and "name" in item]
        raise OverrideError(f"--set {path}: no item '{part}' at {where}" +
                            (f" (names: {', '.join(names)})" if names else f" (0 to {len(items) - 1})"))
    return index
