"""Load a spec file: YAML with line numbers, validated into frozen values, all problems at once."""
from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from runner.importers.artillery import looks_like_artillery
from runner.importers.artillery_shape import ScriptError
from runner.spec.artillery_view import ScriptView, in_script_terms
from runner.spec.checker import Problem, SpecError
from runner.spec.model import DataSet, Scenario, Spec, UserClass
from runner.spec.overrides import OverrideError, apply_override
from runner.spec.profiles import apply_profile, profile_names
from runner.spec.validate import build_spec
from runner.spec.yamlsource import MAX_SPEC_CHARS, Source, SpecSyntaxError, dotted, load_yaml

__all__ = ["Problem", "Spec", "SpecError", "load_spec", "parse_spec"]


def parse_spec(text: str, file: str = "spec.yaml", base_dir: Path | None = None,
               target_url: str | None = None, read_files: bool = True, overrides: tuple[str, ...] = (),
               profile: str | None = None, data_root: Path | None = None,
               environ: Mapping[str, str] | None = None) -> Spec:
    """Parse and validate; ``target_url`` replaces target.url (to point a spec elsewhere); with
    ``environ``, `{{ $env.NAME }}` in target.url is read from it (the URL is planned and its host
    checked before anything starts, so it cannot wait for the workers);
    CSV data is read relative to ``base_dir`` (default: the spec's folder), from under it or under
    ``data_root``, unless ``read_files`` is off."""
    try:
        source = load_yaml(text, file)
    except SpecSyntaxError as error:
        raise SpecError([Problem(error.file, error.line, "", error.message)]) from None
    notes: list[str] = []
    if looks_like_artillery(source.data):
        source, notes = _converted_artillery(source, file, base_dir, data_root, environ, overrides)
    _apply_command_line(source, file, profile, overrides, target_url)
    try:
        if environ is not None:
            _target_url_from_environment(source, environ)
        spec = build_spec(source, None) if not read_files else \
            build_spec(source, base_dir if base_dir is not None else Path(file).parent, data_root)
    except SpecError as error:
        raise in_script_terms(error) if isinstance(source, ScriptView) else error from None
    if profile:
        spec = dataclasses.replace(spec, profile=profile)
    return dataclasses.replace(spec, notes=tuple(notes) + spec.notes) if notes else spec


def _converted_artillery(source: Source, file: str, base_dir: Path | None, data_root: Path | None,
                         environ: Mapping[str, str] | None, overrides: tuple[str, ...]) -> tuple[Source, list[str]]:
    """An Artillery script as a spec, its problems at the script's own lines and keys, and the
    notes that say what was converted, left out and built in."""
    from runner.importers.artillery import convert_artillery
    check_artillery_shape(source)
    try:
        given = frozenset(a.split("=", 1)[0].split(".")[1] for a in overrides
                          if a.startswith("data.") and "=" in a and a.split("=", 1)[0].count(".") >= 1)
        converted, unconverted, built_in = convert_artillery(source.data, Path(file).stem,
                                                             base_dir or Path(file).parent, data_root, environ, given)
    except ScriptError as error:
        raise SpecError([Problem(file, source.line_of(error.path), dotted(error.path), error.message)]) from None
    notes = [f"{file} is an Artillery script, converted (`squall import artillery` writes the spec)"] + \
        [f"not converted: {item}" for item in unconverted] + [f"built in: {item}" for item in built_in]
    return ScriptView(file, converted, source), notes


def _apply_command_line(source: Source, file: str, profile: str | None, overrides: tuple[str, ...],
                        target_url: str | None) -> None:
    """The profile, then --set (which may change what the profile brought), then --target: all on
    the document, before it is built."""
    apply_profile(source, profile)
    if not isinstance(source.data, dict):
        return
    for assignment in overrides:
        try:
            apply_override(source.data, assignment)
        except OverrideError as error:
            raise SpecError([Problem(file, 0, "", str(error))]) from None
    if target_url:
        target = source.data.get("target")
        source.data["target"] = {**target, "url": target_url} if isinstance(target, dict) else {"url": target_url}


