"""What every squall command shares: exit codes, option defaults, progress printing, the
summary at the end of a run, and the AWS and spec-selection options."""
from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from analysis.summary import render_summary
from runner.preflight import SpecRejected
from runner.spec import Spec, load_spec

EXIT_PASS, EXIT_FAIL, EXIT_INVALID, EXIT_COULD_NOT_RUN, EXIT_INCONCLUSIVE, EXIT_STOPPED = 0, 1, 2, 3, 4, 130


EXIT_BY_VERDICT = {"PASS": EXIT_PASS, "WARN": EXIT_PASS, "FAIL": EXIT_FAIL, "ABORTED": EXIT_FAIL,
                   "INCONCLUSIVE": EXIT_INCONCLUSIVE, "STOPPED": EXIT_STOPPED}


EXAMPLES = Path(__file__).resolve().parents[1] / "examples"  # package data (./examples links here)


D: dict[str, Any] = {}  # option defaults: squall.toml / [tool.squall], then SQUALL_* variables


VERBOSITY = [0]  # -q: -1 (the summary, the notes that matter and errors only), -v: 1 (every progress line)


def progress_printer() -> Callable[[str, bool], None]:
    """The live progress line on a terminal; elsewhere a line every 5 s (every one with -v, none
    with -q), and the lines that say something happened (stopping, aborting) always."""
    tty = sys.stderr.isatty()
    last = [0.0]

    def show(line: str, important: bool) -> None:
        if VERBOSITY[0] < 0 and not important:
            return
        if tty:
            sys.stderr.write("\r\033[K" + line + ("\n" if important else ""))
        elif important or VERBOSITY[0] > 0 or time.monotonic() - last[0] >= 5:
            sys.stderr.write(line + "\n")
            last[0] = time.monotonic()
        sys.stderr.flush()
    return show


def finish(result: dict[str, Any], store_dir: str) -> int:
    print(render_summary(result))
    if result.get("store_failed"):
        print(f"\n  results: not written ({result['store_failed']}); the summary above is all there is")
    else:
        print(f"\n  results: {store_dir.rstrip('/')}/runs/{result['run_id']}/result.json")
    return exit_code(result)


def exit_code(result: dict[str, Any]) -> int:
    """By the verdict; 3 when the results store failed; a run stopped by SIGTERM or SIGHUP exits
    128 + the signal (143, 129), as Ctrl-C's STOPPED exits 130; a locustfile whose listener set
    environment.process_exit_code exits with it, as Locust does (the highest any worker set)."""
    status = result["verdict"]["status"]
    if result.get("store_failed"):
        return EXIT_COULD_NOT_RUN  # INCONCLUSIVE, and nothing was kept: the infrastructure failed
    if status == "STOPPED" and result.get("stop_signal") in ("SIGTERM", "SIGHUP"):
        return 128 + int(signal.Signals[result["stop_signal"]])
    if result.get("process_exit_code") is not None:  # as Locust: the locustfile's own gate decides
        return int(result["process_exit_code"])
    return EXIT_BY_VERDICT[status]


def aws_options(args: argparse.Namespace) -> Any:
    from runner.aws.backend import AwsOptions
    from runner.units import parse_duration_s

    def seconds(value: str | None) -> float | None:
        return None if value is None else parse_duration_s(value)
    return AwsOptions(stack=args.stack, region=args.region, profile=args.profile,
                      settle_s=seconds(getattr(args, "settle", None)),
                      monitor_interval_s=seconds(getattr(args, "monitor_interval", None)),
                      start_margin_s=seconds(getattr(args, "start_margin", None)),
                      slice_s=seconds(getattr(args, "slice", None)),
                      workers=getattr(args, "workers", None), engine=getattr(args, "engine", "fast"))


def interrupt_counter() -> Callable[[], int]:
    """Counts Ctrl-C, SIGTERM and SIGHUP alike (a run on AWS stops on the first)."""
    count = [0]

    def on_interrupt(signum: int, frame: object) -> None:
        count[0] += 1
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, on_interrupt)
    return lambda: count[0]


def stop_signals_interrupt() -> None:
    """Before a run starts, SIGTERM and SIGHUP end squall as Ctrl-C does: Interrupted, nothing run."""
    from runner.preflight import Interrupted

    def interrupt(signum: int, frame: object) -> None:
        raise Interrupted(signum)
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, interrupt)


def store_for(args: argparse.Namespace) -> Any:
    if getattr(args, "on", "local") == "aws":
        from runner.aws.backend import find_deployment
        return find_deployment(aws_options(args)).store
    from runner.store import LocalStore
    return LocalStore(args.store)


def index_for(args: argparse.Namespace) -> Any:
    """The run index of the store a command names, brought up to date (runner.results.index): in the
    local store, or for a stack's bucket in the user's cache folder."""
    from runner.results.index import RunIndex, index_path_for
    store = store_for(args)
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "squall"
    index = RunIndex(store, index_path_for(store, cache, getattr(store, "bucket", None)))
    index.refresh()
    return index


