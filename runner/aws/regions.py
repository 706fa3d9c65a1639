"""One run from several AWS regions (the spec's ``regions``, or ``--regions``): a Squall stack in
each region runs that region's part (runner.spec.regions: its share of the arrivals or users,
its block of sequence data), every part starting on one agreed instant; when all have ended,
the parts are joined in the home region's bucket into one run with one verdict
(runner.results.joined).

Each region keeps its part in its own bucket: the workers' flushes every second and their stop
polls stay in their region, and a Distributed Map reads its items from a bucket in its own
region. Only the join crosses regions, reading each part's merged shards once at the end (a
worker's snapshot is 3-13 kB: 100 workers' are about 1 MB, a fraction of a cent of transfer).
"""
from __future__ import annotations

import dataclasses
import email.utils
import time
from collections.abc import Callable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from analysis.regions import apportion
from runner.aws.backend import (
    AwsOptions,
    Deployment,
    Progress,
    current_state,
    find_deployment,
    lambda_message,
    progress_line,
    read_live,
    start_run,
    stop_run,
)
from runner.job import spec_document
from runner.plan import make_plan, start_margin_for
from runner.preflight import CouldNotRun, SpecRejected
from runner.results.joined import Part, join_parts
from runner.spec import Spec
from runner.spec.regions import RegionSplitError, region_parts
from runner.spec.validate import build_spec
from runner.spec.yamlsource import Source
from runner.store import run_prefix

CROSS_REGION_LEAD_S = 10.0  # from here to every region's Plan: a StartExecution per region, a Plan's cold start


def part_id(run_id: str, region: str) -> str:
    """A region's part's run id (and execution name) in its region's bucket."""
    return f"{run_id}.{region}"


def part_seed(seed: int, index: int) -> int:
    """Each region's part its own seed, so that two regions never draw the same Poisson arrivals or
    the same random data at the same instants (the run's seed is the first region's)."""
    return (seed + index * 1_000_003) % (1 << 31)


@dataclasses.dataclass
class Started:
    region: str
    share: float
    deployment: Deployment | None
    failure: str | None = None
    clock: tuple[float, float] | None = None  # (offset, ± bound), seconds


def home_deployment(spec: Spec, options: AwsOptions) -> Deployment:
    """The stack whose bucket holds the joined run: ``options.region``'s, else the first region's
    of the spec."""
    return find_deployment(dataclasses.replace(options, region=options.region or spec.regions[0][0]))


def run_across_regions(spec: Spec, run_id: str, seed: int, options: AwsOptions, home: Deployment,
                       progress: Progress, stop_requested: Callable[[], int] = lambda: 0) -> dict[str, Any]:
    """Start every region's part on one instant, follow them to their end, join them in ``home``'s
    bucket; returns the joined run's result.json."""
    shares = dict(spec.regions)
    try:
        documents = region_parts(spec_document(spec), shares, spec.file)
    except RegionSplitError as error:
        raise SpecRejected(f"{error}; nothing was started") from None
    parts = [Started(region, share, *_deployment(options, region)) for region, share in shares.items()]
    agreed = time.time() + CROSS_REGION_LEAD_S + max(_margin(options, documents[p.region][1]) for p in parts)
    workers = apportion(options.workers, shares) if options.workers else {}  # --workers: the whole run's
    for index, part in enumerate(parts):
        if part.deployment is not None:
            part.clock = clock_offset(part.deployment)
            _start(part, spec, run_id, part_seed(seed, index),
                   dataclasses.replace(options, workers=max(1, workers[part.region])) if workers else options,
                   documents[part.region][0], agreed)
    if all(p.failure is not None for p in parts):
        raise CouldNotRun("no region's part started: " + "; ".join(f"{p.region}: {p.failure}" for p in parts))
    meta = _meta(spec, run_id, options, agreed, parts)
    home.store.put_json(spec_key(run_id), spec_document(spec))  # squall watch joins the parts from it if need be
    home.store.put_json(run_prefix(run_id) + "meta.json", meta)
    return _follow_and_join(home, spec, run_id, parts, meta, progress, stop_requested, options.poll_s)


def watch_across_regions(home: Deployment, options: AwsOptions, run_id: str, progress: Progress,
                         stop_requested: Callable[[], int] = lambda: 0) -> dict[str, Any] | None:
    """`squall watch RUN` for a run across regions: its result once joined; else every region's part
    followed to its end and joined here (the CLI that started it may be gone). None: a run from one
    region."""
    key = run_prefix(run_id) + "meta.json"
    meta = home.store.get_json(key) if home.store.exists(key) else {}
    if not isinstance(meta.get("regions"), dict):
        return None
    if home.store.exists(run_prefix(run_id) + "result.json"):
        return dict(home.store.get_json(run_prefix(run_id) + "result.json"))
    spec = build_spec(Source(f"s3://{home.bucket}/{spec_key(run_id)}", home.store.get_json(spec_key(run_id))),
                      base_dir=None)
    parts = []
    for region, known in meta["regions"].items():
        deployment, failure = _deployment(options, region) if known.get("started") else \
            (None, known.get("failure") or "its execution did not start")
        clock = (known["clock_offset_s"], known["clock_bound_s"]) if known.get("clock_offset_s") is not None else None
        parts.append(Started(region, float(known["share"]), deployment, failure, clock))
    return _follow_and_join(home, spec, run_id, parts, meta, progress, stop_requested, options.poll_s)


