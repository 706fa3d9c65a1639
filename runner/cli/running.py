"""squall validate, plan, run, demo and demo-target."""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import random
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from analysis.reports.suite import (
    SuiteEntry,
    render_suite_junit,
    render_suite_summary,
    suite_document,
    suite_status,
)
from runner.cli.common import (
    EXAMPLES,
    EXIT_BY_VERDICT,
    EXIT_COULD_NOT_RUN,
    EXIT_FAIL,
    EXIT_INCONCLUSIVE,
    EXIT_PASS,
    EXIT_STOPPED,
    VERBOSITY,
    aws_options,
    finish,
    interrupt_counter,
    load_selected_spec,
    progress_printer,
    regions_as_overrides,
    stop_signals_interrupt,
)
from runner.plan import RATE_MEASURED_PER_CORE, RunPlan, make_plan
from runner.preflight import CouldNotRun, Interrupted, SpecRejected, check_references, refuse_environment_on_aws
from runner.spec import Spec, SpecError, load_spec, spec_profiles
from runner.spec.checker import Problem
from runner.spec.suite import SuiteTest, is_suite_file, load_suite
from runner.store import new_run_id
from runner.units import format_duration


def cmd_validate(args: argparse.Namespace) -> int:
    """The spec as written, and with each of its profiles applied; for a suite, each of its tests
    as the suite runs it: every problem of all of them."""
    problems: list[Problem] = []
    shown: list[str] = []
    data_root = Path(args.data_root) if args.data_root else None
    if is_suite_file(Path(args.spec)):
        name, tests = load_suite(Path(args.spec))
        for test in tests:
            try:
                spec = load_spec(test.spec, args.target, tuple(test.overrides), test.load_profile, data_root)
            except SpecError as error:
                problems += [p for p in error.problems if p not in problems]
                continue
            shown.append(f"suite {name}: {test.name}: valid — {len(spec.phases)} phases over "
                         f"{format_duration(spec.duration_s)}")
    for profile in [] if is_suite_file(Path(args.spec)) else [None, *spec_profiles(args.spec)]:
        try:
            spec = load_spec(args.spec, args.target, profile=profile, data_root=data_root)
        except SpecError as error:
            problems += [p for p in error.problems if p not in problems]
            continue
        shown.append(f"{f'profile {profile}' if profile else args.spec}: valid — {len(spec.phases)} phases over "
                     f"{format_duration(spec.duration_s)}, {len(spec.scenarios)} scenarios, "
                     f"{len(spec.thresholds)} thresholds")
    if problems:
        raise SpecError(problems)
    print("\n".join(shown))
    return EXIT_PASS


def length_of(spec: Spec) -> str:
    """A run's length as announced: a phase of iterations ends when they are done (its length is a cap)."""
    capped = any(p.iterations is not None for p in spec.phases)
    return ("up to " if capped else "") + format_duration(spec.duration_s)


def check_other_profiles(path: Path, args: argparse.Namespace) -> None:
    """A run refuses a file `squall validate` refuses: its other profiles are checked as they would
    run (before, a broken profile failed validate but not a run of another one)."""
    data_root = Path(args.data_root) if getattr(args, "data_root", None) else None
    problems: list[Problem] = []
    for profile in spec_profiles(path):
        if profile == getattr(args, "load_profile", None):
            continue
        try:
            load_spec(path, args.target, profile=profile, data_root=data_root)
        except SpecError as error:
            problems += [p for p in error.problems if p not in problems]
    if problems:
        raise SpecError(problems)


