"""Secrets and environment variables: resolved in memory, a failure names the reference."""
from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from runner.secrets import SecretError, resolve_environment, resolve_secrets


class Refusing:
    def get_parameter(self, **_: object) -> None:
        raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "GetParameter")


def test_a_secret_the_worker_may_not_read_is_named_with_the_permission_it_needs() -> None:
    with pytest.raises(SecretError, match="^cannot read secret secret:ssm:/a/b: AccessDeniedException \\(the worker "
                                          "needs ssm:GetParameter on it\\)$"):
        resolve_secrets({"secret:ssm:/a/b"}, lambda service: Refusing())


def test_environment_references_resolve_or_name_every_missing_variable() -> None:
    assert resolve_environment({"$env.A"}, {"A": "1", "B": "2"}) == {"$env.A": "1"}
    with pytest.raises(SecretError, match="^environment variables B, C not set \\(the spec uses "
                                          "{{ \\$env.B }}, {{ \\$env.C }}\\)$"):
        resolve_environment({"$env.A", "$env.B", "$env.C"}, {"A": "1"})
