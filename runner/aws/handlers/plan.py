"""Plan function: validate the spec, apply the guardrails, write the run's jobs (action
"plan"); give a slice its synchronized start instant (action "start_slice"); record a failure
and stop the workers (action "abandon", the state machine's catch)."""
from __future__ import annotations

import os
from typing import Any

import boto3
from aws_lambda_powertools.utilities.typing import LambdaContext

from runner.aws.handlers.adapters import bucket_name, logger, s3_store
from runner.aws.pipeline import abandon_run, now, plan_run, start_slice
from runner.guardrails import Guardrails


@logger.inject_lambda_context(log_event=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if event.get("action") == "start_slice":
        return start_slice(event, now(), s3_store())
    if event.get("action") == "abandon":
        logger.append_keys(run_id=event.get("run_id"))
        logger.warning("run abandoned", extra={"failure": event.get("failure")})
        return abandon_run(event, s3_store(), now())
    result = plan_run(event, s3_store(), bucket_name(), Guardrails.from_env(os.environ), now(),
                      lambda_client=boto3.client("lambda"), stepfunctions=boto3.client("stepfunctions"))
    logger.append_keys(run_id=result["run_id"])
    if result["duplicate"]:
        logger.warning("already planned: a second delivery of the same scheduled run ends here")
    else:
        logger.info("planned", extra={"workers": result["workers"], "slices": len(result["slices"])})
    return result