def cmd_plan(args: argparse.Namespace) -> int:
    if is_suite_file(Path(args.spec)):  # each test of the suite, as it will run
        name, tests = load_suite(Path(args.spec))
        for index, test in enumerate(tests):
            print(f"{'' if index == 0 else chr(10)}suite {name}: test {index + 1} of {len(tests)}: {test.name}")
            picked = argparse.Namespace(**{**vars(args), "spec": str(test.spec),
                                           "load_profile": test.load_profile or args.load_profile,
                                           "overrides": [*args.overrides, *test.overrides]})
            cmd_plan(picked)
        return EXIT_PASS
    spec = load_selected_spec(args, args.spec)
    plan = make_plan(spec, "plan-preview", 0, workers=args.workers)
    # a phase of iterations ends when they are done: its duration is a cap, and so is all that follows from it
    capped = any(p.iterations is not None for p in plan.phases)
    print(f"{spec.name}: {'up to ' if capped else ''}{format_duration(plan.duration_s)} in {len(plan.phases)} phases "
          f"against {spec.target.base_url}" + (" (a phase of iterations ends when they are done: its length is a cap)"
                                               if capped else ""))
    print(f"\n  {'phase':<14} {'from':>7} {'length':>7} {'load':<22} {'arrivals':>10} {'requests':>10}")
    for p in plan.phases:
        print(_phase_line(p))
    print()
    for line in _plan_totals(plan, capped) + _plan_costs(spec, args.workers, capped) + _plan_regions(spec):
        print(line)
    return EXIT_PASS


def _plan_regions(spec: Spec) -> list[str]:
    """A run across regions: what each region's part sends (runner.spec.regions), as it will run."""
    if not spec.regions:
        return []
    from runner.job import spec_document
    from runner.spec.regions import RegionSplitError, region_parts
    lines = ["", "  on AWS, from each region (--on aws):"]
    try:
        parts = region_parts(spec_document(spec), dict(spec.regions), spec.file)
    except RegionSplitError as error:
        raise SpecRejected(str(error)) from None
    for region, share in spec.regions:
        part = parts[region][1]
        plan = make_plan(part, "plan-preview", 0)
        peak = max((p.peak for p in part.phases if p.kind == "rate"), default=0.0)
        users = max((p.peak for p in part.phases if p.kind == "users"), default=0.0)
        load = ", ".join(x for x in (f"peak {peak:g}/s" if peak else "", f"up to {users:g} users" if users else "") if x)
        lines.append(f"    {region:<15} {share:>4.0%}  {load}, {plan.expected_requests:,.0f} requests, "
                     f"{plan.workers} worker{'s' if plan.workers != 1 else ''}")
    return lines


def _phase_line(p: Any) -> str:
    if p.kind == "rate":
        load = f"{p.start:g}/s" + (f" -> {p.end:g}/s" if p.end != p.start else "")
    elif p.kind == "users":
        load = f"{p.start:g} users" + (f" -> {p.end:g}" if p.end != p.start else "") + \
            (f", {p.iterations:,} iterations in all" if p.iterations is not None else "")
    else:
        load = "pause"
    arrivals = f"{p.expected_arrivals:,.0f}" if p.kind == "rate" else "-"
    requests = f"{p.expected_requests:,.0f}" if p.kind == "rate" else "-"
    length = ("≤" if p.iterations is not None else "") + format_duration(p.duration_s)
    return f"  {p.name[:14]:<14} {format_duration(p.offset_s):>7} {length:>7} {load:<22} {arrivals:>10} {requests:>10}"


def _plan_totals(plan: RunPlan, capped: bool) -> list[str]:
    """Arrivals and requests, users, workers, slices and the in-flight cap."""
    lines = []
    if any(p.kind == "rate" for p in plan.phases):
        lines += [f"  total         {plan.expected_arrivals:,.0f} arrivals, {plan.expected_requests:,.0f} requests "
                  f"(open-model phases)", f"  peak rate     {plan.peak_rate_per_s:g} arrivals/s"]
    if plan.peak_users:
        lines.append(f"  users         {plan.peak_users:,} at most (closed model: each loops its scenario, so the "
                     f"requests depend on the target's answers and the thinks)")
    lines.append(f"  workers       {plan.workers} (per-worker ceiling {plan.rate_ceiling_per_worker:,.0f} arrivals/s, "
                 f"a quarter of the {RATE_MEASURED_PER_CORE:,.0f}/s one worker held on one core in bench/)")
    slices = "".join(f"\n                slice {s.index}: {format_duration(s.offset_s)} → "
                     f"{format_duration(s.offset_s + s.duration_s)}" for s in plan.slices) if len(plan.slices) > 1 else ""
    lines.append(f"  time slices   {'up to ' if capped else ''}{len(plan.slices)} on AWS (a Lambda worker runs at most "
                 f"14 min of load; local runs are unsliced)" + slices)
    lines.append(f"  in-flight cap {plan.max_in_flight_per_worker:,} scenarios per worker")
    return lines


