"""What the deployed stack (infra/) and the runner agree on, in one module that imports nothing,
so infra/ reads it without importing the runner (tests/unit/test_layout.py allows this one module)."""
from __future__ import annotations

import re

# The stack's shape as the CLI and the handlers rely on it (outputs, key layout, grants); the stack
# says its own as the StackFormat output, `squall doctor` and the CLI compare it with this one.
# 2: the StackFormat, WorkerFunctionName and MaxWorkers outputs; 3: shards, snapshots and stop flags
# under key groups of 200 workers (analysis.shard.KEY_GROUP_WORKERS), within S3's per-prefix rates.
STACK_FORMAT = 3

# A wide slice's workers are read in groups of this many, one gatherer each (runner.plan).
GATHER_GROUP_WORKERS = 200

# The Collect function's memory: Plan checks a run's final merge fits it (runner.aws.pipeline).
COLLECT_MEMORY_MB = 3008

# Lambda's account-wide concurrency quota for new accounts can be as low as 10; it keeps 100
# executions unreserved, so reserving any needs a quota of at least 100 + the reserves (AWS docs:
# "Lambda function scaling", "Configuring reserved concurrency").
UNRESERVED_MINIMUM = 100

# A schedule (cdk.json's squall:schedules, or one the console creates in the stack's schedule group):
# its name, and the expressions EventBridge Scheduler takes (rate, cron with six fields, at).
SCHEDULE_NAME = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
SCHEDULE_EXPRESSIONS = (re.compile(r"^rate\(\s*[1-9]\d*\s+(minute|minutes|hour|hours|day|days)\s*\)$"),
                        re.compile(r"^cron\(\s*\S+(\s+\S+){5}\s*\)$"),  # minutes hours day month weekday year
                        re.compile(r"^at\(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\)$"))
SCHEDULE_EXPRESSION_HINT = "rate(1 day), cron(0 2 * * ? *) (six fields) or at(2026-12-24T08:00:00)"


def is_schedule_expression(text: str) -> bool:
    return any(pattern.match(text.strip()) for pattern in SCHEDULE_EXPRESSIONS)
