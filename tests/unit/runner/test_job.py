"""A worker's job: what the store carries to a worker process or a Lambda worker. It goes through
its JSON form unchanged, and the spec it carries is self-contained (the data inlined, the target
as the run points it) so the worker builds the same spec with no file to read."""
from __future__ import annotations

import json
from pathlib import Path

from runner.job import WorkerJob, job_key, spec_document
from runner.spec import load_spec


def test_a_job_goes_through_its_json_form_and_loads_the_same_spec_with_no_file_to_read(tmp_path: Path) -> None:
    (tmp_path / "ids.csv").write_text("id\n7\n8\n")
    (tmp_path / "s.yaml").write_text("""
target: http://127.0.0.1:8080
load: {phases: [{duration: 5s, rate: 2/s}]}
data: {ids: {csv: ids.csv, order: sequence}}
scenarios: [{flow: [{get: "/items/{{ ids.id }}"}]}]
""")
    spec = load_spec(tmp_path / "s.yaml")
    document = spec_document(spec, target_url="http://127.0.0.1:9090")
    (tmp_path / "ids.csv").unlink()
    job = WorkerJob("run-1", 1, 0, None, "fast", 1.0, 840.0, 60.0, document, {"workers": 2},
                    allowed_hosts=("api.example.com",), allow_loopback=True)
    again = WorkerJob.from_dict(json.loads(json.dumps(job.to_dict())))
    assert again == job and again.allowed_hosts == ("api.example.com",)
    assert again.key == job_key("run-1", 1) == "runs/run-1/jobs/1.json"
    assert again.for_worker(3).worker_index == 3 and again.for_worker(3).key == job.key  # one job per slice
    carried = again.load_spec()
    assert carried.target.base_url == "http://127.0.0.1:9090"
    assert [d.rows for d in carried.data] == [({"id": "7"}, {"id": "8"})] and carried.data[0].order == "sequence"