_ENV_IN_URL = re.compile(r"\{\{\s*\$env\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


def _target_url_from_environment(source: Source, environ: Mapping[str, str]) -> None:
    data = source.data if isinstance(source.data, dict) else {}
    target = data.get("target")
    url = target.get("url") if isinstance(target, dict) else target
    if not isinstance(url, str) or "$env." not in url:
        return
    missing = sorted({name for name in _ENV_IN_URL.findall(url) if name not in environ})
    if missing:
        raise SpecError([Problem(source.file, source.line_of(("target",)), "target.url",
                                 f"uses {', '.join('$env.' + m for m in missing)}, which is not set in the "
                                 f"environment (or pass --target URL)")])
    # Only the origin (scheme, host, port) is resolved here: it is planned and checked against the
    # allowed hosts. A reference in the user:password part, the path or the query stays a template in
    # every file, banner and report, and is put in by each worker from its own environment.
    start = url.find("//") + 2 if "//" in url else 0
    ends = [i for i in (url.find("/", start), url.find("?", start), url.find("#", start)) if i >= 0]
    end = min(ends) if ends else len(url)
    at = url.rfind("@", start, end)
    origin_from = at + 1 if at >= 0 else start

    def resolve(part: str) -> str:
        return _ENV_IN_URL.sub(lambda m: environ[m.group(1)], part)
    resolved = resolve(url[:start]) + url[start:origin_from] + resolve(url[origin_from:end]) + url[end:]
    data["target"] = {**target, "url": resolved} if isinstance(target, dict) else resolved


def not_utf8(file: str, data: bytes, error: UnicodeDecodeError) -> Problem:
    """Where a file stops being UTF-8 text, as a problem with its line and column."""
    line = data.count(b"\n", 0, error.start) + 1
    column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
    return Problem(file, line, "", f"not UTF-8 text: byte 0x{data[error.start]:02x} at column {column} (save the "
                                   f"file as UTF-8)")


def check_artillery_shape(source: Source) -> None:
    """Every value of an Artillery script of a kind Artillery does not read there, located."""
    from runner.importers.artillery_shape import shape_problems
    shape = shape_problems(source.data)
    if shape:
        raise SpecError([Problem(source.file, source.line_of(path), dotted(path), message) for path, message in shape])


def spec_profiles(path: str | Path) -> list[str]:
    """The profile names a spec file defines (none when it cannot be read as YAML)."""
    try:
        return profile_names(load_yaml(Path(path).read_text(encoding="utf-8"), str(path)))
    except (OSError, SpecSyntaxError, UnicodeDecodeError):
        return []


def select_scenarios(spec: Spec, tags: tuple[str, ...], exclude: tuple[str, ...]) -> Spec:
    """Keep the scenarios with any of ``tags`` (all when none given) and none of ``exclude``.
    User classes, as Locust's --tags: a class's tags count for each of its tasks; a class left
    with no task is dropped; a weight-0 class runs only when --tags names one of its own tags."""
    wanted, unwanted = set(tags), set(exclude)

    def keeps(own: set[str]) -> bool:
        return (not wanted or bool(wanted & own)) and not unwanted & own

    classes = _kept_classes(spec, keeps, wanted)
    kept = _kept_scenarios(spec, keeps, classes)
    if not kept or (spec.user_classes and not classes):
        raise _nothing_left(spec)
    if tuple(kept) == spec.scenarios and tuple(classes) == spec.user_classes:
        return spec
    if sum(s.weight for s in kept) <= 0:  # only weight-0 ones picked (Locust's run-when-selected class): evenly
        kept = [dataclasses.replace(s, weight=1.0) for s in kept]
    # One representation: the selection is made on the document, and the spec built from it again
    # (its data inlined, as read: nothing is read twice), so Spec and Spec.raw always agree.
    document = inline_data(_raw_selected(spec, kept, classes), spec.data)
    selected = build_spec(Source(spec.file, document, {}), None)
    return dataclasses.replace(selected, notes=spec.notes, profile=spec.profile)


def inline_data(document: dict[str, Any], data: tuple[DataSet, ...]) -> dict[str, Any]:
    """The document with its data sets as their values (a CSV file as its rows, read once)."""
    if not data:
        return document
    return {**document, "data": {d.name: {"values": list(d.rows), "order": d.order} for d in data}}


def _kept_scenarios(spec: Spec, keeps: Callable[[set[str]], bool], classes: list[UserClass]) -> list[Scenario]:
    """The scenarios the tags keep, and every one a kept class runs (a task or its on_start)."""
    used = {name for k in classes for name, _ in k.tasks} | {k.on_start for k in classes if k.on_start}
    kept_names = {s.name for s in spec.scenarios if keeps(set(s.tags))} | used
    return [s for s in spec.scenarios if s.name in kept_names]


def _nothing_left(spec: Spec) -> SpecError:
    known = sorted({t for s in spec.scenarios for t in s.tags} | {t for k in spec.user_classes for t in k.tags})
    return SpecError([Problem(spec.file, 0, "scenarios", f"no scenario left after --tags/--exclude-tags "
                              f"(tags in this spec: {', '.join(known) or 'none'})")])


def _kept_classes(spec: Spec, keeps: Callable[[set[str]], bool], wanted: set[str]) -> list[UserClass]:
    """The user classes with the tasks left, each class's tags counting for its tasks; only
    weight-0 classes picked by name: run evenly."""
    by_name = {s.name: s for s in spec.scenarios}
    classes: list[UserClass] = []
    for klass in spec.user_classes:
        tasks = tuple((name, w) for name, w in klass.tasks if keeps(set(by_name[name].tags) | set(klass.tags)))
        if tasks and (klass.weight > 0 or bool(wanted & set(klass.tags))):
            classes.append(dataclasses.replace(klass, tasks=tasks))
    if classes and sum(k.weight for k in classes) <= 0:
        classes = [dataclasses.replace(k, weight=1.0) for k in classes]
    return classes


def _raw_selected(spec: Spec, kept: list[Scenario], classes: list[UserClass]) -> dict[str, Any]:
    """The document the workers load, holding just these scenarios, under the names they had (an
    unnamed scenario is named by its place in the full list) and with the weights they run with."""
    raw = dict(spec.raw or {})
    listed = raw.get("scenarios")
    raw_scenarios: list[Any] = listed if isinstance(listed, list) else []
    chosen = {s.name: s for s in kept}
    raw["scenarios"] = [{**item, "name": original.name, "weight": chosen[original.name].weight}
                        for original, item in zip(spec.scenarios, raw_scenarios, strict=True)
                        if original.name in chosen]
    if spec.user_classes:
        listed_classes = raw.get("user_classes")
        raw_classes = {str(k.get("name")): k for k in listed_classes if isinstance(k, dict)} \
            if isinstance(listed_classes, list) else {}
        raw["user_classes"] = [{**raw_classes.get(k.name, {}), "name": k.name, "weight": k.weight,
                                "tasks": dict(k.tasks)} for k in classes]
    return raw


def load_spec(path: str | Path, target_url: str | None = None, overrides: tuple[str, ...] = (),
              profile: str | None = None, data_root: Path | None = None) -> Spec:
    path = Path(path)
    try:
        if path.stat().st_size > 4 * MAX_SPEC_CHARS:  # not even read: load_yaml refuses far less
            raise SpecError([Problem(str(path), 0, "", f"the file is {path.stat().st_size / 1e6:,.0f} MB; a spec is "
                                                       f"at most {MAX_SPEC_CHARS // 1_000_000} MB")])
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise SpecError([Problem(str(path), 0, "", f"cannot read the spec: {error.strerror}")]) from None
    except UnicodeDecodeError as error:
        raise SpecError([not_utf8(str(path), path.read_bytes(), error)]) from None
    if path.suffix == ".py" or _PYTHON.search(text[:2000]):
        raise SpecError([Problem(str(path), 0, "", "this is Python (a locustfile?), not a spec: Squall runs YAML specs "
                                 "(see examples/quickstart.yaml); a Locust user class becomes a scenario with its "
                                 "weight, its tasks become steps, and wait_time becomes a think")])
    return parse_spec(text, str(path), path.parent, target_url, overrides=overrides, profile=profile,
                      data_root=data_root, environ=os.environ)


_PYTHON = re.compile(r"^(?:from \w[\w.]* import |import \w|class \w+\(|def \w+\()", re.MULTILINE)
