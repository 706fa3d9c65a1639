"""The rehearsal's own pieces: CloudFormation's intrinsic functions resolved against what was
deployed, the definition adapted where moto's parser reads less than AWS, and the Lambda context a
handler reads (its remaining time counts down)."""
from __future__ import annotations

import pytest

from runner.aws.rehearsal import LambdaContext, adapt_for_moto, resolve

REFS = {"Bucket": "squall-results-1", "Fn.Arn": "arn:aws:lambda:us-east-1:1:function:Fn", "AWS::Region": "us-east-1"}


def test_intrinsic_functions_are_resolved_against_what_was_deployed() -> None:
    assert resolve({"Fn::Join": ["", ["s3://", {"Ref": "Bucket"}, "/", {"Ref": "AWS::Region"}]]}, REFS) == \
        "s3://squall-results-1/us-east-1"
    assert resolve({"Fn::Select": [6, {"Fn::Split": [":", {"Fn::GetAtt": ["Fn", "Arn"]}]}]}, REFS) == "Fn"
    assert resolve({"Role": {"Fn::GetAtt": ["Fn", "Arn"]}, "List": [{"Ref": "Bucket"}, "plain"]}, REFS) == \
        {"Role": "arn:aws:lambda:us-east-1:1:function:Fn", "List": ["squall-results-1", "plain"]}
    with pytest.raises(KeyError):
        resolve({"Ref": "NotDeployed"}, REFS)


def test_a_tolerated_failure_share_is_a_float_for_moto() -> None:
    adapted = adapt_for_moto({"States": {"Map": {"ToleratedFailurePercentage": 100, "MaxConcurrency": 100}}})
    assert adapted == {"States": {"Map": {"ToleratedFailurePercentage": 100.0, "MaxConcurrency": 100}}}
    assert isinstance(adapted["States"]["Map"]["ToleratedFailurePercentage"], float)


def test_a_handlers_remaining_time_counts_down_from_its_timeout() -> None:
    context = LambdaContext("FunctionsWorker", timeout_s=900)
    assert 899_000 < context.get_remaining_time_in_millis() <= 900_000
    assert context.invoked_function_arn.endswith(":function:FunctionsWorker") and context.memory_limit_in_mb == 1769
