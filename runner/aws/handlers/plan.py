"""Plan function: validate the spec, apply the guardrails, write the run's jobs (action
"plan"); give a slice its synchronized start instant (action "start_slice")."""
from __future__ import annotations

import os

import boto3
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from runner.aws.pipeline import now, plan_run, start_slice
from runner.guardrails import Guardrails
from runner.aws.handlers.adapters import bucket_name, logger, s3_store


@logger.inject_lambda_context(log_event=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if event.get("action") == "start_slice":
        return start_slice(event, now(), s3_store())
    result = plan_run(event, s3_store(), bucket_name(), Guardrails.from_env(os.environ), now(),
                      lambda_client=boto3.client("lambda"))
    logger.append_keys(run_id=result["run_id"])
    logger.info("planned", extra={"workers": result["workers"], "slices": len(result["slices"])})
    return result
