"""Structured-output checks: the reply is JSON, it fits a JSON Schema, its fields hold the right values.

Agents built on small models emit JSON that parses but whose content is invented (a shutdown
command that targets "Kitchen oven temperature"); these checks gate the syntax, the shape and
the content separately, and point at the offending part of the reply.
"""

from __future__ import annotations

import contextvars
import functools
import json
import math
import re
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urldefrag, urljoin, urlsplit
from urllib.request import url2pathname

import jsonschema
import jsonschema.validators
import referencing
import referencing.exceptions
import referencing.jsonschema
import regex
import yaml
from jsonschema.exceptions import ValidationError

from . import register_check
from .base import CheckArgError, CheckContext, CheckResult, Param, check_error, failed, passed
from .normalize import find_bounded, fold_text

_DECODER = json.JSONDecoder()
_WS_RE = re.compile(r"[ \t\n\r]*")
_OPEN_RE = re.compile(r"[\[{]")
_NONJSON_CONST_RE = re.compile(r"-?(?:NaN|Infinity)")
_CLOSE_FENCE_RE = re.compile(r"\n[ \t]*```")
_INDEX_RE = re.compile(r"0|[1-9][0-9]{0,17}")
_SPACES_RE = regex.compile(r"\s+")
_MAX_ERRORS_SHOWN = 5
_MAX_ERRORS_COUNTED = 50
_PATTERN_TIMEOUT = 0.25
_VALIDATION_BUDGET_S = 0.5
_DEADLINE: contextvars.ContextVar[float] = contextvars.ContextVar("json_schema_deadline", default=math.inf)
_MATCHER_KEYS = ("enum", "regex", "in_prompt", "equals")


class _NonJSONConstant(ValueError):
    pass


def _reject_constant(name: str) -> Any:
    raise _NonJSONConstant(name)


def _parse_int(digits: str) -> Any:
    # Python refuses to convert integers over 4300 digits; such a number is still valid JSON
    return int(digits) if len(digits) <= 4000 else float(digits)


_STRICT_DECODER = json.JSONDecoder(parse_constant=_reject_constant, parse_int=_parse_int)


def _short(value: Any, width: int = 80) -> str:
    """A value as compact JSON text, cut to ``width`` characters."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        try:
            text = repr(value)
        except RecursionError:
            text = f"<deeply nested {type(value).__name__}>"
    return text if len(text) <= width else text[: width - 1] + "…"


# --------------------------------------------------------------------------- parsing


def _skip_ws(text: str, pos: int) -> int:
    m = _WS_RE.match(text, pos)
    return m.end() if m else pos


def _decode_region(reply: str, start: int, stop: int) -> tuple[Any, int, CheckResult | None]:
    """Decode exactly one JSON value filling ``reply[start:stop]`` (already whitespace-trimmed)."""
    if start >= stop:
        return None, start, failed("the reply holds no JSON value (it is empty)")
    try:
        value, end = _STRICT_DECODER.raw_decode(reply[:stop], start)
    except RecursionError:
        return None, start, failed("JSON is nested too deeply to parse (RecursionError)")
    except json.JSONDecodeError as exc:
        prose = _prose_before_json(reply, start, stop)
        if prose is not None:
            return None, start, failed("prose before the JSON value", reply, prose)
        pos = min(max(exc.pos, start), stop - 1)
        return None, start, failed(f"not JSON ({exc.msg})", reply, (pos, pos + 1))
    except _NonJSONConstant as exc:
        m = _NONJSON_CONST_RE.search(reply, start, stop)
        span = m.span() if m else (start, start + 1)
        return None, start, failed(f"{exc.args[0]} is not JSON (only finite numbers are)", reply, span)
    except ValueError as exc:  # e.g. an integer longer than Python converts
        return None, start, failed(f"not JSON: {exc}")
    if end < stop:
        after = _skip_ws(reply, end)
        return None, start, failed("text after the JSON value", reply, (after, stop))
    return value, start, None


def _prose_before_json(reply: str, start: int, stop: int) -> tuple[int, int] | None:
    """When JSON starts later in the reply, the span of the prose before it."""
    m = _OPEN_RE.search(reply, start, stop)
    if m is None or m.start() == start:
        return None
    try:
        _DECODER.raw_decode(reply[:stop], m.start())
    except (ValueError, RecursionError):
        return None
    return start, len(reply[start : m.start()].rstrip()) + start


def _parse_fenced(reply: str, start: int, stop: int, allow_fence: bool) -> tuple[Any, int, CheckResult | None]:
    """Decode a reply region that starts with a ``` fence."""
    line_end = reply.find("\n", start, stop)
    opening = (start, line_end if line_end >= 0 else stop)
    if not allow_fence:
        detail = "the JSON is wrapped in a ``` fence (allow_fence: true accepts one)"
        return None, start, failed(detail, reply, opening)
    info = reply[start + 3 : opening[1]].strip()
    if info.lower() not in ("", "json"):
        return None, start, failed(f"the fenced block is {info!r}, not json", reply, opening)
    close = _CLOSE_FENCE_RE.search(reply, opening[1], stop) if line_end >= 0 else None
    if close is None:
        return None, start, failed("the ``` fence is never closed", reply, opening)
    after = _skip_ws(reply, close.end())
    if after < stop:
        return None, start, failed("text after the fenced JSON block", reply, (after, stop))
    body = reply[opening[1] + 1 : close.start()]
    body_start = opening[1] + 1 + len(body) - len(body.lstrip())
    body_stop = opening[1] + 1 + len(body.rstrip())
    if body_stop <= body_start:
        return None, start, failed("the fenced block is empty", reply, opening)
    return _decode_region(reply, body_start, body_stop)


