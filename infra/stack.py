"""The Squall stack: results bucket, functions, state machine, schedules, guardrails, outputs.
Environment-agnostic (no account or region lookups), so it synthesizes with no credentials."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as targets
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.dashboard import LoadTestDashboard
from infra.deployment import upload_only
from infra.functions import Functions
from infra.nag import acknowledge_findings
from infra.network import WorkerNetwork
from infra.orchestration import Orchestration, state_machine_arn, state_machine_name
from infra.settings import read_settings
from runner.contract import STACK_FORMAT

ROOT = Path(__file__).resolve().parent.parent


class SquallStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        settings = read_settings(self, ROOT / "specs")
        architecture = lambda_.Architecture.X86_64 if settings.architecture == "x86_64" else lambda_.Architecture.ARM_64
        max_workers = settings.max_workers
        expire_days = settings.results_expire_days
        self.bucket = s3.Bucket(
            self, "Results", encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL, enforce_ssl=True, versioned=False,
            lifecycle_rules=[s3.LifecycleRule(prefix=prefix, expiration=cdk.Duration.days(expire_days))
                             for prefix in ("runs/", "specs/runs/")],  # a run's uploaded spec goes with the run
            removal_policy=cdk.RemovalPolicy.RETAIN)
        guardrail_env = {
            "SQUALL_ALLOWED_HOSTS": ",".join(settings.allowed_hosts),
            "SQUALL_MAX_WORKERS": str(max_workers),
            "SQUALL_MAX_DURATION_S": str(settings.max_duration_s),
        }
        self.network = WorkerNetwork(self, "Network", settings=settings.vpc) if settings.vpc else None
        self.functions = Functions(self, "Functions", bucket=self.bucket, architecture=architecture,
                                   worker_memory_mb=settings.worker_memory_mb, guardrail_env=guardrail_env,
                                   secret_prefixes=(settings.ssm_parameter_prefix, settings.secret_name_prefix),
                                   worker_reserved_concurrency=settings.worker_reserved_concurrency,
                                   control_reserved_concurrency=settings.control_reserved_concurrency,
                                   concurrent_runs=settings.concurrent_runs,
                                   max_workers=max_workers, watched_stacks=settings.watched_stacks,
                                   watched_functions=settings.watched_functions, network=self.network)
        self.orchestration = Orchestration(
            self, "Orchestration", plan=self.functions.plan, worker=self.functions.worker,
            monitor=self.functions.monitor, collect=self.functions.collect, bucket=self.bucket,
            max_workers=max_workers)
        machine = self.orchestration.state_machine
        # Plan counts the runs going on beside the one it plans (their workers share the account's concurrency)
        self.functions.plan.add_environment("SQUALL_STATE_MACHINE_ARN", state_machine_arn(self))
        self.functions.plan.add_environment("SQUALL_CONCURRENT_RUNS", str(settings.concurrent_runs))
        self.functions.plan.add_to_role_policy(iam.PolicyStatement(actions=["states:ListExecutions"],
                                                                   resources=[state_machine_arn(self)]))
        self.functions.plan.add_to_role_policy(iam.PolicyStatement(actions=["states:DescribeExecution"], resources=[
            self.format_arn(service="states", resource="execution", resource_name=f"{state_machine_name(self)}:*",
                            arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME)]))
        if (ROOT / "specs").is_dir():
            specs = s3deploy.BucketDeployment(self, "Specs", sources=[s3deploy.Source.asset(str(ROOT / "specs"))],
                                              destination_bucket=self.bucket, destination_key_prefix="specs/",
                                              prune=False)
            upload_only(specs, self.bucket, "specs/*")
        # Schedules: those of cdk.json and those the console creates share one group, one role and one
        # dead-letter queue (a scheduled run that still fails to start after its retries is kept there, 14 days)
        self.schedule_group = scheduler.ScheduleGroup(self, "Schedules", schedule_group_name=f"{self.stack_name}-runs")
        self.schedule_dlq = sqs.Queue(
            self, "ScheduleDeadLetters", retention_period=cdk.Duration.days(14), enforce_ssl=True,
            encryption=sqs.QueueEncryption.SQS_MANAGED)
        self.schedule_role = iam.Role(self, "ScheduleRole", assumed_by=iam.ServicePrincipal(
            "scheduler.amazonaws.com", conditions={"StringEquals": {"aws:SourceAccount": self.account}}),
            description="what a Squall schedule starts runs as: the state machine, and its dead letters")
        machine.grant_start_execution(self.schedule_role)
        self.schedule_dlq.grant_send_messages(self.schedule_role)
        for item in settings.schedules:
            schedule = scheduler.Schedule(
                self, f"Schedule-{item.name}", description=f"Squall run of {item.spec_key} (cdk.json)",
                schedule_name=item.name, schedule_group=self.schedule_group,  # the console lists it by this name
                schedule=scheduler.ScheduleExpression.expression(item.expression, cdk.TimeZone.of(item.timezone)),
                target=targets.StepFunctionsStartExecution(
                    machine, input=scheduler.ScheduleTargetInput.from_object({
                        "spec_key": item.spec_key,
                        # one run id per scheduled time: a second delivery of it ends as AlreadyPlanned
                        "run_id": f"{item.name}-{scheduler.ContextAttribute.scheduled_time}"}),
                    # retried: a second delivery of a scheduled time is the same run id, which Plan refuses
                    # as AlreadyPlanned (meta.json is written once), so no run starts twice
                    role=self.schedule_role,
                    retry_attempts=3, max_event_age=cdk.Duration.hours(1), dead_letter_queue=self.schedule_dlq))
            schedule.node.add_dependency(self.schedule_group)  # it names the group, which CloudFormation cannot see
        self.dashboard = LoadTestDashboard(self, "Dashboard").dashboard
        cdk.CfnOutput(self, "StateMachineArn", value=machine.state_machine_arn)
        cdk.CfnOutput(self, "DashboardName", value=self.dashboard.dashboard_name)
        cdk.CfnOutput(self, "BucketName", value=self.bucket.bucket_name)
        # what `squall doctor` and the CLI read of the deployed stack: its shape, the workers' function
        # (its reserved concurrency) and how many workers a run may have
        cdk.CfnOutput(self, "StackFormat", value=str(STACK_FORMAT))
        cdk.CfnOutput(self, "WorkerFunctionName", value=self.functions.worker.function_name)
        cdk.CfnOutput(self, "MaxWorkers", value=str(max_workers))
        # what the console's schedules page creates schedules with (docs/console.md)
        cdk.CfnOutput(self, "ScheduleGroupName", value=self.schedule_group.schedule_group_name)
        cdk.CfnOutput(self, "ScheduleRoleArn", value=self.schedule_role.role_arn)
        cdk.CfnOutput(self, "ScheduleDeadLetterArn", value=self.schedule_dlq.queue_arn)
        acknowledge_findings(self, settings, self.bucket, machine, {
            "plan": self.functions.plan, "worker": self.functions.worker, "monitor": self.functions.monitor,
            "collect": self.functions.collect})
