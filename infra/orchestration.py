"""The state machine that runs a load test.

    Plan ─► Duplicate? ─► Run (Parallel) ─► Settle (Wait) ─► Collect ─► Verdict?
              ┬─ Slices (each waits for its planned start: they hand over without a pause)
              │    └─ WakeUp (Wait) ─► StartSlice ─► stopped? ─► Launch (Wait) ─► Slice (Parallel)
              │         ┬─ Workers: Distributed Map over the slice's jobs in S3
              │         │    └─ Worker (Lambda, synchronous, never retried once started)
              │         └─ Gatherers: Distributed Map over a wide slice's groups of workers
              │              └─ Gather (the group's new shards in one object, a second) ─► done? ─► Gather
              │         ─► Reduce (the slice's groups of workers merged into partials, for collect)
              └─ Monitor loop, for the whole run: Monitor (live.json) ─► done? ─► Wait ─► Monitor
              └─ on any error (after retries): Abandon (failure.json + stop flag) ─► WaitForWorkers ─► Settle
    Verdict: FAIL or ABORTED ─► Fail (cause names the failed thresholds or the abort); INCONCLUSIVE ─► Fail
    too (unless the input says "inconclusive_fails": false); otherwise Succeed.

Monitor, Gather and Collect are idempotent and retried on any error; the Worker is retried only on
errors Lambda raises before it runs.

Step Functions carries pointers (S3 keys), never results: S3 is the source of truth.
"""
from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

# Errors Lambda raises before the function runs: safe to retry, no load was sent.
NOT_STARTED_ERRORS = ["Lambda.TooManyRequestsException", "Lambda.ServiceException",
                      "Lambda.ResourceNotReadyException", "Lambda.EC2ThrottledException"]


THROTTLED = ["Lambda.TooManyRequestsException"]  # the account's concurrency exhausted (several runs at once)


def retry_throttled(task: tasks.LambdaInvoke) -> None:
    """A throttled control function (monitor, collect and its reduce) is retried for minutes,
    backing off (2 s, 4 s, … capped at a minute, each with full jitter: up to 5 minutes in all), before
    its catch-all retry: a monitor throttled for 3 s abandoned the run before."""
    task.add_retry(errors=THROTTLED, max_attempts=10, interval=cdk.Duration.seconds(2), backoff_rate=2.0,
                   max_delay=cdk.Duration.seconds(60), jitter_strategy=sfn.JitterType.FULL)


def state_machine_name(stack: cdk.Stack) -> str:
    return f"{stack.stack_name}-Run"


def state_machine_arn(stack: cdk.Stack) -> str:
    return stack.format_arn(service="states", resource="stateMachine", resource_name=state_machine_name(stack),
                            arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME)


