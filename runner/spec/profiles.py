"""Profiles: variants of one spec (light and full; standard, stress, spike and soak) that
replace parts of it without repeating the scenarios. Selected by `--load-profile NAME` (or
`-e NAME`, as Artillery's environments; `--profile` names AWS credentials).

    profiles:
      stress: {load: {phases: [{duration: 10m, users: 200, spawn_rate: 20/s}]}}
      spike:  {load: {...}, thresholds: [error_rate < 15%]}

A profile's key replaces the spec's (a map's keys are merged one level: `limits: {drain: 30s}`
keeps the other limits). Problems in what a profile brings point at the profile's lines.
"""
from __future__ import annotations

from typing import Any

from runner.spec.checker import Problem, SpecError
from runner.spec.yamlsource import Source

PROFILE_KEYS = ("name", "target", "load", "data", "thresholds", "limits", "aws", "user_classes")


def profile_names(source: Source) -> list[str]:
    profiles = source.data.get("profiles") if isinstance(source.data, dict) else None
    return [str(name) for name in profiles] if isinstance(profiles, dict) else []


def apply_profile(source: Source, name: str | None) -> None:
    """Apply profile ``name`` (None: none) and take the profiles out of the document."""
    data = source.data
    if not isinstance(data, dict) or "profiles" not in data:
        if name:
            raise SpecError([Problem(source.file, 1, "", f"no profile '{name}': this spec has no profiles")])
        return
    profiles = _checked_profiles(source, data.pop("profiles"))
    if not name:
        return
    if name not in profiles:
        raise SpecError([Problem(source.file, source.line_of(("profiles",)), "profiles",
                                 f"no profile '{name}' (profiles: {', '.join(map(str, profiles)) or 'none'})")])
    for key, value in profiles[name].items():
        _replace(source, data, name, key, value)


def _checked_profiles(source: Source, profiles: Any) -> dict[str, dict[str, Any]]:
    """The profiles, refused when they are not a map of maps of keys a profile may replace."""
    if not isinstance(profiles, dict) or not all(isinstance(p, dict) for p in profiles.values()):
        raise SpecError([Problem(source.file, source.line_of(("profiles",)), "profiles",
                                 "must be a map of profile names to the parts they replace "
                                 "(e.g. stress: {load: {phases: [...]}})")])
    problems = [Problem(source.file, source.line_of(("profiles", p, key)), f"profiles.{p}.{key}",
                        f"a profile may replace {', '.join(PROFILE_KEYS)}; not '{key}'")
                for p, body in profiles.items() for key in body if key not in PROFILE_KEYS]
    if problems:
        raise SpecError(problems)
    return profiles


def _replace(source: Source, data: dict[str, Any], name: str, key: str, value: Any) -> None:
    """The profile's key over the spec's (a map merged one level, but load replaced whole), and
    its lines moved over the spec's so that problems point at the profile."""
    base = data.get(key)
    merged = isinstance(base, dict) and isinstance(value, dict) and key != "load"
    data[key] = {**base, **value} if merged and isinstance(base, dict) else value
    if not merged:  # the old lines no longer describe anything
        for path in [p for p in source.lines if p[:1] == (key,)]:
            del source.lines[path]
    prefix = ("profiles", name, key)
    for path, line in list(source.lines.items()):
        if path[:3] == prefix:
            source.lines[(key,) + path[3:]] = line

