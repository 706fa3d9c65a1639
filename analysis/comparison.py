"""Two runs side by side: for the whole run and every endpoint, each figure in A and in B, the
change, and whether it is beyond noise (analysis.noise, from the merged histograms and the counts).
Pure: two result documents in, one plain document out (what `squall compare --format json` prints
and the console and the reports render)."""
from __future__ import annotations

from typing import Any

from analysis.histogram import Histogram
from analysis.noise import Judgement, distribution_shift, percentile_shift, proportion_shift, rate_shift

PERCENTILES = (50, 95, 99)


def _identity(result: dict[str, Any]) -> dict[str, Any]:
    return {"run_id": result["run_id"], "spec_name": result["spec_name"], "profile": result.get("profile"),
            "started_at_epoch_s": result.get("started_at_epoch_s"), "duration_s": result["duration_s"],
            "verdict": result["verdict"]["status"], "backend": result.get("backend", "local")}


def _judged(judgement: Judgement) -> dict[str, Any]:
    return {"beyond_noise": judgement.beyond_noise, "method": judgement.method, "detail": judgement.detail}


def _relative(a: float, b: float) -> float | None:
    return (b - a) / a if a else (0.0 if b == 0 else None)


def _metrics(sa: dict[str, Any], sb: dict[str, Any], duration_a_s: float, duration_b_s: float) -> list[dict[str, Any]]:
    ha, hb = Histogram.decode(sa["histogram"]), Histogram.decode(sb["histogram"])
    rows: list[dict[str, Any]] = [
        {"metric": "requests", "unit": "count", "a": sa["requests"], "b": sb["requests"],
         "change": _relative(sa["requests"], sb["requests"]), "judged": None},
        {"metric": "rps", "unit": "per_s", "a": sa["rps"], "b": sb["rps"], "change": _relative(sa["rps"], sb["rps"]),
         "judged": _judged(rate_shift(sa["requests"], duration_a_s, sb["requests"], duration_b_s))},
        {"metric": "errors", "unit": "count", "a": sa["errors"], "b": sb["errors"],
         "change": _relative(sa["errors"], sb["errors"]), "judged": None},
        {"metric": "error_rate", "unit": "fraction", "a": sa["error_rate"], "b": sb["error_rate"],
         "change": sb["error_rate"] - sa["error_rate"],  # in points, not relative
         "judged": _judged(proportion_shift(sa["errors"], sa["requests"], sb["errors"], sb["requests"]))},
    ]
    for percent in PERCENTILES:
        a, b = sa["latency"][f"p{percent}_ms"], sb["latency"][f"p{percent}_ms"]
        rows.append({"metric": f"p{percent}", "unit": "ms", "a": a, "b": b, "change": _relative(a, b),
                     "judged": _judged(percentile_shift(ha, hb, percent))})
    rows.append({"metric": "max", "unit": "ms", "a": sa["latency"]["max_ms"], "b": sb["latency"]["max_ms"],
                 "change": _relative(sa["latency"]["max_ms"], sb["latency"]["max_ms"]),
                 "judged": None})  # one sample each: no test can judge it
    rows.append({"metric": "latency distribution", "unit": "", "a": None, "b": None, "change": None,
                 "judged": _judged(distribution_shift(ha, hb))})
    return rows


def _scope(name: str, sa: dict[str, Any] | None, sb: dict[str, Any] | None, duration_a_s: float,
           duration_b_s: float) -> dict[str, Any]:
    if sa is None or sb is None:
        present = sa or sb
        assert present is not None
        return {"scope": name, "only_in": "B" if sa is None else "A",
                "requests": present["requests"], "metrics": []}
    return {"scope": name, "only_in": None, "metrics": _metrics(sa, sb, duration_a_s, duration_b_s)}


def compare_runs(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """The comparison of run A (before) with run B (after)."""
    da, db = float(a["duration_s"]), float(b["duration_s"])
    scopes = [_scope("overall", a["overall"], b["overall"], da, db)]
    for name in sorted(set(a["endpoints"]) | set(b["endpoints"])):
        scopes.append(_scope(name, a["endpoints"].get(name), b["endpoints"].get(name), da, db))
    beyond = [f"{s['scope']} {m['metric']}" for s in scopes for m in s["metrics"]
              if m["judged"] and m["judged"]["beyond_noise"]]
    return {"a": _identity(a), "b": _identity(b), "scopes": scopes, "beyond_noise": beyond}


def change_text(row: dict[str, Any]) -> str:
    """A row's change as people read it: +12.5%, +0.40pp, 'new'."""
    change = row["change"]
    if row["metric"] == "latency distribution":
        return ""
    if change is None:
        return "new"
    if row["metric"] == "error_rate":
        return f"{change * 100:+.2f}pp"
    return f"{change:+.1%}"


def value_text(row: dict[str, Any], side: str) -> str:
    """A value with its unit: counts as integers, rates with one decimal, times in ms."""
    value = row[side]
    if value is None:
        return ""
    if row["unit"] == "count":
        return f"{int(value):,}"
    if row["unit"] == "fraction":
        return f"{value:.2%}"
    if row["unit"] == "per_s":
        return f"{value:,.1f}/s"
    return f"{value:,.1f} ms"


def noise_text(row: dict[str, Any]) -> str:
    judged = row["judged"]
    if judged is None:
        return "not judged"
    if judged["beyond_noise"] is None:
        return "too little data"
    return ("BEYOND NOISE" if judged["beyond_noise"] else "within noise") + f" ({judged['detail']})"
