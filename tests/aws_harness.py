"""Test harness for the AWS side without an AWS account (see ../shared/AWS-OFFLINE.md).

- ``synth``: the stack's template exactly as `cdk synth` makes it (cdk.json's context), with
  asset bundling skipped.
- ``Emulator``: moto's server on 127.0.0.1 with Step Functions execution on, running the
  *synthesized* state machine definition; Lambda tasks are routed in-process to the real
  handlers named in the template, each acting as its synthesized role, and the CLI
  (``cli_env``) acts with the docs' CLI policy (docs/aws.md): IAM is enforced (tests/iam_enforcement.py)
  and every denied call is listed by ``denials()``. Where moto differs from AWS, this harness
  adapts; the product does not.
"""
from __future__ import annotations

import base64
import importlib
import io
import json
import os
import shutil
import tempfile
import traceback
import urllib.request
import uuid
import zipfile
from functools import lru_cache
from pathlib import Path
from collections.abc import Callable
from typing import Any

from tests.iam_enforcement import ACCOUNT, REGION, Enforcer, Principal, act_as, cli_policy, role_policies

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
    return json.dumps(assembly.get_stack_by_name(stack.stack_name).template)


def synth(**overrides: Any) -> dict[str, Any]:
    return dict(json.loads(_synth(json.dumps(cdk_context(**overrides), sort_keys=True))))


def resources(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == kind}


def resolve(value: Any, refs: dict[str, str]) -> Any:
    """Resolve Fn::Join / Fn::GetAtt / Ref / Fn::Select+Split against ``refs`` (logical id -> value)."""
    if isinstance(value, dict):
        if "Fn::Join" in value:
            separator, parts = value["Fn::Join"]
            return separator.join(str(resolve(p, refs)) for p in parts)
        if "Fn::GetAtt" in value:
            logical, attribute = value["Fn::GetAtt"]
            return refs[f"{logical}.{attribute}"]
        if "Ref" in value:
            return refs[value["Ref"]]
        if "Fn::Select" in value:
            index, items = value["Fn::Select"]
            return resolve(items, refs)[index]
        if "Fn::Split" in value:
            separator, text = value["Fn::Split"]
            return str(resolve(text, refs)).split(separator)
        return {k: resolve(v, refs) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, refs) for v in value]
    return value


def plain_definition(template: dict[str, Any], refs: dict[str, str] | None = None) -> dict[str, Any]:
    """The state machine's ASL with every token resolved (placeholder ARNs by default)."""
    refs = dict(refs or {})
    refs.setdefault("AWS::Partition", "aws")
    refs.setdefault("AWS::Region", REGION)
    refs.setdefault("AWS::AccountId", ACCOUNT)
    for logical, resource in template["Resources"].items():
        if resource["Type"] == "AWS::Lambda::Function":
            refs.setdefault(f"{logical}.Arn", f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{logical}")
        if resource["Type"] == "AWS::S3::Bucket":
            refs.setdefault(logical, f"bucket-{logical.lower()}")
    [machine] = resources(template, "AWS::StepFunctions::StateMachine").values()
    return dict(json.loads(resolve(machine["Properties"]["DefinitionString"], refs)))


def adapt_for_moto(value: Any) -> Any:
    """moto's ASL parser reads ToleratedFailurePercentage only as a float (AWS takes 100 too)."""
    if isinstance(value, dict):
        return {k: (float(v) if k.startswith("ToleratedFailure") and isinstance(v, int) else adapt_for_moto(v))
                for k, v in value.items()}
    if isinstance(value, list):
        return [adapt_for_moto(v) for v in value]
    return value


class FakeContext:
    def __init__(self, function_name: str, timeout_s: float) -> None:
        import time
        self.function_name = function_name
        self.memory_limit_in_mb = 1769
        self.invoked_function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function_name}"
        self.aws_request_id = str(uuid.uuid4())
        self._deadline = time.monotonic() + timeout_s

    def get_remaining_time_in_millis(self) -> int:
        import time
        return max(0, int((self._deadline - time.monotonic()) * 1000))


HANDLERS: dict[str, str] = {}  # function name -> "module.function"
PRINCIPALS: dict[str, Principal] = {}  # function name -> its synthesized role's policies
# handler ("module.function") -> given an invocation's event, the error Lambda answers with before the
# function runs (e.g. "TooManyRequestsException": the account's concurrency exhausted), or None
REFUSALS: dict[str, Callable[[dict[str, Any]], str | None]] = {}


