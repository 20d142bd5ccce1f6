"""Plain-text checks: a user pattern, required or banned substrings, forbidden whole words.

Matching happens on a normalized view of the reply (NFC, optionally casefolded) so that a
decomposed "é" or a Turkish "İ" does not dodge a rule; spans are mapped back to the raw reply
so the detail shows the text the model actually wrote.
"""

from __future__ import annotations

import bisect
import unicodedata
from collections.abc import Callable, Mapping
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

# A character that belongs to a word: letters, combining marks, digits, the underscore, and the
# joiners Persian and Indic scripts use inside words.
WORD_CHAR = r"[\p{L}\p{M}\p{N}_\u200c\u200d]"
_WORD_CHAR_RE = regex.compile(WORD_CHAR)
_SPACES_RE = regex.compile(r"\s+")
_ASCII_RE = regex.compile(r"[\x00-\x7f]")
# Invisible format characters (zero-width, bidi controls), Arabic tatweel and harakat: dropped
# by the loose fold so "كَلب" matches "كلب" and a zero-width space cannot split a banned word.
_LOOSE_DROP_RE = regex.compile(r"[\p{Cf}\u0640\u064b-\u065f\u0670]")

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
_BLOCK = 2048  # chunk size for mapping folded offsets back to the raw text


# --------------------------------------------------------------------------- normalization


def nfc(text: str) -> str:
    """Canonical composition: a decomposed "e\u0301" and a precomposed "é" compare equal."""
    return unicodedata.normalize("NFC", text)


def nfc_casefold(text: str) -> str:
    """NFC, then Unicode casefolding ("Straße" == "STRASSE")."""
    return unicodedata.normalize("NFC", text).casefold()


