"""Captures and checks on an answer: a JSONPath's first value or a header (raw bytes, any case),
the JSON body decoded once for all of them, and what fails said (a capture) or false (a check)."""
from __future__ import annotations

import json
from typing import Any

import pytest

from runner.load.capture import CaptureFailed, extract, holds
from runner.load.engines.base import Reply
from runner.spec.model import Capture, Check

BODY = {"job": {"id": "j-7", "status": "done"}, "items": [{"id": 1}, {"id": 2}]}


def reply(body: Any = BODY, headers: list[tuple[bytes, bytes]] | None = None) -> Reply:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Reply(200, headers or [(b"Content-Type", b"application/json; charset=utf-8"), (b"X-Request-Id", b"r-1")],
                 raw, None, len(raw), 0)


def test_a_capture_takes_the_first_value_a_path_selects_and_the_body_is_decoded_once() -> None:
    answer, parsed = reply(), []
    assert extract(Capture("json", "$.job.id", "job"), answer, parsed) == "j-7"
    assert extract(Capture("json", "$.items[*].id", "first"), answer, parsed) == 1
    assert len(parsed) == 1  # decoded once, kept for the next capture and the checks
    assert extract(Capture("header", "x-request-id", "request"), answer, parsed) == "r-1"


@pytest.mark.parametrize(("capture", "body", "said"), [
    (Capture("json", "$.job.missing", "v"), BODY, "$.job.missing not found"),
    (Capture("json", "$.id", "v"), b"<html>not json</html>", "body is not JSON"),
    (Capture("header", "ETag", "v"), BODY, "no header ETag"),
])
def test_a_capture_that_finds_nothing_says_why(capture: Capture, body: Any, said: str) -> None:
    with pytest.raises(CaptureFailed) as failed:
        extract(capture, reply(body), [])
    assert str(failed.value) == said


def test_checks_hold_or_not_without_raising() -> None:
    answer = reply()
    assert holds(Check("content_type", "application/json"), answer, [])
    assert holds(Check("json", "$.job.status", "done"), answer, [])
    assert not holds(Check("json", "$.job.status", "queued"), answer, [])
    assert holds(Check("has", "$.items[1].id"), answer, []) and not holds(Check("has", "$.nothing"), answer, [])
    assert holds(Check("header", "X-Request-Id", "r-1"), answer, [])
    assert not holds(Check("json", "$.job.status", "done"), reply(b"not json"), [])
