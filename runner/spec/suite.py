"""Suite files: several tests run one after another, with one summary and one exit code.

    suite: release-gate
    tests:
      - health.yaml                                   # a spec beside this file
      - {spec: api.yaml, load_profile: stress}
      - {spec: api.yaml, set: [load.phases.0.duration=30s], tags: smoke, name: api smoke}

`squall run a.yaml b.yaml` is a suite of its specs, too.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from runner.spec.checker import Checker, SpecError
from runner.spec.yamlsource import Source, SpecSyntaxError, load_yaml

SUITE_KEYS = ("suite", "tests")
SUITE_TEST_KEYS = ("spec", "name", "load_profile", "set", "tags", "exclude_tags")


@dataclass(frozen=True)
class SuiteTest:
    name: str
    spec: Path
    load_profile: str | None = None
    overrides: tuple[str, ...] = ()
    tags: str | None = None
    exclude_tags: str | None = None


def is_suite_file(path: Path) -> bool:
    try:
        data = load_yaml(path.read_text(encoding="utf-8"), str(path)).data
    except (OSError, UnicodeDecodeError, SpecSyntaxError):
        return False
    return isinstance(data, dict) and "suite" in data and "tests" in data


def load_suite(path: Path) -> tuple[str, list[SuiteTest]]:
    source: Source = load_yaml(path.read_text(encoding="utf-8"), str(path))
    c = Checker(source)
    top = c.mapping((), source.data, SUITE_KEYS, required=("suite", "tests"))
    name = c.text(("suite",), top.get("suite"), path.stem)
    items = top.get("tests")
    if not isinstance(items, list) or not items:
        c.problem(("tests",), "must be a non-empty list of specs (a file name, or {spec: FILE, load_profile: NAME})")
        items = []
    tests = [test for i, raw in enumerate(items) if (test := _suite_test(c, path, i, raw)) is not None]
    if c.problems:
        raise SpecError(sorted(c.problems, key=lambda p: p.line))
    return name, tests


def _suite_test(c: Checker, path: Path, i: int, raw: Any) -> SuiteTest | None:
    """One entry of ``tests``: a file name, or a map of its spec, profile, overrides and tags."""
    here = ("tests", i)
    entry: dict[str, Any] = {"spec": raw} if isinstance(raw, str) else \
        c.mapping(here, raw, SUITE_TEST_KEYS, required=("spec",))
    if "spec" not in entry:
        return None
    spec = path.parent / c.text(here + ("spec",), entry["spec"], "")
    if not spec.is_file():
        c.problem(here + ("spec",) if isinstance(raw, dict) else here, f"no such spec file: {spec}")
        return None
    overrides = entry.get("set", [])
    if not isinstance(overrides, list) or not all(isinstance(o, str) for o in overrides):
        c.problem(here + ("set",), "must be a list of PATH=VALUE overrides")
        overrides = []
    profile = entry.get("load_profile")
    label = str(entry.get("name") or (f"{spec.stem} ({profile})" if profile else spec.stem))
    return SuiteTest(label, spec, str(profile) if profile else None, tuple(overrides),
                     _words(entry["tags"]) if "tags" in entry else None,
                     _words(entry["exclude_tags"]) if "exclude_tags" in entry else None)


def _words(value: object) -> str:
    """Tags as `smoke` or `a,b`, or as a list (`[smoke, api]`): kept as `a,b`."""
    return ",".join(str(v) for v in value) if isinstance(value, list) else str(value)
