"""The `squall` command: parses arguments, calls the core, prints, sets the exit code.

Exit codes: 0 passed (warnings allowed), 1 a must-threshold failed or an abort rule fired, 2 invalid input,
3 could not run (target unreachable, store unwritable…), 4 inconclusive (the load
generator was the bottleneck, or workers went missing), 130 stopped by the user.
"""
from __future__ import annotations

import argparse
import os
import random
import re
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from analysis.summary import render_summary
from runner.plan import RATE_MEASURED_PER_CORE, PlanError, make_plan
from runner.preflight import CouldNotRun, SpecRejected
from runner.spec import Spec, SpecError, load_spec
from runner.store import StoreError
from runner.units import format_duration

EXIT_PASS, EXIT_FAIL, EXIT_INVALID, EXIT_COULD_NOT_RUN, EXIT_INCONCLUSIVE, EXIT_STOPPED = 0, 1, 2, 3, 4, 130
EXIT_BY_VERDICT = {"PASS": EXIT_PASS, "WARN": EXIT_PASS, "FAIL": EXIT_FAIL, "ABORTED": EXIT_FAIL,
                   "INCONCLUSIVE": EXIT_INCONCLUSIVE, "STOPPED": EXIT_STOPPED}
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def new_run_id(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40] or "run"
    return f"{slug}-{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}-{os.urandom(2).hex()}"


def _progress_printer() -> Callable[[str, bool], None]:
    tty = sys.stderr.isatty()
    last = [0.0]

    def show(line: str, important: bool) -> None:
        if tty:
            sys.stderr.write("\r\033[K" + line + ("\n" if important else ""))
        elif important or time.monotonic() - last[0] >= 5:
            sys.stderr.write(line + "\n")
            last[0] = time.monotonic()
        sys.stderr.flush()
    return show


def cmd_validate(args: argparse.Namespace) -> int:
    spec = load_spec(args.spec)
    print(f"{args.spec}: valid — {len(spec.phases)} phases over {format_duration(spec.duration_s)}, "
          f"{len(spec.scenarios)} scenarios, {len(spec.thresholds)} thresholds")
    return EXIT_PASS


def cmd_plan(args: argparse.Namespace) -> int:
    spec = _load(args, args.spec)
    plan = make_plan(spec, "plan-preview", 0, workers=args.workers)
    print(f"{spec.name}: {format_duration(plan.duration_s)} in {len(plan.phases)} phases against {spec.target.base_url}")
    print(f"\n  {'phase':<14} {'from':>7} {'length':>7} {'load':<22} {'arrivals':>10} {'requests':>10}")
    for p in plan.phases:
        if p.kind == "rate":
            load = f"{p.start:g}/s" + (f" -> {p.end:g}/s" if p.end != p.start else "")
        elif p.kind == "users":
            load = f"{p.start:g} users" + (f" -> {p.end:g}" if p.end != p.start else "")
        else:
            load = "pause"
        arrivals = f"{p.expected_arrivals:,.0f}" if p.kind == "rate" else "-"
        requests = f"{p.expected_requests:,.0f}" if p.kind == "rate" else "-"
        print(f"  {p.name[:14]:<14} {format_duration(p.offset_s):>7} {format_duration(p.duration_s):>7} "
              f"{load:<22} {arrivals:>10} {requests:>10}")
    print(f"\n  total         {plan.expected_arrivals:,.0f} arrivals, {plan.expected_requests:,.0f} requests "
          f"(open-model phases)")
    print(f"  peak rate     {plan.peak_rate_per_s:g} arrivals/s" +
          (f", peak users {plan.peak_users}" if plan.peak_users else ""))
    print(f"  workers       {plan.workers} (per-worker ceiling {plan.rate_ceiling_per_worker:,.0f} arrivals/s, "
          f"a quarter of the {RATE_MEASURED_PER_CORE:,.0f}/s one worker held on one core in bench/)")
    print(f"  time slices   {len(plan.slices)} on AWS (a Lambda worker runs at most 14 min of load; local runs are "
          f"unsliced)" + ("".join(f"\n                slice {s.index}: {format_duration(s.offset_s)} → "
                                  f"{format_duration(s.offset_s + s.duration_s)}" for s in plan.slices)
                          if len(plan.slices) > 1 else ""))
    print(f"  in-flight cap {plan.max_in_flight_per_worker:,} scenarios per worker")
    from runner.estimate import estimate_test_cost
    for backend in ("local", "aws"):
        estimate = estimate_test_cost(spec, make_plan(spec, "plan-preview", 0, workers=args.workers), backend)
        detail = ", ".join(f"{i.name} ${i.cost_usd:.4f}" for i in estimate.items if i.cost_usd >= 0.00005)
        print(f"  cost ({backend}) ${estimate.total_usd:.4f} estimated for the test itself" +
              (f": {detail}" if detail else "") + (f" [{'; '.join(estimate.notes)}]" if estimate.notes else ""))
    if spec.limits.max_cost_usd is not None:
        print(f"  cost limit    ${spec.limits.max_cost_usd:g} (limits.max_cost_usd)")
    return EXIT_PASS


