"""Completion scripts made from the parser itself: every subcommand, each one's options, no
option the help hides."""
from __future__ import annotations

import argparse

from runner.cli.completion import SHELLS, bash, fish, words_of


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="squall")
    top.add_argument("--debug", action="store_true")
    sub = top.add_subparsers(dest="command")
    run = sub.add_parser("run")
    run.add_argument("--workers")
    run.add_argument("--secret-flag", help=argparse.SUPPRESS)
    sub.add_parser("runs").add_argument("--limit")
    return top


def test_words_are_the_subcommands_and_each_ones_options() -> None:
    words = words_of(parser())
    assert words[""][:2] == ["run", "runs"] and "--debug" in words[""]
    assert words["run"] == ["--help", "--workers", "-h"]  # not --secret-flag: its help is hidden
    assert words["runs"] == ["--help", "--limit", "-h"]


def test_each_shell_gets_a_script_naming_them() -> None:
    words = words_of(parser())
    assert 'run) options="' in bash(words) and "complete -o default -F _squall squall" in bash(words)
    assert "complete -c squall -n '__fish_seen_subcommand_from run' -l workers" in fish(words)
    assert SHELLS["zsh"](words).startswith("#compdef squall")
