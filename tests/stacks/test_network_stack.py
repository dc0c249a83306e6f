"""NetworkStack template: a VPC over the configured zones with flow logs and the endpoints that bypass the NAT."""

from __future__ import annotations

import pytest
from aws_cdk.assertions import Match, Template

from stacks.network.vpc import VPC_CIDR
from tests.stacks.conftest import Synthesized


@pytest.fixture(scope="module")
def template(production: Synthesized) -> Template:
    return production.template(production.stage.network)


def test_stack_is_named_per_stage_in_sydney(production: Synthesized) -> None:
    stack = production.stage.network
    assert stack.stack_name == "filot-production-network"
    assert stack.region == "ap-southeast-2"


def test_vpc_spans_the_configured_zones_with_public_and_private_subnets(template: Template) -> None:
    template.has_resource_properties("AWS::EC2::VPC", {"CidrBlock": VPC_CIDR, "EnableDnsSupport": True})
    subnets = template.find_resources("AWS::EC2::Subnet")
    by_kind: dict[bool, set[str]] = {True: set(), False: set()}
    for subnet in subnets.values():
        properties = subnet["Properties"]
        by_kind[properties["MapPublicIpOnLaunch"]].add(properties["AvailabilityZone"])
    # Named zones, not Fn::GetAZs: synthesis looked nothing up.
    assert by_kind == {True: {"ap-southeast-2a", "ap-southeast-2b"}, False: {"ap-southeast-2a", "ap-southeast-2b"}}


def test_one_nat_gateway_per_zone_in_production(template: Template) -> None:
    template.resource_count_is("AWS::EC2::NatGateway", 2)


def test_variant_stage_uses_its_three_zones_and_one_nat(variant: Synthesized) -> None:
    template = variant.template(variant.stage.network)
    zones = {
        subnet["Properties"]["AvailabilityZone"] for subnet in template.find_resources("AWS::EC2::Subnet").values()
    }
    assert zones == {"ap-southeast-2a", "ap-southeast-2b", "ap-southeast-2c"}
    template.resource_count_is("AWS::EC2::NatGateway", 1)


def test_flow_logs_capture_all_traffic_into_the_stage_log_group(template: Template) -> None:
    template.has_resource_properties(
        "AWS::EC2::FlowLog",
        {
            "ResourceType": "VPC",
            "TrafficType": "ALL",
            "LogDestinationType": "cloud-watch-logs",
            "LogGroupName": {"Fn::ImportValue": Match.string_like_regexp(r"filot-production-foundation:.*vpcflowlogs")},
        },
    )


def test_s3_gateway_endpoint_serves_the_private_subnets(template: Template) -> None:
    template.has_resource_properties(
        "AWS::EC2::VPCEndpoint",
        {
            "VpcEndpointType": "Gateway",
            "ServiceName": Match.object_like({"Fn::Join": ["", Match.array_with([".s3"])]}),
        },
    )


@pytest.mark.parametrize("service", ["ecr.api", "ecr.dkr", "logs", "secretsmanager"])
def test_interface_endpoints_keep_image_pulls_logs_and_secrets_off_the_nat(template: Template, service: str) -> None:
    template.has_resource_properties(
        "AWS::EC2::VPCEndpoint",
        {
            "VpcEndpointType": "Interface",
            "ServiceName": f"com.amazonaws.ap-southeast-2.{service}",
            "PrivateDnsEnabled": True,
        },
    )


def test_endpoints_accept_https_from_the_vpc_only(template: Template) -> None:
    template.has_resource_properties(
        "AWS::EC2::SecurityGroup",
        {
            "GroupDescription": "Interface VPC endpoints: HTTPS from the VPC",
            "SecurityGroupIngress": [
                Match.object_like({"CidrIp": VPC_CIDR, "FromPort": 443, "ToPort": 443, "IpProtocol": "tcp"})
            ],
        },
    )
