"""A small renderer for the subset of Go's text/template that the exported Ollama Modelfiles use.

It exists so a test can render a conversation with a Modelfile's TEMPLATE exactly as Ollama would
and compare the bytes with the project's own chat-template rendering. Supported: text with
``{{-``/``-}}`` trimming, ``{{/* comments */}}``, output of a pipeline, ``$x := …`` and ``$x = …``,
``if``/``else if``/``else``/``end``, ``range [$i, $e :=] …``/``end``; operands ``.``, ``.Field``,
``$``, ``$x.Field``, string and integer literals, ``( … )``; functions eq, ne, and, or, not, len,
index, slice. Anything else is a ``GoTemplateError`` that names it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

_ACTION = re.compile(r"\{\{(-\s)?(.*?)(\s-)?\}\}", re.DOTALL)
_TOKEN = re.compile(
    r'\s*(?:(?P<str>"(?:[^"\\]|\\.)*")|(?P<raw>`[^`]*`)|(?P<num>-?\d+)|(?P<decl>:=)|(?P<assign>=)'
    r"|(?P<punct>[(),])|(?P<var>\$\w*(?:\.\w+)*)|(?P<field>(?:\.\w+)+|\.)|(?P<ident>[A-Za-z_]\w*))"
)
_SPACE = " \t\r\n"
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


class GoTemplateError(ValueError):
    """A template outside the supported subset, or one that fails on the given data."""


@dataclass(frozen=True)
class _Text:
    text: str


@dataclass(frozen=True)
class _Output:
    expr: Any


@dataclass(frozen=True)
class _Assign:
    name: str
    expr: Any
    declare: bool


@dataclass(frozen=True)
class _If:
    branches: tuple[tuple[Any, tuple[Any, ...]], ...]
    otherwise: tuple[Any, ...]


@dataclass(frozen=True)
class _Range:
    names: tuple[str, ...]
    expr: Any
    body: tuple[Any, ...]


def render(source: str, data: Any) -> str:
    """Render ``source`` with ``data`` as dot (and ``$``)."""
    nodes, rest = _parse(_lex(source), 0, ())
    if rest is not None:
        raise GoTemplateError(f"unexpected {{{{{rest[0]}}}}} outside a block")
    out: list[str] = []
    _run(nodes, data, [{"$": data}], out)
    return "".join(out)


# --------------------------------------------------------------------------- lexing and parsing


def _lex(source: str) -> list[tuple[str, str]]:
    """('text', s) and ('action', s) pieces, with the trim markers applied to the texts."""
    pieces: list[tuple[str, str]] = []
    position, trim_next = 0, False
    for match in _ACTION.finditer(source):
        text = source[position : match.start()]
        if trim_next:
            text = text.lstrip(_SPACE)
        if match.group(1):
            text = text.rstrip(_SPACE)
        pieces.append(("text", text))
        body = match.group(2).strip()
        if not (body.startswith("/*") and body.endswith("*/")):
            pieces.append(("action", body))
        trim_next, position = bool(match.group(3)), match.end()
    tail = source[position:]
    pieces.append(("text", tail.lstrip(_SPACE) if trim_next else tail))
    if "{{" in tail:
        raise GoTemplateError(f"unclosed action near {tail[tail.index('{{') :][:30]!r}")
    return [p for p in pieces if p != ("text", "")]


def _parse(pieces: list[tuple[str, str]], at: int, stop: Sequence[str]) -> tuple[tuple[Any, ...], Any]:
    """Nodes from ``at`` up to a closing keyword; returns (nodes, (keyword, rest, next index)) or None at the end."""
    nodes: list[Any] = []
    while at < len(pieces):
        kind, body = pieces[at]
        at += 1
        if kind == "text":
            nodes.append(_Text(body))
            continue
        word, _, rest = body.partition(" ")
        if word in ("end", "else"):
            if word not in stop:
                raise GoTemplateError(f"unexpected {{{{{body}}}}}")
            return tuple(nodes), (word, rest.strip(), at)
        if word == "if":
            node, at = _parse_if(pieces, at, rest)
            nodes.append(node)
        elif word == "range":
            names, expr = _range_head(rest)
            body_nodes, closing = _parse(pieces, at, ("end",))
            if closing is None or closing[0] != "end":
                raise GoTemplateError(f"{{{{range {rest}}}}} has no {{{{end}}}}")
            nodes.append(_Range(names, expr, body_nodes))
            at = closing[2]
        elif word in ("with", "define", "template", "block", "break", "continue"):
            raise GoTemplateError(f"{{{{{word}}}}} is outside the supported subset")
        else:
            nodes.append(_statement(body))
    if stop:
        raise GoTemplateError(f"missing {{{{end}}}} (expected one of {', '.join(stop)})")
    return tuple(nodes), None


def _parse_if(pieces: list[tuple[str, str]], at: int, condition: str) -> tuple[_If, int]:
    branches = []
    while True:
        body, closing = _parse(pieces, at, ("end", "else"))
        if closing is None:
            raise GoTemplateError(f"{{{{if {condition}}}}} has no {{{{end}}}}")
        branches.append((_expression(condition), body))
        word, rest, at = closing
        if word == "end":
            return _If(tuple(branches), ()), at
        if rest.startswith("if "):
            condition = rest[3:]
            continue
        if rest:
            raise GoTemplateError(f"{{{{else {rest}}}}} is outside the supported subset")
        otherwise, closing = _parse(pieces, at, ("end",))
        if closing is None or closing[0] != "end":
            raise GoTemplateError("{{else}} has no {{end}}")
        return _If(tuple(branches), otherwise), closing[2]


def _range_head(text: str) -> tuple[tuple[str, ...], Any]:
    names: tuple[str, ...] = ()
    if ":=" in text:
        left, _, text = text.partition(":=")
        names = tuple(n.strip() for n in left.split(","))
        if not 1 <= len(names) <= 2 or not all(re.fullmatch(r"\$\w+", n) for n in names):
            raise GoTemplateError(f"range variables {left.strip()!r} are not $a or $a, $b")
    return names, _expression(text)


def _statement(body: str) -> Any:
    match = re.match(r"(\$\w+)\s*(:=|=)\s*(.*)", body, re.DOTALL)
    if match and not match.group(3).startswith("="):
        return _Assign(match.group(1), _expression(match.group(3)), match.group(2) == ":=")
    return _Output(_expression(body))


def _tokens(text: str) -> list[tuple[str, str]]:
    out, position = [], 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            raise GoTemplateError(f"cannot read {text[position:][:30]!r}")
        kind = match.lastgroup or ""
        out.append((kind, match.group(kind)))
        position = match.end()
    return out


def _expression(text: str) -> Any:
    tokens = _tokens(text)
    expr, at = _command(tokens, 0)
    if at != len(tokens):
        raise GoTemplateError(f"unexpected {tokens[at][1]!r} in {text!r}")
    return expr


def _command(tokens: list[tuple[str, str]], at: int) -> tuple[Any, int]:
    """A function call (identifier then operands) or one operand, up to ')' or the end."""
    if at >= len(tokens):
        raise GoTemplateError("empty pipeline")
    kind, value = tokens[at]
    if kind == "ident" and value not in ("true", "false", "nil"):
        if value not in _FUNCTIONS:
            raise GoTemplateError(f"function {value!r} is outside the supported subset ({', '.join(_FUNCTIONS)})")
        args, at = [], at + 1
        while at < len(tokens) and tokens[at][1] != ")":
            arg, at = _operand(tokens, at)
            args.append(arg)
        return ("call", value, tuple(args)), at
    return _operand(tokens, at)


def _operand(tokens: list[tuple[str, str]], at: int) -> tuple[Any, int]:
    kind, value = tokens[at]
    if value == "(":
        expr, at = _command(tokens, at + 1)
        if at >= len(tokens) or tokens[at][1] != ")":
            raise GoTemplateError("missing ')'")
        return expr, at + 1
    if kind == "str":
        return ("lit", re.sub(r"\\(.)", lambda m: _escape(m.group(1)), value[1:-1])), at + 1
    if kind == "raw":
        return ("lit", value[1:-1]), at + 1
    if kind == "num":
        return ("lit", int(value)), at + 1
    if kind == "ident":
        return ("lit", {"true": True, "false": False, "nil": None}[value]), at + 1
    if kind == "field":
        return ("field", None, tuple(p for p in value.split(".") if p)), at + 1
    if kind == "var":
        name, *path = value.split(".")
        return ("field", name, tuple(path)), at + 1
    raise GoTemplateError(f"unexpected {value!r}")


def _escape(char: str) -> str:
    if char not in _ESCAPES:
        raise GoTemplateError(f"string escape \\{char} is outside the supported subset")
    return _ESCAPES[char]


# --------------------------------------------------------------------------- evaluation


def _run(nodes: Sequence[Any], dot: Any, scopes: list[dict[str, Any]], out: list[str]) -> None:
    for node in nodes:
        if isinstance(node, _Text):
            out.append(node.text)
        elif isinstance(node, _Output):
            out.append(_printed(_eval(node.expr, dot, scopes)))
        elif isinstance(node, _Assign):
            value = _eval(node.expr, dot, scopes)
            if node.declare:
                scopes[-1][node.name] = value
            else:
                scope = next((s for s in reversed(scopes) if node.name in s), None)
                if scope is None:
                    raise GoTemplateError(f"undefined variable {node.name}")
                scope[node.name] = value
        elif isinstance(node, _If):
            for condition, body in node.branches:
                if _truth(_eval(condition, dot, scopes)):
                    _run(body, dot, [*scopes, {}], out)
                    break
            else:
                _run(node.otherwise, dot, [*scopes, {}], out)
        else:
            items = _eval(node.expr, dot, scopes)
            if not isinstance(items, list | tuple):
                raise GoTemplateError(f"range over {type(items).__name__}, not a list")
            for index, item in enumerate(items):
                names = dict(zip(node.names[::-1], (item, index), strict=False)) if node.names else {}
                _run(node.body, item, [*scopes, names], out)


def _eval(expr: Any, dot: Any, scopes: list[dict[str, Any]]) -> Any:
    kind = expr[0]
    if kind == "lit":
        return expr[1]
    if kind == "call":
        return _FUNCTIONS[expr[1]](*(_eval(arg, dot, scopes) for arg in expr[2]))
    _, name, path = expr
    if name is None:
        value = dot
    else:
        scope = next((s for s in reversed(scopes) if name in s), None)
        if scope is None:
            raise GoTemplateError(f"undefined variable {name}")
        value = scope[name]
    for part in path:
        if not isinstance(value, dict) or part not in value:
            raise GoTemplateError(f"can't evaluate field {part} in {type(value).__name__}")
        value = value[part]
    return value


def _truth(value: Any) -> bool:
    return bool(value) if value is not None else False


def _printed(value: Any) -> str:
    if value is None:
        return "<no value>"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _slice(value: Any, *bounds: int) -> Any:
    if len(bounds) > 2:
        raise GoTemplateError("slice takes at most two indexes here")
    return value[slice(*bounds)] if len(bounds) == 2 else value[bounds[0] :] if bounds else value


def _and(*values: Any) -> Any:
    for value in values:
        if not _truth(value):
            return value
    return values[-1]


def _or(*values: Any) -> Any:
    for value in values:
        if _truth(value):
            return value
    return values[-1]


_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "eq": lambda a, *others: any(a == b for b in others),
    "ne": lambda a, b: a != b,
    "and": _and,
    "or": _or,
    "not": lambda a: not _truth(a),
    "len": len,
    "index": lambda value, *keys: _index(value, keys),
    "slice": _slice,
}


def _index(value: Any, keys: Sequence[Any]) -> Any:
    for key in keys:
        try:
            value = value[key]
        except (IndexError, KeyError, TypeError):
            raise GoTemplateError(f"index {key!r} out of range") from None
    return value