def _finish(result: dict[str, Any], store_dir: str) -> int:
    print(render_summary(result))
    print(f"\n  results: {store_dir.rstrip('/')}/runs/{result['run_id']}/result.json")
    return EXIT_BY_VERDICT[result["verdict"]["status"]]


def cmd_run(args: argparse.Namespace) -> int:
    spec = _load(args, args.spec)
    return _run_spec(spec, args)


def _aws_options(args: argparse.Namespace) -> Any:
    from runner.backends.aws import AwsOptions
    from runner.units import parse_duration_s

    def seconds(value: str | None) -> float | None:
        return None if value is None else parse_duration_s(value)
    return AwsOptions(stack=args.stack, region=args.region, profile=args.profile,
                      settle_s=seconds(getattr(args, "settle", None)),
                      monitor_interval_s=seconds(getattr(args, "monitor_interval", None)),
                      start_margin_s=seconds(getattr(args, "start_margin", None)),
                      slice_s=seconds(getattr(args, "slice", None)),
                      workers=getattr(args, "workers", None), engine=getattr(args, "engine", "fast"))


def _interrupt_counter() -> Callable[[], int]:
    import signal
    count = [0]

    def on_interrupt(signum: int, frame: object) -> None:
        count[0] += 1
    signal.signal(signal.SIGINT, on_interrupt)
    return lambda: count[0]


def _run_on_aws(spec: Spec, args: argparse.Namespace, run_id: str, seed: int) -> int:
    from runner.backends.aws import find_deployment, start_run, watch_run
    options = _aws_options(args)
    deployment = find_deployment(options)
    start_run(deployment, spec, run_id, seed, options)
    print(f"squall: run {run_id}: {spec.name}, {format_duration(spec.duration_s)} against {spec.target.base_url} "
          f"(aws, stack {options.stack}); `squall watch {run_id}` re-attaches, `squall stop {run_id}` stops",
          file=sys.stderr)
    result = watch_run(deployment, run_id, _progress_printer(), stop_requested=_interrupt_counter())
    print(file=sys.stderr)
    return _finish(result, f"s3://{deployment.bucket}")


def cmd_watch(args: argparse.Namespace) -> int:
    from runner.backends.aws import find_deployment, watch_run
    deployment = find_deployment(_aws_options(args))
    result = watch_run(deployment, args.run_id, _progress_printer(), stop_requested=_interrupt_counter())
    print(file=sys.stderr)
    return _finish(result, f"s3://{deployment.bucket}")


def cmd_stop(args: argparse.Namespace) -> int:
    if args.on is None:  # a run in the local store is stopped there; otherwise on AWS
        from runner.store import LocalStore, run_prefix
        args.on = "local" if LocalStore(args.store).exists(run_prefix(args.run_id) + "meta.json") else "aws"
    if args.on == "local":
        from runner.store import LocalStore, run_prefix
        store = LocalStore(args.store)
        if not store.exists(run_prefix(args.run_id) + "meta.json"):
            raise CouldNotRun(f"no run {args.run_id} in {args.store}")
        store.put_bytes(run_prefix(args.run_id) + "control/stop", b"stopped by squall stop\n")
    else:
        from runner.backends.aws import find_deployment, stop_run
        stop_run(find_deployment(_aws_options(args)), args.run_id, now=args.now)
    print(f"squall: asked {args.run_id} to stop" + (" now" if getattr(args, "now", False) else
                                                    " (workers finish within one poll interval)"))
    return EXIT_PASS


