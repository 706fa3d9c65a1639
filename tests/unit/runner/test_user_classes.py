"""Locust-style user classes, random thinks and spawn rates, on the virtual clock."""
from __future__ import annotations

from collections import Counter

import pytest

from runner.load.generator import UserClasses
from runner.spec import SpecError, parse_spec, select_scenarios
from tests.unit.runner.load.test_generator import ok, run

CLASSES = """
target: http://127.0.0.1:1
load: {phases: [{name: users, duration: 10s, users: 4}]}
scenarios:
  - name: login
    weight: 0
    flow: [{post: {url: /login, json: {user: u}, capture: [{json: $.token, as: token}]}}]
  - {name: list, flow: [{get: {url: "/jobs?t={{ token }}", name: list}}]}
  - {name: create, flow: [{post: {url: /jobs, json: {}, name: create}}]}
  - {name: stats, tags: [admin], flow: [{get: {url: /admin/stats, name: stats}}]}
  - {name: burst, flow: [{get: {url: /burst, name: burst}}]}
user_classes:
  - name: regular
    weight: 3
    on_start: login
    wait: 1s
    headers: {Authorization: "Bearer {{ token }}"}
    tasks: {list: 3, create: 1}
  - name: admin
    weight: 1
    pacing: 2s
    tasks: [stats]
    tags: [admin]
  - {name: spike, weight: 0, tasks: [burst], tags: [spike]}
"""


def login_then_ok(method: str, url: str, body: bytes | None):
    return ok({"token": "tk-1"}) if url.endswith("/login") else ok()


def test_users_get_classes_by_weight_run_on_start_once_and_keep_its_captures() -> None:
    run_, engine, _ = run(CLASSES, login_then_ok)
    urls = Counter(url.split("?")[0].removeprefix("http://127.0.0.1:1") for _, _, url in engine.sent)
    assert urls["/login"] == 3  # three regular users, one login each
    assert urls["/burst"] == 0  # weight 0: only when picked by --tags
    # each regular user: a task every ~1.005 s for 10 s; the admin: one every 2 s
    assert 27 <= urls["/jobs"] <= 33 and urls["/admin/stats"] == 5
    sent = list(zip(engine.sent, engine.headers, strict=True))
    lists = [(url, h) for (_, _, url), h in sent if "/jobs?" in url]
    assert lists and all(url.endswith("?t=tk-1") and h["Authorization"] == "Bearer tk-1" for url, h in lists)
    assert all("Authorization" not in h for (_, _, url), h in sent if url.endswith("/admin/stats"))
    assert run_.health.iterations == urls["/jobs"] + urls["/admin/stats"]  # tasks, not logins


def test_a_class_with_pacing_starts_a_task_every_pacing_seconds() -> None:
    _, engine, _ = run(CLASSES, login_then_ok)
    times = [t for t, _, url in engine.sent if url.endswith("/admin/stats")]
    assert times == pytest.approx([0.0, 2.0, 4.0, 6.0, 8.0])


@pytest.mark.parametrize("users", [4, 11, 55, 1000])
def test_any_number_of_users_splits_between_classes_as_exactly_as_it_can(users: int) -> None:
    spec = parse_spec(CLASSES, "t.yaml")
    classes = UserClasses(spec.user_classes, {s.name: s for s in spec.scenarios})
    given = Counter(classes.for_user(i).name for i in range(users))
    assert set(given) == {"regular", "admin"}  # weight 0: never given
    assert abs(given["regular"] - users * 0.75) < 1 and given["regular"] + given["admin"] == users


def test_tags_pick_classes_and_a_weight_0_class_runs_only_when_named() -> None:
    spec = parse_spec(CLASSES, "t.yaml")
    spike = select_scenarios(spec, ("spike",), ())
    assert [(k.name, k.weight) for k in spike.user_classes] == [("spike", 1.0)]
    assert [s.name for s in spike.scenarios] == ["burst"]
    admin = select_scenarios(spec, ("admin",), ())
    assert [k.name for k in admin.user_classes] == ["admin"]
    no_admin = select_scenarios(spec, (), ("admin",))
    assert [k.name for k in no_admin.user_classes] == ["regular"]
    assert {s.name for s in no_admin.scenarios} == {"login", "list", "create", "burst"}


