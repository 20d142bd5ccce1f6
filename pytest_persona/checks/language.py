"""``language``: offline, deterministic guess of the reply's language (en, ar, tr, pt, es).

Small personas drift back into their base model's English (or Chinese); this check catches that
without downloaded models: Arabic is decided by script, the Latin languages by stopwords,
diacritics, suffixes and (for words nothing else identifies) spelling.

The rule, in order:

1. A non-Latin script holding at least half the words decides (Arabic, CJK, Cyrillic, …).
2. Otherwise each Latin word scores the languages it belongs to (a word shared by several,
   like "a" or "no", splits its point). The reply passes when an expected language has the top
   score; below ``MIN_EVIDENCE`` in total the pass says "too little evidence to be sure".
3. A tie at the top passes only when the other language's score comes from words it shares
   with the expected one ("No." is Portuguese as much as English: ambiguous, not wrong). A
   tie in which the other language has words of its own fails: the reply is no more
   Portuguese than it is English.
4. Leaning towards another language fails even on thin evidence ("Sure!" is not Turkish);
   a reply whose words say nothing at all (names, numbers, code, emoji) passes as "too little
   evidence to decide". Arabic is the exception: two or more Latin words contradict it.
"""

from __future__ import annotations

import itertools
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field

import regex

from . import register_check
from .base import CheckArgError, CheckContext, CheckResult, Param, as_list, failed, passed
from .normalize import SCAN_LIMIT, fold

# --------------------------------------------------------------------------------------------
# Language data.

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

_STOPWORDS: dict[str, str] = {
    "english": """the and is are was were be been being you your yours i me my mine we our us they
        them their he she his her it its this that these those to of in on at for with from by
        about as not but or if so what which who whom how why when where there here have has had
        do does did will would can could should may might must just very also than then too yes
        hi hello thanks thank please sorry sure an a into out up down over after before because
        while all any some more most other such only own same both each few i'm don't it's you're
        that's can't i'll i've won't isn't let's what's there's i'd you'll we're they're doesn't
        didn't get got know think want need like well really right now today tomorrow run week
        no one every never always much many first last new good great make keep still again
        way even say see look long easy going back off let take give""",
    "turkish": """ve bir bi bu şu o da de ne ile için çok ama gibi daha var yok ben sen biz siz
        onlar mi mı mu mü değil evet hayır şey bişey birşey kanka tamam nasıl neden niye şimdi
        sonra her sana bana beni seni onu ki diye olarak kadar bile hem ya veya ise eğer sadece
        artık hadi abi abla lan sor söyle merhaba selam naber teşekkürler teşekkür sağol iyi
        güzel kötü bugün yarın dün hep hiç en çünkü yani belki tabii elbette lütfen nerede kim
        hangi benim senin onun bizim sizin şöyle böyle öyle burada orada bunu şunu dinle bak
        olur oldu olsun değilim miyim musun misin mısın var mı yapalım hadi haydi""",
    "portuguese": """o a os as um uma uns umas de do da dos das em no na nos nas ao aos à às pelo
        pela pelos pelas que não é e para com por mais mas se eu você vocês ele ela eles elas
        isso isto aquilo muito muita muitos também já foi são está estão estou tem têm tenho
        como quando seu sua seus suas meu minha meus minhas obrigado obrigada sim tudo bem aqui
        agora então ou só mesmo ainda depois até sobre porque onde quem qual nós nosso nossa lhe
        fazer pode posso vou vai olá oi beleza tá né treino hoje amanhã claro""",
    "spanish": """el la los las un una unos unas de del al en que y o es son está están estoy no
        por para con se su sus lo le les como más pero ya este esta esto estos estas ese esa eso
        sí porque entre cuando muy sin sobre también me hasta hay donde quien desde todo todos
        nos yo tú usted ustedes él ella ellos ellas mi mis tu tus qué cómo dónde cuándo hola
        gracias bueno claro puedo puedes tengo tienes hacer aquí ahora entonces pues vale mucho
        muchos nada algo hoy mañana entrenamiento""",
}


