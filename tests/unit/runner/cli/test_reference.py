"""docs/cli.md lists every command and option the parser has, with the help each prints: its
reference section is generated from the parser and must be what the generator writes today."""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from runner.cli import build_parser
from runner.cli.reference import BEGIN, END, PAGE, _subcommands, page_with, reference

ROOT = Path(__file__).resolve().parents[4]


def generated_here(tmp_path: Path) -> str:
    """The reference as a clean checkout generates it: no squall.toml, no SQUALL_* variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SQUALL_")}
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run([sys.executable, "-m", "runner.cli.reference"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, check=True, timeout=60)
    return done.stdout.rstrip("\n")


def test_the_page_s_reference_is_what_the_parser_generates(tmp_path: Path) -> None:
    page = PAGE.read_text()
    assert page_with(generated_here(tmp_path), page) == page, (
        "docs/cli.md is out of date: run `python -m runner.cli.reference --write` from a folder without squall.toml")


def test_every_command_and_option_is_listed_with_its_help() -> None:
    parser = build_parser()
    text = reference(parser)
    for name, _, sub in _subcommands(parser):
        assert f"### squall {name}\n" in text
        for action in sub._actions:
            if isinstance(action, argparse._HelpAction) or action.help == argparse.SUPPRESS:
                continue
            flag = action.option_strings[-1] if action.option_strings else action.dest
            assert flag in text, f"squall {name}: {flag} is not in the reference"
            assert action.help, f"squall {name}: {flag} has no help"


def test_a_page_without_the_section_gets_it_appended_and_one_with_it_replaced() -> None:
    assert page_with(f"{BEGIN}\nnew\n{END}", "# Title\n") == f"# Title\n\n{BEGIN}\nnew\n{END}\n"
    assert page_with("X", f"before\n{BEGIN}\nold\n{END}\nafter\n") == "before\nX\nafter\n"
