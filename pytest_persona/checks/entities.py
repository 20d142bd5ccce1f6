"""no_invented_entities: the names in a reply come from the case (system prompt, turns, context) or an allow list.

Small persona models invent people ("Gabriel"), organisations ("Trip.com"), products, places,
role titles ("João, the CTO") and works (a Netflix documentary that does not exist) with total
confidence. This check finds the names in a reply and fails on every one the case never gave.

What counts as a name, by script:

- Cased scripts (en, pt, es, tr, ...): a capitalised word inside a sentence, an acronym or a
  CamelCase word ("Softtor", "CTO", "TypeScript", "Trip.com"). A sentence's first word is a name
  only when something says so: another name or an honorific right after it ("Priya Nair",
  "Ahmet Bey"), an apostrophe suffix ("Elif'e", "Strava's"), letters that are not title case
  ("GitHub", "MARTA"), "and" and a name ("Gabriel e o João"). Otherwise it is read as an ordinary
  word, so "Strava is fine." is not caught. The words of a markdown heading ("## Key Points") are
  read like sentence openers, without the "a name follows" clue. Not names: weekdays, months,
  languages and nationalities, honorifics ("Dr.", "Sr.", "Bey", "Hanım"), common acronyms ("API",
  "JSON", "GPU"), the common words of the four languages, and any word the reply also writes in
  lower case.
- Quoted titles: a quoted string in title case, or any quoted string right after a word for a
  work ("film", "livro", "belgesel", "فيلم"), is one name and must appear whole in the case
  (or each of its words must). Quoted speech in sentence case ("She said "keep it easy"") is not.
- Arabic (no capital letters): a quoted string (unless after a verb of saying), the word after a
  title or a noun that introduces a name (الدكتور، السيد، الأستاذ، الشيخ، المهندس؛ فيلم، كتاب، مسلسل؛
  شركة، جامعة، مدينة ...), and any Latin-script name in the text. An Arabic name with no marker
  ("فيصل يساعدك") cannot be told from a word and is not judged.

A name is grounded when it occurs in the system prompt, any earlier turn (the user's or the
persona's), the case context (values and keys, nested) or ``allow``: compared case-, accent- and
Arabic-letter-folded, with possessive and Turkish suffixes after an apostrophe dropped ("João's",
"Mehmet Bey'in"). A several-word name needs each of its words ("João Pereira" fails when only
"João" is given). A wrong role in plain words ("João is our lead engineer") is a claim, not a
name, and is not judged; a role written as a title or an acronym ("CTO", "ADRP") is.

Thin evidence: a reply with no names the check can see passes with "thin evidence: no names in
the reply"; the detail also counts the sentence openers that were read as ordinary words (an
unmarked Arabic name or a lone invented opener, "Strava is fine.", passes this way). Code, URLs and e-mail addresses are
not read. Bounded: one linear pass over the reply (a 1 MB reply in well under a second).
"""

from __future__ import annotations

import functools
import itertools
import re
from bisect import bisect_left
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import regex

from . import register_check
from .base import CheckArgError, CheckContext, CheckResult, Param, as_list, failed, passed
from .language import mask_code
from .language_words import STOPWORDS
from .normalize import SCAN_LIMIT, composed, find_bounded, fold, fold_text, unemphasize
from .sources import context_leaves, turn_texts

_SHOW = 20
_PAD = "\u034f"  # what composed() puts before a letter it composes: no gap between words
_MAX_NAMES = 10_000  # distinct candidates judged; a reply with more is judged on its first ones

# A word: letters first, then word characters, with "." "-" "&" "+" inside when a word character
# follows ("Next.js", "Trip.com", "GPT-4o"), and one apostrophe suffix ("João's", "Bey'in").
_MARKS = "\u0300-\u036f\u064b-\u065f\u0670"  # combining accents (and the pad of composed()), harakat
_TOKEN_RE = re.compile(rf"[^\W\d_](?:[\w{_MARKS}]|[.\-&+](?=[^\W_]))*(?:['’][^\W\d_][\w{_MARKS}]*)?")
_SENTENCE_PUNCT = re.compile(r"[.!?…:;\"“”„«»‘’'(\[¿¡]|\n")
_ABBREVIATIONS = frozenset(
    "dr dra sr sra srta mr mrs ms prof st av etc vs jr sto sta no nº cf ex eg ie e.g i.e approx sen".split()
)
_PART_BREAK = re.compile(r"[.\-&+'’]")
_QUOTE_RE = re.compile(r"[\"“”„]([^\"“”„\n]{1,120})[\"“”„]|«([^«»\n]{1,120})»")
_ARABIC_RE = re.compile(r"[\u0600-\u06ff]")
_LATIN_LETTER_RE = re.compile(r"[A-Za-z\u00c0-\u024f]")

