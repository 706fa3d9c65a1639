"""Locust's command line on `squall run`: the options that mean something are parsed, the rest
accepted with one note each (a copied CI command line runs unchanged), their values kept."""
from __future__ import annotations

import argparse

from runner.cli.locust_options import add_locust_options, notes_for


def parsed(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_locust_options(parser.add_argument_group("locust"))
    return parser.parse_args(list(argv))


def test_the_meaningful_options_are_parsed() -> None:
    args = parsed("-f", "lf.py", "--processes", "4", "--exit-code-on-error", "3", "-s", "10s", "-l")
    assert (args.locustfile, args.processes, args.exit_code_on_error, args.stop_timeout, args.locust_list) == \
        ("lf.py", 4, 3, "10s", True)


def test_the_others_are_noted_once_each_with_why_and_their_values_kept() -> None:
    args = parsed("--headless", "--web-port", "8089", "--headless", "--loglevel", "DEBUG")
    assert args.locust_noted == ["--headless", "--web-port", "--headless", "--loglevel"]
    assert args.locust_values == {"--web-port": "8089", "--loglevel": "DEBUG"}
    notes = notes_for(args.locust_noted)
    assert notes == ["--headless: accepted as Locust's; a Squall run is always headless (--ui serves a live page)",
                     "--web-port: accepted as Locust's; it has no meaning in a Squall run",
                     "--loglevel: accepted as Locust's; the worker processes log at that level, as Locust does "
                     "(INFO by default)"]
