"""Finding a target's resources from its CloudFormation stack, against scripted clients: functions,
tables and APIs with their stages, over every page; a failure names the stack and the permission."""
from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from analysis.target import HttpApi, RestApi, TargetResources
from runner.aws.discovery import DiscoveryError, discover


class Paginator:
    def __init__(self, pages: list[dict[str, Any]] | Exception) -> None:
        self.pages = pages

    def paginate(self, **kwargs: Any) -> list[dict[str, Any]]:
        if isinstance(self.pages, Exception):
            raise self.pages
        return self.pages


class FakeCloudFormation:
    def __init__(self, pages: list[dict[str, Any]] | Exception) -> None:
        self.pages = pages

    def get_paginator(self, name: str) -> Paginator:
        assert name == "list_stack_resources"
        return Paginator(self.pages)


class FakeApiGateway:
    def get_rest_api(self, restApiId: str) -> dict[str, str]:  # noqa: N803 - boto3's name
        return {"id": restApiId, "name": f"name-of-{restApiId}"}


def resource(kind: str, physical: str) -> dict[str, str]:
    return {"ResourceType": kind, "PhysicalResourceId": physical, "LogicalResourceId": physical}


def test_discovery_finds_functions_tables_and_apis_with_their_stages() -> None:
    pages = [{"StackResourceSummaries": [resource("AWS::Lambda::Function", "api-generate"),
                                         resource("AWS::IAM::Role", "role")]},
             {"StackResourceSummaries": [resource("AWS::DynamoDB::Table", "jobs"),
                                         resource("AWS::ApiGateway::RestApi", "r123"),
                                         resource("AWS::ApiGateway::Stage", "prod"),
                                         resource("AWS::ApiGatewayV2::Api", "h456")]}]
    found = discover("images-api", FakeCloudFormation(pages), FakeApiGateway())
    assert found == TargetResources(("api-generate",), ("jobs",), (RestApi("name-of-r123", "prod"),),
                                    (HttpApi("h456", "$default"),))


def test_a_discovery_failure_names_the_stack_and_the_missing_permission() -> None:
    denied = ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "ListStackResources")
    with pytest.raises(DiscoveryError) as caught:
        discover("images-api", FakeCloudFormation(denied), FakeApiGateway())
    assert str(caught.value) == ("cannot list the resources of stack images-api: "
                                 "missing permission cloudformation:ListStackResources (a Squall stack grants it for "
                                 "the stacks squall:watchedStacks allows)")