# Words that are not names however they are written (folded: lower case, no accents).
_WEEKDAYS_MONTHS = """
    monday tuesday wednesday thursday friday saturday sunday january february march april may june
    july august september october november december segunda terca quarta quinta sexta sabado domingo
    janeiro fevereiro marco abril maio junho julho agosto setembro outubro novembro dezembro lunes
    martes miercoles jueves viernes enero febrero marzo mayo junio julio septiembre octubre noviembre
    diciembre pazartesi sali carsamba persembe cuma cumartesi pazar ocak subat mart nisan mayis
    haziran temmuz agustos eylul ekim kasim aralik
"""
_LANGUAGES = """
    english portuguese spanish turkish arabic french german italian chinese japanese russian dutch
    british american brazilian european african asian latin portugues ingles espanhol espanol
    brasileiro brasileira frances alemao alemao italiano arabe turco turca chines japones ingleses
    portuguesa espanola americano americana europeu europeo turkce ingilizce arapca almanca
    fransizca ispanyolca portekizce italyanca rusca japonca cince turk turkiye'de
"""
_HONORIFICS = """
    mr mrs ms miss dr dra prof sr sra srta dona don dona dom sir madam coach bey hanim hoca hocam abi
    abla efendi pasa usta sayin
"""
_ACRONYMS = """
    i ok okay ai api apis cpu gpu gpus ram vram ssd usb json yaml xml html css sql http https rest url
    urls pdf csv cli ui ux id ids pr prs ci cd qa faq hr bpm gps tv dm ps etc asap fyi imo btw tl dr
    llm llms ml nlp os ios sdk ide oop dto orm jwt dns ip tcp vpn wifi lan mb gb kb tb ghz mhz
    am pm utc gmt km kg mph rpe vo2 vo2max sms mvp poc kpi roi diy fps cv
"""
_EXTRA_COMMON = """
    hi hey hello oi ola hola selam merhaba yes no sim nao si evet hayir thanks obrigado obrigada
    gracias tesekkurler note tip step steps summary plan week day today tomorrow yesterday tonight
    hoje amanha ontem manana ayer hoy bugun yarin dun first then next finally also however honestly
    basically actually yes sure great good fine nice okay cheers ready quick
"""
_COMMON = frozenset(
    w
    for text in (_WEEKDAYS_MONTHS, _LANGUAGES, _HONORIFICS, _ACRONYMS, _EXTRA_COMMON, *STOPWORDS.values())
    for w in fold_text(text, case=True, accents=True).split()
)
_HONORIFIC_KEYS = frozenset(fold_text(_HONORIFICS, case=True, accents=True).split())

# A word for a work right before a quote makes the quote a title ("the documentary "Deep Molt"").
_WORK_WORDS = frozenset(
    fold_text(
        """film films movie movies documentary documentaries book books novel series show shows song
        songs album podcast episode play article paper course filme filmes documentario documentarios
        livro livros romance serie series musica cancao album pelicula peliculas documental libro
        libros novela cancion programa episodio obra kitap kitabi kitabini belgesel belgeseli dizi
        dizisi dizisini sarki sarkisi albumu roman oyun
        فيلم الفيلم افلام كتاب الكتاب مسلسل المسلسل روايه الروايه برنامج البرنامج اغنيه الاغنيه
        وثائقي الوثائقي مسرحيه""",
        case=True,
        accents=True,
    ).split()
)
_SPEECH_WORDS = frozenset(fold_text("قال قالت قلت يقول تقول قالوا يقولون قول", case=True, accents=True).split())

