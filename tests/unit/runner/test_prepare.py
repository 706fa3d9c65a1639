"""A planned run written into the store: its spec, plan and meta, one job per slice (each worker
told its index by the slice's manifest, what the Distributed Map reads), or one slice when local."""
from __future__ import annotations

from pathlib import Path

from runner.guardrails import HostPolicy
from runner.job import WorkerJob
from runner.plan import make_plan
from runner.prepare import prepare_run, slice_manifest_key
from runner.spec import parse_spec
from runner.store import LocalStore, run_prefix

SPEC = ("name: p\ntarget: http://127.0.0.1:9\nload: {phases: [{duration: 20s, rate: 10/s}]}\n"
        "scenarios: [{flow: [{get: /}]}]\n")


def prepared(tmp_path: Path, sliced: bool) -> tuple[LocalStore, list]:
    spec = parse_spec(SPEC, "p.yaml")
    plan = make_plan(spec, "p1", 1, workers=3, slice_s=10)
    store = LocalStore(tmp_path)
    slices = prepare_run(store, spec, plan, {"run_id": "p1"}, "fast", 1.0, 1_000.0, sliced=sliced,
                         hosts=HostPolicy.local(spec, ()))
    return store, slices


def test_on_aws_a_job_and_a_manifest_per_slice(tmp_path: Path) -> None:
    store, slices = prepared(tmp_path, sliced=True)
    assert [(s.index, s.offset_s, s.duration_s) for s in slices] == [(0, 0.0, 10.0), (1, 10.0, 10.0)]
    for s in slices:
        manifest = store.get_json(slice_manifest_key("p1", s.index))
        assert [item["worker"] for item in manifest] == [0, 1, 2]
        job = WorkerJob.from_dict(store.get_json(manifest[0]["job_key"]))
        assert (job.slice_index, job.slice_offset_s, job.slice_duration_s, job.engine) == (s.index, s.offset_s, 10.0,
                                                                                          "fast")
    for name in ("spec.json", "plan.json", "meta.json"):
        assert store.exists(run_prefix("p1") + name)


def test_locally_one_slice_for_the_whole_run(tmp_path: Path) -> None:
    _, slices = prepared(tmp_path, sliced=False)
    assert [(s.index, s.offset_s, s.duration_s) for s in slices] == [(0, 0.0, 20.0)]