def _word_weights() -> dict[str, dict[str, float]]:
    owners: dict[str, list[str]] = {}
    for lang, words in _STOPWORDS.items():
        for word in set(words.split()):
            owners.setdefault(word, []).append(lang)
    return {word: {lang: 1.0 / len(langs) for lang in langs} for word, langs in owners.items()}


_WORDS = _word_weights()

# Word endings (checked on words that are not stopwords); each gives evidence to some languages.
_SUFFIXES: tuple[tuple[str, dict[str, float]], ...] = (
    (r"[ıiuü]yor(?:um|sun|uz|sunuz|lar|du|dum|muş)?", {"turkish": 1.0}),
    (r"yor(?:um|sun|uz|sunuz|lar|du|dum)", {"turkish": 1.0}),
    (r"[ae]c[ae](?:k|ğ[ıi]m|ks[ıi]n|ğ[ıi]z)", {"turkish": 1.0}),
    (r"m[ae]k|m[ae]kt[ae]|s[ıi]n[ıi]z|l[ae]r[ıi]m[ıi]z", {"turkish": 1.0}),
    (r"ção|ções|ões|dade|dades|inho|inha|ável|ível|eiro|eira|[aei]ram|avam", {"portuguese": 1.0}),
    (r"ción|ciones|dad|dades|iendo|ísimo|ísima|aron|ieron|aban", {"spanish": 1.0}),
    (r"mente|ando|ado|ada", {"portuguese": 0.5, "spanish": 0.5}),
    (r"ing|tion|tions|ness|ful|ould|ly", {"english": 1.0}),
)
_SUFFIX_RES = tuple((regex.compile(f"(?:{pattern})$"), weights) for pattern, weights in _SUFFIXES)

# Letters that only some of the Latin languages use (counted once per word).
_LETTERS: dict[str, dict[str, float]] = {
    "ğ": {"turkish": 1.0},
    "ı": {"turkish": 1.0},
    "ş": {"turkish": 1.0},
    "ö": {"turkish": 1.0},
    "ü": {"turkish": 1.0},
    "ñ": {"spanish": 1.0},
    "ã": {"portuguese": 1.0},
    "õ": {"portuguese": 1.0},
    "ê": {"portuguese": 1.0},
    "ô": {"portuguese": 1.0},
    "à": {"portuguese": 0.5},
    "ç": {"portuguese": 0.5, "turkish": 0.5},
    "â": {"portuguese": 0.5, "turkish": 0.5},
    "î": {"turkish": 0.5},
    "û": {"turkish": 0.5},
    "á": {"portuguese": 0.5, "spanish": 0.5},
    "é": {"portuguese": 0.5, "spanish": 0.5},
    "í": {"portuguese": 0.5, "spanish": 0.5},
    "ó": {"portuguese": 0.5, "spanish": 0.5},
    "ú": {"portuguese": 0.5, "spanish": 0.5},
}
# Spelling that gives a word away when nothing else did: English digraphs no Romance or Turkish
# word has, endings Portuguese and Spanish words do not take, Portuguese nh/lh and -ou, Spanish
# ue. Only words written in lower case, so names and acronyms (TypeScript, CRM) say nothing.
_SHAPES: tuple[tuple[str, dict[str, float]], ...] = (
    (r"th|sh|ck|wh|ph|ght|tch|w|ee[^rnm]|oo[dklmnst]|[^aeiouy]y$", {"english": 0.5}),
    (r"^(?:un|in|en)h", {}),  # unhappy, inherit: English prefixes, not Portuguese nh
    (r"nh|lh|ou$", {"portuguese": 0.5}),
    (r"[^qg]ue\w", {"spanish": 0.5}),
    (r"[bcfgkpt]$", {"english": 0.5, "turkish": 0.5}),
    (r"[^aeiou]ed$", {"english": 0.5}),
    (r"d$", {"english": 0.5, "spanish": 0.5}),
)
_SHAPE_RES = tuple((regex.compile(pattern), weights) for pattern, weights in _SHAPES)
MIN_SHAPE_LETTERS = 3
_ENGLISH, _TURKISH, _SPANISH = {"english": 1.0}, {"turkish": 1.0}, {"spanish": 1.0}
_EN_CLITICS = frozenset({"s", "t", "m", "re", "ll", "ve", "d"})
_TR_CLITICS = frozenset(
    """a e ı i u ü ya ye yı yi yu yü da de ta te dan den tan ten ın in un ün nın nin nun nün la
    le yla yle ya ye ndan nden na ne""".split()
)

