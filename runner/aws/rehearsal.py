"""Rehearse the AWS path on this machine, with no account: `squall run SPEC --on aws --rehearse`.

moto's server on 127.0.0.1 with Step Functions execution on holds the stack: the *synthesized*
state machine (infra/, as `cdk synth` makes it, asset bundling skipped), the results bucket, and
the four functions, whose invocations run the real handlers in this process. The CLI then starts
and follows the run exactly as against AWS, so it prints what a real run prints and the state
machine writes the same result.json (kept afterwards under the local store). What it does not
rehearse: Lambda's own limits (memory, 15 minutes, concurrency), IAM (the tests hold every call to
its synthesized role: tests/iam_enforcement.py), CloudWatch's datapoints, and the network between
Lambda and the target. Needs `pip install 'squall[rehearse]'` (moto, the CDK libraries and Node.js).

Where moto differs from AWS this adapts (ToleratedFailurePercentage read as a float; a Lambda
refusal named as AWS names it; percentile statistics answered empty), never the product.
"""
from __future__ import annotations

import base64
import contextlib
import functools
import importlib
import io
import json
import logging
import os
import sys
import traceback
import urllib.request
import uuid
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TextIO, TypeVar

T = TypeVar("T")

REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's
STACK = "Squall"


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


def synthesized_template(allowed_hosts: tuple[str, ...], **context: Any) -> dict[str, Any]:
    """The stack's template as `cdk synth` makes it, Lambda bundling skipped (the handlers run here)."""
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")  # the CDK libraries' banner
    import aws_cdk as cdk

    from infra.app import build_app
    app = cdk.App(context={"aws:cdk:bundling-stacks": [], "squall:allowedHosts": list(allowed_hosts),
                           "squall:nag": "false", **{f"squall:{k}": v for k, v in context.items()}})
    _, stack = build_app(app)
    return dict(app.synth().get_stack_artifact(stack.artifact_id).template)


class LambdaContext:
    """What a handler reads of Lambda's context."""

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
# How a handler is called: (function name, handler, event) -> its answer; the tests wrap it to act
# as the function's role and to have Lambda refuse invocations.
CALL: list[Callable[[str, Callable[..., Any], dict[str, Any], Any], Any]] = [
    lambda name, handler, event, context: handler(event, context)]


def _invoke_in_process(self: Any, body: str, request_headers: Any, response_headers: Any) -> bytes:
    """Replaces moto's LambdaFunction.invoke: call the real handler in this process."""
    module_name, _, function_name = HANDLERS[self.function_name].rpartition(".")
    handler = getattr(importlib.import_module(module_name), function_name)
    event = json.loads(body) if body else {}
    try:
        result = CALL[0](self.function_name, handler, event, LambdaContext(self.function_name,
                                                                           float(self.timeout or 900)))
    except Exception as error:  # noqa: BLE001 - reported the way Lambda reports an unhandled error
        if getattr(error, "code", None) == 429:  # a refusal before the function ran: Lambda's API error
            raise
        if not getattr(error, "expected", False):  # a refusal the handler means (PlanRejected) needs no traceback
            traceback.print_exc()
        response_headers["x-amz-function-error"] = "Unhandled"
        return json.dumps({"errorType": type(error).__name__, "errorMessage": str(error)}).encode()
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
                            event_details=EventDetails(taskFailedEventDetails=TaskFailedEventDetails(  # type: ignore[typeddict-item]
                                error=error, cause=ex.response["Error"].get("Message", ""))))
    from_error.original = original  # type: ignore[attr-defined]
    return from_error


def _map_runs_of_an_execution_not_yet_running(original_list: Any) -> tuple[Any, Any]:
    """moto sets up an execution's evaluation environment in its own thread just after
    StartExecution answers; a ListMapRuns (the CLI's first poll) or a DescribeMapRun in between
    failed inside moto's server with an AttributeError (a 500, and a traceback on the CLI's stderr).
    AWS answers such an execution with no map runs: so do these."""
    def list_map_runs(self: Any, execution_arn: str) -> dict[str, Any]:
        worker = getattr(self.describe_execution(execution_arn=execution_arn), "exec_worker", None)
        if worker is None or worker.env is None:
            return {"mapRuns": []}
        return dict(original_list(self, execution_arn))

    def describe_map_run(self: Any, map_run_arn: str) -> dict[str, Any]:
        from moto.stepfunctions.parser.api import ResourceNotFound
        for execution in self._get_executions():
            env = execution.exec_worker.env if execution.exec_worker is not None else None
            record = env.map_run_record_pool_manager.get(map_run_arn) if env is not None else None
            if record is not None:
                return dict(record.describe())
        raise ResourceNotFound(f"Map Run {map_run_arn} does not exist")

    list_map_runs.original = original_list  # type: ignore[attr-defined]
    return list_map_runs, describe_map_run


