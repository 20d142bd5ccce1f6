"""Text helpers the checks share: Unicode folding with offsets mapped back, bounded scans.

Matching happens on a folded copy of the reply (curly quotes straightened, Arabic letter
variants unified, invisible marks dropped) while spans still point into the original text.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from itertools import accumulate
from operator import add

import regex

SCAN_LIMIT = 100_000  # text checks read at most this many characters of a reply (bounded time)

_ONE_TO_ONE = (
    ("\u2019", "'"),
    ("\u2018", "'"),
    ("\u02bc", "'"),
    ("\u00b4", "'"),
    ("\uff07", "'"),
    ("\u201c", '"'),
    ("\u201d", '"'),
    ("\u00a0", " "),
    ("\u2007", " "),
    ("\u2009", " "),
    ("\u202f", " "),
    ("\u3000", " "),
    ("\u0623", "\u0627"),  # أ -> ا
    ("\u0625", "\u0627"),  # إ -> ا
    ("\u0622", "\u0627"),  # آ -> ا
    ("\u0671", "\u0627"),  # ٱ -> ا
    ("\u0649", "\u064a"),  # ى -> ي
    ("\u06cc", "\u064a"),  # Persian yeh, common on Gulf keyboards -> ي
    ("\u06a9", "\u0643"),  # keheh -> ك
    ("\u06af", "\u0642"),  # gaf (Gulf/Iraqi spelling of qaf) -> ق
)


def fold_chars(text: str) -> str:
    """The one-to-one part of folding (same length): quotes, spaces, Arabic letter variants."""
    for src, dst in _ONE_TO_ONE:
        if src in text:
            text = text.replace(src, dst)
    return text


# Arabic harakat and tatweel, zero-width and bidi controls, soft hyphen: invisible, so dropped.
_INVISIBLE = re.compile(  # stdlib re: a plain character class, and faster per match here
    "([\u064b-\u065f\u0670\u0640\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u00ad\u034f]+)"
)


class Folded:
    """``text`` folded for matching (see module doc); ``span()`` maps its offsets back."""

    __slots__ = ("text", "_fold_starts", "_orig_starts")

    def __init__(self, original: str) -> None:
        translated = fold_chars(original)
        if _INVISIBLE.search(translated) is None:
            self.text = translated
            self._fold_starts, self._orig_starts = [0], [0]
            return
        # kept pieces and removed runs alternate; their cumulative lengths give both offsets
        parts = _INVISIBLE.split(translated)  # kept, removed, kept, …, kept (one pass)
        kept = parts[0::2]
        kept_len = list(map(len, kept))
        removed_len = list(map(len, parts[1::2]))
        self.text = "".join(kept)
        self._fold_starts = [0, *accumulate(kept_len[:-1])]
        self._orig_starts = [0, *accumulate(map(add, kept_len[:-1], removed_len))]

    def orig(self, index: int) -> int:
        """Offset in the original text of folded offset ``index``."""
        k = max(0, bisect_right(self._fold_starts, index) - 1)
        return self._orig_starts[k] + (index - self._fold_starts[k])

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original (start, end) of the folded range [start, end)."""
        if end <= start:
            at = self.orig(start)
            return at, at
        return self.orig(start), self.orig(end - 1) + 1


PATTERN_TIMEOUT_S = 0.5  # bound on any one regex scan of a reply


def literal_pattern(phrases: tuple[str, ...]) -> regex.Pattern[str] | None:
    """One case-insensitive pattern matching any phrase (folded) as whole words, or None."""
    alternatives = []
    for phrase in sorted({Folded(p).text.strip() for p in phrases if p.strip()}, key=len, reverse=True):
        body = r"\s+".join(regex.escape(word) for word in phrase.split())
        head = r"(?<!\w)" if regex.match(r"\w", phrase) else ""
        tail = r"(?!\w)" if regex.search(r"\w$", phrase) else ""
        alternatives.append(f"{head}{body}{tail}")
    if not alternatives:
        return None
    return regex.compile("|".join(alternatives), regex.IGNORECASE)