class Orchestration(Construct):
    """Given the functions and the bucket; exposes ``state_machine``."""

    def __init__(self, scope: Construct, construct_id: str, *, plan: lambda_.IFunction, worker: lambda_.IFunction,
                 monitor: lambda_.IFunction, collect: lambda_.IFunction, bucket: s3.IBucket,
                 max_workers: int) -> None:
        super().__init__(scope, construct_id)
        self.plan_fn, self.worker_fn, self.monitor_fn, self.collect_fn = plan, worker, monitor, collect
        self.bucket, self.max_workers = bucket, max_workers
        settle = sfn.Wait(self, "Settle", time=sfn.WaitTime.seconds_path("$.settle_s"),
                          comment="CloudWatch needs minutes before the last datapoints exist")
        slices = sfn.Parallel(self, "Run", result_path=sfn.JsonPath.DISCARD,
                              comment="the slices, one after another without a pause, and one monitor for the run")
        slices.branch(self.slices_state())
        slices.branch(self.monitor_loop())
        slices.add_catch(self.abandon_state().next(sfn.Wait(
            self, "WaitForWorkers", time=sfn.WaitTime.seconds_path("$.stop_wait_s"),
            comment="workers still running see the stop flag within a poll and write their final shards")).next(settle),
            errors=["States.ALL"], result_path="$.failure")
        duplicate = sfn.Choice(self, "Duplicate?", comment="a schedule delivered twice: the run already exists")
        duplicate.when(sfn.Condition.boolean_equals("$.duplicate", True), sfn.Succeed(self, "AlreadyPlanned"))
        settle.next(self.collect_state()).next(self.verdict_state())
        slices.next(settle)
        duplicate.otherwise(slices)
        definition = self.plan_state().next(duplicate)
        log_group = logs.LogGroup(self, "Logs", retention=logs.RetentionDays.ONE_MONTH,
                                  removal_policy=cdk.RemovalPolicy.DESTROY)
        self.state_machine = sfn.StateMachine(
            self, "StateMachine", definition_body=sfn.DefinitionBody.from_chainable(definition),
            # named, so Plan's role can list this machine's runs without referring to it (a circle)
            state_machine_name=state_machine_name(cdk.Stack.of(self)),
            state_machine_type=sfn.StateMachineType.STANDARD, tracing_enabled=True,
            logs=sfn.LogOptions(destination=log_group, level=sfn.LogLevel.ALL, include_execution_data=False),
            timeout=cdk.Duration.hours(25))
        bucket.grant_read(self.state_machine, "runs/*/slices/*")  # the Distributed Map's ItemReader: the job lists

    def plan_state(self) -> sfn.TaskStateBase:
        """Validate the spec, apply the guardrails, write every job to S3."""
        return tasks.LambdaInvoke(
            self, "Plan", lambda_function=self.plan_fn, payload_response_only=True,
            payload=sfn.TaskInput.from_object({"action": "plan", "input": sfn.JsonPath.entire_payload,
                                               "execution_name": sfn.JsonPath.string_at("$$.Execution.Name")}))

    def abandon_state(self) -> sfn.TaskStateBase:
        """A slice failed for good: record why and set the stop flag, then still collect."""
        abandon = tasks.LambdaInvoke(
            self, "Abandon", lambda_function=self.plan_fn, payload_response_only=True,
            payload=sfn.TaskInput.from_object({"action": "abandon", "run_id": sfn.JsonPath.string_at("$.run_id"),
                                               "failure": sfn.JsonPath.object_at("$.failure"),
                                               "stop_wait_s": sfn.JsonPath.number_at("$.stop_wait_s")}),
            result_path=sfn.JsonPath.DISCARD)
        abandon.add_retry(errors=["States.ALL"], max_attempts=3, interval=cdk.Duration.seconds(1), backoff_rate=2.0)
        return abandon

    def slices_state(self) -> sfn.Map:
        """Time slices (a Lambda lives at most 15 minutes), each started at its planned instant: the
        next slice's workers are launched a start margin before the last one's schedule ends, so
        the load never pauses. Every slice's iteration runs at once, waiting for its turn."""
        slices = sfn.Map(
            self, "Slices", items_path="$.slices", max_concurrency=0, result_path=sfn.JsonPath.DISCARD,
            item_selector={"slice.$": "$$.Map.Item.Value", "run_id.$": "$.run_id", "bucket.$": "$.bucket"})
        wake = sfn.Wait(self, "WakeUp", time=sfn.WaitTime.timestamp_path("$.slice.wake_at"),
                        comment="shortly before this slice's workers must be launched")
        start = tasks.LambdaInvoke(
            self, "StartSlice", lambda_function=self.plan_fn, payload_response_only=True,
            payload=sfn.TaskInput.from_object({"action": "start_slice", "run_id": sfn.JsonPath.string_at("$.run_id"),
                                               "slice": sfn.JsonPath.object_at("$.slice")}),
            result_selector={"start_at.$": "$.start_at", "launch_at.$": "$.launch_at", "stopped.$": "$.stopped"},
            result_path="$.timing")
        start.add_retry(errors=["States.ALL"], max_attempts=2, interval=cdk.Duration.seconds(1), backoff_rate=2.0)
        launch = sfn.Wait(self, "Launch", time=sfn.WaitTime.timestamp_path("$.timing.launch_at"),
                          comment="a start margin before the slice's start instant")
        # A stopped (or aborted) run's later slices start nothing: the run goes on to Settle and Collect
        stopped = sfn.Choice(self, "SliceStopped?").when(
            sfn.Condition.boolean_equals("$.timing.stopped", True),
            sfn.Pass(self, "SkipSlice", comment="the stop flag is set: no workers for this slice")).otherwise(
            launch.next(self.slice_state()).next(self.reduce_state()))
        slices.item_processor(wake.next(start).next(stopped))
        return slices

    def slice_state(self) -> sfn.Parallel:
        """The slice's workers, and beside them the monitor's gatherers (a wide slice's only)."""
        slice_ = sfn.Parallel(self, "Slice", result_path=sfn.JsonPath.DISCARD,
                              comment="the workers, and the gatherers that read them for the monitor")
        slice_.branch(self.workers_state())
        slice_.branch(self.gatherers_state())
        return slice_

    def gatherers_state(self) -> sfn.DistributedMap:
        """One gatherer per group of the slice's workers (none for a slice the monitor reads worker by
        worker), each looping until its workers are done; one that fails for good is written down
        (Step Functions' own S3 integration) and the monitor reads its workers itself."""
        # Distributed: each gatherer's loop (an invocation a minute) goes into its own child execution's
        # history, not the run's (a Standard execution keeps at most 25,000 events)
        gatherers = sfn.DistributedMap(
            self, "Gatherers", items_path="$.slice.gather", max_concurrency=0, result_path=sfn.JsonPath.DISCARD,
            label="Gatherers",  # its Map Runs' ARNs say so (mapRun:<machine>/Gatherers:<id>): the CLI counts workers
            # a gatherer whose failure could not even be written down must not end the run: the monitor
            # then counts its group's workers finished a drain grace after the slice
            tolerated_failure_percentage=100,
            item_selector={"group.$": "$$.Map.Item.Value", "run_id.$": "$.run_id",
                           "start_at.$": "$.timing.start_at", "duration_s.$": "$.slice.duration_s",
                           "gather": {"next_seq": 0, "done": False}})
        gather = tasks.LambdaInvoke(
            self, "Gather", lambda_function=self.monitor_fn, payload_response_only=True,
            payload=sfn.TaskInput.from_object({"action": "gather", "run_id": sfn.JsonPath.string_at("$.run_id"),
                                               "group": sfn.JsonPath.object_at("$.group"),
                                               "start_at": sfn.JsonPath.number_at("$.start_at"),
                                               "duration_s": sfn.JsonPath.number_at("$.duration_s"),
                                               "next_seq": sfn.JsonPath.number_at("$.gather.next_seq")}),
            result_path="$.gather")
        # Idempotent (it resumes from the gathered objects the store holds): retried on any error.
        # not retried for minutes when throttled: a gatherer that fails is written down and the monitor reads
        # its group itself (the fallback is the answer; minutes of retries would only delay it)
        gather.add_retry(errors=["States.ALL"], max_attempts=2, interval=cdk.Duration.seconds(1), backoff_rate=2.0)
        gather.add_catch(self.failure_record("GathererFailed", "gather-failed", "$.group.slice", "$.group.first_worker"),
                         errors=["States.ALL"], result_path="$.error")
        done = sfn.Choice(self, "GroupDone?")
        done.when(sfn.Condition.boolean_equals("$.gather.done", True), sfn.Succeed(self, "Gathered"))
        done.otherwise(gather)
        gatherers.item_processor(gather.next(done))
        return gatherers

    def workers_state(self) -> sfn.DistributedMap:
        """Every worker of the slice at once, each invoked synchronously with the same start instant."""
        workers = sfn.DistributedMap(
            self, "Workers", label="Workers",  # its Map Runs' ARNs: mapRun:<machine>/Workers:<id> (the CLI reads them)
            # the bucket by name (Plan's output), not as a construct: CDK then adds no read grant of its
            # own on every key of the bucket; the state machine reads the slices' job lists only (below)
            item_reader=sfn.S3JsonItemReader(bucket_name_path=sfn.JsonPath.string_at("$.bucket"),
                                             key=sfn.JsonPath.string_at("$.slice.items_key")),
            item_selector={"job_key.$": "$$.Map.Item.Value.job_key", "worker.$": "$$.Map.Item.Value.worker",
                           "start_at.$": "$.timing.start_at", "run_id.$": "$.run_id",
                           "slice_index.$": "$.slice.index"},
            max_concurrency_path="$.slice.workers",  # every worker of the slice at once
            tolerated_failure_percentage=100,  # missing workers make the verdict INCONCLUSIVE, not the Map fail
            result_path=sfn.JsonPath.DISCARD)
        invoke = tasks.LambdaInvoke(
            self, "Worker", lambda_function=self.worker_fn, payload_response_only=True,
            retry_on_service_exceptions=False)  # RequestResponse: synchronous, never an async event
        # within the start margin (1 + 2 + 4 s at most), spread so that throttled workers do not all come back at once
        invoke.add_retry(errors=NOT_STARTED_ERRORS, max_attempts=3, interval=cdk.Duration.seconds(1),
                         backoff_rate=2.0, max_delay=cdk.Duration.seconds(4), jitter_strategy=sfn.JitterType.FULL)
        # A worker that failed for good (throttled past its retries, timed out, out of memory) is written
        # down at once by Step Functions itself (no Lambda: the account's pool may be what is exhausted),
        # so the monitor ends the slice without waiting out its grace and the verdict names the cause.
        invoke.add_catch(self.failure_record("WorkerFailed", "failed", "$.slice_index", "$.worker"),
                         errors=["States.ALL"], result_path="$.error")
        workers.item_processor(invoke)
        return workers

    def failure_record(self, name: str, folder: str, slice_path: str, index_path: str) -> sfn.TaskStateBase:
        """A catch's record of what failed for good: ``runs/<id>/<folder>/<slice>/<index>.json`` holding the
        error, written by Step Functions' own S3 integration (no Lambda: the account's pool may be what
        is exhausted)."""
        record = tasks.CallAwsService(
            self, name, service="s3", action="putObject",
            parameters={"Bucket": self.bucket.bucket_name,
                        "Key": sfn.JsonPath.format(f"runs/{{}}/{folder}/{{}}/{{}}.json", sfn.JsonPath.string_at("$.run_id"),
                                                   sfn.JsonPath.string_at(slice_path),
                                                   sfn.JsonPath.string_at(index_path)),
                        "Body": sfn.JsonPath.json_to_string(sfn.JsonPath.object_at("$.error")),
                        "ContentType": "application/json"},
            iam_resources=[self.bucket.arn_for_objects(f"runs/*/{folder}/*")], iam_action="s3:PutObject",
            result_path=sfn.JsonPath.DISCARD)
        record.add_retry(errors=["States.ALL"], max_attempts=3, interval=cdk.Duration.seconds(1), backoff_rate=2.0)
        return record

    def monitor_loop(self) -> sfn.IChainable:
        """Live stats into live.json every few seconds until every slice's workers are done."""
        monitor = tasks.LambdaInvoke(
            self, "Monitor", lambda_function=self.monitor_fn, payload_response_only=True,
            payload=sfn.TaskInput.from_object({"run_id": sfn.JsonPath.string_at("$.run_id"),
                                               "slices": sfn.JsonPath.list_at("$.slices"),
                                               "monitor_interval_s": sfn.JsonPath.number_at("$.monitor_interval_s")}),
            result_path="$.monitor")
        # Idempotent (live.json rewritten, the stop flag written once): retried on any error.
        retry_throttled(monitor)
        monitor.add_retry(errors=["States.ALL"], max_attempts=2, interval=cdk.Duration.seconds(1), backoff_rate=2.0)
        # what is left of the interval: all of it after a single tick, nothing after an invocation
        # that ticked every second through it (abort rules: runner.plan.MonitorCadence)
        wait = sfn.Wait(self, "MonitorInterval", time=sfn.WaitTime.seconds_path("$.monitor.wait_s"))
        done = sfn.Choice(self, "RunDone?")
        done.when(sfn.Condition.boolean_equals("$.monitor.done", True), sfn.Succeed(self, "MonitorDone"))
        done.otherwise(wait.next(monitor))
        return monitor.next(done)

    def reduce_state(self) -> sfn.Map:
        """The branches of collect's reduce tree (wide or long runs), as soon as a slice's workers
        are done (while the next slice runs): each merges one group of the slice's workers into a
        partial, four at once; one that fails leaves its workers to the final merge."""
        groups = sfn.Map(self, "Reduce", items_path="$.slice.groups", max_concurrency=4,
                         result_path=sfn.JsonPath.DISCARD,
                         item_selector={"group.$": "$$.Map.Item.Value", "run_id.$": "$.run_id"})
        merge = tasks.LambdaInvoke(
            self, "MergeGroup", lambda_function=self.collect_fn, payload_response_only=True,
            payload=sfn.TaskInput.from_object({"action": "reduce", "run_id": sfn.JsonPath.string_at("$.run_id"),
                                               "group": sfn.JsonPath.object_at("$.group")}),
            result_path=sfn.JsonPath.DISCARD)
        retry_throttled(merge)
        merge.add_retry(errors=["States.ALL"], max_attempts=2, interval=cdk.Duration.seconds(2), backoff_rate=2.0)
        merge.add_catch(sfn.Pass(self, "GroupLeftToCollect"), errors=["States.ALL"], result_path=sfn.JsonPath.DISCARD)
        groups.item_processor(merge)
        return groups

    def collect_state(self) -> sfn.TaskStateBase:
        """Merge the shards, judge, write result.json and the report (idempotent: retried)."""
        collect = tasks.LambdaInvoke(
            self, "Collect", lambda_function=self.collect_fn, payload_response_only=True,
            payload=sfn.TaskInput.from_object({"run_id": sfn.JsonPath.string_at("$.run_id")}),
            result_path="$.result")
        retry_throttled(collect)
        collect.add_retry(errors=["States.ALL"], max_attempts=2, interval=cdk.Duration.seconds(5), backoff_rate=2.0)
        return collect

    def verdict_state(self) -> sfn.Choice:
        """A failed verdict turns the execution red, with the failed thresholds as its cause."""
        verdict = sfn.Choice(self, "Verdict?")
        verdict.when(sfn.Condition.or_(sfn.Condition.string_equals("$.result.status", "FAIL"),
                                       sfn.Condition.string_equals("$.result.status", "ABORTED")),
                     sfn.Fail(self, "ThresholdsFailed", error="Squall.ThresholdsFailed",
                              cause_path="$.result.cause"))
        verdict.when(sfn.Condition.and_(sfn.Condition.string_equals("$.result.status", "INCONCLUSIVE"),
                                        sfn.Condition.boolean_equals("$.result.fails_execution", True)),
                     sfn.Fail(self, "Inconclusive", error="Squall.Inconclusive", cause_path="$.result.cause"))
        summary = sfn.Pass(self, "Summary", input_path="$.result", comment="the verdict and where the reports are")
        verdict.otherwise(summary.next(sfn.Succeed(self, "Done")))
        return verdict