class Rehearsal:
    """moto's server on 127.0.0.1 with the stack deployed into it; the AWS variables of this
    process point at it while it lives (a context manager)."""

    def __init__(self) -> None:
        from moto.awslambda.models import LambdaFunction
        from moto.cloudwatch.models import CloudWatchBackend
        from moto.server import ThreadedMotoServer
        from moto.stepfunctions.parser.asl.component.state.exec.state_task.state_task_lambda import StateTaskLambda
        from moto.stepfunctions.parser.models import StepFunctionsParserBackend
        if not hasattr(CloudWatchBackend.get_metric_data, "original"):
            CloudWatchBackend.get_metric_data = _without_percentiles(  # type: ignore[method-assign]
                CloudWatchBackend.get_metric_data)
        if not hasattr(StepFunctionsParserBackend.list_map_runs, "original"):
            listing, describing = _map_runs_of_an_execution_not_yet_running(StepFunctionsParserBackend.list_map_runs)
            StepFunctionsParserBackend.list_map_runs = listing  # type: ignore[method-assign]
            StepFunctionsParserBackend.describe_map_run = describing  # type: ignore[method-assign]
        if not hasattr(StateTaskLambda._from_error, "original"):
            StateTaskLambda._from_error = _lambda_api_errors_named_as_aws_names_them(  # type: ignore[method-assign]
                StateTaskLambda._from_error)
        import logging
        import warnings
        for name in ("werkzeug", "moto"):  # its request log and its notes about itself are not the run's
            logging.getLogger(name).setLevel(logging.ERROR)
        warnings.filterwarnings("ignore", category=UserWarning, module="moto")
        # port 0: the server's own port, never one probed free that something else could take meanwhile
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.server.start()
        self.port = self.server.get_host_and_port()[1]
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.env = {"AWS_ENDPOINT_URL": self.endpoint, "AWS_ACCESS_KEY_ID": "testing",
                    "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION,
                    "MOTO_PORT": str(self.port)}
        self._saved_env = {k: os.environ.get(k) for k in self.env}
        os.environ.update(self.env)
        self._original_invoke = LambdaFunction.invoke
        LambdaFunction.invoke = _invoke_in_process  # type: ignore[method-assign]
        # moto keeps one account per process, whatever its servers: a new rehearsal starts from an empty
        # one (a second in the same process found the first one's stack and functions: "already exist")
        urllib.request.urlopen(urllib.request.Request(f"{self.endpoint}/moto-api/reset", method="POST"),
                               timeout=10).read()
        request = urllib.request.Request(f"{self.endpoint}/moto-api/config", method="POST",
                                         data=json.dumps({"stepfunctions": {"execute_state_machine": True}}).encode(),
                                         headers={"Content-Type": "application/json"})
        urllib.request.urlopen(request, timeout=10).read()

    def __enter__(self) -> Rehearsal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def client(self, service: str, region: str = REGION) -> Any:
        import boto3
        return boto3.client(service, region_name=region, endpoint_url=self.endpoint)

    def deploy(self, template: dict[str, Any], stack_name: str = STACK, region: str = REGION,
               bucket: str | None = None) -> tuple[str, str, dict[str, str]]:
        """Create what the template describes that a run needs, in ``region``; returns (state
        machine ARN, bucket, every token resolved: logical id -> value). A second region's stack
        (a run across regions) is given the first one's ``bucket``: its handlers run in this
        process, whose environment names one bucket (on AWS each region's stack has its own; its
        parts' run ids differ, so they share one here without meeting)."""
        if bucket is None:
            bucket = f"squall-results-{uuid.uuid4().hex[:8]}"
            self.client("s3").create_bucket(Bucket=bucket)
        role = self.client("iam").create_role(
            RoleName=f"squall-{uuid.uuid4().hex[:6]}",
            AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}))["Role"]["Arn"]
        [bucket_logical] = resources(template, "AWS::S3::Bucket")
        refs = {bucket_logical: bucket, "AWS::Partition": "aws", "AWS::Region": region, "AWS::AccountId": ACCOUNT,
                "AWS::StackName": stack_name}
        code = io.BytesIO()
        with zipfile.ZipFile(code, "w") as archive:
            archive.writestr("placeholder.py", "# the handlers run in this process\n")
        lambda_client = self.client("lambda", region)
        for logical, function in resources(template, "AWS::Lambda::Function").items():
            props = function["Properties"]
            handler = props.get("Handler", "")
            if not handler.startswith("runner."):
                continue  # CDK's own helpers (the spec upload): not part of a run
            env = resolve(props.get("Environment", {}).get("Variables", {}), refs)
            os.environ.update({k: str(v) for k, v in env.items()})  # the handlers share this process
            placement = {}
            with contextlib.suppress(KeyError):  # a network the template creates is not made here
                placement = {"VpcConfig": resolve(props["VpcConfig"], refs)} if "VpcConfig" in props else {}
            arn = lambda_client.create_function(
                FunctionName=logical, Runtime="python3.12", Role=role, Handler=handler,
                Code={"ZipFile": base64.b64decode(base64.b64encode(code.getvalue()))},
                Timeout=int(props.get("Timeout", 60)), MemorySize=int(props.get("MemorySize", 128)),
                Environment={"Variables": {k: str(v) for k, v in env.items()}}, **placement)["FunctionArn"]
            refs[f"{logical}.Arn"], refs[logical] = arn, logical
            HANDLERS[logical] = handler
        definition = adapt_for_moto(plain_definition(template, refs))
        self._deploy_schedule_parts(template, refs, region)
        [(machine_logical, machine_resource)] = resources(template, "AWS::StepFunctions::StateMachine").items()
        name = resolve(machine_resource["Properties"].get("StateMachineName"), refs) or \
            f"{stack_name}-{uuid.uuid4().hex[:6]}"  # the template's name: Plan's role and variables name it
        machine = self.client("stepfunctions", region).create_state_machine(
            name=str(name), definition=json.dumps(definition), roleArn=role, type="STANDARD")["stateMachineArn"]
        refs.update({f"{bucket_logical}.Arn": f"arn:aws:s3:::{bucket}", machine_logical: machine,
                     "AWS::Partition": "aws", "AWS::Region": region, "AWS::AccountId": ACCOUNT})
        outputs = {name: {"Value": str(resolve(output["Value"], refs))}  # the template's own, resolved here
                   for name, output in template.get("Outputs", {}).items() if name != "DashboardName"}
        outputs.update({"StateMachineArn": {"Value": machine}, "BucketName": {"Value": bucket}})
        self.client("cloudformation", region).create_stack(StackName=stack_name, TemplateBody=json.dumps({
            "Resources": {"Placeholder": {"Type": "AWS::CloudFormation::WaitConditionHandle"}},
            "Outputs": outputs}))
        for schedule in resources(template, "AWS::Scheduler::Schedule").values():  # cdk.json's, as deployed
            props = resolve(schedule["Properties"], refs)
            self.client("scheduler", region).create_schedule(
                Name=props.get("Name") or f"schedule-{uuid.uuid4().hex[:8]}", GroupName=props["GroupName"],
                ScheduleExpression=props["ScheduleExpression"], Description=props.get("Description", ""),
                ScheduleExpressionTimezone=props.get("ScheduleExpressionTimezone", "UTC"),
                FlexibleTimeWindow=props["FlexibleTimeWindow"], State=props.get("State", "ENABLED"),
                Target=props["Target"])
        return machine, bucket, refs

    def _deploy_schedule_parts(self, template: dict[str, Any], refs: dict[str, str], region: str = REGION) -> None:
        """The schedule group, the role schedules start runs as, and their dead-letter queue."""
        for logical, group in resources(template, "AWS::Scheduler::ScheduleGroup").items():
            name = str(resolve(group["Properties"]["Name"], refs))
            refs[logical] = name
            refs[f"{logical}.Arn"] = self.client("scheduler", region).create_schedule_group(Name=name)["ScheduleGroupArn"]
        for logical in resources(template, "AWS::SQS::Queue"):
            url = self.client("sqs", region).create_queue(QueueName=f"{logical}-{uuid.uuid4().hex[:6]}")["QueueUrl"]
            refs[logical] = url
            refs[f"{logical}.Arn"] = self.client("sqs", region).get_queue_attributes(
                QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        for logical, role in resources(template, "AWS::IAM::Role").items():
            trust = role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0].get("Principal", {})
            if trust.get("Service") == "scheduler.amazonaws.com":
                refs[f"{logical}.Arn"] = self.client("iam").create_role(
                    RoleName=f"{logical}-{uuid.uuid4().hex[:6]}"[:64], AssumeRolePolicyDocument=json.dumps(
                        {"Version": "2012-10-17", "Statement": []}))["Role"]["Arn"]

    def close(self) -> None:
        from moto.awslambda.models import LambdaFunction
        LambdaFunction.invoke = self._original_invoke  # type: ignore[method-assign]
        for key, value in self._saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self.server.stop()


