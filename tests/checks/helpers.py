"""Helpers shared by the check tests."""

from __future__ import annotations

import time
from typing import Any

# Hostile input (1 MB replies, deep nesting, NUL bytes) must never hang a check. This bound
# catches runaway work (exponential backtracking, quadratic scans) on a busy CI machine; it is
# not a speed goal: those live in benchmarks/.
HANG_LIMIT_S = 10.0


def span_text(reply: str, result: Any) -> str:
    """The part of the reply the result's span points at."""
    assert result.span is not None, result.detail
    return reply[result.span[0] : result.span[1]]


def spaced(text: str) -> str:
    """``text`` with each run of whitespace as one space (phrases match any whitespace run)."""
    return " ".join(text.split()) if text.strip() else " " * bool(text)


def shows(detail: str, offending: str) -> bool:
    """True when the detail's excerpt marks ``offending`` as the offending span."""
    marked = f"»{offending}«"
    return marked in detail or repr(marked)[1:-1] in detail


def started() -> float:
    return time.process_time()


def assert_bounded(since: float) -> None:
    """The CPU time spent since ``since`` is within the hang bound."""
    assert time.process_time() - since < HANG_LIMIT_S
