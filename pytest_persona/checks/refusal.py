"""``refusal`` / ``no_refusal``: does the reply decline? Multilingual marker phrases.

Persona contracts hinge on declining the right requests (a coach that must never edit the
plan) and answering all the others. A decline is a first-person "I can't / I won't / not
allowed" style phrase (adverbs allowed: "I still can't", "I simply cannot") or a stated policy
("I don't change the plan") in English, Arabic (MSA and Gulf), Turkish, Portuguese or Spanish;
an apology on its own is not one, nor is an imperative ("Don't change your shoes").
"""

from __future__ import annotations

from collections.abc import Mapping

import regex

from . import register_check
from .base import CheckContext, CheckResult, Param, check_error, failed, passed, str_list
from .normalize import PATTERN_TIMEOUT_S, SCAN_LIMIT, Folded, Phrases, fold, fold_pattern

# Patterns run on folded text and are folded themselves (normalize: ’ -> ', أ/إ/آ -> ا, ى -> ي, ة -> ه,
# no harakat). Each group starts with a word the engine can scan for, so a 1 MB reply is still
# searched quickly.
_EN_ADVERB = r"(?:\s+(?:still|really|simply|just|truly|honestly|absolutely|definitely|certainly|genuinely))?"
_EN_EDIT = r"change|modify|edit|alter|move|reschedule|rearrange|touch|make\s+changes"
_EN_EDITING = r"changing|modifying|editing|altering|moving|rescheduling|rearranging|touching"
_EN_FIRST_PERSON = (
    r"\b(?:I|we)(?:"
    # can't / cannot / can not / cant, after an adverb too ("I still can't", "I simply cannot"),
    # except idioms ("I can't wait", "I can't help but", "I really can't believe")
    rf"{_EN_ADVERB}\s*(?:can(?:no|')t|can\s+not|cant)\b"
    r"(?!\s+(?:wait|believe|stress|emphasi[sz]e|overstate|thank|imagine|tell\s+you\s+how|get\s+enough"
    r"|get\s+over|say\s+enough|help\s+but|help\s+(?:think|feel|notic|wonder|smil|laugh)\w*|agree\s+more"
    r"|complain|lie|deny|only)\b)"
    r"|(?:'m|'re|\s+am|\s+are)\s+(?:really\s+|truly\s+|simply\s+|just\s+)?"
    r"(?:not\s+(?:able|allowed|permitted|authori[sz]ed|in\s+a\s+position|going\s+to"
    r"(?!\s+(?:lie|sugarcoat|pretend)\b))|unable)\b"
    rf"|{_EN_ADVERB}(?:\s+will\s+not|\s+won't|'ll\s+not|\s+shall\s+not)\b"
    r"(?!\s+(?:lie|sugarcoat|bore|keep\s+you|forget|hesitate|stop\s+you|let\s+you\s+down)\b)"
    r"|(?:\s+must|\s+have\s+to|\s+need\s+to|\s+will\s+have\s+to|'ll\s+have\s+to|'d\s+have\s+to"
    r"|\s+respectfully|\s+politely)?\s+(?:decline|refuse)\b"
    r"|(?:'d|\s+would)\s+rather\s+not\b"
    r"|\s+(?:do\s+not|don't)\s+have\s+(?:the\s+)?(?:(?:ability|permission|authority|power"
    r"|authori[sz]ation)\s+to|access\s+to)\b"
    # a stated policy: "I don't change the plan", "I'm not moving your run" (not "… my mind")
    rf"|{_EN_ADVERB}\s+(?:do\s+not|don't)\s+(?:{_EN_EDIT})\b(?!\s+my\b)"
    rf"|(?:'m|\s+am)\s+not\s+(?:{_EN_EDITING})\b(?!\s+my\b)"
    r")"
)
_EN_OTHER = (
    r"\b(?:(?:that|this|it)(?:'s\s+not|\s+is\s+not|\s+isn't)\s+something\s+(?:I|we)\s+(?:can|could|am\s+able"
    r"|'m\s+able|'m\s+allowed|am\s+allowed|do|will|'ll)"
    r"|(?:outside|beyond)\s+(?:of\s+)?(?:my|our)\s+(?:scope|remit|role|abilities|capabilities|authority"
    r"|competence|mandate|purview)"
    r"|not\s+(?:within|in)\s+my\s+(?:power|role|remit|scope|authority))\b"
)
_AR = (
    r"\b[وف]?(?:"
    # لا/ما/مو/مش/لن (+ راح) + I can / I am able (MSA, Gulf اقدر/اگدر/يمديني, Levantine بقدر);
    # not "ما أستطيع فعله" (what I can do)
    r"(?:لا|ما|مو|مب|مش|لن)(?:\s+(?:راح|رح|ح))?\s*"
    r"(?:استطيع|نستطيع|اقدر|نقدر|بقدر|يمكنني|يمكننا|اتمكن|نتمكن|يسعني|يسعنا|يمديني|امدي"
    r"|اغير|نغير|اعدل|نعدل)\b"  # ... or I change / modify: "لن أغير الخطة", "ما أعدل الخطة"
    r"(?!\s*(?:فعله|عمله|تقديمه|قوله)\b)"
    r"|(?:ليس|مو|مب|مش|ما)\s*ب(?:امكاني|استطاعتي|مقدوري|يدي)"
    r"|(?:غير|مو|مب|ليس|مش)\s+مسموح(?:ا|ة)?\s+لي"
    r"|(?:لا|ما)\s+يسمح\s+لي"
    r"|(?:ما\s*عندي|ليس\s+لدي|ليست\s+لدي|لا\s+املك|ما\s+املك)\s+(?:ال)?صلاحي(?:ة|ات)"
    r"|(?:مو|مب|ليس|ليست|مش)\s+(?:من\s+)?(?:صلاحياتي|اختصاصي|دوري)"
    r"|خارج\s+(?:صلاحياتي|اختصاصي|نطاق\s+(?:عملي|صلاحياتي|دوري))"
    r"|اعتذر\s+عن\s+(?:تعديل|تغيير|تنفيذ|القيام|المساعدة|مساعدتك|الاجابة|تقديم|نقل|تحريك)"
    r"|ما\s+(?:يصير|ينفع)\s+ا\w+"
    r")\b"
)
_TR = (
    r"\b(?:"
    r"(?:yap|değiştir|degistir|düzenley|ver|ed|ol|sil|gönder|ekley|taşıy|erteley|bul|gir|kabul\s+ed"
    r"|yardım\s+ed|yardımcı\s+ol)(?:amıyorum|emiyorum|amiyorum)"
    r"|(?:yetkim|iznim|imkanım|imkânım|yetkimiz)\s+yok"
    r"|yetkili\s+değilim"
    r"|elimde\s+değil"
    r")\b"
)
# Turkish -(y)AmAm "I cannot ..." and -mAyAcAğIm "I will not ...": found by the ending, the word
# checked in Python (a pattern starting at every word would be slow on a long reply).
_TR_CANNOT = r"(?<=\w\w)(?:amam|emem|maya[cç]a[ğg][ıi]m|meye[cç]e[ğg]im)\b"
_TR_CANNOT_NOT = ("chamam", "clamam", "gramam", "rramam", "flamam", "temem", "gemem")  # Portuguese
_PT = (
    r"\b(?:"
    r"n[ãa]o\s+(?:posso|podemos|consigo|conseguimos|vou\s+(?:poder|conseguir|alterar|mudar|modificar|mexer"
    r"|fazer\s+isso)|estou\s+(?:autorizad[oa]|habilitad[oa]|em\s+posição\s+de|permitid[oa])"
    r"|tenho\s+(?:permissão|autorização|acesso|como)|sou\s+capaz|me\s+é\s+permitido|cabe\s+a\s+mim"
    r"|é\s+(?:minha\s+função|meu\s+papel)|d[áa]\s+(?:pra|para)|mudo|altero|modifico|mexo)\b"
    r"(?!\s+(?:esperar|acreditar|deixar\s+de)\b)"
    r"|(?:prefiro|preferia)\s+não"
    r"|(?:devo|preciso|tenho\s+que)\s+recusar"
    r"|fora\s+d[oa]s?\s+(?:meu\s+alcance|minhas\s+(?:funções|atribuições)|meu\s+papel)"
    r"|não\s+está\s+ao\s+meu\s+alcance"
    r")\b"
)
_ES = (
    r"\b(?:"
    r"no\s+(?:puedo|podemos|podré|me\s+es\s+posible|me\s+está\s+permitido|estoy\s+(?:autorizad[oa]"
    r"|en\s+(?:condiciones|posición)\s+de|permitid[oa])|tengo\s+(?:permiso|autorización|acceso)|soy\s+capaz"
    r"|voy\s+a\s+(?:poder|cambiar|modificar|mover|hacer\s+eso|alterar)|me\s+corresponde|es\s+mi\s+función"
    r"|cambio|modifico|muevo|toco)\b"
    r"(?!\s+(?:esperar|creer|dejar\s+de)\b)"
    r"|(?:prefiero|preferiría)\s+no"
    r"|(?:debo|tengo\s+que)\s+(?:rechazar|negarme)"
    r"|me\s+niego\s+a"
    r"|fuera\s+de\s+mi\s+(?:alcance|función|competencia)"
    r"|no\s+está\s+(?:a\s+mi\s+alcance|en\s+mis\s+manos)"
    r")\b"
)
BUILTIN_MARKERS = tuple(
    regex.compile(fold_pattern(p), regex.IGNORECASE) for p in (_EN_FIRST_PERSON, _EN_OTHER, _AR, _TR, _PT, _ES)
)
_TR_CANNOT_RE = regex.compile(fold_pattern(_TR_CANNOT), regex.IGNORECASE)
_WORD_START = regex.compile(r"\w{2,40}$")


