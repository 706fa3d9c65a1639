"""Human units in specs: durations (`90s`, `5m`, `1h`, `4m30s`, `250ms`), rates (`100/s`, `6000/min`),
percentages (`1%`), sizes (`10MB`). Each parser returns a plain number in the unit its name says, or raises
ValueError with a hint."""
from __future__ import annotations

import calendar
import math
import re
import time

MAX_DURATION_S = 7 * 86400.0  # any duration a spec gives (a phase, a think, a timeout): at most a week
MAX_RATE_PER_S = 1_000_000.0  # arrivals per second a spec may ask for

_ONE_DURATION = r"\s*(\d+(?:\.\d+)?)\s*(ms|s|sec|m|min|h)?\s*"
_COMPOUND_DURATION = r"\s*(?:\d+(?:\.\d+)?\s*(?:ms|h|m|s)\s*){2,}"
_DURATION = re.compile(f"^{_ONE_DURATION}$")
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|h|m|s)")
_COMPOUND = re.compile(f"^{_COMPOUND_DURATION}$")
_DURATION_S = {"ms": 0.001, "s": 1.0, "sec": 1.0, None: 1.0, "m": 60.0, "min": 60.0, "h": 3600.0}
_RATE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:/\s*(s|sec|m|min|h))?\s*$")
_RATE_PER_S = {"s": 1.0, "sec": 1.0, None: 1.0, "m": 1 / 60, "min": 1 / 60, "h": 1 / 3600}
# What the parsers below accept as text, as JSON Schema (ECMA-262) patterns, for the spec schema
_ANY_DURATION = f"(?:{_ONE_DURATION}|{_COMPOUND_DURATION})"
DURATION_PATTERN = f"^{_ANY_DURATION}$"
DURATION_RANGE_PATTERN = f"^{_ANY_DURATION}(?:\\.\\.{_ANY_DURATION})?$"
RATE_PATTERN = _RATE.pattern
SHARE_PATTERN = r"^\s*\d+(?:\.\d+)?\s*%?\s*$"
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|KiB|MiB|GiB)?\s*$", re.IGNORECASE)
_SIZE_BYTES = {"b": 1, "kb": 1000, "mb": 1000**2, "gb": 1000**3, "kib": 1024, "mib": 1024**2, "gib": 1024**3, None: 1}
SIZE_PATTERN = _SIZE.pattern
MAX_SIZE_BYTES = 4 * 1024**3  # any size a spec gives: at most 4 GiB


def parse_duration_s(value: object) -> float:
    if isinstance(value, bool):
        raise ValueError("expected a duration such as 90s, 5m or 1h")
    if isinstance(value, (int, float)):
        seconds = float(value)
    else:
        match = _DURATION.match(str(value))
        if match:
            seconds = float(match[1]) * _DURATION_S[match[2]]
        elif _COMPOUND.match(str(value)):  # 4m50s, 1h30m, 2m 30s
            seconds = sum(float(number) * _DURATION_S[unit] for number, unit in _PART.findall(str(value)))
        else:
            raise ValueError(f"{value!r} is not a duration (write 90s, 5m, 1h, 4m30s or 250ms)")
    if seconds < 0:
        raise ValueError("a duration cannot be negative")
    if not math.isfinite(seconds):
        raise ValueError(f"{value!r}: a duration is a finite length of time (e.g. 90s)")
    if seconds > MAX_DURATION_S:
        raise ValueError(f"{value!r}: at most {MAX_DURATION_S / 86400:g} days")
    return seconds


def parse_duration_range_s(value: object) -> tuple[float, float]:
    """`1s..3s` (uniform between, as Locust's between(1, 3)) or one duration (low == high)."""
    if isinstance(value, str) and ".." in value:
        low_text, _, high_text = value.partition("..")
        low, high = parse_duration_s(low_text.strip()), parse_duration_s(high_text.strip())
        if high < low:
            raise ValueError(f"{value!r}: the range ends before it starts (write LOW..HIGH, e.g. 1s..3s)")
        return low, high
    seconds = parse_duration_s(value)
    return seconds, seconds


def parse_rate_per_s(value: object) -> float:
    if isinstance(value, bool):
        raise ValueError("expected a rate such as 100/s or 6000/min")
    if isinstance(value, (int, float)):
        rate = float(value)
    else:
        match = _RATE.match(str(value))
        if not match:
            raise ValueError(f"{value!r} is not a rate (write 100/s, 6000/min or a number per second)")
        rate = float(match[1]) * _RATE_PER_S[match[2]]
    if rate < 0:
        raise ValueError("a rate cannot be negative")
    if not math.isfinite(rate):
        raise ValueError(f"{value!r}: a rate is a finite number (e.g. 100/s)")
    if rate > MAX_RATE_PER_S:
        raise ValueError(f"{value!r}: at most {MAX_RATE_PER_S:,.0f} arrivals/s (about {MAX_RATE_PER_S / 3750:,.0f} "
                         f"Lambda workers)")
    return rate


def parse_share(value: object) -> float:
    """`1%` or `0.01` -> 0.01."""
    if isinstance(value, bool):
        raise ValueError("expected a percentage such as 1%")
    if isinstance(value, (int, float)):
        share = float(value)
    else:
        text = str(value).strip()
        try:
            share = float(text[:-1]) / 100 if text.endswith("%") else float(text)
        except ValueError:
            raise ValueError(f"{value!r} is not a percentage (write 1% or 0.01)") from None
    if not 0 <= share <= 1:
        raise ValueError("a share must be between 0% and 100%")
    return share


def parse_size_bytes(value: object) -> int:
    """`10MB`, `512KiB`, `2GB` or a number of bytes -> bytes (KB, MB, GB are powers of 1,000)."""
    if isinstance(value, bool):
        raise ValueError("expected a size such as 10MB")
    if isinstance(value, (int, float)):
        size = float(value)
    else:
        match = _SIZE.match(str(value))
        if not match:
            raise ValueError(f"{value!r} is not a size (write 10MB, 512KB, 1GiB or a number of bytes)")
        size = float(match[1]) * _SIZE_BYTES[match[2].lower() if match[2] else None]
    if not math.isfinite(size) or size < 1:
        raise ValueError(f"{value!r}: a size is at least 1 byte")
    if size > MAX_SIZE_BYTES:
        raise ValueError(f"{value!r}: at most 4GiB")
    return int(size)


def format_duration(seconds: float) -> str:
    seconds = round(seconds, 3)
    if seconds < 60:
        return f"{seconds:g}s"
    minutes, rest = divmod(seconds, 60)
    if minutes < 60:
        return f"{int(minutes)}m{rest:02.0f}s" if rest else f"{int(minutes)}m"
    hours, minutes = divmod(minutes, 60)
    return f"{int(hours)}h{int(minutes):02d}m"


def utc_day_start_s(text: str) -> float:
    """A date written YYYY-MM-DD as its UTC midnight in epoch seconds; ValueError otherwise."""
    return float(calendar.timegm(time.strptime(text, "%Y-%m-%d")))