def _plan_costs(spec: Spec, workers: int | None, capped: bool) -> list[str]:
    """The test's estimated cost on each backend, the stack's standing cost, the spec's cost limit."""
    from analysis.cost import standing_cost
    from runner.estimate import estimate_test_cost
    lines = []
    for backend in ("local", "aws"):
        estimate = estimate_test_cost(spec, make_plan(spec, "plan-preview", 0, workers=workers), backend)
        detail = ", ".join(f"{i.name} ${i.cost_usd:.4f}" for i in estimate.items if i.cost_usd >= 0.00005)
        lines.append(f"  cost ({backend}) {'at most ' if capped else ''}${estimate.total_usd:.4f} estimated for the "
                     f"test itself" + (" (if the iterations take the whole cap)" if capped else "") +
                     (f": {detail}" if detail else "") + (f" [{'; '.join(estimate.notes)}]" if estimate.notes else ""))
    lines.append(_per_million_line(spec, workers))
    standing, nat = standing_cost("us-east-1"), standing_cost("us-east-1", nat_gateways=1)
    lines.append(f"  stack (aws)   ${standing.total_usd:.2f} a month whether it runs or not: its CloudWatch dashboard "
                 f"(an account's first three are free); ${nat.total_usd - standing.total_usd:.2f} more with a VPC it "
                 f"creates (squall:vpc, a NAT gateway)")
    if spec.limits.max_cost_usd is not None:
        lines.append(f"  cost limit    ${spec.limits.max_cost_usd:g} (limits.max_cost_usd)")
    return lines


def _per_million_line(spec: Spec, workers: int | None) -> str:
    """A million requests on AWS: at this plan (its estimate over its requests), and in busy workers'
    time alone (the CPU-µs a request measured here, stretched to a Lambda worker's vCPU share)."""
    from analysis.cost import per_million_requests_usd
    from runner.estimate import estimate_test_cost
    from runner.plan import CPU_US_MEASURED_ON, CPU_US_PER_REQUEST_MEASURED
    plan = make_plan(spec, "plan-preview", 0, workers=workers)
    region = spec.aws.region if spec.aws and spec.aws.region else "us-east-1"
    at_plan = estimate_test_cost(spec, plan, "aws").total_usd / plan.expected_requests * 1e6 \
        if plan.expected_requests else None
    busy = per_million_requests_usd(CPU_US_PER_REQUEST_MEASURED, 1769, "arm64", region)
    return ("  per million   " + (f"${at_plan:.2f} per million requests at this plan on AWS; " if at_plan else "") +
            f"${busy:.4f} in worker time alone when workers are kept busy (an estimate: "
            f"{CPU_US_PER_REQUEST_MEASURED:.0f} CPU-µs a request measured by bench/peers.py on {CPU_US_MEASURED_ON} "
            f"on a development core, at 1,769 MB arm64; a Lambda vCPU may be slower: docs/engine.md says how to "
            f"measure it there)")


def cmd_run(args: argparse.Namespace) -> int:
    paths = [Path(p) for p in args.spec]
    locustfile = getattr(args, "locustfile", None)
    if not locustfile and not paths:  # as `locust` alone: the locustfile locust.conf names
        from runner.spec.locustfile import locust_settings
        locustfile = locust_settings(Path.cwd(), os.environ, getattr(args, "locust_config", None)).get("locustfile")
        if not locustfile:
            raise SpecRejected("squall run needs a spec, a suite or a locustfile (-f locustfile.py, or a "
                               "locust.conf that names one)")
    if locustfile:  # Locust's -f: the positional arguments are User classes, as in Locust
        return _run_locustfile(Path(locustfile), [str(p) for p in paths], args)
    if paths[0].suffix == ".py":  # a locustfile, and the user classes to run
        return _run_locustfile(paths[0], [str(p) for p in paths[1:]], args)
    if len(paths) == 1 and not is_suite_file(paths[0]):
        spec = load_selected_spec(args, paths[0])
        check_other_profiles(paths[0], args)
        return _run_spec(spec, args)
    if len(paths) == 1:
        name, tests = load_suite(paths[0])
    else:
        name, tests = "suite", [SuiteTest(p.stem, p) for p in paths]
    return _run_suite(name, tests, args)


