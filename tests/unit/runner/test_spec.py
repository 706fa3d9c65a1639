from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from runner.spec import SpecError, load_spec, parse_spec
from runner.spec.model import Request, Think

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"

MINIMAL = """
target: http://127.0.0.1:8080
load:
  phases:
    - {duration: 10s, rate: 5/s}
scenarios:
  - flow:
      - get: /health
"""


def problems(text: str) -> list[str]:
    with pytest.raises(SpecError) as caught:
        parse_spec(textwrap.dedent(text), "t.yaml")
    return [str(p) for p in caught.value.problems]


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.glob("*.yaml")))
def test_every_example_is_valid(name: str) -> None:
    spec = load_spec(EXAMPLES / name)
    assert spec.phases and spec.scenarios


def test_a_minimal_spec_gets_sensible_defaults() -> None:
    spec = parse_spec(MINIMAL, "minimal.yaml")
    assert spec.name == "minimal"
    assert spec.target.timeout_s == 10.0 and spec.target.verify_tls
    step = spec.scenarios[0].flow[0]
    assert isinstance(step, Request) and step.name == "GET /health" and step.expect is None


def test_the_quickstart_reads_as_written() -> None:
    spec = load_spec(EXAMPLES / "quickstart.yaml")
    assert [p.name for p in spec.phases] == ["warm-up", "ramp", "sustained", "cool-down"]
    assert [(p.start, p.end) for p in spec.phases] == [(5, 5), (5, 40), (40, 40), (40, 5)]
    assert [s.weight for s in spec.scenarios] == [50, 30, 10, 10]
    generate, think, status = spec.scenarios[0].flow
    assert isinstance(generate, Request) and generate.captures[0].variable == "jobId"
    assert isinstance(think, Think) and think.duration_s == 0.2
    assert isinstance(status, Request) and status.name == "GET /status/{id}"
    assert [t.text for t in spec.thresholds] == ["error_rate < 1%", "p95 < 5s", "p99 < 10s"]
    assert spec.thresholds[2].severity == "should"


def test_every_problem_is_reported_at_once_with_file_line_and_field() -> None:
    assert problems("""
        name: bad
        target:
          url: ftp://x
          timout: 5s
        load:
          phases:
            - duration: 10s
              rate: -5/s
            - duration: 5m
              users: 3
              rate: 4
        scenarios:
          - name: a
            flow:
              - gett: /x
              - get:
                  url: /status/{{ jobId }}
        thresholds:
          - p95 < 5 parsecs
          - check: p99 < 1s
            endpoint: GET /statuss
            severity: must-ish
        """) == [
        "t.yaml:4: target.url: 'ftp://x': must be an http:// or https:// URL with a host",
        "t.yaml:5: target.timout: unknown key (did you mean 'timeout'?)",
        "t.yaml:9: load.phases[0].rate: '-5/s' is not a rate (write 100/s, 6000/min or a number per second)",
        "t.yaml:10: load.phases[1]: needs exactly one of 'rate' (open model), 'users' (closed model) or "
        "'pause: true', got rate and users",
        "t.yaml:16: scenarios[0].flow[0].gett: unknown step (did you mean 'get'?)",
        "t.yaml:17: scenarios[0].flow[1].get: uses '{{ jobId }}' before anything defines it "
        "(capture it in an earlier step or add it under data)",
        "t.yaml:20: thresholds[0]: cannot read 'p95 < 5 parsecs' (write it as 'METRIC OP VALUE', e.g. 'p95 < 500ms')",
        "t.yaml:22: thresholds[1].endpoint: no request is named 'GET /statuss' "
        "(did you mean 'GET /status/{{ jobId }}'?)",
        "t.yaml:23: thresholds[1].severity: must be 'must' (fails the run) or 'should' (warns), got 'must-ish'",
    ]


