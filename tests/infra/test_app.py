"""The CDK app: one Squall stack, named by squall:stackName (one per region with squall:regions); a
context problem is one line each and exit 1, never a traceback (what `cdk synth` and `cdk deploy`
print)."""
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


def test_squall_regions_puts_the_same_stack_in_every_region_each_with_its_own_bucket() -> None:
    """A run across regions finds `--stack Squall` in each region named; each part keeps its results
    in its own region's bucket (runner/aws/regions.py says why)."""
    app, home = build_app(App(context={**cdk_context(nag=False), "squall:regions": ["us-east-1", "eu-west-1"]}))
    stacks = [child for child in app.node.children if isinstance(child, SquallStack)]
    assert [(s.node.id, s.stack_name, s.region) for s in stacks] == [
        ("Squall", "Squall", "us-east-1"), ("Squall-eu-west-1", "Squall", "eu-west-1")]
    assert home is stacks[0]
    assembly = app.synth()
    for stack in stacks:
        template = assembly.get_stack_artifact(stack.artifact_id).template
        assert sum(r["Type"] == "AWS::S3::Bucket" for r in template["Resources"].values()) == 1


def test_squall_regions_that_are_not_region_names_are_a_context_problem() -> None:
    import pytest

    from infra.app import regions_of
    from infra.settings import ContextError
    assert regions_of("us-east-1, eu-west-1") == ["us-east-1", "eu-west-1"]
    # `-c 'squall:regions=["us-east-1","eu-west-1"]'` (the README's) arrives as text, JSON as the other lists
    assert regions_of('["us-east-1","eu-west-1"]') == ["us-east-1", "eu-west-1"]
    assert regions_of([]) == []
    with pytest.raises(ContextError, match="squall:regions: a list of AWS region names"):
        regions_of(["us-east-1", "europe"])
    with pytest.raises(ContextError, match="named twice"):
        regions_of(["us-east-1", "us-east-1"])
