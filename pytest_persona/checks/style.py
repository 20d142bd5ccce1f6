"""Style checks: ``no_emoji``, ``no_repetition``, ``no_parroting``, ``no_fluff``.

The surface failures of small fine-tunes that users reported: emojis, n-gram loops, echoing the
prompt ("Answer in two lines…" repeated before answering), and "Great question!" flattery or
agent-like openers ("I'll start by…"). Each failure carries the span of the offending text.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping

import regex

from . import register_check
from .base import CheckArgError, CheckContext, CheckResult, Param, check_error, failed, passed, str_list
from .normalize import PATTERN_TIMEOUT_S, SCAN_LIMIT, Folded, Phrases, fold, fold_pattern, fold_text, unemphasize

# --------------------------------------------------------------------------------------------
# no_emoji

# Pictographs that typography uses as text: emoji only when U+FE0F asks for emoji presentation.
TEXT_PICTOGRAPHS = "©®™‼⁉↔↕↖↗↘↙↩↪ℹⓂ▪▫◻◼〰〽"
_BASE = rf"[[\p{{Extended_Pictographic}}\p{{Emoji_Presentation}}]--[{TEXT_PICTOGRAPHS}]--\p{{Regional_Indicator}}]"
_ELEMENT = (
    rf"(?:{_BASE}(?!\uFE0E)|[\p{{Emoji}}--\p{{Regional_Indicator}}]\uFE0F)"  # FE0E asks for text: not emoji
    r"(?:\p{Emoji_Modifier}|\uFE0F|[\U000E0020-\U000E007F])*"
)
EMOJI = regex.compile(
    r"[0-9#*]\uFE0F?\u20E3"  # keycap 1️⃣
    r"|\p{Regional_Indicator}{1,2}"  # flags 🇧🇷 (and a lone indicator)
    rf"|{_ELEMENT}(?:\u200D{_ELEMENT})*"  # ZWJ sequences 👩‍💻 as one
    r"|\uFE0F",  # a stray emoji-presentation selector
    regex.V1,
)
MAX_LISTED = 20


@register_check("no_emoji", params={})
def check_no_emoji(reply: str, args: Mapping, ctx: CheckContext) -> CheckResult:
    """No emoji (pictographs, flags, keycaps, ZWJ sequences, U+FE0F); ©/®/™ and digits are text."""
    found = [m for m in itertools.islice(EMOJI.finditer(reply, timeout=PATTERN_TIMEOUT_S), 10_000)]
    if not found:
        return passed()
    shown: list[str] = []
    for m in found:
        text = "U+FE0F" if m.group() == "\ufe0f" else m.group()
        if text not in shown:
            shown.append(text)
    listed = " ".join(shown[:MAX_LISTED]) + (" …" if len(shown) > MAX_LISTED else "")
    count = f"{len(found)}{'+' if len(found) == 10_000 else ''}"
    return failed(f"{count} emoji: {listed}; first", reply, found[0].span())


# --------------------------------------------------------------------------------------------
# no_repetition

# Words: the word tokens of nltk's wordpunct_tokenize (``\w+`` in the ``regex`` engine, so
# combining marks stay inside their word), with spans; its punctuation tokens were dropped anyway.
_WORD_RUN = regex.compile(r"\w+")
_SENTENCE = regex.compile(r"[^.!?؟。！？…\n]+")
MIN_SENTENCE_WORDS = 4  # shorter "sentences" (list items like "Rest.") may repeat
MIN_REPEATS = 2  # one repeated n-gram in a short reply is not yet a loop
MAX_LOOP_WORDS = 8  # back-to-back loops are looked for in units of 1 to this many words
_LETTER = regex.compile(r"\p{L}")


def _prepare_repetition(args: dict, _base_dir: object) -> dict:
    if args["n"] < 1:
        raise CheckArgError(f"no_repetition `n` must be at least 1, got {args['n']}")
    if not 0 <= args["max_ratio"] <= 1:
        raise CheckArgError(f"no_repetition `max_ratio` must be between 0 and 1, got {args['max_ratio']}")
    if args["max_sentence_repeats"] < 1:
        raise CheckArgError(
            f"no_repetition `max_sentence_repeats` must be at least 1, got {args['max_sentence_repeats']}"
        )
    if args["max_consecutive"] < 1:
        raise CheckArgError(f"no_repetition `max_consecutive` must be at least 1, got {args['max_consecutive']}")
    return args


def find_loop(words: list[str], limit: int) -> tuple[int, int, int] | None:
    """The first unit of 1..MAX_LOOP_WORDS words said more than ``limit`` times back to back.

    Returns (first word, unit size, times), the smallest unit for a given start. A unit with no
    letter (the zeros of a JSON array) is not a loop."""
    best: tuple[int, int] | None = None
    for size in range(1, MAX_LOOP_WORDS + 1):
        start = _first_run(words, size, limit)
        if start is not None and (best is None or start < best[0]):
            best = (start, size)
    return None if best is None else (*best, _times(words, *best))


def _first_run(words: list[str], size: int, limit: int) -> int | None:
    """Start of the first ``size``-word unit with letters repeated more than ``limit`` times in a row."""
    need = limit * size  # words equal to the word `size` before them, in a row
    run = 0
    for i in range(size, len(words)):
        if words[i] != words[i - size]:
            run = 0
            continue
        run += 1
        if run == need:
            start = i - run + 1 - size
            if any(_LETTER.search(w) for w in words[start : start + size]):
                return start
    return None


def _times(words: list[str], start: int, size: int) -> int:
    """How many times the unit at ``start`` occurs back to back from there."""
    unit = words[start : start + size]
    times = 1
    while words[start + times * size : start + (times + 1) * size] == unit:
        times += 1
    return times


@register_check(
    "no_repetition",
    main="n",
    params={
        "n": Param((int,), default=3, help="n-gram size, in words"),
        "max_ratio": Param((int, float), default=0.2, help="largest allowed share of repeated n-grams"),
        "max_sentence_repeats": Param((int,), default=1, help="how often one sentence may occur"),
        "max_consecutive": Param(
            (int,), default=3, help=f"how often a word or phrase (up to {MAX_LOOP_WORDS} words) may occur back to back"
        ),
    },
    prepare=_prepare_repetition,
)
def check_no_repetition(reply: str, args: Mapping, ctx: CheckContext) -> CheckResult:
    """No degenerate loops: repeated n-grams within max_ratio, no sentence or back-to-back phrase said too often."""
    view = fold(reply[:SCAN_LIMIT], case=True)  # words compared folded; spans reported on the reply
    text = view.text
    n, max_ratio = args["n"], args["max_ratio"]
    spans = [m.span() for m in _WORD_RUN.finditer(text)]
    words = [text[a:b] for a, b in spans]
    if len(words) >= 2 * n:
        grams = list(zip(*(words[i:] for i in range(n)), strict=False))  # n-grams
        counts = Counter(grams)
        repeats = len(grams) - len(counts)
        ratio = repeats / len(grams)
        if ratio > max_ratio and repeats >= MIN_REPEATS:
            gram, times = counts.most_common(1)[0]
            second = [i for i, g in enumerate(grams) if g == gram][1]
            span = (spans[second][0], spans[second + n - 1][1])
            return failed(
                f"{ratio:.0%} of the {n}-grams are repeats (max {max_ratio:.0%}); "
                f"{_as_written(reply, view, spans[second : second + n])!r} occurs {times} times, repeated",
                reply,
                view.span(*span),
            )
    seen: dict[str, int] = {}
    limit = args["max_sentence_repeats"]
    for m in _SENTENCE.finditer(text):
        key = " ".join(regex.findall(r"\w+", m.group()))
        if key.count(" ") + 1 < MIN_SENTENCE_WORDS:
            continue
        seen[key] = seen.get(key, 0) + 1
        if seen[key] > limit:
            start = m.start() + len(m.group()) - len(m.group().lstrip())
            span = view.span(start, m.end())
            shown = " ".join(regex.findall(r"\w+", reply[span[0] : span[1]].lower()))
            return failed(
                f"the sentence {shown!r} occurs {seen[key]} times (max {limit}); occurrence {seen[key]}",
                reply,
                span,
            )
    return _no_loop(view, reply, spans, words, args["max_consecutive"])


def _as_written(reply: str, view: Folded, spans: list[tuple[int, int]]) -> str:
    """Words (spans of the folded text) as the reply wrote them, in lower case."""
    return " ".join(reply[slice(*view.span(a, b))].lower() for a, b in spans)


def _no_loop(view: Folded, reply: str, spans: list[tuple[int, int]], words: list[str], limit: int) -> CheckResult:
    """Fail on a word or short phrase said more than ``limit`` times back to back."""
    loop = find_loop(words, limit)
    if loop is None:
        return passed()
    start, size, times = loop
    unit = _as_written(reply, view, spans[start : start + size])
    what = "the word" if size == 1 else f"the {size}-word phrase"
    span = view.span(spans[start][0], spans[start + times * size - 1][1])
    return failed(f"{what} {unit!r} occurs {times} times in a row (max {limit})", reply, span)


# --------------------------------------------------------------------------------------------
# no_parroting

_WORD = re.compile(r"\w+")  # stdlib re: twice as fast as `regex` for this plain scan of a long reply
MAX_RUN = 1_000  # a copied run is measured up to this many words (bounds the time)
SYSTEM_MAX_OVERLAP = 15  # a persona may quote a line of its instructions, not recite them
SHORT_PROMPT = 3  # a prompt of fewer words counts as echoed only when it stands alone in the reply
# Where a unit of text ends: a copied prompt framed by these (or the reply's ends) stands alone.
_UNIT_END = re.compile(r"[.!?;:\n؟。！？…]")
# Greetings, farewells and thanks: returning one is manners, not parroting ("selam" -> "Selam!").
GREETINGS = (
    "hi", "hello", "hey", "hiya", "good morning", "good afternoon", "good evening", "good night", "morning",
    "thanks", "thank you", "bye", "goodbye", "see you", "cheers", "welcome", "happy birthday",
    "selam", "merhaba", "günaydın", "iyi geceler", "iyi akşamlar", "iyi günler", "teşekkürler",
    "sağ ol", "hoşça kal", "görüşürüz", "kolay gelsin", "hayırlı sabahlar",
    "oi", "olá", "bom dia", "boa tarde", "boa noite", "obrigado", "obrigada", "valeu", "tchau", "até logo",
    "hola", "buenos días", "buenas tardes", "buenas noches", "buenas", "gracias", "adiós", "hasta luego",
    "السلام عليكم", "وعليكم السلام", "مرحبا", "اهلا", "هلا", "صباح الخير", "مساء الخير", "تصبح على خير",
    "شكرا", "مع السلامة", "الله يعطيك العافية",
)  # fmt: skip
# A request to repeat, translate, correct or copy: the text it is about may be given back.
_REPEAT_REQUEST = regex.compile(
    fold_pattern(
        r"\b(?:repeat|say|write|type|copy|translate|correct|fix|spell|echo|aynen|tekrarla|yaz|çevir|düzelt"
        r"|repete|repita|diga|escreva|escreve|traduz\w*|corrij\w*|corrig\w*|copi\w*|repite|di|escribe"
        r"|ردد|قول|اكتب|ترجم|صحح|انسخ)\b"
    ),
    regex.IGNORECASE,
)
_QUESTION = regex.compile(r"[^.!?؟\n]+[?؟]")
_QUOTED = regex.compile(r"(?<!\w)(?:\"[^\"\n]{1,500}\"|'[^'\n]{1,500}')(?!\w)")  # folded: « » are "
# Words that make a copied request a refusal of it ("No, delete it" is not; "لا تحذف" is no echo).
_NEGATIONS = frozenset(
    "no not don t never can won cannot nope لا ما مو مش yok hayır değil asla não nunca nem jamás ni".split()
)


def _words(text: str) -> list[str]:
    """Words of text already folded (casefolded): punctuation is not part of them."""
    return _WORD.findall(text)


def _key(text: str) -> tuple[str, ...]:
    return tuple(_words(fold_text(text, case=True)))


_GREETING_KEYS = frozenset(_key(g) for g in GREETINGS)


def _is_greeting(words: tuple[str, ...]) -> bool:
    """A greeting, farewell or thanks, with at most one more word ("hi Josi", "hadi iyi geceler")."""
    return any(words[a : len(words) - b] in _GREETING_KEYS for a in (0, 1) for b in (0, 1) if a + b < len(words))


# Pronouns that swap when an echo is turned around ("Move my run" -> "Move your run"): compared as one.
_SWAPS = {
    word: cls
    for cls, words in {
        "1": "i you me", "2": "my your", "3": "mine yours", "4": "myself yourself", "5": "am are",
        "6": "meu seu teu", "7": "minha sua tua", "8": "eu você voce tu", "9": "mi mis tus",
        "10": "yo tú", "11": "ben sen", "12": "benim senin",
    }.items()
    for word in fold_text(words, case=True).split()
}  # fmt: skip


def _swapped(words: Iterable[str]) -> tuple[str, ...]:
    return tuple(_SWAPS.get(w, w) for w in words)


def _prepare_parroting(args: dict, _base_dir: object) -> dict:
    if args["max_overlap"] < 1:
        raise CheckArgError(f"no_parroting `max_overlap` must be at least 1, got {args['max_overlap']}")
    if not 0 < args["max_self_share"] <= 1:
        raise CheckArgError(
            f"no_parroting `max_self_share` must be above 0 and at most 1, got {args['max_self_share']}"
        )
    return args


def _grams(texts: Iterable[str], k: int) -> set[tuple[str, ...]]:
    """Every run of ``k`` consecutive words in ``texts``."""
    grams: set[tuple[str, ...]] = set()
    for text in texts:
        words = _words(fold_text(text, case=True))
        grams.update(tuple(words[i : i + k]) for i in range(len(words) - k + 1))
    return grams


def _copied_runs(words: list[str], grams: set[tuple[str, ...]], k: int) -> Iterator[tuple[int, int, bool]]:
    """Runs of the reply's words made of ``grams``: (first word, length, cut at MAX_RUN)."""
    vocab = {word for gram in grams for word in gram}
    i, last = 0, len(words) - k
    while i <= last:
        if words[i] in vocab and words[i + k - 1] in vocab and tuple(words[i : i + k]) in grams:
            j = i
            while j < last and j - i < MAX_RUN and tuple(words[j + 1 : j + 1 + k]) in grams:
                j += 1
            yield i, j + k - i, j - i >= MAX_RUN
            i = j + 1
        else:
            i += 1


