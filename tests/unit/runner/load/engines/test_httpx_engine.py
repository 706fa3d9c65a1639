"""The httpx engine, for targets that need HTTP/2: what every engine must do (tests/unit/runner/load/engines/served.py)."""
from __future__ import annotations

from runner.load.engines.httpx_engine import HttpxEngine
from tests.unit.runner.load.engines.served import (
    check_a_url_no_server_could_be_at_is_never_sent,
    check_an_answer_and_a_body_past_the_limit,
)


def test_an_answer_and_a_body_past_the_limit() -> None:
    check_an_answer_and_a_body_past_the_limit(HttpxEngine)


def test_a_url_no_server_could_be_at_is_never_sent() -> None:
    check_a_url_no_server_could_be_at_is_never_sent(HttpxEngine)
