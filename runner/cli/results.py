"""squall runs, report, baseline, compare, collect, fetch, watch, stop, import and doctor: the
commands that work on runs already started or finished (and on the account they run in)."""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

from runner.cli.common import (
    EXIT_COULD_NOT_RUN,
    EXIT_PASS,
    aws_options,
    finish,
    index_for,
    interrupt_counter,
    progress_printer,
    store_for,
)
from runner.preflight import CouldNotRun
from runner.units import format_duration


def cmd_runs(args: argparse.Namespace) -> int:
    from runner.results.index import RunFilter
    index = index_for(args)
    where = RunFilter(spec=args.spec, profile=args.load_profile, verdict=args.verdict, backend=args.backend,
                      tag=args.tag, since_epoch_s=_date_epoch_s(args.since) if args.since else None)
    rows = index.runs(where, limit=args.limit)
    width = max([len(r["run_id"]) for r in rows] + [6])
    print(f"{'run id':<{width}}  {'spec':<20} {'started (UTC)':<19} {'backend':<9} {'duration':>8} {'requests':>9} "
          f"{'rate':>9} {'p95':>10} {'errors':>7}  verdict")
    for row in rows:
        print(_run_line(row, width))
    if args.suites:
        for suite in index.suites(args.limit):
            tests = ", ".join(f"{t['name']} {t['status']}" + (f" ({t['run_id']})" if t.get("run_id") else "")
                              for t in suite["tests"])
            print(f"\nsuite {suite['suite_id']}: {suite['status']}: {tests}")
    _other_store_note(args)
    for row in rows:
        if row["state"] == "INTERRUPTED":
            print(f"\n{row['run_id']} ended without a verdict (its squall process is gone; shown: what its shards "
                  f"hold): `squall collect {row['run_id']}` judges it")
    return EXIT_PASS


def _other_store_note(args: argparse.Namespace) -> None:
    """Runs kept in ./squall-runs before the store became the project's are not lost: say where."""
    here = Path("squall-runs")
    if args.on == "local" and here.is_dir() and (here / "runs").is_dir() and \
            here.resolve() != Path(args.store).resolve():
        print(f"\nnote: ./squall-runs holds runs too; the project's store is {args.store} "
              f"(`squall runs --store squall-runs` lists those)", file=sys.stderr)


def _run_line(row: dict[str, Any], width: int) -> str:
    started = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(row["started_at_epoch_s"])) \
        if row["started_at_epoch_s"] else "?"
    spec = row["spec_name"] + (f"@{row['profile']}" if row["profile"] else "")
    duration = format_duration(row["duration_s"]) if row["duration_s"] is not None else "-"
    rate = f"{row['rps']:,.1f}/s" if row["rps"] is not None else "-"
    return (f"{row['run_id']:<{width}}  {spec:<20} {started:<19} {row['backend'] or '?':<9} {duration:>8} "
            f"{row['requests'] or 0:>9,} {rate:>9} {row['p95_ms'] or 0:>8.1f}ms {(row['error_rate'] or 0) * 100:>6.2f}%"
            f"  {row['state']}{'  (baseline)' if row['is_baseline'] else ''}")


def _date_epoch_s(text: str) -> float:
    """YYYY-MM-DD (UTC midnight) or a duration back from now (7d, 12h)."""
    from runner.units import parse_duration_s, utc_day_start_s
    try:
        return utc_day_start_s(text)
    except ValueError:
        pass
    try:
        days = text.endswith("d") and float(text[:-1])
        return time.time() - (days * 86_400 if days else parse_duration_s(text))
    except ValueError:
        raise ValueError(f"--since {text!r}: write a date (2026-12-01) or how long ago (7d, 12h)") from None


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
    from runner.results.baseline import clear_baseline, set_baseline
    store = store_for(args)
    if args.action == "set":
        record = set_baseline(store, args.run_id)
        print(f"squall: {args.run_id} is now the baseline of '{record['spec_name']}"
              f"{'@' + record['profile'] if record.get('profile') else ''}' (its verdict was {record['verdict']})")
        return EXIT_PASS
    spec, _, profile = args.run_id.partition("@")  # unset takes SPEC[@PROFILE], or a run of that spec
    from runner.store import run_prefix
    if store.exists(run_prefix(args.run_id) + "result.json"):
        result = store.get_json(run_prefix(args.run_id) + "result.json")
        spec, profile = result["spec_name"], result.get("profile") or ""
    was = clear_baseline(store, spec, profile or None)
    name = spec + (f"@{profile}" if profile else "")
    print(f"squall: '{name}' has no baseline now (it was {was})" if was else f"squall: '{name}' had no baseline")
    return EXIT_PASS