def cmd_runs(args: argparse.Namespace) -> int:
    if args.on == "aws":
        from runner.backends.aws import find_deployment, list_runs
        rows = list_runs(find_deployment(_aws_options(args)), args.limit)
    else:
        from runner.history import list_local_runs
        rows = list_local_runs(args.store, args.limit)
    print(f"{'run id':<44} {'spec':<16} {'started (UTC)':<20} {'duration':>8} {'requests':>9} {'p95':>10} {'errors':>7}"
          f"  verdict")
    for row in rows:
        result = row["result"] or {}
        started = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(row["started_at_epoch_s"])) \
            if row["started_at_epoch_s"] else "?"
        overall = result.get("overall", {})
        duration = format_duration(result["duration_s"]) if "duration_s" in result else "-"
        print(f"{row['run_id'][:44]:<44} {row['spec_name'][:16]:<16} {started:<20} {duration:>8} "
              f"{overall.get('requests', 0):>9,} {overall.get('latency', {}).get('p95_ms', 0):>8.1f}ms "
              f"{overall.get('error_rate', 0) * 100:>6.2f}%  {result.get('verdict', {}).get('status', 'RUNNING?')}")
    return EXIT_PASS


def cmd_report(args: argparse.Namespace) -> int:
    from runner.reports import render
    from runner.store import run_prefix
    store = _store_for(args)
    key = run_prefix(args.run_id) + "result.json"
    if not store.exists(key):
        raise CouldNotRun(f"no result for run {args.run_id} in {store.uri(run_prefix(args.run_id))} "
                          f"(`squall runs` lists the runs)")
    files = render(store.get_json(key), args.format)
    if args.output is None and args.format in ("md", "json", "junit", "txt"):
        sys.stdout.write(next(iter(files.values())))
        return EXIT_PASS
    if len(files) == 1:
        target = Path(args.output or f"{args.run_id}-{next(iter(files))}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(next(iter(files.values())), encoding="utf-8")
        print(target)
        return EXIT_PASS
    folder = Path(args.output or f"{args.run_id}-{args.format}")
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (folder / name).write_text(content, encoding="utf-8")
        print(folder / name)
    return EXIT_PASS


def _store_for(args: argparse.Namespace) -> Any:
    if getattr(args, "on", "local") == "aws":
        from runner.backends.aws import find_deployment
        return find_deployment(_aws_options(args)).store
    from runner.store import LocalStore
    return LocalStore(args.store)


def cmd_baseline(args: argparse.Namespace) -> int:
    from runner.baseline import set_baseline
    record = set_baseline(_store_for(args), args.run_id)
    print(f"squall: {args.run_id} is now the baseline of '{record['spec_name']}' (its verdict was {record['verdict']})")
    return EXIT_PASS


def cmd_compare(args: argparse.Namespace) -> int:
    from analysis.regression import compare
    from runner.store import run_prefix
    store = _store_for(args)
    results = []
    for run_id in (args.run_a, args.run_b):
        key = run_prefix(run_id) + "result.json"
        if not store.exists(key):
            raise CouldNotRun(f"no result for run {run_id} in {store.uri(run_prefix(run_id))}")
        results.append(store.get_json(key))
    print(f"A = {args.run_a}\nB = {args.run_b}\n")
    print(f"{'scope':<30} {'metric':<14} {'A':>12} {'B':>12} {'change':>10}")
    for scope, metric, a, b, change in compare(results[0], results[1]):
        def show(value: float | None) -> str:
            return "-" if value is None else f"{value:,.2f}"
        print(f"{scope[:30]:<30} {metric:<14} {show(a):>12} {show(b):>12} {change:>10}")
    return EXIT_PASS


def cmd_collect(args: argparse.Namespace) -> int:
    """Merge, judge and report a run again from its shards (after a failed collect, say)."""
    from runner.store import run_prefix
    store = _store_for(args)
    if not store.exists(run_prefix(args.run_id) + "plan.json"):
        raise CouldNotRun(f"no run {args.run_id} in {store.uri(run_prefix(args.run_id))}")
    if args.on == "aws":
        from runner.aws_pipeline import collect_run
        collect_run({"run_id": args.run_id}, store)
        result = store.get_json(run_prefix(args.run_id) + "result.json")
    else:
        from runner.collect import collect
        from runner.reports import write_reports
        from runner.target_report import Boto3TargetSource
        result = collect(store, args.run_id, target_source=Boto3TargetSource())
        write_reports(store, result)
    return _finish(result, store.uri("").rstrip("/") or args.store)


def cmd_fetch(args: argparse.Namespace) -> int:
    from runner.backends.aws import fetch_run, find_deployment
    written = fetch_run(find_deployment(_aws_options(args)), args.run_id, Path(args.output))
    for path in written:
        print(path)
    return EXIT_PASS


def cmd_import(args: argparse.Namespace) -> int:
    import yaml

    from runner.artillery import convert_artillery, looks_like_artillery
    path = Path(args.file)
    try:
        script = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise CouldNotRun(f"cannot read {path}: {error.strerror}") from None
    except yaml.YAMLError as error:
        raise ValueError(f"{path}: not YAML: {error}") from None
    if not looks_like_artillery(script):
        raise ValueError(f"{path}: not an Artillery script (expected 'config' with a target, and 'scenarios')")
    spec, unconverted = convert_artillery(script, path.stem, path.parent)
    text = f"# Converted from {path.name} by `squall import artillery`\n" + \
        yaml.safe_dump(spec, sort_keys=False, allow_unicode=True, width=120)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"squall: wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    for item in unconverted:
        print(f"squall: not converted: {item}", file=sys.stderr)
    if not unconverted:
        print("squall: every construct was converted", file=sys.stderr)
    return EXIT_PASS


def _run_spec(spec: Spec, args: argparse.Namespace) -> int:
    for note in spec.notes:
        print(f"squall: {note}", file=sys.stderr)
    from runner.backends.local import LocalOptions, run_local
    from runner.estimate import check_cost_limit
    from runner.local_guardrails import check_local_guardrails
    backend = getattr(args, "on", "local")
    preflight = make_plan(spec, "preflight", 0, workers=args.workers if backend == "aws" else
                          (args.workers or os.cpu_count() or 1))
    if backend == "local":
        check_local_guardrails(spec, preflight, tuple(getattr(args, "allow_host", []) or ()))
    check_cost_limit(spec, preflight, backend)
    run_id = new_run_id(spec.name)
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 31)
    if backend == "aws":
        return _run_on_aws(spec, args, run_id, seed)
    options = LocalOptions(store_dir=args.store, workers=args.workers, engine=args.engine)
    print(f"squall: run {run_id}: {spec.name}, {format_duration(spec.duration_s)} against {spec.target.base_url} "
          f"(local, engine {args.engine})", file=sys.stderr)
    result = run_local(spec, run_id, seed, options, _progress_printer())
    print(file=sys.stderr)
    return _finish(result, args.store)


