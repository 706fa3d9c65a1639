"""Load a spec file: YAML with line numbers, validated into frozen values, all problems at once."""
from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

from runner.spec.model import Spec
from runner.spec.checker import Problem, SpecError
from runner.spec.validate import build_spec
from runner.importers.artillery import looks_like_artillery
from runner.spec.overrides import OverrideError, apply_override
from runner.spec.yamlsource import Source, SpecSyntaxError, load_yaml

__all__ = ["Problem", "Spec", "SpecError", "load_spec", "parse_spec"]


def parse_spec(text: str, file: str = "spec.yaml", base_dir: Path | None = None,
               target_url: str | None = None, read_files: bool = True, overrides: tuple[str, ...] = ()) -> Spec:
    """Parse and validate; ``target_url`` replaces target.url (to point a spec elsewhere);
    CSV data is read relative to ``base_dir`` (default: the spec's folder) unless ``read_files`` is off."""
    try:
        source = load_yaml(text, file)
    except SpecSyntaxError as error:
        raise SpecError([Problem(error.file, error.line, "", error.message)]) from None
    notes: list[str] = []
    if looks_like_artillery(source.data):
        from runner.importers.artillery import convert_artillery
        converted, unconverted = convert_artillery(source.data, Path(file).stem, base_dir or Path(file).parent)
        source = Source(f"{file} (converted from Artillery)", converted)
        notes = [f"{file} is an Artillery script, converted (`squall import artillery` writes the spec)"] + \
            [f"not converted: {item}" for item in unconverted]
    for assignment in overrides:
        if not isinstance(source.data, dict):
            break
        try:
            apply_override(source.data, assignment)
        except OverrideError as error:
            raise SpecError([Problem(file, 0, "", str(error))]) from None
    if target_url and isinstance(source.data, dict):
        target = source.data.get("target")
        source.data["target"] = {**target, "url": target_url} if isinstance(target, dict) else {"url": target_url}
    spec = build_spec(source, None) if not read_files else \
        build_spec(source, base_dir if base_dir is not None else Path(file).parent)
    return dataclasses.replace(spec, notes=tuple(notes) + spec.notes) if notes else spec


def select_scenarios(spec: Spec, tags: tuple[str, ...], exclude: tuple[str, ...]) -> Spec:
    """Keep the scenarios with any of ``tags`` (all when none given) and none of ``exclude``."""
    kept = tuple(s for s in spec.scenarios if (not tags or set(tags) & set(s.tags)) and not set(exclude) & set(s.tags))
    if not kept:
        known = sorted({t for s in spec.scenarios for t in s.tags})
        raise SpecError([Problem(spec.file, 0, "scenarios", f"no scenario left after --tags/--exclude-tags "
                                 f"(tags in this spec: {', '.join(known) or 'none'})")])
    if kept == spec.scenarios:
        return spec
    if sum(s.weight for s in kept) <= 0:  # only weight-0 ones picked (Locust's run-when-selected class): evenly
        kept = tuple(dataclasses.replace(s, weight=1.0) for s in kept)
    # The document the workers load holds just these, under the names they had (an unnamed
    # scenario is named by its place in the full list) and with the weights they run with.
    raw = dict(spec.raw or {})
    listed = raw.get("scenarios")
    raw_scenarios: list[Any] = listed if isinstance(listed, list) else []
    chosen = {s.name: s for s in kept}
    raw["scenarios"] = []
    for original, item in zip(spec.scenarios, raw_scenarios, strict=True):
        if original.name in chosen:
            raw["scenarios"].append({**item, "name": original.name, "weight": chosen[original.name].weight})
    return dataclasses.replace(spec, scenarios=kept, raw=raw)


def load_spec(path: str | Path, target_url: str | None = None, overrides: tuple[str, ...] = ()) -> Spec:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise SpecError([Problem(str(path), 0, "", f"cannot read the spec: {error.strerror}")]) from None
    if path.suffix == ".py" or _PYTHON.search(text[:2000]):
        raise SpecError([Problem(str(path), 0, "", "this is Python (a locustfile?), not a spec: Squall runs YAML specs "
                                 "(see examples/quickstart.yaml); a Locust user class becomes a scenario with its "
                                 "weight, its tasks become steps, and wait_time becomes a think")])
    return parse_spec(text, str(path), path.parent, target_url, overrides=overrides)


_PYTHON = re.compile(r"^(?:from \w[\w.]* import |import \w|class \w+\(|def \w+\()", re.MULTILINE)
