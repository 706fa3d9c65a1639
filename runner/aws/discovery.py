"""Find a target's Lambda functions, DynamoDB tables and API Gateway APIs (with their
stages) from its CloudFormation stack. Failures name the stack and the missing permission."""
from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from analysis.target import HttpApi, RestApi, TargetResources


class DiscoveryError(Exception):
    pass


def _denied(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code", "") in ("AccessDenied", "AccessDeniedException")


def discover(stack: str, cloudformation: Any, apigateway: Any) -> TargetResources:
    try:
        listed: list[dict[str, Any]] = []
        for page in cloudformation.get_paginator("list_stack_resources").paginate(StackName=stack):
            listed += page.get("StackResourceSummaries", [])
    except ClientError as error:
        if _denied(error):
            raise DiscoveryError(f"cannot list the resources of stack {stack}: "
                                 f"missing permission cloudformation:ListStackResources (a Squall stack grants it "
                                 f"for the stacks squall:watchedStacks allows)") from None
        raise DiscoveryError(f"cannot list the resources of stack {stack}: {error}") from None
    except BotoCoreError as error:
        raise DiscoveryError(f"cannot list the resources of stack {stack}: {error}") from None

    def physical(kind: str) -> list[str]:
        return [r["PhysicalResourceId"] for r in listed if r.get("ResourceType") == kind and r.get("PhysicalResourceId")]

    rest_stages = physical("AWS::ApiGateway::Stage") or ["prod"]
    http_stages = physical("AWS::ApiGatewayV2::Stage") or ["$default"]
    rest_apis = []
    for api_id in physical("AWS::ApiGateway::RestApi"):
        try:
            name = apigateway.get_rest_api(restApiId=api_id)["name"]
        except ClientError as error:
            if _denied(error):
                raise DiscoveryError(f"cannot read REST API {api_id} of stack {stack}: "
                                     f"missing permission apigateway:GET on /restapis/{api_id}") from None
            raise DiscoveryError(f"cannot read REST API {api_id} of stack {stack}: {error}") from None
        rest_apis += [RestApi(name, stage) for stage in rest_stages]
    http_apis = [HttpApi(api_id, stage) for api_id in physical("AWS::ApiGatewayV2::Api") for stage in http_stages]
    tables = physical("AWS::DynamoDB::Table") + physical("AWS::DynamoDB::GlobalTable")
    return TargetResources(tuple(physical("AWS::Lambda::Function")), tuple(tables), tuple(rest_apis), tuple(http_apis))
