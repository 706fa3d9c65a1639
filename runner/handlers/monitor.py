"""Monitor function: write live.json for a running slice and say when it is done."""
from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from runner.aws_pipeline import now, watch_slice
from runner.handlers.adapters import logger, s3_store


@logger.inject_lambda_context(log_event=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    logger.append_keys(run_id=event.get("run_id"))
    return watch_slice(event, s3_store(), now())