def test_a_random_think_is_uniform_in_its_range() -> None:
    spec = """
target: http://127.0.0.1:1
load: {phases: [{duration: 30s, users: 1}]}
scenarios: [{flow: [{get: /a}, {think: 1s..3s}]}]
"""
    _, engine, _ = run(spec, lambda m, u, b: ok(delay_s=0.0))
    gaps = [b[0] - a[0] for a, b in zip(engine.sent, engine.sent[1:], strict=False)]
    assert all(1.0 <= gap <= 3.0 for gap in gaps) and max(gaps) - min(gaps) > 1.0
    assert 1.7 <= sum(gaps) / len(gaps) <= 2.3


def test_a_spawn_rate_starts_users_one_after_another() -> None:
    spec = """
target: http://127.0.0.1:1
load: {phases: [{duration: 5s, users: 10, spawn_rate: 4/s}]}
scenarios: [{flow: [{get: /a}, {think: 10s}]}]
"""
    _, engine, _ = run(spec, lambda m, u, b: ok(delay_s=0.0), workers=1)
    assert [t for t, _, _ in engine.sent] == pytest.approx([k / 4 for k in range(10)])


@pytest.mark.parametrize("change, mistake, problem", [
    ("    tasks: {list: 3, create: 1}", "    tasks: {list: 3, nope: 1}",
     "t.yaml:18: user_classes[0].tasks: no scenario named 'nope' (scenarios: burst, create, list, login, stats)"),
    ("    pacing: 2s", "    pacing: 2s\n    wait: 1s",
     "t.yaml:19: user_classes[1]: has both 'wait' (after each task) and 'pacing' (a task every N s): choose one"),
    ("    on_start: login", "    on_start: logon",
     "t.yaml:15: user_classes[0].on_start: no scenario named 'logon' (scenarios: burst, create, list, login, stats)"),
])
def test_user_class_mistakes_are_spec_problems(change: str, mistake: str, problem: str) -> None:
    with pytest.raises(SpecError) as caught:
        parse_spec(CLASSES.replace(change, mistake), "t.yaml")
    assert problem in [str(p) for p in caught.value.problems]


def test_user_classes_need_a_closed_model_phase() -> None:
    with pytest.raises(SpecError, match="user classes run in closed-model phases"):
        parse_spec(CLASSES.replace("users: 4}", "rate: 4}"), "t.yaml")


def test_a_task_may_use_what_its_class_s_on_start_captured_but_nothing_else_may() -> None:
    parse_spec(CLASSES, "t.yaml")  # list uses {{ token }}, captured by login, regular's on_start
    with pytest.raises(SpecError, match="uses '{{ token }}' before anything defines it"):
        parse_spec(CLASSES.replace("tasks: [stats]", "tasks: [stats, list]"), "t.yaml")


def test_a_fixed_number_of_iterations_is_shared_by_the_users_and_then_the_run_ends() -> None:
    """Seed 004's `hey -n 100 -c 10`: ten clients, a hundred requests in total."""
    spec = """
target: http://127.0.0.1:1
load: {phases: [{duration: 1m, users: 10, iterations: 100}]}
scenarios: [{flow: [{get: /health}]}]
"""
    for workers, worker in ((1, 0), (2, 0), (2, 1)):
        run_, engine, _ = run(spec, lambda m, u, b: ok(delay_s=0.05), workers=workers, worker_index=worker)
        assert len(engine.sent) == run_.health.iterations == 100 // workers
        assert max(t for t, _, _ in engine.sent) < 1.0  # done in half a second, not after the minute


def test_iterations_belong_to_users_phases() -> None:
    with pytest.raises(SpecError, match="only a users phase has a number of iterations"):
        parse_spec("target: http://127.0.0.1:1\nload: {phases: [{duration: 1m, rate: 5/s, iterations: 3}]}\n"
                   "scenarios: [{flow: [{get: /}]}]\n", "t.yaml")