# Arabic: the words that introduce a name (a title, a work, an organisation, a city), folded
# (أ→ا, ة→ه, ى→ي), with the clitics و ف ب ك ل and the article in front.
_AR_MARKERS = (
    "دكتور|دكتوره|سيد|سيده|استاذ|استاذه|شيخ|شيخه|مهندس|مهندسه|كابتن|فيلم|كتاب|مسلسل|روايه|برنامج"
    "|اغنيه|وثائقي|مسرحيه|شركه|مؤسسه|موسسه|جامعه|مستشفي|بنك|نادي|مدينه|تطبيق"
)
_AR_MARKER_RE = regex.compile(
    rf"(?<![\p{{L}}\p{{M}}\p{{N}}_])[وف]?[بكل]?(?P<article>ال|ل)?(?:{_AR_MARKERS})\s+"
    r"(?P<name>[\p{Arabic}&&\p{L}]+(?:\s+[\p{Arabic}&&\p{L}]+){0,2})",
    regex.V1,
)
_AR_WORD_RE = regex.compile(r"[\p{Arabic}&&\p{L}]+", regex.V1)
# where a reported name ends: a title of a person (الدكتور فهد الدكتور ...) or a bare marker (ظلال المدينة is one title)
_AR_MARKER_WORD_RE = regex.compile(
    rf"[وف]?[بكل]?(?:(?:ال|ل)?(?:دكتور|دكتوره|سيد|سيده|استاذ|استاذه|شيخ|شيخه|مهندس|مهندسه|كابتن)|{_AR_MARKERS})",
    regex.V1,
)
_AR_STOP = frozenset(
    fold_text(
        """عن في من على الى الي اللي الذي التي هذا هذه هذي ذا ذي ذاك تلك زين حلو حلوه جديد جديده كبير
        كبيره صغير صغيره ممتاز ممتازه رهيب مفيد مفيده واحد واحده ثاني قديم قديمه جميل جميله طويل قصير
        مشهور مشهوره عربي انجليزي كامل ما لا يا و او ثم بس كثير شوي مره اول اخر جيد جيده عندي عندك عنده
        حق مع كل بعض غير مثل قبل بعد بين عند لين لما اذا وش شو ايش كيف ليش وين متى كم هو هي انا انت نحن
        هم تبي ابي يبي لك لي له لها لكم حقك حقي حقه زي ولا يعني الحين بكره اليوم امس""",
        case=True,
        accents=True,
    ).split()
)
_AR_PREFIX_RE = regex.compile(r"^(?:[وف]?[بكل]?(?:ال|ل)|[وف][بكل]?|[بكل])(?=\p{L}{2})")


def _key(word: str) -> str:
    """How a word is compared: folded (case, accents, Arabic letter variants)."""
    return fold_text(word, case=True, accents=True)


def _base(token: str) -> tuple[str, bool]:
    """The token without an apostrophe suffix ("João's" -> "João", "Bey'in" -> "Bey"), and whether it had one."""
    if "'" not in token and "’" not in token:
        return token, False
    for mark in ("'", "’"):
        i = token.find(mark)
        if i > 0:
            suffix = token[i + 1 :]
            if suffix.islower() or token[:i].isupper():
                return token[:i], True
    return token, False


def _ar_variants(key: str) -> tuple[str, ...]:
    """An Arabic word with and without its clitics and article (بالدكتور -> دكتور)."""
    stripped = _AR_PREFIX_RE.sub("", key)
    return (key, stripped) if stripped != key else (key,)


@dataclass
class Grounds:
    """The case's words (folded) and its text, for looking up a reply's names."""

    words: set[str] = field(default_factory=set)
    blob_parts: list[str] = field(default_factory=list)

    def add(self, text: str) -> None:
        folded = _key(text[:SCAN_LIMIT])
        self.blob_parts.append(folded)
        for token in set(_TOKEN_RE.findall(folded)):
            base, _ = _base(token)
            for key in {token, base}:
                self.words.update(_ar_variants(key) if _ARABIC_RE.search(key) else (key,))
                if not key.isalpha():
                    self.words.update(part for part in _PART_BREAK.split(key) if part)

    @functools.cached_property
    def blob(self) -> str:
        """The case's folded text, one space between words (read once all of it is added)."""
        return " ".join(" ".join(self.blob_parts).split())

    def has_word(self, key: str) -> bool:
        return any(v in self.words for v in _ar_variants(key)) if _ARABIC_RE.search(key) else key in self.words

    def has_phrase(self, text: str) -> bool:
        key = " ".join(_key(text).split())
        return bool(key) and find_bounded(self.blob, key) >= 0


