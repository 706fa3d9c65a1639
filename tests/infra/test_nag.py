"""cdk-nag: nothing unacknowledged, an unacknowledged finding fails the synth, and an acknowledgement
covers only the resource it is about."""
from __future__ import annotations

import pytest
from aws_cdk import App

from infra.nag import acknowledge_findings
from tests.aws_harness import cdk_context


def test_cdk_nag_finds_nothing_unacknowledged() -> None:
    import aws_cdk as cdk
    from cdk_nag import AwsSolutionsChecks

    from infra.app import build_app
    app = App(context=cdk_context(nag=False))
    build_app(app)
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    app.synth()  # raises on an unacknowledged error


def test_cdk_nag_finds_nothing_unacknowledged_in_stacks_deployed_to_named_regions() -> None:
    """squall:regions: a stack with a region writes most ARNs with the partition and region, not
    their tokens; before, `cdk synth --all` with squall:regions failed on ten findings acknowledged
    only in their token spelling (found running the README's command)."""
    import aws_cdk as cdk
    from cdk_nag import AwsSolutionsChecks

    from infra.app import build_app
    app = App(context={**cdk_context(nag=False), "squall:regions": ["us-east-1", "eu-west-1"]})
    build_app(app)
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    app.synth()  # raises on an unacknowledged error


def test_an_unacknowledged_nag_finding_fails_the_synth() -> None:
    import aws_cdk as cdk
    from aws_cdk import aws_s3 as s3
    from cdk_nag import AwsSolutionsChecks

    from infra.app import build_app
    app = App(context=cdk_context(nag=False))
    _, stack = build_app(app)
    s3.Bucket(stack, "Careless")  # no TLS enforcement, no logs
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    with pytest.raises(Exception, match="AwsSolutions-S10|AwsSolutions-S1"):
        app.synth()


def test_an_acknowledgment_covers_only_the_resource_it_is_about() -> None:
    """Collect may read the target's REST APIs; the same grant on the worker is a new finding."""
    import aws_cdk as cdk
    from aws_cdk import aws_iam as iam
    from cdk_nag import AwsSolutionsChecks

    from infra.app import build_app
    app = App(context=cdk_context(nag=False))
    _, stack = build_app(app)
    stack.functions.worker.add_to_role_policy(iam.PolicyStatement(actions=["apigateway:GET"], resources=[
        stack.format_arn(service="apigateway", account="", resource="/restapis", resource_name="*")]))
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    with pytest.raises(Exception, match=r"FunctionsWorker.*\n?.*IAM5|IAM5\[Resource::arn:<AWS::Partition>:apigateway"):
        app.synth()


def test_without_the_stacks_acknowledgements_its_accepted_findings_fail_the_synth(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Each acknowledgement is needed: with none made, cdk-nag fails the stack (so none is stale)."""
    import aws_cdk as cdk
    from cdk_nag import AwsSolutionsChecks

    import infra.stack
    from infra.app import build_app
    assert infra.stack.acknowledge_findings is acknowledge_findings
    monkeypatch.setattr(infra.stack, "acknowledge_findings", lambda *args, **kwargs: None)
    app = App(context=cdk_context(nag=False))
    build_app(app)
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    with pytest.raises(Exception, match="AwsSolutions-"):
        app.synth()