def spec_selection_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--target", default=D.get("target"), help="replace target.url")
    p.add_argument("--set", dest="overrides", action="append", default=[s for s in D.get("set", "").split(";") if s],
                   metavar="PATH=VALUE", help="override a spec value, e.g. load.phases.sustained.rate=200/s")
    p.add_argument("-e", "--load-profile", default=D.get("load_profile"), metavar="NAME",
                   help="apply one of the spec's profiles (stress, spike…)")
    # one value, a,b (Locust's -T/--tags also takes "a b": its later words would be taken for a spec or a
    # User class, so they are written a,b here)
    p.add_argument("-T", "--tags", default=D.get("tags", ""), help="run only scenarios with any of these tags (a,b)")
    p.add_argument("-E", "--exclude-tags", default=D.get("exclude_tags", ""), help="skip scenarios with these tags")
    p.add_argument("--data-root", default=D.get("data_root"), metavar="DIR",
                   help="a folder data files may also be read from (default: only under the spec's folder)")


def load_selected_spec(args: argparse.Namespace, path: str | Path) -> Spec:
    from runner.spec import select_scenarios
    data_root = getattr(args, "data_root", None)
    overrides = variables_as_overrides(getattr(args, "variables", None)) + tuple(args.overrides) + \
        regions_as_overrides(getattr(args, "regions", None))
    spec = load_spec(path, getattr(args, "target", None), overrides, getattr(args, "load_profile", None),
                     Path(data_root) if data_root else None)
    return select_scenarios(spec, words(args.tags), words(args.exclude_tags))


def regions_as_overrides(text: str | None) -> tuple[str, ...]:
    """--regions us-east-1=60,eu-west-1=40: the spec's regions, as --set regions={...} would say."""
    if not text:
        return ()
    import json

    from analysis.regions import parse_shares
    try:
        shares = parse_shares(text)
    except ValueError as error:
        raise SpecRejected(f"--regions: {error} (write e.g. us-east-1=60,eu-west-1=40)") from None
    return (f"regions={json.dumps({region: f'{share * 100:g}%' for region, share in shares.items()})}",)


def variables_as_overrides(text: str | None) -> tuple[str, ...]:
    """Artillery's --variables '{"name": value or [values]}': each a data set (its values picked at random,
    as Artillery picks a variable's), as --set data.NAME={values: [...]} would say."""
    if not text:
        return ()
    import json
    try:
        variables = json.loads(text)
    except ValueError as error:
        raise SpecRejected(f"--variables: not JSON ({error}); write e.g. '{{\"id\": [1, 2]}}'") from None
    if not isinstance(variables, dict):
        raise SpecRejected("--variables: a JSON object of names and values, e.g. '{\"id\": [1, 2]}'")
    return tuple(f"data.{name}={json.dumps({'values': value if isinstance(value, list) else [value], 'order': 'random'})}"
                 for name, value in variables.items())


def words(text: str) -> tuple[str, ...]:
    return tuple(t.strip() for t in text.split(",") if t.strip())


def ui_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--ui", nargs="?", const="127.0.0.1:8089", metavar="HOST:PORT",
                   help="serve a live page while the run lasts (default 127.0.0.1:8089), with /metrics")
    p.add_argument("--ui-public", action="store_true",
                   help="let --ui listen on an address other than loopback: every visitor then needs the address "
                        "printed (with its access key) or --ui-password")
    p.add_argument("--ui-password", default=os.environ.get("SQUALL_UI_PASSWORD"), metavar="PASSWORD",
                   help="with --ui-public: also let in who gives this password (HTTP Basic, any user name; "
                        "default $SQUALL_UI_PASSWORD)")
    p.add_argument("--ui-name", action="append", default=[], metavar="NAME",
                   help="with --ui-public: a host name the page is reached under, beyond this machine's own")
    p.add_argument("--metrics-port", type=int, metavar="PORT", help="serve only /metrics (OpenMetrics) there")
    p.add_argument("--ui-linger", type=float, default=10.0, metavar="SECONDS",
                   help="keep the page up this long after the run, to show the verdict (default 10)")


def aws_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--stack", default=D.get("stack", "Squall"), help="aws: stack name")
    p.add_argument("--region", default=D.get("region"), help="aws: region (default: your AWS configuration)")
    p.add_argument("--profile", default=D.get("profile"), help="aws: credentials profile")


STORE_HELP = "result store directory (default: squall-runs in the project's folder: squall.toml's, or the repository's root)"


def store_arguments(p: argparse.ArgumentParser) -> None:
    """Where a command finds runs: the local store (default) or, with --on aws, the stack's bucket."""
    p.add_argument("--on", choices=("local", "aws"), default="local",
                   help="the local store or the stack's bucket (default local)")
    p.add_argument("--store", default=D.get("store", "squall-runs"), help=STORE_HELP)
    aws_arguments(p)
