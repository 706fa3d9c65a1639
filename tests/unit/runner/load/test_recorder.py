"""The recorder: a window a run second, handed out as delta shards whose sequence numbers keep
to the slice's flush clock; a second that spans two flushes appears in both and adds up."""
from __future__ import annotations

from analysis.merge import merge_shards
from analysis.stats import EndpointStats
from runner.load.recorder import Recorder


def test_windows_are_per_run_second_and_before_the_start_is_second_minus_one() -> None:
    recorder = Recorder("r", 0, 3, start_mono_s=100.0)
    assert recorder.window_at(100.2) is recorder.window_at(100.9)
    assert recorder.window_at(101.0) is not recorder.window_at(100.5)
    recorder.window_at(99.5)
    assert sorted(recorder.windows) == [-1, 0, 1]


def test_a_second_across_two_flushes_adds_up_on_merge() -> None:
    recorder = Recorder("r", 0, 0, start_mono_s=0.0)
    recorder.window_at(0.5).endpoints["A"] = EndpointStats(requests=3)
    first = recorder.take_shard()
    recorder.window_at(0.9).endpoints["A"] = EndpointStats(requests=2)  # the same second, after the flush
    second = recorder.take_shard(final=True)
    assert (first.seq, second.seq, second.final) == (0, 1, True)
    assert merge_shards([first, second]).endpoints["A"].requests == 5


def test_sequence_numbers_follow_the_slices_flush_clock_and_never_go_back() -> None:
    recorder = Recorder("r", 2, 7, start_mono_s=0.0)
    assert recorder.take_shard(seq_at_least=4).seq == 4  # a worker that started late skips to the slice's 4th flush
    assert recorder.take_shard(seq_at_least=2).seq == 5
    shard = recorder.take_shard(error="boom")
    assert (shard.seq, shard.slice_index, shard.worker_index, shard.error, recorder.taken) == (6, 2, 7, "boom", 3)
