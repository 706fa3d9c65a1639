"""What every command shares: the documented exit codes by verdict (a failed store, a signal and a
locustfile's own code first), Artillery's --variables as data sets, and option words."""
from __future__ import annotations

import json
from argparse import Namespace

import pytest

from runner.cli.common import aws_options, exit_code, regions_as_overrides, variables_as_overrides, words
from runner.preflight import SpecRejected


def result(status: str, **extra: object) -> dict:
    return {"verdict": {"status": status}, **extra}


@pytest.mark.parametrize("given, code", [
    (result("PASS"), 0), (result("WARN"), 0), (result("FAIL"), 1), (result("ABORTED"), 1),
    (result("INCONCLUSIVE"), 4), (result("STOPPED"), 130),
    (result("STOPPED", stop_signal="SIGTERM"), 143), (result("STOPPED", stop_signal="SIGHUP"), 129),
    (result("PASS", store_failed="disk full"), 3), (result("PASS", process_exit_code=2), 2),
])
def test_exit_codes_are_the_documented_ones(given: dict, code: int) -> None:
    assert exit_code(given) == code


def test_artillery_variables_are_data_sets_picked_at_random() -> None:
    [override] = variables_as_overrides('{"id": [1, 2]}')
    assert override.startswith("data.id=") and json.loads(override.split("=", 1)[1]) == \
        {"values": [1, 2], "order": "random"}
    assert json.loads(variables_as_overrides('{"x": 5}')[0].split("=", 1)[1])["values"] == [5]
    with pytest.raises(SpecRejected, match="--variables: not JSON"):
        variables_as_overrides("{id: 1}")
    with pytest.raises(SpecRejected, match="a JSON object of names and values"):
        variables_as_overrides("[1, 2]")


def test_words_and_aws_options() -> None:
    assert words(" smoke, api ,,") == ("smoke", "api")
    options = aws_options(Namespace(stack="S", region="eu-west-1", profile=None, settle="1m", monitor_interval=None,
                                    start_margin="20s", slice=None, workers=4, engine="fast"))
    assert (options.stack, options.settle_s, options.start_margin_s, options.workers) == ("S", 60.0, 20.0, 4)


def test_regions_on_the_command_line_become_the_spec_s_regions_or_one_clear_refusal() -> None:
    assert regions_as_overrides("us-east-1=60,eu-west-1=40") == ('regions={"us-east-1": "60%", "eu-west-1": "40%"}',)
    assert regions_as_overrides(None) == ()
    with pytest.raises(SpecRejected, match="--regions: the shares add up to 90%, not 100%"):
        regions_as_overrides("us-east-1=60,eu-west-1=30")
