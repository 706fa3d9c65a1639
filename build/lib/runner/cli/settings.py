"""Defaults for the CLI's options, in order of precedence: the command line, then SQUALL_*
environment variables, then the project's squall.toml or [tool.squall] in pyproject.toml."""
from __future__ import annotations

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


def defaults(folder: Path, env: Mapping[str, str]) -> dict[str, Any]:
    values, source = project_file_settings(folder)
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
    return values
