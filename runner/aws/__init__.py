"""The AWS backend: the Lambda handlers, the state machine's steps (pipeline), S3 and CloudWatch, and the CLI's AWS side."""
