"""`squall doctor --on aws`: what stands between this account and a first run, each with what to
do. Credentials and region, the CDK bootstrap, the deployed stack (there, finished, of this CLI's
format), the account's Lambda concurrency (quota, what is unreserved, what the workers' pool holds,
how many workers a run can have), Step Functions' state-transition rate (how many workers a slice
can launch within its start margin), and the runs going on now on the stack's state machine.

Read-only: every call is a Describe/Get/List. A check that cannot be made (access denied, say) is
named with the call that failed, never skipped in silence.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from runner.contract import STACK_FORMAT, UNRESERVED_MINIMUM
from runner.plan import start_margin_for

OK, WARN, PROBLEM = "ok", "warn", "problem"
BOOTSTRAP_STACK = "CDKToolkit"
BOOTSTRAP_VERSION_NEEDED = 6  # the synthesized template's CheckBootstrapVersion rule refuses 1-5
CONCURRENCY_QUOTA_CODE = "L-B99A9384"  # Service Quotas: AWS Lambda, "Concurrent executions"
CONTROL_AT_ONCE = 3  # executions besides the workers during a run: the monitor, a gatherer, collect at the end
FEWEST_USEFUL_WORKERS = 10  # below this, most specs' default plans do not fit
DISTRIBUTED_MAP_CHILDREN = 10_000  # Step Functions: a Distributed Map runs at most this many children at once
# Standard workflows' StateTransition token bucket (bucket size, refill per second), per account and
# region, from the Step Functions developer guide's quotas page (limits-overview.md in
# awsdocs/aws-step-functions-developer-guide, as archived); new accounts start lower and AWS raises
# them with use, so doctor reads the account's own figures from CloudWatch where it publishes them.
STATE_TRANSITIONS_DOCUMENTED = {"us-east-1": (5_000, 1_500), "us-west-2": (5_000, 1_500), "eu-west-1": (5_000, 1_500)}
STATE_TRANSITIONS_ELSEWHERE = (800, 500)
TRANSITIONS_PER_WORKER = 3  # a Workers map child: its start, the Worker task, its end (analysis.cost.planned_shape)


@dataclass(frozen=True)
class Finding:
    check: str
    level: str  # ok | warn | problem
    said: str
    fix: str = ""


def _error_text(error: Exception) -> str:
    if isinstance(error, ClientError):
        details = error.response.get("Error", {})
        return f"{details.get('Code', '')}: {details.get('Message', str(error))}"
    return str(error)


def _stack(cloudformation: Any, name: str) -> dict[str, Any] | None:
    try:
        return dict(cloudformation.describe_stacks(StackName=name)["Stacks"][0])
    except ClientError as error:
        if "does not exist" in str(error):
            return None
        raise


def _outputs(stack: dict[str, Any]) -> dict[str, str]:
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def examine(session: Any, stack_name: str, clock: Callable[[], float] = time.time) -> list[Finding]:
    """Every check, in the order a first-time user meets them; stops after credentials or region
    fail (nothing else can be asked then)."""
    region = session.region_name
    if not region:
        return [Finding("region", PROBLEM, "no AWS region set",
                        "pass --region, set AWS_REGION, or set a region in your AWS profile")]
    try:
        identity = session.client("sts").get_caller_identity()
    except NoCredentialsError:
        return [Finding("credentials", PROBLEM, "no AWS credentials found",
                        "set AWS_PROFILE, pass --profile, or run `aws configure` / `aws sso login`")]
    except (ClientError, BotoCoreError) as error:
        return [Finding("credentials", PROBLEM, f"the credentials were refused ({_error_text(error)})",
                        "renew them (`aws sso login`, new keys) or pick another --profile")]
    account = str(identity["Account"])
    findings = [Finding("credentials", OK, f"{identity['Arn']} in account {account}, region {region}")]
    cloudformation = session.client("cloudformation")
    findings.append(_guarded("bootstrap", lambda: _bootstrap(cloudformation, account, region)))
    deployed = _guarded("stack", lambda: _deployed(cloudformation, stack_name, region))
    findings.append(deployed)
    stack = _guarded_value(lambda: _stack(cloudformation, stack_name))
    outputs = _outputs(stack) if isinstance(stack, dict) else {}
    findings.append(_guarded("concurrency", lambda: _concurrency(session.client("lambda"), outputs, region)))
    findings.append(_guarded("transitions", lambda: _state_transitions(session.client("cloudwatch"), outputs,
                                                                        region, clock())))
    if deployed.level == OK:  # the runs of a stack that is not this Squall's are not this CLI's to read
        findings.append(_guarded("runs", lambda: _runs_going_on(session.client("stepfunctions"), outputs)))
    return findings


def _guarded(name: str, check: Callable[[], Finding]) -> Finding:
    try:
        return check()
    except (ClientError, BotoCoreError) as error:
        denied = "AccessDenied" in _error_text(error) or "Unauthorized" in _error_text(error)
        return Finding(name, PROBLEM, f"could not be checked ({_error_text(error)})",
                       "the CLI's policy in docs/aws.md ('IAM for the CLI') allows every call doctor makes"
                       if denied else "")


def _guarded_value(read: Callable[[], Any]) -> Any:
    try:
        return read()
    except (ClientError, BotoCoreError):
        return None


def _bootstrap(cloudformation: Any, account: str, region: str) -> Finding:
    stack = _stack(cloudformation, BOOTSTRAP_STACK)
    fix = f"npx cdk bootstrap aws://{account}/{region} (once per account and region, before the first deploy)"
    if stack is None:
        return Finding("bootstrap", PROBLEM, f"the CDK is not bootstrapped in {region} (no {BOOTSTRAP_STACK} stack)",
                       fix)
    version = _outputs(stack).get("BootstrapVersion", "")
    if version.isdigit() and int(version) < BOOTSTRAP_VERSION_NEEDED:
        return Finding("bootstrap", PROBLEM, f"bootstrap version {version}; the stack needs "
                                             f"{BOOTSTRAP_VERSION_NEEDED} or newer", fix)
    return Finding("bootstrap", OK, f"{BOOTSTRAP_STACK} is there (version {version or 'unknown'})")


def _deployed(cloudformation: Any, stack_name: str, region: str) -> Finding:
    stack = _stack(cloudformation, stack_name)
    if stack is None:
        return Finding("stack", PROBLEM, f"stack {stack_name} is not deployed in {region}",
                       "npx cdk deploy (docs/aws.md), or pass --stack/--region where it is")
    status = str(stack.get("StackStatus", ""))
    if not status.endswith("_COMPLETE") or "ROLLBACK" in status:
        return Finding("stack", PROBLEM, f"stack {stack_name} is {status}",
                       "see its events in the CloudFormation console; then npx cdk deploy again")
    outputs = _outputs(stack)
    if "StateMachineArn" not in outputs or "BucketName" not in outputs:
        return Finding("stack", PROBLEM, f"stack {stack_name} has no StateMachineArn/BucketName output",
                       "is it a Squall stack? pass --stack with the name you deployed Squall under")
    deployed = outputs.get("StackFormat", "")
    if deployed != str(STACK_FORMAT):
        said = (f"stack {stack_name} is of format {deployed}" if deployed
                else f"stack {stack_name} was deployed by an older Squall (it says no format)")
        if deployed.isdigit() and int(deployed) > STACK_FORMAT:
            return Finding("stack", PROBLEM, f"{said}; this CLI knows format {STACK_FORMAT}",
                           "upgrade the CLI to the version the stack was deployed from")
        return Finding("stack", PROBLEM, f"{said}; this CLI needs format {STACK_FORMAT}",
                       "npx cdk deploy from this version of Squall")
    return Finding("stack", OK, f"stack {stack_name} is {status}, format {deployed} (this CLI's)")


def _concurrency(lambda_client: Any, outputs: dict[str, str], region: str) -> Finding:
    limit = lambda_client.get_account_settings().get("AccountLimit", {})
    quota = int(limit.get("ConcurrentExecutions", 0))
    unreserved = int(limit.get("UnreservedConcurrentExecutions", quota))
    worker_reserved = 0
    if outputs.get("WorkerFunctionName"):
        answer = lambda_client.get_function_concurrency(FunctionName=outputs["WorkerFunctionName"])
        worker_reserved = int(answer.get("ReservedConcurrentExecutions") or 0)
    # at a slice hand-over two slices' workers run at once (runner.aws.concurrency.check_concurrency_headroom)
    if worker_reserved:
        fit = worker_reserved // 2
        pool = f"the workers' own pool of {worker_reserved} (squall:workerReservedConcurrency)"
    else:
        fit = max(0, (unreserved - CONTROL_AT_ONCE) // 2)
        pool = f"{unreserved} unreserved of a quota of {quota}"
    stack_max = int(outputs.get("MaxWorkers", "0") or 0)
    said = (f"Lambda concurrency in {region}: {pool}; a run fits up to {fit} workers "
            f"(two slices' at a hand-over, and {CONTROL_AT_ONCE} for the monitor, a gatherer and collect)")
    increase = (f"ask for more: Service Quotas > AWS Lambda > Concurrent executions ({CONCURRENCY_QUOTA_CODE}) "
                f"in {region}")
    if quota < UNRESERVED_MINIMUM + 1 and not worker_reserved:
        return Finding("concurrency", PROBLEM if fit < FEWEST_USEFUL_WORKERS else WARN,
                       said + f"; a quota under {UNRESERVED_MINIMUM + 1} allows no reserved concurrency, so keep "
                              "squall:workerReservedConcurrency and squall:controlReservedConcurrency unset", increase)
    if fit < FEWEST_USEFUL_WORKERS:
        return Finding("concurrency", PROBLEM, said, increase)
    if stack_max and fit < stack_max:
        return Finding("concurrency", WARN, said + f"; the stack allows {stack_max} (squall:maxWorkers), so "
                                                   "Plan refuses bigger runs with this reason", increase)
    return Finding("concurrency", OK, said)


def _published(cloudwatch: Any, metric: str, now_epoch_s: float) -> float | None:
    """The newest hourly maximum of one of the account's StateTransition service metrics over the
    last two weeks, or None when Step Functions published none (it does while executions run)."""
    answer = cloudwatch.get_metric_data(
        MetricDataQueries=[{"Id": "m", "ReturnData": True, "MetricStat": {
            "Metric": {"Namespace": "AWS/States", "MetricName": metric,
                       "Dimensions": [{"Name": "ServiceMetric", "Value": "StateTransition"}]},
            "Period": 3600, "Stat": "Maximum"}}],
        StartTime=datetime.fromtimestamp(now_epoch_s - 14 * 86_400, UTC),
        EndTime=datetime.fromtimestamp(now_epoch_s + 60, UTC), ScanBy="TimestampDescending")  # the minute under way
    values = [v for result in answer.get("MetricDataResults", []) for v in result.get("Values", [])]
    return float(values[0]) if values else None


def _state_transitions(cloudwatch: Any, outputs: dict[str, str], region: str, now_epoch_s: float) -> Finding:
    bucket = _published(cloudwatch, "ProvisionedBucketSize", now_epoch_s)
    refill = _published(cloudwatch, "ProvisionedRefillRate", now_epoch_s)
    if bucket is None or refill is None:
        bucket, refill = map(float, STATE_TRANSITIONS_DOCUMENTED.get(region, STATE_TRANSITIONS_ELSEWHERE))
        source = (f"Step Functions has published no StateTransition figures for this account yet (it does while "
                  f"executions run): taken as the documented {bucket:,.0f} at once and {refill:,.0f}/s for {region}, "
                  f"though new accounts start lower")
    else:
        source = f"this account's StateTransition rate in {region}: {bucket:,.0f} at once and {refill:,.0f}/s"
    stack_max = int(outputs.get("MaxWorkers", "0") or 0)
    workers = stack_max or 1_000
    margin_s = start_margin_for(workers)
    launchable = int((bucket + refill * margin_s) // TRANSITIONS_PER_WORKER)
    said = (f"{source}; a slice launches up to {launchable:,} workers within its {margin_s:g} s start margin "
            f"({TRANSITIONS_PER_WORKER} transitions each)")
    if launchable < workers and stack_max:
        return Finding("transitions", WARN, said + f"; the stack allows {stack_max:,} (squall:maxWorkers): the last "
                                                   "ones would start late, their arrivals counted late",
                       f"ask for a higher StateTransition rate: Service Quotas > AWS Step Functions in {region}, "
                       "or AWS Support")
    return Finding("transitions", OK, said)


def _runs_going_on(stepfunctions: Any, outputs: dict[str, str]) -> Finding:
    running = stepfunctions.list_executions(stateMachineArn=outputs["StateMachineArn"], statusFilter="RUNNING",
                                            maxResults=100).get("executions", [])
    names = ", ".join(e["name"] for e in running[:5]) + (" …" if len(running) > 5 else "")
    stack_max = int(outputs.get("MaxWorkers", "0") or 0)
    cap = (f"; a slice's workers run as one Distributed Map (at most {DISTRIBUTED_MAP_CHILDREN:,} at once)"
           if stack_max > DISTRIBUTED_MAP_CHILDREN else "")
    if running:
        return Finding("runs", OK, f"{len(running)} run{'s' if len(running) != 1 else ''} going on now "
                                   f"({names}): each holds its workers' concurrency until it ends{cap}")
    return Finding("runs", OK, f"no run going on now{cap}")


def exit_code(findings: list[Finding]) -> int:
    """0: nothing stands in the way (warnings allowed); 1: a problem to fix first."""
    return 1 if any(f.level == PROBLEM for f in findings) else 0


def render(findings: list[Finding]) -> list[str]:
    lines = []
    for finding in findings:
        lines.append(f"  {finding.level.upper() if finding.level != OK else 'ok':8} {finding.check:12} {finding.said}")
        if finding.fix and finding.level != OK:
            lines.append(f"  {'':8} {'':12} fix: {finding.fix}")
    problems = sum(f.level == PROBLEM for f in findings)
    warnings = sum(f.level == WARN for f in findings)
    lines.append(f"squall doctor: {problems} problem{'s' if problems != 1 else ''}, "
                 f"{warnings} warning{'s' if warnings != 1 else ''}")
    return lines