def case_grounds(ctx: CheckContext, allow: Iterable[str] = ()) -> Grounds:
    """What may ground a name: the system prompt, every earlier turn, the context, ``allow``."""
    grounds = Grounds()
    for text in (*turn_texts(ctx, assistant=True), *allow):
        grounds.add(text)
    for leaf in context_leaves(ctx.context):
        grounds.add(str(leaf))
    return grounds


@dataclass(frozen=True)
class Name:
    text: str
    span: tuple[int, int]


def _quoted_titles(text: str, tokens: list[re.Match[str]]) -> list[tuple[tuple[int, int], str]]:
    """Quoted strings that are titles (see the module docstring): their spans and contents."""
    titles = []
    starts = [m.start() for m in tokens]
    for m in itertools.islice(_QUOTE_RE.finditer(text), _MAX_NAMES):
        inner = m.group(1) if m.group(1) is not None else m.group(2)
        words = _TOKEN_RE.findall(inner)
        if not words:
            continue
        k = bisect_left(starts, m.start())
        before = [_key(_base(t.group())[0]) for t in tokens[max(0, k - 2) : k]]
        after_work = any(b in _WORK_WORDS for b in before)
        if _ARABIC_RE.search(inner) and not _LATIN_LETTER_RE.search(inner):
            if len(words) <= 6 and not any(b in _SPEECH_WORDS for b in before):
                titles.append((m.span(), inner))
            continue
        if not words[0][0].isupper():
            continue
        rest = [w for w in words[1:] if len(w) >= 4]
        title_case = len(words) >= 2 and bool(rest) and all(w[0].isupper() for w in rest)
        if after_work or title_case:
            titles.append((m.span(), inner))
    return titles


def _is_break(gap: str, previous: str | None) -> bool:
    """Does the gap between two words start a sentence (or a quote, a line, a list item)?"""
    if previous is None:
        return True
    if not _SENTENCE_PUNCT.search(gap):
        return False
    if gap.strip() == "." and _key(previous) in _ABBREVIATIONS:
        return False  # "Dr. Hughes", "Sr. Almeida"
    return True


_SHAPE_RE = re.compile(r"[.&+0-9]")
# A markdown heading: its words are title case by convention ("## Key Points"), read like openers.
_HEADING_RE = re.compile(r"(?m)^[ \t]{0,3}#{1,6}[ \t][^\n]*")


def _in_spans(pos: int, spans: list[tuple[int, int]]) -> bool:
    k = bisect_left(spans, (pos + 1,)) - 1
    return k >= 0 and spans[k][0] <= pos < spans[k][1]


def _shape_says_name(base: str) -> bool:
    """Letters that are not title case, a dot or a digit: "GitHub", "CRM", "MARTA", "Trip.com"."""
    return len(base) > 1 and (not base[1:].islower() or _SHAPE_RE.search(base) is not None)


def find_names(reply: str, grounds: Grounds) -> tuple[list[Name], int, int]:
    """The reply's invented names (each once, in order), how many names it has, and how many
    sentence openers were read as words. Reads the first ``SCAN_LIMIT`` characters."""
    head = reply[:SCAN_LIMIT]
    if len(reply) > SCAN_LIMIT:  # not a word cut in two at the limit
        head = head[: max(head.rfind(" "), head.rfind("\n"), 0)] or head
    text = mask_code(unemphasize(composed(head)))
    tokens = list(_TOKEN_RE.finditer(text))
    lower_keys = {_key(w) for w in {m.group() for m in tokens} if w.islower()}
    invented: dict[str, Name] = {}
    judged = 0
    titles = _quoted_titles(text, tokens)
    verdicts: dict[str, bool] = {}
    for span, inner in titles:
        judged += 1
        known = verdicts.get(inner)
        if known is None:
            known = verdicts[inner] = _title_known(inner, grounds)
        if not known:
            invented.setdefault(_key(inner), Name(inner, span))
    in_title = _covered(tokens, [span for span, _ in titles])
    names, count, openers = _judge_words(text, tokens, in_title, lower_keys, grounds)
    judged += count
    for name in names:
        invented.setdefault(_key(name.text), name)
    if _ARABIC_RE.search(text):
        judged += _arabic_names(text, grounds, invented)
    return sorted(invented.values(), key=lambda n: n.span), judged, openers


