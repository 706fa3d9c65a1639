"""The engines behind one interface: each made by its name with the run's timeout, TLS, connection
cap and body limit; an unknown name is refused with the known ones."""
from __future__ import annotations

import pytest

from runner.load.engines import ENGINES, make_engine


@pytest.mark.parametrize("name, kind", [("fast", "FastEngine"), ("httpx", "HttpxEngine"), ("aiohttp", "AiohttpEngine")])
def test_each_engine_is_made_by_its_name(name: str, kind: str) -> None:
    engine = make_engine(name, timeout_s=7.0, verify_tls=False, max_connections=16, max_body_bytes=1024)
    assert type(engine).__name__ == kind
    if name == "fast":
        assert (engine.timeout_s, engine.max_connections) == (7.0, 16)  # type: ignore[attr-defined]


def test_an_unknown_engine_is_refused_with_the_known_ones() -> None:
    with pytest.raises(ValueError, match=f"unknown engine 'curl' \\(known: {', '.join(ENGINES)}\\)"):
        make_engine("curl", 1.0, True)
