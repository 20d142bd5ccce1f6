"""``language``: offline, deterministic guess of the reply's language (en, ar, tr, pt, es).

Small personas drift back into their base model's English (or Chinese); this check catches that
with no download: scripts decide Arabic (and CJK, Cyrillic, …), and the Latin languages are
told apart by two kinds of evidence added up, py3langid's byte n-gram model (shipped in its
wheel, imported on the first call) and this module's lexicon (``language_words``: common chat
words, diacritics, suffixes, spelling), which knows the one- or two-word replies ("Valeu!",
"Aynen.", "Fair enough.") an n-gram model cannot.

Before either reads the reply, code, URLs, e-mail addresses, numbers and names are masked:
capitalised words inside a sentence, acronyms and CamelCase words, and the names the persona is
given (capitalised words inside sentences of the system prompt and the case's context). "O
deploy roda no Vercel" is Portuguese. At most ``SCAN_LIMIT`` characters and ``MAX_WORDS`` words
are read, and the model reads the first ``MODEL_CHARS`` of them, so a 1 MB reply stays fast;
spans point into the original reply.

The rule, in order:

1. No word left to judge (empty, emoji, numbers, code, names only): pass, "thin evidence: no
   words to judge".
2. A non-Latin script holding at least half the words decides, even for one word.
3. Thin evidence (at most ``THIN_WORDS`` Latin words to judge; "Makes sense.", "Valeu!", "OK 👍"):
   the reply passes only on words known to be the expected language's, and the detail starts
   "thin evidence: ...". Known means a listed word, a diacritic or a suffix of the language; when
   none of the words is known to any language, it passes only if the n-gram model gives the
   expected language at least ``THIN_MODEL_PROBABILITY`` ("Merak etme." is Turkish), and fails
   otherwise. With known words it fails when another language scores as much on words of its
   own ("Obrigado! Thanks!" is as much English as Portuguese) or leads; words shared with the
   leader and nothing else ("No.", "No, no, no.") are ambiguous, not wrong, and pass. An
   Arabic reply has no Latin words to know, so any thin Latin-script reply fails Arabic.
4. Otherwise (four or more words): a reply the n-gram model gives, with high confidence, to a
   language outside the five (French, German, …) fails once it has ``OTHER_MIN_WORDS`` words;
   else the Latin language with the top combined score (the model's log-probability, damped
   below ``MODEL_FULL_WORDS`` words, plus ``LEXICON_WEIGHT`` times the lexicon score) decides.
"""

from __future__ import annotations

import itertools
import math
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field

import regex

from . import register_check
from .base import CheckArgError, CheckContext, CheckResult, Param, as_list, failed, passed
from .language_words import EN_CLITICS, LETTERS, SHAPES, SUFFIXES, TR_CLITICS, word_weights
from .normalize import SCAN_LIMIT, fold

LANGUAGES = ("english", "arabic", "turkish", "portuguese", "spanish")
LATIN = ("english", "turkish", "portuguese", "spanish")
CODES = {"english": "en", "arabic": "ar", "turkish": "tr", "portuguese": "pt", "spanish": "es"}

_ALIASES = {
    **{name: name for name in LANGUAGES},
    **{code: name for name, code in CODES.items()},
    "eng": "english",
    "ara": "arabic",
    "tur": "turkish",
    "por": "portuguese",
    "spa": "spanish",
    "arabic (gulf)": "arabic",
    "gulf arabic": "arabic",
    "العربية": "arabic",
    "عربي": "arabic",
    "türkçe": "turkish",
    "turkce": "turkish",
    "português": "portuguese",
    "portugues": "portuguese",
    "español": "spanish",
    "espanol": "spanish",
    "castellano": "spanish",
}

_WORDS = word_weights()
_SUFFIX_RES = tuple((regex.compile(f"(?:{pattern})$"), weights) for pattern, weights in SUFFIXES)
_SHAPE_RES = tuple((regex.compile(pattern), weights) for pattern, weights in SHAPES)
_ENGLISH, _TURKISH, _SPANISH = {"english": 1.0}, {"turkish": 1.0}, {"spanish": 1.0}

