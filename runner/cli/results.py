"""squall runs, report, baseline, compare, collect, fetch, watch, stop, import and doctor: the
commands that work on runs already started or finished (and on the account they run in)."""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from runner.cli.common import (
    EXIT_COULD_NOT_RUN,
    EXIT_PASS,
    aws_options,
    finish,
    interrupt_counter,
    progress_printer,
    store_for,
)
from runner.preflight import CouldNotRun
from runner.units import format_duration


def cmd_runs(args: argparse.Namespace) -> int:
    if args.on == "aws":
        from runner.aws.backend import find_deployment, list_runs
        rows = list_runs(find_deployment(aws_options(args)), args.limit)
    else:
        from runner.results.history import list_local_runs
        rows = list_local_runs(args.store, args.limit)
    print(f"{'run id':<44} {'spec':<16} {'started (UTC)':<20} {'duration':>8} {'requests':>9} {'p95':>10} {'errors':>7}"
          f"  verdict")
    interrupted = []
    for row in rows:
        result = row["result"] or {}
        state = row.get("state") or result.get("verdict", {}).get("status", "RUNNING?")
        if state == "INTERRUPTED":
            interrupted.append(row["run_id"])
        started = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(row["started_at_epoch_s"])) \
            if row["started_at_epoch_s"] else "?"
        overall = result.get("overall", {})
        duration = format_duration(result["duration_s"]) if "duration_s" in result else "-"
        print(f"{row['run_id'][:44]:<44} {row['spec_name'][:16]:<16} {started:<20} {duration:>8} "
              f"{overall.get('requests', 0):>9,} {overall.get('latency', {}).get('p95_ms', 0):>8.1f}ms "
              f"{overall.get('error_rate', 0) * 100:>6.2f}%  {state}")
    for run_id in interrupted:
        print(f"\n{run_id} ended without a verdict (its squall process is gone; shown: what its shards hold): "
              f"`squall collect {run_id}` judges it")
    return EXIT_PASS


