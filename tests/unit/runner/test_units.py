"""Human units in specs, as people write them."""
from __future__ import annotations

import pytest

from runner.units import parse_duration_s, parse_size_bytes


@pytest.mark.parametrize("text, seconds", [
    ("90s", 90.0), ("5m", 300.0), ("1h", 3600.0), ("250ms", 0.25), (30, 30.0),
    ("4m50s", 290.0), ("1h30m", 5400.0), ("2m 30s", 150.0), ("1m500ms", 60.5),
])
def test_durations_simple_and_compound(text: object, seconds: float) -> None:
    assert parse_duration_s(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["4m50", "m5", "5 minutes", "1h-30m", ""])
def test_what_is_not_a_duration_says_how_to_write_one(text: str) -> None:
    with pytest.raises(ValueError, match="is not a duration \\(write 90s, 5m, 1h, 4m30s or 250ms\\)"):
        parse_duration_s(text)


@pytest.mark.parametrize("text, size", [("10MB", 10_000_000), ("512KiB", 524_288), ("1 GiB", 1 << 30), (4096, 4096),
                                        ("2kb", 2000), ("1.5MB", 1_500_000)])
def test_sizes_in_bytes(text: object, size: int) -> None:
    assert parse_size_bytes(text) == size


@pytest.mark.parametrize("text", ["ten", "10 parsecs", "0", "-1MB", "5GiB", True])
def test_what_is_not_a_size_says_how_to_write_one(text: object) -> None:
    with pytest.raises(ValueError):
        parse_size_bytes(text)


def test_a_date_is_its_utc_midnight() -> None:
    from runner.units import utc_day_start_s
    assert utc_day_start_s("2026-12-07") == 1_796_601_600.0
    with pytest.raises(ValueError):
        utc_day_start_s("yesterday")
