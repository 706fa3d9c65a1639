"""The CDK app (composition root): `python -m infra.app` or `npx cdk synth`."""
from __future__ import annotations

import json
import re
import sys

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks

from infra.settings import ContextError
from infra.stack import SquallStack

# us-east-1, eu-west-3, ap-southeast-5, us-gov-west-1 … (analysis.regions reads a spec's the same way)
REGION_NAME = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-\d{1,2}$")


def build_app(app: cdk.App | None = None) -> tuple[cdk.App, SquallStack]:
    """The app and its first stack. With ``squall:regions`` (a run across regions sends load from
    each), the same stack in every region named, each with its own bucket and the same name, so
    `--stack` finds it in any; without, one environment-agnostic stack (the account's default region)."""
    app = app or cdk.App()
    name = app.node.try_get_context("squall:stackName") or "Squall"
    description = "Squall: serverless load tests (Step Functions + Lambda)"
    regions = regions_of(app.node.try_get_context("squall:regions"))
    stacks = [SquallStack(app, name if index == 0 else f"{name}-{region}", stack_name=name, description=description,
                          env=cdk.Environment(region=region)) for index, region in enumerate(regions)] or \
        [SquallStack(app, name, description=description)]
    if str(app.node.try_get_context("squall:nag")).lower() != "false":  # false in cdk.json, or -c squall:nag=false
        cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app, verbose=True))
    return app, stacks[0]


def regions_of(value: object) -> list[str]:
    """squall:regions: a list of region names (cdk.json), or text from `-c`: JSON as the other lists
    (`-c 'squall:regions=["us-east-1","eu-west-1"]'`) or names with commas (`-c squall:regions=a,b`)."""
    if value in (None, "", []):
        return []
    names = _listed(value) if isinstance(value, str) else value
    if not isinstance(names, list) or not all(isinstance(r, str) and REGION_NAME.match(r) for r in names):
        raise ContextError([f"squall:regions: a list of AWS region names such as [\"us-east-1\", \"eu-west-1\"], "
                            f"got {value!r}"])
    if len(set(names)) != len(names):
        raise ContextError([f"squall:regions: a region is named twice in {value!r}"])
    return list(names)


def _listed(text: str) -> object:
    """`-c` text: a JSON list, or names with commas."""
    try:
        return json.loads(text)
    except ValueError:
        return [name.strip() for name in text.split(",")]


def main() -> int:
    try:
        build_app()[0].synth()
    except ContextError as error:  # one line per problem, no traceback: what cdk synth/deploy prints
        for problem in error.problems:
            print(f"squall: cdk context: {problem}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