def cmd_demo(args: argparse.Namespace) -> int:
    import subprocess

    from runner.preflight import check_reachable
    port = args.port or _free_port()
    target = subprocess.Popen([sys.executable, "-m", "runner.cli", "demo-target", "--port", str(port), "--quiet"])
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                check_reachable(url, timeout_s=0.5)
                break
            except CouldNotRun:
                if target.poll() is not None:
                    raise CouldNotRun(f"the demo target did not start on port {port}") from None
                time.sleep(0.1)
        print(f"squall: demo target listening on {url}", file=sys.stderr)
        args.target = url
        spec = _load(args, args.spec or EXAMPLES / "quickstart.yaml")
        return _run_spec(spec, args)
    finally:
        target.terminate()
        target.wait()


def _free_port() -> int:
    import socket
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def cmd_demo_target(args: argparse.Namespace) -> int:
    import asyncio

    import uvloop

    from runner.demo_target import DemoState, bound_port, parse_latency, serve
    state = DemoState(parse_latency(args.latency), args.concurrency, args.error_rate, random.Random(args.seed))

    async def main() -> None:
        runner = await serve("127.0.0.1", args.port, state)
        if args.publish_metrics:
            import boto3

            from runner.demo_metrics import DemoIdentity, publish_forever
            identity = DemoIdentity(args.function_name, args.api_name, args.stage)
            client = boto3.client("cloudwatch", region_name=args.region)
            asyncio.ensure_future(publish_forever(state, client, identity, args.metrics_interval))
        if not args.quiet:
            print(f"demo target on http://127.0.0.1:{bound_port(runner)} (latency {args.latency}, "
                  f"concurrency limit {args.concurrency}, 5xx share {args.error_rate:g}); Ctrl-C stops", flush=True)
        try:
            await asyncio.Event().wait()
        finally:
            await runner.cleanup()
    try:
        uvloop.run(main())
    except KeyboardInterrupt:
        pass
    return EXIT_PASS


D: dict[str, Any] = {}  # option defaults: squall.toml / [tool.squall], then SQUALL_* variables


