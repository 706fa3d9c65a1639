"""What the deployed stack (infra/) and the runner agree on, in one module that imports nothing,
so infra/ reads it without importing the runner (tests/unit/test_layout.py allows this one module)."""
from __future__ import annotations

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
