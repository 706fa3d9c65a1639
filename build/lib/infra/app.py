"""The CDK app (composition root): `python -m infra.app` or `npx cdk synth`."""
from __future__ import annotations

import sys

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks

from infra.settings import ContextError
from infra.stack import SquallStack


def build_app(app: cdk.App | None = None) -> tuple[cdk.App, SquallStack]:
    app = app or cdk.App()
    stack = SquallStack(app, app.node.try_get_context("squall:stackName") or "Squall",
                        description="Squall: serverless load tests (Step Functions + Lambda)")
    if str(app.node.try_get_context("squall:nag")).lower() != "false":  # false in cdk.json, or -c squall:nag=false
        cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app, verbose=True))
    return app, stack


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
