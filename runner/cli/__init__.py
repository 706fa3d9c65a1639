"""The `squall` command: parses arguments, calls the core, prints, sets the exit code.

Exit codes: 0 passed (warnings allowed), 1 a must-threshold failed or an abort rule fired,
2 invalid input, 3 could not run (target unreachable, store unwritable…), 4 inconclusive (the
load generator was the bottleneck, workers went missing, or a must-threshold had no data),
130 stopped by the user; 141 the output's reader went away (as for SIGPIPE). Subcommands live in running.py and results.py.
"""
from __future__ import annotations

import argparse
import os
import sys
import traceback
from pathlib import Path

from runner.cli.common import (
    EXIT_COULD_NOT_RUN,
    EXIT_INVALID,
    STORE_HELP,
    VERBOSITY,
    D,
    aws_arguments,
    spec_selection_options,
    store_arguments,
    ui_arguments,
)
from runner.cli.console import cmd_console
from runner.cli.locust_options import add_locust_options
from runner.cli.results import (
    cmd_baseline,
    cmd_collect,
    cmd_compare,
    cmd_doctor,
    cmd_fetch,
    cmd_import,
    cmd_report,
    cmd_runs,
    cmd_stop,
    cmd_watch,
)
from runner.cli.running import cmd_demo, cmd_demo_target, cmd_plan, cmd_run, cmd_validate
from runner.plan import PlanError
from runner.preflight import CouldNotRun, Interrupted, SpecRejected
from runner.spec import SpecError
from runner.store import StoreError

EXIT_BROKEN_PIPE = 141  # what a shell reports for a command killed by SIGPIPE
RUN_ID_HELP = "a run id, as squall run prints it and squall runs lists it"


