"""Collect function: a branch of collect's reduce tree (action "reduce": a group of one slice's
workers merged into a partial), or the final merge: judge, write result.json and the reports."""
from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from runner.aws.handlers.adapters import logger, s3_store
from runner.aws.pipeline import collect_run, reduce_run


@logger.inject_lambda_context(log_event=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    logger.append_keys(run_id=event.get("run_id"))
    if event.get("action") == "reduce":
        reduced = reduce_run(event, s3_store())
        logger.info("reduced", extra=reduced)
        return reduced
    result = collect_run(event, s3_store())
    logger.info("collected", extra={"status": result["status"]})
    return result
