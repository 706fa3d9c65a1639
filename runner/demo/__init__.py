"""The demo target: a small API on 127.0.0.1 to try Squall against, and the CloudWatch metrics it can publish."""
