"""Lambda handlers: parse the event, build the adapters, call one core function, return a
small dict. Step Functions passes pointers (S3 keys), never results."""
