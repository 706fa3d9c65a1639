"""Before any load: a target that cannot be reached is said with what to check; an unset variable
is the spec's problem (exit 2), an unreadable secret the machine's (exit 3); environment variables
are refused on AWS, where workers cannot read this machine's."""
from __future__ import annotations

import socket

import pytest

from runner.preflight import (
    CouldNotRun,
    Interrupted,
    SpecRejected,
    check_reachable,
    check_references,
    refuse_environment_on_aws,
)
from runner.spec import parse_spec

SPEC = ("name: s\ntarget: {{url: http://127.0.0.1:9, headers: {{Authorization: '{auth}'}}}}\n"
        "load: {{phases: [{{duration: 1s, rate: 1/s}}]}}\nscenarios: [{{flow: [{{get: /}}]}}]\n")


def test_a_target_nothing_listens_on_is_said() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # bound, not listening: refused
        with pytest.raises(CouldNotRun, match=f"cannot connect to 127.0.0.1:{port} .*is the server running"):
            check_reachable(f"http://127.0.0.1:{port}/", timeout_s=2)
    with pytest.raises(CouldNotRun, match="cannot resolve host 'no-such-host.invalid'"):
        check_reachable("http://no-such-host.invalid/", timeout_s=2)


def test_a_listening_target_passes() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        check_reachable(f"http://127.0.0.1:{server.getsockname()[1]}/")


def test_variables_and_secrets_are_checked_before_the_load() -> None:
    with_env = parse_spec(SPEC.format(auth="Bearer {{ $env.API_TOKEN }}"), "s.yaml")
    with pytest.raises(SpecRejected, match="API_TOKEN"):
        check_references(with_env, {}, lambda service: None)
    check_references(with_env, {"API_TOKEN": "t"}, lambda service: None)
    with pytest.raises(SpecRejected, match="environment variables are read by local workers"):
        refuse_environment_on_aws(with_env)

    class Denied:
        def get_parameters(self, **_: object) -> None:
            raise RuntimeError("AccessDenied")
    with_secret = parse_spec(SPEC.format(auth="Bearer {{ secret:ssm:/squall/token }}"), "s.yaml")
    with pytest.raises(CouldNotRun, match="/squall/token"):
        check_references(with_secret, {}, lambda service: Denied())


def test_an_interruption_before_the_load_says_nothing_was_run() -> None:
    stopped = Interrupted(15)
    assert stopped.signum == 15 and "SIGTERM before any load was sent; nothing was run" in str(stopped)
