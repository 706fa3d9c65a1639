"""Artillery scripts into Squall specs: every construct the issue lists, and an honest list
of what could not be converted."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from runner.importers.artillery import convert_artillery, looks_like_artillery
from runner.importers.artillery_shape import ScriptError
from runner.spec import SpecError, load_spec, parse_spec
from runner.spec.model import Request, Think

SCRIPT = Path(__file__).resolve().parents[3] / "data" / "artillery" / "image-api.yml"


def converted() -> tuple[dict, list[str]]:
    spec, unconverted, _ = convert_artillery(yaml.safe_load(SCRIPT.read_text()), "image-api", SCRIPT.parent)
    return spec, unconverted


def test_config_phases_variables_and_payload_are_converted() -> None:
    spec, _ = converted()
    assert spec["target"] == {"url": "http://127.0.0.1:8080", "timeout": "8s",
                              "headers": {"User-Agent": "artillery-migrated", "X-Tenant": "{{ tenant }}"}}
    assert spec["load"]["phases"] == [
        {"name": "Warm up", "duration": "10s", "rate": "2/s"},
        {"name": "Ramp", "duration": "20s", "rate": "2/s", "ramp_to": "10/s"},
        {"name": "Steady by count", "duration": "30s", "rate": "10/s"},  # 300 arrivals over 30 s
        {"name": "phase-4", "duration": "5s", "pause": True}]
    assert spec["data"]["prompt"] == {"values": ["a lighthouse", "a fox in the snow"], "order": "random"}
    assert spec["data"]["tenant"] == {"values": ["acme"], "order": "random"}
    assert spec["data"]["payload"] == {"values": [{"username": "ada", "token": "t-1"},
                                                  {"username": "bob", "token": "t-2"}], "order": "sequence"}


def test_flows_with_captures_bodies_and_think_are_converted() -> None:
    spec, _ = converted()
    generate = spec["scenarios"][0]
    assert (generate["name"], generate["weight"]) == ("Generate and poll", 5)
    post = generate["flow"][0]["post"]
    assert post["headers"] == {"Authorization": "Bearer {{ payload.token }}"}
    assert post["json"] == {"prompt": "{{ prompt }}", "user": "{{ payload.username }}",
                            "seed": "{{ $random_int(1, 1000) }}"}
    assert post["capture"] == [{"json": "$.jobId", "as": "jobId"}, {"header": "x-request-id", "as": "requestId"}]
    assert generate["flow"][1] == {"think": "1s"}
    assert generate["flow"][2] == {"get": {"url": "/status/{{ jobId }}", "query": {"verbose": "1"}}}
    browse = [list(step)[0] for step in spec["scenarios"][1]["flow"]]
    assert browse == ["get", "put", "patch", "delete", "loop"]
    assert post["expect"] == {"status": 202}
    assert spec["scenarios"][1]["flow"][1]["put"]["form"] == {"title": "renamed"}


def test_ensure_becomes_thresholds() -> None:
    spec, _ = converted()
    assert spec["thresholds"] == ["p95 < 800ms", "error_rate <= 1%", "p99 < 2000ms",
                                  {"check": "median < 200ms", "severity": "should"},
                                  {"check": "rps > 5", "severity": "should"}]


def test_what_cannot_be_converted_is_listed_not_dropped() -> None:
    _, unconverted = converted()
    assert unconverted == [
        "scenarios[0].beforeScenario: JavaScript hooks are not converted",
        "scenarios[0].flow[3].function: not converted (functions, log, loop and parallel have no Squall "
        "equivalent; write the steps out)",
        "config.ensure.conditions[1]: 'vusers.failed == 0' is not converted",
        "config.processor: not supported (JavaScript processors and other engines have no Squall equivalent)",
    ]


def test_the_converted_script_is_a_valid_spec_and_runs_as_one() -> None:
    assert looks_like_artillery(yaml.safe_load(SCRIPT.read_text()))
    spec = load_spec(SCRIPT)
    assert spec.notes[0].endswith("is an Artillery script, converted (`squall import artillery` writes the spec)")
    assert len(spec.notes) == 8 and spec.notes[-2:] == (
        "built in: config.plugins.expect: Squall checks expect on each request",
        "built in: config.plugins.ensure: its checks became thresholds")
    assert [s.name for s in spec.scenarios] == ["Generate and poll", "Browse"]
    post, think, get = spec.scenarios[0].flow
    assert isinstance(post, Request) and isinstance(think, Think) and isinstance(get, Request)
    assert spec.target.timeout_s == 8.0 and spec.duration_s == 65.0


ENVIRONMENTS = """
config:
  target: "http://127.0.0.1:8080"
  phases: [{duration: 60, arrivalRate: 5}]
  plugins: {metrics-by-endpoint: {}, expect: {}}
  ensure: {p95: 200, thresholds: [{http.response_time.p95: 200}]}
  environments:
    staging: {target: "http://127.0.0.1:9090", phases: [{duration: 120, arrivalRate: 20}]}
    functional: {}
