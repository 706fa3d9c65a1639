"""cdk-nag (AwsSolutions) findings this stack keeps on purpose, each with a true reason.

Findings name resources by logical id, so the acknowledgments are built from the stack's
own constructs rather than copied strings.
"""
from __future__ import annotations

from collections.abc import Sequence

import aws_cdk as cdk

PREFIX = "AwsSolutions::AwsSolutions-"
RUN_KEYS = "objects are keyed by run id, unknown at deploy time: the grant is limited to that kind of key"


def _id(stack: cdk.Stack, construct: cdk.Resource | cdk.CfnElement) -> str:
    element = construct if isinstance(construct, cdk.CfnElement) else construct.node.default_child
    return stack.get_logical_id(element)  # type: ignore[arg-type]


def acknowledge_findings(stack: cdk.Stack, bucket_construct: cdk.Resource, state_machine: cdk.Resource,
                         functions: Sequence[cdk.Resource]) -> None:
    """Acknowledge, on ``stack``, the findings its bucket, state machine and functions keep on purpose."""
    bucket = _id(stack, bucket_construct)
    machine = _id(stack, state_machine)
    reasons: dict[str, str] = {
        "IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]":
            "AWSLambdaBasicExecutionRole only lets a function write its own logs",
        "S1": "the results bucket is written by this stack's roles and by the squall CLI of the people allowed to "
              "run tests (its IAM policy is in the README); access logs would add a log object per shard write of "
              "every run; enable CloudTrail data events where an audit trail is required",
        "L1": "Python 3.13 is the newest runtime the pinned native wheels (uvloop, httptools) are verified on",
        "IAM5[Action::s3:GetObject*]": "CDK's read grant (GetObject and its variants), limited to run keys",
        "IAM5[Action::s3:GetBucket*]": "CDK's read grant on the results bucket",
        "IAM5[Action::s3:List*]": "CDK's read grant on the results bucket",
        "IAM5[Action::s3:Abort*]": "CDK's put grant (aborting multipart uploads), limited to run keys",
        "IAM5[Action::s3:DeleteObject*]": "the spec upload (BucketDeployment) replaces specs/ objects it owns",
        "IAM5[Resource::*]": "cloudwatch:GetMetricData, lambda:GetAccountSettings and X-Ray trace writes have no "
                             "resource-level permissions",
        "IAM5[Resource::arn:<AWS::Partition>:apigateway:<AWS::Region>::/restapis/*]":
            "collect reads the name of the target's REST APIs, named in each spec (read-only)",
        f"IAM5[Resource::<{bucket}.Arn>/*]": "the spec upload (BucketDeployment) writes under specs/",
        f"IAM5[Resource::arn:<AWS::Partition>:s3:::<{bucket}>/*]":
            "the Distributed Map's S3 item reader (granted by CDK) reads each slice's job list",
        "IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*]":
            "the spec upload reads its staged asset from the CDK assets bucket",
        "IAM5[Resource::arn:<AWS::Partition>:cloudformation:<AWS::Region>:<AWS::AccountId>:stack/*]":
            "collect lists the resources of the target's stack, named in each spec (read-only)",
        "IAM5[Resource::arn:<AWS::Partition>:lambda:<AWS::Region>:<AWS::AccountId>:function:*]":
            "collect reads the memory size of the target's functions, named in each spec (read-only)",
        f'IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:'
        f'{{"Fn::Select":[6,{{"Fn::Split":[":",{{"Ref":"{machine}"}}]}}]}}:*]':
            "Distributed Map child executions of this state machine (granted by CDK)",
        f'IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:'
        f'{{"Fn::Select":[6,{{"Fn::Split":[":",{{"Ref":"{machine}"}}]}}]}}/*:*]':
            "Distributed Map child executions of this state machine (granted by CDK)",
    }
    ssm_prefix = str(stack.node.try_get_context("squall:ssmParameterPrefix") or "/squall/").strip("/")
    secret_prefix = str(stack.node.try_get_context("squall:secretNamePrefix") or "squall/")
    reasons[f"IAM5[Resource::arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:parameter/{ssm_prefix}/*]"] = \
        "workers read the secrets specs reference, by name at run time, only under the configured prefix"
    reasons[f"IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:"
            f"{secret_prefix}*]"] = \
        "workers read the secrets specs reference, by name at run time, only under the configured prefix"
    for key in ("specs/*", "runs/*", "runs/*/jobs/*", "runs/*/control/*", "runs/*/control/stop", "runs/*/shards/*",
                "runs/*/live.json", "runs/*/meta.json", "baselines/*",
                "runs/*/result.json", "runs/*/report.*", "runs/*/reports/*", "runs/*/slices/*"):
        reasons[f"IAM5[Resource::<{bucket}.Arn>/{key}]"] = RUN_KEYS
    for function in functions:
        reasons[f"IAM5[Resource::<{_id(stack, function)}.Arn>:*]"] = \
            "invoking this stack's own function with any version qualifier (granted by CDK's LambdaInvoke)"
    cdk.Validations.of(stack).acknowledge(
        *(cdk.Acknowledgment(id=PREFIX + finding, reason=reason) for finding, reason in reasons.items()))