def _run_suite(name: str, tests: list[SuiteTest], args: argparse.Namespace) -> int:
    """Every test's spec is loaded before the first runs (a problem in the fourth must not
    wait for three runs); then they run one after another; Ctrl-C stops the suite."""
    specs: list[Spec] = []
    problems: list[Problem] = []
    for test in tests:
        picked = argparse.Namespace(**{**vars(args), "load_profile": test.load_profile or args.load_profile,
                                       "overrides": [*args.overrides, *test.overrides],
                                       "tags": test.tags if test.tags is not None else args.tags,
                                       "exclude_tags": test.exclude_tags if test.exclude_tags is not None
                                       else args.exclude_tags})
        try:
            specs.append(load_selected_spec(picked, test.spec))
        except SpecError as error:
            problems += error.problems
    if problems:
        raise SpecError(problems)
    entries: list[SuiteEntry] = []
    started_at_epoch_s = time.time()
    for index, (test, spec) in enumerate(zip(tests, specs, strict=True)):
        print(f"squall: suite {name}: test {index + 1} of {len(tests)}: {test.name}", file=sys.stderr)
        try:
            code, result = _run_spec_result(spec, args)
        except CouldNotRun as error:
            print(f"squall: could not run: {error}", file=sys.stderr)
            entries.append(SuiteEntry(test.name, "COULD_NOT_RUN", note=str(error)))
            continue
        entries.append(SuiteEntry(test.name, result["verdict"]["status"], result))
        if code == EXIT_STOPPED:
            entries += [SuiteEntry(t.name, "NOT_RUN", note="the suite was stopped") for t in tests[index + 1:]]
            break
    suite_id = new_run_id(name)
    folder = Path(args.store) / "suites" / suite_id
    folder.mkdir(parents=True, exist_ok=True)
    summary = render_suite_summary(name, entries)
    (folder / "summary.txt").write_text(summary + "\n", encoding="utf-8")
    (folder / "junit.xml").write_text(render_suite_junit(name, entries), encoding="utf-8")
    (folder / "suite.json").write_text(json.dumps(suite_document(name, entries, started_at_epoch_s), indent=1),
                                       encoding="utf-8")
    print("\n" + summary)
    print(f"\n  suite: {folder}/summary.txt, {folder}/junit.xml")
    status = suite_status(entries)
    return EXIT_COULD_NOT_RUN if status == "COULD_NOT_RUN" else \
        EXIT_INCONCLUSIVE if status == "NOT_RUN" else EXIT_BY_VERDICT[status]


# complexity: Locust's command-line vocabulary (-l, --processes, --csv…) before the run, in Locust's order
def _run_locustfile(path: Path, classes: list[str], args: argparse.Namespace) -> int:
    from runner.cli.locust_options import notes_for
    from runner.spec.locustfile import check_locustfile, locust_settings, locust_spec
    if getattr(args, "locust_list", False):  # Locust's -l
        print("\n".join(sorted(check_locustfile(path)["classes"])))
        return EXIT_PASS
    conf = locust_settings(Path.cwd(), os.environ, getattr(args, "locust_config", None))
    args.csv = args.csv or conf.get("csv")  # locust.conf, [tool.locust] and LOCUST_CSV / LOCUST_HTML too
    args.html = args.html or conf.get("html")
    distributed = [flag for flag in getattr(args, "locust_noted", None) or [] if flag in DISTRIBUTED_FLAGS]
    if distributed:
        raise SpecRejected(f"{', '.join(dict.fromkeys(distributed))}: Locust's distributed mode is not how Squall "
                           f"spreads a test: one `squall run` starts all of it (--processes N on this machine, or "
                           f"--on aws for Lambda workers); a --worker on each of N machines would start N whole "
                           f"tests. Nothing was run")
    processes = getattr(args, "processes", None)
    if processes == -1:  # Locust's: one per core
        processes = os.cpu_count() or 1
    extra_notes: list[str] = []
    if not args.workers and not processes and getattr(args, "on", "local") == "local":
        processes = 1  # as Locust runs a locustfile: one process unless --processes says otherwise
        if (os.cpu_count() or 1) > 1:
            extra_notes.append(f"one process, as Locust runs a locustfile (--processes -1 uses all "
                               f"{os.cpu_count()} cores)")
    args.workers = args.workers or processes
    # the locustfile's own logs (and Locust's) shown as Locust shows them: INFO unless --loglevel says otherwise
    os.environ["SQUALL_LOCUST_LOGLEVEL"] = str((getattr(args, "locust_values", None) or {}).get("--loglevel", "INFO"))
    args.user_classes = classes
    args.overrides = [*(getattr(args, "overrides", None) or ()), *regions_as_overrides(getattr(args, "regions", None))]
    spec = locust_spec(args, path)
    spec = dataclasses.replace(spec, notes=spec.notes + tuple(notes_for(getattr(args, "locust_noted", None) or []))
                               + tuple(extra_notes))
    args.engine = "locust"
    code, result = _run_spec_result(spec, args)
    exit_on_error = getattr(args, "exit_code_on_error", None)
    if code == EXIT_FAIL and exit_on_error is not None:  # Locust's --exit-code-on-error
        code = exit_on_error
    return code


