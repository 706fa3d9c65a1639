"""CDK context read as users give it: cdk.json values, and `-c squall:key=value` (the CLI hands
every such value over as text). A malformed value stops synth with one line naming the key."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from aws_cdk import App

from infra.settings import ContextError, read_settings
from tests.aws_harness import cdk_context, resources, synth

ROOT = Path(__file__).resolve().parents[2]
NIGHTLY = {"name": "nightly", "expression": "cron(0 2 * * ? *)", "timezone": "Europe/Berlin",
           "specKey": "specs/launch.yaml"}


def settings(tmp_specs: Path | None = None, **context: object):
    app = App(context=cdk_context(**context))
    return read_settings(app, tmp_specs or ROOT / "specs", validate=lambda path: None)


def test_values_given_as_text_on_the_command_line_are_read_as_json() -> None:
    """Before: `-c 'squall:allowedHosts=["*.execute-api.us-west-2.amazonaws.com"]'` became the
    list of its characters (a bare `*` among them: every host allowed); a schedule list crashed."""
    read = settings(allowedHosts='["*.execute-api.us-west-2.amazonaws.com"]', maxWorkers="7",
                    schedules=json.dumps([NIGHTLY]))
    assert read.allowed_hosts == ("*.execute-api.us-west-2.amazonaws.com",)
    assert read.max_workers == 7 and [s.name for s in read.schedules] == ["nightly"]


@pytest.mark.parametrize("context, message", [
    ({"allowedHosts": "*.execute-api.us-west-2.amazonaws.com"},
     "squall:allowedHosts: expected a JSON list written as JSON, got '*.execute-api.us-west-2.amazonaws.com'"),
    ({"allowedHosts": ["*"]}, "squall:allowedHosts: '*' would allow every host"),
    ({"allowedHosts": ["api.example.com, other.example.com"]}, "is not a host name, glob or network"),
    ({"allowedHosts": ["10.0.0.0/33"]}, "is not a host name, glob or network"),
    ({"allowedHosts": ["0.0.0.0/0"]}, "squall:allowedHosts: '0.0.0.0/0' would allow every host"),
    ({"maxWorkers": "many"}, "squall:maxWorkers: expected a whole number written as JSON, got 'many'"),
    ({"maxWorkers": 0}, "squall:maxWorkers: must be between 1 and 10,000, got 0"),
    ({"architecture": "sparc"}, "squall:architecture: arm64 or x86_64, got 'sparc'"),
    ({"schedules": [{**NIGHTLY, "expression": "every tuesday"}]},
     "squall:schedules[0].expression: 'every tuesday' is not a schedule expression"),
    ({"schedules": [{**NIGHTLY, "expression": "cron(0 2 * * ?)"}]}, "(six fields)"),
    ({"schedules": [{**NIGHTLY, "specKey": "specs/missing.yaml"}]},
     "squall:schedules[0].specKey: 'specs/missing.yaml' is not a spec under specs/"),
    ({"schedules": [{**NIGHTLY, "specKey": "specs/../cdk.json"}]}, "is not a spec under specs/"),
    ({"schedules": [{**NIGHTLY, "timezone": "Mars/Olympus"}]}, "'Mars/Olympus' is not a time zone"),
    ({"schedules": [NIGHTLY, NIGHTLY]}, "squall:schedules[1].name: 'nightly' is used twice"),
    ({"schedules": "[{not json"}, "squall:schedules: expected a JSON list written as JSON"),
    ({"watchedStacks": ["orders api"]}, "squall:watchedStacks: 'orders api' is not a stack name or glob"),
    ({"watchedFunctions": "orders-*"}, "squall:watchedFunctions: expected a JSON list written as JSON"),
    ({"watchedFunctions": ["arn:aws:lambda:us-east-1:1:function:x"]}, "is not a function name or glob"),
    ({"watchedStacks": []}, "squall:watchedStacks: empty; name at least one"),
])
def test_a_malformed_value_is_named_with_what_it_takes(context: dict[str, object], message: str) -> None:
    with pytest.raises(ContextError) as raised:
        settings(**context)
    assert any(message in problem for problem in raised.value.problems), raised.value.problems


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(ContextError) as raised:
        settings(maxWorkers=0, architecture="sparc", allowedHosts=["*"])
    assert len(raised.value.problems) == 3


def test_an_invalid_spec_under_specs_stops_synth(tmp_path: Path) -> None:
    (tmp_path / "broken.yaml").write_text("name: broken\ntarget: http://127.0.0.1:1\nload: {phases: []}\n")
    app = App(context=cdk_context())
    with pytest.raises(ContextError) as raised:
        read_settings(app, tmp_path)  # the real `squall validate`
    [problem] = raised.value.problems
    assert problem.startswith("specs/broken.yaml is not a valid spec") and "load.phases" in problem


def test_the_project_s_own_specs_validate() -> None:
    read_settings(App(context=cdk_context()), ROOT / "specs")


def test_the_stack_uses_what_was_read() -> None:
    t = synth(allowedHosts='["*.execute-api.us-west-2.amazonaws.com"]', schedules=json.dumps([NIGHTLY]))
    [schedule] = resources(t, "AWS::Scheduler::Schedule").values()
    assert schedule["Properties"]["ScheduleExpression"] == "cron(0 2 * * ? *)"
    plan = [r for r in resources(t, "AWS::Lambda::Function").values()
            if r["Properties"].get("Handler") == "runner.aws.handlers.plan.handler"][0]
    assert plan["Properties"]["Environment"]["Variables"]["SQUALL_ALLOWED_HOSTS"] == \
        "*.execute-api.us-west-2.amazonaws.com"


READ_BY_AN_APP = """
import json, sys
import aws_cdk as cdk
from infra.settings import read_settings
app = cdk.App()  # the context exactly as the CDK command line handed it over
settings = read_settings(app, __import__("pathlib").Path("specs"), validate=lambda path: None)
print(json.dumps({"hosts": settings.allowed_hosts, "workers": settings.max_workers}), file=open(sys.argv[1], "w"))
cdk.Stack(app, "Empty").node.add_metadata("squall", "an empty stack: the command line wants one")
app.synth()
"""


def test_the_cdk_cli_s_own_dash_c_reaches_the_stack_as_json_and_a_bad_value_is_one_line(tmp_path: Path) -> None:
    cdk_cli = ROOT / "node_modules" / ".bin" / "cdk"
    if not cdk_cli.exists():
        pytest.fail("the aws-cdk CLI is missing: `make test` installs it with npm ci")
    env = {**os.environ, "CDK_DISABLE_VERSION_CHECK": "1", "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
           "PYTHONPATH": str(ROOT)}
    (tmp_path / "app.py").write_text(READ_BY_AN_APP)

    def cdk_synth(*context: str, app: str | None = None) -> subprocess.CompletedProcess[str]:
        args = [str(cdk_cli), "synth", "--quiet", "-o", str(tmp_path / "out"), "-c", "squall:nag=false"]
        if app:
            args += ["--app", app]
        for item in context:
            args += ["-c", item]
        return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, env=env, timeout=600)
    # the real command line's encoding of -c, read by our settings in an app of its own (no bundling)
    done = cdk_synth('squall:allowedHosts=["*.execute-api.us-west-2.amazonaws.com"]', "squall:maxWorkers=7",
                     app=f"{sys.executable} {tmp_path / 'app.py'} {tmp_path / 'read.json'}")
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads((tmp_path / "read.json").read_text()) == {
        "hosts": ["*.execute-api.us-west-2.amazonaws.com"], "workers": 7}
    # and the project's app stops before anything is built, one line naming the key
    bad = cdk_synth("squall:schedules=[{\"name\": \"n\", \"expression\": \"every tuesday\", "
                    "\"specKey\": \"specs/launch.yaml\"}]")
    assert bad.returncode != 0
    assert "squall: cdk context: squall:schedules[0].expression: 'every tuesday' is not a schedule expression" \
        in bad.stderr and "Traceback" not in bad.stderr


def test_the_longest_run_a_deployment_allows_is_one_plan_accepts() -> None:
    """Before: squall:maxDurationSeconds took 7 days while Plan refused runs past ~8.2 h (collect's
    final merge would not fit its memory): a scheduled run of that length was refused every night."""
    from infra.functions import COLLECT_MEMORY_MB
    from infra.settings import MAX_RUN_HOURS
    from runner.collect_budget import collect_problem
    hours_s = [840.0] * int(MAX_RUN_HOURS * 3600 / 840)
    assert collect_problem(1, hours_s, 200, tree=True, memory_mb=COLLECT_MEMORY_MB) is None
    longer = hours_s + [840.0] * 3  # 42 minutes more
    assert collect_problem(1, longer, 200, tree=True, memory_mb=COLLECT_MEMORY_MB) is not None
