"""A converted Artillery script as the spec checker sees it: a problem in the converted spec is
located at the script's own line and named by the script's own keys (`config.phases[0]`, not
`load.phases[0]`; before, every such message pointed at line 1 and spoke Squall's keys)."""
from __future__ import annotations

from typing import Any

from runner.spec.checker import Problem, SpecError
from runner.spec.yamlsource import Path, Source

# (the converted spec's prefix, the script's), the longest first
_PREFIXES: tuple[tuple[Path, Path], ...] = (
    (("target", "url"), ("config", "target")),
    (("target", "timeout"), ("config", "http", "timeout")),
    (("target", "headers"), ("config", "defaults", "headers")),
    (("load", "phases"), ("config", "phases")),
    (("thresholds",), ("config", "ensure")),
    (("profiles",), ("config", "environments")),
    (("data",), ("config", "variables")),
    (("target",), ("config", "target")),
    (("load",), ("config", "phases")),
    (("scenarios",), ("scenarios",)),
)
_FIELDS = tuple((".".join(str(p) for p in ours), ".".join(str(p) for p in theirs)) for ours, theirs in _PREFIXES)


def script_path(path: Path) -> Path:
    for ours, theirs in _PREFIXES:
        if path[:len(ours)] == ours:
            return theirs + path[len(ours):]
    return ("config",)


_PHASE_KEYS = {".rate": ".arrivalRate", ".ramp_to": ".rampTo", ".users": ".arrivalCount"}


def script_field(field: str) -> str:
    for ours, theirs in _FIELDS:
        if field == ours or field.startswith((ours + ".", ours + "[")):
            named = theirs + field[len(ours):]
            if named.startswith("config.phases["):
                for key, script_key in _PHASE_KEYS.items():
                    if named.endswith(key):
                        return named[:-len(key)] + script_key
            return named
    return field


class ScriptView(Source):
    def __init__(self, file: str, data: Any, script: Source) -> None:
        super().__init__(file, data, {})
        self.script = script

    def line_of(self, path: Path) -> int:
        return self.script.line_of(script_path(path))


def in_script_terms(error: SpecError) -> SpecError:
    return SpecError([Problem(p.file, p.line, script_field(p.path), p.message) for p in error.problems])