MIN_SHAPE_LETTERS = 3
LEXICON_WEIGHT = 2.0  # one lexicon point is worth a factor e**2 of n-gram probability
MODEL_FULL_WORDS = 8  # words (names included) from which the n-gram model speaks at full weight
MIN_PROBABILITY = 1e-6  # floor of the n-gram probabilities before their logarithm
THIN_WORDS = 3  # at most this many Latin words is thin evidence (rule 4)
THIN_MODEL_PROBABILITY = 0.9  # a thin reply no list knows passes when the n-gram model is this sure
OTHER_MIN_WORDS = 6  # words before the n-gram model may name a language outside the five
OTHER_MIN_PROBABILITY = 0.9
MIN_WORDS_WITHOUT_OPENERS = 3  # other words needed before an unknown opener counts as a name
TIE_MARGIN = 1.0  # a log-ratio of n-gram probabilities below which shared words stay a tie
MAX_WORDS = 10_000  # the first words decide; bounds the time on a huge reply

_FENCE = "```"
_INLINE_CODE = regex.compile(r"`[^`\n]{1,300}`")
_URL = regex.compile(r"(?:https?://|www\.)\S+|(?<![\w.+-])[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}")
_WORD = regex.compile(r"[\p{L}\p{M}]+(?:'[\p{L}\p{M}]+)*")
_DIGITS = regex.compile(r"\d+")
_SENTENCE_END = regex.compile(r"[.!?…][\"'”’»)\]*_]*\s|\n")
_ARABIC_CHAR = regex.compile(r"\p{Arabic}")
_LATIN_CHAR = regex.compile(r"\p{Latin}")
_CJK_CHAR = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}]")
_INV_PUNCT = regex.compile(r"[¿¡]")


def mask_code(text: str) -> str:
    """``text`` with fenced/inline code, URLs and e-mail addresses blanked (same length)."""
    if _FENCE in text:
        parts = text.split(_FENCE)  # odd parts are inside a fence (an unclosed one runs to the end)
        text = (" " * len(_FENCE)).join(part if i % 2 == 0 else " " * len(part) for i, part in enumerate(parts))
    text = _INLINE_CODE.sub(_blank, text)
    return _URL.sub(_blank, text)


def _blank(m: regex.Match[str]) -> str:
    return " " * len(m.group())


@dataclass
class Evidence:
    """What the reply's words say: script word counts, lexicon scores, first clues, model text."""

    scripts: dict[str, int] = field(default_factory=dict)
    scores: dict[str, float] = field(default_factory=lambda: dict.fromkeys(LATIN, 0.0))
    first: dict[str, tuple[int, int]] = field(default_factory=dict)  # language/script -> span
    groups: dict[frozenset[str], dict[str, float]] = field(default_factory=dict)  # scores by clue's languages
    names: int = 0  # masked words: names and acronyms
    unlisted: int = 0  # Latin words no word list has (the n-gram model may know them)
    model_text: str = ""  # the reply as the n-gram model reads it (code, numbers, names blanked)

    def add(self, weights: Mapping[str, float], span: tuple[int, int]) -> None:
        """One clue: ``weights`` for the languages it belongs to."""
        group = self.groups.setdefault(frozenset(weights), dict.fromkeys(weights, 0.0))
        for lang, weight in weights.items():
            self.scores[lang] += weight
            group[lang] += weight
            self.first.setdefault(lang, span)

    def own(self, lang: str, other: str) -> float:
        """The score ``lang`` got from clues that gave ``other`` nothing (its words, not shared ones)."""
        return sum(group[lang] for langs, group in self.groups.items() if lang in langs and other not in langs)

    @property
    def words(self) -> int:
        return sum(self.scripts.values())

    @property
    def lexicon_total(self) -> float:
        return sum(self.scores.values())


def _script_of(word: str) -> str:
    ch = word[0]
    if _LATIN_CHAR.match(ch):
        return "latin"
    if _ARABIC_CHAR.match(ch):
        return "arabic"
    if _CJK_CHAR.match(ch):
        return "cjk"
    try:
        return unicodedata.name(ch).split()[0].lower()
    except ValueError:
        return "other"