def _turkish_cannot(text: str) -> tuple[int, int] | None:
    """First Turkish "-(y)AmAm" word (yapamam, değiştiremem), skipping Portuguese look-alikes."""
    for m in _TR_CANNOT_RE.finditer(text, timeout=PATTERN_TIMEOUT_S):
        head = _WORD_START.search(text, max(0, m.start() - 40), m.start())
        if head is None or (head.start() > 0 and text[head.start() - 1].isalnum()):
            continue  # fewer than two letters before the ending, or a run too long to be a word
        word = text[head.start() : m.end()].lower()
        if not word.endswith(_TR_CANNOT_NOT) or len(m.group()) > 4:
            return head.start(), m.end()
    return None


_APOLOGY = regex.compile(
    fold_pattern(
        r"\b(?:sorry|I\s+apologi[sz]e|my\s+apologies|desculp\w*|lo\s+siento|perd[oó]n\w*|disculp\w*|lamento"
        r"|[üu]zg[üu]n[üu]m|kusura\s+bakma\w*|pardon)\b|(?<!\w)(?:اسف|اعتذر|عذرا|معذرة|المعذرة)(?!\w)"
    ),
    regex.IGNORECASE,
)
_FIRST_SENTENCE = regex.compile(r"[^.!?\n؟]{1,160}[.!?؟]?")