def _run_span(folded: Folded, first: int, length: int) -> tuple[int, int]:
    """Original span of ``length`` words of ``folded`` from word ``first``."""
    words = list(itertools.islice(_WORD.finditer(folded.text), first, first + length))
    return folded.span(words[0].start(), words[-1].end())


def _user_text(text: str) -> str:
    """A user turn without what it asks to be given back (quoted text; the part after the colon of
    "Repeat after me: …", "Translate: …"), which a reply may repeat."""
    text = _QUOTED.sub(" ", fold_text(text))
    if ":" in text and _REPEAT_REQUEST.search(fold_text(text.split(":", 1)[0], case=True)):
        text = text.split(":", 1)[0]
    return text


class _Reply:
    """The reply folded once: its words and where each starts and ends in the folded text."""

    def __init__(self, reply: str) -> None:
        # emphasis markers read as spaces (same length): "_Open_ Downloads" gives back "Open Downloads"
        self.folded = fold(unemphasize(reply[:SCAN_LIMIT]), case=True)
        matches = list(_WORD.finditer(self.folded.text))
        self.words = [m.group() for m in matches]
        self.bounds = [m.span() for m in matches]
        self.swapped = _swapped(self.words)

    def breaks_before(self, i: int) -> bool:
        """A unit ends between word ``i - 1`` and word ``i`` (or ``i`` is the first or past the last)."""
        if i <= 0 or i >= len(self.bounds):
            return True
        return bool(_UNIT_END.search(self.folded.text, self.bounds[i - 1][1], self.bounds[i][0]))

    def stands_alone(self, first: int, length: int) -> bool:
        """Words ``first``..``first+length`` are a unit of their own: nothing else in their sentence."""
        return self.breaks_before(first) and self.breaks_before(first + length)

    def opens_unit(self, first: int) -> bool:
        """Word ``first`` starts the reply or a sentence, or follows one word that does (and that
        is no negation: "No, move it" declines)."""
        if self.breaks_before(first):
            return True
        return self.words[first - 1] not in _NEGATIONS and self.breaks_before(first - 1)

    def find(self, key: tuple[str, ...]) -> Iterator[int]:
        """Every word index where the word sequence ``key`` starts, pronouns swapped or not."""
        key = _swapped(key)
        n, head = len(key), key[0]
        for i, word in enumerate(self.swapped):
            if word == head and self.swapped[i : i + n] == key:
                yield i


