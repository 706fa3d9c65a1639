"""`{{ name }}` templates in URLs, headers, query strings and bodies, compiled once at load.

Rendering is on the hot path: a compiled template is a tuple of literal and variable parts.
Built-in variables: `$uuid`, `$worker`, `$iteration`, `$random_int(LOW,HIGH)`, `$random_string(LENGTH)`, and
`$env.NAME` (an environment variable of the local run, read in the worker like a secret).
"""
from __future__ import annotations

import random
import re
import uuid
from collections.abc import Mapping
from typing import Any

_VARIABLE = re.compile(r"\{\{\s*([^{}]+?)\s*\}\}")
SECRET = re.compile(r"^secret:(ssm|secretsmanager):(.+)$")  # {{ secret:ssm:/path }}, resolved in the worker
_RANDOM_INT = re.compile(r"^\$random_int\(\s*(-?\d+)\s*,\s*(-?\d+)\s*\)$")
_RANDOM_STRING = re.compile(r"^\$random_string\(\s*(\d+)\s*\)$")
_ALPHANUMERIC = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
MAX_RANDOM_STRING = 4096
ENV = re.compile(r"^\$env\.([A-Za-z_][A-Za-z0-9_]*)$")  # {{ $env.API_KEY }}, resolved in the worker
BUILT_INS = ("$uuid", "$worker", "$iteration", "$random_int(LOW,HIGH)", "$random_string(LENGTH)", "$env.NAME")


def unknown_built_in(name: str) -> str | None:
    """Why a `$name` is not one of the built-ins (with the nearest spelling), or None when it is."""
    if name in ("$uuid", "$worker", "$iteration") or ENV.match(name):
        return None
    length = _RANDOM_STRING.match(name)
    if length:
        return None if 0 < int(length[1]) <= MAX_RANDOM_STRING else \
            f"$random_string(LENGTH) needs a length from 1 to {MAX_RANDOM_STRING:,}, got {length[1]}"
    bounds = _RANDOM_INT.match(name)
    if bounds:  # its bounds checked here: a low above the high made every such scenario vanish at run time
        low, high = int(bounds[1]), int(bounds[2])
        return None if low <= high else f"$random_int(LOW, HIGH) needs LOW <= HIGH, got {low} > {high}"
    if name.startswith("$processEnvironment."):  # Artillery's spelling
        return f"Artillery's $processEnvironment is written {{{{ $env.{name.split('.', 1)[1]} }}}} here"
    if name.startswith("$env"):
        return "an environment variable is written {{ $env.NAME }} (letters, digits and _)"
    return f"not a built-in (they are: {', '.join(BUILT_INS)})"


class MissingVariable(KeyError):
    pass


class Template:
    __slots__ = ("parts", "source", "variables")

    def __init__(self, source: str) -> None:
        self.source = source
        parts: list[tuple[bool, str]] = []
        position = 0
        for match in _VARIABLE.finditer(source):
            if match.start() > position:
                parts.append((False, source[position:match.start()]))
            parts.append((True, match[1]))
            position = match.end()
        if position < len(source):
            parts.append((False, source[position:]))
        self.parts = tuple(parts)
        self.variables = tuple(name for is_var, name in parts if is_var)

    @property
    def is_constant(self) -> bool:
        return not self.variables

    def render(self, variables: Mapping[str, Any], rng: random.Random) -> str:
        if not self.variables:
            return self.source
        out: list[str] = []
        for is_var, text in self.parts:
            out.append(str(lookup(text, variables, rng)) if is_var else text)
        return "".join(out)


def lookup(name: str, variables: Mapping[str, Any], rng: random.Random) -> Any:
    if name in variables:
        return variables[name]
    if name == "$uuid":
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))
    match = _RANDOM_INT.match(name)
    if match:
        return rng.randint(int(match[1]), int(match[2]))
    match = _RANDOM_STRING.match(name)
    if match:  # letters and digits
        return "".join(rng.choices(_ALPHANUMERIC, k=int(match[1])))
    raise MissingVariable(name)


def compile_value(value: Any) -> Any:
    """Replace every string inside a JSON-like value by a Template (or keep it if constant)."""
    if isinstance(value, str):
        template = Template(value)
        return value if template.is_constant else template
    if isinstance(value, list):
        return [compile_value(item) for item in value]
    if isinstance(value, dict):
        return {key: compile_value(item) for key, item in value.items()}
    return value


def render_value(value: Any, variables: Mapping[str, Any], rng: random.Random) -> Any:
    if isinstance(value, Template):
        # A template that is exactly one variable keeps that variable's type (numbers in JSON).
        if len(value.parts) == 1 and value.parts[0][0]:
            return lookup(value.parts[0][1], variables, rng)
        return value.render(variables, rng)
    if isinstance(value, list):
        return [render_value(item, variables, rng) for item in value]
    if isinstance(value, dict):
        return {key: render_value(item, variables, rng) for key, item in value.items()}
    return value


def variables_in(value: Any) -> set[str]:
    if isinstance(value, Template):
        return set(value.variables)
    if isinstance(value, list):
        return set().union(*(variables_in(v) for v in value)) if value else set()
    if isinstance(value, dict):
        return set().union(*(variables_in(v) for v in value.values())) if value else set()
    return set()