def loose_fold(text: str) -> str:
    """Compatibility-normalize, casefold, merge Turkish i/ı/İ, drop invisibles and harakat."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    folded = folded.replace("i\u0307", "i").replace("ı", "i")
    return _LOOSE_DROP_RE.sub("", folded)


class FoldedText:
    """A normalized view of ``text`` whose match offsets can be mapped back to raw offsets.

    The text is folded in chunks that always start at an ASCII character, where no Unicode
    normalization or casefolding can reach across; mapping an offset back then needs only a
    binary search inside one chunk, so a 1 MB reply stays fast. ``fold`` must keep the length
    of ASCII text (true of NFC, casefolding and ``loose_fold``).
    """

    def __init__(self, text: str, fold: Callable[[str], str]) -> None:
        self.text = text
        self._fold = fold
        if text.isascii():  # every fold here keeps ASCII text's length: offsets are unchanged
            self.folded = fold(text)
            self._raw_starts: list[int] | None = None
            self._fold_starts: list[int] = []
            return
        raw_starts: list[int] = []
        fold_starts: list[int] = []
        parts: list[str] = []
        i, f, n = 0, 0, len(text)
        while i < n:
            j = min(i + _BLOCK, n)
            if j < n:
                m = _ASCII_RE.search(text, j)
                j = m.start() if m else n
            part = fold(text[i:j])
            raw_starts.append(i)
            fold_starts.append(f)
            parts.append(part)
            f += len(part)
            i = j
        self.folded = "".join(parts)
        self._raw_starts = raw_starts
        self._fold_starts = fold_starts

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        """The span of the raw text that folds to ``folded[start:end]``."""
        if self._raw_starts is None:
            return start, end
        raw_start = self._raw_index(start, end=False)
        raw_end = self._raw_index(end, end=True)
        return raw_start, max(raw_start, raw_end)

    def _raw_index(self, pos: int, end: bool) -> int:
        assert self._raw_starts is not None
        if pos >= len(self.folded):
            return len(self.text)
        if pos <= 0:
            return 0
        # the block holding folded position pos (for an end offset: holding pos - 1)
        key = pos - 1 if end else pos
        b = bisect.bisect_right(self._fold_starts, key) - 1
        raw_lo = self._raw_starts[b]
        raw_hi = self._raw_starts[b + 1] if b + 1 < len(self._raw_starts) else len(self.text)
        block = self.text[raw_lo:raw_hi]
        local = pos - self._fold_starts[b]
        # smallest k with len(fold(block[:k])) > local (start) or >= local (end)
        lo, hi = 0, len(block)
        while lo < hi:
            mid = (lo + hi) // 2
            size = len(self._fold(block[:mid]))
            if size > local or (end and size >= local):
                hi = mid
            else:
                lo = mid + 1
        if not end:
            lo = max(0, lo - 1)
            for _ in range(32):  # never start on a combining mark, start on its base
                if lo == 0 or not unicodedata.combining(block[lo]):
                    break
                lo -= 1
            return raw_lo + lo
        # take in what folds into the last matched character (a combining accent after "e")
        size = len(self._fold(block[:lo]))
        for _ in range(32):
            if lo >= len(block):
                break
            if len(self._fold(block[: lo + 1])) != size and not unicodedata.combining(block[lo]):
                break
            lo += 1
        return raw_lo + lo


_OTHER_DIGITS_RE = regex.compile(r"(?![0-9])\p{Nd}|[\u066a-\u066c]")


# The zero of every block of ten decimal digits (Unicode general category Nd) outside ASCII.
_DIGIT_ZEROS = (
    0x660, 0x6F0, 0x7C0, 0x966, 0x9E6, 0xA66, 0xAE6, 0xB66, 0xBE6, 0xC66, 0xCE6, 0xD66, 0xDE6,
    0xE50, 0xED0, 0xF20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90, 0x1B50,
    0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10,
    0x104A0, 0x10D30, 0x11066, 0x110F0, 0x11136, 0x111D0, 0x112F0, 0x11450, 0x114D0, 0x11650,
    0x116C0, 0x11730, 0x118E0, 0x11950, 0x11C50, 0x11D50, 0x11DA0, 0x16A60, 0x16AC0, 0x16B50,
    0x1D7CE, 0x1D7D8, 0x1D7E2, 0x1D7EC, 0x1D7F6, 0x1E140, 0x1E2F0, 0x1E950, 0x1FBF0,
)  # fmt: skip
_DIGIT_TABLE = {
    zero + i: ord("0") + i for zero in _DIGIT_ZEROS for i in range(10) if unicodedata.decimal(chr(zero + i), None) == i
}
_DIGIT_TABLE.update({0x066A: ord("%"), 0x066B: ord("."), 0x066C: ord(",")})


def normalize_digits(text: str) -> str:
    """Every decimal digit as ASCII ("١٥٠" -> "150", "۴٫۵" -> "4.5"); the length never changes."""
    if text.isascii() or not _OTHER_DIGITS_RE.search(text):
        return text
    return text.translate(_DIGIT_TABLE)


def is_word_char(ch: str) -> bool:
    return bool(_WORD_CHAR_RE.fullmatch(ch))


def find_bounded(haystack: str, needle: str, start: int = 0) -> int:
    """Index of ``needle`` in ``haystack`` not glued to word characters at its word-like edges."""
    if not needle:
        return -1
    check_left = is_word_char(needle[0])
    check_right = is_word_char(needle[-1])
    pos = haystack.find(needle, start)
    while pos >= 0:
        end = pos + len(needle)
        left_ok = not check_left or pos == 0 or not is_word_char(haystack[pos - 1])
        right_ok = not check_right or end == len(haystack) or not is_word_char(haystack[end])
        if left_ok and right_ok:
            return pos
        pos = haystack.find(needle, pos + 1)
    return -1


def _quote(items: list[str] | tuple[str, ...], limit: int = 10) -> str:
    shown = ", ".join(repr(s) for s in items[:limit])
    if len(items) > limit:
        shown += f" (+{len(items) - limit} more)"
    return shown


# --------------------------------------------------------------------------- regex


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
    return {**args, "flags": "".join(sorted(set(letters))), "_compiled": compiled}


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
    """The reply matches (or, with negate, does not match) a regular expression."""
    if "_compiled" not in args:
        args = _prepare_regex({"flags": "", "negate": False, "timeout": 1.0, **args}, None)
    compiled = args["_compiled"]
    shown = f"/{args['pattern']}/{args.get('flags') or ''}"
    try:
        m = compiled.search(reply, timeout=args["timeout"])
    except TimeoutError:
        return check_error(f"regex {shown} exceeded {float(args['timeout'])} s")
    if args["negate"]:
        if m is None:
            return passed(f"{shown} not found")
        return failed(f"forbidden pattern {shown} found", reply, m.span())
    if m is None:
        return failed(f"pattern {shown} not found in the reply ({len(reply)} characters)")
    return passed(f"{shown} matched at {m.start()}..{m.end()}")


# --------------------------------------------------------------------------- contains


def _prepare_texts(args: dict[str, Any], base_dir: Any) -> dict[str, Any]:
    texts = str_list(args["text"], "text entries")
    if not texts:
        raise CheckArgError("text needs at least one string")
    for t in texts:
        if not t:
            raise CheckArgError("text entries must not be empty (an empty string is in every reply)")
    fold = nfc_casefold if args["ignore_case"] else nfc
    return {**args, "text": list(texts), "_needles": [fold(t) for t in texts]}


def _needles(args: Mapping[str, Any]) -> list[str]:
    fold = nfc_casefold if args["ignore_case"] else nfc
    return args.get("_needles") or [fold(t) for t in str_list(args["text"], "text entries")]


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
    """Every given string (or, with any, at least one) occurs in the reply (NFC-normalized)."""
    fold = nfc_casefold if args["ignore_case"] else nfc
    haystack = fold(reply)
    texts = str_list(args["text"], "text entries")
    needles = _needles(args)
    found = [t for t, n in zip(texts, needles, strict=True) if n in haystack]
    missing = [t for t, n in zip(texts, needles, strict=True) if n not in haystack]
    if args["any"]:
        if found:
            return passed(f"found {_quote(found)}")
        return failed(f"none of {_quote(list(texts))} occurs in the reply")
    if missing:
        return failed(f"missing from the reply: {_quote(missing)}")
    return passed(f"found all of {_quote(list(texts))}")


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
    """None of the given strings occurs in the reply (NFC-normalized); span of the first hit."""
    fold = nfc_casefold if args["ignore_case"] else nfc
    view = FoldedText(reply, fold)
    texts = str_list(args["text"], "text entries")
    hits: list[str] = []
    first: tuple[int, int] | None = None
    for text, needle in zip(texts, _needles(args), strict=True):
        pos = view.folded.find(needle)
        if pos < 0:
            continue
        hits.append(text)
        if first is None or pos < first[0]:
            first = (pos, pos + len(needle))
    if first is None:
        return passed(f"none of {_quote(texts)} occurs")
    return failed(f"reply contains {_quote(hits)}", reply, view.raw_span(*first))


# --------------------------------------------------------------------------- forbidden_words


def _word_pattern(folded: str) -> str:
    pieces = [regex.escape(p) for p in folded.split(" ")]
    body = r"\s+".join(pieces)
    left = f"(?<!{WORD_CHAR})" if is_word_char(folded[0]) else ""
    right = f"(?!{WORD_CHAR})" if is_word_char(folded[-1]) else ""
    return f"{left}{body}{right}"


def _prepare_forbidden(args: dict[str, Any], base_dir: Any) -> dict[str, Any]:
    words = str_list(args["words"], "forbidden words")
    if not words:
        raise CheckArgError("forbidden_words needs at least one word")
    by_key: dict[str, str] = {}
    for word in words:
        key = _SPACES_RE.sub(" ", loose_fold(word)).strip()
        if not key:
            raise CheckArgError(f"forbidden word {word!r} is empty once normalized")
        by_key.setdefault(key, word)
    keys = sorted(by_key, key=len, reverse=True)  # longest first: "bad word" before "bad"
    compiled = regex.compile("|".join(_word_pattern(k) for k in keys))
    return {"words": list(words), "_compiled": compiled, "_by_key": by_key}


@register_check(
    "forbidden_words",
    main="words",
    params={"words": Param((str, list), required=True, help="words or phrases the reply must not use")},
    prepare=_prepare_forbidden,
)
def forbidden_words(reply: str, args: Mapping[str, Any], ctx: CheckContext) -> CheckResult:
    """No forbidden word or phrase occurs as a whole word (case-, accent-form- and i/ı-insensitive)."""
    if "_compiled" not in args:
        args = _prepare_forbidden(dict(args), None)
    view = FoldedText(reply, loose_fold)
    by_key: Mapping[str, str] = args["_by_key"]
    counts: dict[str, int] = {}
    first: tuple[int, int] | None = None
    try:
        for m in args["_compiled"].finditer(view.folded, timeout=1.0):
            word = by_key.get(_SPACES_RE.sub(" ", m.group()), m.group())
            counts[word] = counts.get(word, 0) + 1
            if first is None:
                first = m.span()
    except TimeoutError:
        return check_error("forbidden_words search exceeded 1.0 s")
    if first is None:
        return passed(f"none of {len(by_key)} forbidden words used")
    listed = [f"{w!r}" + (f" ×{n}" if n > 1 else "") for w, n in counts.items()]
    shown = ", ".join(listed[:10]) + (f" (+{len(listed) - 10} more)" if len(listed) > 10 else "")
    return failed(f"forbidden words used: {shown}; first", reply, view.raw_span(*first))