def _spec_selection(p: argparse.ArgumentParser) -> None:
    p.add_argument("--target", default=D.get("target"), help="replace target.url")
    p.add_argument("--set", dest="overrides", action="append", default=[s for s in D.get("set", "").split(";") if s],
                   metavar="PATH=VALUE", help="override a spec value, e.g. load.phases.sustained.rate=200/s")
    p.add_argument("--tags", default=D.get("tags", ""), help="run only scenarios with any of these tags (a,b)")
    p.add_argument("--exclude-tags", default=D.get("exclude_tags", ""), help="skip scenarios with these tags")


def _load(args: argparse.Namespace, path: str | Path) -> Spec:
    from runner.spec import select_scenarios
    spec = load_spec(path, args.target, tuple(args.overrides))
    return select_scenarios(spec, _words(args.tags), _words(args.exclude_tags))


def _words(text: str) -> tuple[str, ...]:
    return tuple(t.strip() for t in text.split(",") if t.strip())


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="squall", description="Serverless load tests: local or on AWS.",
                                     epilog="Exit codes: 0 pass, 1 threshold failed, 2 invalid input, "
                                            "3 could not run, 4 inconclusive, 130 stopped.")
    parser.add_argument("--debug", action="store_true", help="print tracebacks")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("validate", help="check a spec and report every problem")
    p.add_argument("spec")
    p.set_defaults(func=cmd_validate)
    p = sub.add_parser("plan", help="show what a spec will do: phases, arrivals, workers")
    p.add_argument("spec")
    _spec_selection(p)
    p.add_argument("--workers", type=int, default=D.get("workers"))
    p.set_defaults(func=cmd_plan)
    for name, func, help_text in (("run", cmd_run, "run a spec"),
                                  ("demo", cmd_demo, "start the demo target and run the quickstart against it")):
        p = sub.add_parser(name, help=help_text)
        if name == "run":
            p.add_argument("spec")
            _spec_selection(p)
            p.add_argument("--on", choices=("local", "aws"), default="local", help="backend (default local)")
            p.add_argument("--allow-host", action="append", default=[], metavar="HOST",
                           help="allow this non-loopback target host for this run (also limits.allowed_hosts)")
            _aws_arguments(p)
            p.add_argument("--settle", help="aws: wait for CloudWatch after the load (default 3m)")
            p.add_argument("--monitor-interval", help="aws: how often live stats are refreshed (default 10s)")
            p.add_argument("--start-margin", help="aws: time for every worker to start (default 15s)")
            p.add_argument("--slice", help="aws: load per Lambda time slice (default and most 14m)")
        else:
            p.add_argument("--spec", help="another spec to run against the demo target")
            p.add_argument("--port", type=int, help="demo target port (default: a free one)")
            p.add_argument("--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE")
            p.add_argument("--tags", default="")
            p.add_argument("--exclude-tags", default="")
        p.add_argument("--store", default=D.get("store", "squall-runs"),
                       help="result store directory (default ./squall-runs)")
        p.add_argument("--workers", type=int, default=D.get("workers"), help="worker processes (default: one per core)")
        p.add_argument("--engine", choices=("fast", "httpx", "aiohttp"), default=D.get("engine", "fast"))
        p.add_argument("--seed", type=int, help="seed for scenario choice and data (default random)")
        p.set_defaults(func=func)
    p = sub.add_parser("watch", help="re-attach to a run on AWS")
    p.add_argument("run_id")
    _aws_arguments(p)
    p.set_defaults(func=cmd_watch)
    p = sub.add_parser("stop", help="stop a run gracefully (its results are kept)")
    p.add_argument("run_id")
    p.add_argument("--on", choices=("local", "aws"), default=None,
                   help="default: local when the run is in the local store, else aws")
    p.add_argument("--now", action="store_true", help="aws: also stop the execution at once")
    p.add_argument("--store", default=D.get("store", "squall-runs"))
    _aws_arguments(p)
    p.set_defaults(func=cmd_stop)
    p = sub.add_parser("runs", help="list past runs, newest first")
    p.add_argument("--on", choices=("local", "aws"), default="local")
    p.add_argument("--store", default=D.get("store", "squall-runs"))
    p.add_argument("--limit", type=int, default=20)
    _aws_arguments(p)
    p.set_defaults(func=cmd_runs)
    p = sub.add_parser("report", help="render a run's report: html, md, csv (Locust layout), junit, json, txt")
    p.add_argument("run_id")
    p.add_argument("--format", choices=("html", "md", "csv", "junit", "json", "txt"), default="html")
    p.add_argument("-o", "--output", help="file (or folder, for csv); default: stdout for text formats")
    p.add_argument("--on", choices=("local", "aws"), default="local")
    p.add_argument("--store", default=D.get("store", "squall-runs"))
    _aws_arguments(p)
    p.set_defaults(func=cmd_report)
    p = sub.add_parser("baseline", help="make a run the baseline its spec's regression thresholds compare with")
    p.add_argument("action", choices=("set",))
    p.add_argument("run_id")
    p.add_argument("--on", choices=("local", "aws"), default="local")
    p.add_argument("--store", default=D.get("store", "squall-runs"))
    _aws_arguments(p)
    p.set_defaults(func=cmd_baseline)
    p = sub.add_parser("compare", help="per-metric and per-endpoint deltas between two runs")
    p.add_argument("run_a")
    p.add_argument("run_b")
    p.add_argument("--on", choices=("local", "aws"), default="local")
    p.add_argument("--store", default=D.get("store", "squall-runs"))
    _aws_arguments(p)
    p.set_defaults(func=cmd_compare)
    p = sub.add_parser("collect", help="merge, judge and report a run again from its shards")
    p.add_argument("run_id")
    p.add_argument("--on", choices=("local", "aws"), default="local")
    p.add_argument("--store", default=D.get("store", "squall-runs"))
    _aws_arguments(p)
    p.set_defaults(func=cmd_collect)
    p = sub.add_parser("fetch", help="download a run's results and reports from S3")
    p.add_argument("run_id")
    p.add_argument("-o", "--output", default="squall-runs/fetched")
    _aws_arguments(p)
    p.set_defaults(func=cmd_fetch)
    p = sub.add_parser("import", help="convert another tool's script into a Squall spec")
    p.add_argument("kind", choices=("artillery",))
    p.add_argument("file")
    p.add_argument("-o", "--output", help="write the spec here (default: stdout)")
    p.set_defaults(func=cmd_import)
    p = sub.add_parser("demo-target", help="serve the demo API on 127.0.0.1")
    p.add_argument("--port", type=int, default=8080)
    p.add_argument("--latency", default="lognormal:20ms:0.5", help="fixed:5ms | uniform:5ms:50ms | lognormal:20ms:0.5")
    p.add_argument("--concurrency", type=int, default=200, help="in-flight requests before 429 (default 200)")
    p.add_argument("--error-rate", type=float, default=0.0, help="share of requests answered 502 (0-1)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--quiet", action="store_true")
    p.add_argument("--publish-metrics", action="store_true",
                   help="publish the CloudWatch metrics AWS would publish for it (to a CloudWatch emulator: "
                        "set AWS_ENDPOINT_URL; on a real account this costs PutMetricData requests)")
    p.add_argument("--function-name", default="squall-demo-generate")
    p.add_argument("--api-name", default="squall-demo-api")
    p.add_argument("--stage", default="prod")
    p.add_argument("--region", default="us-east-1")
    p.add_argument("--metrics-interval", type=float, default=10.0, help="seconds between publications")
    p.set_defaults(func=cmd_demo_target)
    return parser