MIN_EVIDENCE = 1.5  # total Latin-language score below which the verdict is "too little evidence"
MIN_SCRIPT_WORDS = 2  # words needed before a script alone decides
MAX_WORDS = 10_000  # the first words decide; bounds the time on a huge reply

_FENCE = "```"
_INLINE_CODE = regex.compile(r"`[^`\n]{1,300}`")
_URL = regex.compile(r"(?:https?://|www\.)\S+|(?<![\w.+-])[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}")
_WORD = regex.compile(r"[\p{L}\p{M}]+(?:'[\p{L}\p{M}]+)*")
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
    """What the reply's words say: script word counts, Latin-language scores, first clues."""

    scripts: dict[str, int] = field(default_factory=dict)
    scores: dict[str, float] = field(default_factory=lambda: dict.fromkeys(LATIN, 0.0))
    first: dict[str, tuple[int, int]] = field(default_factory=dict)  # language/script -> span
    groups: dict[frozenset[str], dict[str, float]] = field(default_factory=dict)  # scores by clue's languages

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
    def latin_total(self) -> float:
        return sum(self.scores.values())

    def ranked(self) -> list[tuple[str, float]]:
        return sorted(self.scores.items(), key=lambda item: (-item[1], LATIN.index(item[0])))


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


def gather(reply: str) -> Evidence:
    """Score the reply's words (code and URLs excluded), at most ``MAX_WORDS`` of them."""
    ev = Evidence()
    folded = fold(reply[:SCAN_LIMIT])
    text = mask_code(folded.text)
    for m in itertools.islice(_WORD.finditer(text), MAX_WORDS):
        word = m.group()
        span = folded.span(*m.span())
        script = _script_of(word)
        if script == "cjk":  # no spaces between CJK words: count characters
            ev.scripts[script] = ev.scripts.get(script, 0) + len(word)
        else:
            ev.scripts[script] = ev.scripts.get(script, 0) + 1
        ev.first.setdefault(script, span)
        if script != "latin":
            continue
        low = word.replace("İ", "i").lower()
        _score_word(ev, low, span, shape=word == low)
    for m in itertools.islice(_INV_PUNCT.finditer(text), 50):
        ev.add(_SPANISH, folded.span(*m.span()))
    return ev


def _score_word(ev: Evidence, low: str, span: tuple[int, int], shape: bool = False) -> None:
    """Stopword, clitic, suffix and letter evidence; spelling (``shape``) when nothing else spoke."""
    weights = _WORDS.get(low)
    if weights is not None:
        ev.add(weights, span)
        return
    spoke = False
    if "'" in low:
        stem, _, clitic = low.partition("'")
        if clitic in _EN_CLITICS:
            ev.add(_ENGLISH, span)
            spoke = True
        elif clitic in _TR_CLITICS or clitic.startswith(("y", "d", "t", "n", "l")) and len(clitic) <= 4:
            ev.add(_TURKISH, span)
            spoke = True
        low = stem
    if len(low) >= 4:
        for pattern, suffix_weights in _SUFFIX_RES:
            if pattern.search(low):
                ev.add(suffix_weights, span)
                spoke = True
                break
    for letter in set(low) & _LETTERS.keys():
        ev.add(_LETTERS[letter], span)
        spoke = True
    if shape and not spoke and len(low) >= MIN_SHAPE_LETTERS:
        for pattern, shape_weights in _SHAPE_RES:
            if pattern.search(low):
                ev.add(shape_weights, span)
                break


def _fmt_scores(ev: Evidence) -> str:
    parts = [f"{CODES[lang]}={score:.1f}" for lang, score in ev.ranked()]
    words = ", ".join(f"{script} {count}" for script, count in sorted(ev.scripts.items()))
    return f"scores {' '.join(parts)}; words: {words or 'none'}"


