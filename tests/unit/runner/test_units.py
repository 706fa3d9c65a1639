"""Human units in specs, as people write them."""
from __future__ import annotations

import pytest

from runner.units import parse_duration_s


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