@pytest.mark.parametrize("text, expected", [
    ("target: {url: 'http://h'}\nload: {phases: []}\nscenarios: []\n",
     ["t.yaml:2: load.phases: must be a non-empty list of phases",
      "t.yaml:3: scenarios: must be a non-empty list of scenarios"]),
    ("tarjet: http://h\n", [
        "t.yaml:1: tarjet: unknown key (did you mean 'target'?)", "t.yaml:1: missing required key 'target'",
        "t.yaml:1: missing required key 'load'", "t.yaml:1: missing required key 'scenarios'"]),
    ("target: http://h\nload:\n  phases: [{duration: 0s, rate: 0/s}]\nscenarios: [{flow: [{get: /}]}]\n",
     ["t.yaml:3: load.phases[0].duration: must be > 0, got 0s",
      "t.yaml:3: load.phases[0].rate: must be > 0, got 0/s (use 'pause: true' for a phase without load)"]),
    ("target: http://h\nload: {phases: [{duration: 1s, rate: 1}]}\n"
     "scenarios: [{flow: [{post: {url: /, json: {}, form: {a: 1}}}]}]\n",
     ["t.yaml:3: scenarios[0].flow[0].post: has both 'json' and 'form'; a request has one body"]),
    ("target: http://h\nload: {phases: [{duration: 1s, rate: 1}]}\n"
     "scenarios: [{flow: [{get: {url: /, expect: [200, 999]}}]}]\n",
     ["t.yaml:3: scenarios[0].flow[0].get.expect: must be a status code or a list of them (100-599), "
      "got a list"]),
    ("target: http://h\nload: {phases: [{duration: 1s, rate: 1}]}\nscenarios: [{flow: [{get: /}]}]\n"
     "aws: {resources: {lambda: [fn]}, settle: 15m}\n",
     ["t.yaml:4: aws.settle: at most 8m (the collect function has 10 minutes to wait for the metrics, merge and "
      "write the reports)"]),
    ("target: http://h\nload: {phases: [{duration: 1s, rate: 1}]}\n"
     "scenarios: [{flow: [{get: {url: /, headers: {X-A: \"a\\r\\nX-B: b\"}}}]}]\n",
     ["t.yaml:3: scenarios[0].flow[0].get.headers.X-A: a header value cannot hold a line break or NUL (it would "
      "split the request)"]),
    ("target: {url: http://h, headers: {X-T: \"t\\ny\"}}\nload: {phases: [{duration: 1s, rate: 1}]}\n"
     "scenarios: [{flow: [{get: /}]}]\n",
     ["t.yaml:1: target.headers.X-T: a header value cannot hold a line break or NUL (it would split the request)"]),
    # a name that is not a token forges headers (it arrived as a separate `X-Injected: 1`, or as `x-b: c: d`)
    ("target: http://h\nload: {phases: [{duration: 1s, rate: 1}]}\n"
     "scenarios: [{flow: [{get: {url: /, headers: {\"X-A\\r\\nX-Injected\": \"1\", \"X-B: c\": d}}}]}]\n",
     ["t.yaml:3: scenarios[0].flow[0].get.headers.X-A\r\nX-Injected: a header name is letters, digits and "
      "!#$%&'*+-.^_`|~ only (no spaces, colons or line breaks: they would forge other headers)",
      "t.yaml:3: scenarios[0].flow[0].get.headers.X-B: c: a header name is letters, digits and !#$%&'*+-.^_`|~ only "
      "(no spaces, colons or line breaks: they would forge other headers)"]),
    ("target: {url: http://h, headers: {Host: other, content-length: \"5\", Transfer-Encoding: chunked}}\n"
     "load: {phases: [{duration: 1s, rate: 1}]}\nscenarios: [{flow: [{get: /}]}]\n",
     [f"t.yaml:1: target.headers.{name}: {name} is written by the engine from the URL and the body; a second one "
      f"makes servers refuse the request or read it as two (leave it out)"
      for name in ("Host", "content-length", "Transfer-Encoding")]),
    ("target: {url: http://h, headers: {X-K: \"{{ $processEnvironment.KEY }}\"}}\n"
     "load: {phases: [{duration: 1s, rate: 1}]}\n"
     "scenarios: [{flow: [{get: {url: \"/?a={{ $envy }}&b={{ $env.OK }}\", headers: {X-N: \"{{ $now }}\"}}}]}]\n",
     ["t.yaml:1: target.headers.X-K: '{{ $processEnvironment.KEY }}': Artillery's $processEnvironment is written "
      "{{ $env.KEY }} here",
      "t.yaml:3: scenarios[0].flow[0].get: '{{ $envy }}': an environment variable is written {{ $env.NAME }} "
      "(letters, digits and _)",
      "t.yaml:3: scenarios[0].flow[0].get: '{{ $now }}': not a built-in (they are: $uuid, $worker, $iteration, "
      "$random_int(LOW,HIGH), $random_string(LENGTH), $env.NAME)"]),
    ("a: [1, 2\n", ["t.yaml:2: invalid YAML: expected ',' or ']', but got '<stream end>'"]),
    ("target: http://h\ntarget: http://i\n", ["t.yaml:2: target: duplicate key"]),
    ("&a [*a]\n", ["t.yaml:1: invalid YAML: an alias refers to a node that contains it"]),
    ("=\n", ["t.yaml:1: invalid YAML: could not determine a constructor for the tag 'tag:yaml.org,2002:value'"]),
    ("a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [" + ", ".join(["*a"] * 10) + "]\nc: &c [" +
     ", ".join(["*b"] * 10) + "]\nd: &d [" + ", ".join(["*c"] * 10) + "]\ne: &e [" + ", ".join(["*d"] * 10) +
     "]\nf: [" + ", ".join(["*e"] * 10) + "]\n",  # a "billion laughs": a million values from six lines
     ["t.yaml:1: invalid YAML: more than 200,000 values once aliases are expanded"]),
])
def test_spec_errors(text: str, expected: list[str]) -> None:
    assert problems(text) == expected


