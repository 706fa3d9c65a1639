"""What every handler builds from its environment: the S3 store and the logger."""
from __future__ import annotations

import os

import boto3
from aws_lambda_powertools import Logger
from botocore.config import Config

from runner.aws.s3store import S3Store

logger = Logger(service="squall")


def bucket_name() -> str:
    return os.environ["SQUALL_BUCKET"]


def s3_store() -> S3Store:
    return S3Store(bucket_name(), boto3.client("s3"))


def stop_flag_store() -> S3Store:
    """For polling the stop flag: short timeouts and one retry, so a slow answer is a missed poll
    (the next one comes a second later), never a stalled or killed worker."""
    config = Config(connect_timeout=2, read_timeout=2, retries={"total_max_attempts": 2, "mode": "standard"})
    return S3Store(bucket_name(), boto3.client("s3", config=config))
