"""Plain-text checks: a user pattern, required or banned substrings, forbidden whole words.

Matching happens on the reply and the phrases folded alike (``normalize``: NFC/NFKC, curly
quotes straightened, Arabic letter variants, invisible characters dropped, optionally
casefolded) so that a decomposed "é", a curly apostrophe or a Turkish "İ" does not dodge a rule;
spans are mapped back to the raw reply so the detail shows the text the model actually wrote.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import regex

from . import register_check
from .base import (
    CheckArgError,
    CheckContext,
    CheckResult,
    Param,
    check_error,
    failed,
    passed,
    str_list,
)
from .normalize import Phrases, fold, fold_pattern, unemphasize

_FLAG_LETTERS = {
    "i": regex.IGNORECASE,
    "m": regex.MULTILINE,
    "s": regex.DOTALL,
    "x": regex.VERBOSE,
    "a": regex.ASCII,
}
_FLAG_NAMES = {
    "ignorecase": "i",
    "multiline": "m",
    "dotall": "s",
    "verbose": "x",
    "ascii": "a",
}
FORBIDDEN_TIMEOUT_S = 1.0  # forbidden_words reads the whole reply, not only the first SCAN_LIMIT characters


def _quote(items: list[str] | tuple[str, ...], limit: int = 10) -> str:
    shown = ", ".join(repr(s) for s in items[:limit])
    if len(items) > limit:
        shown += f" (+{len(items) - limit} more)"
    return shown


# --------------------------------------------------------------------------- regex


def _guarded(pattern: str, flags: int, compiled: regex.Pattern[str]) -> regex.Pattern[str]:
    """``pattern`` that cannot stop between a letter and its accent ("e" is not in "e\u0301")."""
    close = "\n" if compiled.flags & regex.VERBOSE else ""  # end a trailing verbose comment first
    try:
        return regex.compile(f"(?:{pattern}{close})(?!\\p{{M}})", flags)
    except (regex.error, ValueError, TypeError):
        return compiled


def _prepare_regex(args: dict[str, Any], base_dir: Any) -> dict[str, Any]:
    pattern = args["pattern"]
    raw_flags = args["flags"]
    letters: list[str] = []
    items = [raw_flags] if isinstance(raw_flags, str) else list(raw_flags)
    for item in items:
        if not isinstance(item, str):
            raise CheckArgError(f"regex flags must be letters from 'imsxa', got {item!r}")
        name = _FLAG_NAMES.get(item.lower())
        if name is not None:
            letters.append(name)
            continue
        for letter in item:
            if letter not in _FLAG_LETTERS:
                raise CheckArgError(f"regex flag {letter!r} is not one of 'imsxa' (in flags {raw_flags!r})")
            letters.append(letter)
    flags = 0
    for letter in letters:
        flags |= _FLAG_LETTERS[letter]
    timeout = args["timeout"]
    if not timeout > 0:
        raise CheckArgError(f"regex timeout must be a positive number of seconds, got {timeout!r}")
    try:
        compiled = regex.compile(pattern, flags)
    except (regex.error, ValueError, TypeError) as exc:
        raise CheckArgError(f"regex pattern {pattern!r} does not compile: {exc}") from None
    raw = _guarded(pattern, flags, compiled)
    folded_source = fold_pattern(pattern)
    folded = raw
    if folded_source != pattern:
        try:
            folded = _guarded(folded_source, flags, regex.compile(folded_source, flags))
        except (regex.error, ValueError, TypeError):
            pass  # folding broke the pattern (a literal quote inside an escape): search as written
    return {**args, "flags": "".join(sorted(set(letters))), "_compiled": raw, "_folded": folded}


def _regex_search(reply: str, args: Mapping[str, Any]) -> tuple[int, int] | None:
    """First match, in the reply as written or in its folded form (pattern folded too), as a reply span."""
    budget = float(args["timeout"])
    started = time.perf_counter()
    spans: list[tuple[int, int]] = []
    m = args["_compiled"].search(reply, timeout=budget)
    if m is not None:
        spans.append(m.span())
    view = fold(reply)
    if view.text != reply or args["_folded"] is not args["_compiled"]:
        left = budget - (time.perf_counter() - started)
        if left <= 0:
            raise TimeoutError("regex timed out")
        m = args["_folded"].search(view.text, timeout=left)
        if m is not None:
            spans.append(view.span(*m.span()))
    return min(spans) if spans else None


@register_check(
    "regex",
    main="pattern",
    params={
        "pattern": Param((str,), required=True, help="pattern searched for in the reply (`regex` syntax)"),
        "flags": Param((str, list), default="", help="letters from 'imsxa' (or a list of them)"),
        "negate": Param((bool,), default=False, help="fail when the pattern is found"),
        "timeout": Param((int, float), default=1.0, help="seconds the search may take"),
    },
    prepare=_prepare_regex,
)
def regex_check(reply: str, args: Mapping[str, Any], ctx: CheckContext) -> CheckResult:
    """The reply matches (or, with negate, does not match) a regular expression.

    The pattern is searched in the reply as written and in the reply folded (curly quotes
    straight, NFC, no invisible characters, Arabic letter variants), with its own quotes,
    Arabic letters and digits folded the same way: "can't" finds "can’t"."""
    if "_compiled" not in args:
        args = _prepare_regex({"flags": "", "negate": False, "timeout": 1.0, **args}, None)
    shown = f"/{args['pattern']}/{args.get('flags') or ''}"
    try:
        span = _regex_search(reply, args)
    except TimeoutError:
        return check_error(f"regex {shown} exceeded {float(args['timeout'])} s")
    if args["negate"]:
        if span is None:
            return passed(f"{shown} not found")
        return failed(f"forbidden pattern {shown} found", reply, span)
    if span is None:
        return failed(f"pattern {shown} not found in the reply ({len(reply)} characters)")
    return passed(f"{shown} matched at {span[0]}..{span[1]}")


# --------------------------------------------------------------------------- contains


def _prepare_texts(args: dict[str, Any], base_dir: Any) -> dict[str, Any]:
    texts = str_list(args["text"], "text entries")
    if not texts:
        raise CheckArgError("text needs at least one string")
    for t in texts:
        if not t:
            raise CheckArgError("text entries must not be empty (an empty string is in every reply)")
    phrases = Phrases(texts, case=args["ignore_case"], whole_words=False, what="text entry")
    return {**args, "text": list(texts), "_phrases": phrases}


def _found(reply: str, args: Mapping[str, Any]) -> tuple[list[str], dict[str, tuple[int, int]]]:
    """The text entries, and the first span of each one found in the reply."""
    if "_phrases" not in args:
        args = _prepare_texts({"any": False, "ignore_case": False, **args}, None)
    texts = list(str_list(args["text"], "text entries"))
    return texts, args["_phrases"].each(reply)


@register_check(
    "contains",
    main="text",
    params={
        "text": Param((str, list), required=True, help="string(s) that must occur in the reply"),
        "any": Param((bool,), default=False, help="one of the strings is enough"),
        "ignore_case": Param((bool,), default=False, help="compare casefolded"),
    },
    prepare=_prepare_texts,
)
def contains(reply: str, args: Mapping[str, Any], ctx: CheckContext) -> CheckResult:
    """Every given string (or, with any, at least one) occurs in the reply, both sides folded.

    Both sides are folded (``normalize``): quotes, Arabic letter variants, invisible characters
    and NFC/NFD forms do not matter, and a run of whitespace matches any whitespace."""
    texts, spans = _found(reply, args)
    found = [t for t in texts if t in spans]
    missing = [t for t in texts if t not in spans]
    if args.get("any"):
        if found:
            return passed(f"found {_quote(found)}")
        return failed(f"none of {_quote(texts)} occurs in the reply")
    if missing:
        return failed(f"missing from the reply: {_quote(missing)}")
    return passed(f"found all of {_quote(texts)}")


@register_check(
    "not_contains",
    main="text",
    params={
        "text": Param((str, list), required=True, help="string(s) that must not occur"),
        "ignore_case": Param((bool,), default=False, help="compare casefolded"),
    },
    prepare=_prepare_texts,
)
def not_contains(reply: str, args: Mapping[str, Any], ctx: CheckContext) -> CheckResult:
    """None of the given strings occurs in the reply, both sides folded; span of the first hit.

    Folded like ``contains``: "I'd be happy" is found in "I’d be happy"."""
    texts, spans = _found(reply, args)
    hits = [t for t in texts if t in spans]
    if not hits:
        return passed(f"none of {_quote(texts)} occurs")
    return failed(f"reply contains {_quote(hits)}", reply, min(spans.values()))


# --------------------------------------------------------------------------- forbidden_words


def _prepare_forbidden(args: dict[str, Any], base_dir: Any) -> dict[str, Any]:
    words = str_list(args["words"], "forbidden words")
    if not words:
        raise CheckArgError("forbidden_words needs at least one word")
    return {"words": list(words), "_phrases": Phrases(words, case=True, whole_words=True, what="forbidden word")}


@register_check(
    "forbidden_words",
    main="words",
    params={"words": Param((str, list), required=True, help="words or phrases the reply must not use")},
    prepare=_prepare_forbidden,
)
def forbidden_words(reply: str, args: Mapping[str, Any], ctx: CheckContext) -> CheckResult:
    """No forbidden word or phrase occurs as a whole word (case-, accent-form- and i/ı-insensitive)."""
    if "_phrases" not in args:
        args = _prepare_forbidden(dict(args), None)
    phrases: Phrases = args["_phrases"]
    counts: dict[str, int] = {}
    first: tuple[int, int] | None = None
    try:
        for hit in phrases.finditer(unemphasize(reply), timeout=FORBIDDEN_TIMEOUT_S):  # "_can't_" is "can't"
            counts[hit.phrase] = counts.get(hit.phrase, 0) + 1
            if first is None:
                first = (hit.start, hit.end)
    except TimeoutError:
        return check_error(f"forbidden_words search exceeded {FORBIDDEN_TIMEOUT_S} s")
    if first is None:
        return passed(f"none of {len(phrases.keys)} forbidden words used")
    listed = [f"{w!r}" + (f" ×{n}" if n > 1 else "") for w, n in counts.items()]
    shown = ", ".join(listed[:10]) + (f" (+{len(listed) - 10} more)" if len(listed) > 10 else "")
    return failed(f"forbidden words used: {shown}; first", reply, first)