def _parse(reply: str, allow_fence: bool) -> tuple[Any, int, CheckResult | None]:
    """(value, offset of the JSON text in the reply, failure or None)."""
    start = len(reply) - len(reply.lstrip())
    stop = len(reply.rstrip())
    if start >= stop:
        return None, start, failed("the reply is empty, not JSON")
    fence = reply.find("```", start, stop)
    if fence == start:
        return _parse_fenced(reply, start, stop, allow_fence)
    value, offset, failure = _decode_region(reply, start, stop)
    if failure is not None and allow_fence and fence > start:
        if _parse_fenced(reply, fence, stop, True)[2] is None:
            # prose, then a good fenced block: say so rather than report a JSON syntax error
            prose_end = len(reply[start:fence].rstrip()) + start
            return None, start, failed("prose before the fenced JSON block", reply, (start, prose_end))
    return value, offset, failure


def parse_reply_json(reply: str, allow_fence: bool = False) -> tuple[Any, CheckResult | None]:
    """Parse the reply as exactly one JSON value: ``(value, None)`` or ``(None, failing result)``."""
    value, _, failure = _parse(reply, allow_fence)
    return value, failure


# --------------------------------------------------------------------------- JSON pointers


def parse_pointer(pointer: str) -> tuple[str, ...]:
    """RFC 6901: "/a~1b/0" -> ("a/b", "0"); raises ValueError on a malformed pointer."""
    if pointer == "":
        return ()
    if not pointer.startswith("/"):
        raise ValueError(f"JSON pointer {pointer!r} must start with '/'")
    tokens = []
    for raw in pointer[1:].split("/"):
        if re.search(r"~(?![01])", raw):
            raise ValueError(f"JSON pointer {pointer!r} has a '~' not followed by 0 or 1")
        tokens.append(raw.replace("~1", "/").replace("~0", "~"))
    return tuple(tokens)


def format_pointer(tokens: Any) -> str:
    """("a/b", 0) -> "/a~1b/0"; the root is shown as "/" for readability."""
    parts = [str(t).replace("~", "~0").replace("/", "~1") for t in tokens]
    return "/" + "/".join(parts) if parts else "/"


_MISSING = object()