# Locust's master/worker wiring: refused (each flag would start a whole test where Locust starts a part)
DISTRIBUTED_FLAGS = ("--master", "--worker", "--master-host", "--master-port", "--master-bind-host",
                     "--master-bind-port", "--expect-workers", "--expect-workers-max-wait", "--enable-rebalancing")


def _write_report(path: Path, content: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content, encoding="utf-8")


def write_requested_reports(result: dict[str, Any], args: argparse.Namespace) -> None:
    """--csv PREFIX (Locust's files), --html FILE, --junit FILE and --report-dir DIR, for any run."""
    from runner.results.reports import render
    written: list[str] = []
    if getattr(args, "csv", None):  # as Locust: the prefix's folder is made when it is missing
        for name, content in render(result, "csv").items():
            _write_report(Path(f"{args.csv}_{name}"), content)
            written.append(f"{args.csv}_{name}")
    for option, fmt, name in (("html", "html", "report.html"), ("junit", "junit", "junit.xml")):
        if getattr(args, option, None):
            _write_report(Path(getattr(args, option)), render(result, fmt)[name])
            written.append(getattr(args, option))
    if getattr(args, "output", None):  # Artillery's --output: the result's JSON, which `squall report FILE` renders
        _write_report(Path(args.output), json.dumps(result, indent=1))
        written.append(args.output)
    if getattr(args, "report_dir", None):
        folder = Path(args.report_dir)
        folder.mkdir(parents=True, exist_ok=True)
        for fmt in ("html", "md", "csv", "junit", "txt", "json"):
            for name, content in render(result, fmt).items():
                (folder / name).write_text(content, encoding="utf-8")
                written.append(str(folder / name))
    if written:
        print(f"squall: wrote {', '.join(written)}", file=sys.stderr)


def _run_spec(spec: Spec, args: argparse.Namespace) -> int:
    return _run_spec_result(spec, args)[0]


def _run_spec_result(spec: Spec, args: argparse.Namespace) -> tuple[int, dict[str, Any]]:
    stop_signals_interrupt()  # until the run itself listens: SIGTERM, SIGHUP or Ctrl-C end it with nothing sent
    try:
        return _start_run(spec, args)
    except KeyboardInterrupt:
        raise Interrupted(signal.SIGINT) from None


def _start_run(spec: Spec, args: argparse.Namespace) -> tuple[int, dict[str, Any]]:
    for note in spec.notes if VERBOSITY[0] >= 0 else ():  # -q: the summary and errors only
        print(f"squall: {note}", file=sys.stderr)
    from runner.estimate import check_cost_limit
    from runner.guardrails import check_local_guardrails
    from runner.local.backend import LocalOptions, run_local
    backend = getattr(args, "on", "local")
    if getattr(args, "rehearse", False) and backend != "aws":
        raise SpecRejected("--rehearse rehearses a run on AWS: write --on aws --rehearse; nothing was started")
    if spec.target.http2 and getattr(args, "engine", "fast") != "httpx":
        raise SpecRejected(f"target.http2: true needs --engine httpx (the {args.engine} engine speaks HTTP/1.1 only; "
                           f"it would send HTTP/1.1 without a word); nothing was started")
    preflight = make_plan(spec, "preflight", 0, workers=args.workers if backend == "aws" else
                          (args.workers or os.cpu_count() or 1))
    if backend == "local":
        check_local_guardrails(spec, preflight, tuple(getattr(args, "allow_host", []) or ()))
        check_references(spec, os.environ, _aws_client_factory(spec))
    else:
        refuse_environment_on_aws(spec)
    check_cost_limit(spec, preflight, backend)
    run_id = new_run_id(spec.name)
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 31)
    if backend == "aws":
        return _run_on_aws(spec, args, run_id, seed)
    _say_regions_are_for_aws(spec)
    options = LocalOptions(store_dir=args.store, workers=args.workers, engine=args.engine,
                           allowed_hosts=tuple(getattr(args, "allow_host", []) or ()))
    print(f"squall: run {run_id}: {spec.name}, {length_of(spec)} against {spec.target.base_url} "
          f"(local, engine {args.engine})", file=sys.stderr)
    from runner.aws.target_report import Boto3TargetSource
    return followed(args, lambda server: run_local(
        spec, run_id, seed, options, progress_printer(),
        target_source=lambda progress: Boto3TargetSource(progress=progress), live_server=server), args.store)


