"""The result store on S3 (the AWS backend's source of truth): same keys, same interface as
the local directory store. The boto3 client is passed in."""
from __future__ import annotations

import builtins
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from runner.store import JsonOnBytes, StoreError

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
else:
    S3Client = Any


class S3Store(JsonOnBytes):
    def __init__(self, bucket: str, client: S3Client) -> None:
        self.bucket = bucket
        self.client = client

    def uri(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"

    def put_bytes(self, key: str, data: bytes) -> None:
        try:
            self.client.put_object(Bucket=self.bucket, Key=key, Body=data)
        except (ClientError, BotoCoreError) as error:
            raise StoreError(f"cannot write {self.uri(key)}: {error}") from None

    def create_bytes(self, key: str, data: bytes) -> bool:
        """S3's conditional write (If-None-Match: *): of two writers, one gets 412 and learns it lost."""
        try:
            self.client.put_object(Bucket=self.bucket, Key=key, Body=data, IfNoneMatch="*")
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("PreconditionFailed", "ConditionalRequestConflict") or \
                    error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") in (409, 412):
                return False
            raise StoreError(f"cannot write {self.uri(key)}: {error}") from None
        except BotoCoreError as error:
            raise StoreError(f"cannot write {self.uri(key)}: {error}") from None
        return True

    def get_bytes(self, key: str) -> bytes:
        try:
            return bytes(self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read())
        except (ClientError, BotoCoreError) as error:
            raise StoreError(f"cannot read {self.uri(key)}: {error}") from None

    def exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=key)
            return True
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise StoreError(f"cannot check {self.uri(key)}: {error}") from None

    def list(self, prefix: str, start_after: str | None = None) -> list[str]:
        keys: list[str] = []
        extra = {"StartAfter": start_after} if start_after is not None else {}
        try:
            for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix,
                                                                                **extra):
                keys.extend(item["Key"] for item in page.get("Contents", []))
        except (ClientError, BotoCoreError) as error:
            raise StoreError(f"cannot list {self.uri(prefix)}: {error}") from None
        return sorted(keys)

    def delete(self, key: str) -> None:
        """Remove ``key`` (S3 answers a key that is not there as removed too)."""
        try:
            self.client.delete_object(Bucket=self.bucket, Key=key)
        except (ClientError, BotoCoreError) as error:
            raise StoreError(f"cannot remove {self.uri(key)}: {error}") from None

    def folders(self, prefix: str) -> builtins.list[str]:
        """The names of the "folders" right under ``prefix`` (``runs/`` -> every run id), sorted: one
        listing call per thousand, whatever each holds."""
        names: list[str] = []
        try:
            for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix,
                                                                                Delimiter="/"):
                names += [p["Prefix"][len(prefix):].rstrip("/") for p in page.get("CommonPrefixes", [])]
        except (ClientError, BotoCoreError) as error:
            raise StoreError(f"cannot list {self.uri(prefix)}: {error}") from None
        return sorted(names)

    def stamp(self, key: str) -> str | None:
        """Whether ``key`` is there; on S3 a result is written once, so its presence is its stamp."""
        return "1" if self.exists(key) else None
