"""What collect reads beside the shards: the Lambda errors the state machine caught."""
from __future__ import annotations


def test_the_verdict_names_what_lambda_said_about_a_failed_worker() -> None:
    from runner.results.collect import worker_failure
    throttled = worker_failure({"Error": "Lambda.TooManyRequestsException",
                                "Cause": "Rate Exceeded. (Service: AWSLambda; Status Code: 429)"})
    assert throttled.startswith("throttled: Lambda refused to start it") and "Status Code: 429" in throttled
    timed_out = worker_failure({"Error": "Sandbox.Timedout", "Cause": '{"errorType": "Sandbox.Timedout", '
                                '"errorMessage": "Task timed out after 900.00 seconds"}'})
    assert timed_out == ("timed out (its invocation reached the function's 15-minute limit) (Sandbox.Timedout: "
                         "Task timed out after 900.00 seconds)")
    assert worker_failure({"Error": "KeyError", "Cause": "'x'"}) == "KeyError: 'x'"
