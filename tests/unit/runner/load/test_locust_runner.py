"""Locust's request events as Squall counts them (runner/load/locust_runner.py), and their shards
written whole; no Locust needed (gevent alone, without its monkey-patching)."""
from __future__ import annotations

import time
from pathlib import Path

from runner.guardrails import HostPolicy
from runner.job import WorkerJob
from runner.load.locust_runner import LocustRecorder, ShardFlusher
from runner.load.recorder import Recorder
from runner.plan import make_plan
from runner.prepare import prepare_run
from runner.spec import parse_spec
from runner.store import LocalStore, read_shard, shard_keys


def planned_job(tmp_path: Path) -> WorkerJob:
    (tmp_path / "locustfile.py").write_text("")
    spec = parse_spec("name: l\ntarget: http://127.0.0.1:9\nload: {phases: [{duration: 5s, users: 1}]}\n"
                      "locust: {file: locustfile.py}\n", str(tmp_path / "l.yaml"))
    store = LocalStore(tmp_path)
    prepare_run(store, spec, make_plan(spec, "l1", 1, workers=1), {"run_id": "l1"}, "locust", 1.0, None,
                sliced=False, hosts=HostPolicy.local(spec, ()))
    return WorkerJob.from_dict(store.get_json("runs/l1/jobs/0.json")).for_worker(0)


class RefusedHost(Exception):  # as runner.load.locust_hosts raises it (matched by name: no Locust import here)
    def __init__(self, host: str) -> None:
        super().__init__(f"refused: {host}")
        self.host = host


def test_a_request_refused_for_its_host_is_a_refused_host_error_and_names_the_host() -> None:
    recorder = Recorder("run", 0, 0, start_mono_s=0.0)
    events = LocustRecorder(recorder)
    events.on_request("GET", "/steal", 0.0, 0, exception=RefusedHost("evil.test"))
    [window] = recorder.windows.values()
    assert window.endpoints["GET /steal"].errors == {"refused_host": 1}
    assert window.health.refused_hosts == {"evil.test": 1}


class SlowStore(LocalStore):
    """A store whose writes take S3's time and yield to other greenlets while they do, as the
    Locust worker's PUTs to S3 do under gevent."""

    def put_bytes(self, key: str, data: bytes) -> None:
        import gevent
        gevent.sleep(0.2)
        super().put_bytes(key, data)


def test_the_run_s_end_never_cuts_a_flush_in_half_so_no_flush_interval_s_requests_are_lost(tmp_path: Path) -> None:
    """Before: the end of the run killed the periodic flush wherever it was; killed during its PUT,
    the shard it had taken from the recorder was never written, and a second of requests vanished
    from the result (seen on AWS: 76 of 152 requests counted)."""
    import gevent
    job = planned_job(tmp_path)
    store = SlowStore(tmp_path / "slow")
    flusher = ShardFlusher(job, store, time.monotonic(), snapshot=False, max_endpoints=100,
                           named_endpoints=frozenset())
    sent = 0
    for _ in range(10):
        flusher.recording.on_request("GET", "/", 1.0, 0)
        sent += 1
    flusher.start(interval_s=0.05)
    gevent.sleep(0.1)  # the periodic flush is inside its PUT now
    for _ in range(5):
        flusher.recording.on_request("GET", "/", 1.0, 0)
        sent += 1
    flusher.stop()  # as the run's end does, then its final shard
    flusher.flush(final=True)
    shards = [read_shard(store, key) for key in shard_keys(store, job.run_id)]
    assert shards[-1].final
    assert sum(s.requests for shard in shards for w in shard.windows.values() for s in w.endpoints.values()) == sent
