"""Secrets and environment variables: resolved in memory, a failure names the reference."""
from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from runner.secrets import SecretError, resolve_environment, resolve_secrets


class Refusing:
    def get_parameter(self, **_: object) -> None:
        raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "GetParameter")


def test_a_secret_the_worker_may_not_read_is_named_with_the_permission_it_needs() -> None:
    with pytest.raises(SecretError, match="^cannot read secret secret:ssm:/a/b: AccessDeniedException \\(the worker "
                                          "needs ssm:GetParameter on it\\)$"):
        resolve_secrets({"secret:ssm:/a/b"}, lambda service: Refusing())


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
