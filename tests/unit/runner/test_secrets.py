"""Secrets and environment variables: resolved in memory, a failure names the reference."""
from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from runner.secrets import SecretError, resolve_environment, resolve_secrets


def stubbed(service: str) -> tuple[Any, Stubber]:
    """A real botocore client that answers from a script (and refuses any call not in it)."""
    client = boto3.client(service, region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s")
    stub = Stubber(client)
    # SSM answers "InvalidParameters": [] when none is; botocore's model says a list has at least one
    stub._validate_operation_response = lambda *_: None  # type: ignore[method-assign]
    return client, stub


def test_a_secret_the_worker_may_not_read_is_named_with_the_permission_it_needs() -> None:
    ssm, stub = stubbed("ssm")
    stub.add_client_error("get_parameters", "AccessDeniedException")
    with stub, pytest.raises(SecretError, match="^cannot read secret secret:ssm:/a/b: AccessDeniedException \\(the "
                                                "worker needs ssm:GetParameters on it\\)$"):
        resolve_secrets({"secret:ssm:/a/b"}, lambda service: ssm)
    manager, stub = stubbed("secretsmanager")
    stub.add_client_error("get_secret_value", "ResourceNotFoundException")
    with stub, pytest.raises(SecretError, match="^cannot read secret secret:secretsmanager:x: ResourceNotFoundException "
                                                "\\(no such secret in this account and region\\)$"):
        resolve_secrets({"secret:secretsmanager:x"}, lambda service: manager)


def test_ssm_parameters_are_read_ten_at_a_time_and_kept_for_the_next_slice() -> None:
    """A spec with 12 parameters costs two GetParameters calls, not 12 GetParameter calls (SSM
    answers ~40 reads/s per account, and hundreds of workers start together); a warm worker's
    next slice reads none (the stub refuses any call beyond the two it expects)."""
    names = [f"/squall/p{i:02d}" for i in range(12)]
    ssm, stub = stubbed("ssm")
    for chunk in (names[:10], names[10:]):
        stub.add_response("get_parameters", {"Parameters": [{"Name": n, "Value": f"v-{n}", "Type": "SecureString"}
                                                            for n in chunk], "InvalidParameters": []},
                          {"Names": chunk, "WithDecryption": True})

    def client_for(service: str) -> Any:
        return ssm
    with stub:
        first = resolve_secrets({f"secret:ssm:{n}" for n in names}, client_for)
        again = resolve_secrets({f"secret:ssm:{n}" for n in names}, client_for)
        stub.assert_no_pending_responses()
    assert first == again == {f"secret:ssm:{n}": f"v-{n}" for n in names}


def test_a_missing_parameter_is_named() -> None:
    ssm, stub = stubbed("ssm")
    stub.add_response("get_parameters", {"Parameters": [], "InvalidParameters": ["/gone"]})
    with stub, pytest.raises(SecretError, match="^cannot read secret secret:ssm:/gone: ParameterNotFound"):
        resolve_secrets({"secret:ssm:/gone"}, lambda service: ssm)


def test_environment_references_resolve_or_name_every_missing_variable() -> None:
    assert resolve_environment({"$env.A"}, {"A": "1", "B": "2"}) == {"$env.A": "1"}
    with pytest.raises(SecretError, match="^environment variables B, C not set \\(the spec uses "
                                          "{{ \\$env.B }}, {{ \\$env.C }}\\)$"):
        resolve_environment({"$env.A", "$env.B", "$env.C"}, {"A": "1"})


def test_a_local_worker_reads_its_secrets_before_it_says_it_is_ready(tmp_path, monkeypatch) -> None:
    """The parent gives every worker one start instant 0.3 s after the last says ready: secrets
    read after that (a boto3 session and the reads: a second on a slow machine) made the first
    arrivals late, and a fresh-clone CI run INCONCLUSIVE. The order is now: secrets, then ready."""
    import asyncio
    import time

    from runner.guardrails import HostPolicy
    from runner.job import WorkerJob
    from runner.load import job_runner
    from runner.plan import make_plan
    from runner.prepare import prepare_run
    from runner.spec import parse_spec
    from runner.store import LocalStore

    steps: list[str] = []

    def read(references, client_for):  # stands in for SSM: records when it was asked
        # the process's one factory, so Powertools' cache outlives the invocation (a warm Lambda's next slice)
        assert client_for is job_runner.secret_client
        steps.append("secrets read")
        return {reference: "s3cret" for reference in references}

    def ready_then_start() -> float:
        steps.append("ready")
        return time.time() + 0.05

    monkeypatch.setattr(job_runner, "resolve_secrets", read)
    store = LocalStore(tmp_path)
    spec = parse_spec("""
target: {url: "http://127.0.0.1:1", headers: {Authorization: "Bearer {{ secret:ssm:/squall/token }}"}}
load: {phases: [{duration: 1s, rate: 2/s}]}
scenarios: [{flow: [{get: {url: /ping}}]}]
""", "t.yaml")
    plan = make_plan(spec, "r", 1, workers=1)
    prepare_run(store, spec, plan, {"run_id": "r"}, "fast", 1.0, None, sliced=False,  # local: no instant yet
                hosts=HostPolicy((), allow_loopback=True))
    job = WorkerJob.from_dict(store.get_json("runs/r/jobs/0.json")).for_worker(0)
    asyncio.run(job_runner.run_job(job, store, None, await_start=ready_then_start))
    assert steps == ["secrets read", "ready"]


def test_a_secret_in_a_step_s_cookies_is_resolved_like_any_other() -> None:
    """Found in review: a step's cookies (new with the Artillery importer's cookie) were not looked
    at, so a secret there would have reached the worker unresolved."""
    from runner.secrets import env_references, secret_references
    from runner.spec import parse_spec
    spec = parse_spec("target: http://127.0.0.1:1\nload: {phases: [{duration: 1s, rate: 1}]}\nscenarios: [{flow: [{get: "
                      "{url: /, cookies: {session: '{{ secret:ssm:/squall/session }}', tenant: '{{ $env.TENANT }}'}}}]}]\n",
                      "c.yaml")
    assert secret_references(spec) == {"secret:ssm:/squall/session"}
    assert env_references(spec) == {"$env.TENANT"}