def rehearse(allowed_hosts: tuple[str, ...], run: Callable[[], T], run_id: str, store_root: Path,
             regions: tuple[str, ...] = ()) -> tuple[T, Path]:
    """Synthesize the stack, deploy it into moto's server here (in ``regions`` too: a run across
    regions), run ``run`` (the CLI's own AWS path) against it, and keep the run's files
    (result.json, reports, live.json, plan, spec) under ``store_root``/runs/<run id> before the
    server goes. Loopback targets are allowed, as locally."""
    # before jsii starts its Node process (importing aws_cdk does): its end-of-life banner, once per run
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    try:
        import aws_cdk  # noqa: F401
        import moto  # noqa: F401
    except ImportError as error:
        from runner.preflight import CouldNotRun
        raise CouldNotRun(f"--rehearse needs moto and the CDK libraries ({error.name} is missing): "
                          f"pip install 'squall[rehearse]' (and Node.js, which the CDK libraries run on)") from None
    from runner.aws.backend import AwsOptions, fetch_run, find_deployment
    # moto's state machine interpreter logs each failed state at ERROR (Step Functions keeps it in the
    # execution's history): the CLI says what failed, once, as it does on AWS
    logging.getLogger("moto.stepfunctions.parser").setLevel(logging.CRITICAL)
    template = synthesized_template(("127.0.0.0/8", "::1/128", "localhost", *allowed_hosts))
    store_root.mkdir(parents=True, exist_ok=True)
    log_path = store_root / f".rehearsal-{run_id}.log"
    with open(log_path, "a", encoding="utf-8") as log, functions_logging_to(log), Rehearsal() as rehearsal:
        _, bucket, _ = rehearsal.deploy(template)
        for region in (r for r in regions if r != REGION):
            rehearsal.deploy(template, region=region, bucket=bucket)
        outcome = run()
        destination = store_root / "runs"
        fetch_run(find_deployment(AwsOptions(stack=STACK, region=REGION, profile=None)), run_id, destination)
    kept = destination / run_id / "rehearsal.log"
    if kept.parent.is_dir():
        log_path.replace(kept)
        print(f"squall: the functions' own logs (Powertools JSON lines, EMF metrics): {kept}", file=sys.stderr)
    return outcome, destination / run_id


@contextlib.contextmanager
def functions_logging_to(log: TextIO) -> Iterator[None]:
    """The handlers run in this process: their Powertools log lines and EMF metrics (JSON, one a line,
    what CloudWatch Logs would hold) go to ``log``, not among the CLI's progress and summary (before:
    raw JSON lines in the middle of the summary on stdout)."""
    from aws_lambda_powertools.metrics.provider.cloudwatch_emf import cloudwatch

    from runner.aws.handlers import adapters
    handler = adapters.logger.logger_handler
    stream = getattr(handler, "stream", None)
    if isinstance(handler, logging.StreamHandler):
        handler.setStream(log)
    cloudwatch.print = functools.partial(print, file=log, flush=True)  # type: ignore[attr-defined]
    try:
        yield
    finally:
        del cloudwatch.print  # type: ignore[attr-defined]
        if isinstance(handler, logging.StreamHandler) and stream is not None:
            handler.setStream(stream)
