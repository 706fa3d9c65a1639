"""The workers' network, for private targets (squall:vpc): an existing VPC's subnets, or a VPC the
stack creates. Only the workers go in it: they alone reach the target; plan, monitor and collect
talk to AWS APIs only and stay outside (no NAT traffic, no cold-start cost of a network interface).

Shards go to S3 through a gateway endpoint (free, and no NAT data charge per shard): the created
VPC always has one, an existing VPC gets one when its route tables are named (routeTableIds)."""
from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.settings import VpcSettings


class WorkerNetwork(Construct):
    """Exposes ``vpc``, ``subnets`` and ``security_groups`` for the worker function."""

    def __init__(self, scope: Construct, construct_id: str, *, settings: VpcSettings) -> None:
        super().__init__(scope, construct_id)
        if settings.vpc_id is None:
            self.vpc: ec2.IVpc = ec2.Vpc(
                self, "Vpc", max_azs=settings.max_azs, nat_gateways=1,
                subnet_configuration=[
                    ec2.SubnetConfiguration(name="Public", subnet_type=ec2.SubnetType.PUBLIC, cidr_mask=24),
                    ec2.SubnetConfiguration(name="Workers", subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS,
                                            cidr_mask=20)],  # 4,091 addresses a subnet: a network interface per worker
                gateway_endpoints={"S3": ec2.GatewayVpcEndpointOptions(service=ec2.GatewayVpcEndpointAwsService.S3)})
            self.subnets = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS)
            # rejected connections only: what explains a target the workers cannot reach, without a log line
            # for every accepted connection of every run (a load test opens them by the thousands)
            self.vpc.add_flow_log("Rejected", traffic_type=ec2.FlowLogTrafficType.REJECT,
                                  destination=ec2.FlowLogDestination.to_cloud_watch_logs(logs.LogGroup(
                                      self, "RejectedLogs", retention=logs.RetentionDays.ONE_MONTH,
                                      removal_policy=cdk.RemovalPolicy.DESTROY)))
        else:
            # attributes, not a lookup: the stack stays environment-agnostic (synth needs no credentials)
            # the subnets are named below, so the VPC's own zones are never read (CDK asks for at least one)
            self.vpc = ec2.Vpc.from_vpc_attributes(self, "Vpc", vpc_id=settings.vpc_id, availability_zones=["unread"])
            self.subnets = ec2.SubnetSelection(subnets=[
                ec2.Subnet.from_subnet_id(self, f"Subnet{i}", subnet_id) for i, subnet_id in enumerate(settings.subnet_ids)])
            if settings.route_table_ids:
                ec2.CfnVPCEndpoint(self, "S3Endpoint", vpc_id=settings.vpc_id, vpc_endpoint_type="Gateway",
                                   service_name=f"com.amazonaws.{cdk.Aws.REGION}.s3",
                                   route_table_ids=list(settings.route_table_ids))
        if settings.security_group_ids:
            self.security_groups = [ec2.SecurityGroup.from_security_group_id(self, f"Group{i}", group_id)
                                    for i, group_id in enumerate(settings.security_group_ids)]
        else:
            self.security_groups = [ec2.SecurityGroup(
                self, "Workers", vpc=self.vpc, allow_all_outbound=True,
                description="Squall workers: no inbound; outbound to the target and to AWS APIs")]
