"""IAM enforced in the emulated runs, as AWS would enforce it (moto skips authorization).

Every AWS call a principal makes (each Lambda handler as its synthesized role, the CLI with the
CLI policy in docs/aws.md) is turned into the IAM action and resource AWS would authorize, and judged
by a policy evaluator (moto's IAMPolicy: Allow and Deny, wildcards in Action and Resource,
NotAction) against that principal's policies *before* it is sent. A call no policy allows
raises AccessDenied, as AWS would, and is recorded: the test then fails on it, whatever the
product made of the error.

Calls made outside a principal (the test's own setup, moto's interpreter) are not judged.
Threads a handler starts (its executor threads) act as that handler.
"""
from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

REGION = "us-east-1"
ACCOUNT = "123456789012"

_current = threading.local()
_process_principal: list[Principal] = []  # a subprocess that acts as one principal throughout (any greenlet)


class Principal:
    def __init__(self, name: str, policies: list[dict[str, Any]]) -> None:
        self.name, self.policies = name, policies

    def allows(self, action: str, resource: str, context: dict[str, str] | None = None) -> bool:
        """``context``: the condition keys AWS sets for this call (iam:PassedToService for a PassRole)."""
        from moto.iam.access_control import IAMPolicy, PermissionResult
        permitted = False
        for policy in self.policies:
            result = IAMPolicy(json.dumps(policy)).is_action_permitted(action, resource,
                                                                       incoming_condition_values=context)
            if result == PermissionResult.DENIED:
                return False
            permitted = permitted or result == PermissionResult.PERMITTED
        return permitted


def _s3(operation: str, params: dict[str, Any]) -> tuple[str, str]:
    bucket = f"arn:aws:s3:::{params['Bucket']}"
    actions = {"GetObject": "s3:GetObject", "HeadObject": "s3:GetObject", "PutObject": "s3:PutObject",
               "DeleteObject": "s3:DeleteObject"}
    if operation in actions:
        return actions[operation], f"{bucket}/{params['Key']}"
    if operation in ("ListObjectsV2", "ListObjects", "HeadBucket"):  # HeadBucket: s3:ListBucket, as S3 documents
        return "s3:ListBucket", bucket
    raise KeyError(operation)


def _states(operation: str, params: dict[str, Any]) -> tuple[str, str]:
    for field in ("stateMachineArn", "executionArn", "mapRunArn"):
        if field in params:
            return f"states:{operation}", str(params[field])
    raise KeyError(operation)


def _arn(service: str, resource: str) -> str:
    return f"arn:aws:{service}:{REGION}:{ACCOUNT}:{resource}"


def _scheduler(operation: str, params: dict[str, Any]) -> tuple[str, str] | list[Any]:
    """EventBridge Scheduler: ListSchedules has no resource; a schedule is authorized by its group and
    name; creating or changing one also passes its target's role to the scheduler (iam:PassRole,
    with iam:PassedToService set)."""
    if operation == "ListSchedules":
        return "scheduler:ListSchedules", "*"
    schedule = _arn("scheduler", f"schedule/{params.get('GroupName') or 'default'}/{params['Name']}")
    if operation in ("CreateSchedule", "UpdateSchedule"):
        return [(f"scheduler:{operation}", schedule),
                ("iam:PassRole", str(params["Target"]["RoleArn"]), {"iam:PassedToService": "scheduler.amazonaws.com"})]
    if operation in ("GetSchedule", "DeleteSchedule"):
        return f"scheduler:{operation}", schedule
    raise KeyError(operation)