def find_refusal(folded: Folded, extra: Phrases | None) -> tuple[int, int] | None:
    """Span (in the original reply) of the first refusal marker, built-in or user-given, or None."""
    text = folded.text
    hits = [_turkish_cannot(text)]
    for pattern in BUILTIN_MARKERS:
        m = pattern.search(text, timeout=PATTERN_TIMEOUT_S)
        hits.append(m.span() if m is not None else None)
    found = [folded.span(*hit) for hit in hits if hit is not None]
    user = extra.first(folded.original) if extra is not None else None
    if user is not None:
        found.append((user.start, user.end))
    return min(found) if found else None


def _prepare(args: dict, _base_dir: object) -> dict:
    markers = str_list(args.get("markers"), "refusal markers")
    pattern = Phrases(markers, case=True, whole_words=True, what="refusal marker") if markers else None
    return {"markers": markers, "_pattern": pattern}


_PARAMS = {
    "markers": Param((list, str), default=[], help="extra phrases that count as declining (added to the built-ins)")
}


@register_check("refusal", main="markers", params=_PARAMS, prepare=_prepare)
def check_refusal(reply: str, args: Mapping, ctx: CheckContext) -> CheckResult:
    """The reply declines (first-person can't/won't/not allowed; an apology alone is not enough)."""
    folded = fold(reply[:SCAN_LIMIT])
    try:
        span = find_refusal(folded, args.get("_pattern"))
    except TimeoutError:
        return check_error("refusal markers took too long on this reply")
    if span is not None:
        return passed(f"declines: {reply[span[0] : span[1]]!r}")
    if not reply.strip():
        return failed("expected a refusal, got an empty reply")
    apology = _APOLOGY.search(folded.text)
    if apology is not None:
        return failed(
            "expected a refusal; the reply apologises but never declines (an apology is not a refusal)",
            reply,
            folded.span(*apology.span()),
        )
    first = _FIRST_SENTENCE.search(reply, 0, SCAN_LIMIT)
    span = first.span() if first else (0, min(len(reply), 160))
    return failed("expected a refusal, found no refusal marker; the reply opens", reply, span)


@register_check("no_refusal", main="markers", params=_PARAMS, prepare=_prepare)
def check_no_refusal(reply: str, args: Mapping, ctx: CheckContext) -> CheckResult:
    """The reply answers: no refusal marker, and not empty."""
    if not reply.strip():
        return failed("empty reply: no answer at all")
    try:
        span = find_refusal(fold(reply[:SCAN_LIMIT]), args.get("_pattern"))
    except TimeoutError:
        return check_error("refusal markers took too long on this reply")
    if span is not None:
        return failed("the reply declines", reply, span)
    if len(reply) > SCAN_LIMIT:
        return passed(f"no refusal in the first {SCAN_LIMIT:,} characters (the rest was not searched)")
    return passed()