def _is_name(word: str, gap: str, shouting: bool) -> bool:
    """A capitalised word inside a sentence, or an acronym: a name, which says nothing of the language."""
    if not word[0].isupper() or shouting or word == "I" or word.startswith("I'"):
        return False
    if len(word) > 1 and (word.isupper() or not word[1:].islower() and "'" not in word):
        return True  # CRM, DDD, OK; TypeScript, GitHub
    return gap is not None and not _SENTENCE_END.search(gap)


def persona_names(ctx: CheckContext) -> frozenset[str]:
    """Names the persona is given (lower case): capitalised words inside sentences of the system
    prompt and the case's context facts that no word list knows ("Josi", "Haitham", "Vercel")."""
    texts = [ctx.system, *(str(v) for v in ctx.context.values() if isinstance(v, (str, int, float)))]
    found: set[str] = set()
    for text in texts:
        text = text[:SCAN_LIMIT]
        end: int | None = None
        for m in itertools.islice(_WORD.finditer(text), MAX_WORDS):
            word, (a, b) = m.group(), m.span()
            gap = None if end is None else text[end:a]
            end = b
            if _script_of(word) == "latin" and _is_name(word, gap, False) and _lower(word) not in _WORDS:
                found.add(_lower(word))
    return frozenset(found)


def gather(reply: str, names: frozenset[str] = frozenset()) -> Evidence:
    """Score the reply's words (code, URLs, numbers and names excluded), at most ``MAX_WORDS``."""
    ev = Evidence()
    folded = fold(reply[:SCAN_LIMIT])
    text = _DIGITS.sub(_blank, mask_code(folded.text))
    shouting = text.isupper()
    model: list[str] = []
    openers: list[tuple[str, tuple[int, int]]] = []  # sentence-initial capitalised words no list knows
    end: int | None = None  # where the previous word ended (None: at the start of the reply)
    for m in itertools.islice(_WORD.finditer(text), MAX_WORDS):
        word, (a, b) = m.group(), m.span()
        gap = None if end is None else text[end:a]
        end = b
        script = _script_of(word)
        if script == "latin" and (_is_name(word, gap, shouting) or names and _lower(word) in names):
            ev.names += 1
            continue
        span = folded.span(a, b)
        if script == "latin" and word[0].isupper() and not shouting and _lower(word) not in _WORDS:
            if gap is not None:  # a sentence opener inside the reply: a word, or a name ("João is ...")
                openers.append((word, span))
                continue
            opener = True  # the reply's first word is a word unless the persona was given it as a name
        else:
            opener = False
        _add_word(ev, model, word, script, span, opener=opener)
    if sum(ev.scripts.values()) >= MIN_WORDS_WITHOUT_OPENERS:
        ev.names += len(openers)  # "João is a person.": with enough other words, an opener may be a name
        model.extend(word for word, _ in openers)  # but its letters still tell the n-gram model something
    else:
        for word, span in openers:  # a title-case opener of a short reply is a word: its spelling speaks
            _add_word(ev, model, word, "latin", span, opener=True)
    for m in itertools.islice(_INV_PUNCT.finditer(text), 50):
        ev.add(_SPANISH, folded.span(*m.span()))
    ev.model_text = " ".join(model)
    return ev


def _lower(word: str) -> str:
    return word.replace("İ", "i").lower()


def _add_word(
    ev: Evidence, model: list[str], word: str, script: str, span: tuple[int, int], opener: bool = False
) -> None:
    ev.scripts[script] = ev.scripts.get(script, 0) + (len(word) if script == "cjk" else 1)
    if script not in ev.first or span < ev.first[script]:  # a short reply's openers are added last
        ev.first[script] = span
    if script == "latin":
        model.append(word)
        low = _lower(word)
        ev.unlisted += low not in _WORDS
        _score_word(ev, low, span, shape=word == low or opener and word[1:] == low[1:])


