"""Checks before any load is sent: is the target reachable at all? Can the secrets and
environment variables the spec uses be read here?"""
from __future__ import annotations

import signal
import socket
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from runner.secrets import SecretError, env_references, resolve_environment, resolve_secrets, secret_references
from runner.spec.model import Spec


class CouldNotRun(Exception):
    """The run could not start (exit code 3): the message says what and how to fix it."""


class Interrupted(Exception):
    """A signal (SIGINT, SIGTERM, SIGHUP) came before any load was sent: nothing was run; the exit
    code is 128 + the signal's number, as a shell reports a process the signal ended."""

    def __init__(self, signum: int) -> None:
        super().__init__(f"stopped by {signal.Signals(signum).name} before any load was sent; nothing was run")
        self.signum = signum


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


def check_references(spec: Spec, environ: Mapping[str, str], client_for: Callable[[str], Any]) -> None:
    """Before a local run: every ``$env.NAME`` set (else refused, exit 2) and every secret
    readable with this machine's credentials (else could not run, exit 3, naming the secret),
    so nothing waits out a run whose workers all fail at their start. Values are discarded."""
    try:
        resolve_environment(env_references(spec), environ)
    except SecretError as error:
        raise SpecRejected(str(error)) from None
    references = secret_references(spec)
    if references:
        try:
            resolve_secrets(references, client_for)
        except SecretError as error:
            raise CouldNotRun(str(error)) from None


def refuse_environment_on_aws(spec: Spec) -> None:
    names = sorted(env_references(spec))
    if names:
        raise SpecRejected(f"{', '.join('{{ ' + n + ' }}' for n in names)}: environment variables are read by local "
                           f"workers; on AWS put the value in SSM Parameter Store and write {{{{ secret:ssm:/name }}}}")
