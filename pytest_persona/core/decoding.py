"""``response_format:`` of an eval set: the decoding constraint a deployment uses, read and checked.

``{schema: file.json}`` (a JSON Schema, also given inline as a mapping) or ``{grammar: file.gbnf}``
(llama.cpp's GBNF). Files are relative to the eval set. A schema is checked as a schema here, at
collection, so a broken one is an error naming the file, not a failure inside a backend.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..backends.base import Constraint

MAX_FILE_BYTES = 1_000_000  # a schema or grammar larger than this is not a deployment constraint


class ConstraintError(ValueError):
    """A bad ``response_format``; the message names the key or the file."""


def load_constraint(raw: Any, base_dir: Path) -> Constraint | None:
    """The Constraint ``raw`` asks for (None for ``null``: decode freely)."""
    if raw is None:
        return None
    if not isinstance(raw, Mapping) or len(raw) != 1 or next(iter(raw)) not in ("schema", "grammar"):
        raise ConstraintError("give exactly one of {schema: FILE or inline schema} or {grammar: FILE.gbnf}")
    ((kind, value),) = raw.items()
    if kind == "schema":
        return _schema(value, base_dir)
    if not isinstance(value, str) or not value.strip():
        raise ConstraintError("grammar: a path to a GBNF file, relative to the eval set")
    text = _read(base_dir, value, "grammar")
    if not text.strip():
        raise ConstraintError(f"grammar: {value} is empty")
    return Constraint("grammar", text, value)


def _schema(value: Any, base_dir: Path) -> Constraint:
    from ..checks.base import CheckArgError
    from ..checks.structured import _build_validator

    if isinstance(value, Mapping):
        document, origin = dict(value), "inline schema"
    elif isinstance(value, str) and value.strip():
        text = _read(base_dir, value, "schema")
        try:
            document = json.loads(text) if not value.lower().endswith((".yaml", ".yml")) else _yaml(text)
        except ValueError as exc:
            raise ConstraintError(f"schema: {value} is not valid JSON: {exc}") from None
        origin = value
    else:
        raise ConstraintError("schema: a path to a JSON Schema file (relative to the eval set) or an inline schema")
    if not isinstance(document, Mapping):
        raise ConstraintError(f"schema: {origin} must be a JSON object (a JSON Schema)")
    try:
        _build_validator(document, (base_dir.resolve() / "response-format.json").as_uri(), f"schema: {origin}")
    except CheckArgError as exc:
        raise ConstraintError(str(exc)) from None
    return Constraint("json_schema", json.dumps(document, sort_keys=True, ensure_ascii=False), origin)


def _read(base_dir: Path, name: str, key: str) -> str:
    path = (base_dir / name).resolve()
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ConstraintError(f"{key}: {path} is over {MAX_FILE_BYTES:,} bytes")
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConstraintError(f"{key}: file {path} not found (from {name!r})") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConstraintError(f"{key}: cannot read {path}: {exc}") from None


def _yaml(text: str) -> Any:
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValueError(str(exc)) from None