def _title_known(inner: str, grounds: Grounds) -> bool:
    """A quoted title is grounded whole, or by each of its words that is not a common word."""
    if grounds.has_phrase(inner):
        return True
    words = [_key(_base(w)[0]) for w in _TOKEN_RE.findall(inner)]
    content = [w for w in words if w not in _COMMON or _ARABIC_RE.search(w)]
    return bool(content) and all(grounds.has_word(w) for w in content)


def _covered(tokens: list[re.Match[str]], spans: list[tuple[int, int]]) -> list[bool]:
    """Which tokens lie inside one of ``spans`` (sorted, not overlapping)."""
    inside = [False] * len(tokens)
    if spans:
        starts = [m.start() for m in tokens]
        for a, b in spans:
            for i in range(bisect_left(starts, a), bisect_left(starts, b)):
                inside[i] = True
    return inside


def _judge_words(
    text: str, tokens: list[re.Match[str]], in_title: list[bool], lower_keys: set[str], grounds: Grounds
) -> tuple[list[Name], int, int]:
    """The invented capitalised words (adjacent ones make one Name), how many words were judged, and
    how many sentence openers were read as ordinary words."""
    out: list[Name] = []
    openers = judged = 0
    seen: dict[str, bool] = {}
    memo: dict[str, tuple[str, bool, str, bool]] = {}  # token -> base, marked as a name, key, common
    run: list[tuple[str, tuple[int, int]]] = []

    def flush() -> None:
        if run:
            out.append(Name(" ".join(w for w, _ in run), (run[0][1][0], run[-1][1][1])))
            run.clear()

    previous: str | None = None
    end = 0
    padded = _PAD in text
    headings = [m.span() for m in itertools.islice(_HEADING_RE.finditer(text), _MAX_NAMES)] if "#" in text else []
    for i, m in enumerate(tokens):
        token = m.group()
        start = m.start()
        gap = text[end:start].replace(_PAD, "") if padded else text[end:start]
        prev, previous, end = previous, token, m.end()
        if token.islower() or in_title[i] or token.lower() == token:
            flush()
            continue
        in_heading = bool(headings) and _in_spans(start, headings)
        starts_sentence = in_heading or _is_break(gap, prev)
        if run and (starts_sentence or gap.strip()):
            flush()
        info = memo.get(token)
        if info is None:
            base, suffixed = _base(token)
            key = _key(base)
            common = key in _COMMON or key in lower_keys or (suffixed and _key(token) in _COMMON)
            info = memo[token] = (base, suffixed or _shape_says_name(base), key, common)
        base, marked, key, common = info
        if common:
            flush()
            continue
        if starts_sentence and not (marked or not in_heading and _next_is_name(tokens, i, text, grounds)):
            openers += 1
            flush()
            continue
        judged += 1
        known = seen.get(key)
        if known is None:
            known = seen[key] = grounds.has_word(key) or (not base.isalpha() and grounds.has_phrase(base))
        if known:
            flush()
        else:
            run.append((base, (start, start + len(base))))
    flush()
    return out, judged, openers


def _next_is_name(tokens: list[re.Match[str]], i: int, text: str, grounds: Grounds) -> bool:
    """The word after a sentence opener is an honorific ("Ahmet Bey"), an invented name ("Priya
    Nair": reported as one), or "and" and a name ("Gabriel e o João"). Not a name the case gives:
    "Uso TypeScript", "Hoje João" open with a word."""
    if i + 1 >= len(tokens):
        return False
    nxt = tokens[i + 1]
    gap = text[tokens[i].end() : nxt.start()].replace(_PAD, "")
    if gap.strip() or "\n" in gap:
        return False
    word = nxt.group()
    if word.lower() == word:
        return _coordinated(tokens, i, text)
    key = _key(_base(word)[0])
    return key in _HONORIFIC_KEYS or key not in _COMMON and not grounds.has_word(key)


