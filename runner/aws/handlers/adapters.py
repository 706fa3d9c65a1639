"""What every handler builds from its environment: the S3 store and the logger."""
from __future__ import annotations

import os

import boto3
from aws_lambda_powertools import Logger

from runner.aws.s3store import S3Store

logger = Logger(service="squall")


def bucket_name() -> str:
    return os.environ["SQUALL_BUCKET"]


def s3_store() -> S3Store:
    return S3Store(bucket_name(), boto3.client("s3"))