def _resolve(value: Any, tokens: tuple[str, ...]) -> tuple[Any, int]:
    """(value at the pointer or _MISSING, number of tokens resolved)."""
    current = value
    for depth, token in enumerate(tokens):
        if isinstance(current, dict):
            if token not in current:
                return _MISSING, depth
            current = current[token]
        elif isinstance(current, list):
            if not _INDEX_RE.fullmatch(token) or int(token) >= len(current):
                return _MISSING, depth
            current = current[int(token)]
        else:
            return _MISSING, depth
    return current, len(tokens)


def locate_pointer(reply: str, offset: int, tokens: tuple[Any, ...]) -> tuple[int, int] | None:
    """The span in ``reply`` of the JSON value at ``tokens`` (or of its deepest existing parent)."""
    try:
        i = _skip_ws(reply, offset)
        best = (i, _DECODER.raw_decode(reply, i)[1])
        for token in tokens:
            found = _child_start(reply, i, str(token))
            if found is None:
                break
            i = found
            best = (i, _DECODER.raw_decode(reply, i)[1])
        return best
    except (ValueError, IndexError, RecursionError):
        return None


def _child_start(reply: str, i: int, token: str) -> int | None:
    opener = reply[i]
    if opener not in "{[":
        return None
    j = _skip_ws(reply, i + 1)
    closer = "}" if opener == "{" else "]"
    if reply[j] == closer:
        return None
    found: int | None = None
    index = 0
    while True:
        if opener == "{":
            key, j = json.decoder.scanstring(reply, j + 1)
            j = _skip_ws(reply, j)
            j = _skip_ws(reply, j + 1)  # past ':'
            if key == token:
                found = j  # keep scanning: with duplicate keys the last one wins
        elif str(index) == token:
            return j
        end = _DECODER.raw_decode(reply, j)[1]
        j = _skip_ws(reply, end)
        index += 1
        if reply[j] != ",":
            return found
        j = _skip_ws(reply, j + 1)


# --------------------------------------------------------------------------- json_valid


@register_check(
    "json_valid",
    main="allow_fence",
    params={
        "allow_fence": Param((bool,), default=False, help="accept one ```json fenced block and nothing else"),
    },
)
def json_valid(reply: str, args: Mapping[str, Any], ctx: CheckContext) -> CheckResult:
    """The whole reply (whitespace aside) is exactly one JSON value; no prose, NaN or Infinity."""
    value, failure = parse_reply_json(reply, bool(args.get("allow_fence")))
    if failure is not None:
        return failure
    kind = {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}
    return passed(f"one JSON {kind.get(type(value), 'number')}")


# --------------------------------------------------------------------------- json_schema


