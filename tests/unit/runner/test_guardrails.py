"""Guardrails deny by default: an empty allowed-hosts list on AWS refuses every run, and the
host of every request actually sent is checked, absolute and templated URLs included."""
from __future__ import annotations

from analysis.merge import merge_shards
from analysis.shard import Shard
from analysis.verdict import HealthLimits, judge
from runner.guardrails import Guardrails, HostPolicy, check_guardrails, is_loopback
from runner.load.generator import LoadGenerator, WorkerSettings
from runner.plan import make_plan
from runner.spec import parse_spec
from tests.unit.runner.load.test_generator import ScriptedEngine, ok
from tests.unit.runner.virtual_time import VirtualTime

SPEC = """
target: http://api.example.com
load: {phases: [{duration: 1s, rate: 40/s}]}
data: {hosts: [api.example.com, evil.example.org]}
scenarios:
  - {name: base, flow: [{get: {url: /ok, name: base}}]}
  - {name: allowed-absolute, flow: [{get: {url: "http://other.example.net/x", name: allowed-absolute}}]}
  - {name: refused-absolute, flow: [{get: {url: "http://EVIL.example.org/x", name: refused-absolute}}]}
  - {name: templated, flow: [{get: {url: "http://{{ hosts }}/t", name: templated}}]}
"""


def test_patterns_match_hosts_case_insensitively_and_loopback_only_when_allowed() -> None:
    local = HostPolicy(("*.staging.example.com",), allow_loopback=True)
    assert local.allows("127.0.0.1") and local.allows("localhost") and local.allows("[::1]")
    assert local.allows("API.staging.example.com") and not local.allows("staging.example.com.evil.org")
    aws = HostPolicy(("api.example.com",), allow_loopback=False)
    assert aws.allows("api.example.com") and not aws.allows("127.0.0.1") and not aws.allows("evil.example.org")


def test_a_name_under_localhost_is_this_machine_only_when_it_resolves_here() -> None:
    """Before: any name ending in .localhost was trusted unresolved; mapped in /etc/hosts to another
    address, requests went there."""
    def resolving_to(*addresses: str):
        return lambda host, port: [(2, 1, 6, "", (address, 0)) for address in addresses]
    assert is_loopback("api.localhost", resolving_to("127.0.0.1"))
    assert not is_loopback("api.localhost", resolving_to("10.1.2.3"))
    assert not is_loopback("localhost", resolving_to("127.0.0.1", "192.0.2.7"))  # every address, not one

    def unresolved(host: str, port: object) -> list[object]:
        raise OSError("no such name")
    assert not is_loopback("nowhere.localhost", unresolved)
    assert is_loopback("127.0.0.2", unresolved) and is_loopback("[::1]", unresolved)  # addresses need no lookup


def test_networks_match_addresses_and_never_names() -> None:
    """The rehearsal allows 127.0.0.0/8 as a local run does (before: 127.0.0.2 ran locally and was
    refused under --rehearse); a private API's subnet is allowed the same way."""
    rehearsal = HostPolicy(("127.0.0.0/8", "::1/128", "localhost"), allow_loopback=False)
    assert rehearsal.allows("127.0.0.2") and rehearsal.allows("[::1]") and not rehearsal.allows("127.0.0.2.evil.com")
    assert HostPolicy(("10.0.0.0/16",), False).allows("10.0.7.9") and not HostPolicy(("10.0.0.0/16",), False).allows(
        "10.1.0.1")


def test_an_empty_allowed_hosts_list_refuses_every_run_on_aws() -> None:
    spec = parse_spec(SPEC, "t.yaml")
    problems = check_guardrails(Guardrails(allowed_hosts=()), spec.target.base_url, make_plan(spec, "r", 1))
    assert problems == ['no target host is allowed on this deployment, so no run can start: list the hosts you test '
                        '(e.g. "api.example.com" or "*.execute-api.us-east-1.amazonaws.com") under the cdk.json '
                        'context key squall:allowedHosts and redeploy']


def test_every_request_s_host_is_checked_at_send_time_and_refused_ones_are_never_sent() -> None:
    time = VirtualTime()
    spec = parse_spec(SPEC, "t.yaml")
    engine = ScriptedEngine(time, lambda m, u, b: ok())
    shards: list[Shard] = []

    async def sink(shard: Shard) -> None:
        shards.append(Shard.from_dict(shard.to_dict(), shard.key))

    hosts = HostPolicy(("api.example.com", "other.example.net"), allow_loopback=False)
    generator = LoadGenerator(spec, make_plan(spec, "r", seed=3, workers=1), WorkerSettings(0, flush_interval_s=1.0),
                              engine, sink, 0.0, clock=time.clock, sleep=time.sleep, cpu_clock=lambda: 0.0, hosts=hosts)
    time.run(generator.run())
    run = merge_shards(shards)
    assert {url.split("/")[2] for _, _, url in engine.sent} == {"api.example.com", "other.example.net"}
    endpoints = run.endpoints
    assert endpoints["base"].errors == {} and endpoints["allowed-absolute"].errors == {}
    refused_absolute = endpoints["refused-absolute"]
    assert refused_absolute.requests > 0 and refused_absolute.errors == {"refused_host": refused_absolute.requests}
    templated = endpoints["templated"]
    assert 0 < templated.errors["refused_host"] < templated.requests  # the rows that named evil.example.org
    assert run.health.refused_hosts == {"evil.example.org": refused_absolute.requests + templated.errors["refused_host"]}
    assert len(engine.sent) == sum(e.requests for e in endpoints.values()) - run.health.refused_hosts["evil.example.org"]
    verdict = judge(run, (), 1.0, HealthLimits(), 1)
    assert verdict.status == "INCONCLUSIVE"
    assert any(p.startswith("requests to hosts outside the allowed list were refused, never sent: evil.example.org")
               for p in verdict.generator_problems)
