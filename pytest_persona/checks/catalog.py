"""The check catalog, built from the registry itself: ``pytest --persona-checks`` and the README."""

from __future__ import annotations

import json
from typing import Any

from . import BUILTIN_MODULES, get_check, known_checks


def _default(value: Any) -> str:
    if isinstance(value, tuple):
        value = list(value)
    return json.dumps(value, ensure_ascii=False)


def arguments(name: str) -> str:
    """``{max}`` / ``{markers: []}`` style summary; the shorthand argument comes first, in bold."""
    definition = get_check(name)
    if definition.params is None:
        return "any"
    parts = []
    for key, param in sorted(definition.params.items(), key=lambda kv: kv[0] != definition.main):
        shown = f"**{key}**" if key == definition.main else key
        parts.append(shown if param.required else f"{shown}: {_default(param.default)}")
    return "{" + ", ".join(parts) + "}" if parts else "—"


def catalog_rows(builtin_only: bool = False) -> list[tuple[str, str, str]]:
    names = sorted(BUILTIN_MODULES) if builtin_only else known_checks()
    return [(name, arguments(name), get_check(name).doc) for name in names]


def catalog_markdown() -> str:
    """The README's table of built-in checks (a test keeps the two identical)."""
    lines = ["| check | arguments (**shorthand**) | passes when |", "|---|---|---|"]
    for name, args, doc in catalog_rows(builtin_only=True):
        escaped = doc.replace("|", "\\|")
        lines.append(f"| `{name}` | {args} | {escaped} |")
    return "\n".join(lines) + "\n"


def catalog_text() -> str:
    """Every check this run knows (built-in, conftest, entry points), for ``--persona-checks``."""
    rows = catalog_rows()
    width = max(len(name) for name, _, _ in rows)
    out = []
    for name, args, doc in rows:
        out.append(f"{name.ljust(width)}  {args.replace('**', '')}")
        out.append(f"{' ' * width}  {doc}")
    return "\n".join(out) + "\n"
