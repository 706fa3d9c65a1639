"""The console on a stack's bucket (moto): the specs under specs/ with their profiles (not the runs'
uploaded ones), a run that cannot be read said so, and a stack older than the console's schedules
told to deploy on the schedules page."""
from __future__ import annotations

from pathlib import Path

import boto3
from moto import mock_aws

from runner.aws.backend import Deployment
from runner.console.aws_backend import AwsConsole

SPEC = ("name: shop\ntarget: http://127.0.0.1:9\nload: {phases: [{duration: 5s, rate: 1/s}]}\n"
        "scenarios: [{flow: [{get: /}]}]\nprofiles: {stress: {load: {phases: [{duration: 5s, rate: 9/s}]}}}\n")
MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:Squall-Run"


def test_the_bucket_as_the_console_sees_it(tmp_path: Path) -> None:
    with mock_aws():
        session = boto3.Session(region_name="us-east-1")
        s3 = session.client("s3")
        s3.create_bucket(Bucket="results")
        s3.put_object(Bucket="results", Key="specs/shop.yaml", Body=SPEC.encode())
        s3.put_object(Bucket="results", Key="specs/runs/shop-1.json", Body=b"{}")
        s3.put_object(Bucket="results", Key="specs/notes.txt", Body=b"-")
        console = AwsConsole(Deployment(session, MACHINE, "results", {}), tmp_path)
        assert console.specs() == [("specs/shop.yaml", ["stress"])]
        assert console.label == "s3://results (stack Squall)"
        assert console.fresh_index().runs() == []
        assert console.live_snapshot("nope")["state"] == "unreadable"
        assert "predates the console&#x27;s schedules" in console.schedules_page("t", None)
