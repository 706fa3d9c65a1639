"""Squall's CDK app: the AWS backend (Step Functions over Lambda workers, results in S3)."""