def test_csv_data_is_read_relative_to_the_spec(tmp_path: Path) -> None:
    (tmp_path / "users.csv").write_text("name,token\nada,t1\nbob,t2\n")
    (tmp_path / "s.yaml").write_text(textwrap.dedent("""
        target: http://127.0.0.1:1
        load: {phases: [{duration: 1s, rate: 1}]}
        data: {users: {csv: users.csv, order: sequence}}
        scenarios:
          - flow:
              - get: {url: "/u/{{ users.name }}", headers: {Authorization: "Bearer {{ users.token }}"}}
        """))
    spec = load_spec(tmp_path / "s.yaml")
    assert spec.data[0].rows == ({"name": "ada", "token": "t1"}, {"name": "bob", "token": "t2"})


def test_a_missing_csv_file_is_a_spec_problem(tmp_path: Path) -> None:
    (tmp_path / "s.yaml").write_text("target: http://h\nload: {phases: [{duration: 1s, rate: 1}]}\n"
                                     "data: {users: {csv: nope.csv}}\nscenarios: [{flow: [{get: /}]}]\n")
    with pytest.raises(SpecError) as caught:
        load_spec(tmp_path / "s.yaml")
    assert "data.users.csv: cannot read" in str(caught.value)


def test_target_can_be_overridden() -> None:
    assert parse_spec(MINIMAL, "m.yaml", target_url="http://127.0.0.1:9999").target.base_url == "http://127.0.0.1:9999"


def test_a_spec_without_thresholds_gets_the_default_error_rate_gate_and_says_so() -> None:
    spec = parse_spec("target: http://h\nload: {phases: [{duration: 1s, rate: 1}]}\nscenarios: [{flow: [{get: /}]}]\n",
                      "t.yaml")
    assert [t.text for t in spec.thresholds] == ["error_rate < 1%"]
    assert spec.notes == ("the spec has no thresholds: the default 'error_rate < 1%' applies",)


def test_a_selection_by_tags_is_one_document_the_spec_is_built_from(tmp_path: Path) -> None:
    """--tags keeps some scenarios: the selected Spec is built from the selected document (its data
    as read, not read again), so Spec and Spec.raw never tell two stories."""
    from runner.spec import select_scenarios
    from runner.spec.validate import build_spec
    from runner.spec.yamlsource import Source
    (tmp_path / "users.csv").write_text("id\n1\n2\n")
    (tmp_path / "t.yaml").write_text(textwrap.dedent("""
        target: http://127.0.0.1:1
        load: {phases: [{duration: 1s, rate: 1}]}
        data: {users: {csv: users.csv, order: sequence}}
        scenarios:
          - {name: read, weight: 0, tags: [smoke], flow: [{get: "/a/{{ users.id }}"}]}
          - {name: write, tags: [write], flow: [{post: /b}]}
    """))
    spec = load_spec(tmp_path / "t.yaml", profile=None)
    (tmp_path / "users.csv").unlink()  # selecting reads no file again
    selected = select_scenarios(spec, ("smoke",), ())
    assert [(s.name, s.weight) for s in selected.scenarios] == [("read", 1.0)]  # only weight-0 picked: evenly
    assert [s["name"] for s in selected.raw["scenarios"]] == ["read"]
    assert selected.data == spec.data and [d.rows for d in selected.data] == [({"id": "1"}, {"id": "2"})]
    again = build_spec(Source(selected.file, selected.raw, {}), None)

    def shape(s: Any) -> Any:
        return [(x.name, x.weight, x.tags, [r.name for r in x.requests]) for x in s.scenarios], s.data, s.thresholds
    assert shape(again) == shape(selected)