def _say_regions_are_for_aws(spec: Spec) -> None:
    if spec.regions:
        print(f"squall: regions ({', '.join(r for r, _ in spec.regions)}) are where the load comes from on AWS "
              "(--on aws); here all of it comes from this machine, and a threshold naming a region judges all "
              "of it", file=sys.stderr)


def followed(args: argparse.Namespace, follow: Callable[[Any], dict[str, Any]], store_text: str,
             server: Any = None) -> tuple[int, dict[str, Any]]:
    """Follow a run to its result with the live page (--ui) or /metrics (--metrics-port) up
    while it lasts and, for the page, ``--ui-linger`` seconds more to show the verdict.
    ``server``: one already started (before the run, so a busy port starts nothing)."""
    server = server or live_server(args)
    try:
        result = follow(server)
        print(file=sys.stderr)
        code = finish(result, store_text)
        try:
            write_requested_reports(result, args)
        except OSError as error:  # a CI step reads the file next: a report not written fails the command
            where = getattr(error, "filename", None) or "?"
            print(f"squall: a requested report could not be written: {where}: {error.strerror or error} (the verdict "
                  f"was {result['verdict']['status']}, exit {code}; exiting {code or EXIT_COULD_NOT_RUN} because the "
                  f"report is missing)", file=sys.stderr)
            code = code or EXIT_COULD_NOT_RUN
        if server is not None and server.page and args.ui_linger > 0:
            print(f"squall: the live page shows the verdict for {args.ui_linger:g} s more: {server.url}", file=sys.stderr)
            try:
                time.sleep(args.ui_linger)
            except (KeyboardInterrupt, Interrupted):  # the run is over: a signal only ends the wait
                pass
    finally:
        if server is not None:
            server.close()
    return code, result


def live_server(args: argparse.Namespace) -> Any:
    """The live page (--ui) or /metrics alone (--metrics-port), started before the run."""
    from runner.results.live_server import LiveServer, UiAddressRefused, parse_address
    if getattr(args, "ui", None) is None and getattr(args, "metrics_port", None) is None:
        return None
    try:
        host, port = parse_address(args.ui, args.ui_public) if args.ui else ("127.0.0.1", int(args.metrics_port))
    except UiAddressRefused as error:
        raise SpecRejected(str(error)) from None
    public = bool(args.ui and args.ui_public)
    server = LiveServer(host, port, page=bool(args.ui), public=public,
                        password=getattr(args, "ui_password", None) if public else None,
                        names=tuple(getattr(args, "ui_name", None) or ()) if public else ())
    server.start()
    if args.ui and public:
        print(f"squall: live page on {server.shared_url} — share this address: without its key (or "
              f"--ui-password) the page, its Stop and /metrics answer 401 (/metrics takes Authorization: Bearer "
              f"{server.access_key})", file=sys.stderr)
    elif args.ui:
        print(f"squall: live page on {server.url} (metrics on {server.url}metrics)", file=sys.stderr)
    else:
        print(f"squall: OpenMetrics on {server.url}metrics", file=sys.stderr)
    return server


def _aws_client_factory(spec: Spec) -> Callable[[str], Any]:
    def client_for(service: str) -> Any:
        import boto3
        from botocore.config import Config
        config = Config(connect_timeout=3, read_timeout=5, retries={"max_attempts": 2})
        region = spec.aws.region if spec.aws is not None else None
        return boto3.Session().client(service, region_name=region, config=config)
    return client_for