_CONJUNCTIONS = frozenset("and or e ou y ve ile veya".split())
_ARTICLES = frozenset("the o a os as el la los las".split())


def _coordinated(tokens: list[re.Match[str]], i: int, text: str) -> bool:
    """A sentence opener joined to a name by "and" ("Gabriel e o João", "Gabriel and Priya"): a name too."""
    following = [t.group() for t in tokens[i + 1 : i + 4]]
    if not following or following[0].casefold() not in _CONJUNCTIONS:
        return False
    rest = following[1:]
    if rest and rest[0] in _ARTICLES:
        rest = rest[1:]
    if not rest or rest[0].lower() == rest[0]:
        return False
    key = _key(_base(rest[0])[0])
    return key not in _COMMON


def _arabic_names(text: str, grounds: Grounds, invented: dict[str, Name]) -> int:
    """Names after Arabic markers (الدكتور سالم، شركة نور، كتاب ...): each judged by its first word."""
    view = fold(text, case=True, accents=True)
    judged = 0
    verdicts: dict[str, bool] = {}
    for m in itertools.islice(_AR_MARKER_RE.finditer(view.text), _MAX_NAMES):
        words = m.group("name").split()
        first = words[0]
        if first in _AR_STOP or m.group("article") and first.startswith("ال"):
            continue  # "كتاب مفيد", "الشركة الكبيرة": an adjective, not a name
        judged += 1
        if first not in verdicts:
            verdicts[first] = grounds.has_word(first)
        if not verdicts[first]:
            end = m.start("name") + len(first)
            for word in _AR_WORD_RE.finditer(view.text, end, m.end("name")):
                if word.group() in _AR_STOP or _AR_MARKER_WORD_RE.fullmatch(word.group()):
                    break  # the name ends before a common word or the next marker
                end = word.end()
            span = view.span(m.start("name"), end)
            invented.setdefault(view.text[m.start("name") : end], Name(view.original[span[0] : span[1]], span))
    return judged


def _prepare(args: dict[str, Any], base_dir: Any) -> dict[str, Any]:
    allow = []
    for item in as_list(args["allow"]):
        if not isinstance(item, str) or not item.strip():
            raise CheckArgError(f"no_invented_entities allow entries must be non-empty strings, got {item!r}")
        allow.append(item)
    return {**args, "allow": allow, "_allow": tuple(allow)}


def _show(name: Name) -> str:
    text = name.text if len(name.text) <= 40 else name.text[:39] + "…"
    return f"{text!r} at {name.span[0]}..{name.span[1]}"


@register_check(
    "no_invented_entities",
    main="allow",
    params={"allow": Param((list, str), default=(), help="names always allowed (products, people, titles)")},
    prepare=_prepare,
)
def no_invented_entities(reply: str, args: Mapping[str, Any], ctx: CheckContext) -> CheckResult:
    """Names (people, organisations, products, places, titles) are the case's or allowed; none seen: thin evidence."""
    if "_allow" not in args:
        args = _prepare({"allow": (), **args}, None)
    grounds = case_grounds(ctx, args["_allow"])
    invented, judged, openers = find_names(reply, grounds)
    read = f"; {openers} sentence opener(s) read as words" if openers else ""
    if not judged:
        return passed(f"thin evidence: no names in the reply{read}")
    if not invented:
        return passed(f"{judged} name(s), all from the system prompt, the turns, the context or allow{read}")
    shown = ", ".join(_show(n) for n in invented[:_SHOW])
    if len(invented) > _SHOW:
        shown += f" (+{len(invented) - _SHOW} more)"
    detail = f"invented names (not in the system prompt, the turns, the context or allow): {shown}; first"
    return failed(detail, reply, invented[0].span)


__all__ = ["Grounds", "Name", "case_grounds", "find_names"]
