"""The rehearsal's emulator answers the CLI's first poll of an execution moto has not started
evaluating yet (a fresh-clone CI run once printed moto's AttributeError traceback on the CLI's
stderr, from ListMapRuns right after StartExecution)."""
from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from moto.stepfunctions.parser.api import ResourceNotFound
from moto.stepfunctions.parser.models import StepFunctionsParserBackend

from runner.aws.rehearsal import _map_runs_of_an_execution_not_yet_running


class Backend:
    """Two executions as moto holds them: one whose thread has not set up its environment yet."""

    def __init__(self) -> None:
        record = SimpleNamespace(list_item=lambda: {"mapRunArn": "arn:run"}, describe=lambda: {"mapRunArn": "arn:run"})
        pool = SimpleNamespace(get_all=lambda: [record], get=lambda arn: record if arn == "arn:run" else None)
        self.executions = {"new": SimpleNamespace(exec_worker=SimpleNamespace(env=None)),
                           "running": SimpleNamespace(exec_worker=SimpleNamespace(
                               env=SimpleNamespace(map_run_record_pool_manager=pool)))}

    def describe_execution(self, execution_arn: str) -> Any:
        return self.executions[execution_arn]

    def _get_executions(self) -> list[Any]:
        return list(self.executions.values())


def moto_list_map_runs() -> Any:
    """moto's own, even once a rehearsal in this process has replaced it."""
    return getattr(StepFunctionsParserBackend.list_map_runs, "original", StepFunctionsParserBackend.list_map_runs)


def test_moto_itself_fails_on_an_execution_not_yet_running() -> None:
    with pytest.raises(AttributeError):
        moto_list_map_runs()(Backend(), "new")


def test_the_rehearsal_answers_as_aws_does() -> None:
    original = moto_list_map_runs()
    list_map_runs, describe_map_run = _map_runs_of_an_execution_not_yet_running(original)
    assert list_map_runs(Backend(), "new") == {"mapRuns": []}
    assert list_map_runs(Backend(), "running") == {"mapRuns": [{"mapRunArn": "arn:run"}]}
    assert describe_map_run(Backend(), "arn:run") == {"mapRunArn": "arn:run"}  # past the one not yet running
    with pytest.raises(ResourceNotFound):
        describe_map_run(Backend(), "arn:other")
