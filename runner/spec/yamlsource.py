"""Read YAML keeping the line of every value, so errors can say `file:line: field.path`."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

Path = tuple[str | int, ...]


@dataclass
class Source:
    file: str
    data: Any
    lines: dict[Path, int] = field(default_factory=dict)

    def line_of(self, path: Path) -> int:
        """The line of ``path``, or of its closest parent that has one."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), 1)


class SpecSyntaxError(ValueError):
    def __init__(self, file: str, line: int, message: str) -> None:
        super().__init__(f"{file}:{line}: {message}")
        self.file, self.line, self.message = file, line, message


MAX_SPEC_CHARS = 4_000_000  # a spec's text; data sets of any size live in CSV files (runner.datafiles)
MAX_NODES = 200_000  # aliases can make a small file expand enormously ("billion laughs")
MAX_DEPTH = 64  # maps and lists inside each other; deeper specs crashed the parser (RecursionError)
_EVENTS = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: 200,000 values scanned in ~0.1 s


def _scan(text: str, file: str) -> None:
    """Before anything is built: no more than MAX_NODES values as written (one million inline
    values took 61 s and 747 MB to be refused) and no deeper than MAX_DEPTH. Syntax errors are
    left to the parse that follows, which locates them."""
    depth = values = 0
    try:
        for event in yaml.parse(text, Loader=_EVENTS):
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    raise SpecSyntaxError(file, _line(event), f"nested deeper than {MAX_DEPTH} levels (maps and "
                                                              f"lists inside each other)")
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
            elif isinstance(event, yaml.ScalarEvent):
                values += 1
                if values > MAX_NODES:
                    raise SpecSyntaxError(file, _line(event), f"more than {MAX_NODES:,} values: a spec "
                                          f"holds the load and its checks; rows of data belong in a CSV file "
                                          f"(data: {{NAME: {{csv: FILE}}}})")
    except yaml.YAMLError:
        return


def _line(event: yaml.Event) -> int:
    return event.start_mark.line + 1 if event.start_mark is not None else 1


def load_yaml(text: str, file: str) -> Source:
    if len(text) > MAX_SPEC_CHARS:  # refused before parsing: the line-keeping parse costs ~1.3 s per MB
        raise SpecSyntaxError(file, 1, f"the file is {len(text) / 1e6:,.1f} MB; a spec is at most "
                                       f"{MAX_SPEC_CHARS // 1_000_000} MB (large data goes in a CSV file: data.NAME.csv)")
    _scan(text, file)
    try:
        loader = yaml.SafeLoader(text)
    except yaml.YAMLError as error:  # the reader refuses some characters before parsing starts
        raise SpecSyntaxError(file, 1, f"invalid YAML: {error}") from None
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        raise SpecSyntaxError(file, line, f"invalid YAML: {error.problem or error}") from None
    except yaml.YAMLError as error:
        raise SpecSyntaxError(file, 1, f"invalid YAML: {error}") from None
    finally:
        loader.dispose()
    source = Source(file, None)
    if node is None:
        return source
    try:
        source.data = _build(node, (), source, yaml.SafeLoader(""))
    except yaml.MarkedYAMLError as error:  # a value YAML cannot construct, e.g. a bare '=' (!!value)
        mark = error.problem_mark or error.context_mark
        raise SpecSyntaxError(file, mark.line + 1 if mark else 1, f"invalid YAML: {error.problem or error}") from None
    except yaml.YAMLError as error:
        raise SpecSyntaxError(file, 1, f"invalid YAML: {error}") from None
    return source


def _build(node: yaml.Node, path: Path, source: Source, constructor: yaml.SafeLoader,
           open_nodes: frozenset[int] = frozenset()) -> Any:
    line = node.start_mark.line + 1
    if id(node) in open_nodes:
        raise SpecSyntaxError(source.file, line, "invalid YAML: an alias refers to a node that contains it")
    if len(source.lines) > MAX_NODES:
        raise SpecSyntaxError(source.file, line, f"invalid YAML: more than {MAX_NODES:,} values once aliases "
                                                 f"are expanded")
    open_nodes = open_nodes | {id(node)}
    source.lines[path] = line
    if isinstance(node, yaml.MappingNode):
        constructor.flatten_mapping(node)
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = constructor.construct_object(key_node, deep=True)
            if not isinstance(key, (str, int, float, bool)) or key is None:
                raise SpecSyntaxError(source.file, key_node.start_mark.line + 1, "a key must be a plain value")
            key = str(key)
            if key in result:
                raise SpecSyntaxError(
                    source.file, key_node.start_mark.line + 1, f"{_dotted(path + (key,))}: duplicate key")
            result[key] = _build(value_node, path + (key,), source, constructor, open_nodes)
            source.lines[path + (key,)] = key_node.start_mark.line + 1
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, path + (i,), source, constructor, open_nodes) for i, item in enumerate(node.value)]
    value = constructor.construct_object(node, deep=True)
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as error:  # an escape such as "\udc80": it ran, then failed writing results
            raise SpecSyntaxError(source.file, line, f"{_dotted(path) or 'a value'}: not valid Unicode text "
                                  f"({value[error.start]!a} at character {error.start + 1})") from None
    return value


def _dotted(path: Path) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


dotted = _dotted
