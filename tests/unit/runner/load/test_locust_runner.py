"""Locust's request events as Squall counts them (runner/load/locust_runner.py), no Locust needed."""
from __future__ import annotations

from runner.load.locust_runner import LocustRecorder
from runner.load.recorder import Recorder


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