def _read_document(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() in (".yaml", ".yml"):
        return yaml.safe_load(text)
    return json.loads(text)


def _uri_to_path(uri: str) -> Path:
    parts = urlsplit(uri)
    return Path(url2pathname(unquote(parts.path)))


def _retrieve(uri: str) -> referencing.Resource:
    """Resolve a $ref document: local files only, never the network."""
    scheme = urlsplit(uri).scheme
    if scheme in ("http", "https"):
        raise LookupError(f"remote $ref {uri} refused: pytest-persona never fetches schemas over the network")
    if scheme != "file":
        raise LookupError(f"$ref {uri!r} is neither a local file nor a schema declared in the loaded files")
    path = _uri_to_path(uri)
    return referencing.Resource.from_contents(
        _read_document(path), default_specification=referencing.jsonschema.DRAFT202012
    )


class _ValidationTimeout(Exception):
    """Schema validation ran past its time budget (a huge reply)."""


def _timed(keyword: Any) -> Any:
    """Wrap a keyword so validation stops once the time budget is spent."""

    @functools.wraps(keyword)
    def check_deadline(validator: Any, value: Any, instance: Any, schema: Any) -> Any:
        if time.monotonic() > _DEADLINE.get():
            raise _ValidationTimeout
        return keyword(validator, value, instance, schema)

    return check_deadline


def _pattern_timeout() -> float:
    return max(0.01, min(_PATTERN_TIMEOUT, _DEADLINE.get() - time.monotonic()))


@functools.lru_cache(maxsize=512)
def _compiled_pattern(pattern: str) -> Any:
    return regex.compile(pattern)


def _pattern_keyword(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "string"):
        return
    try:
        found = _compiled_pattern(pattern).search(instance, timeout=_pattern_timeout())
    except TimeoutError:
        yield ValidationError(f"pattern {pattern!r} timed out on {_short(instance)}")
        return
    except regex.error as exc:
        yield ValidationError(f"schema pattern {pattern!r} does not compile: {exc}")
        return
    if found is None:
        yield ValidationError(f"{_short(instance)} does not match {pattern!r}")


def _pattern_properties_keyword(
    validator: Any, patterns: Mapping[str, Any], instance: Any, schema: Any
) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in patterns.items():
        compiled = _compiled_pattern(pattern)
        for key, value in instance.items():
            try:
                hit = compiled.search(key, timeout=_pattern_timeout())
            except TimeoutError:
                yield ValidationError(f"pattern {pattern!r} timed out on key {_short(key)}")
                continue
            if hit:
                yield from validator.descend(value, subschema, path=key, schema_path=pattern)


def _collect_refs(document: Any, base: str, ids: set[str]) -> list[tuple[str, str]]:
    """(document URI, full URI) of each $ref in ``document``; records the $ids it declares."""
    refs: list[tuple[str, str]] = []
    stack: list[tuple[Any, str]] = [(document, base)]
    while stack:
        node, node_base = stack.pop()
        if isinstance(node, dict):
            for id_key in ("$id", "id"):
                ident = node.get(id_key)
                if isinstance(ident, str) and not ident.startswith("#"):
                    node_base = urldefrag(urljoin(node_base, ident)).url
                    ids.add(node_base)
            for ref_key in ("$ref", "$dynamicRef", "$recursiveRef"):
                ref = node.get(ref_key)
                if isinstance(ref, str):
                    full = urljoin(node_base, ref)
                    refs.append((urldefrag(full).url, full if ref_key == "$ref" else ""))
            for key, child in node.items():
                if key not in ("enum", "const", "default", "examples"):
                    stack.append((child, node_base))
        elif isinstance(node, list):
            stack.extend((child, node_base) for child in node)
    return refs


def _build_validator(schema: Any, base_uri: str, where: str) -> Any:
    if isinstance(schema, dict) and "$schema" in schema:
        if jsonschema.validators.validator_for(schema, default=None) is None:
            raise CheckArgError(f"{where}: unknown $schema {schema['$schema']!r}")
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    try:
        cls.check_schema(schema)
    except jsonschema.SchemaError as exc:
        at = format_pointer(exc.absolute_path)
        raise CheckArgError(f"{where}: invalid JSON Schema at {at}: {exc.message}") from None
    id_key = "id" if cls in (jsonschema.Draft3Validator, jsonschema.Draft4Validator) else "$id"
    if isinstance(schema, dict) and id_key not in schema:
        schema = {**schema, id_key: base_uri}  # relative $refs resolve against the schema's file
    spec = referencing.jsonschema.specification_with(
        cls.META_SCHEMA.get("$schema", ""), default=referencing.jsonschema.DRAFT202012
    )
    root_id = urldefrag(schema.get(id_key, base_uri) if isinstance(schema, dict) else base_uri).url
    ids: set[str] = {root_id}
    resources: dict[str, referencing.Resource] = {}
    full_refs: list[str] = []
    pending = [(schema, root_id)]
    while pending:
        document, doc_base = pending.pop()
        for target, full in _collect_refs(document, doc_base, ids):
            if full:
                full_refs.append(full)
            if not target or target in ids or target in resources:
                continue
            scheme = urlsplit(target).scheme
            if scheme in ("http", "https"):
                if _is_known_metaschema(target):
                    continue
                raise CheckArgError(
                    f"{where}: remote $ref {target} refused (schemas are read from local files only; "
                    "use a path relative to the schema file)"
                )
            if scheme != "file":
                continue
            path = _uri_to_path(target)
            try:
                contents = _read_document(path)
            except (OSError, ValueError, yaml.YAMLError) as exc:
                raise CheckArgError(f"{where}: $ref to {path} cannot be loaded: {exc}") from None
            resources[target] = referencing.Resource.from_contents(contents, default_specification=spec)
            pending.append((contents, target))
    registry: referencing.Registry = referencing.Registry(retrieve=_retrieve).with_resources(resources.items())
    _check_refs_resolve(registry, root_id, schema, spec, full_refs, ids, where)
    keywords = dict(cls.VALIDATORS)
    keywords.update(pattern=_pattern_keyword, patternProperties=_pattern_properties_keyword)
    extended = jsonschema.validators.extend(cls, validators={k: _timed(f) for k, f in keywords.items()})
    return extended(schema, registry=registry, format_checker=cls.FORMAT_CHECKER)


def _check_refs_resolve(
    registry: referencing.Registry,
    root_id: str,
    schema: Any,
    spec: Any,
    refs: list[str],
    ids: set[str],
    where: str,
) -> None:
    """Fail at load time on a $ref that points nowhere (a missing #/$defs/… entry)."""
    root = referencing.Resource.from_contents(schema, default_specification=spec)
    resolver = registry.with_resource(root_id, root).resolver(base_uri=root_id)
    for ref in refs:
        if urlsplit(ref).scheme not in ("file", "") and urldefrag(ref).url not in ids:
            continue  # a meta-schema or a non-file URI: left to validation time
        try:
            resolver.lookup(ref)
        except referencing.exceptions.Unresolvable as exc:
            raise CheckArgError(f"{where}: $ref {ref} cannot be resolved ({type(exc).__name__})") from None


def _is_known_metaschema(uri: str) -> bool:
    try:
        referencing.jsonschema.specification_with(uri)
    except referencing.jsonschema.UnknownDialect:
        return False
    return True


@functools.lru_cache(maxsize=128)
def _validator_for_file(path: Path, mtime_ns: int, size: int) -> Any:
    try:
        schema = _read_document(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise CheckArgError(f"json_schema: cannot read schema file {path}: {exc}") from None
    except (ValueError, yaml.YAMLError) as exc:
        raise CheckArgError(f"json_schema: schema file {path} is not valid JSON/YAML: {exc}") from None
    return _build_validator(schema, path.as_uri(), f"json_schema: schema file {path}")


def _prepare_schema(args: dict[str, Any], base_dir: Path | None) -> dict[str, Any]:
    schema = args["schema"]
    root = Path(base_dir) if base_dir is not None else Path.cwd()
    if isinstance(schema, str):
        path = (root / schema).resolve()
        try:
            stat = path.stat()
        except OSError:
            raise CheckArgError(f"json_schema: schema file {path} not found (from {schema!r})") from None
        if not path.is_file():
            raise CheckArgError(f"json_schema: schema path {path} is not a file")
        validator = _validator_for_file(path, stat.st_mtime_ns, stat.st_size)
    else:
        base_uri = (root.resolve() / "inline-schema.json").as_uri()
        validator = _build_validator(schema, base_uri, "json_schema: inline schema")
    return {**args, "_validator": validator}


def _schema_errors(validator: Any, value: Any) -> tuple[list[ValidationError], bool]:
    errors: list[ValidationError] = []
    token = _DEADLINE.set(time.monotonic() + _VALIDATION_BUDGET_S)
    try:
        for error in validator.iter_errors(value):
            errors.append(error)
            if len(errors) >= _MAX_ERRORS_COUNTED:
                return errors, True
    finally:
        _DEADLINE.reset(token)
    return errors, False


def _path_key(error: ValidationError) -> list[tuple[int, int, str]]:
    return [(0, p, "") if isinstance(p, int) else (1, 0, str(p)) for p in error.absolute_path]


@register_check(
    "json_schema",
    main="schema",
    params={
        "schema": Param((str, dict), required=True, help="schema file (relative to the eval set) or inline"),
        "allow_fence": Param((bool,), default=False, help="accept one ```json fenced block"),
    },
    prepare=_prepare_schema,
)
def json_schema(reply: str, args: Mapping[str, Any], ctx: CheckContext) -> CheckResult:
    """The reply is one JSON value valid against a JSON Schema (Draft 2020-12 unless $schema says)."""
    if "_validator" not in args:
        args = _prepare_schema(dict(args), ctx.base_dir)
    value, offset, failure = _parse(reply, bool(args.get("allow_fence")))
    if failure is not None:
        return failure
    try:
        errors, more = _schema_errors(args["_validator"], value)
    except RecursionError:
        return failed("JSON is nested too deeply to validate (RecursionError)")
    except _ValidationTimeout:
        return check_error(f"schema validation exceeded {_VALIDATION_BUDGET_S} s (reply of {len(reply)} characters)")
    except referencing.exceptions.Unresolvable as exc:
        return check_error(f"schema $ref cannot be resolved: {exc}")
    if not errors:
        return passed("valid against the schema")
    errors.sort(key=_path_key)
    lines = []
    for error in errors[:_MAX_ERRORS_SHOWN]:
        message = error.message if len(error.message) <= 200 else error.message[:199] + "…"
        lines.append(f"{format_pointer(error.absolute_path)}: {message}")
    count = f"{len(errors)}{'+' if more else ''}"
    detail = f"{count} schema error(s): " + "; ".join(lines)
    if len(errors) > _MAX_ERRORS_SHOWN:
        detail += f"; (+{len(errors) - _MAX_ERRORS_SHOWN}{'+' if more else ''} more)"
    span = locate_pointer(reply, offset, tuple(errors[0].absolute_path))
    return failed(detail + "; first", reply, span) if span else failed(detail)


# --------------------------------------------------------------------------- json_fields


def _prepare_fields(args: dict[str, Any], base_dir: Path | None) -> dict[str, Any]:
    fields = args["fields"]
    if not isinstance(fields, Mapping) or not fields:
        raise CheckArgError("json_fields takes a mapping of JSON pointers to expected values, e.g. {/action: open}")
    prepared: list[tuple[str, tuple[str, ...], str, Any]] = []
    for pointer, expected in fields.items():
        if not isinstance(pointer, str) or not pointer.startswith("/"):
            raise CheckArgError(f"json_fields key {pointer!r} must be a JSON pointer starting with '/'")
        try:
            tokens = parse_pointer(pointer)
        except ValueError as exc:
            raise CheckArgError(f"json_fields: {exc}") from None
        if not isinstance(expected, Mapping):
            prepared.append((pointer, tokens, "equals", expected))
            continue
        unknown = sorted(str(k) for k in expected if k not in _MATCHER_KEYS)
        if unknown or not expected:
            raise CheckArgError(
                f"json_fields {pointer}: a matcher mapping takes only {', '.join(_MATCHER_KEYS)} "
                f"(got {', '.join(unknown) or 'nothing'}); to compare with an object use {{equals: …}}"
            )
        for kind, arg in expected.items():
            if kind == "enum" and not isinstance(arg, list):
                raise CheckArgError(f"json_fields {pointer}: enum must be a list, got {arg!r}")
            if kind == "in_prompt" and not isinstance(arg, bool):
                raise CheckArgError(f"json_fields {pointer}: in_prompt must be true or false, got {arg!r}")
            if kind == "regex":
                if not isinstance(arg, str):
                    raise CheckArgError(f"json_fields {pointer}: regex must be a string, got {arg!r}")
                try:
                    arg = regex.compile(arg)
                except (regex.error, ValueError) as exc:
                    raise CheckArgError(f"json_fields {pointer}: regex {arg!r} does not compile: {exc}") from None
            if kind == "in_prompt" and not arg:
                continue
            prepared.append((pointer, tokens, kind, arg))
    return {"fields": dict(fields), "_prepared": prepared}


def json_equal(a: Any, b: Any) -> bool:
    """Equality as JSON means it: true is not 1, 1 equals 1.0, objects ignore key order."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def _prompt_fold(text: str) -> str:
    return _SPACES_RE.sub(" ", fold_text(text, case=True)).strip()


def _leaves(value: Any, limit: int = 1000) -> list[Any]:
    out: list[Any] = []
    stack = [value]
    while stack and len(out) < limit:
        node = stack.pop()
        if isinstance(node, dict):
            stack.extend(reversed(list(node.values())))
        elif isinstance(node, list):
            stack.extend(reversed(node))
        else:
            out.append(node)
    return out


def _in_prompt_problem(value: Any, prompt: str) -> str | None:
    leaves = _leaves(value) if isinstance(value, (dict, list)) else [value]
    if not leaves:
        return f"{_short(value)} is empty, so it cannot come from the user's message"
    for leaf in leaves:
        if isinstance(leaf, bool) or leaf is None:
            return f"{_short(leaf)} is not a string or number, so it cannot come from the user's message"
        text = leaf if isinstance(leaf, str) else _short(leaf)
        needle = _prompt_fold(text)
        if not needle:
            return f"{_short(leaf)} is blank, so it cannot come from the user's message"
        if find_bounded(prompt, needle) < 0:
            return f"{_short(leaf)} does not appear in the user's message"
    return None


def _field_problem(kind: str, arg: Any, actual: Any, prompt: str) -> str | None:
    if kind == "equals":
        return None if json_equal(actual, arg) else f"expected {_short(arg)}, got {_short(actual)}"
    if kind == "enum":
        if any(json_equal(actual, option) for option in arg):
            return None
        return f"{_short(actual)} is not one of {_short(arg, 120)}"
    if kind == "regex":
        if isinstance(actual, str):
            subject = actual
        elif isinstance(actual, (int, float)) and not isinstance(actual, bool):
            subject = _short(actual)
        else:
            return f"{_short(actual)} is not a string, so /{arg.pattern}/ cannot match it"
        try:
            hit = arg.search(subject, timeout=1.0)
        except TimeoutError:
            return f"regex /{arg.pattern}/ exceeded 1.0 s"
        return None if hit else f"{_short(actual)} does not match /{arg.pattern}/"
    if kind == "in_prompt":
        return _in_prompt_problem(actual, prompt)
    return f"unknown matcher {kind!r}"


@register_check(
    "json_fields",
    main="fields",
    mapping_main=True,
    params={"fields": Param((dict,), required=True, help="JSON pointer -> value, {enum}, {regex} or {in_prompt}")},
    prepare=_prepare_fields,
)
def json_fields(reply: str, args: Mapping[str, Any], ctx: CheckContext) -> CheckResult:
    """Fields of the reply's JSON, picked by JSON pointer, equal / match / come from the prompt."""
    if "_prepared" not in args:
        args = _prepare_fields(dict(args), ctx.base_dir)
    value, offset, failure = _parse(reply, True)
    if failure is not None:
        return failure
    prompt = _prompt_fold("\n".join(ctx.user_texts))
    problems: list[str] = []
    first_tokens: tuple[str, ...] | None = None
    try:
        for pointer, tokens, kind, arg in args["_prepared"]:
            actual, depth = _resolve(value, tokens)
            if actual is _MISSING:
                where = format_pointer(tokens[:depth])
                problem = f"missing (nothing at {format_pointer(tokens[: depth + 1])} under {where})"
                located = tokens[:depth]
            else:
                problem = _field_problem(kind, arg, actual, prompt)
                located = tokens
            if problem is not None:
                problems.append(f"{pointer}: {problem}")
                if first_tokens is None:
                    first_tokens = located
    except RecursionError:
        return failed("JSON is nested too deeply to compare (RecursionError)")
    if not problems:
        return passed(f"{len(args['_prepared'])} field check(s) hold")
    detail = f"{len(problems)} field(s) wrong: " + "; ".join(problems[:10])
    if len(problems) > 10:
        detail += f"; (+{len(problems) - 10} more)"
    span = locate_pointer(reply, offset, first_tokens or ())
    return failed(detail + "; first", reply, span) if span else failed(detail)


__all__ = [
    "format_pointer",
    "json_equal",
    "locate_pointer",
    "parse_pointer",
    "parse_reply_json",
]