def action_and_resource(service: str, operation: str, params: dict[str, Any]) -> \
        tuple[str, str] | list[Any] | None:
    """(IAM action, resource ARN[, condition keys]) AWS authorizes for this call; None for calls that
    need no permission. KeyError for a call this table does not know yet: add it rather than guess."""
    if service == "scheduler":
        return _scheduler(operation, params)
    if service == "s3":
        return _s3(operation, params)
    if service == "stepfunctions":
        return _states(operation, params)
    if service == "sts" and operation == "GetCallerIdentity":
        return None
    if service == "cloudformation" and operation in ("DescribeStacks", "ListStackResources",
                                                     "DescribeStackResources"):
        return f"cloudformation:{operation}", _arn("cloudformation", f"stack/{params['StackName']}/id")
    if service == "cloudwatch" and operation in ("GetMetricData", "PutMetricData"):
        return f"cloudwatch:{operation}", "*"
    if service == "lambda" and operation == "GetAccountSettings":
        return "lambda:GetAccountSettings", "*"
    if service == "lambda" and operation in ("GetFunctionConfiguration", "GetFunctionConcurrency"):
        return f"lambda:{operation}", _arn("lambda", f"function:{params['FunctionName']}")
    if service == "apigateway" and operation == "GetRestApi":
        return "apigateway:GET", f"arn:aws:apigateway:{REGION}::/restapis/{params['restApiId']}"
    if service == "ssm" and operation == "GetParameter":
        return "ssm:GetParameter", _arn("ssm", f"parameter/{str(params['Name']).lstrip('/')}")
    if service == "ssm" and operation == "GetParameters":  # authorized per name: one refused name refuses the call
        return [("ssm:GetParameters", _arn("ssm", f"parameter/{str(name).lstrip('/')}")) for name in params["Names"]]
    if service == "secretsmanager" and operation == "GetSecretValue":
        return "secretsmanager:GetSecretValue", _arn("secretsmanager", f"secret:{params['SecretId']}-AbCdEf")
    raise KeyError(f"{service}:{operation}")


class Enforcer:
    """Patches botocore's one call path; ``denied`` collects every call that AWS would refuse."""

    def __init__(self, log_path: Path | None = None) -> None:
        self.denied: list[str] = []
        self.judged = 0
        self.log_path = log_path
        self._lock = threading.Lock()
        self._originals: dict[str, Any] = {}

    def install(self) -> None:
        from botocore.client import BaseClient
        from botocore.exceptions import ClientError
        original_call: Callable[..., Any] = BaseClient._make_api_call
        original_start = threading.Thread.start
        enforcer = self

        def make_api_call(client: Any, operation: str, params: dict[str, Any]) -> Any:
            principal: Principal | None = getattr(_current, "principal", None) or \
                (_process_principal[0] if _process_principal else None)
            if principal is not None:
                service = client.meta.service_model.service_name
                try:
                    needed = action_and_resource(service, operation, params)
                except KeyError as unknown:
                    enforcer._deny(f"{principal.name}: {unknown} is not in tests/iam_enforcement.py's table")
                    raise
                for action, resource, *context in [needed] if isinstance(needed, tuple) else needed or []:
                    with enforcer._lock:
                        enforcer.judged += 1
                    if not principal.allows(action, resource, context[0] if context else None):
                        message = f"{principal.name}: {action} on {resource}"
                        enforcer._deny(message)
                        raise ClientError({"Error": {"Code": "AccessDenied", "Message": f"not authorized: {message}"},
                                           "ResponseMetadata": {"HTTPStatusCode": 403}}, operation)
            return original_call(client, operation, params)

        def start(thread: threading.Thread) -> None:
            principal = getattr(_current, "principal", None)
            if principal is not None:
                run = thread.run

                def run_as_principal() -> None:
                    _current.principal = principal
                    run()
                thread.run = run_as_principal  # type: ignore[method-assign]
            original_start(thread)

        self._originals = {"call": original_call, "start": original_start}
        BaseClient._make_api_call = make_api_call  # type: ignore[method-assign]
        threading.Thread.start = start  # type: ignore[method-assign]

    def uninstall(self) -> None:
        from botocore.client import BaseClient
        if self._originals:
            BaseClient._make_api_call = self._originals["call"]  # type: ignore[method-assign]
            threading.Thread.start = self._originals["start"]  # type: ignore[method-assign]
            self._originals = {}

    def _deny(self, message: str) -> None:
        with self._lock:
            self.denied.append(message)
            if self.log_path is not None:
                with self.log_path.open("a", encoding="utf-8") as log:
                    log.write(message + "\n")


def act_as(principal: Principal | None) -> Principal | None:
    """Make the calling thread (and the threads it starts) act as ``principal``; returns the previous one."""
    previous = getattr(_current, "principal", None)
    _current.principal = principal
    return previous


