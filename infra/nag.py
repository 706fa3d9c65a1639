"""cdk-nag (AwsSolutions) findings this stack keeps on purpose, each with a true reason and
acknowledged on the construct it is about (not stack-wide), so the same finding on any other
resource still fails the synth.

Findings name resources by logical id, so the acknowledgments are built from the stack's
own constructs rather than copied strings.
"""
from __future__ import annotations

from collections.abc import Mapping

import aws_cdk as cdk
from constructs import IConstruct

from infra.settings import Settings

PREFIX = "AwsSolutions::AwsSolutions-"
RUN_KEYS = "objects are keyed by run id, unknown at deploy time: the grant is limited to that kind of key"
BASIC_ROLE = "IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]"
VPC_ROLE = "IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]"
CDK_READ = {
    "IAM5[Action::s3:GetObject*]": "CDK's read grant (GetObject and its variants), limited to run keys",
    "IAM5[Action::s3:GetBucket*]": "CDK's read grant on the results bucket",
    "IAM5[Action::s3:List*]": "CDK's read grant on the results bucket",
}
CDK_PUT = {"IAM5[Action::s3:Abort*]": "CDK's put grant (aborting multipart uploads), limited to run keys"}


def _id(stack: cdk.Stack, construct: IConstruct) -> str:
    element = construct if isinstance(construct, cdk.CfnElement) else construct.node.default_child
    return stack.get_logical_id(element)  # type: ignore[arg-type]


def _acknowledge(scope: IConstruct, reasons: Mapping[str, str]) -> None:
    """The findings acknowledged, each with its reason. A stack deployed to a named region
    (squall:regions) has most of its ARNs written with the partition and region, not their tokens
    (a managed policy's keep the partition's): its findings are acknowledged in both spellings."""
    stack = cdk.Stack.of(scope)
    literal = {"<AWS::Partition>": stack.partition, "<AWS::Region>": stack.region}
    literal = {token: value for token, value in literal.items() if not cdk.Token.is_unresolved(value)}

    def written(finding: str) -> str:
        for token, value in literal.items():
            finding = finding.replace(token, value)
        return finding
    spelled = {**reasons, **{written(finding): reason for finding, reason in reasons.items()}}
    cdk.Validations.of(scope).acknowledge(
        *(cdk.Acknowledgment(id=PREFIX + finding, reason=reason) for finding, reason in spelled.items()))


def _run_keys(bucket: str, *keys: str) -> dict[str, str]:
    return {f"IAM5[Resource::<{bucket}.Arn>/{key}]": RUN_KEYS for key in keys}