def cmd_report(args: argparse.Namespace) -> int:
    from runner.results.reports import render
    from runner.store import run_prefix
    given = Path(args.run_id)
    if given.suffix == ".json" and given.is_file():  # a result written with --output (Artillery's `report FILE`)
        import json
        try:
            result = json.loads(given.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise CouldNotRun(f"{given}: not a Squall result ({error})") from None
        if not isinstance(result, dict) or "verdict" not in result or "run_id" not in result:
            raise CouldNotRun(f"{given}: not a Squall result (written by `squall run --output FILE`)")
        args.run_id = result["run_id"]
    else:
        store = store_for(args)
        key = run_prefix(args.run_id) + "result.json"
        if not store.exists(key):
            raise CouldNotRun(f"no result for run {args.run_id} in {store.uri(run_prefix(args.run_id))} "
                              f"(`squall runs` lists the runs)")
        result = store.get_json(key)
    files = render(result, args.format)
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


def cmd_baseline(args: argparse.Namespace) -> int:
    from runner.results.baseline import set_baseline
    record = set_baseline(store_for(args), args.run_id)
    print(f"squall: {args.run_id} is now the baseline of '{record['spec_name']}' (its verdict was {record['verdict']})")
    return EXIT_PASS


def cmd_compare(args: argparse.Namespace) -> int:
    from analysis.regression import compare
    from runner.store import run_prefix
    store = store_for(args)
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
    store = store_for(args)
    if not store.exists(run_prefix(args.run_id) + "plan.json"):
        raise CouldNotRun(f"no run {args.run_id} in {store.uri(run_prefix(args.run_id))}")
    if args.on == "aws":
        from runner.aws.pipeline import collect_run
        collect_run({"run_id": args.run_id}, store)
        result = store.get_json(run_prefix(args.run_id) + "result.json")
    else:
        from runner.aws.target_report import Boto3TargetSource
        from runner.results.collect import collect
        from runner.results.reports import ReportError, write_reports
        result = collect(store, args.run_id, target_source=Boto3TargetSource())
        try:
            write_reports(store, result)
        except ReportError as error:
            print(f"squall: reports: {error}", file=sys.stderr)
    return finish(result, store.uri("").rstrip("/") or args.store)


def cmd_fetch(args: argparse.Namespace) -> int:
    from runner.aws.backend import fetch_run, find_deployment
    written = fetch_run(find_deployment(aws_options(args)), args.run_id, Path(args.output))
    for path in written:
        print(path)
    return EXIT_PASS


def cmd_doctor(args: argparse.Namespace) -> int:
    import boto3
    from botocore.exceptions import BotoCoreError

    from runner.aws.doctor import examine, exit_code, render
    try:
        session = boto3.Session(profile_name=args.profile, region_name=args.region)
    except BotoCoreError as error:  # a profile that is not configured
        print(f"squall doctor: {error}", file=sys.stderr)
        return EXIT_COULD_NOT_RUN
    print(f"squall doctor: stack {args.stack}, region {session.region_name or '(none set)'}")
    findings = examine(session, args.stack)
    for line in render(findings):
        print(line)
    return exit_code(findings)


def cmd_watch(args: argparse.Namespace) -> int:
    from runner.cli.running import followed
    from runner.store import LocalStore, run_prefix
    if args.on is None:  # a run in the local store is watched there; otherwise on AWS
        args.on = "local" if LocalStore(args.store).exists(run_prefix(args.run_id) + "meta.json") else "aws"
    if args.on == "local":
        from runner.local.watch import watch_local
        return followed(args, lambda server: watch_local(args.store, args.run_id, progress_printer(),
                                                         interrupt_counter(), server), args.store)[0]
    from runner.aws.backend import find_deployment, watch_run
    deployment = find_deployment(aws_options(args))
    return followed(args, lambda server: watch_run(deployment, args.run_id, progress_printer(),
                                                   stop_requested=interrupt_counter(), live_server=server),
                    f"s3://{deployment.bucket}")[0]


def cmd_stop(args: argparse.Namespace) -> int:
    if args.on is None:  # a run in the local store is stopped there; otherwise on AWS
        from runner.store import LocalStore, run_prefix
        args.on = "local" if LocalStore(args.store).exists(run_prefix(args.run_id) + "meta.json") else "aws"
    if args.on == "local":
        from runner.store import LocalStore, request_stop, run_prefix
        store = LocalStore(args.store)
        if not store.exists(run_prefix(args.run_id) + "meta.json"):
            raise CouldNotRun(f"no run {args.run_id} in {args.store}")
        request_stop(store, args.run_id, b"stopped by squall stop\n")
    else:
        from runner.aws.backend import find_deployment, stop_run
        stop_run(find_deployment(aws_options(args)), args.run_id, now=args.now)
    print(f"squall: asked {args.run_id} to stop" + (" now" if getattr(args, "now", False) else
                                                    " (workers finish within one poll interval)"))
    return EXIT_PASS


# complexity: parse, convert, validate and write, each with its own exit code and message
def cmd_import(args: argparse.Namespace) -> int:
    import yaml

    from runner.importers.artillery import convert_artillery, looks_like_artillery
    from runner.importers.artillery_shape import ScriptError
    from runner.spec import check_artillery_shape
    from runner.spec.checker import Problem, SpecError
    from runner.spec.yamlsource import SpecSyntaxError, dotted, load_yaml
    path = Path(args.file)
    try:
        source = load_yaml(path.read_text(encoding="utf-8"), str(path))
    except OSError as error:
        raise CouldNotRun(f"cannot read {path}: {error.strerror}") from None
    except SpecSyntaxError as error:
        raise SpecError([Problem(error.file, error.line, "", error.message)]) from None
    script = source.data
    if not looks_like_artillery(script):
        raise ValueError(f"{path}: not an Artillery script (expected 'config' with a target, and 'scenarios')")
    check_artillery_shape(source)  # every value of a kind Artillery does not read there, located
    try:
        spec, unconverted, built_in = convert_artillery(script, path.stem, path.parent, environ=os.environ)
    except ScriptError as error:
        raise SpecError([Problem(str(path), source.line_of(error.path), dotted(error.path), error.message)]) from None
    text = f"# Converted from {path.name} by `squall import artillery`\n" + \
        yaml.safe_dump(spec, sort_keys=False, allow_unicode=True, width=120)
    from runner.spec import parse_spec
    written_as = args.output or f"{path.stem}.yaml"
    try:  # what it writes always validates: when it would not, nothing is written and every reason is said
        parse_spec(text, written_as, base_dir=path.parent, environ=os.environ)
    except SpecError as error:
        unset = [p for p in error.problems if "not set in the environment" in p.message]
        if len(unset) < len(error.problems):
            raise SpecError([Problem(str(path), 0, "", f"the converted spec would not validate (nothing written): "
                                                       f"{problem}") for problem in error.problems]) from None
        for problem in unset:  # the spec keeps the reference: a run reads it then
            print(f"squall: note: {problem.path}: {problem.message}: set it before `squall run`", file=sys.stderr)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"squall: wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    for item in unconverted:
        print(f"squall: not converted: {item}", file=sys.stderr)
    for item in built_in:
        print(f"squall: built in: {item}", file=sys.stderr)
    if not unconverted:
        print("squall: every construct was converted", file=sys.stderr)
    return EXIT_PASS