def _invoke_in_process(self: Any, body: str, request_headers: Any, response_headers: Any) -> bytes:
    """Replaces moto's LambdaFunction.invoke: call the real handler in this process."""
    from moto.core.exceptions import JsonRESTError
    module_name, _, function_name = HANDLERS[self.function_name].rpartition(".")
    handler = getattr(importlib.import_module(module_name), function_name)
    event = json.loads(body) if body else {}
    refusal = REFUSALS.get(HANDLERS[self.function_name], lambda _: None)(event)
    if refusal is not None:  # as Lambda refuses an invocation it cannot start: an API error, 429
        error = JsonRESTError(refusal, "Rate Exceeded.")
        error.code = 429
        raise error
    previous = act_as(PRINCIPALS.get(self.function_name))
    try:
        result = handler(event, FakeContext(self.function_name, float(self.timeout or 900)))
    except Exception as error:  # reported the way Lambda reports an unhandled error
        traceback.print_exc()
        response_headers["x-amz-function-error"] = "Unhandled"
        return json.dumps({"errorType": type(error).__name__, "errorMessage": str(error)}).encode()
    finally:
        act_as(previous)
    return json.dumps(result).encode()


def _without_percentiles(original: Any) -> Any:
    """moto's CloudWatch crashes on percentile statistics (p95): answer them with no datapoints,
    as CloudWatch does for a metric it has nothing for, and pass the rest through."""
    def get_metric_data(self: Any, queries: list[dict[str, Any]], *args: Any, **kwargs: Any) -> Any:
        percentile = [q for q in queries if str(q.get("MetricStat", {}).get("Stat", "")).startswith("p")]
        others = [q for q in queries if q not in percentile]
        results = original(self, others, *args, **kwargs) if others else []
        return list(results) + [{"id": q["Id"], "label": q["Id"], "values": [], "timestamps": [],
                                 "status_code": "Complete"} for q in percentile]
    get_metric_data.original = original  # type: ignore[attr-defined]
    return get_metric_data


def _lambda_api_errors_named_as_aws_names_them(original: Any) -> Any:
    """A Lambda task (a function ARN as its resource) that Lambda refuses before the function runs
    fails on AWS with the API's error code, e.g. Lambda.TooManyRequestsException, which the Worker
    task's retry and catch name; moto calls every such refusal "Exception"."""
    def from_error(self: Any, env: Any, ex: Exception) -> Any:
        from botocore.exceptions import ClientError
        from moto.stepfunctions.parser.api import HistoryEventType, TaskFailedEventDetails
        from moto.stepfunctions.parser.asl.component.common.error_name.custom_error_name import CustomErrorName
        from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import FailureEvent
        from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails
        if not isinstance(ex, ClientError):
            return original(self, env, ex)
        error = f"Lambda.{ex.response['Error']['Code']}"
        return FailureEvent(env=env, error_name=CustomErrorName(error), event_type=HistoryEventType.TaskFailed,
                            event_details=EventDetails(taskFailedEventDetails=TaskFailedEventDetails(
                                error=error, cause=ex.response["Error"].get("Message", ""))))
    from_error.original = original  # type: ignore[attr-defined]
    return from_error


