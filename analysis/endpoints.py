"""Endpoint names kept bounded: a locustfile's ``self.client.get(f"/item/{id}")`` makes a name per
request, and per-name histograms grew a worker past 1.6 GB and result.json past 100 MB. Past a
limit (limits.max_endpoints) new names fold into one row, ``OTHER_ENDPOINTS``, whose counts and
histograms are exact; a few of the folded names are kept as examples for the warning.
"""
from __future__ import annotations

from analysis.merge import MergedRun
from analysis.stats import FOLDED_EXAMPLES, EndpointStats, HealthStats, keep_examples

OTHER_ENDPOINTS = "(other endpoints)"


class EndpointNames:
    """A worker's gate for endpoint names: the first ``limit`` distinct names pass, later ones are
    folded (counted in the window's health as examples, at most FOLDED_EXAMPLES of them)."""

    def __init__(self, limit: int, always: frozenset[str] = frozenset()) -> None:
        """``always``: names that are never folded (a threshold names them)."""
        self.limit = limit
        self.kept: set[str] = set(always)
        self.limit += len(always)

    def name(self, raw: str, health: HealthStats) -> str:
        if raw in self.kept:
            return raw
        if len(self.kept) < self.limit:
            self.kept.add(raw)
            return raw
        examples = health.folded_examples
        if raw in examples or len(examples) < FOLDED_EXAMPLES:
            examples[raw] = examples.get(raw, 0) + 1
        return OTHER_ENDPOINTS


def fold_endpoints(run: MergedRun, limit: int, always: frozenset[str] = frozenset()) -> int:
    """Fold a merged run's endpoints past ``limit`` (each worker kept its own first names) into
    OTHER_ENDPOINTS: the ``limit - 1`` with the most requests stay, and every name in ``always``.
    Returns how many names were folded here; their examples join the run's."""
    named = [name for name in run.endpoints if name != OTHER_ENDPOINTS and name not in always]
    room = limit - 1 if (len(named) > limit or OTHER_ENDPOINTS in run.endpoints) else limit
    if len(named) <= room:
        return 0
    named.sort(key=lambda name: (-run.endpoints[name].requests, name))
    other = run.endpoints.pop(OTHER_ENDPOINTS, None) or EndpointStats()
    examples = dict(run.health.folded_examples)
    for name in named[room:]:
        stats = run.endpoints.pop(name)
        other.merge(stats)
        examples[name] = examples.get(name, 0) + stats.requests
    run.endpoints[OTHER_ENDPOINTS] = other
    run.health.folded_examples = keep_examples(examples)
    return len(named) - room


def folding_warning(requests_folded: int, examples: dict[str, int], limit: int) -> str:
    shown = ", ".join(list(examples)[:3])
    return (f"more than {limit:,} endpoint names: {requests_folded:,} requests under the names past them were folded "
            f"into one row, {OTHER_ENDPOINTS!r} (their counts and latency are kept there)"
            + (f"; e.g. {shown}" if shown else "")
            + ". Name such requests: name= in Locust (self.client.get(f\"/item/{id}\", name=\"/item/[id]\")), name: "
              "in a spec's step; or raise limits.max_endpoints")
