"""squall:vpc: the workers in an existing VPC's subnets or in one the stack creates, for private
targets. Both shapes synthesize, pass cfn-lint and cdk-nag, and put only the worker in the VPC."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from aws_cdk import App

from infra.settings import ContextError, read_settings
from tests.aws_harness import ROOT, cdk_context, resources, synth

CFN_LINT = str(Path(sys.executable).parent / "cfn-lint")
EXISTING = {"vpcId": "vpc-0abc1234567890def", "subnetIds": ["subnet-0abc1234567890def", "subnet-0def1234567890abc"],
            "routeTableIds": ["rtb-0abc1234567890def"]}
CREATED = {"create": True}


def in_vpc(template: dict) -> dict[str, dict]:
    return {r["Properties"]["Handler"]: r["Properties"]["VpcConfig"]
            for r in resources(template, "AWS::Lambda::Function").values() if "VpcConfig" in r["Properties"]}


@pytest.mark.parametrize("vpc", [EXISTING, CREATED], ids=["existing", "created"])
def test_only_the_worker_goes_in_the_vpc_with_a_group_that_takes_nothing_in(vpc: dict) -> None:
    template = synth(vpc=vpc)
    placed = in_vpc(template)
    assert list(placed) == ["runner.aws.handlers.worker.handler"]
    [group] = resources(template, "AWS::EC2::SecurityGroup").values()
    assert "SecurityGroupIngress" not in group["Properties"]
    [endpoint] = resources(template, "AWS::EC2::VPCEndpoint").values()  # shards reach S3 without NAT
    assert endpoint["Properties"]["VpcEndpointType"] == "Gateway"
    assert ".s3" in json.dumps(endpoint["Properties"]["ServiceName"])


def test_an_existing_vpc_is_used_as_named_and_nothing_is_created_around_it() -> None:
    template = synth(vpc=EXISTING)
    [config] = in_vpc(template).values()
    assert config["SubnetIds"] == EXISTING["subnetIds"]
    assert resources(template, "AWS::EC2::VPC") == {} and resources(template, "AWS::EC2::NatGateway") == {}
    [endpoint] = resources(template, "AWS::EC2::VPCEndpoint").values()
    assert endpoint["Properties"]["RouteTableIds"] == EXISTING["routeTableIds"]
    given_group = synth(vpc={**EXISTING, "securityGroupIds": ["sg-0abc1234567890def"]})
    assert in_vpc(given_group)["runner.aws.handlers.worker.handler"]["SecurityGroupIds"] == ["sg-0abc1234567890def"]
    assert resources(given_group, "AWS::EC2::SecurityGroup") == {}


def test_a_created_vpc_has_private_subnets_one_nat_and_a_log_of_rejected_connections() -> None:
    template = synth(vpc=CREATED)
    assert len(resources(template, "AWS::EC2::NatGateway")) == 1
    [config] = in_vpc(template).values()
    assert len(config["SubnetIds"]) == 2  # maxAzs
    [flow_log] = resources(template, "AWS::EC2::FlowLog").values()
    assert flow_log["Properties"]["TrafficType"] == "REJECT"


@pytest.mark.parametrize("vpc", [EXISTING, CREATED], ids=["existing", "created"])
def test_cfn_lint_passes_on_both_shapes(vpc: dict, tmp_path: Path) -> None:
    path = tmp_path / "Squall.template.json"
    path.write_text(json.dumps(synth(vpc=vpc)))
    done = subprocess.run([CFN_LINT, "--ignore-checks", "W3005", "--", str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("vpc", [EXISTING, CREATED], ids=["existing", "created"])
def test_cdk_nag_finds_nothing_unacknowledged_on_both_shapes(vpc: dict) -> None:
    import aws_cdk as cdk
    from cdk_nag import AwsSolutionsChecks

    from infra.app import build_app
    app = App(context=cdk_context(nag=False, vpc=vpc))
    build_app(app)
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    app.synth()  # raises on an unacknowledged error


@pytest.mark.parametrize("vpc, message", [
    ({"vpcId": "vpc-0abc1234567890def"}, "squall:vpc: needs vpcId and subnetIds, or create"),
    ({**EXISTING, "subnetIds": ["subnet 1"]}, "squall:vpc.subnetIds: expected a list of ids like subnet-0abc"),
    ({**EXISTING, "vpcId": "vpc-0abc12345678"}, "(8 or 17 hex digits)"),  # 12: cfn-lint's E1151
    ({**EXISTING, "create": True}, "squall:vpc: create makes a new VPC"),
    ({"create": True, "maxAzs": 9}, "squall:vpc.maxAzs: a whole number from 1 to 6, got 9"),
    ({"create": True, "nat": 0}, "squall:vpc: unknown field nat"),
    ('["vpc-0abc1234567890def"]', "squall:vpc: expected a JSON object, got ['vpc-0abc1234567890def']"),
])
def test_a_malformed_vpc_is_named_with_what_it_takes(vpc: object, message: str) -> None:
    with pytest.raises(ContextError) as raised:
        read_settings(App(context=cdk_context(vpc=vpc)), ROOT / "specs", validate=lambda path: None)
    assert any(message in problem for problem in raised.value.problems), raised.value.problems


def test_the_worker_network_is_made_only_when_the_context_asks() -> None:
    from infra.app import build_app
    from infra.network import WorkerNetwork
    _, plain = build_app(App(context=cdk_context(nag=False)))
    _, placed = build_app(App(context=cdk_context(nag=False, vpc=CREATED)))
    assert plain.network is None and isinstance(placed.network, WorkerNetwork)
