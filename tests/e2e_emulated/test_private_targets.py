"""squall:vpc with an existing VPC: the worker function deployed into its subnet with its security
group (moto's EC2 holds them), and a run through the synthesized state machine passes."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.aws_harness import Emulator, synth
from tests.e2e_emulated.test_state_machine import run_args, squall_aws, write_spec


@pytest.fixture(scope="module")
def in_vpc() -> Iterator[tuple[Emulator, dict[str, str]]]:
    emulator = Emulator()
    ec2 = emulator.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.20.0.0/20")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(VpcId=vpc, GroupName="squall-workers", Description="workers")["GroupId"]
    network = {"vpcId": vpc, "subnetIds": [subnet], "securityGroupIds": [group]}
    emulator.deploy(synth(allowedHosts=["127.0.0.1"], vpc=network))
    yield emulator, {"vpc": vpc, "subnet": subnet, "group": group}
    emulator.close()


def test_a_run_passes_with_the_worker_in_the_vpc(in_vpc, demo_target, tmp_path: Path) -> None:
    emulator, network = in_vpc
    functions = emulator.client("lambda").list_functions()["Functions"]
    placed = {f["FunctionName"]: f.get("VpcConfig", {}) for f in functions}
    [worker] = [name for name in placed if "Worker" in name]
    assert placed[worker]["SubnetIds"] == [network["subnet"]]
    assert placed[worker]["SecurityGroupIds"] == [network["group"]]
    assert all(not config.get("SubnetIds") for name, config in placed.items() if name != worker)
    demo = demo_target(latency="fixed:2ms")
    done = squall_aws(emulator, tmp_path, *run_args(write_spec(tmp_path, demo.url)))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "VERDICT: PASS" in done.stdout and sum(demo.state.seen.values()) == 60
