"""Convert an Artillery script into a Squall spec, and list every construct that could not be
converted (JavaScript hooks and functions…) instead of dropping it silently.

Covers config.target, phases (duration, arrivalRate, rampTo, arrivalCount, pause, name; none:
one virtual user once), variables, payload CSV (inlined), http.timeout, defaults.headers,
environments (as profiles: -e NAME), scenarios with weight and flow (get/post/put/patch/delete
with url, json, form, qs, headers, cookie, capture json/header, expect and match; think; loop
with count or over), $processEnvironment (as $env), and ensure (p95/p99/median/max,
maxErrorRate, thresholds, conditions). Plugins Squall does natively are said to be built in.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from runner.datafiles import DataFileError, csv_rows, locate, read_text
from runner.importers.artillery_shape import ScriptError, kind_of
from runner.units import parse_duration_s

METHODS = ("get", "post", "put", "patch", "delete", "head", "options")
_CONDITION = re.compile(r"^\s*(?P<metric>[\w.]+)\s*(?P<op><=|>=|==|<|>)\s*(?P<value>\d+(?:\.\d+)?)\s*$")
BUILT_IN_PLUGINS = {
    "ensure": "its checks became thresholds",
    "expect": "Squall checks expect on each request",
    "metrics-by-endpoint": "Squall reports every endpoint by name",
    "apdex": "Squall reports latency percentiles per endpoint (write a threshold for the target)",
}
ARTILLERY_DRAIN = "2m"
CONFIG_KEYS = {"target", "phases", "variables", "payload", "http", "defaults", "environments", "ensure", "plugins",
               "processor", "engines", "tls", "includeFiles", "socketio", "ws"}
_ENVIRONMENT = re.compile(r"\{\{\s*(\$processEnvironment\.|\$env\.)([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
_TIME_METRIC = re.compile(r"^http\.response_time\.(p\d+(?:\.\d+)?|median|max|min|mean)$")


def looks_like_artillery(document: Any) -> bool:
    return isinstance(document, dict) and isinstance(document.get("config"), dict) and \
        "scenarios" in document and "load" not in document


ENSURE_TIMES = ("p50", "median", "p75", "p90", "p95", "p99", "p999", "max", "min")  # ms ceilings


class Converter:
    def __init__(self, base_dir: Path, data_root: Path | None = None,
                 environ: Mapping[str, str] | None = None) -> None:
        self.base_dir = base_dir
        self.data_root = data_root
        self.environ = environ  # $processEnvironment where the value is needed before the run (phases, target)
        self.unconverted: list[str] = []
        self.built_in: list[str] = []  # plugins whose job Squall does natively
        self.payload_fields: set[str] = set()
        self.defined: set[str] | None = None  # the names the script gives values (defined_names), once read

    def skip(self, where: str, what: str) -> None:
        self.unconverted.append(f"{where}: {what}")

    def resolved(self, where: str, value: Any) -> Any:
        """`{{ $processEnvironment.X }}` (or `{{ $env.X }}`) where Squall needs the value before the run
        (a phase, the target, an expected status): read from the environment at load time, as Artillery
        reads it at its start."""
        if not isinstance(value, str) or "{{" not in value:
            return value
        def read(match: re.Match[str]) -> str:
            name = match.group(2)
            if self.environ is None or name not in self.environ:
                raise ValueError(f"{where}: uses {{{{ {match.group(1)}{name} }}}}, which is not set in the environment")
            return self.environ[name]
        text = _ENVIRONMENT.sub(read, value)
        try:
            return float(text) if text.replace(".", "", 1).isdigit() and "." in text else int(text)
        except ValueError:
            return text

    # complexity: one Artillery config key per branch, as Artillery's own checkConfig reads them
    def convert(self, script: dict[str, Any], name: str) -> dict[str, Any]:
        config = script.get("config") or {}
        spec: dict[str, Any] = {"name": name, "target": self.target(config)}
        spec["load"] = self.load(config)
        data = self.variables(config.get("variables") or {})
        payloads = config.get("payload") or []
        for i, payload in enumerate([payloads] if isinstance(payloads, dict) else payloads):
            data.update(self.payload(i, payload))
        if data:
            spec["data"] = data
        spec["scenarios"] = [self.scenario(i, s) for i, s in enumerate(script.get("scenarios") or [])]
        # Artillery lets every virtual user that started finish its scenario after the last phase (a user
        # looping for minutes included); Squall waits limits.drain for them, bounded (10 s for a spec)
        spec["limits"] = {"drain": ARTILLERY_DRAIN}
        self.built_in.append(f"virtual users that started finish their scenario after the last phase, as under "
                             f"Artillery, for up to {ARTILLERY_DRAIN} (limits.drain: Artillery has no bound)")
        ensure = config.get("ensure") or (config.get("plugins") or {}).get("ensure") or {}
        if not isinstance(ensure, dict):  # as Artillery's ensure plugin, which reads a mapping only
            self.skip("config.ensure", f"{kind_of(ensure)} is ignored, as Artillery ignores it (write a mapping: "
                      f"p95: 200, maxErrorRate: 1)")
            ensure = {}
        thresholds = self.ensure(ensure)
        # each once; none without an ensure: Artillery passes such a script whatever its errors
        spec["thresholds"] = list({repr(t): t for t in thresholds}.values())
        environments = config.get("environments")
        if isinstance(environments, dict) and environments:
            spec["profiles"] = {str(env): self.environment(str(env), body or {}, ensure)
                                for env, body in environments.items()}
        for key in ("processor", "engines", "tls", "includeFiles", "socketio", "ws"):
            if key in config:
                self.skip(f"config.{key}", "not supported (JavaScript processors and other engines have no Squall "
                          "equivalent)")
        for key in sorted(set(config) - CONFIG_KEYS):
            self.skip(f"config.{key}", "not converted" + (" (Squall reports latency percentiles per endpoint: write a "
                                                          "threshold for the target instead)" if key == "apdex" else ""))
        for plugin in (config.get("plugins") or {}):
            if plugin in BUILT_IN_PLUGINS:
                self.built_in.append(f"config.plugins.{plugin}: {BUILT_IN_PLUGINS[plugin]}")
            else:
                self.skip(f"config.plugins.{plugin}", "Artillery plugins are not converted")
        for key in ("before", "after"):
            if key in script:
                self.skip(key, "before/after flows are not converted")
        return spec

    def target(self, config: dict[str, Any]) -> dict[str, Any]:
        # {{ $processEnvironment.X }} stays a reference, {{ $env.X }}: a run reads it when it loads the spec
        # (and names it when it is not set); an import writes the reference, not this machine's value
        url = str(self.template(config.get("target", "")))
        target: dict[str, Any] = {"url": url}
        http = config.get("http") or {}
        if "timeout" in http:
            target["timeout"] = f"{float(http['timeout']):g}s"
        headers = (config.get("defaults") or {}).get("headers")
        if headers:
            target["headers"] = {k: self.template(v) for k, v in headers.items()}
        for key in http:
            if key != "timeout":
                self.skip(f"config.http.{key}", "not converted")
        return target

    def load(self, config: dict[str, Any], path: tuple[str, ...] = ("config",)) -> dict[str, Any]:
        phases = config.get("phases") or []
        if not phases:  # Artillery runs a script without phases as one virtual user, once
            return {"phases": [{"name": "once", "duration": "10m", "users": 1, "iterations": 1}]}
        converted = [c for i, p in enumerate(phases) if (c := self.phase(i, p, path)) is not None]
        return {"phases": converted or [{"name": "once", "duration": "10m", "users": 1, "iterations": 1}]}

    # complexity: an environment's keys, each merged as Artillery merges it over the config
    def environment(self, name: str, body: dict[str, Any], script_ensure: dict[str, Any]) -> dict[str, Any]:
        """An Artillery environment as a profile (`squall run script.yml -e NAME`). Artillery merges the
        environment over the script's config, so its ensure adds to (and overrides) the script's."""
        profile: dict[str, Any] = {}
        if "target" in body or "http" in body or "defaults" in body:
            profile["target"] = {k: v for k, v in self.target(body).items() if v != ""}
        if "phases" in body:  # one without keeps the script's (Artillery's checkConfig: _.merge(config, environment))
            profile["load"] = self.load(body, ("config", "environments", name))
        if "variables" in body:
            profile["data"] = self.variables(body["variables"])
        ensure = body.get("ensure") or (body.get("plugins") or {}).get("ensure") \
            if isinstance(body.get("plugins") or {}, dict) else body.get("ensure")
        if isinstance(ensure, dict):
            profile["thresholds"] = list({repr(t): t for t in self.ensure({**script_ensure, **ensure})}.values())
        for plugin in (body.get("plugins") or {}) if isinstance(body.get("plugins"), dict) else ():
            if plugin != "ensure":
                self.skip(f"config.environments.{name}.plugins.{plugin}", "Artillery plugins are not converted")
        for key in body:
            if key not in ("target", "http", "defaults", "phases", "variables", "ensure", "plugins"):
                self.skip(f"config.environments.{name}.{key}", "not converted")
        return profile

    def phase(self, index: int, raw: dict[str, Any], path: tuple[str, ...] = ("config",)) -> dict[str, Any] | None:
        where = ".".join(path) + f".phases[{index}]"
        try:
            phase = {key: self.resolved(f"{where}.{key}", value) for key, value in raw.items()}
            return self._phase(index, phase)
        except (ValueError, TypeError, ZeroDivisionError) as error:
            # a phase left out would change the load (before: a run of the fallback's ten minutes)
            raise ScriptError((*path, "phases", index), f"cannot be converted: {error}") from None

    def _phase(self, index: int, phase: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {"name": str(phase.get("name") or f"phase-{index + 1}")}
        if "pause" in phase:
            return {**out, "duration": self.seconds(phase["pause"]), "pause": True}
        duration_s = parse_duration_s(phase.get("duration", 0))
        out["duration"] = f"{duration_s:g}s"
        if "arrivalCount" in phase:
            out["rate"] = f"{float(phase['arrivalCount']) / duration_s:g}/s"
        else:
            out["rate"] = f"{float(phase.get('arrivalRate', 0)):g}/s"
            if "rampTo" in phase:
                out["ramp_to"] = f"{float(phase['rampTo']):g}/s"
        for key in phase:
            if key not in ("name", "duration", "arrivalRate", "rampTo", "arrivalCount", "pause"):
                self.skip(f"config.phases[{index}].{key}", "not converted (e.g. maxVusers has no Squall equivalent; "
                          "limits.max_in_flight bounds concurrency instead)")
        return out

    @staticmethod
    def seconds(value: Any) -> str:
        return f"{parse_duration_s(value):g}s"

    def variables(self, variables: dict[str, Any]) -> dict[str, Any]:
        return {name: {"values": list(v) if isinstance(v, list) else [v], "order": "random"}
                for name, v in variables.items()}

    def payload(self, index: int, payload: dict[str, Any]) -> dict[str, Any]:
        fields = [str(f) for f in payload.get("fields") or []]
        try:  # as a spec's data: under the script's folder, a regular file, bounded
            rows = csv_rows(read_text(locate(str(payload.get("path", "")), self.base_dir, self.data_root)),
                            str(payload.get("path", "")))
        except DataFileError as error:
            self.skip(f"config.payload[{index}]", str(error))
            return {}
        for key in sorted(set(payload) - {"path", "fields", "skipHeader", "order"}):
            self.skip(f"config.payload[{index}].{key}", "not converted" + (
                " (Squall gives each arrival one row of the file; loadAll's whole-file array has no equivalent)"
                if key in ("loadAll", "name") else ""))
        if payload.get("skipHeader"):
            rows = rows[1:]
        values = [dict(zip(fields, row, strict=False)) for row in rows if row]
        self.payload_fields.update(fields)
        name = "payload" if index == 0 else f"payload{index + 1}"
        return {name: {"values": values, "order": "sequence" if payload.get("order") == "sequence" else "random"}}

    def _rewritten(self, match: re.Match[str]) -> str:
        """One {{ … }} in Squall's terms: renamed, a built-in, or 'undefined' as Artillery sends it."""
        name = match.group(1).strip()
        renamed = self._renamed(name)
        if renamed is not None:
            return renamed
        root = re.split(r"[.\[]", name, maxsplit=1)[0]
        if not name.startswith("$") and self.defined is not None and root not in self.defined:
            return self._undefined(f"{{{{ {name} }}}}: not defined in the script (no variable, payload field or "
                                   f"capture): sent as the text 'undefined', as Artillery sends it")
        built_in = self._built_in(name)
        if built_in is not None:
            return built_in
        if name.startswith("$") and name != "$uuid" and not name.startswith("$env."):
            # Artillery's own are $randomNumber, $randomString and $template, and the variables $uuid,
            # $env, $environment, $dirname, $testId, $loopCount (runner's createContext); any other
            # renders as 'undefined' (engine_util's template and renderVariables)
            return self._undefined(f"{{{{ {name} }}}}: no Squall equivalent (a processor's function, or an Artillery "
                                   f"variable Squall does not have): sent as the text 'undefined', as Artillery sends "
                                   f"an unknown one")
        return match.group(0)

    def _renamed(self, name: str) -> str | None:
        """What Squall calls the same thing: a payload column, $randomNumber, $processEnvironment,
        a loop's element, the script's folder."""
        if name in self.payload_fields:
            return "{{ payload." + name + " }}"
        if name.startswith("$randomNumber("):
            return "{{ $random_int(" + name[len("$randomNumber("):] + " }}"
        if name.startswith("$processEnvironment."):
            return "{{ $env." + name[len("$processEnvironment."):] + " }}"
        if name == "$loopElement":  # a loop's item: the loop below names it loopElement
            return "{{ loopElement }}"
        if name == "$dirname":  # the script's folder, as Artillery gives it
            return str(self.base_dir.resolve())
        return None

    def _built_in(self, name: str) -> str | None:
        """$randomString (letters and digits, as Artillery's) and $randomInt (a processor's, not
        Artillery's, but its meaning is plain) as Squall's built-ins, said."""
        if name.startswith("$randomString("):
            length = name[len("$randomString("):-1].strip()
            if not length:
                self.built_in.append("$randomString() without a length: $random_string(10)")
            return "{{ $random_string(" + (length or "10") + ") }}"
        if name.startswith("$randomInt("):
            self.built_in.append(f"{{{{ {name} }}}}: Squall's $random_int")
            return "{{ $random_int(" + name[len("$randomInt("):] + " }}"
        return None

    def _undefined(self, said: str) -> str:
        if said not in self.unconverted:
            self.unconverted.append(said)
        return "undefined"

    def template(self, value: Any) -> Any:
        """Artillery's {{ field }} of a payload column becomes {{ payload.field }}; $randomNumber → $random_int."""
        if isinstance(value, str):
            return re.sub(r"\{\{\s*([^{}]+?)\s*\}\}", self._rewritten, value)
        if isinstance(value, list):
            return [self.template(v) for v in value]
        if isinstance(value, dict):
            return {k: self.template(v) for k, v in value.items()}
        return value

    def scenario(self, index: int, scenario: dict[str, Any]) -> dict[str, Any]:
        where = f"scenarios[{index}]"
        out: dict[str, Any] = {"name": str(scenario.get("name") or f"scenario-{index + 1}"),
                               "weight": scenario.get("weight", 1)}
        for key in ("beforeScenario", "afterScenario", "beforeRequest", "afterResponse"):
            if key in scenario:
                self.skip(f"{where}.{key}", "JavaScript hooks are not converted")
        if scenario.get("engine") not in (None, "http"):
            self.skip(f"{where}.engine", f"the {scenario['engine']} engine is not supported")
        flow = []
        for j, step in enumerate(scenario.get("flow") or []):
            converted = self.step(f"{where}.flow[{j}]", step)
            if converted is not None:
                flow.append(converted)
        out["flow"] = flow or [{"think": "0s"}]
        return out

    # complexity: one Artillery action per branch (get/post/…, think, loop, function)
    def step(self, where: str, step: Any) -> dict[str, Any] | None:
        if isinstance(step, dict) and "loop" in step:
            return self.loop(where, step)
        if not isinstance(step, dict) or len(step) != 1:
            self.skip(where, "not a single action")
            return None
        (action, body), = step.items()
        if action == "think":
            return {"think": self.seconds(body)}
        if action not in METHODS:
            self.skip(f"{where}.{action}", "not converted (functions, log, loop and parallel have no Squall "
                      "equivalent; write the steps out)")
            return None
        request: dict[str, Any] = {"url": self.template(body.get("url", "/"))}
        for source, target in (("json", "json"), ("form", "form"), ("qs", "query"), ("headers", "headers")):
            if source in body:
                request[target] = self.template(body[source])
        if "name" in body:
            request["name"] = str(body["name"])
        captures = body.get("capture")
        if captures:
            request["capture"] = []
            for capture in captures if isinstance(captures, list) else [captures]:
                kind = "json" if "json" in capture else "header" if "header" in capture else None
                if kind is None or "as" not in capture:
                    self.skip(f"{where}.capture", f"only json and header captures are converted: {capture}")
                    continue
                request["capture"].append({kind: capture[kind], "as": capture["as"]})
        if "cookie" in body and isinstance(body["cookie"], dict):  # into the user's jar, as Artillery does
            request["cookies"] = {str(k): self.template(v) for k, v in body["cookie"].items()}
        expect = self.expectations(f"{where}.{action}", body.get("expect"), body.get("match"))
        if expect:
            request["expect"] = expect
        for key in body:
            if key not in ("url", "json", "form", "qs", "headers", "capture", "name", "cookie", "expect", "match"):
                self.skip(f"{where}.{action}.{key}", "not converted (e.g. body, beforeRequest, afterResponse, "
                          "ifTrue)")
        return {action: request}

    def loop(self, where: str, step: dict[str, Any]) -> dict[str, Any] | None:
        """`- loop: [steps]` with `count: N` or `over: [values]` (the item is {{ $loopElement }})."""
        flow = [c for j, inner in enumerate(step.get("loop") or []) if (c := self.step(f"{where}.loop[{j}]", inner))]
        if not flow:
            self.skip(f"{where}.loop", "a loop with no step Squall can run")
            return None
        loop: dict[str, Any] = {"flow": flow}
        if isinstance(step.get("over"), list):
            loop.update(over=step["over"], **{"as": "loopElement"})
        elif "over" in step:
            self.skip(f"{where}.over", f"over '{step['over']}' (a variable) is not converted; list the values")
            return None
        else:
            loop["count"] = int(step.get("count", 1))
        if "whileTrue" in step:
            self.skip(f"{where}.whileTrue", "a JavaScript condition is not converted: Squall's loop has "
                      "until: {captured_variable: value}")
        for key in step:
            if key not in ("loop", "count", "over", "whileTrue"):
                self.skip(f"{where}.{key}", "not converted")
        return {"loop": loop}

    def expectations(self, where: str, expect: Any, match: Any) -> dict[str, Any]:
        """Artillery's expect (statusCode, contentType, hasProperty, hasHeader) and match."""
        out: dict[str, Any] = {}
        for item in expect if isinstance(expect, list) else [expect] if expect else []:
            for kind, value in (item or {}).items() if isinstance(item, dict) else ():
                self._expectation(where, kind, value, out)
        for item in match if isinstance(match, list) else [match] if match else []:
            if isinstance(item, dict) and "json" in item and "value" in item:
                out.setdefault("json", {})[str(item["json"])] = item["value"]
            else:
                self.skip(f"{where}.match", f"only json matches are converted: {item}")
        return out

    def _expectation(self, where: str, kind: str, value: Any, out: dict[str, Any]) -> None:
        """One expect item into ``out`` (Squall's expect), or listed as not converted."""
        if kind == "statusCode":
            try:
                status = self.resolved(f"{where}.expect.statusCode", value)
                out["status"] = status if isinstance(status, (int, list)) else int(status)
            except (ValueError, TypeError) as error:
                self.skip(f"{where}.expect.statusCode", f"not converted: {error}")
        elif kind == "contentType":
            out["content_type"] = "application/json" if value == "json" else str(value)
        elif kind == "hasProperty":
            out.setdefault("has", []).append(f"$.{value}")
        elif kind == "hasHeader":
            self.skip(f"{where}.expect.hasHeader", "a header's presence is not checked; header: {name: "
                      "value} checks its value")
        else:
            self.skip(f"{where}.expect.{kind}", "not converted (status, content type, property and "
                      "header values are)")

    def ensure(self, ensure: dict[str, Any]) -> list[Any]:
        """Artillery's ensure as thresholds: its percentile ceilings, maxErrorRate, thresholds and
        conditions; what has no Squall equivalent is listed as not converted."""
        thresholds: list[Any] = [f"{'p99.9' if key == 'p999' else key} < {float(ensure[key]):g}ms"
                                 for key in ENSURE_TIMES if key in ensure]
        if "maxErrorRate" in ensure:
            thresholds.append(f"error_rate <= {float(ensure['maxErrorRate']):g}%")
        thresholds += self._ensure_thresholds(ensure.get("thresholds") or [])
        thresholds += self._ensure_conditions(ensure.get("conditions") or [])
        for key in ensure:
            if key not in (*ENSURE_TIMES, "maxErrorRate", "thresholds", "conditions"):
                self.skip(f"config.ensure.{key}", "not converted")
        return thresholds

    def _ensure_thresholds(self, items: list[Any]) -> list[Any]:
        found: list[Any] = []
        for i, item in enumerate(items):
            for metric, limit in (item or {}).items():
                match = _TIME_METRIC.match(str(metric))
                if match:
                    found.append(f"{match.group(1)} < {float(limit):g}ms")
                else:
                    self.skip(f"config.ensure.thresholds[{i}]", f"{metric} has no Squall equivalent")
        return found

    def _ensure_conditions(self, conditions: list[Any]) -> list[Any]:
        found: list[Any] = []
        for i, condition in enumerate(conditions):
            for part in re.split(r"\s+and\s+", str(condition.get("expression", ""))):
                converted = self.condition(part)
                if converted is None:
                    self.skip(f"config.ensure.conditions[{i}]", f"'{part}' is not converted")
                    continue
                found.append(converted if condition.get("strict", True) else {"check": converted, "severity": "should"})
        return found

    @staticmethod
    def condition(text: str) -> str | None:
        match = _CONDITION.match(text)
        if not match:
            return None
        metric, op, value = match["metric"], match["op"], float(match["value"])
        time_metric = _TIME_METRIC.match(metric)
        if time_metric:
            return f"{time_metric.group(1)} {op} {value:g}ms"
        if metric == "http.request_rate":
            return f"rps {op} {value:g}"
        return None


