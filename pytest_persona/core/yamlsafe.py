"""Safe YAML loading that remembers where every value came from.

Eval sets are untrusted input: only PyYAML's safe constructors run (no python tags), files
and alias expansion are bounded, and each value's line is kept so errors can say
``file:line: cases[3].checks[1]: …``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

MAX_BYTES = 8 * 1024 * 1024
MAX_NODES = 250_000  # counted with aliases expanded: stops "billion laughs" documents

PathKey = tuple[Any, ...]  # keys and indices from the document root


class YamlError(ValueError):
    """A YAML file that cannot be read safely; the message starts with ``file:line:``."""


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml's parser when PyYAML has it
    """The safe loader with YAML 1.2 core scalars: ``5:30`` (a pace), ``010`` and ``no`` stay
    what they look like instead of YAML 1.1's 330, 8 and false."""

    yaml_implicit_resolvers: dict = {}


_RESOLVERS = [
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("tag:yaml.org,2002:int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
    (
        "tag:yaml.org,2002:float",
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        "-+.0123456789",
    ),
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:merge", r"^(?:<<)$", ["<"]),
]
for _tag, _pattern, _first in _RESOLVERS:
    _Loader.add_implicit_resolver(_tag, re.compile(_pattern), list(_first))  # type: ignore[arg-type]


def _construct_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    text = loader.construct_scalar(node)
    if text.startswith(("0o", "0x")):
        return int(text[2:], 8 if text[1] == "o" else 16)
    return int(text)


_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)


class _TooLarge(Exception):
    def __init__(self, line: int) -> None:
        self.line = line


@dataclass(frozen=True)
class LineMap:
    """Line numbers (1-based) of values and mapping keys, by their path from the root."""

    values: dict[PathKey, int]
    keys: dict[PathKey, int]

    def line(self, path: PathKey, *, key: bool = False) -> int:
        """The line of ``path`` (of its key when ``key``), else of its nearest known ancestor."""
        table = self.keys if key else self.values
        if path in table:
            return table[path]
        for cut in range(len(path) - 1, -1, -1):
            if path[:cut] in self.values:
                return self.values[path[:cut]]
        return 1


def format_path(path: PathKey) -> str:
    """``("cases", 3, "checks", 1)`` → ``cases[3].checks[1]``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def load_yaml(path: Path, text: str | None = None) -> tuple[Any, LineMap]:
    """Parse ``path`` with the safe loader; return the data and its line map."""
    if text is None:
        try:
            size = path.stat().st_size
            if size > MAX_BYTES:
                raise YamlError(f"{path}:1: file is {size} bytes; eval sets are limited to {MAX_BYTES}")
            raw = path.read_bytes()
        except OSError as exc:
            raise YamlError(f"{path}:1: cannot read: {exc.strerror or exc}") from None
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            raise YamlError(f"{path}:{line}: not valid UTF-8 ({exc.reason})") from None
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, LineMap({}, {})
        values: dict[PathKey, int] = {}
        keys: dict[PathKey, int] = {}
        _index(node, (), values, keys, [0])
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        what = exc.problem or str(exc)
        if "could not determine a constructor" in what:
            what = f"{what} (only plain YAML is allowed: no python/object tags)"
        raise YamlError(f"{path}:{line}: invalid YAML: {what}") from None
    except yaml.YAMLError as exc:
        raise YamlError(f"{path}:1: invalid YAML: {exc}") from None
    except _TooLarge as exc:
        raise YamlError(
            f"{path}:{exc.line}: document expands to more than {MAX_NODES} values (aliases expanding without bound?)"
        ) from None
    except RecursionError:
        raise YamlError(f"{path}:1: YAML nested too deeply") from None
    finally:
        loader.dispose()
    return data, LineMap(values, keys)


def parse_value(text: str) -> Any:
    """One YAML value from a command-line flag, with the same scalars as eval sets."""
    try:
        return yaml.load(text, Loader=_Loader) if text.strip() else ""  # noqa: S506 (a safe loader)
    except yaml.YAMLError:
        return text


def _index(node: yaml.Node, path: PathKey, values: dict, keys: dict, count: list[int]) -> None:
    count[0] += 1
    if count[0] > MAX_NODES:
        raise _TooLarge(node.start_mark.line + 1)
    values.setdefault(path, node.start_mark.line + 1)
    for child_path, child, key_line in _children(node, path):
        if key_line is not None:
            keys.setdefault(child_path, key_line)
        _index(child, child_path, values, keys, count)


def _children(node: yaml.Node, path: PathKey) -> Iterator[tuple[PathKey, yaml.Node, int | None]]:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else repr(key_node.value)
            yield path + (key,), value_node, key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            yield path + (i,), item, None