def acknowledge_findings(stack: cdk.Stack, settings: Settings, bucket_construct: cdk.Resource,
                         state_machine: cdk.Resource, functions: Mapping[str, cdk.Resource]) -> None:
    """``functions``: plan, worker, monitor and collect by name."""
    bucket = _id(stack, bucket_construct)
    machine = _id(stack, state_machine)
    _acknowledge(bucket_construct, {
        "S1": "the results bucket is written by this stack's roles and by the squall CLI of the people allowed to "
              "run tests (its IAM policy is in docs/aws.md); access logs would add a log object per shard write of "
              "every run; enable CloudTrail data events where an audit trail is required"})
    every_function = {
        BASIC_ROLE: "AWSLambdaBasicExecutionRole only lets a function write its own logs",
        "L1": "Python 3.13 is the newest runtime the pinned native wheels (uvloop, httptools) are verified on",
        **CDK_READ,
    }
    ssm_prefix = settings.ssm_parameter_prefix.strip("/")
    secret_prefix = settings.secret_name_prefix
    secret = "workers read the secrets specs reference, by name at run time, only under the configured prefix"
    own = {
        "plan": {
            **CDK_PUT, **_run_keys(bucket, "specs/*", "runs/*", "runs/*/control/*", "runs/*/meta.json",
                                              "runs/*/plan.json", "runs/*/claim.json"),
            "IAM5[Resource::*]": "lambda:GetAccountSettings has no resource-level permissions",
            f"IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:"
            f"{stack.stack_name}-Run:*]": "Plan reads which run each of this state machine's running executions is "
                                          "(read-only), to count their workers against the account's concurrency",
        },
        "worker": {
            **CDK_PUT, **_run_keys(bucket, "runs/*/jobs/*", "runs/*/control/*", "runs/*/shards/*",
                                              "runs/*/snapshots/*"),
            f"IAM5[Resource::arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:parameter/{ssm_prefix}/*]": secret,
            f"IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:"
            f"{secret_prefix}*]": secret,
        },
        "monitor": {**CDK_PUT, **_run_keys(bucket, "runs/*", "runs/*/live.json", "runs/*/control/stop",
                                           "runs/*/control/stop-groups/*",
                                           "runs/*/monitor/*", "runs/*/gathered/*")},
        "collect": {
            **CDK_PUT, **_run_keys(bucket, "runs/*", "runs/*/result.json", "runs/*/summary.json", "runs/*/report.*",
                                   "runs/*/reports/*",
                                   "runs/*/partials/*",
                                   "baselines/*"),
            "IAM5[Resource::*]": "cloudwatch:GetMetricData and lambda:GetAccountSettings have no resource-level "
                                 "permissions",
            "IAM5[Resource::arn:<AWS::Partition>:apigateway:<AWS::Region>::/restapis/*]":
                "collect reads the name of the target's REST APIs, named in each spec (read-only)",
            **{f"IAM5[Resource::arn:<AWS::Partition>:cloudformation:<AWS::Region>:<AWS::AccountId>:stack/{name}/*]":
               "collect lists the resources of the target's stack, named in each spec (read-only), among the "
               "stacks squall:watchedStacks allows" for name in settings.watched_stacks},
            **{f"IAM5[Resource::arn:<AWS::Partition>:lambda:<AWS::Region>:<AWS::AccountId>:function:{name}]":
               "collect reads the memory size of the target's functions (read-only), among the functions "
               "squall:watchedFunctions allows" for name in settings.watched_functions if "*" in name or "?" in name},
        },
    }
    if settings.vpc is not None:
        own["worker"][VPC_ROLE] = ("AWSLambdaVPCAccessExecutionRole only lets the worker manage the network interfaces "
                                   "it runs in (squall:vpc), which Lambda needs to place it in the VPC")
    for name, function in functions.items():
        _acknowledge(function, {**every_function, **own[name]})
    executions = "Distributed Map child executions of this state machine (granted by CDK)"
    machine_ref = f'{{"Fn::Select":[6,{{"Fn::Split":[":",{{"Ref":"{machine}"}}]}}]}}'
    _acknowledge(state_machine, {
        "IAM5[Resource::*]": "X-Ray trace writes have no resource-level permissions",
        **CDK_READ, **_run_keys(bucket, "runs/*/slices/*", "runs/*/failed/*", "runs/*/gather-failed/*"),
        f"IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:{machine_ref}:*]":
            executions,
        f"IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:{machine_ref}/*:*]":
            executions,
        **{f"IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:{machine_ref}/"
           f"{label}:*]": executions for label in ("Workers", "Gatherers")},  # the labelled maps' children
        **{f"IAM5[Resource::<{_id(stack, function)}.Arn>:*]":
           "invoking this stack's own function with any version qualifier (granted by CDK's LambdaInvoke)"
           for function in functions.values()},
    })
    dead_letters = stack.node.try_find_child("ScheduleDeadLetters")
    if dead_letters is not None:
        _acknowledge(dead_letters, {"SQS3": "it is itself the dead-letter queue of the schedules' failed starts"})
    for child in stack.node.children:  # the spec upload's singleton function (BucketDeployment)
        if child.node.id.startswith("Custom::CDKBucketDeployment"):
            _acknowledge(child, {
                BASIC_ROLE: "CDK's BucketDeployment function only writes its own logs with it",
                "L1": "the runtime of CDK's own BucketDeployment function is chosen by CDK",
                **CDK_READ, **CDK_PUT,
                **_run_keys(bucket, "specs/*"),  # its grant rewritten: it writes specs/ only (infra/deployment.py)
                "IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*]":
                    "the spec upload reads its staged asset from the CDK assets bucket",
            })
