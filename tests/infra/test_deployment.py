"""What the deployment may touch: the specs upload writes under specs/ and deletes nothing."""
from __future__ import annotations

import json
from pathlib import Path

from infra.deployment import upload_only
from tests.aws_harness import resources, synth
from tests.infra.test_stack import _statements_of, bucket_id


def test_the_state_machine_reads_only_the_slices_job_lists_and_the_specs_upload_deletes_nothing() -> None:
    """CDK's own grants were wider: the Distributed Map's item reader on every key of the bucket, the
    specs upload (BucketDeployment) read, write and delete on every key (infra/deployment.py)."""
    t = synth()
    machine = _statements_of(t, "OrchestrationStateMachineRoleDefaultPolicy")
    s3_resources = [r for s in machine if any(a.startswith("s3:") for a in
                                              ([s["Action"]] if isinstance(s["Action"], str) else s["Action"]))
                    for r in (s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])]
    assert sorted(json.dumps(r) for r in s3_resources) == sorted(json.dumps(r) for r in [
        {"Fn::GetAtt": [bucket_id(t), "Arn"]},
        *({"Fn::Join": ["", [{"Fn::GetAtt": [bucket_id(t), "Arn"]}, key]]}
          for key in ("/runs/*/slices/*", "/runs/*/failed/*", "/runs/*/gather-failed/*"))])
    upload = [s for s in _statements_of(t, "CustomCDKBucketDeployment")
              if json.dumps(s["Resource"]).count(bucket_id(t))]
    assert len(upload) == 1 and not any("Delete" in a for a in upload[0]["Action"])
    assert upload[0]["Resource"] == [{"Fn::GetAtt": [bucket_id(t), "Arn"]},
                                     {"Fn::Join": ["", [{"Fn::GetAtt": [bucket_id(t), "Arn"]}, "/specs/*"]]}]


def test_upload_only_leaves_read_list_and_write_under_its_keys(tmp_path: Path) -> None:
    """On a stack of its own: CDK's upload role can no longer delete, nor write outside the keys."""
    import aws_cdk as cdk
    from aws_cdk import aws_s3 as s3
    from aws_cdk import aws_s3_deployment as s3deploy
    (tmp_path / "a.yaml").write_text("name: a\n")
    app = cdk.App()
    stack = cdk.Stack(app, "Uploads")
    bucket = s3.Bucket(stack, "Bucket")
    upload = s3deploy.BucketDeployment(stack, "Upload", sources=[s3deploy.Source.asset(str(tmp_path))],
                                       destination_bucket=bucket, destination_key_prefix="specs/", prune=False)
    upload_only(upload, bucket, "specs/*")
    template = app.synth().get_stack_by_name("Uploads").template
    statements = [st for r in resources(template, "AWS::IAM::Policy").values()
                  for st in r["Properties"]["PolicyDocument"]["Statement"]
                  if any("Bucket" in json.dumps(res) for res in (st["Resource"] if isinstance(st["Resource"], list)
                                                                   else [st["Resource"]]))]
    actions = {a for st in statements for a in (st["Action"] if isinstance(st["Action"], list) else [st["Action"]])}
    assert "s3:PutObject" in actions and not any(a.startswith("s3:Delete") for a in actions)
    assert any("specs/*" in json.dumps(st["Resource"]) for st in statements)
