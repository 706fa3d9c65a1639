"""Secrets in specs: ``{{ secret:ssm:/path }}`` and ``{{ secret:secretsmanager:name }}`` in
headers, URLs, bodies and data, and the local run's environment variables (``{{ $env.NAME }}``),
handled the same way. They are resolved in the worker, just before the load starts,
and never written anywhere: the store, the shards, the logs and the reports only ever hold the
reference. ``Redactor`` masks a value should one reach an error message."""
from __future__ import annotations

import dataclasses
import weakref
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from runner.spec.model import Spec
from runner.templating import ENV, SECRET, Template, variables_in


class SecretError(Exception):
    pass


def _names(value: Any) -> set[str]:
    if isinstance(value, str):
        return set(Template(value).variables)
    return variables_in(value)


def secret_references(spec: Spec) -> set[str]:
    return {name for name in template_references(spec) if SECRET.match(name)}


def env_references(spec: Spec) -> set[str]:
    """Every ``$env.NAME`` the spec uses (headers, URLs, bodies, data)."""
    return {name for name in template_references(spec) if ENV.match(name)}


def resolve_environment(names: set[str], environ: Mapping[str, str]) -> dict[str, str]:
    """The values of ``$env.NAME`` references, like secrets: in memory only; a missing one is named."""
    missing = sorted(name for name in names if _env_name(name) not in environ)
    if missing:
        listed = ", ".join(_env_name(name) for name in missing)
        raise SecretError(f"environment variable{'s' if len(missing) > 1 else ''} {listed} not set "
                          f"(the spec uses {', '.join('{{ ' + name + ' }}' for name in missing)})")
    return {name: environ[_env_name(name)] for name in names}


def _env_name(reference: str) -> str:
    match = ENV.match(reference)
    assert match is not None
    return match[1]


def template_references(spec: Spec) -> set[str]:
    """Every name a spec's templates use: the target's URL and headers, each request's, the user
    classes' headers, and the data's values."""
    found: set[str] = set(_names(spec.target.base_url))  # user:password, path or query of the target
    found |= _in_values(value for _, value in spec.target.headers)
    for scenario in spec.scenarios:
        for step in scenario.requests:
            found |= set(step.url.variables) if isinstance(step.url, Template) else set()
            found |= variables_in(step.json)
            found |= {v for _, value in step.headers + step.query + step.cookies + (step.form or ())
                      if isinstance(value, Template) for v in value.variables}
    found |= _in_values(value for klass in spec.user_classes for _, value in klass.headers)
    return found | _in_values(value for dataset in spec.data for row in dataset.rows
                              for value in (row.values() if isinstance(row, dict) else [row]))


def _in_values(values: Iterable[Any]) -> set[str]:
    """The names in these values' templates (a header's Template, a data value's text)."""
    found: set[str] = set()
    for value in values:
        if isinstance(value, (Template, str)):
            found |= _names(value)
    return found


# How long a worker keeps a secret's value: a warm Lambda's next slice (14 min later) reads it
# again, the slices in between of a long run do not; a rotated secret is seen within 5 minutes.
SECRET_MAX_AGE_S = 300
_HINTS = {"NoCredentialsError": "no AWS credentials: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
          "NoRegionError": "no AWS region: set AWS_DEFAULT_REGION, or aws.region in the spec",
          "ParameterNotFound": "no such parameter in this account and region",
          "ResourceNotFoundException": "no such secret in this account and region"}
# Powertools' providers (and so their caches) per client factory: a worker process keeps one factory
_providers: weakref.WeakKeyDictionary[Callable[[str], Any], dict[str, Any]] = weakref.WeakKeyDictionary()