def installed_version() -> str:
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version("squall")
    except PackageNotFoundError:  # run from a checkout without installing it
        return "(not installed)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="squall", description="Serverless load tests: local or on AWS.",
                                     epilog="Exit codes: 0 pass, 1 threshold failed, 2 invalid input, "
                                            "3 could not run, 4 inconclusive, 130 stopped (143 SIGTERM, 129 SIGHUP).")
    parser.add_argument("--debug", action="store_true", help="print tracebacks")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress lines: the summary and errors")
    parser.add_argument("-v", "--verbose", action="store_true", help="every progress line, also when not on a terminal")
    parser.add_argument("--version", action="version", version=f"squall {installed_version()}")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("validate", help="check a spec (or a suite's specs) and report every problem")
    p.add_argument("spec", help="a spec, or a suite file")
    p.add_argument("--target", default=D.get("target"), help="replace target.url, as squall run --target does")
    p.add_argument("--data-root", default=D.get("data_root"), metavar="DIR",
                   help="a folder data files may also be read from (default: only under the spec's folder)")
    p.set_defaults(func=cmd_validate)
    p = sub.add_parser("plan", help="show what a spec will do: phases, arrivals, workers")
    p.add_argument("spec", help="a spec")
    spec_selection_options(p)
    p.add_argument("--workers", type=worker_count, default=D.get("workers"),
                   help="plan for this many workers (default: as many as the peak rate needs)")
    p.add_argument("--regions", metavar="REGION=SHARE,...",
                   help="also show what each region sends in a run across regions (as squall run --regions)")
    p.set_defaults(func=cmd_plan)
    for name, func, help_text in (("run", cmd_run, "run a spec"),
                                  ("demo", cmd_demo, "start the demo target and run the quickstart against it")):
        p = sub.add_parser(name, help=help_text)
        if name == "run":
            p.add_argument("spec", nargs="*", help="a spec, a suite file, several specs run as a suite, or a "
                                                    "locustfile and its User classes (none: locust.conf's locustfile)")
            spec_selection_options(p)
            p.add_argument("--on", choices=("local", "aws"), default="local", help="backend (default local)")
            p.add_argument("--allow-host", action="append", default=[], metavar="HOST",
                           help="allow this non-loopback target host for this run (also limits.allowed_hosts)")
            aws_arguments(p)
            p.add_argument("--settle", help="aws: wait for CloudWatch after the load (default 3m when the spec "
                                            "watches AWS resources, else none)")
            p.add_argument("--monitor-interval", help="aws: how often live stats are refreshed (default 10s)")
            p.add_argument("--start-margin", help="aws: time for every worker to start (default 15s)")
            p.add_argument("--slice", help="aws: load per Lambda time slice (default and most 14m)")
            p.add_argument("--regions", metavar="REGION=SHARE,...",
                           help="aws: send the load from these regions, e.g. us-east-1=60,eu-west-1=40 (or "
                                "us-east-1,eu-west-1: equal shares); the spec's regions, replaced. A stack in each "
                                "(squall:regions in cdk.json); the run is joined in --region's, else the first's")
            p.add_argument("--rehearse", action="store_true",
                           help="aws: rehearse the whole AWS path on this machine, no account needed (the "
                                "synthesized state machine in moto, the handlers in this process; "
                                "pip install 'squall[rehearse]')")
            p.add_argument("--csv", metavar="PREFIX", help="also write PREFIX_stats.csv, _failures.csv, "
                                                           "_stats_history.csv, _exceptions.csv (Locust's layout)")
            p.add_argument("--html", metavar="FILE", help="also write the HTML report there")
            p.add_argument("--junit", metavar="FILE", help="also write the JUnit XML there")
            p.add_argument("--report-dir", metavar="DIR", help="also write every report format into DIR")
            p.add_argument("-o", "--output", metavar="FILE",
                           help="also write the result (JSON) there, as Artillery's --output; `squall report FILE` "
                                "renders it")
            p.add_argument("--variables", metavar="JSON",
                           help="data values by name, as Artillery's --variables '{\"id\": [1, 2]}' (each a data "
                                "set: --set data.NAME.values=[...] says the same)")
            locust = p.add_argument_group("a locustfile (squall run locustfile.py [UserClass ...])")
            locust.add_argument("-u", "--users", type=worker_count, help="peak number of users (Locust's -u)")
            locust.add_argument("-r", "--spawn-rate", type=float, help="users started per second (Locust's -r)")
            locust.add_argument("-t", "--run-time", help="how long, e.g. 5m (Locust's -t)")
            locust.add_argument("-H", "--host", help="the target (Locust's -H; default: the class's host)")
            locust.add_argument("--spec", dest="sidecar", metavar="YAML", default=D.get("sidecar"),
                                help="thresholds, limits and aws for the locustfile run (squall.toml: sidecar)")
            add_locust_options(locust)
        else:
            p.add_argument("--spec", help="another spec to run against the demo target")
            p.add_argument("--port", type=int, help="demo target port (default: a free one)")
            p.add_argument("--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE",
                           help="override a value of the spec, as squall run --set")
            p.add_argument("--tags", default="", help="run only scenarios with any of these tags (a,b)")
            p.add_argument("--exclude-tags", default="", help="skip scenarios with these tags")
        p.add_argument("--store", default=D.get("store", "squall-runs"),
                       help=STORE_HELP)
        p.add_argument("--workers", type=worker_count, default=D.get("workers"),
                       help="worker processes (default: one per core)")
        p.add_argument("--engine", choices=("fast", "httpx", "aiohttp"), default=D.get("engine", "fast"),
                       help="the HTTP engine (default fast; httpx and aiohttp for comparisons; docs/engine.md)")
        p.add_argument("--seed", type=int, help="seed for scenario choice and data (default random)")
        ui_arguments(p)
        p.set_defaults(func=func)
    p = sub.add_parser("watch", help="follow a run to its verdict: on AWS, or local in another terminal")
    p.add_argument("run_id", help=RUN_ID_HELP)
    p.add_argument("--on", choices=("local", "aws"), default=None,
                   help="default: local when the run is in the local store, else aws")
    p.add_argument("--store", default=D.get("store", "squall-runs"), help=STORE_HELP)
    ui_arguments(p)
    aws_arguments(p)
    p.set_defaults(func=cmd_watch)
    p = sub.add_parser("stop", help="stop a run gracefully (its results are kept)")
    p.add_argument("run_id", help=RUN_ID_HELP)
    p.add_argument("--on", choices=("local", "aws"), default=None,
                   help="default: local when the run is in the local store, else aws")
    p.add_argument("--now", action="store_true", help="aws: also stop the execution at once")
    p.add_argument("--store", default=D.get("store", "squall-runs"), help=STORE_HELP)
    aws_arguments(p)
    p.set_defaults(func=cmd_stop)
    p = sub.add_parser("runs", help="list past runs, newest first")
    p.add_argument("--on", choices=("local", "aws"), default="local", help="the local store or the stack's bucket "
                                                                            "(default local)")
    p.add_argument("--store", default=D.get("store", "squall-runs"), help=STORE_HELP)
    p.add_argument("--limit", type=int, default=20, help="the newest this many (default 20)")
    p.add_argument("--spec", help="only the runs of this spec (its name)")
    p.add_argument("--load-profile", help="only the runs of this load profile ('' for the spec's own load)")
    p.add_argument("--verdict", help="only runs with this verdict or state (PASS, FAIL, RUNNING…)")
    p.add_argument("--backend", choices=("local", "aws", "rehearsal"), help="only runs on this backend")
    p.add_argument("--tag", help="only runs with a scenario of this tag")
    p.add_argument("--since", help="only runs started since a date (2026-12-01, UTC) or so long ago (7d, 12h)")
    p.add_argument("--suites", action="store_true", help="also list the suites and their tests' runs")
    aws_arguments(p)
    p.set_defaults(func=cmd_runs)
    p = sub.add_parser("report", help="render a run's report: html, md, csv (Locust layout), junit, json, txt")
    p.add_argument("run_id", help="a run id, or a result file written with `squall run --output FILE`")
    p.add_argument("--format", choices=("html", "md", "csv", "junit", "json", "txt"), default="html",
                   help="default html")
    p.add_argument("-o", "--output", help="file (or folder, for csv); default: stdout for text formats")
    store_arguments(p)
    p.set_defaults(func=cmd_report)
    p = sub.add_parser("baseline", help="make a run the baseline its spec's regression thresholds compare with")
    p.add_argument("action", choices=("set", "unset"), help="set: make RUN_ID the baseline of its spec (and load "
                                                           "profile); unset: its spec has none any more")
    p.add_argument("run_id", help=RUN_ID_HELP + "; for unset also SPEC or SPEC@PROFILE")
    store_arguments(p)
    p.set_defaults(func=cmd_baseline)
    p = sub.add_parser("compare", help="per-metric and per-endpoint deltas between two runs, each judged beyond "
                                       "noise or not")
    p.add_argument("run_a", help="the run compared with (the earlier one, say): a run id, latest or baseline")
    p.add_argument("run_b", help="the run compared: a run id, latest or baseline (of the other run's spec)")
    p.add_argument("--format", choices=("txt", "md", "html", "json"), default="txt", help="default txt")
    p.add_argument("-o", "--output", metavar="FILE", help="write there (needed for html); default: stdout")
    p.add_argument("--spec", help="the spec whose latest and baseline are meant (default: the other run's)")
    store_arguments(p)
    p.set_defaults(func=cmd_compare)
    p = sub.add_parser("console", help="the console on 127.0.0.1: every run, trends, compare, start a run, "
                                       "schedules (--on aws)")
    p.add_argument("--port", type=int, default=8090, help="port on 127.0.0.1 (default 8090; 0: a free one)")
    p.add_argument("--specs", metavar="DIR", help="where runs are started from (default: the project's specs/, "
                                                  "else the project's folder)")
    store_arguments(p)
    p.set_defaults(func=cmd_console)
    p = sub.add_parser("collect", help="merge, judge and report a run again from its shards")
    p.add_argument("run_id", help=RUN_ID_HELP)
    store_arguments(p)
    p.set_defaults(func=cmd_collect)
    p = sub.add_parser("fetch", help="download a run's results and reports from S3")
    p.add_argument("run_id", help=RUN_ID_HELP)
    p.add_argument("-o", "--output", default="squall-runs/fetched",
                   help="folder to download into (default squall-runs/fetched)")
    aws_arguments(p)
    p.set_defaults(func=cmd_fetch)
    p = sub.add_parser("doctor", help="check this account for a first run: credentials, bootstrap, stack, "
                                      "Lambda concurrency (exit 1 when a problem stands in the way)")
    p.add_argument("--on", choices=("aws",), default="aws", help="aws (the only backend it checks)")
    aws_arguments(p)
    p.set_defaults(func=cmd_doctor)
    p = sub.add_parser("import", help="convert another tool's script into a Squall spec")
    p.add_argument("kind", choices=("artillery",), help="the tool the script is for")
    p.add_argument("file", help="the script (an Artillery YAML)")
    p.add_argument("-o", "--output", help="write the spec here (default: stdout)")
    p.set_defaults(func=cmd_import)
    from runner.demo.target import endpoints_help
    p = sub.add_parser("demo-target", help="serve the demo API on 127.0.0.1", epilog=endpoints_help(),
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--port", type=int, default=8080, help="port on 127.0.0.1 (default 8080)")
    p.add_argument("--latency", default="lognormal:20ms:0.5", help="fixed:5ms | uniform:5ms:50ms | lognormal:20ms:0.5")
    p.add_argument("--concurrency", type=int, default=200, help="in-flight requests before 429 (default 200)")
    p.add_argument("--error-rate", type=float, default=0.0, help="share of requests answered 502 (0-1)")
    p.add_argument("--seed", type=int, default=1, help="seed of its latency and error draws (default 1)")
    p.add_argument("--publish-metrics", action="store_true",
                   help="publish the CloudWatch metrics AWS would publish for it (to a CloudWatch emulator: "
                        "set AWS_ENDPOINT_URL; on a real account this costs PutMetricData requests)")
    p.add_argument("--function-name", default="squall-demo-generate",
                   help="--publish-metrics: the Lambda function it poses as (default squall-demo-generate)")
    p.add_argument("--api-name", default="squall-demo-api",
                   help="--publish-metrics: the API Gateway REST API it poses as (default squall-demo-api)")
    p.add_argument("--stage", default="prod", help="--publish-metrics: that API's stage (default prod)")
    p.add_argument("--region", default="us-east-1", help="--publish-metrics: the region (default us-east-1)")
    p.add_argument("--metrics-interval", type=float, default=10.0, help="seconds between publications")
    p.set_defaults(func=cmd_demo_target)
    p = sub.add_parser("schema", help="print the JSON Schema of specs for editors (--suite: of suite files)")
    p.add_argument("--suite", action="store_true", help="the schema of suite files")
    p.set_defaults(func=cmd_schema)
    p = sub.add_parser("completion", help="print a completion script for your shell (source <(squall completion bash))")
    p.add_argument("shell", choices=("bash", "zsh", "fish"), help="the shell")
    p.set_defaults(func=cmd_completion)
    for command in sub.choices.values():  # --debug, -q and -v before or after the subcommand
        command.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="print tracebacks")
        command.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS,
                             help="no progress lines: the summary and errors")
        command.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                             help="every progress line, also when not on a terminal")
    return parser