def _run_on_aws(spec: Spec, args: argparse.Namespace, run_id: str, seed: int) -> tuple[int, dict[str, Any]]:
    if not getattr(args, "rehearse", False):
        return _run_on_aws_now(spec, args, run_id, seed)
    from runner.aws.rehearsal import REGION, STACK, rehearse
    hosts = tuple(getattr(args, "allow_host", []) or ()) + spec.limits.allowed_hosts
    args.stack, args.region, args.profile = STACK, REGION, None
    for option, value in (("settle", "0s"), ("monitor_interval", "5s"), ("start_margin", "3s")):
        if getattr(args, option, None) is None:
            setattr(args, option, value)  # a rehearsal has no CloudWatch to wait for, and starts at once
    print(f"squall: rehearsing on this machine: the synthesized state machine in moto, the handlers in this "
          f"process (settle {args.settle}, start margin {args.start_margin})", file=sys.stderr)
    outcome, kept = rehearse(hosts, lambda: _run_on_aws_now(spec, args, run_id, seed), run_id, Path(args.store),
                             tuple(region for region, _ in spec.regions))
    print(f"squall: the rehearsal's results are kept in {kept}", file=sys.stderr)
    return outcome


def _run_on_aws_now(spec: Spec, args: argparse.Namespace, run_id: str, seed: int) -> tuple[int, dict[str, Any]]:
    from runner.aws.backend import find_deployment, start_run, watch_run
    from runner.aws.pipeline import LAMBDA_ENGINES
    from runner.preflight import SpecRejected
    options = aws_options(args)
    if options.engine not in LAMBDA_ENGINES:
        raise SpecRejected(f"--engine {options.engine} does not run on AWS (the Lambda bundle carries "
                           f"{' and '.join(LAMBDA_ENGINES)}); nothing was started")
    if spec.regions:
        return _run_across_regions(spec, args, run_id, seed)
    server = live_server(args)  # before the execution starts: a refused address or a busy port starts nothing
    try:
        deployment = find_deployment(options)
        start_run(deployment, spec, run_id, seed, options)
        print(f"squall: run {run_id}: {spec.name}, {length_of(spec)} against {spec.target.base_url} "
              f"(aws, stack {options.stack}); `squall watch {run_id}` re-attaches, `squall stop {run_id}` stops",
              file=sys.stderr)
        return followed(args, lambda page: watch_run(deployment, run_id, progress_printer(),
                                                     stop_requested=interrupt_counter(), live_server=page),
                        f"s3://{deployment.bucket}", server)
    finally:
        if server is not None:
            server.close()


def _run_across_regions(spec: Spec, args: argparse.Namespace, run_id: str, seed: int) -> tuple[int, dict[str, Any]]:
    from runner.aws.regions import home_deployment, run_across_regions
    options = aws_options(args)
    home = home_deployment(spec, options)
    regions = ", ".join(f"{region} {share:.0%}" for region, share in spec.regions)
    print(f"squall: run {run_id}: {spec.name}, {length_of(spec)} against {spec.target.base_url} from {regions} "
          f"(aws, stack {options.stack} in each); Ctrl-C stops every region's part", file=sys.stderr)
    if getattr(args, "ui", None) or getattr(args, "metrics_port", None):
        print(f"squall: the live page follows one region's part: squall watch {run_id}.REGION --ui --region REGION",
              file=sys.stderr)
        args.ui = args.metrics_port = None
    return followed(args, lambda page: run_across_regions(spec, run_id, seed, options, home, progress_printer(),
                                                          stop_requested=interrupt_counter()), f"s3://{home.bucket}")


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
        spec = load_selected_spec(args, args.spec or EXAMPLES / "quickstart.yaml")
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

    from runner.demo.target import DemoState, bound_port, parse_latency, serve
    state = DemoState(parse_latency(args.latency), args.concurrency, args.error_rate, random.Random(args.seed))

    async def main() -> None:
        runner = await serve("127.0.0.1", args.port, state)
        if args.publish_metrics:
            import boto3

            from runner.demo.metrics import DemoIdentity, publish_forever
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