def spec_key(run_id: str) -> str:
    """The whole run's spec, in the home bucket beside its parts' (each region's in its own)."""
    return f"specs/runs/{run_id}.json"


def _follow_and_join(home: Deployment, spec: Spec, run_id: str, parts: list[Started], meta: dict[str, Any],
                     progress: Progress, stop_requested: Callable[[], int], poll_s: float) -> dict[str, Any]:
    _follow(parts, run_id, progress, stop_requested, poll_s)
    return join_parts(home.store, run_id, spec, [
        Part(p.region, p.share, part_id(run_id, p.region), p.deployment.store if p.deployment else None, p.failure,
             *(p.clock or (None, None))) for p in parts], meta, float(meta["started_at_epoch_s"]))


def stop_across_regions(home: Deployment, options: AwsOptions, run_id: str, now: bool = False) -> bool:
    """`squall stop RUN` for a run across regions: every region's part stopped in its region (the
    joined run's meta.json in the home bucket names them); False for a run from one region."""
    key = run_prefix(run_id) + "meta.json"
    regions = home.store.get_json(key).get("regions") if home.store.exists(key) else None
    if not isinstance(regions, dict):
        return False
    for region, part in regions.items():
        if part.get("started"):
            stop_run(find_deployment(dataclasses.replace(options, region=region)), str(part["run_id"]), now=now)
    return True


def _deployment(options: AwsOptions, region: str) -> tuple[Deployment | None, str | None]:
    try:
        return find_deployment(dataclasses.replace(options, region=region)), None
    except CouldNotRun as error:
        return None, str(error)


def _margin(options: AwsOptions, part: Spec) -> float:
    if options.start_margin_s is not None:
        return float(options.start_margin_s)
    return start_margin_for(make_plan(part, "margin", 0, workers=options.workers).workers)


def clock_offset(deployment: Deployment) -> tuple[float, float] | None:
    """The region's clock against this machine's, from its S3 endpoint's Date header, and how well
    that is known: ± half a second (the header has whole seconds) plus half the round trip. Not
    assumed to be zero: written down in the result beside each region's start."""
    try:
        before = time.time()
        answer = deployment.session.client("s3").head_bucket(Bucket=deployment.bucket)
        after = time.time()
        date = answer["ResponseMetadata"]["HTTPHeaders"]["date"]
    except (ClientError, BotoCoreError, KeyError):
        return None
    served_s = email.utils.parsedate_to_datetime(date).timestamp() + 0.5  # somewhere in that second
    return round(served_s - (before + after) / 2, 3), round(0.5 + (after - before) / 2, 3)


def _start(part: Started, spec: Spec, run_id: str, seed: int, options: AwsOptions, document: dict[str, Any],
           agreed: float) -> None:
    assert part.deployment is not None
    try:
        start_run(part.deployment, spec, part_id(run_id, part.region), seed, options, document=document,
                  more_input={"start_at_epoch_s": agreed,
                              "part_of": {"run": run_id, "region": part.region, "share": part.share}})
    except (CouldNotRun, SpecRejected) as error:
        part.failure = f"its execution did not start: {error}"


def _meta(spec: Spec, run_id: str, options: AwsOptions, agreed: float, parts: list[Started]) -> dict[str, Any]:
    return {"run_id": run_id, "spec_name": spec.name, "spec_file": spec.file, "target_url": spec.target.base_url,
            "profile": spec.profile, "backend": "aws", "engine": options.engine, "started_at_epoch_s": agreed,
            "regions": {p.region: {"share": p.share, "run_id": part_id(run_id, p.region), "started": p.failure is None,
                                   "failure": p.failure, "clock_offset_s": p.clock[0] if p.clock else None,
                                   "clock_bound_s": p.clock[1] if p.clock else None} for p in parts}}


def _follow(parts: list[Started], run_id: str, progress: Progress, stop_requested: Callable[[], int],
            poll_s: float) -> None:
    """Every started part to its end, one progress line for all; a Ctrl-C stops every region's."""
    running = {p.region: p for p in parts if p.failure is None and p.deployment is not None}
    flagged = 0
    while running:
        interrupts = stop_requested()
        if interrupts > flagged:
            flagged = interrupts
            for part in running.values():
                assert part.deployment is not None
                stop_run(part.deployment, part_id(run_id, part.region), now=interrupts > 1)
            progress("stopping every region's part (Ctrl-C again stops the executions now)", True)
        states = []
        for region, part in list(running.items()):
            state = _state(part, run_id)
            if state is None:
                del running[region]
            else:
                states.append(f"{region}: {state}")
        if running:
            progress(" | ".join(states), False)
            time.sleep(poll_s)


def _state(part: Started, run_id: str) -> str | None:
    """The part's state while it runs; None once it has ended (a failure recorded on the part)."""
    assert part.deployment is not None
    client = part.deployment.session.client("stepfunctions")
    arn = part.deployment.execution_arn(part_id(run_id, part.region))
    try:
        described = client.describe_execution(executionArn=arn)
        if described["status"] == "RUNNING":  # its live figures beside the other regions'
            state, workers = current_state(client, arn)
            return progress_line(state, workers, read_live(part.deployment.store, part_id(run_id, part.region)))
    except (ClientError, BotoCoreError) as error:
        part.failure = f"its execution could not be followed: {error}"
        return None
    if not part.deployment.store.exists(run_prefix(part_id(run_id, part.region)) + "result.json"):
        cause = lambda_message(str(described.get("cause", "")))
        part.failure = f"its execution ended {described['status']} without a result" + (f": {cause}" if cause else "")
    return None