def worker_count(text: str) -> int:
    try:
        count = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of workers") from None
    if count < 1:
        raise argparse.ArgumentTypeError(f"{count} workers: at least 1 (or leave it out: one per core locally)")
    return count


def cmd_completion(args: argparse.Namespace) -> int:
    from runner.cli.completion import SHELLS, words_of
    print(SHELLS[args.shell](words_of(build_parser())), end="")
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    import json

    from runner.spec.schema import spec_schema, suite_schema
    print(json.dumps(suite_schema() if args.suite else spec_schema(), indent=2))
    return 0


def _may_carry_locust_options(args: argparse.Namespace) -> bool:
    """`squall run` of a locustfile (-f, a .py, or locust.conf's): options Squall does not know are
    the locustfile's own, checked by Locust's parser once the file is loaded."""
    return args.func is cmd_run and (bool(getattr(args, "locustfile", None)) or not args.spec or
                                      str(args.spec[0]).endswith(".py"))


def _with_values(extra: list[str], argv: list[str], args: argparse.Namespace) -> list[str]:
    """A locustfile's own options with their values: a value argparse took for a positional (a spec
    or User class name) right after an option only the locustfile knows goes back to that option
    (`--my-path /health`; write `--my-flag` after the User classes when it takes no value)."""
    options: list[str] = []
    for option in extra:
        options.append(option)
        at = argv.index(option) if option in argv else -1
        follower = argv[at + 1] if 0 <= at < len(argv) - 1 else None
        if option.startswith("-") and "=" not in option and follower is not None and follower in args.spec:
            args.spec.remove(follower)
            options.append(follower)
    return options


# complexity: the CLI's one place that maps every error class to its exit code
def main(argv: list[str] | None = None) -> int:
    from runner.cli.settings import SettingsError, defaults
    try:
        D.clear()
        D.update(defaults(Path.cwd(), os.environ))
    except SettingsError as error:
        print(f"squall: {error}", file=sys.stderr)
        return EXIT_INVALID
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and not _may_carry_locust_options(args):
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.locust_options = _with_values(extra, list(argv if argv is not None else sys.argv[1:]), args)
    VERBOSITY[0] = -1 if args.quiet else 1 if args.verbose else 0
    try:
        code = int(args.func(args))
        sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's flush at exit
        return code
    except BrokenPipeError:  # `squall runs | head`: the reader has what it wanted
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so the interpreter's own flush at exit is quiet too
        return EXIT_BROKEN_PIPE
    except Interrupted as error:  # a run stopped before any load was sent
        print(f"squall: {error}", file=sys.stderr)
        return 128 + error.signum
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
