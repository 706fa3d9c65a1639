"""Test harness for the AWS side without an AWS account (see ../shared/AWS-OFFLINE.md).

- ``synth``: the stack's template exactly as `cdk synth` makes it (cdk.json's context), with
  asset bundling skipped.
- ``Emulator``: the product's rehearsal (runner/aws/rehearsal.py: moto's server on 127.0.0.1
  running the *synthesized* state machine definition, Lambda tasks routed in-process to the real
  handlers named in the template), each handler acting as its synthesized role, and the CLI
  (``cli_env``) acts with the docs' CLI policy (docs/aws.md): IAM is enforced (tests/iam_enforcement.py)
  and every denied call is listed by ``denials()``. Where moto differs from AWS, this harness
  adapts; the product does not.
"""
from __future__ import annotations

import io
import json
import os
import shutil
import tempfile
import uuid
import zipfile
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

from runner.aws.rehearsal import (  # noqa: F401 - the tests read these here
    CALL,
    HANDLERS,
    REGION,
    Rehearsal,
    adapt_for_moto,
    plain_definition,
    resolve,
    resources,
)
from tests.iam_enforcement import Enforcer, Principal, act_as, cli_policy, role_policies

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")


def cdk_context(**overrides: Any) -> dict[str, Any]:
    context = dict(json.loads((ROOT / "cdk.json").read_text())["context"])
    context["aws:cdk:bundling-stacks"] = []
    context.update({f"squall:{k}": v for k, v in overrides.items()})
    return context


@lru_cache(maxsize=8)
def _synth(context_json: str) -> str:
    import aws_cdk as cdk

    from infra.app import build_app
    app = cdk.App(context=json.loads(context_json))
    _, stack = build_app(app)
    assembly = app.synth()
    return json.dumps(assembly.get_stack_artifact(stack.artifact_id).template)


def synth(**overrides: Any) -> dict[str, Any]:
    return dict(json.loads(_synth(json.dumps(cdk_context(**overrides), sort_keys=True))))


# handler ("module.function") -> given an invocation's event, the error Lambda answers with before the
# function runs (e.g. "TooManyRequestsException": the account's concurrency exhausted), or None
REFUSALS: dict[str, Callable[[dict[str, Any]], str | None]] = {}
PRINCIPALS: dict[str, Principal] = {}  # function name -> its synthesized role's policies


def _call_as_role(name: str, handler: Callable[..., Any], event: dict[str, Any], context: Any) -> Any:
    """A handler's invocation as Lambda would make it here: refused first when the test says so,
    else acting as the function's synthesized role (every AWS call judged against it)."""
    from moto.core.exceptions import JsonRESTError
    refusal = REFUSALS.get(HANDLERS[name], lambda _: None)(event)
    if refusal is not None:  # as Lambda refuses an invocation it cannot start: an API error, 429
        error = JsonRESTError(refusal, "Rate Exceeded.")
        error.code = 429
        raise error
    previous = act_as(PRINCIPALS.get(name))
    try:
        return handler(event, context)
    finally:
        act_as(previous)


def answer_account_settings() -> None:
    """moto's Lambda has no GetAccountSettings: answer it as AWS documents it (AccountLimit with
    ConcurrentExecutions and UnreservedConcurrentExecutions), from moto's own state: the quota in
    MOTO_LAMBDA_CONCURRENCY_QUOTA (moto's knob for put_function_concurrency; AWS's default 1,000
    when unset) less every function's reserved concurrency."""
    from moto.awslambda import urls
    from moto.awslambda.responses import LambdaResponse
    if getattr(LambdaResponse, "get_account_settings", None) is not None:
        return

    def get_account_settings(self: Any) -> tuple[int, dict[str, str], str]:
        quota = int(os.environ.get("MOTO_LAMBDA_CONCURRENCY_QUOTA", "1000"))
        reserved = sum(int(f.reserved_concurrency or 0) for f in self.backend.list_functions())
        return 200, {}, json.dumps({
            "AccountLimit": {"TotalCodeSize": 80530636800, "CodeSizeUnzipped": 262144000, "CodeSizeZipped": 52428800,
                             "ConcurrentExecutions": quota, "UnreservedConcurrentExecutions": quota - reserved},
            "AccountUsage": {"TotalCodeSize": 0, "FunctionCount": len(self.backend.list_functions())}})

    LambdaResponse.get_account_settings = get_account_settings  # type: ignore[attr-defined]
    urls.url_paths[r"{0}/(?P<api_version>[^/]+)/account-settings/?$"] = LambdaResponse.dispatch