def _whole_echo(reply: _Reply, users: Iterable[str]) -> tuple[int, int, int] | None:
    """A user turn given back whole: (turn number, first word, words) of the first such echo.

    A turn of SHORT_PROMPT words or more counts wherever it appears; a shorter one only as a unit
    of its own ("naber?" answered "Naber?"), so "Zone 2?" -> "Zone 2 is easy running" is an answer.
    Greetings returned and text the user asked to have repeated do not count."""
    for turn, text in enumerate(users, 1):
        key = _key(text)
        if not key or _is_greeting(key) or len(key) > MAX_RUN:
            continue
        for first in itertools.islice(reply.find(key), 1_000):
            if reply.stands_alone(first, len(key)) or (len(key) >= SHORT_PROMPT and reply.opens_unit(first)):
                return turn, first, len(key)
        for question in _QUESTION.findall(fold_text(text)):  # one question of the turn, asked back
            part = _key(question)
            if len(part) >= SHORT_PROMPT and part != key:
                for first in itertools.islice(reply.find(part), 1_000):
                    if reply.stands_alone(first, len(part)):
                        return turn, first, len(part)
    return None


def _restates(reply: _Reply, first: int, run: int, users: list[tuple[str, ...]]) -> bool:
    """A copied run that finishes the user's question and goes on as the answer's own sentence
    ("What's the difference between zone 2 and zone 3?" -> "The difference between zone 2 and
    zone 3 is effort"): the topic restated, not an echo."""
    copied = tuple(reply.words[first : first + run])
    end = first + run
    if reply.breaks_before(end):
        return False
    return any(len(words) > run and words[-run:] == copied for words in users)


