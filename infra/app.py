"""The CDK app (composition root): `python -m infra.app` or `npx cdk synth`."""
from __future__ import annotations

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks

from infra.stack import SquallStack


def build_app(app: cdk.App | None = None) -> tuple[cdk.App, SquallStack]:
    app = app or cdk.App()
    stack = SquallStack(app, app.node.try_get_context("squall:stackName") or "Squall",
                        description="Squall: serverless load tests (Step Functions + Lambda)")
    if app.node.try_get_context("squall:nag") is not False:
        cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app, verbose=True))
    return app, stack


if __name__ == "__main__":
    build_app()[0].synth()