scenarios:
  - flow:
      - post:
          url: /login
          json: {key: "{{ $processEnvironment.API_KEY }}"}
          cookie: {tenant: acme}
          expect: [{statusCode: 200}, {contentType: json}, {hasProperty: token}]
          match: {json: "$.role", value: admin}
      - loop:
          - get: {url: "/thumb?size={{ $loopElement }}"}
        over: [s, m, l]
"""


def test_environments_become_profiles_and_checks_loops_cookies_and_env_carry_over() -> None:
    spec, unconverted, built_in = convert_artillery(yaml.safe_load(ENVIRONMENTS), "envs", SCRIPT.parent)
    assert spec["profiles"]["staging"] == {"target": {"url": "http://127.0.0.1:9090"},
                                           "load": {"phases": [{"name": "phase-1", "duration": "120s", "rate": "20/s"}]}}
    # an environment without phases keeps the script's: Artillery merges the environment over the config
    # (checkConfig: _.merge(script.config, script.config.environments[name])); before, it ran one user once
    assert spec["profiles"]["functional"] == {}
    post = spec["scenarios"][0]["flow"][0]["post"]
    assert post["json"] == {"key": "{{ $env.API_KEY }}"} and post["cookies"] == {"tenant": "acme"}  # the jar
    assert post["expect"] == {"status": 200, "content_type": "application/json", "has": ["$.token"],
                              "json": {"$.role": "admin"}}
    assert spec["scenarios"][0]["flow"][1] == {"loop": {"flow": [{"get": {"url": "/thumb?size={{ loopElement }}"}}],
                                                        "over": ["s", "m", "l"], "as": "loopElement"}}
    assert spec["thresholds"] == ["p95 < 200ms"]  # ensure's p95 and its thresholds' p95: once
    assert unconverted == []
    assert built_in == ["virtual users that started finish their scenario after the last phase, as under Artillery, "
                        "for up to 2m (limits.drain: Artillery has no bound)",
                        "config.plugins.metrics-by-endpoint: Squall reports every endpoint by name",
                        "config.plugins.expect: Squall checks expect on each request"]


def test_an_artillery_environment_is_picked_with_e(tmp_path: Path) -> None:
    (tmp_path / "script.yml").write_text(ENVIRONMENTS)
    staging = load_spec(tmp_path / "script.yml", profile="staging")
    assert staging.target.base_url == "http://127.0.0.1:9090" and staging.phases[0].start == 20.0
    functional = load_spec(tmp_path / "script.yml", profile="functional")
    assert [(p.kind, p.start, p.duration_s) for p in functional.phases] == [("rate", 5.0, 60.0)]


ENVIRONMENT_DRIVEN = """
config:
  target: "{{ $processEnvironment.TARGET }}"
  apdex: {threshold: 100}
  payload: {path: users.csv, fields: [name], loadAll: true, name: people}
  phases:
    - {duration: "{{ $processEnvironment.DURATION }}", arrivalRate: 2}
  environments:
    staging:
      phases: [{duration: "{{ $processEnvironment.DURATION }}", arrivalRate: "{{ $processEnvironment.RATE }}"}]
scenarios:
  - flow:
      - post:
          url: /orders
          json: {ref: "{{ $randomString() }}", code: "{{ $randomString(6) }}", when: "{{ $localTime }}"}
          expect: [{statusCode: "{{ $processEnvironment.OK }}"}]
