"""One region's part of a run across regions, as a spec document: the arrivals (open model) scaled
by the region's share, the users and iterations (closed model) split in whole numbers that add up
to the run's, the rows of a data set read in sequence dealt out so no two regions use one row,
and only the thresholds that name this region, and the run's abort rules (the run's other
thresholds are judged on every region's requests together, runner.results.joined). The document
is the one the CLI uploads, its data inlined (runner.job.spec_document)."""
from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from analysis.regions import apportion
from runner.spec.model import Spec
from runner.spec.validate import build_spec
from runner.spec.yamlsource import Source
from runner.units import parse_rate_per_s


class RegionSplitError(ValueError):
    """The run cannot be split so: a region would get none of a phase that cannot be paused."""


def region_parts(document: Mapping[str, Any], shares: Mapping[str, float],
                 file: str) -> dict[str, tuple[dict[str, Any], Spec]]:
    """Every region's part: its document and the spec built from it (a split that cannot be made
    raises RegionSplitError, a part that is not a valid spec SpecError), before anything starts."""
    parts = {}
    for region in shares:
        part = region_document(document, region, shares)
        parts[region] = part, build_spec(Source(f"{file} ({region}'s part)", part), base_dir=None)
    return parts


def region_document(document: Mapping[str, Any], region: str, shares: Mapping[str, float]) -> dict[str, Any]:
    """``document`` (a spec with its data inlined) as the part ``region`` sends."""
    part = copy.deepcopy(dict(document))
    part.pop("regions", None)
    load = part.get("load") or {}
    load["phases"] = [_phase(phase, index, region, shares) for index, phase in enumerate(load.get("phases") or [])]
    part["data"] = {name: _rows(data, region, shares) for name, data in (part.get("data") or {}).items()}
    if not part["data"]:
        part.pop("data")
    part["thresholds"] = [_unscoped(t) for t in part.get("thresholds") or []
                          if isinstance(t, dict) and (t.get("region") == region or _aborts_anywhere(t))]
    return part


def _phase(phase: Any, index: int, region: str, shares: Mapping[str, float]) -> Any:
    if not isinstance(phase, dict) or phase.get("pause"):
        return phase
    share, out = shares[region], dict(phase)
    if "rate" in phase:
        out["rate"] = _rate(phase["rate"], share)
        if "ramp_to" in phase:
            out["ramp_to"] = _rate(phase["ramp_to"], share)
    elif "users" in phase:
        out["users"] = apportion(int(phase["users"]), shares)[region]
        if "ramp_to" in phase:
            out["ramp_to"] = apportion(int(phase["ramp_to"]), shares)[region]
        if "spawn_rate" in phase:
            out["spawn_rate"] = _rate(phase["spawn_rate"], share)
        if "iterations" in phase:
            out["iterations"] = apportion(int(phase["iterations"]), shares)[region]
    return _paused_if_empty(out, index, region)


def _paused_if_empty(phase: dict[str, Any], index: int, region: str) -> dict[str, Any]:
    """A region left with no users for a timed phase waits it out, so its later phases keep the
    run's timeline; one left with no iterations cannot (the phase ends when they are done)."""
    if "users" not in phase or phase["users"] or phase.get("ramp_to"):
        return phase
    if "iterations" in phase:
        raise RegionSplitError(f"load.phases[{index}]: {region} would get none of its iterations; "
                               "give the phase more iterations or fewer regions")
    return {key: phase[key] for key in ("name", "duration") if key in phase} | {"pause": True}


def _rate(value: Any, share: float) -> str:
    return f"{parse_rate_per_s(value) * share:.9g}/s"


def _rows(data: Any, region: str, shares: Mapping[str, float]) -> Any:
    """A data set read in sequence: this region's block of its rows (every row used once across
    the regions, as across workers); one drawn at random: every row."""
    if not isinstance(data, dict) or data.get("order") != "sequence" or not isinstance(data.get("values"), list):
        return data
    rows = data["values"]
    counts = apportion(len(rows), shares)
    start = sum(counts[name] for name in list(shares)[:list(shares).index(region)])
    if counts[region] == 0:
        raise RegionSplitError(f"a data set read in sequence has {len(rows)} rows: too few for every region to get one")
    return {**data, "values": rows[start:start + counts[region]]}


def _aborts_anywhere(threshold: dict[str, Any]) -> bool:
    """An abort rule of the whole run: every region's part judges it on its own seconds, and stops
    itself when it breaks there (the run is then ABORTED, the region named)."""
    return threshold.get("abort") is True and "region" not in threshold


def _unscoped(threshold: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in threshold.items() if key != "region"}
