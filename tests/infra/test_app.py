"""The CDK app: one Squall stack, named by squall:stackName; a context problem is one line each
and exit 1, never a traceback (what `cdk synth` and `cdk deploy` print)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from aws_cdk import App

from infra.app import build_app
from infra.stack import SquallStack
from tests.aws_harness import cdk_context

ROOT = Path(__file__).resolve().parents[2]


def test_the_app_holds_one_squall_stack_named_by_the_context() -> None:
    app, stack = build_app(App(context={**cdk_context(nag=False), "squall:stackName": "Squall-staging"}))
    assert isinstance(stack, SquallStack) and stack.stack_name == "Squall-staging"
    assert [child.node.id for child in app.node.children if isinstance(child, SquallStack)] == ["Squall-staging"]


def test_context_problems_are_one_line_each_and_exit_1() -> None:
    context = {**cdk_context(nag=False), "squall:maxWorkers": "many", "squall:schedules": [{"name": "bad name"}]}
    done = subprocess.run([sys.executable, "-m", "infra.app"], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "CDK_CONTEXT_JSON": json.dumps(context), "PYTHONPATH": str(ROOT)})
    lines = [line for line in done.stderr.splitlines() if line.startswith("squall: cdk context: ")]
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert any("squall:maxWorkers" in line for line in lines) and any("schedules[0]" in line for line in lines)
