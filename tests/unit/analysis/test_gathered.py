"""A gatherer's object: one group's new shards of one tick, merged, with the group's cursor after
it; it goes through its dict form unchanged (histograms exact), names its own key, and an object
that is not one is named by its key."""
from __future__ import annotations

import pytest

from analysis.gathered import Gathered, gathered_key, gathered_key_parts
from tests.unit.analysis.test_merge import window


def test_a_gathered_object_goes_through_its_dict_form_unchanged() -> None:
    gathered = Gathered(1, 200, 200, 7, {60: window(100, 2_000), 61: window(50, 90_000, errors=3)},
                        last_seq={200: 12, 201: 11}, final={201}, shards=3, rejected=["a bad key"])
    again = Gathered.from_dict(gathered.to_dict(), gathered.key)
    assert (again.slice_index, again.first_worker, again.worker_count, again.seq) == (1, 200, 200, 7)
    assert again.last_seq == {200: 12, 201: 11} and again.final == {201} and again.rejected == ["a bad key"]
    for second in (60, 61):
        ours, theirs = again.windows[second].endpoints["GET /"], gathered.windows[second].endpoints["GET /"]
        assert ours.latency.counts == theirs.latency.counts and ours.error_count == theirs.error_count
    assert again.covers == range(200, 400)
    assert gathered_key_parts(gathered.key) == (1, 7, 200) and gathered.key == gathered_key(1, 7, 200)


def test_something_else_is_named_by_its_key() -> None:
    with pytest.raises(ValueError, match="k: not a Squall gathered object"):
        Gathered.from_dict({"format": 1, "slice": 0}, "k")
    with pytest.raises(ValueError, match="k: not a Squall gathered object \\(format 1 expected\\)"):
        Gathered.from_dict([], "k")
