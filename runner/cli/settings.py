"""Defaults for the CLI's options, in order of precedence: the command line, then SQUALL_*
environment variables, then the project's squall.toml or [tool.squall] in pyproject.toml.

The project is found from the current folder upwards: the nearest folder with a squall.toml (or a
pyproject.toml with [tool.squall]), else the repository's root (the nearest folder with .git), else
the current folder. Its results store is ``squall-runs`` there, whatever subfolder a command runs
in (a relative ``store`` in squall.toml is read from squall.toml's folder), so a project has one
history: `squall runs`, `squall console` and `squall run` in any of its folders see the same runs."""
from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

KEYS = {"store": str, "stack": str, "region": str, "profile": str, "workers": int, "engine": str,
        "target": str, "tags": str, "exclude_tags": str, "set": str, "load_profile": str,
        "sidecar": str, "data_root": str}  # a locustfile run's thresholds, limits and aws: the sidecar spec --spec names


class SettingsError(ValueError):
    pass


def project_file_settings(folder: Path) -> tuple[dict[str, Any], str | None]:
    for name, table in (("squall.toml", None), ("pyproject.toml", ("tool", "squall"))):
        path = folder / name
        if not path.is_file():
            continue
        try:
            data: Any = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as error:
            raise SettingsError(f"{path}: {error}") from None
        for key in table or ():
            data = data.get(key, {}) if isinstance(data, dict) else {}
        if data:
            return dict(data), str(path)
    return {}, None


def project_root(start: Path) -> tuple[Path, dict[str, Any], str | None]:
    """(the project's folder, its settings, the file they came from) seen from ``start``."""
    start = start.resolve()
    for folder in (start, *start.parents):
        values, source = project_file_settings(folder)
        if source is not None:
            return folder, values, source
        if (folder / ".git").exists():
            return folder, {}, None
    return start, {}, None


def defaults(folder: Path, env: Mapping[str, str]) -> dict[str, Any]:
    root, values, source = project_root(folder)
    unknown = sorted(set(values) - set(KEYS))
    if unknown:
        raise SettingsError(f"{source}: unknown setting {', '.join(unknown)} (known: {', '.join(KEYS)})")
    for key, kind in KEYS.items():
        variable = "SQUALL_" + key.upper()
        if variable in env:
            values[key] = env[variable]
        if key in values:
            try:
                values[key] = kind(values[key])
            except (TypeError, ValueError):
                raise SettingsError(f"{variable if variable in env else source}: {key} must be "
                                    f"{'a whole number' if kind is int else 'text'}, got {values[key]!r}") from None
    if "SQUALL_STORE" not in env:  # the command line's and the environment's are read from the current folder
        values["store"] = _shown(Path(os.path.normpath(root / values.get("store", "squall-runs"))), folder)
    return values


def _shown(path: Path, folder: Path) -> str:
    """A path as short as it can be said from ``folder`` (./squall-runs stays "squall-runs")."""
    try:
        return str(path.relative_to(folder.resolve()))
    except ValueError:
        return str(path)