@register_check(
    "no_parroting",
    main="max_overlap",
    params={
        "max_overlap": Param((int,), default=6, help="longest allowed run of words copied from the user"),
        "max_self_share": Param(
            (int, float),
            default=0.5,
            help="largest share of an earlier assistant turn, or of the reply, that one copied run may be",
        ),
    },
    prepare=_prepare_parroting,
)
def check_no_parroting(reply: str, args: Mapping, ctx: CheckContext) -> CheckResult:
    """No user message given back whole; no long run copied from a user turn, the system prompt or an earlier reply."""
    users = [_user_text(text) for text in ctx.user_texts]
    earlier = [m.content for m in ctx.messages if m.role == "assistant"]
    system = ctx.system
    if not any(_words(u) for u in users) and not earlier and not system.strip():
        return passed("no user turn, system prompt or earlier reply to copy from: nothing to judge")
    view = _Reply(reply)
    original = reply
    echo = _whole_echo(view, users[-1:]) or _whole_echo(view, [u for u in users[:-1] if len(_key(u)) >= SHORT_PROMPT])
    if echo is not None:
        _turn, first, length = echo
        return failed(
            f"gives back the user's message whole ({length} word{'s' if length > 1 else ''})",
            original,
            _run_span(view.folded, first, length),
        )
    k = args["max_overlap"] + 1  # a copied run this long is too long
    user_keys = [_key(u) for u in users]
    for first, run, cut in itertools.islice(_copied_runs(view.words, _grams(users, k), k), 100):
        if cut or not _restates(view, first, run, user_keys):
            return failed(
                f"copies {run}{'+' if cut else ''} consecutive words from the user's message "
                f"(max {args['max_overlap']})",
                original,
                _run_span(view.folded, first, run),
            )
    limit = max(SYSTEM_MAX_OVERLAP, args["max_overlap"])
    if system.strip():
        for first, run, cut in itertools.islice(_copied_runs(view.words, _grams([system], limit + 1), limit + 1), 1):
            return failed(
                f"recites {run}{'+' if cut else ''} consecutive words of the system prompt (max {limit})",
                original,
                _run_span(view.folded, first, run),
            )
    result = _no_self_repeat(original, view.folded, view.words, earlier, k, args["max_self_share"])
    if result.passed and user_keys and len(user_keys[-1]) < SHORT_PROMPT:
        return passed(
            f"the prompt has only {len(user_keys[-1])} word(s): only an echo of it standing alone could be told; "
            "none found"
        )
    return result