def _score_word(ev: Evidence, low: str, span: tuple[int, int], shape: bool = False) -> None:
    """Stopword, clitic, suffix and letter evidence; spelling (``shape``) when nothing else spoke."""
    weights = _WORDS.get(low)
    if weights is not None:
        ev.add(weights, span)
        return
    spoke = False
    if "'" in low:
        stem, _, clitic = low.partition("'")
        if clitic in EN_CLITICS:
            ev.add(_ENGLISH, span)
            spoke = True
        elif clitic in TR_CLITICS or clitic.startswith(("y", "d", "t", "n", "l")) and len(clitic) <= 4:
            ev.add(_TURKISH, span)
            spoke = True
        low = stem
    if len(low) >= 4:
        for pattern, suffix_weights in _SUFFIX_RES:
            if pattern.search(low):
                ev.add(suffix_weights, span)
                spoke = True
                break
    for letter in set(low) & LETTERS.keys():
        ev.add(LETTERS[letter], span)
        spoke = True
    if shape and not spoke and len(low) >= MIN_SHAPE_LETTERS:
        for pattern, shape_weights in _SHAPE_RES:
            if pattern.search(low):
                ev.add(shape_weights, span)
                break


@dataclass(frozen=True)
class Reading:
    """The Latin-language reading: combined scores (log-probability + lexicon), best first."""

    combined: dict[str, float]
    model: dict[str, float]
    other: tuple[str, float] | None  # a confident guess outside the five languages

    def gap(self, lang: str, other: str) -> float:
        """How much more likely the n-gram model finds ``lang`` than ``other`` (log ratio)."""
        return math.log(max(self.model[lang], MIN_PROBABILITY) / max(self.model[other], MIN_PROBABILITY))

    def ranked(self) -> list[str]:
        return sorted(LATIN, key=lambda lang: (-self.combined[lang], LATIN.index(lang)))


def read_latin(ev: Evidence) -> Reading:
    """Add the n-gram model's log-probabilities to the lexicon scores (lazy model import)."""
    from .language_model import best_guess, latin_probabilities

    probs = latin_probabilities(ev.model_text)
    model = {lang: probs.get(CODES[lang], 0.0) for lang in LATIN}
    damp = min(
        1.0, (ev.scripts.get("latin", 0) + ev.names) / MODEL_FULL_WORDS
    )  # naive Bayes is overconfident on few words
    combined = {
        lang: damp * math.log(max(model[lang], MIN_PROBABILITY)) + LEXICON_WEIGHT * ev.scores[lang] for lang in LATIN
    }
    other = None
    if ev.scripts.get("latin", 0) >= OTHER_MIN_WORDS:
        from .language_model import RELATIVES

        code, p = best_guess(ev.model_text)
        if code not in RELATIVES and p >= OTHER_MIN_PROBABILITY:
            other = (code, p)
    return Reading(combined, model, other)


def _fmt(ev: Evidence, reading: Reading | None = None) -> str:
    words = ", ".join(f"{script} {count}" for script, count in sorted(ev.scripts.items()))
    if ev.names:
        words += f"{', ' if words else ''}names {ev.names}"
    parts = [f"words: {words or 'none'}"]
    if reading is not None:
        for label, values, digits in (("lexicon", ev.scores, 1), ("model", reading.model, 2)):
            ranked = sorted(LATIN, key=lambda lang: (-values[lang], LATIN.index(lang)))
            parts.append(label + " " + " ".join(f"{CODES[lang]}={values[lang]:.{digits}f}" for lang in ranked))
    return "; ".join(parts)


def _prepare(args: dict, _base_dir: object) -> dict:
    raw = as_list(args.get("expect"))
    if not raw:
        raise CheckArgError("check 'language' needs `expect`: " + _supported())
    wanted: list[str] = []
    for item in raw:
        if not isinstance(item, str):
            raise CheckArgError(f"`expect`: language names must be strings, got {item!r}; " + _supported())
        key = item.strip().lower()
        name = _ALIASES.get(key) or _ALIASES.get(regex.split(r"[-_]", key)[0])
        if name is None:
            raise CheckArgError(f"`expect`: unknown language {item!r}; " + _supported())
        if name not in wanted:
            wanted.append(name)
    return {"expect": tuple(wanted)}


def _supported() -> str:
    return "supported: " + ", ".join(f"{name} ({CODES[name]})" for name in LANGUAGES)