@dataclass(frozen=True)
class Verdict:
    """The detection outcome: what the reply looks like, and whether the evidence suffices."""

    looks: tuple[str, ...]  # best languages (ties), or ("<script> script",); () when nothing
    confident: bool
    span: tuple[int, int] | None = None

    @property
    def label(self) -> str:
        return " or ".join(self.looks) if self.looks else "undecided"


def detect(ev: Evidence) -> Verdict:
    """Decide from the evidence: script first (by word counts), then Latin-language scores."""
    total_words = sum(ev.scripts.values())
    if total_words == 0:
        return Verdict((), False)
    others = [(count, script) for script, count in ev.scripts.items() if script != "latin"]
    count, script = max(others, default=(0, ""))
    if count and count * 2 >= total_words:  # a non-Latin script with at least half the words decides
        looks = "arabic" if script == "arabic" else f"{script} script"
        return Verdict((looks,), count >= MIN_SCRIPT_WORDS, ev.first.get(script))
    ranked = ev.ranked()
    best, best_score = ranked[0]
    if best_score <= 0:
        return Verdict((), False, ev.first.get("latin"))
    top = tuple(lang for lang, score in ranked if score == best_score)
    return Verdict(top, ev.latin_total >= MIN_EVIDENCE, ev.first.get(best))


def _prepare(args: dict, _base_dir: object) -> dict:
    raw = as_list(args.get("expect"))
    if not raw:
        raise CheckArgError("check 'language' needs `expect`: " + _supported())
    wanted: list[str] = []
    for item in raw:
        if not isinstance(item, str):
            raise CheckArgError(f"language names must be strings, got {item!r}; " + _supported())
        key = item.strip().lower()
        name = _ALIASES.get(key) or _ALIASES.get(regex.split(r"[-_]", key)[0])
        if name is None:
            raise CheckArgError(f"unknown language {item!r}; " + _supported())
        if name not in wanted:
            wanted.append(name)
    return {"expect": tuple(wanted)}


def _has_own_words(ev: Evidence, rival: str, tied: list[str]) -> bool:
    """The rival scored on clues the tied expected languages do not share (not only "a", "no")."""
    return all(ev.own(rival, lang) > 0 for lang in tied)


def _supported() -> str:
    return "supported: " + ", ".join(f"{name} ({CODES[name]})" for name in LANGUAGES)


@register_check(
    "language",
    main="expect",
    params={"expect": Param((str, list), required=True, help="language name or ISO code (en/ar/tr/pt/es), or a list")},
    prepare=_prepare,
)
def check_language(reply: str, args: Mapping, ctx: CheckContext) -> CheckResult:
    """The reply is written in the expected language (en, ar, tr, pt, es; offline heuristics)."""
    expect: tuple[str, ...] = args["expect"]
    want = " or ".join(expect)
    ev = gather(reply)
    verdict = detect(ev)
    scores = _fmt_scores(ev)
    if set(verdict.looks) & set(expect):
        tied = [lang for lang in verdict.looks if lang in expect]
        rivals = [lang for lang in verdict.looks if lang not in expect and _has_own_words(ev, lang, tied)]
        if rivals:
            return failed(
                f"expected {want}; the reply is as much {' or '.join(rivals)} as {want} ({scores})",
                reply,
                ev.first.get(rivals[0]),
            )
        how = "looks" if verdict.confident else "too little evidence to be sure; leans"
        return passed(f"{how} {verdict.label} ({scores})")
    if not verdict.looks:
        contra = "latin script" if "arabic" in expect and ev.scripts.get("latin", 0) >= MIN_SCRIPT_WORDS else None
        if contra is None:
            return passed(f"too little evidence to decide; nothing contradicts {want} ({scores})")
        return failed(f"expected {want}, reply is in {contra} ({scores})", reply, verdict.span)
    if not verdict.confident:
        return failed(
            f"expected {want}; too little evidence to be sure, but the reply leans {verdict.label} ({scores})",
            reply,
            verdict.span,
        )
    return failed(f"expected {want}, reply looks {verdict.label} ({scores})", reply, verdict.span)