def _no_self_repeat(
    reply: str, folded: Folded, words: list[str], earlier: list[str], k: int, share: float
) -> CheckResult:
    """Fail when the reply repeats a previous assistant turn: a copied run of at least ``k`` words
    that is ``share`` of that turn or of the reply (a recurring short phrase is fine)."""
    for turn, text in enumerate(earlier, 1):
        runs = list(_copied_runs(words, _grams([text], k), k))
        if not runs:
            continue
        first, run, cut = max(runs, key=lambda r: r[1])
        turn_words = len(_words(fold_text(text, case=True)))
        if run >= share * turn_words or run >= share * len(words):
            return failed(
                f"repeats {run}{'+' if cut else ''} consecutive words of its own earlier reply "
                f"(assistant turn {turn}, {turn_words} words)",
                reply,
                _run_span(folded, first, run),
            )
    return passed()


# --------------------------------------------------------------------------------------------
# no_fluff

# Flattery and filler that carry no content wherever they appear (folded, case-insensitive).
FLUFF_ANYWHERE = (
    # English ("a good question for your coach" routes the question: not flattery)
    r"\b(?:what\s+an?\s+|that's\s+an?\s+|that\s+is\s+an?\s+|such\s+an?\s+)?(?:really\s+|very\s+)?(?:great|good"
    r"|excellent|fantastic|wonderful|amazing|awesome|brilliant|terrific|insightful|fascinating|superb|lovely"
    r"|thoughtful|smart|interesting)\s+question\b(?!\s+(?:for|to\s+(?:ask|put\s+to|take\s+to))\b)",
    r"\b(?:I\s+)?love\s+(?:this|that|your|the)\s+question\b|\bI\s+love\s+that\s+you\s+asked\b",
    r"\b(?:you've|you\s+have|you)\s+asked\s+(?:exactly\s+|just\s+)?the\s+right\s+(?:thing|question)\b",
    r"\b(?:happy|glad|delighted|thrilled)\s+to\s+(?:help|assist)\b|\b(?:it's\s+)?my\s+pleasure\s+to\s+help\b",
    r"\b(?:so\s+|really\s+|truly\s+)?(?:excited|thrilled|delighted|honou?red)\s+to\s+(?:be\s+(?:a\s+)?part\s+of"
    r"|join\s+you|help\s+you|support\s+you|work\s+with\s+you|be\s+on\s+this)\b",
    r"\bI\s+hope\s+(?:this|that|it)\s+(?:helps|was\s+helpful|is\s+helpful|clears)\b|\bhope\s+(?:this|that)\s+helps\b",
    r"\bfeel\s+free\s+to\s+(?:ask|reach\s+out)\b|\bdon't\s+hesitate\s+to\s+(?:ask|reach\s+out|contact)\b",
    r"\blet\s+me\s+know\s+if\s+(?:you\s+have\s+any\s+(?:other|more|further)?\s*questions|there's\s+anything\s+else"
    r"|there\s+is\s+anything\s+else|you\s+need\s+anything\s+else|I\s+can\s+help)\b",
    r"\bif\s+you\s+have\s+any\s+(?:other|more|further)\s+questions\b|\bis\s+there\s+anything\s+else\s+I\s+can\b",
    r"\bI'm\s+here\s+to\s+help\b|\bthank(?:s|\s+you)\s+for\s+(?:reaching\s+out|asking|your\s+(?:great\s+)?question)\b",
    # Arabic (folded: أ -> ا, ة -> ه)
    r"\bسؤال\s+(?:رائع|جميل|ممتاز|جيد|ذكي|حلو|مهم)\b(?!\s+(?:ل|حق|تساله|تسال))|\bيا\s+له\s+من\s+سؤال\b"
    r"|\b(?:احب|حبيت|عجبني)\s+(?:هذا\s+|هالـ?)?سؤال\w*\b|\bسؤالك\s+(?:في\s+محله|رائع|ممتاز|جميل|حلو)\b",
    r"\b(?:يسعدني|يسرني)\s+(?:جدا\s+)?(?:مساعدتك|ان\s+اساعدك|خدمتك|المساعده)\b|\bبكل\s+سرور\b",
    r"\bاتمنى\s+(?:ان\s+)?(?:يكون\s+)?(?:هذا\s+|هالشي\s+|كلامي\s+)?(?:مفيد|مفيدا|ساعدك|يساعدك|افادك|يفيدك)\b"
    r"|\bلا\s+تتردد\s+في\b|\bاذا\s+(?:عندك|كان\s+لديك|لديك)\s+اي\s+(?:سؤال|اسئله|استفسار)\w*\b|\bانا\s+هنا\s+"
    r"(?:عشان|علشان|ل)\s*(?:اساعدك|المساعده|مساعدتك)\b|\bفي\s+خدمتك\b",
    # Turkish
    r"\b(?:harika|güzel|mükemmel|çok\s+güzel|çok\s+iyi|süper|ilginç|muhteşem|ne\s+güzel)\s+(?:bir\s+)?soru\b"
    r"(?<!(?:sorulacak|sorman\s+gereken|sorulması\s+gereken)\s+(?:\w+\s+){0,2}soru)"
    r"|\b(?:bu\s+)?soru(?:na|ya)\s+bayıldım\b|\bbu\s+soruyu\s+(?:çok\s+)?sevdim\b",
    r"\byardımcı\s+olmaktan\s+(?:büyük\s+)?(?:mutluluk|memnuniyet)\s+duy(?:arım|uyorum)\b",
    r"\bumarım\s+(?:bu\s+)?(?:yardımcı\s+olur|yardımcı\s+olmuştur|işine\s+yarar|faydalı\s+olur|faydalı\s+olmuştur)\b",
    r"\b(?:çekinmeden|çekinmeyin|çekinme)\s+(?:sor|sorun|yaz|ulaş)\w*\b"
    r"|\bbaşka\s+(?:bir\s+)?(?:sorun|sorunuz|soru|sorular)\s+(?:olursa|varsa)\b",
    # Portuguese
    r"\b(?:que\s+)?(?:ótima|excelente|boa|grande|bela|linda|ótima)\s+pergunta\b(?!\s+(?:pr[oa]s?|para|pro)\b)"
    r"|\b(?:adorei|amei|amo)\s+(?:a\s+|essa\s+|esta\s+|sua\s+|tua\s+)?pergunta\b",
    r"\b(?:fico|ficarei|estou)\s+(?:muito\s+)?(?:feliz|contente)\s+em\s+(?:te\s+)?ajudar\b"
    r"|\b(?:fico|estou)\s+à\s+disposição\b",
    r"\bespero\s+(?:que\s+)?(?:isso|isto|ter)\s+(?:te\s+)?(?:ajud\w*|seja\s+útil|tenha\s+ajudado)\b"
    r"|\bnão\s+hesite\s+em\b|\bse\s+tiver\s+(?:mais\s+|outras\s+|alguma\s+)?(?:dúvidas?|perguntas?)\b"
    r"|\bqualquer\s+dúvida,?\s+(?:é\s+só(?:\s+(?:chamar|falar|perguntar|mandar))?|me\s+chama|estou|fico)\b",
    # Spanish
    r"\b(?:qué\s+)?(?:excelente|buena|gran|muy\s+buena|estupenda|magnífica)\s+pregunta\b(?!\s+para\b)"
    r"|\bme\s+encanta\s+(?:esta|tu|esa|la)\s+pregunta\b",
    r"\b(?:estaré|estoy)\s+(?:encantad[oa]|feliz)\s+de\s+ayudar\w*\b|\bcon\s+(?:mucho\s+)?gusto\s+te\s+ayudo\b"
    r"|\bestoy\s+aquí\s+para\s+ayudar\w*\b|\bquedo\s+a\s+(?:tu|su)\s+disposición\b",
    r"\bespero\s+que\s+(?:esto|te)\s+(?:te\s+)?(?:ayude|sirva)\b|\bno\s+dudes\s+en\b|\bespero\s+haberte\s+ayudado\b"
    r"|\bsi\s+tienes\s+(?:alguna\s+|más\s+|otra\s+|cualquier\s+)?(?:duda|pregunta)s?\b",
    r"\bpregunta\s+(?:excelente|genial|estupenda|muy\s+buena)\b|\bme\s+alegra\s+que\s+(?:preguntes|me\s+preguntes)\b"
    r"|\b(?:aquí\s+estoy|estoy\s+aquí)\s+para\s+lo\s+que\s+necesites\b|\bcualquier\s+cosa,?\s+me\s+(?:dices|avisas)\b",
    # more of each language: the question praised after the noun, thanks for asking, help on offer
    r"\bpergunta\s+(?:excelente|ótima|muito\s+boa|incrível)\b|\bque\s+pergunta\s+(?:boa|ótima|incrível)\b"
    r"|\b(?:qualquer\s+coisa|se\s+precisar\s+de\s+algo),?\s+(?:é\s+só|me)\s+(?:chamar|falar|avisar|chama|fala)\b"
    r"|\bestou\s+aqui\s+(?:se|caso)\s+precisar\b|\bobrigad[oa]\s+pela\s+pergunta\b",
    r"\b(?:çok\s+)?yerinde\s+bir\s+soru\b|\bsoru(?:n)?\s+çok\s+yerinde\b|\bbunu\s+sorman\s+çok\s+güzel\b"
    r"|\bbaşka\s+bir\s+şey(?:e)?\s+(?:lazım|ihtiyacın)\s+olursa\b|\bher\s+zaman\s+buradayım\b"
    r"|\bsorduğun\s+için\s+teşekkürler\b",
    r"\bسؤال\s+في\s+محله\b|\bمن\s+دواعي\s+سروري\b|\bشكرا\s+على\s+(?:سؤالك|السؤال)\b"
    r"|\bاذا\s+(?:تحتاج|احتجت|تبي)\s+(?:اي\s+)?شي\s+(?:ثاني|زياده|ثان)\b|\bانا\s+موجود\s+(?:اذا|لو)\s+(?:احتجت|تحتاج)\b",
    r"\bI\s+appreciate\s+(?:you\s+asking|your\s+question|the\s+question)\b"
    r"|\bthanks?\s+(?:you\s+)?for\s+(?:the|this|that)\s+(?:great\s+|good\s+)?question\b"
    r"|\b(?:I'd|I\s+would)\s+(?:love|be\s+(?:happy|glad|delighted|thrilled))\s+to\s+(?:help|assist|explain"
    r"|walk\s+you\s+through|answer)\b|\b(?:happy|glad)\s+to\s+(?:explain|walk\s+you\s+through)\b"
    r"|\bglad\s+you\s+asked\b|\bI'm\s+(?:always\s+)?here\s+(?:for\s+you|if\s+you\s+need)\b"
    r"|\bhope\s+(?:this|that)\s+(?:clears|clarifies|answers)\b|\bhappy\s+to\s+be\s+(?:a\s+)?part\s+of\b",
    # the same families in more of their usual wordings
    r"\b(?:great|excellent|good|fantastic|brilliant|valid|interesting)\s+point\b(?!\s+(?:to|for|at|in|of)\b)"
    r"|\bI\s+hope\s+you\s+(?:find|found)\s+(?:this|that|it)\s+(?:helpful|useful)\b"
    r"|\bif\s+you\s+(?:have|'ve\s+got)\s+(?:any\s+)?(?:more|other|further|follow-up)\s+questions\b"
    r"|\blet\s+me\s+know\s+if\s+you\s+(?:have|need)\s+(?:any\s+)?(?:more\s+|further\s+|other\s+)?(?:questions"
    r"|help|information|info|details|clarification|assistance)\b"
    r"|\bif\s+you\s+need\s+(?:any\s+)?(?:more|further|additional)\s+(?:help|assistance|information|guidance)\b"
    r"|\b(?:I'd|I\s+would)\s+be\s+more\s+than\s+(?:happy|glad)\s+to\b|\bI\s+can\s+(?:certainly|definitely)"
    r"\s+help\s+(?:you\s+)?with\s+that\b|\bI'm\s+here\s+to\s+(?:assist|support)\s+you\b"
    r"|\bI'm\s+(?:always\s+)?(?:happy|glad)\s+to\s+(?:help|assist)\b|\banything\s+else\s+I\s+can\s+help\b",
    r"\bespero\s+que\s+(?:isso\s+|isto\s+)?(?:te\s+)?(?:tenha\s+ajudado|ajude|seja\s+útil)\b"
    r"|\bposso\s+(?:te\s+)?ajudar\s+em\s+(?:mais\s+)?(?:alguma|algo)\b|\bé\s+um\s+prazer\s+(?:te\s+)?ajudar\b"
    r"|\bque\s+pergunta\s+(?:interessante|excelente|legal|bacana)\b|\bpergunta\s+(?:interessante|bacana)!"
    r"|\bse\s+precisar\s+de\s+(?:mais\s+alguma\s+coisa|mais\s+algo|algo\s+mais|mais\s+ajuda)\b"
    r"|\b(?:estou|tô|to)\s+aqui\s+(?:para|pra)\s+(?:te\s+)?ajudar\b",
    r"\bespero\s+que\s+(?:esto\s+|te\s+)?(?:te\s+)?(?:sea|resulte)\s+útil\b|\bsi\s+necesitas\s+(?:algo\s+más"
    r"|más\s+ayuda|cualquier\s+cosa)\b|\balgo\s+más\s+en\s+(?:lo\s+)?que\s+(?:te\s+)?pueda\s+ayudar\w*"
    r"|\b(?:será|es)\s+un\s+placer\s+ayudar\w*\b|\bencantad[oa]\s+de\s+ayudar\w*\b"
    r"|\bgracias\s+por\s+(?:tu|su|la|esta)\s+pregunta\b|\bgracias\s+por\s+preguntar\b"
    r"|\b(?:qué\s+)?pregunta\s+(?:tan\s+)?interesante!|\bqué\s+pregunta\s+(?:tan\s+)?(?:buena|interesante)\b",
    r"\byardımcı\s+olabileceğim\s+başka\s+(?:bir\s+)?şey\b|\bseve\s+seve\s+yardımcı\b"
    r"|\bsoru(?:n|nuz)\s+için\s+teşekkür\w*\b|\byardımcı\s+olmak\s+için\s+buradayım\b"
    r"|\bsormaktan\s+çekinme\w*\b|\bumarım\s+(?:bu\s+)?(?:bilgiler\s+)?(?:işini\s+görür|işe\s+yarar)\b",
    r"\bتحت\s+امرك\b|\bشكرا\s+(?:على|ل)\s*سؤالك\b|\b(?:هل\s+)?(?:في|هناك)\s+(?:اي\s+)?شي\w*\s+(?:ثاني|اخر)"
    r"\s+(?:اقدر|يمكنني|اساعدك)\b|\bيسعدني\s+(?:ان\s+)?اساعدك\b",
)
# Openers: fluff only as the reply's first words ("Certainly! …", "I'll start by …").
FLUFF_OPENERS = (
    r"(?:certainly|absolutely|of\s+course|sure\s+thing|definitely)\s*[!,.]",
    r"(?:sure|great|awesome|perfect|excellent|wonderful|fantastic|amazing|harika|süper|genial|ótimo|incrível)\s*!",
    r"I(?:'ll|\s+will)\s+(?:start|begin)\s+by\b",
    r"let\s+me\s+(?:start\s+by|begin\s+by|analy[sz]e|break\s+(?:this|it)\s+down|think|dive|explain|clarify"
    r"|walk\s+you\s+through|help\s+you\s+with|take\s+a\s+look|see\s+what|check\s+(?:this|that))\b",
    r"(?:to\s+answer\s+your\s+question|first(?:ly)?,?\s+I(?:'ll|\s+will)|I(?:'ll|\s+will)\s+(?:now\s+)?(?:analy[sz]e"
    r"|look\s+into|review|examine|walk\s+you\s+through))\b",
    r"(?:con\s+(?:mucho\s+)?gusto|encantad[oa]|com\s+(?:muito\s+)?prazer|seve\s+seve|no\s+problem|you're\s+welcome)"
    r"\s*[!,.]",
    r"(?:deix[ae]-?(?:me|\s+eu)\s+(?:explicar|ver|pensar|analisar)|d[ée]jame\s+(?:explicarte|explicar|ver|pensar"
    r"|analizar)|primero,?\s+voy\s+a|vamos\s+a\s+analizar|hemen\s+bakayım|öncelikle\s+\w+\s+analiz)\b",
    r"let's\s+dive\s+in(?:to)?\b",
    r"I\s+need\s+to\s+(?:first\s+)?(?:analy[sz]e|check|look\s+(?:at|into)|understand|figure\s+out|review"
    r"|examine|think)\b",
    r"(?:okay|ok|alright|all\s+right),?\s+(?:so\s+)?let\s+me\b",
    r"(?:بالتاكيد|بكل\s+تاكيد|بالطبع|طبعا)\s*[!،,.]",
    r"(?:اكيد|ولا\s+يهمك|من\s+عيوني)\s*!",
    r"(?:let's\s+break\s+(?:it|this)\s+down|allow\s+me\s+to\s+(?:explain|clarify|break))\b",
    r"(?:tabii\s+ki|tabi\s+ki|kesinlikle|elbette|memnuniyetle)\s*[!,.]",
    r"(?:claro|com\s+certeza|certamente|perfeito|ótimo|por\s+supuesto|desde\s+luego|claro\s+que\s+sí"
    r"|perfecto)\s*[!,.]",
    r"(?:vou\s+começar\s+(?:por|analisando)|deixe-?me\s+analisar|empezaré\s+por|déjame\s+analizar)\b",
)
_LEAD = r"\A[\s>*_#\"'¡¿«-]*(?:(?:oh|ah|well|okay|ok|yes|yeah|hi|hello|hey)\s*[!,.]?\s+)?"
# One pattern per family: scanning them one after another is about twice as fast as one
# alternation of all of them (fewer branches tried at each position of a long reply).
_ANYWHERE_RES = tuple(regex.compile(fold_pattern(p), regex.IGNORECASE) for p in FLUFF_ANYWHERE)
_OPENER_RE = regex.compile(
    fold_pattern(_LEAD + "(?P<fluff>" + "|".join(f"(?:{p})" for p in FLUFF_OPENERS) + ")"), regex.IGNORECASE
)
MAX_FLUFF_HITS = 20