def resolve_secrets(names: set[str], client_for: Callable[[str], Any], max_age_s: int = SECRET_MAX_AGE_S) -> \
        dict[str, str]:
    """Fetch every secret with Powertools Parameters: SSM parameters in batches of 10 (GetParameters,
    decrypted), Secrets Manager secrets one GetSecretValue each (its batch call needs
    secretsmanager:ListSecrets on every secret in the account), each value cached ``max_age_s``.
    A failure names the secret (never a value) and what is missing."""
    providers = _providers.setdefault(client_for, {})
    parameters = sorted(key for store, key in map(_store_and_key, names) if store == "ssm")
    secrets = sorted(key for store, key in map(_store_and_key, names) if store == "secretsmanager")
    values = _ssm_values(parameters, providers, client_for, max_age_s) if parameters else {}
    for key in secrets:
        values[f"secret:secretsmanager:{key}"] = _secret_value(key, providers, client_for, max_age_s)
    return values


def _ssm_values(parameters: list[str], providers: dict[str, Any], client_for: Callable[[str], Any],
                max_age_s: int) -> dict[str, str]:
    from aws_lambda_powertools.utilities.parameters import SSMProvider
    try:
        if "ssm" not in providers:
            providers["ssm"] = SSMProvider(boto3_client=client_for("ssm"))
        found = providers["ssm"].get_parameters_by_name({key: {} for key in parameters}, decrypt=True,
                                                        max_age=max_age_s, raise_on_error=False)
    except Exception as error:  # noqa: BLE001 - boto3 raises many kinds; the message must name the secret
        raise _unreadable([f"secret:ssm:{key}" for key in parameters], "ssm", error) from None
    missing = found.pop("_errors", [])
    if missing:
        raise SecretError(f"cannot read secret secret:ssm:{missing[0]}: ParameterNotFound "
                          f"({_HINTS['ParameterNotFound']})")
    return {f"secret:ssm:{key}": str(value) for key, value in found.items()}


def _secret_value(key: str, providers: dict[str, Any], client_for: Callable[[str], Any], max_age_s: int) -> str:
    from aws_lambda_powertools.utilities.parameters import SecretsProvider
    try:
        if "secretsmanager" not in providers:
            providers["secretsmanager"] = SecretsProvider(boto3_client=client_for("secretsmanager"))
        return str(providers["secretsmanager"].get(key, max_age=max_age_s))
    except Exception as error:  # noqa: BLE001
        raise _unreadable([f"secret:secretsmanager:{key}"], "secretsmanager", error.__context__ or error) from None


def _store_and_key(name: str) -> tuple[str, str]:
    match = SECRET.match(name)
    assert match is not None
    store, key = match.groups()
    return store, key


def _unreadable(names: list[str], store: str, error: BaseException) -> SecretError:
    code = getattr(error, "response", {}).get("Error", {}).get("Code", type(error).__name__)
    permission = "ssm:GetParameters" if store == "ssm" else "secretsmanager:GetSecretValue"
    hint = _HINTS.get(code, f"the worker needs {permission} on {'it' if len(names) == 1 else 'them'}")
    return SecretError(f"cannot read secret{'s' if len(names) > 1 else ''} {', '.join(names)}: {code} ({hint})")


def with_secret_data(spec: Spec, secrets: dict[str, str]) -> Spec:
    """Data rows that reference secrets, with the values put in (in memory, in the worker only)."""
    if not secrets:
        return spec

    def fill(value: Any) -> Any:
        if isinstance(value, str) and ("secret:" in value or "$env." in value):
            return Template(value).render(secrets, None)  # type: ignore[arg-type]
        return value
    data = tuple(dataclasses.replace(d, rows=tuple({k: fill(v) for k, v in r.items()} if isinstance(r, dict)
                                                    else fill(r) for r in d.rows)) for d in spec.data)
    return dataclasses.replace(spec, data=data)


def target_url_with(spec: Spec, secrets: dict[str, str]) -> str:
    """The target's base URL with its ``$env`` references put in (in memory, in the worker only:
    every file and report keeps the reference)."""
    url = spec.target.base_url
    return Template(url).render(secrets, None) if "{{" in url else url  # type: ignore[arg-type]


class Redactor:
    def __init__(self, secrets: dict[str, str]) -> None:
        self.values = sorted((v for v in secrets.values() if v), key=len, reverse=True)

    def redact(self, text: str) -> str:
        for value in self.values:
            text = text.replace(value, "****")
        return text