class Emulator:
    """moto's server on 127.0.0.1, with the Squall stack 'deployed' into it."""

    live: list[Emulator] = []  # open emulators, for the per-test IAM check (tests/e2e_emulated/conftest.py)

    def __init__(self) -> None:
        from moto.awslambda.models import LambdaFunction
        from moto.cloudwatch.models import CloudWatchBackend
        from moto.server import ThreadedMotoServer
        if not hasattr(CloudWatchBackend.get_metric_data, "original"):
            CloudWatchBackend.get_metric_data = _without_percentiles(  # type: ignore[method-assign]
                CloudWatchBackend.get_metric_data)
        from moto.stepfunctions.parser.asl.component.state.exec.state_task.state_task_lambda import StateTaskLambda
        if not hasattr(StateTaskLambda._from_error, "original"):
            StateTaskLambda._from_error = _lambda_api_errors_named_as_aws_names_them(  # type: ignore[method-assign]
                StateTaskLambda._from_error)
        # port 0: the server's own port, never one probed free that another test could take meanwhile
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.server.start()
        self.port = self.server.get_host_and_port()[1]
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.work_dir = Path(tempfile.mkdtemp(prefix="squall-emulator-"))
        self.roles_dir = self.work_dir / "roles"
        self.roles_dir.mkdir()
        self.processes_denials_path = self.work_dir / "processes-denied.log"
        # Processes a handler starts (the Locust worker) act as its function's role, as on Lambda
        # (tests/iam_site/sitecustomize.py, SQUALL_TEST_IAM_ROLES/<function>.json).
        self.env = {"AWS_ENDPOINT_URL": self.endpoint, "AWS_ACCESS_KEY_ID": "testing",
                    "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION,
                    "MOTO_PORT": str(self.port), "SQUALL_TEST_IAM_ROLES": str(self.roles_dir),
                    "SQUALL_TEST_IAM_LOG": str(self.processes_denials_path),
                    "PYTHONPATH": os.pathsep.join([str(ROOT / "tests" / "iam_site"), str(ROOT)] +
                                                  ([os.environ["PYTHONPATH"]] if os.environ.get("PYTHONPATH") else []))}
        self._saved_env = {k: os.environ.get(k) for k in self.env}
        os.environ.update(self.env)
        self._original_invoke = LambdaFunction.invoke
        LambdaFunction.invoke = _invoke_in_process  # type: ignore[method-assign]
        self.enforcer = Enforcer()
        self.enforcer.install()
        self.cli_policy_path = self.work_dir / "cli-policy.json"
        self.cli_denials_path = self.work_dir / "cli-denied.log"
        request = urllib.request.Request(f"{self.endpoint}/moto-api/config", method="POST",
                                         data=json.dumps({"stepfunctions": {"execute_state_machine": True}}).encode(),
                                         headers={"Content-Type": "application/json"})
        urllib.request.urlopen(request, timeout=10).read()
        Emulator.live.append(self)

    def client(self, service: str) -> Any:
        import boto3
        return boto3.client(service, region_name=REGION, endpoint_url=self.endpoint)

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

    def deploy(self, template: dict[str, Any], stack_name: str = "Squall") -> tuple[str, str]:
        """Create what the template describes that a run needs; returns (state machine ARN, bucket)."""
        bucket = f"squall-results-{uuid.uuid4().hex[:8]}"
        self.client("s3").create_bucket(Bucket=bucket)
        role = self.client("iam").create_role(
            RoleName=f"squall-{uuid.uuid4().hex[:6]}",
            AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}))["Role"]["Arn"]
        [bucket_logical] = resources(template, "AWS::S3::Bucket")
        refs = {bucket_logical: bucket}
        code = io.BytesIO()
        with zipfile.ZipFile(code, "w") as archive:
            archive.writestr("placeholder.py", "# handlers run in-process in tests\n")
        lambda_client = self.client("lambda")
        for logical, function in resources(template, "AWS::Lambda::Function").items():
            props = function["Properties"]
            handler = props.get("Handler", "")
            if not handler.startswith("runner."):
                continue  # CDK's own helpers (the spec upload): not part of a run
            env = resolve(props.get("Environment", {}).get("Variables", {}), refs)
            os.environ.update({k: str(v) for k, v in env.items()})  # handlers share this process
            arn = lambda_client.create_function(
                FunctionName=logical, Runtime="python3.12", Role=role, Handler=handler,
                Code={"ZipFile": base64.b64decode(base64.b64encode(code.getvalue()))},
                Timeout=int(props.get("Timeout", 60)), MemorySize=int(props.get("MemorySize", 128)),
                Environment={"Variables": {k: str(v) for k, v in env.items()}})["FunctionArn"]
            refs[f"{logical}.Arn"] = arn
            HANDLERS[logical] = handler
        definition = adapt_for_moto(plain_definition(template, refs))
        machine = self.client("stepfunctions").create_state_machine(
            name=f"Squall-{uuid.uuid4().hex[:6]}", definition=json.dumps(definition), roleArn=role,
            type="STANDARD")["stateMachineArn"]
        [machine_logical] = resources(template, "AWS::StepFunctions::StateMachine")
        policy_refs = {**refs, f"{bucket_logical}.Arn": f"arn:aws:s3:::{bucket}", machine_logical: machine,
                       "AWS::Partition": "aws", "AWS::Region": REGION, "AWS::AccountId": ACCOUNT}
        for logical, policies in role_policies(template, policy_refs, resolve).items():
            if logical in HANDLERS:
                PRINCIPALS[logical] = Principal(logical, policies)
                (self.roles_dir / f"{logical}.json").write_text(json.dumps(policies))
        self.cli_policy_path.write_text(json.dumps(cli_policy((ROOT / "docs" / "aws.md").read_text(), bucket, machine)))
        self.client("cloudformation").create_stack(StackName=stack_name, TemplateBody=json.dumps({
            "Resources": {"Placeholder": {"Type": "AWS::CloudFormation::WaitConditionHandle"}},
            "Outputs": {"StateMachineArn": {"Value": machine}, "BucketName": {"Value": bucket}}}))
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
        from moto.awslambda.models import LambdaFunction
        Emulator.live.remove(self)
        self.enforcer.uninstall()
        shutil.rmtree(self.work_dir, ignore_errors=True)
        self.server.stop()
        LambdaFunction.invoke = self._original_invoke  # type: ignore[method-assign]
        for key, value in self._saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