def role_policies(template: dict[str, Any], refs: dict[str, str],
                  resolve: Callable[[Any, dict[str, str]], Any]) -> dict[str, list[dict[str, Any]]]:
    """Function logical id -> the inline policy documents of its role, tokens resolved."""
    by_role: dict[str, list[dict[str, Any]]] = {}
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::IAM::Policy":
            document = resolve(resource["Properties"]["PolicyDocument"], refs)
            for role in resource["Properties"]["Roles"]:
                by_role.setdefault(role["Ref"], []).append(document)
    policies: dict[str, list[dict[str, Any]]] = {}
    for logical, resource in template["Resources"].items():
        if resource["Type"] == "AWS::Lambda::Function":
            role = resource["Properties"]["Role"]["Fn::GetAtt"][0]
            policies[logical] = by_role.get(role, [])
    return policies


def cli_policy(page: str, bucket: str, machine_arn: str, region: str = REGION) -> dict[str, Any]:
    """The "IAM for the CLI" policy of docs/aws.md, with its placeholders filled in (for one
    region's stack: a run across regions is given the policy of each)."""
    section = page.split("## IAM for the CLI", 1)[1]
    text = re.search(r"```json\n(.*?)```", section, re.S)
    assert text, "docs/aws.md's IAM for the CLI section has no JSON policy"
    machine_name = machine_arn.rsplit(":", 1)[1]
    filled = (text.group(1).replace("STATE_MACHINE_ARN", machine_arn).replace("STATE_MACHINE_NAME", machine_name)
              .replace("BUCKET", bucket).replace("REGION", region).replace("ACCOUNT", ACCOUNT))
    return dict(json.loads(filled))


def console_policy(page: str, bucket: str, group: str, role_arn: str) -> dict[str, Any]:
    """The "IAM for the console" policy of docs/console.md, with its placeholders filled in."""
    section = page.split("## IAM for the console", 1)[1]
    text = re.search(r"```json\n(.*?)```", section, re.S)
    assert text, "docs/console.md's IAM for the console section has no JSON policy"
    filled = (text.group(1).replace("SCHEDULE_ROLE_ARN", role_arn).replace("SCHEDULE_GROUP", group)
              .replace("BUCKET", bucket).replace("REGION", REGION).replace("ACCOUNT", ACCOUNT))
    return dict(json.loads(filled))


def install_from_environment() -> None:
    """For a subprocess (tests/iam_site/sitecustomize.py), log denials to SQUALL_TEST_IAM_LOG:
    - a CLI: act as the policy in SQUALL_TEST_IAM_POLICY;
    - a process a handler starts (the Locust worker): act as that function's role, from
      SQUALL_TEST_IAM_ROLES/<AWS_LAMBDA_FUNCTION_NAME>.json.
    Installed when botocore.client is first imported, not before: a process that patches the
    standard library with gevent first thing (the Locust worker, the locustfile check) must be
    able to, before botocore has imported ssl."""
    policy_path = os.environ.get("SQUALL_TEST_IAM_POLICY")
    roles, function = os.environ.get("SQUALL_TEST_IAM_ROLES"), os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
    if policy_path:  # one policy, or a list of them (the CLI's and the console's)
        given = json.loads(Path(policy_path).read_text(encoding="utf-8"))
        principal = Principal("CLI", given if isinstance(given, list) else [given])
    elif roles and function and (Path(roles) / f"{function}.json").exists():
        principal = Principal(function, json.loads((Path(roles) / f"{function}.json").read_text(encoding="utf-8")))
    else:
        return
    _process_principal[:] = [principal]
    _after_import("botocore.client", lambda: Enforcer(Path(os.environ["SQUALL_TEST_IAM_LOG"])).install())


def _after_import(name: str, then: Callable[[], None]) -> None:
    import importlib.abc
    import importlib.util
    import sys

    class AfterImport(importlib.abc.MetaPathFinder):
        def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
            if fullname != name:
                return None
            sys.meta_path.remove(self)
            spec = importlib.util.find_spec(fullname)
            loader = spec.loader if spec is not None else None
            if loader is None:
                return spec
            execute = loader.exec_module

            def exec_module(module: Any) -> None:
                execute(module)
                then()
            loader.exec_module = exec_module  # type: ignore[method-assign]
            return spec

    if name in sys.modules:
        then()
    else:
        sys.meta_path.insert(0, AfterImport())
