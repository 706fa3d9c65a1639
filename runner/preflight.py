"""Checks before any load is sent: is the target reachable at all?"""
from __future__ import annotations

import socket
from urllib.parse import urlsplit


class CouldNotRun(Exception):
    """The run could not start (exit code 3): the message says what and how to fix it."""


class SpecRejected(Exception):
    """The backend refused the spec (invalid, or outside the guardrails): exit code 2."""


def check_reachable(url: str, timeout_s: float = 3.0) -> None:
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            return
    except socket.gaierror:
        raise CouldNotRun(f"target {url}: cannot resolve host '{host}' (check target.url)") from None
    except TimeoutError:
        raise CouldNotRun(f"target {url}: no answer from {host}:{port} within {timeout_s:g} s") from None
    except OSError as error:
        raise CouldNotRun(f"target {url}: cannot connect to {host}:{port} ({error.strerror or error}); "
                          f"is the server running?") from None
