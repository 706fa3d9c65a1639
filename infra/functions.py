"""The four Lambda functions (plan, worker, monitor, collect), their logs and their grants."""
from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.bundling import lambda_code
from infra.network import WorkerNetwork
from runner.contract import COLLECT_MEMORY_MB, GATHER_GROUP_WORKERS


def gatherers_for(max_workers: int) -> int:
    """The most gatherers a slice of ``max_workers`` workers gets (runner.plan.gather_group_workers)."""
    return 0 if max_workers <= GATHER_GROUP_WORKERS else -(-max_workers // GATHER_GROUP_WORKERS)


class Functions(Construct):
    """Exposes ``plan``, ``worker``, ``monitor`` and ``collect``."""

    def __init__(self, scope: Construct, construct_id: str, *, bucket: s3.IBucket,
                 architecture: lambda_.Architecture, worker_memory_mb: int,
                 guardrail_env: dict[str, str], secret_prefixes: tuple[str, str] = ("/squall/", "squall/"),
                 worker_reserved_concurrency: int | None = None, control_reserved_concurrency: int = 0,
                 max_workers: int = 100, watched_stacks: tuple[str, ...] = ("*",),
                 watched_functions: tuple[str, ...] = ("*",), network: WorkerNetwork | None = None,
                 concurrent_runs: int = 1) -> None:
        super().__init__(scope, construct_id)
        code = lambda_code(architecture, with_locust=False)  # plan, monitor, collect: no Locust (half the bundle)
        common_env = {"SQUALL_BUCKET": bucket.bucket_name, "POWERTOOLS_SERVICE_NAME": "squall",
                      "POWERTOOLS_LOG_LEVEL": "INFO"}

        def function(name: str, handler: str, memory_mb: int, timeout: cdk.Duration,
                     env: dict[str, str] | None = None, reserved: int | None = None,
                     bundle: lambda_.Code = code, in_network: WorkerNetwork | None = None) -> lambda_.Function:
            log_group = logs.LogGroup(self, f"{name}Logs", retention=logs.RetentionDays.ONE_MONTH,
                                      removal_policy=cdk.RemovalPolicy.DESTROY)
            return lambda_.Function(
                self, name, runtime=lambda_.Runtime.PYTHON_3_13, architecture=architecture, code=bundle,
                # X-Ray off: the handlers have no Tracer, so an active trace held only Lambda's own
                # segment, paid per trace; the load's figures are in the shards, the pipeline's in its
                # logs and EMF metrics, and tracing the workers' requests would cost CPU per request
                handler=handler, memory_size=memory_mb, timeout=timeout, tracing=lambda_.Tracing.DISABLED,
                environment={**common_env, **(env or {})}, log_group=log_group,
                description=f"Squall {name.lower()}", reserved_concurrent_executions=reserved,
                vpc=in_network.vpc if in_network else None, vpc_subnets=in_network.subnets if in_network else None,
                security_groups=in_network.security_groups if in_network else None)

        # squall:controlReservedConcurrency: the functions that run the run keep a few executions of their
        # own, so workers that exhaust the account's pool cannot throttle the monitor (which writes an
        # abort's stop flag), Abandon or Collect; it caps how many runs go on at once at as many
        # squall:concurrentRuns: the reserves hold that many runs at once (Plan refuses one more, saying so)
        control = control_reserved_concurrency * concurrent_runs or None
        monitor_reserved = (control_reserved_concurrency + 2 * gatherers_for(max_workers)) * concurrent_runs \
            if control else None
        self.plan = function("Plan", "runner.aws.handlers.plan.handler", 512, cdk.Duration.minutes(2),
                             {**guardrail_env, "SQUALL_COLLECT_MEMORY_MB": str(COLLECT_MEMORY_MB),
                              "SQUALL_MONITOR_RESERVED": str(monitor_reserved or 0),
                              "SQUALL_WORKER_RESERVED": str(worker_reserved_concurrency or 0)},
                             reserved=control)
        # squall:workerReservedConcurrency: the workers get a pool of their own, so a test cannot
        # take the concurrency the target's functions need (and vice versa)
        self.worker = function("Worker", "runner.aws.handlers.worker.handler", worker_memory_mb, cdk.Duration.minutes(15),
                               reserved=worker_reserved_concurrency, bundle=lambda_code(architecture),
                               in_network=network)  # squall:vpc: only the workers reach the target
        # 1,769 MB: one full vCPU (1,024 MB had ~0.58), for a tick that reads up to 200 workers' new shards
        # (a narrow slice's, or a gatherer's group: 0.34 s a second on this machine's core, bench/aws_scale.py)
        # It runs the gatherers of wide slices too (a group of workers each, two slices' at a handover)
        self.monitor = function("Monitor", "runner.aws.handlers.monitor.handler", 1769, cdk.Duration.minutes(2),
                                reserved=monitor_reserved)
        # 3,008 MB: the final merge holds the run's per-second timeline (~255 MB an hour, measured), so
        # a 6-hour run fits (runner.collect_budget.collect_problem), with ~1.7 vCPU for the merge
        self.collect = function("Collect", "runner.aws.handlers.collect.handler", COLLECT_MEMORY_MB,
                                cdk.Duration.minutes(10),
                                {"SQUALL_WORKER_MEMORY_MB": str(worker_memory_mb),
                                 "SQUALL_ARCHITECTURE": "arm64" if architecture.name == "arm64" else "x86_64"},
                                reserved=control)

        # Least privilege, by key prefix. HEAD of a missing key answers 404 only to a
        # principal that may list the bucket (403 otherwise), so the readers may list it.
        bucket.grant_read(self.plan, "specs/*")
        bucket.grant_put(self.plan, "runs/*")
        bucket.grant_read(self.plan, "runs/*/control/*")  # abandon: an abort's or a user's stop flag is kept
        bucket.grant_read(self.plan, "runs/*/meta.json")  # a schedule delivered twice finds its run planned
        bucket.grant_read(self.plan, "runs/*/plan.json")  # abandon: the key groups whose stop flags it writes
        bucket.grant_read(self.plan, "runs/*/claim.json")  # the concurrency an earlier run's Plan claims
        bucket.grant_read(self.worker, "runs/*/jobs/*")
        bucket.grant_read(self.worker, "runs/*/control/*")
        bucket.grant_put(self.worker, "runs/*/shards/*")
        bucket.grant_put(self.worker, "runs/*/snapshots/*")  # each worker's whole slice in one object, for collect
        bucket.grant_read(self.monitor, "runs/*")
        bucket.grant_put(self.monitor, "runs/*/live.json")
        bucket.grant_put(self.monitor, "runs/*/control/stop")  # an abort rule's breach stops the workers:
        bucket.grant_put(self.monitor, "runs/*/control/stop-groups/*")  # the reason, then each key group's flag
        bucket.grant_put(self.monitor, "runs/*/monitor/*")  # its progress between ticks (listing cursor, totals)
        bucket.grant_put(self.monitor, "runs/*/gathered/*")  # as a gatherer: a group's new shards in one object
        bucket.grant_read(self.collect, "runs/*")
        bucket.grant_read(self.collect, "baselines/*")  # regression thresholds compare with the baseline run
        for key in ("runs/*/result.json", "runs/*/summary.json", "runs/*/report.*", "runs/*/reports/*",
                    "runs/*/partials/*"):
            bucket.grant_put(self.collect, key)
        for fn in (self.worker, self.monitor, self.collect):
            fn.add_to_role_policy(iam.PolicyStatement(actions=["s3:ListBucket"], resources=[bucket.bucket_arn]))
        stack = cdk.Stack.of(self)
        # Secrets a spec references ({{ secret:ssm:/squall/... }}, {{ secret:secretsmanager:squall/... }}),
        # read by the worker only, under the prefixes the context allows.
        ssm_prefix, secret_prefix = secret_prefixes
        self.worker.add_to_role_policy(iam.PolicyStatement(actions=["ssm:GetParameters"], resources=[
            stack.format_arn(service="ssm", resource="parameter", resource_name=f"{ssm_prefix.strip('/')}/*")]))
        self.worker.add_to_role_policy(iam.PolicyStatement(actions=["secretsmanager:GetSecretValue"], resources=[
            stack.format_arn(service="secretsmanager", resource="secret", resource_name=f"{secret_prefix}*",
                             arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME)]))
        self.collect.add_to_role_policy(iam.PolicyStatement(actions=["cloudwatch:GetMetricData"], resources=["*"]))
        # squall:watchedStacks, squall:watchedFunctions: the target's stacks and functions collect may read
        # (the resources a spec's aws section names or discovers); every one in the account unless narrowed
        self.collect.add_to_role_policy(iam.PolicyStatement(
            actions=["cloudformation:ListStackResources", "cloudformation:DescribeStackResources"],
            resources=[stack.format_arn(service="cloudformation", resource="stack", resource_name=f"{name}/*")
                       for name in watched_stacks]))
        self.collect.add_to_role_policy(iam.PolicyStatement(
            actions=["apigateway:GET"],
            resources=[stack.format_arn(service="apigateway", account="", resource="/restapis", resource_name="*")]))
        for fn in (self.plan, self.collect):  # plan checks the concurrency headroom; collect reads the quota
            fn.add_to_role_policy(iam.PolicyStatement(actions=["lambda:GetAccountSettings"], resources=["*"]))
        self.collect.add_to_role_policy(iam.PolicyStatement(
            actions=["lambda:GetFunctionConfiguration", "lambda:GetFunctionConcurrency"],
            resources=[stack.format_arn(service="lambda", resource="function", resource_name=name,
                                        arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME)
                       for name in watched_functions]))
