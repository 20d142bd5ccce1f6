"""What a case gives a reply to draw on: the system prompt, the turns and the context's facts.

The checks that ground a reply in the case (``no_invented_numbers``, ``no_invented_entities``) read
the context whole: values nested in mappings and lists, and the keys themselves, whose "_"
separates words (``recent_10k`` reads as "recent 10k").
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

from .base import CheckContext

MAX_CONTEXT_NODES = 100_000  # a context larger than this is read in part (bounded time)
_KEY_BREAK = re.compile(r"_+")


def key_text(key: Any) -> Any:
    """A context key as source text: itself (for identifiers) and its words split apart."""
    if not isinstance(key, str):
        return key
    split = _KEY_BREAK.sub(" ", key)
    return key if split == key else f"{key}\n{split}"


def context_leaves(value: Any) -> Iterator[str | int | float | Decimal]:
    """Every leaf of the context and every key: strings (dates as ISO text) and numbers; no booleans or nulls."""
    stack = [value]
    seen = 0
    while stack and seen < MAX_CONTEXT_NODES:
        node = stack.pop()
        seen += 1
        if isinstance(node, Mapping):
            for key, child in node.items():
                stack.append(key_text(key))
                stack.append(child)
        elif isinstance(node, (list, tuple, set, frozenset)):
            stack.extend(node)
        elif isinstance(node, str):
            yield node
        elif isinstance(node, (bool, type(None))):
            continue
        elif isinstance(node, (int, float, Decimal)):
            yield node
        elif isinstance(node, (_dt.date, _dt.time)):
            yield node.isoformat()
        else:
            yield str(node)


def turn_texts(ctx: CheckContext, *, assistant: bool = False) -> list[str]:
    """The system prompt and the user turns (with ``assistant``, the earlier replies too), non-empty."""
    roles = ("system", "user", "assistant") if assistant else ("system", "user")
    return [m.content for m in ctx.messages if m.role in roles and m.content]


__all__ = ["MAX_CONTEXT_NODES", "context_leaves", "key_text", "turn_texts"]
