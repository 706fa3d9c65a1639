"""The problem collector every spec rule reports into: every problem at once, each with
file, line, field path, what is wrong and a hint."""
from __future__ import annotations

import difflib
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from runner.spec.yamlsource import Path, Source, dotted
from runner.templating import Template

T = TypeVar("T")




@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class SpecError(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


class Checker:
    def __init__(self, source: Source) -> None:
        self.source = source
        self.problems: list[Problem] = []
        self.unread_data: set[str] = set()  # data sets whose file failed (already reported): their columns unknown

    def problem(self, path: Path, message: str) -> None:
        self.problems.append(Problem(self.source.file, self.source.line_of(path), dotted(path), message))

    def mapping(self, path: Path, value: Any, allowed: tuple[str, ...], required: tuple[str, ...] = ()) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.problem(path, f"must be a map, got {kind_of(value)}")
            return {}
        for key in value:
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
                hint = f"did you mean '{close[0]}'?" if close else f"allowed: {', '.join(allowed)}"
                self.problem(path + (key,), f"unknown key ({hint})")
        for key in required:
            if key not in value:
                self.problem(path, f"missing required key '{key}'")
        return value

    def convert(self, path: Path, value: Any, parse: Callable[[Any], T], default: T) -> T:
        try:
            return parse(value)
        except (ValueError, TypeError) as error:
            self.problem(path, str(error))
            return default

    def text(self, path: Path, value: Any, default: str = "") -> str:
        if not isinstance(value, str) or not value.strip():
            self.problem(path, f"must be a non-empty string, got {kind_of(value)}")
            return default
        return value

    def number(self, path: Path, value: Any, minimum: float, default: float, integer: bool = False) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (integer and not isinstance(value, int)):
            self.problem(path, f"must be {'a whole number' if integer else 'a number'}, got {kind_of(value)}")
            return default
        if not math.isfinite(value):
            self.problem(path, f"must be a finite number, got {value}")
            return default
        if value < minimum:
            self.problem(path, f"must be >= {minimum:g}, got {value}")
            return default
        return float(value)


def kind_of(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, str):  # quoted in full only when short: a file read as a spec is not echoed back
        return f"'{value}'" if len(value) <= 60 and "\n" not in value else f"text of {len(value):,} characters"
    return {dict: "a map", list: "a list", bool: f"{value}"}.get(type(value), repr(value)[:60])


def pairs(c: Checker, path: Path, value: Any) -> tuple[tuple[str, Template | str], ...]:
    if not isinstance(value, dict):
        c.problem(path, f"must be a map of names to values, got {kind_of(value)}")
        return ()
    pairs: list[tuple[str, Template | str]] = []
    for key, item in value.items():
        if isinstance(item, (dict, list)) or item is None:
            c.problem(path + (key,), f"must be a plain value, got {kind_of(item)}")
            continue
        text = str(item).lower() if isinstance(item, bool) else str(item)
        template = Template(text)
        pairs.append((key, text if template.is_constant else template))
    return tuple(pairs)