def _fluff_phrases(phrases: list[str]) -> Phrases | None:
    return Phrases(phrases, case=True, whole_words=True, what="no_fluff phrase") if phrases else None


def _prepare_fluff(args: dict, _base_dir: object) -> dict:
    phrases = str_list(args.get("phrases"), "no_fluff phrases")
    openers = _fluff_phrases([p[1:] for p in phrases if p.startswith("^")])
    return {
        "phrases": list(phrases),
        "_anywhere": _fluff_phrases([p for p in phrases if not p.startswith("^")]),
        "_openers": openers,
        "_opener": regex.compile(f"{_LEAD}(?:{openers.alternation})") if openers else None,
    }


@register_check(
    "no_fluff",
    main="phrases",
    params={
        "phrases": Param(
            (list, str), default=[], help="extra fluff phrases; a leading '^' makes one an opener-only phrase"
        )
    },
    prepare=_prepare_fluff,
)
def check_no_fluff(reply: str, args: Mapping, ctx: CheckContext) -> CheckResult:
    """No flattery or filler ("Great question!", "I'd be happy to help") and no agent-like openers."""
    import time  # here, not at the top: the module's imports are being reworked apart from this check

    from .normalize import unemphasize

    text = unemphasize(reply[:SCAN_LIMIT])  # "**Great** question" is fluff too (same length: spans hold)
    folded = fold(text)  # the built-in patterns are case-insensitive themselves
    hits: list[tuple[int, int, str]] = []  # spans in the reply
    try:
        if m := _OPENER_RE.match(folded.text, timeout=PATTERN_TIMEOUT_S):
            hits.append((*folded.span(*m.span("fluff")), "opener"))
        openers: Phrases | None = args.get("_openers")
        if openers is not None:
            view = openers.view(text)
            if m := args["_opener"].match(view.text, timeout=PATTERN_TIMEOUT_S):
                hits.append((*openers.hit(view, m)[:2], "opener"))
        deadline = time.monotonic() + PATTERN_TIMEOUT_S  # one bound for all the families together
        for pattern in _ANYWHERE_RES:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            for m in itertools.islice(pattern.finditer(folded.text, timeout=left), MAX_FLUFF_HITS):
                hits.append((*folded.span(*m.span()), "phrase"))
        anywhere: Phrases | None = args.get("_anywhere")
        if anywhere is not None:
            for hit in itertools.islice(anywhere.finditer(text), MAX_FLUFF_HITS):
                hits.append((hit.start, hit.end, "phrase"))
    except TimeoutError:
        return check_error("fluff patterns took too long on this reply")
    if not hits:
        return passed()
    hits.sort()
    shown: list[str] = []
    for start, end, kind in hits:
        label = f"{reply[start:end].strip()!r}" + (" (opener)" if kind == "opener" else "")
        if label not in shown:
            shown.append(label)
    start, end, _ = hits[0]
    return failed(f"fluff: {', '.join(shown[:5])}; first", reply, (start, end))
