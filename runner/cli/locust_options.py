"""Locust's headless command line on `squall run`, as a Locust team types it (Locust 2.x's own
option names, `locust --help`): the options that mean something here are honoured, the rest
(its web UI, its master/worker wiring, its printing) are accepted with a one-line note, so a
command line copied from a CI job runs unchanged. Parsing only: runner.spec.locustfile uses them."""
from __future__ import annotations

import argparse
from typing import Any

# (flags, takes a value): accepted, with a note that they have no meaning in a Squall run
NO_MEANING_HERE: tuple[tuple[tuple[str, ...], bool], ...] = (
    (("--headless",), False), (("--headful",), False), (("--autostart",), False), (("--autoquit",), True),
    (("--web-host",), True), (("--web-host-display-name",), True), (("--web-port", "-P"), True),
    (("--web-login",), False), (("--web-base-path",), True), (("--tls-cert",), True), (("--tls-key",), True),
    (("--class-picker",), False), (("--build-path",), True), (("--master",), False), (("--master-bind-host",), True),
    (("--master-bind-port",), True), (("--expect-workers",), True), (("--expect-workers-max-wait",), True),
    (("--enable-rebalancing",), False), (("--worker",), False), (("--master-host",), True), (("--master-port",), True),
    (("--print-stats",), False), (("--only-summary",), False), (("--reset-stats",), False), (("--json",), False),
    (("--json-file",), True), (("--skip-log-setup",), False), (("--loglevel", "-L"), True), (("--logfile",), True),
    (("--show-task-ratio",), False), (("--show-task-ratio-json",), False), (("--otel",), False),
    (("--config-users",), True), (("--csv-full-history",), False),
)
WHY = {
    "--headless": "a Squall run is always headless (--ui serves a live page)",
    "--only-summary": "Squall prints a progress line and one summary",
    "--print-stats": "Squall prints a progress line and one summary",
    "--csv-full-history": "Squall's _stats_history.csv always has every second",
    "--loglevel": "the worker processes log at that level, as Locust does (INFO by default)",
    "--logfile": "the workers log to standard error",
    "--master": "Squall starts its own worker processes (--workers, Locust's --processes)",
    "--worker": "Squall starts its own worker processes (--workers, Locust's --processes)",
    "--expect-workers": "Squall starts its own worker processes (--workers, Locust's --processes)",
}


class _Noted(argparse.Action):
    """Keeps the option's name: the run prints one note for it."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:
        noted = list(getattr(namespace, "locust_noted", None) or [])
        noted.append(self.option_strings[0])
        namespace.locust_noted = noted
        if values:  # the value too: some are honoured after all (--loglevel)
            namespace.locust_values = {**(getattr(namespace, "locust_values", None) or {}),
                                       self.option_strings[0]: values[0]}


def add_locust_options(group: argparse._ArgumentGroup) -> None:
    """Locust's options beside Squall's -u, -r, -t, -H, --csv, --html, --tags (which serve both)."""
    group.add_argument("-f", "--locustfile", metavar="FILE", help="the locustfile (Locust's -f; also locust.conf's)")
    group.add_argument("--config", dest="locust_config", metavar="FILE",
                       help="a Locust config file to read instead of ./locust.conf (Locust's --config)")
    group.add_argument("--exit-code-on-error", type=int, metavar="CODE",
                       help="exit code when a request failed or a task raised (Locust's, default 1)")
    group.add_argument("-s", "--stop-timeout", metavar="SECONDS",
                       help="time users get to finish their task at the end (Locust's; Squall's limits.drain)")
    group.add_argument("--processes", type=int, metavar="N", help="worker processes (Locust's; Squall's --workers)")
    group.add_argument("-l", "--list", dest="locust_list", action="store_true",
                       help="list the locustfile's User classes and exit (Locust's -l)")
    for flags, takes_value in NO_MEANING_HERE:
        group.add_argument(*flags, action=_Noted, nargs=1 if takes_value else 0, default=argparse.SUPPRESS,
                           help=argparse.SUPPRESS)


def notes_for(noted: list[str]) -> list[str]:
    return [f"{flag}: accepted as Locust's; {WHY.get(flag, 'it has no meaning in a Squall run')}"
            for flag in dict.fromkeys(noted)]
