"""Size and speed budgets: tokens, words and seconds a reply may take.

Small persona models ramble or get truncated; these checks catch a reply that runs past its
budget and point at the word where the limit was passed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from itertools import islice
from typing import Any

import regex

from . import register_check
from .base import CheckArgError, CheckContext, CheckResult, Param, check_error, failed, passed

# A word: a run of letters, marks and digits in any script (Arabic harakat and Persian joiners
# stay inside the word), joined by an apostrophe or hyphen ("don't", "well-known") or, between
# digits, by . , : / ("4.5", "5:30"). Each Han or kana character counts as a word of its own.
# The stdlib engine is used for speed; combining marks (which it does not count as word
# characters) are first replaced by a letter in a same-length copy of the text.
_IDEOGRAPHS = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_WORD_CHAR = rf"[^\W{_IDEOGRAPHS}]"
WORD_RE = re.compile(rf"[{_IDEOGRAPHS}]|{_WORD_CHAR}+(?:(?:['’\-]|(?<=[0-9])[.,:/](?=[0-9])){_WORD_CHAR}+)*")
_MARKS_RE = regex.compile(r"[\p{M}\u200c\u200d]")
_SYMBOLS_RE = re.compile(r"[^\w\s]+")
_BYTES_PER_TOKEN = 4


_INNER_EMPHASIS_RE = re.compile(r"(?<=[^\W_])[*_]+(?=[^\W_])")  # "**A**¼**A**": markers inside a word
_EMPHASIS_RE = re.compile(r"[*_]+")


def word_view(text: str) -> str:
    """``text`` with combining marks and joiners replaced by a letter, and markdown emphasis markers
    by a letter inside a word or a space around it (same length, same offsets), so ``**bold**``
    counts the words it wraps."""
    if _MARKS_RE.search(text):
        text = _MARKS_RE.sub("a", text)
    if "*" in text or "_" in text:
        text = _INNER_EMPHASIS_RE.sub(lambda m: "a" * len(m.group()), text)
        text = _EMPHASIS_RE.sub(lambda m: " " * len(m.group()), text)
    return text


def count_words(text: str) -> int:
    """Unicode words in ``text`` (see WORD_RE)."""
    return len(WORD_RE.findall(word_view(text)))


def approx_tokens(text: str) -> int:
    """Deterministic token estimate: max(words + symbols, ceil(UTF-8 bytes / 4))."""
    view = word_view(text)
    words = len(WORD_RE.findall(view))
    symbols = len(view) - len(_SYMBOLS_RE.sub("", view))
    size = len(text.encode("utf-8", "surrogatepass"))
    return max(words + symbols, math.ceil(size / _BYTES_PER_TOKEN))


def _positive_int(name: str) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    def prepare(args: dict[str, Any], base_dir: Any) -> dict[str, Any]:
        if args["max"] < 0:
            raise CheckArgError(f"{name} max must be 0 or more, got {args['max']}")
        return args

    return prepare


def _word_at(reply: str, index: int) -> tuple[int, int]:
    """The span of the word holding ``index`` (or just that character)."""
    index = min(max(index, 0), max(len(reply) - 1, 0))
    view = word_view(reply[: index + 200])
    for m in WORD_RE.finditer(view, max(0, index - 200)):
        if m.start() <= index < m.end():
            return m.span()
        if m.start() > index:
            break
    return index, min(index + 1, len(reply))


def _first_over(count: Callable[[str], int], reply: str, limit: int) -> int:
    """Smallest prefix length whose count exceeds ``limit`` (galloping, then bisection)."""
    hi = 64
    while hi < len(reply) and count(reply[:hi]) <= limit:
        hi *= 2
    hi = min(hi, len(reply))
    lo = hi // 2 if hi > 64 else 0
    while lo < hi:
        mid = (lo + hi) // 2
        if count(reply[:mid]) > limit:
            hi = mid
        else:
            lo = mid + 1
    return lo


@register_check(
    "max_tokens",
    main="max",
    params={"max": Param((int,), required=True, help="most tokens the reply may have")},
    prepare=_positive_int("max_tokens"),
)
def max_tokens(reply: str, args: Mapping[str, Any], ctx: CheckContext) -> CheckResult:
    """The reply has at most ``max`` tokens (the checkpoint's tokenizer, else an estimate)."""
    limit = args["max"]
    if ctx.count_tokens is not None:
        count, how = ctx.count_tokens, "checkpoint tokenizer"
    else:
        count, how = approx_tokens, "estimate: max(words + symbols, UTF-8 bytes / 4)"
    try:
        total = count(reply)
    except Exception as exc:  # a broken tokenizer must say so, not pass
        return check_error(f"tokenizer failed: {type(exc).__name__}: {exc}")
    if total <= limit:
        return passed(f"{total} tokens <= {limit} ({how})")
    cut = _first_over(count, reply, limit)
    span = _word_at(reply, cut - 1)
    return failed(f"{total} tokens > {limit} ({how}); limit passed", reply, span)


@register_check(
    "max_words",
    main="max",
    params={"max": Param((int,), required=True, help="most words the reply may have")},
    prepare=_positive_int("max_words"),
)
def max_words(reply: str, args: Mapping[str, Any], ctx: CheckContext) -> CheckResult:
    """The reply has at most ``max`` words (Unicode words: Arabic, Turkish, CJK characters count)."""
    limit = args["max"]
    view = word_view(reply)
    total = len(WORD_RE.findall(view))
    if total <= limit:
        return passed(f"{total} words <= {limit}")
    over = next(islice(WORD_RE.finditer(view), limit, None))
    return failed(f"{total} words > {limit}; word {limit + 1}", reply, over.span())


def _prepare_latency(args: dict[str, Any], base_dir: Any) -> dict[str, Any]:
    if not args["seconds"] > 0:
        raise CheckArgError(f"max_latency seconds must be positive, got {args['seconds']!r}")
    return args


@register_check(
    "max_latency",
    main="seconds",
    params={"seconds": Param((int, float), required=True, help="most seconds the reply may take")},
    prepare=_prepare_latency,
)
def max_latency(reply: str, args: Mapping[str, Any], ctx: CheckContext) -> CheckResult:
    """The reply took at most ``seconds`` to generate; a reply with no recorded latency fails."""
    limit = float(args["seconds"])
    if ctx.latency_s is None:
        return failed(
            f"no latency was recorded for this reply, so the {limit:g} s budget cannot be verified "
            "(the backend or replay record gave no latency_s)"
        )
    latency = float(ctx.latency_s)
    if latency != latency:  # NaN
        return failed("the recorded latency is NaN")
    if latency <= limit:
        return passed(f"{latency:.3f} s <= {limit:g} s")
    return failed(f"took {latency:.3f} s > {limit:g} s")