class Emulator(Rehearsal):
    """The product's rehearsal (runner/aws/rehearsal.py: moto's server with the stack deployed),
    with every AWS call judged against the caller's IAM policy."""

    live: list[Emulator] = []  # open emulators, for the per-test IAM check (tests/e2e_emulated/conftest.py)

    def __init__(self) -> None:
        super().__init__()
        self.work_dir = Path(tempfile.mkdtemp(prefix="squall-emulator-"))
        self.roles_dir = self.work_dir / "roles"
        self.roles_dir.mkdir()
        self.processes_denials_path = self.work_dir / "processes-denied.log"
        # Processes a handler starts (the Locust worker) act as its function's role, as on Lambda
        # (tests/iam_site/sitecustomize.py, SQUALL_TEST_IAM_ROLES/<function>.json).
        more = {"SQUALL_TEST_IAM_ROLES": str(self.roles_dir), "SQUALL_TEST_IAM_LOG": str(self.processes_denials_path),
                "PYTHONPATH": os.pathsep.join([str(ROOT / "tests" / "iam_site"), str(ROOT)] +
                                              ([os.environ["PYTHONPATH"]] if os.environ.get("PYTHONPATH") else []))}
        self._saved_env.update({k: os.environ.get(k) for k in more})
        self.env.update(more)
        os.environ.update(more)
        CALL[0] = _call_as_role
        self.enforcer = Enforcer()
        self.enforcer.install()
        self.cli_policy_path = self.work_dir / "cli-policy.json"
        self.cli_denials_path = self.work_dir / "cli-denied.log"
        Emulator.live.append(self)

    def role(self) -> str:
        return str(self.client("iam").create_role(
            RoleName=f"squall-{uuid.uuid4().hex[:6]}",
            AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}))["Role"]["Arn"])

    def create_function(self, name: str, memory_mb: int, architecture: str = "x86_64") -> None:
        """A function that only exists for its configuration (memory size), as the target's would."""
        code = io.BytesIO()
        with zipfile.ZipFile(code, "w") as archive:
            archive.writestr("placeholder.py", "# the target's code runs elsewhere\n")
        self.client("lambda").create_function(
            FunctionName=name, Runtime="python3.12", Role=self.role(), Handler="placeholder.handler",
            Code={"ZipFile": code.getvalue()}, MemorySize=memory_mb, Architectures=[architecture])

    def deploy(self, template: dict[str, Any], stack_name: str = "Squall",  # type: ignore[override]
               region: str = REGION, bucket: str | None = None) -> tuple[str, str]:
        """The product's deployment, and each function's synthesized role loaded for the enforcer.
        Another region's stack (``region``, sharing ``bucket``: runner/aws/rehearsal.py says why)
        adds its roles' policies to the same functions' (its handlers run in this process, under
        the same names) and its own CLI policy to the CLI's, as a user of two stacks is given both."""
        machine, bucket, refs = super().deploy(template, stack_name, region, bucket)
        for logical, policies in role_policies(template, refs, resolve).items():
            if logical in HANDLERS:
                known = PRINCIPALS[logical].policies if region != REGION and logical in PRINCIPALS else []
                PRINCIPALS[logical] = Principal(logical, known + policies)
                (self.roles_dir / f"{logical}.json").write_text(json.dumps(known + policies))
        policy = cli_policy((ROOT / "docs" / "aws.md").read_text(), bucket, machine, region)
        if region != REGION and self.cli_policy_path.exists():
            policy["Statement"] = json.loads(self.cli_policy_path.read_text())["Statement"] + policy["Statement"]
        self.cli_policy_path.write_text(json.dumps(policy))
        return machine, bucket

    def cli_env(self) -> dict[str, str]:
        """The environment of a `squall ... --on aws` subprocess: the emulator's endpoint, and the
        CLI policy in docs/aws.md enforced on every call it makes."""
        return {**os.environ, **self.env, "PYTHONPATH": os.pathsep.join([str(ROOT / "tests" / "iam_site"), str(ROOT)]),
                "SQUALL_TEST_IAM_POLICY": str(self.cli_policy_path), "SQUALL_TEST_IAM_LOG": str(self.cli_denials_path)}

    def denials(self) -> list[str]:
        """Every call refused so far (handlers and CLI), then forgotten: each test sees its own."""
        denied = list(self.enforcer.denied)
        self.enforcer.denied.clear()
        for log in (self.cli_denials_path, self.processes_denials_path):
            if log.exists():
                denied += log.read_text(encoding="utf-8").splitlines()
                log.unlink()
        return denied

    def close(self) -> None:
        Emulator.live.remove(self)
        self.enforcer.uninstall()
        CALL[0] = lambda name, handler, event, context: handler(event, context)
        shutil.rmtree(self.work_dir, ignore_errors=True)
        super().close()