def cmd_compare(args: argparse.Namespace) -> int:
    from analysis.comparison import compare_runs
    from analysis.reports.compare import render_compare_html, render_compare_markdown, render_compare_text
    from runner.results.index import resolve_run_names
    from runner.results.reports import chart_library_js
    from runner.store import run_prefix
    store = store_for(args)
    run_ids = resolve_run_names(index_for(args), [args.run_a, args.run_b], args.spec)
    results = []
    for run_id in run_ids:
        key = run_prefix(run_id) + "result.json"
        if not store.exists(key):
            raise CouldNotRun(f"no result for run {run_id} in {store.uri(run_prefix(run_id))}")
        results.append(store.get_json(key))
    comparison = compare_runs(results[0], results[1])
    import json
    text = {"txt": lambda: render_compare_text(comparison), "md": lambda: render_compare_markdown(comparison),
            "json": lambda: json.dumps(comparison, indent=1) + "\n",
            "html": lambda: render_compare_html(comparison, results[0], results[1], chart_library_js())}[args.format]()
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        print(args.output)
    elif args.format == "html":
        raise ValueError("--format html writes a page: name it with -o FILE")
    else:
        sys.stdout.write(text)
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
    from runner.aws.regions import watch_across_regions
    deployment = find_deployment(aws_options(args))

    def follow(server: Any) -> dict[str, Any]:
        interrupts = interrupt_counter()
        across = watch_across_regions(deployment, aws_options(args), args.run_id, progress_printer(), interrupts)
        return across if across is not None else watch_run(deployment, args.run_id, progress_printer(),
                                                           stop_requested=interrupts, live_server=server)
    return followed(args, follow, f"s3://{deployment.bucket}")[0]


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
        from runner.aws.regions import stop_across_regions
        home = find_deployment(aws_options(args))
        if not stop_across_regions(home, aws_options(args), args.run_id, now=args.now):  # a run from one region
            stop_run(home, args.run_id, now=args.now)
    print(f"squall: asked {args.run_id} to stop" + (" now" if getattr(args, "now", False) else
                                                    " (workers finish within one poll interval)"))
    return EXIT_PASS


def cmd_import(args: argparse.Namespace) -> int:
    """Parse, convert, validate and write an Artillery script, each step with its own message."""
    import yaml
    path = Path(args.file)
    spec, unconverted, built_in = _converted_script(path)
    text = f"# Converted from {path.name} by `squall import artillery`\n" + \
        yaml.safe_dump(spec, sort_keys=False, allow_unicode=True, width=120)
    _check_converted(text, args.output or f"{path.stem}.yaml", path)
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


def _converted_script(path: Path) -> tuple[dict[str, Any], list[str], list[str]]:
    """The script read (its problems at their lines) and converted: the spec, what could not be
    converted, and what Squall does built in."""
    from runner.importers.artillery import convert_artillery, looks_like_artillery
    from runner.importers.artillery_shape import ScriptError
    from runner.spec import check_artillery_shape
    from runner.spec.checker import Problem, SpecError
    from runner.spec.yamlsource import SpecSyntaxError, dotted, load_yaml
    try:
        source = load_yaml(path.read_text(encoding="utf-8"), str(path))
    except OSError as error:
        raise CouldNotRun(f"cannot read {path}: {error.strerror}") from None
    except SpecSyntaxError as error:
        raise SpecError([Problem(error.file, error.line, "", error.message)]) from None
    if not looks_like_artillery(source.data):
        raise ValueError(f"{path}: not an Artillery script (expected 'config' with a target, and 'scenarios')")
    check_artillery_shape(source)  # every value of a kind Artillery does not read there, located
    try:
        spec, unconverted, built_in = convert_artillery(source.data, path.stem, path.parent, environ=os.environ)
    except ScriptError as error:
        raise SpecError([Problem(str(path), source.line_of(error.path), dotted(error.path), error.message)]) from None
    return spec, list(unconverted), list(built_in)


def _check_converted(text: str, written_as: str, path: Path) -> None:
    """What is written always validates: when it would not, nothing is written and every reason is
    said; a variable not set here is noted (the spec keeps the reference, read at the run)."""
    from runner.spec import parse_spec
    from runner.spec.checker import Problem, SpecError
    try:
        parse_spec(text, written_as, base_dir=path.parent, environ=os.environ)
    except SpecError as error:
        unset = [p for p in error.problems if "not set in the environment" in p.message]
        if len(unset) < len(error.problems):
            raise SpecError([Problem(str(path), 0, "", f"the converted spec would not validate (nothing written): "
                                                       f"{problem}") for problem in error.problems]) from None
        for problem in unset:
            print(f"squall: note: {problem.path}: {problem.message}: set it before `squall run`", file=sys.stderr)