def _aws_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--stack", default=D.get("stack", "Squall"), help="aws: stack name")
    p.add_argument("--region", default=D.get("region"), help="aws: region (default: your AWS configuration)")
    p.add_argument("--profile", default=D.get("profile"), help="aws: credentials profile")


def main(argv: list[str] | None = None) -> int:
    from runner.settings import SettingsError, defaults
    try:
        D.clear()
        D.update(defaults(Path.cwd(), os.environ))
    except SettingsError as error:
        print(f"squall: {error}", file=sys.stderr)
        return EXIT_INVALID
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except SpecRejected as error:
        print(f"squall: the run was refused: {error}", file=sys.stderr)
        return EXIT_INVALID
    except SpecError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        count = len(error.problems)
        print(f"squall: {count} problem{'s' if count != 1 else ''} in the spec; nothing was run", file=sys.stderr)
        return EXIT_INVALID
    except (PlanError, ValueError) as error:
        if args.debug:
            traceback.print_exc()
        print(f"squall: {error}", file=sys.stderr)
        return EXIT_INVALID
    except (CouldNotRun, StoreError, OSError) as error:
        if args.debug:
            traceback.print_exc()
        print(f"squall: could not run: {error}", file=sys.stderr)
        return EXIT_COULD_NOT_RUN


if __name__ == "__main__":
    sys.exit(main())
