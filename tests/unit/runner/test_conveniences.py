"""--set overrides, scenario tags, and project defaults from squall.toml / pyproject / SQUALL_*."""
from __future__ import annotations

from pathlib import Path

import pytest

from runner.job import WorkerJob, spec_document
from runner.plan import make_plan
from runner.spec import SpecError, load_spec, select_scenarios

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


def test_set_overrides_a_phase_by_its_name_and_any_other_value() -> None:
    spec = load_spec(EXAMPLES / "quickstart.yaml", overrides=("load.phases.sustained.rate=200/s",
                                                              "target.timeout=2s", "load.phases.0.duration=1s"))
    assert [p.start for p in spec.phases if p.name == "sustained"] == [200.0]
    assert spec.target.timeout_s == 2.0 and spec.phases[0].duration_s == 1.0


@pytest.mark.parametrize("assignment, message", [
    ("load.phases.steady.rate=1", "no item 'steady' at load.phases.steady (names: warm-up, ramp, sustained, cool-down)"),
    ("load.phases", "write PATH=VALUE"),
    ("name.x=1", "name is a value, not a map or a list"),
])
def test_a_bad_override_is_a_clear_spec_error(assignment: str, message: str) -> None:
    with pytest.raises(SpecError) as caught:
        load_spec(EXAMPLES / "quickstart.yaml", overrides=(assignment,))
    assert message in str(caught.value)


def test_an_overridden_value_is_validated_like_any_other() -> None:
    with pytest.raises(SpecError, match="load.phases\\[2\\].rate: 'lots' is not a rate"):
        load_spec(EXAMPLES / "quickstart.yaml", overrides=("load.phases.sustained.rate=lots",))


def test_tags_select_scenarios(tmp_path: Path) -> None:
    (tmp_path / "t.yaml").write_text("""
target: http://127.0.0.1:1
load: {phases: [{duration: 1s, rate: 1}]}
scenarios:
  - {name: read, tags: [smoke, read], flow: [{get: /a}]}
  - {name: write, tags: [write], flow: [{post: /b}]}
  - {name: untagged, flow: [{get: /c}]}
""")
    spec = load_spec(tmp_path / "t.yaml")
    assert [s.name for s in select_scenarios(spec, ("smoke",), ()).scenarios] == ["read"]
    assert [s.name for s in select_scenarios(spec, (), ("write",)).scenarios] == ["read", "untagged"]
    with pytest.raises(SpecError, match="no scenario left after --tags/--exclude-tags \\(tags in this spec: read, "
                                        "smoke, write\\)"):
        select_scenarios(spec, ("nope",), ())


TAGGED = """
target: http://127.0.0.1:1
load: {phases: [{duration: 1s, rate: 1}]}
scenarios:
  - {name: read, weight: 3, tags: [smoke], flow: [{get: /a}]}
  - {weight: 1, tags: [write], flow: [{post: /b}]}
  - {name: spike, weight: 0, tags: [spike], flow: [{get: /s}]}
  - {weight: 0, tags: [spike], flow: [{get: /t}]}
"""


def test_the_workers_job_holds_only_the_selected_scenarios_under_their_own_names(tmp_path: Path) -> None:
    """--tags reached validate and plan but not the job the workers load: they ran everything."""
    (tmp_path / "t.yaml").write_text(TAGGED)
    selected = select_scenarios(load_spec(tmp_path / "t.yaml"), ("write",), ())
    job = WorkerJob("r", 0, 0, 0.0, "fast", 1.0, 0.0, 1.0, spec_document(selected), {})
    assert [(s.name, s.weight) for s in job.load_spec().scenarios] == [("scenario-2", 1.0)]


def test_selecting_only_weight_0_scenarios_runs_them_evenly(tmp_path: Path) -> None:
    """Locust's weight-0 class: it runs only when picked, and then it is all there is."""
    (tmp_path / "t.yaml").write_text(TAGGED)
    selected = select_scenarios(load_spec(tmp_path / "t.yaml"), ("spike",), ())
    assert [(s.name, s.weight) for s in selected.scenarios] == [("spike", 1.0), ("scenario-4", 1.0)]
    job = WorkerJob("r", 0, 0, 0.0, "fast", 1.0, 0.0, 1.0, spec_document(selected), {})
    assert [(s.name, s.weight) for s in job.load_spec().scenarios] == [("spike", 1.0), ("scenario-4", 1.0)]
    make_plan(selected, "r", seed=1, workers=1)  # was a ZeroDivisionError


def test_a_locustfile_given_as_a_spec_is_named_for_what_it_is(tmp_path: Path) -> None:
    """It used to say `locustfile.py:3: invalid YAML` and nothing more."""
    (tmp_path / "locustfile.py").write_text("from locust import HttpUser, task\n\n\nclass Api(HttpUser):\n"
                                            "    @task\n    def index(self):\n        self.client.get('/')\n")
    with pytest.raises(SpecError, match="this is Python \\(a locustfile\\?\\), not a spec: Squall runs YAML specs"):
        load_spec(tmp_path / "locustfile.py")


def test_random_string_is_letters_and_digits_of_the_length_asked() -> None:
    import random

    from runner.templating import Template, unknown_built_in
    text = Template("{{ $random_string(12) }}").render({}, random.Random(1))
    assert len(text) == 12 and text.isalnum()
    assert unknown_built_in("$random_string(0)") is not None and unknown_built_in("$random_string(5)") is None
