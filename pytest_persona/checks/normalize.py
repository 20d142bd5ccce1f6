"""The one text fold every check matches on, with each match mapped back to the reply.

Checks never compare raw text. The reply and whatever it is matched against (the phrases of
an eval set, the built-in patterns) go through the same fold, so spellings that read the same
compare equal: curly and straight quotes, dashes, NFC and NFD, fullwidth and compatibility
forms (NFKC), Arabic letter variants (أ إ آ ٱ → ا, ة → ه, ى → ي, no harakat or tatweel), every
decimal digit as ASCII, and no invisible characters (zero-width, bidi marks, soft hyphen, BOM,
variation selectors). ``case`` adds casefolding (with Turkish i/ı/İ as one letter), ``accents``
drops combining accents. A :class:`Folded` view maps any range of the folded text back to the
span of the original reply that produced it, so failures show what the model wrote.

Bounded on hostile input: folding runs at C speed in blocks, and the exact offset map of a
block is only built when a span inside it is asked for.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from itertools import accumulate
from operator import add
from typing import NamedTuple

import regex

from .base import CheckArgError

SCAN_LIMIT = 100_000  # most checks read at most this many characters of a reply (bounded time)
PATTERN_TIMEOUT_S = 0.5  # bound on any one regex scan of a reply

# A character that belongs to a word (after folding, which removes the joiners ZWJ/ZWNJ).
WORD_CHAR = r"[\p{L}\p{M}\p{N}_]"
_WORD_CHAR_RE = regex.compile(WORD_CHAR)

# --------------------------------------------------------------------------- what is removed

# Invisible characters: every format character (Cf: zero-width space and joiners, bidi marks
# and isolates, soft hyphen, BOM, tags), variation selectors, the combining grapheme joiner,
# Arabic tatweel, harakat and Quranic marks (so "كَلب" is "كلب" and "أ" written as ا + hamza is "ا").
_REMOVED = (
    "\u00ad\u034f\u0600-\u0605\u0610-\u061a\u061c\u0640\u064b-\u065f\u0670\u06d6-\u06dd\u06df-\u06e4"
    "\u06e7\u06e8\u06ea-\u06ed\u070f\u0890\u0891\u08ca-\u08ff\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u206f\ufe00-\ufe0f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f\U000e0100-\U000e01ef"
)
_REMOVE_RE = re.compile(f"([{_REMOVED}]+)")  # stdlib re: a plain class, faster per match here

# --------------------------------------------------------------------------- one-to-one maps

_QUOTES = {
    **dict.fromkeys("\u2019\u2018\u201a\u201b\u02bc\u02bb\u02b9\u2032\u00b4\u1ffd\u2039\u203a\uff07", "'"),
    **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb\uff02\u301d\u301e", '"'),
}
_ARABIC = {
    "\u0623": "\u0627",  # أ -> ا
    "\u0625": "\u0627",  # إ -> ا
    "\u0622": "\u0627",  # آ -> ا
    "\u0671": "\u0627",  # ٱ -> ا
    "\u0672": "\u0627",  # ٲ -> ا
    "\u0673": "\u0627",  # ٳ -> ا
    "\u0649": "\u064a",  # ى -> ي (alef maqsura)
    "\u06cc": "\u064a",  # Persian yeh -> ي
    "\u0629": "\u0647",  # ة -> ه (ta marbuta)
    "\u06d5": "\u0647",  # ە -> ه
    "\u06c1": "\u0647",  # ہ -> ه
    "\u06be": "\u0647",  # ھ -> ه
    "\u06a9": "\u0643",  # keheh -> ك
    "\u06af": "\u0642",  # gaf (Gulf/Iraqi spelling of qaf) -> ق
}
_DASHES = dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2e3a\u2e3b\ufe58\ufe63\uff0d", "-")
_SPACES = dict.fromkeys(
    "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000", " "
)
_ARABIC_SEPARATORS = {"\u066a": "%", "\u066b": ".", "\u066c": ","}

# The zero of every block of ten decimal digits (Unicode general category Nd) outside ASCII.
_DIGIT_ZEROS = (
    0x660, 0x6F0, 0x7C0, 0x966, 0x9E6, 0xA66, 0xAE6, 0xB66, 0xBE6, 0xC66, 0xCE6, 0xD66, 0xDE6,
    0xE50, 0xED0, 0xF20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90, 0x1B50,
    0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10,
    0x104A0, 0x10D30, 0x11066, 0x110F0, 0x11136, 0x111D0, 0x112F0, 0x11450, 0x114D0, 0x11650,
    0x116C0, 0x11730, 0x118E0, 0x11950, 0x11C50, 0x11D50, 0x11DA0, 0x16A60, 0x16AC0, 0x16B50,
    0x1D7CE, 0x1D7D8, 0x1D7E2, 0x1D7EC, 0x1D7F6, 0x1E140, 0x1E2F0, 0x1E950, 0x1FBF0,
)  # fmt: skip
_DIGITS = {
    zero + i: ord("0") + i for zero in _DIGIT_ZEROS for i in range(10) if unicodedata.decimal(chr(zero + i), None) == i
}
_OTHER_DIGITS_RE = regex.compile(r"(?![0-9])\p{Nd}|[\u066a-\u066c]")


def _arabic_bases(letters: dict[str, str]) -> dict[str, str]:
    """Arabic letters written with a mark the fold removes (ؤ = و + hamza) -> their folded base,
    so a precomposed letter and its decomposed spelling fold alike."""
    out: dict[str, str] = {}
    for cp in (*range(0x0620, 0x0700), *range(0x0750, 0x0780), *range(0x08A0, 0x0900)):
        decomposed = unicodedata.normalize("NFD", chr(cp))
        if len(decomposed) > 1 and _REMOVE_RE.fullmatch(decomposed[1:]):
            out[chr(cp)] = letters.get(decomposed[0], decomposed[0])
    return out


_LETTERS = {**_ARABIC, **_arabic_bases(_ARABIC)}
# In patterns only what cannot change regex syntax: quotes, letters and digits (not dashes,
# which make ranges in a character class, nor ٫ which would become the wildcard ".").
_PATTERN_TABLE = str.maketrans({**_QUOTES, **_LETTERS, **{chr(k): chr(v) for k, v in _DIGITS.items()}})
_TEXT_TABLE = str.maketrans(
    {**_QUOTES, **_LETTERS, **_DASHES, **_SPACES, **_ARABIC_SEPARATORS, **{chr(k): chr(v) for k, v in _DIGITS.items()}}
)
_DIGIT_TABLE = {**_DIGITS, **{ord(k): v for k, v in _ARABIC_SEPARATORS.items()}}
_ACCENT_RE = regex.compile(r"\P{ccc=0}")
# Mapped characters whose NFKC form is another one ("″" would become "′′", "´" a space and an accent).
_BEFORE_NFKC = tuple(
    (src, dst)
    for src, dst in {**_QUOTES, **_DASHES}.items()
    if unicodedata.normalize("NFKC", src).translate(_TEXT_TABLE) != dst
)
_PRESENTATION_RE = re.compile("[\ufb50-\ufdff\ufe70-\ufeff]")


def normalize_digits(text: str) -> str:
    """Every decimal digit as ASCII ("١٥٠" -> "150", "۴٫۵" -> "4.5"); the length never changes."""
    if text.isascii() or not _OTHER_DIGITS_RE.search(text):
        return text
    return text.translate(_DIGIT_TABLE)


def _fold_block(text: str, case: bool, accents: bool) -> str:
    """The fold of text that holds no removed character (see ``fold_text``)."""
    if text.isascii():
        return text.lower() if case else text
    for src, dst in _BEFORE_NFKC:  # NFKC would make these something else (″ -> ′′)
        if src in text:
            text = text.replace(src, dst)
    if _PRESENTATION_RE.search(text):  # Arabic presentation forms: NFKC gives harakat and tatweel
        text = _REMOVE_RE.sub("", unicodedata.normalize("NFKC", text))
    text = unicodedata.normalize("NFKC", text).translate(_TEXT_TABLE)
    if case:
        text = text.casefold()
        if not text.isascii():
            if "\u0131" in text or "\u0307" in text:  # Turkish ı and İ (casefolded i + dot) are i
                text = text.replace("i\u0307", "i").replace("\u0131", "i")
            text = unicodedata.normalize("NFC", text)  # casefolding can leave an accent apart ("ß\u0301")
    if accents and not text.isascii():
        text = unicodedata.normalize("NFC", _ACCENT_RE.sub("", unicodedata.normalize("NFD", text)))
    return text


_fold_cluster = functools.lru_cache(maxsize=65536)(_fold_block)


def fold_text(text: str, case: bool = False, accents: bool = False) -> str:
    """``text`` folded (see the module doc): what a phrase is compared as. Equals ``fold(text).text``."""
    if len(text) > _CACHED_TEXT:
        return _fold_text(text, case, accents)
    return _cached_fold_text(text, case, accents)


def _fold_text(text: str, case: bool, accents: bool) -> str:
    return _fold_block(_REMOVE_RE.sub("", text), case, accents)


_CACHED_TEXT = 10_000  # phrases, names and prompts are folded once; a long text is not kept
_cached_fold_text = functools.lru_cache(maxsize=4096)(_fold_text)


def fold_pattern(pattern: str) -> str:
    """A regex pattern with its literal characters folded where that cannot change its syntax
    (quotes, Arabic letters, digits, NFC), so it matches folded text as it matched raw text."""
    if pattern.isascii():
        return pattern
    return unicodedata.normalize("NFC", pattern).translate(_PATTERN_TABLE)


# --------------------------------------------------------------------------- the folded view

_BLOCK = 512  # characters folded at a time; a span is mapped exactly inside one block
# Where a block may start: characters that never combine with what comes before them
# (ASCII, precomposed letters of common scripts), so folding blocks apart equals folding whole.
_SAFE_START_RE = re.compile(
    "[\x00-\x7f\u00c0-\u024f\u0391-\u03c9\u0400-\u0482\u048a-\u04ff\u05d0-\u05ea\u0621-\u063a\u0641-\u064a"
    "\u0905-\u0939\u0e01-\u0e2e\u3041-\u3096\u30a1-\u30fa\u4e00-\u9fff\uac00-\ud7a3]"
)
_CLUSTER_RE = regex.compile(r"\X")


class Folded:
    """``original`` folded for matching (``text``); ``span()`` maps a range of ``text`` back.

    Two stages: removing invisible characters (an exact, cheap offset map), then folding the rest
    in blocks that start where no normalization reaches across. Inside a block, offsets are
    mapped by grapheme cluster, computed only for the blocks a span falls in.
    """

    __slots__ = ("original", "text", "case", "accents", "_kept_at", "_kept_from", "_stage1", "_blocks", "_maps")

    def __init__(self, original: str, *, case: bool = False, accents: bool = False) -> None:
        self.original, self.case, self.accents = original, case, accents
        self._maps: dict[int, tuple[list[int], list[int]]] = {}
        parts = _REMOVE_RE.split(original) if not original.isascii() else [original]
        if len(parts) == 1:  # nothing removed
            self._stage1 = original
            self._kept_at, self._kept_from = [0], [0]
        else:  # kept pieces and removed runs alternate; their cumulative lengths give both offsets
            kept = parts[0::2]
            kept_len = list(map(len, kept))
            self._stage1 = "".join(kept)
            self._kept_at = [0, *accumulate(kept_len[:-1])]
            self._kept_from = [0, *accumulate(map(add, kept_len[:-1], map(len, parts[1::2])))]
        stage1 = self._stage1
        if stage1.isascii():
            self.text = stage1.lower() if case else stage1
            self._blocks: tuple[list[int], list[int]] | None = None  # offsets unchanged
            return
        starts: list[int] = []  # block starts in stage1 text
        folded_at: list[int] = []  # block starts in folded text
        pieces: list[str] = []
        i, f, n = 0, 0, len(stage1)
        while i < n:
            j = min(i + _BLOCK, n)
            if j < n:
                m = _SAFE_START_RE.search(stage1, j)
                j = m.start() if m else n
            piece = _fold_block(stage1[i:j], case, accents)
            starts.append(i)
            folded_at.append(f)
            pieces.append(piece)
            f += len(piece)
            i = j
        self.text = "".join(pieces)
        self._blocks = (starts, folded_at)

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The span of ``original`` that folds to (a range covering) ``text[start:end]``."""
        a = self._original_at(self._stage1_start(start))
        if end <= start:
            return a, a
        b = self._stage1_end(end)
        return a, max(a, self._original_at(b - 1) + 1 if b > 0 else 0)

    # stage 2: folded offsets -> stage-1 offsets, by block and grapheme cluster

    def _stage1_start(self, pos: int) -> int:
        if self._blocks is None or pos <= 0:
            return max(0, min(pos, len(self._stage1)))
        if pos >= len(self.text):
            return len(self._stage1)
        k, local = self._block_of(pos)
        folded_at, stage_at = self._cluster_map(k)
        c = bisect_right(folded_at, local) - 1
        return self._blocks[0][k] + stage_at[c]

    def _stage1_end(self, pos: int) -> int:
        if self._blocks is None or pos >= len(self.text):
            return len(self._stage1) if pos >= len(self.text) else pos
        k, local = self._block_of(pos - 1)
        folded_at, stage_at = self._cluster_map(k)
        c = bisect_right(folded_at, local) - 1
        return self._blocks[0][k] + stage_at[c + 1]

    def _block_of(self, pos: int) -> tuple[int, int]:
        assert self._blocks is not None
        k = bisect_right(self._blocks[1], pos) - 1
        return k, pos - self._blocks[1][k]

    def _cluster_map(self, k: int) -> tuple[list[int], list[int]]:
        """Cluster starts of block ``k`` in folded and stage-1 offsets (local, with an end entry)."""
        cached = self._maps.get(k)
        if cached is not None:
            return cached
        assert self._blocks is not None
        starts = self._blocks[0]
        block = self._stage1[starts[k] : starts[k + 1] if k + 1 < len(starts) else len(self._stage1)]
        folded_len = (self._blocks[1][k + 1] if k + 1 < len(starts) else len(self.text)) - self._blocks[1][k]
        folded_at, stage_at = [0], [0]
        for cluster in _CLUSTER_RE.findall(block):
            folded_at.append(folded_at[-1] + len(_fold_cluster(cluster, self.case, self.accents)))
            stage_at.append(stage_at[-1] + len(cluster))
        if folded_at[-1] != folded_len:  # clusters did not fold apart as the block did: the block is one unit
            folded_at, stage_at = [0, folded_len], [0, len(block)]
        self._maps[k] = (folded_at, stage_at)
        return folded_at, stage_at

    # stage 1: stage-1 offsets -> original offsets

    def _original_at(self, index: int) -> int:
        k = max(0, bisect_right(self._kept_at, index) - 1)
        return self._kept_from[k] + (index - self._kept_at[k])