"""


def test_what_artillery_reads_from_the_environment_at_its_start_is_read_at_load(tmp_path: Path) -> None:
    """Before: templates in phases failed the whole import, a templated statusCode crashed it
    ('invalid literal for int()'), and $processEnvironment in target was copied through."""
    (tmp_path / "users.csv").write_text("name\nada\n")
    environ = {"TARGET": "http://127.0.0.1:9", "DURATION": "30", "RATE": "5", "OK": "201"}
    spec, unconverted, built_in = convert_artillery(yaml.safe_load(ENVIRONMENT_DRIVEN), "env", tmp_path,
                                                    environ=environ)
    # the target stays a reference (an import writes it, not this machine's value); a run reads it at load
    assert spec["target"]["url"] == "{{ $env.TARGET }}"
    (tmp_path / "env.yml").write_text(ENVIRONMENT_DRIVEN)
    assert parse_spec(ENVIRONMENT_DRIVEN, str(tmp_path / "env.yml"), environ=environ).target.base_url == \
        "http://127.0.0.1:9"
    assert spec["load"]["phases"] == [{"name": "phase-1", "duration": "30s", "rate": "2/s"}]
    assert spec["profiles"]["staging"]["load"]["phases"][0]["rate"] == "5/s"
    post = spec["scenarios"][0]["flow"][0]["post"]
    assert post["expect"] == {"status": 201}
    assert post["json"]["ref"] == "{{ $random_string(10) }}" and post["json"]["code"] == "{{ $random_string(6) }}"
    assert any("$randomString() without a length" in b for b in built_in)
    # what was dropped is said, each with its place: never "every construct was converted"
    said = "\n".join(unconverted)
    for where in ("config.apdex", "config.payload[0].loadAll", "config.payload[0].name", "{{ $localTime }}"):
        assert where in said, where


def test_a_variable_that_is_not_set_is_named_not_a_traceback(tmp_path: Path) -> None:
    """A phase that cannot be converted is a located problem: leaving it out would change the load
    (before: the phase was dropped, and a script left with none ran the ten-minute fallback)."""
    (tmp_path / "users.csv").write_text("name\nada\n")
    with pytest.raises(ScriptError) as refused:
        convert_artillery(yaml.safe_load(ENVIRONMENT_DRIVEN), "env", tmp_path, environ={})
    assert refused.value.path == ("config", "phases", 0)
    assert "config.phases[0].duration: uses {{ $processEnvironment.DURATION }}, which is not set in the " \
           "environment" in refused.value.message
    (tmp_path / "env.yml").write_text(ENVIRONMENT_DRIVEN)
    with pytest.raises(SpecError) as located:
        parse_spec(ENVIRONMENT_DRIVEN, str(tmp_path / "env.yml"), environ={})
    assert str(located.value).startswith(f"{tmp_path / 'env.yml'}:7: config.phases[0]: cannot be converted")
    _, unconverted, _ = convert_artillery(yaml.safe_load(ENVIRONMENT_DRIVEN), "env", tmp_path,
                                          environ={"DURATION": "30", "RATE": "5", "TARGET": "http://127.0.0.1:9"})
    assert any("expect.statusCode: not converted" in item for item in unconverted)


def test_an_undefined_variable_is_sent_as_artillery_sends_it_and_said_once(tmp_path: Path) -> None:
    """Artillery's renderVariables puts the text 'undefined' for a name with no value and sends the
    request (packages/commons/engine_util.js); before, Squall refused the script."""
    script = yaml.safe_load("""
config:
  target: http://127.0.0.1:9
  variables: {known: [1]}
scenarios:
  - flow:
      - get: {url: "/a/{{ missing }}/{{ known }}", capture: {json: $.id, as: id}}
      - get: {url: "/b/{{ id }}?x={{ missing }}&d={{ $dirname }}"}
""")
    spec, unconverted, _ = convert_artillery(script, "s", tmp_path)
    flow = spec["scenarios"][0]["flow"]
    assert flow[0]["get"]["url"] == "/a/undefined/{{ known }}"
    assert flow[1]["get"]["url"] == f"/b/{{{{ id }}}}?x=undefined&d={tmp_path.resolve()}"
    assert [u for u in unconverted if "missing" in u] == [
        "{{ missing }}: not defined in the script (no variable, payload field or capture): sent as the text "
        "'undefined', as Artillery sends it"]


def test_a_problem_of_a_converted_script_is_at_the_script_s_line_in_its_keys(tmp_path: Path) -> None:
    """Before: `script.yml (converted from Artillery):1: load.phases[1].rate: …`."""
    script = ("config:\n  target: http://127.0.0.1:9\n  phases:\n    - {duration: 2, arrivalRate: 1}\n"
              "    - {duration: 2, arrivalRate: -4}\nscenarios:\n  - flow:\n      - get: {url: /x}\n")
    with pytest.raises(SpecError) as refused:
        parse_spec(script, "script.yml")
    [problem] = refused.value.problems
    assert (problem.file, problem.line, problem.path) == ("script.yml", 5, "config.phases[1].arrivalRate")