def _only_shared(ev: Evidence, rival: str, wanted: str) -> bool:
    """Every clue for ``rival`` also spoke for ``wanted`` ("no", "a", "ok"), and some spoke."""
    return ev.scores[wanted] > 0 and ev.own(rival, wanted) == 0


def judge(reply: str, expect: tuple[str, ...], names: frozenset[str] = frozenset()) -> CheckResult:
    """The verdict of the module docstring's rule, with the evidence in the detail."""
    want = " or ".join(expect)
    ev = gather(reply, names)
    total = ev.words
    if total == 0:
        return passed(f"thin evidence: no words to judge (names, numbers, code or emoji only) ({_fmt(ev)})")
    script, count = max(((s, c) for s, c in ev.scripts.items() if s != "latin"), key=lambda sc: sc[1], default=("", 0))
    if count and count * 2 >= total:
        looks = "arabic" if script == "arabic" else f"{script} script"
        if looks in expect:
            return passed(f"looks {looks} ({_fmt(ev)})")
        return failed(f"expected {want}, reply looks {looks} ({_fmt(ev)})", reply, ev.first.get(script))
    reading = read_latin(ev)
    detail = _fmt(ev, reading)
    if ev.scripts.get("latin", 0) <= THIN_WORDS:
        return _judge_thin(reply, expect, ev, reading, detail)
    if reading.other is not None:
        code, p = reading.other
        return failed(f"expected {want}, reply looks like another language ({code} {p:.2f}; {detail})")
    best = reading.ranked()[0]
    if best in expect:
        return passed(f"looks {best} ({detail})")
    return failed(f"expected {want}, reply looks {best} ({detail})", reply, ev.first.get(best, ev.first.get("latin")))


def _judge_thin(reply: str, expect: tuple[str, ...], ev: Evidence, reading: Reading, detail: str) -> CheckResult:
    """Rule 4 of the module docstring: one to three words pass only on words known to be the expected language's."""
    want = " or ".join(expect)
    span = ev.first.get("latin")
    known = [lang for lang in reading.ranked() if lang in expect and ev.scores[lang] > 0]
    if ev.lexicon_total == 0:
        sure = [lang for lang in LATIN if lang in expect and reading.model[lang] >= THIN_MODEL_PROBABILITY]
        if sure:
            return passed(f"thin evidence: no listed word, but the n-gram model is sure it is {sure[0]} ({detail})")
        return failed(f"expected {want}; thin evidence: no word known to be {want} ({detail})", reply, span)
    if not known:
        best = reading.ranked()[0]
        return failed(
            f"expected {want}; thin evidence: no word known to be {want}, it reads {best} ({detail})", reply, span
        )
    lang = known[0]
    rivals = [
        r
        for r in LATIN
        if r not in expect
        and ev.own(r, lang) > 0
        and ev.scores[r] >= ev.scores[lang]
        and (ev.own(lang, r) > 0 or reading.gap(lang, r) < TIE_MARGIN)
    ]
    if rivals:
        return failed(
            f"expected {want}; thin evidence: the reply is as much {rivals[0]} as {lang} ({detail})",
            reply,
            ev.first.get(rivals[0], span),
        )
    best = reading.ranked()[0]
    if (
        best == lang
        or ev.scores[lang] >= ev.scores[best]
        and _only_shared(ev, best, lang)
        and (ev.unlisted == 0 or reading.gap(best, lang) < TIE_MARGIN)
    ):
        shared = "" if best == lang else f", shared with {best}"
        return passed(f"thin evidence: known {lang} words{shared} ({detail})")
    return failed(f"expected {want}; thin evidence: the words read {best} ({detail})", reply, ev.first.get(best, span))


@register_check(
    "language",
    main="expect",
    params={"expect": Param((str, list), required=True, help="language name or ISO code (en/ar/tr/pt/es), or a list")},
    prepare=_prepare,
)
def check_language(reply: str, args: Mapping, ctx: CheckContext) -> CheckResult:
    """The reply is written in the expected language (en, ar, tr, pt, es; offline heuristics)."""
    return judge(reply, args["expect"], persona_names(ctx))