@functools.lru_cache(maxsize=8)
def _cached_fold(text: str, case: bool, accents: bool) -> Folded:
    return Folded(text, case=case, accents=accents)


def fold(text: str, *, case: bool = False, accents: bool = False) -> Folded:
    """The folded view of ``text`` (kept for the next checks on the same reply)."""
    return _cached_fold(text, case, accents)


# --------------------------------------------------------------------------- phrases


def is_word_char(ch: str) -> bool:
    return bool(_WORD_CHAR_RE.fullmatch(ch))


def phrase_body(key: str) -> str:
    """Regex source for a folded phrase: its characters literally, any run of spaces as any whitespace."""
    return r"\s+".join(regex.escape(part) for part in _SPACES_RE.sub(" ", key).split(" "))


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


_SPACES_RE = regex.compile(r"\s+")


class Hit(NamedTuple):
    """A phrase found in a reply: its span in the original reply and the phrase as given."""

    start: int
    end: int
    phrase: str


class Phrases:
    """Literal phrases (from an eval set) matched on folded text.

    Each phrase is folded like the reply; a run of whitespace in it matches any whitespace, and a
    match never ends between a letter and its accent. ``whole_words``: a phrase does not match
    inside a longer word. ``case``: case-insensitive (casefolded, Turkish i/ı/İ alike).
    """

    __slots__ = ("phrases", "case", "whole_words", "keys", "alternation", "pattern", "_singles", "_names")

    def __init__(self, phrases: Iterable[str], *, case: bool, whole_words: bool, what: str = "phrase") -> None:
        self.phrases = tuple(phrases)
        self.case, self.whole_words = case, whole_words
        self.keys: dict[str, str] = {}  # folded key -> the first phrase given with it
        for phrase in self.phrases:
            key = self.key(phrase)  # stripped for whole words: blank means nothing to match
            if not key:
                raise CheckArgError(f"{what} {phrase!r} is empty once normalized")
            self.keys.setdefault(key, phrase)
        ordered = sorted(self.keys, key=len, reverse=True)  # longest first: "bad word" before "bad"
        self._names = {f"p{i}": key for i, key in enumerate(ordered)}
        bodies = {key: self._body(key) for key in ordered}
        self.alternation = "|".join(f"(?P<{name}>{bodies[key]})" for name, key in self._names.items())
        self.pattern = regex.compile(self.alternation) if ordered else None
        self._singles = {key: regex.compile(body) for key, body in bodies.items()}

    def key(self, phrase: str) -> str:
        """The folded form a phrase is matched as (whitespace runs as one space)."""
        key = _SPACES_RE.sub(" ", fold_text(phrase, self.case))
        return key.strip() if self.whole_words else key

    def _body(self, key: str) -> str:
        body = phrase_body(key)
        if self.whole_words and is_word_char(key[0]):
            body = f"(?<!{WORD_CHAR}){body}"
        if self.whole_words and is_word_char(key[-1]):
            body = f"{body}(?!{WORD_CHAR})"
        return body + r"(?!\p{M})"

    def view(self, reply: str) -> Folded:
        return fold(reply, case=self.case)

    def hit(self, view: Folded, m: regex.Match[str]) -> Hit:
        """The Hit of a match of ``alternation`` (inside a larger pattern too) on ``view.text``."""
        name = m.lastgroup or ""
        key = self._names[name]
        return Hit(*view.span(*m.span(name)), self.keys[key])

    def finditer(self, reply: str, *, timeout: float = PATTERN_TIMEOUT_S) -> Iterator[Hit]:
        """Every (non-overlapping) occurrence, left to right; raises TimeoutError past ``timeout``."""
        if self.pattern is None:
            return
        view = self.view(reply)
        for m in self.pattern.finditer(view.text, timeout=timeout):
            yield self.hit(view, m)

    def first(self, reply: str, *, timeout: float = PATTERN_TIMEOUT_S) -> Hit | None:
        return next(self.finditer(reply, timeout=timeout), None)

    def each(self, reply: str, *, timeout: float = PATTERN_TIMEOUT_S) -> dict[str, tuple[int, int]]:
        """The first span of every phrase found, searched one by one (so overlapping phrases all count)."""
        view = self.view(reply)
        found: dict[str, tuple[int, int]] = {}
        for key, pattern in self._singles.items():
            m = pattern.search(view.text, timeout=timeout)
            if m is not None:
                found[key] = view.span(*m.span())
        return {phrase: found[k] for phrase in self.phrases if (k := self.key(phrase)) in found}


