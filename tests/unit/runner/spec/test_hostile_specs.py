"""Hostile specs from an outside battery, each a located problem (file, line, field) and never a
traceback, an unlocated message or a refusal that only `run` gives."""
from __future__ import annotations

from pathlib import Path

import pytest

from runner.spec import SpecError, load_spec, parse_spec

BASE = """\
name: hostile
target: http://127.0.0.1:9
load: {phases: [{duration: 10m, rate: 100/s}]}
scenarios: [{flow: [{get: /}]}]
"""


def problems_of(path: Path) -> list[str]:
    with pytest.raises(SpecError) as refused:
        load_spec(path)
    return [str(p) for p in refused.value.problems]


def test_a_file_that_is_not_utf8_says_where(tmp_path: Path) -> None:
    (tmp_path / "s.yaml").write_bytes(BASE.encode() + b"# caf\xe9\n")
    assert problems_of(tmp_path / "s.yaml") == [f"{tmp_path / 's.yaml'}:5: not UTF-8 text: byte 0xe9 at column 6 "
                                                f"(save the file as UTF-8)"]


def test_a_nul_in_a_data_path_is_located(tmp_path: Path) -> None:
    (tmp_path / "s.yaml").write_text(BASE + 'data:\n  users: {csv: "users\\0.csv"}\n')
    [problem] = problems_of(tmp_path / "s.yaml")
    assert problem.startswith(f"{tmp_path / 's.yaml'}:6: data.users.csv: ") and "NUL character" in problem


def test_the_spec_s_own_limits_are_checked_by_validate_as_by_run(tmp_path: Path) -> None:
    """Before: validate and plan passed them, and run refused without a line."""
    (tmp_path / "s.yaml").write_text(BASE + "limits: {max_rate: 10/s, max_duration: 1m}\n")
    assert problems_of(tmp_path / "s.yaml") == [
        f"{tmp_path / 's.yaml'}:5: limits.max_rate: the phases' peak rate 100/s is over 10/s (lower the phases' "
        f"rates, or raise the limit)",
        f"{tmp_path / 's.yaml'}:5: limits.max_duration: the phases last 10m, over 1m (shorten them, or raise the "
        f"limit)"]


def test_a_spec_past_four_megabytes_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    (tmp_path / "s.yaml").write_text(BASE + "#" + "x" * 5_000_000 + "\n")
    assert problems_of(tmp_path / "s.yaml") == [f"{tmp_path / 's.yaml'}:1: the file is 5.0 MB; a spec is at most "
                                                f"4 MB (large data goes in a CSV file: data.NAME.csv)"]


def test_a_header_value_no_server_takes_is_refused() -> None:
    with pytest.raises(SpecError) as refused:
        parse_spec(BASE.replace("target: http://127.0.0.1:9", "target: {url: 'http://127.0.0.1:9', headers: "
                                "{X-Big: " + "a" * 70_000 + "}}"), "s.yaml")
    assert str(refused.value).startswith("s.yaml:2: target.headers.X-Big: a header value of 70,000 characters")
