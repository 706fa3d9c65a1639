"""The shape of an Artillery script, checked before it is converted: every value a mapping, list,
number or text where Artillery reads one, each problem with its path (the caller adds the file and
line), all of them at once. The converter then never meets a value of the wrong kind (before: a
`phases: {a: 1}` or a `flow: [{get: 5}]` ended in a Python traceback, and a phase whose duration
did not parse was dropped for a ten-minute fallback run)."""
from __future__ import annotations

from typing import Any

from runner.units import parse_duration_s

Path = tuple[str | int, ...]
METHODS = ("get", "post", "put", "patch", "delete", "head", "options")
PHASE_NUMBERS = ("arrivalRate", "rampTo", "arrivalCount", "maxVusers")
ENSURE_NUMBERS = ("p50", "median", "p75", "p90", "p95", "p99", "p999", "max", "min", "maxErrorRate")


def kind_of(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    return {dict: "a mapping", list: "a list", str: "text", int: "a number", float: "a number",
            type(None): "nothing"}.get(type(value), type(value).__name__)


def _templated(value: Any) -> bool:
    return isinstance(value, str) and "{{" in value  # $processEnvironment: read when the script is converted


def _number(value: Any) -> bool:
    if _templated(value):
        return True
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return True
    try:
        float(str(value))
    except ValueError:
        return False
    return True


class ScriptError(ValueError):
    """A value the converter cannot turn into Squall's, at ``path`` in the script."""

    def __init__(self, path: Path, message: str) -> None:
        super().__init__(message)
        self.path, self.message = path, message


class ShapeCheck:
    def __init__(self) -> None:
        self.problems: list[tuple[Path, str]] = []

    def problem(self, path: Path, message: str) -> None:
        self.problems.append((path, message))

    def expect(self, path: Path, value: Any, kind: type, what: str) -> bool:
        if isinstance(value, kind) and not isinstance(value, bool):
            return True
        self.problem(path, f"must be {what}, got {kind_of(value)}")
        return False

    def script(self, script: dict[str, Any]) -> None:
        config = script.get("config")
        if isinstance(config, dict):
            self.config(("config",), config, top=True)
        else:
            self.problem(("config",), f"must be a mapping (target, phases, …), got {kind_of(config)}")
        scenarios = script.get("scenarios")
        if scenarios is not None and self.expect(("scenarios",), scenarios, list, "a list of scenarios"):
            for i, scenario in enumerate(scenarios):
                self.scenario(("scenarios", i), scenario)
        for key in ("before", "after"):
            if key in script and isinstance(script[key], dict) and "flow" in script[key]:
                self.flow((key, "flow"), script[key]["flow"])

    # complexity: one Artillery config key's shape per branch
    def config(self, path: Path, config: dict[str, Any], top: bool) -> None:
        if "target" in config and not isinstance(config["target"], str):
            self.problem(path + ("target",), f"must be a URL, got {kind_of(config['target'])}")
        phases = config.get("phases")
        if phases is not None and self.expect(path + ("phases",), phases, list, "a list of phases"):
            for i, phase in enumerate(phases):
                self.phase(path + ("phases", i), phase)
        for key, kind, what in (("variables", dict, "a mapping of names to values"),
                                ("http", dict, "a mapping (timeout, …)"), ("defaults", dict, "a mapping (headers)"),
                                ("plugins", dict, "a mapping of plugin names")):
            if config.get(key) is not None:
                self.expect(path + (key,), config[key], kind, what)
        http = config.get("http")
        if isinstance(http, dict) and "timeout" in http and not _number(http["timeout"]):
            self.problem(path + ("http", "timeout"), f"must be a number of seconds, got {http['timeout']!r}")
        defaults = config.get("defaults")
        if isinstance(defaults, dict) and defaults.get("headers") is not None:
            self.expect(path + ("defaults", "headers"), defaults["headers"], dict, "a mapping of header names to values")
        if config.get("payload") is not None:
            self.payload(path + ("payload",), config["payload"])
        ensure = config.get("ensure", (config.get("plugins") or {}).get("ensure")
                            if isinstance(config.get("plugins"), dict) else None)
        if isinstance(ensure, dict):
            self.ensure(path + ("ensure",), ensure)
        environments = config.get("environments")
        if top and environments is not None:
            self.environments(path + ("environments",), environments)

    def payload(self, path: Path, payload: Any) -> None:
        """A mapping (path, fields) or a list of them."""
        items = [payload] if isinstance(payload, dict) else payload
        if not self.expect(path, items, list, "a mapping (path, fields) or a list of them"):
            return
        for i, item in enumerate(items):
            where = path + ((i,) if isinstance(payload, list) else ())
            if self.expect(where, item, dict, "a mapping (path, fields)") and item.get("fields") is not None:
                self.expect(where + ("fields",), item["fields"], list, "a list of column names")

    def environments(self, path: Path, environments: Any) -> None:
        """Each environment is a config of its own (not nesting environments of its own)."""
        if not self.expect(path, environments, dict, "a mapping of environment names"):
            return
        for name, body in environments.items():
            if body is not None and self.expect(path + (str(name),), body, dict, "a mapping (target, phases, …)"):
                self.config(path + (str(name),), body, top=False)

    def phase(self, path: Path, phase: Any) -> None:
        if not self.expect(path, phase, dict, "a mapping (duration, arrivalRate, …)"):
            return
        for key in ("duration", "pause"):
            if key in phase and not _templated(phase[key]):
                try:
                    parse_duration_s(phase[key])
                except ValueError as error:
                    self.problem(path + (key,), str(error))
        for key in PHASE_NUMBERS:
            if key in phase and not _number(phase[key]):
                self.problem(path + (key,), f"must be a number, got {phase[key]!r}")
        if "pause" not in phase and "duration" not in phase:
            self.problem(path, "a phase needs a duration (or pause)")

    def ensure(self, path: Path, ensure: dict[str, Any]) -> None:
        for key in ENSURE_NUMBERS:
            if key in ensure and not _number(ensure[key]):
                unit = "a percentage" if key == "maxErrorRate" else "a number of milliseconds"
                self.problem(path + (key,), f"must be {unit}, got {ensure[key]!r}")
        for key in ("thresholds", "conditions"):
            if ensure.get(key) is not None and self.expect(path + (key,), ensure[key], list, "a list"):
                for i, item in enumerate(ensure[key]):
                    self.expect(path + (key, i), item, dict, "a mapping" if key == "thresholds" else
                                "a mapping (expression, strict)")
                    if key == "thresholds" and isinstance(item, dict):
                        for metric, limit in item.items():
                            if not _number(limit):
                                self.problem(path + (key, i, str(metric)), f"must be a number, got {limit!r}")

    def scenario(self, path: Path, scenario: Any) -> None:
        if not self.expect(path, scenario, dict, "a mapping (name, weight, flow)"):
            return
        if "weight" in scenario and not _number(scenario["weight"]):
            self.problem(path + ("weight",), f"must be a number, got {scenario['weight']!r}")
        if scenario.get("flow") is not None:
            self.flow(path + ("flow",), scenario["flow"])

    def flow(self, path: Path, flow: Any) -> None:
        if not self.expect(path, flow, list, "a list of steps"):
            return
        for j, step in enumerate(flow):
            self.step(path + (j,), step)

    # complexity: one Artillery action's shape per branch
    def step(self, path: Path, step: Any) -> None:
        if not isinstance(step, dict):
            return  # "not a single action": the converter lists it as not converted
        if "loop" in step:
            self.flow(path + ("loop",), step["loop"])
            if "count" in step and not _number(step["count"]):
                self.problem(path + ("count",), f"must be a number, got {step['count']!r}")
            return
        for action, body in step.items():
            if action in METHODS:
                if self.expect(path + (action,), body, dict, "a mapping (url, json, headers, …)"):
                    for key, kind in (("headers", dict), ("qs", dict), ("form", dict), ("cookie", dict)):
                        if body.get(key) is not None:
                            self.expect(path + (action, key), body[key], kind, "a mapping")
                    if "url" in body and not isinstance(body["url"], str):
                        self.problem(path + (action, "url"), f"must be text, got {kind_of(body['url'])}")
                    for capture_index, capture in enumerate(body.get("capture") if isinstance(
                            body.get("capture"), list) else [body["capture"]] if "capture" in body else []):
                        self.expect(path + (action, "capture") + ((capture_index,) if isinstance(
                            body.get("capture"), list) else ()), capture, dict, "a mapping (json, as)")
            elif action == "think" and not _number(body):
                try:
                    parse_duration_s(body)
                except ValueError as error:
                    self.problem(path + ("think",), str(error))


def shape_problems(script: dict[str, Any]) -> list[tuple[Path, str]]:
    """Every place the script has a value of a kind Artillery does not read there."""
    check = ShapeCheck()
    check.script(script)
    return check.problems