# --------------------------------------------------------------------------- composed letters

_DECOMPOSED_RE = regex.compile(r"\P{M}\p{M}+")
_PAD = "\u034f"  # combining grapheme joiner: no word character, so it splits nothing it precedes


def composed(text: str) -> str:
    """Decomposed letters (NFD "A" + U+0300) composed as NFC writes them ("À"), padded in front to the
    same length, so "À1" is one identifier whichever form the reply uses and spans still hold."""
    if unicodedata.is_normalized("NFC", text) or not _DECOMPOSED_RE.search(text):
        return text

    def compose(m: regex.Match[str]) -> str:
        nfc = unicodedata.normalize("NFC", m.group())
        return _PAD * (len(m.group()) - len(nfc)) + nfc if len(nfc) <= len(m.group()) else m.group()

    return _DECOMPOSED_RE.sub(compose, text)


# --------------------------------------------------------------------------- markdown emphasis

# A paired emphasis marker around text on one line: **bold**, *italic*, __bold__, _italic_. The
# opening marker is not glued to a word before it nor followed by a space; the closing one mirrors
# it, so "5*3*2", "snake_case_name" and a "* " bullet are not emphasis.
_EMPHASIS_RES = tuple(
    regex.compile(rf"(?<![\w{c}]){m}(?=[^\s{c}])(?P<body>[^\n{c}]{{1,300}}?)(?<=[^\s{c}]){m}(?![\w{c}])")
    for m, c in ((r"\*\*", r"*"), (r"\*", r"*"), ("__", "_"), ("_", "_"))
)  # the body holds no marker character, so a scan stops at the next one: linear time


def unemphasize(text: str) -> str:
    """``text`` with the markers of markdown emphasis turned into spaces (same length, so every
    span still points into the reply): "I **can't** do that" reads as "I   can't   do that".
    Reads the first ``SCAN_LIMIT`` characters; the rest is returned as it is."""
    if "*" not in text and "_" not in text:
        return text
    out = list(text[:SCAN_LIMIT])
    head = text[:SCAN_LIMIT]
    for pattern in _EMPHASIS_RES:
        try:
            for m in pattern.finditer(head, timeout=PATTERN_TIMEOUT_S):
                for i in (*range(m.start(), m.start("body")), *range(m.end("body"), m.end())):
                    out[i] = " "
        except TimeoutError:  # pragma: no cover - linear patterns; keep what was found
            break
        head = "".join(out)
    return head + text[SCAN_LIMIT:]


__all__ = [
    "PATTERN_TIMEOUT_S",
    "SCAN_LIMIT",
    "WORD_CHAR",
    "Folded",
    "Hit",
    "Phrases",
    "composed",
    "find_bounded",
    "fold",
    "fold_pattern",
    "fold_text",
    "is_word_char",
    "normalize_digits",
    "phrase_body",
    "unemphasize",
]
