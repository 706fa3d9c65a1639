"""The specs upload (CDK's BucketDeployment), held to what it does: it copies specs/ into the
results bucket and never prunes, yet CDK grants its function read, write and delete on every key
of the bucket. Its policy is rewritten to read and list the bucket, and to write under specs/ only:
no delete anywhere, no write to runs/ (the results and the stop flags)."""
from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy

UPLOAD_ACTIONS = ("s3:GetBucket*", "s3:GetObject*", "s3:List*", "s3:PutObject", "s3:Abort*")


def upload_only(deployment: s3deploy.BucketDeployment, bucket: s3.IBucket, keys: str) -> None:
    """Rewrite the grant CDK gave ``deployment`` on ``bucket``: read and list it, write ``keys``."""
    policy = deployment.handler_role.node.try_find_child("DefaultPolicy")
    assert isinstance(policy, iam.Policy), "CDK's BucketDeployment role has no default policy any more"
    stack = cdk.Stack.of(deployment)
    document: dict[str, Any] = stack.resolve(policy.document)
    bucket_arn = stack.resolve(bucket.bucket_arn)
    objects = stack.resolve(bucket.arn_for_objects("*"))
    found = False
    for statement in document["Statement"]:
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        if bucket_arn in resources and objects in resources:
            statement["Action"] = list(UPLOAD_ACTIONS)
            statement["Resource"] = [bucket_arn, stack.resolve(bucket.arn_for_objects(keys))]
            found = True
    assert found, "CDK's BucketDeployment no longer grants its role the bucket as this module expects"
    cfn = policy.node.default_child
    assert isinstance(cfn, iam.CfnPolicy)
    cfn.policy_document = document  # the property itself (cdk-nag reads it; an override it would not see)
