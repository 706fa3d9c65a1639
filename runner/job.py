"""A worker job: everything one worker needs. One JSON document per time slice in the store
(``runs/<run_id>/jobs/<slice>.json``), shared by the slice's workers: each is told its own
index beside the job's key (the Distributed Map's item), so Plan writes one object per slice,
not one per worker.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

from runner.spec import Spec, inline_data
from runner.spec.validate import build_spec
from runner.spec.yamlsource import Source


@dataclass(frozen=True)
class WorkerJob:
    run_id: str
    slice_index: int
    worker_index: int
    # Wall clock instant the slice's load starts, the same for every worker of the slice.
    # None when it is only known at run time (on AWS the slice's Map state passes it in).
    start_at_epoch_s: float | None
    engine: str
    flush_interval_s: float
    slice_offset_s: float  # where the slice starts, from the run's start
    slice_duration_s: float
    spec: dict[str, Any]  # the validated spec's document, data inlined
    plan: dict[str, Any]
    # The hosts this worker may send to (runner.guardrails.HostPolicy), checked per request.
    allowed_hosts: tuple[str, ...] = ()
    allow_loopback: bool = False

    @property
    def key(self) -> str:
        return job_key(self.run_id, self.slice_index)

    def for_worker(self, worker_index: int) -> WorkerJob:
        return replace(self, worker_index=worker_index)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> WorkerJob:
        return cls(**{**data, "allowed_hosts": tuple(data.get("allowed_hosts", ()))})

    def load_spec(self) -> Spec:
        return build_spec(Source(f"{self.run_id}/spec.json", self.spec), None)  # data is inlined


def job_key(run_id: str, slice_index: int) -> str:
    return f"runs/{run_id}/jobs/{slice_index}.json"


def spec_document(spec: Spec, target_url: str | None = None) -> dict[str, Any]:
    """The spec as a self-contained document: CSV data inlined, target override applied."""
    document: dict[str, Any] = inline_data(dict(spec.raw or {}), spec.data)
    raw_target = document.get("target")
    target: dict[str, Any] = {"url": raw_target} if isinstance(raw_target, str) else dict(raw_target or {})
    target["url"] = target_url or spec.target.base_url
    document["target"] = target
    return document