def convert_artillery(script: dict[str, Any], name: str, base_dir: Path, data_root: Path | None = None,
                      environ: Mapping[str, str] | None = None,
                      given: frozenset[str] = frozenset()) -> tuple[dict[str, Any], list[str], list[str]]:
    """(the spec, what was not converted, the plugins Squall does natively). ``given``: names whose
    values the command line gives (--variables, --set data.NAME=…), as Artillery's --variables."""
    converter = Converter(base_dir, data_root, environ)
    # Payload fields must be known before templates are rewritten: read the config first.
    payloads = (script.get("config") or {}).get("payload") or []
    for payload in [payloads] if isinstance(payloads, dict) else payloads:
        converter.payload_fields.update(str(f) for f in payload.get("fields") or [])
    converter.defined = defined_names(script) | converter.payload_fields | set(given)
    return converter.convert(script, name), converter.unconverted, converter.built_in


def defined_names(script: dict[str, Any]) -> set[str]:
    """Every name a script gives a value: its variables (the environments' too) and every capture's
    `as`; a `{{ name }}` beyond them Artillery sends as the text 'undefined' (renderVariables)."""
    config = script.get("config") or {}
    names = {"target"} | set((config.get("variables") or {}) if isinstance(config.get("variables"), dict) else ())
    for body in (config.get("environments") or {}).values() if isinstance(config.get("environments"), dict) else ():
        if isinstance(body, dict) and isinstance(body.get("variables"), dict):
            names |= set(body["variables"])

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            captures = value.get("capture")
            for capture in captures if isinstance(captures, list) else [captures] if captures else []:
                if isinstance(capture, dict) and "as" in capture:
                    names.add(str(capture["as"]))
            for inner in value.values():
                walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)
    walk(script.get("scenarios"))
    walk(script.get("before"))
    return {str(n) for n in names}
