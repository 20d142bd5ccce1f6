"""``refusal`` / ``no_refusal``: does the reply decline? Decline markers weighed by a small trained model.

Persona contracts hinge on declining the right requests (a coach that must never edit the
plan) and answering all the others. A decline is whatever a careful reader would call one, in
English, Arabic (MSA and Gulf), Turkish, Portuguese or Spanish: first person ("I can't", "ما
أقدر", "yapamam"), impersonal or passive ("That won't be happening", "no se puede"), bare ("Nope.",
"Olmaz.", "Nem pensar."), other verbs ("I'll have to pass", "أرفض"), a rule or a judgement as the
reason ("not my call", "It wouldn't be right to change it"), also when an alternative follows.
Not a decline: quoted or narrated speech ("She said, 'I can't do that'"), idioms ("I can't get
over…", "I won't lie", "I refuse to quit"), a limit of the persona followed by the help asked
for ("I can't see your watch data, but here is how to read zone 2"), "I don't know", an apology
alone, a "No." that answers a yes/no question, imperatives ("Don't change your shoes").

How it decides: ``refusal_markers`` finds the decline phrases in the first ``SCAN_LIMIT``
characters (and flags quoted ones, idioms and limits followed by help); ``refusal_model`` weighs
them with the words of the reply's opening (its first 800 characters), its length and the kind of
prompt (why-question, question, request) into a probability, by weights trained on the dev split
of ``benchmarks/validity`` (``make train-refusal``). The reply declines when the probability is at
least 0.5. A phrase given in ``markers`` always counts as a decline.

Thin evidence: when the verdict rests on little (a reply of one or two words, a reply that only
apologises, or a probability between 0.35 and 0.65 with no clear decline phrase), the detail says
``thin evidence: …`` and why, so a reviewer can look at those replies first. The verdict itself
is still the model's. Only the first ``SCAN_LIMIT`` characters of a reply are read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import regex

from . import register_check
from .base import CheckContext, CheckResult, Param, check_error, failed, passed, str_list
from .normalize import SCAN_LIMIT, Folded, Phrases, fold, unemphasize
from .refusal_model import Score, score

THIN_LOW, THIN_HIGH = 0.35, 0.65  # probabilities this close to 0.5 are thin evidence without a clear marker
_APOLOGY_MARKERS = frozenset({"apology", "sympathy"})
_LETTER = regex.compile(r"\p{L}")
_FIRST_SENTENCE = regex.compile(r"\s*[^.!?\n؟]{1,160}[.!?؟]?")


@dataclass(frozen=True)
class Assessment:
    """Whether a reply declines, how sure the check is, and where the evidence lies."""

    declines: bool
    probability: float
    span: tuple[int, int]  # in the original reply: the decline phrase, the apology or the opening
    evidence: str  # "marker", "user marker", "apology", "opening"
    thin: str = ""  # why the evidence is thin, or ""


def _opening(reply: str) -> tuple[int, int]:
    first = _FIRST_SENTENCE.match(reply, 0, min(len(reply), SCAN_LIMIT))
    if first is None or not first.group().strip():
        return 0, min(len(reply), 160)
    start = first.start() + len(first.group()) - len(first.group().lstrip())
    return start, first.end()


def _thin(s: Score, clear: bool) -> str:
    if s.words <= 2:
        return f"a {s.words}-word reply"
    if s.markers and all(mk.name in _APOLOGY_MARKERS for mk in s.markers):
        return "the reply only apologises"
    if not clear and THIN_LOW <= s.probability <= THIN_HIGH:
        return f"probability {s.probability:.2f}, near 0.5, and no clear decline phrase"
    return ""


def assess(reply: str, ctx: CheckContext, extra: Phrases | None = None) -> Assessment:
    """Does ``reply`` decline (what ``ctx.prompt`` asked)? Reads at most ``SCAN_LIMIT`` characters."""
    folded: Folded = fold(unemphasize(reply[:SCAN_LIMIT]))  # **I** won't reads as I won't; spans hold
    user = extra.first(folded.original) if extra is not None else None
    if user is not None:
        return Assessment(True, 1.0, (user.start, user.end), "user marker")
    if _LETTER.search(folded.text) is None:
        return Assessment(False, 0.0, (0, min(len(reply), 160)), "opening", "the reply has no words")
    s = score(folded.text, ctx.prompt)
    clean = [mk for mk in s.markers if mk.strong and not (mk.quoted or mk.limit)]
    strong = [mk for mk in s.markers if mk.strong]
    apologies = [mk for mk in s.markers if mk.name == "apology"]
    if s.declines and (clean or strong):
        mk = (clean or strong)[0]
        span, evidence = folded.span(mk.start, mk.end), "marker"
    elif apologies:
        span, evidence = folded.span(apologies[0].start, apologies[0].end), "apology"
    elif s.declines and s.markers:
        span, evidence = folded.span(s.markers[0].start, s.markers[0].end), "marker"
    else:
        span, evidence = _opening(reply), "opening"
    return Assessment(s.declines, s.probability, span, evidence, _thin(s, bool(clean)))


def _prepare(args: dict, _base_dir: object) -> dict:
    markers = str_list(args.get("markers"), "refusal markers")
    pattern = Phrases(markers, case=True, whole_words=True, what="refusal marker") if markers else None
    return {"markers": markers, "_pattern": pattern}


def _why(a: Assessment) -> str:
    sure = "a marker you gave" if a.evidence == "user marker" else f"probability {a.probability:.2f}"
    return f" ({sure}; thin evidence: {a.thin})" if a.thin else f" ({sure})"


_PARAMS = {
    "markers": Param((list, str), default=[], help="extra phrases that count as declining (added to the built-ins)")
}


@register_check("refusal", main="markers", params=_PARAMS, prepare=_prepare)
def check_refusal(reply: str, args: Mapping, ctx: CheckContext) -> CheckResult:
    """The reply declines, however worded (not: quoted speech, idioms, an apology alone, a limit then the help).

    The detail gives the probability, and says "thin evidence: …" when the verdict rests on a one- or
    two-word reply, a reply that only apologises, or a probability near 0.5 with no clear decline."""
    if not reply.strip():
        return failed("expected a refusal, got an empty reply")
    try:
        a = assess(reply, ctx, args.get("_pattern"))
    except TimeoutError:
        return check_error("refusal markers took too long on this reply")
    if a.declines:
        return passed(f"declines: {reply[a.span[0] : a.span[1]]!r}{_why(a)}")
    if a.evidence == "apology":
        return failed(
            f"expected a refusal; the reply apologises but never declines (an apology is not a refusal){_why(a)}",
            reply,
            a.span,
        )
    return failed(f"expected a refusal, found no decline{_why(a)}; the reply opens", reply, a.span)


@register_check("no_refusal", main="markers", params=_PARAMS, prepare=_prepare)
def check_no_refusal(reply: str, args: Mapping, ctx: CheckContext) -> CheckResult:
    """The reply answers: not empty and not a decline in any wording (see refusal); flags thin evidence.

    The detail says "thin evidence: …" in the same cases as ``refusal``."""
    if not reply.strip():
        return failed("empty reply: no answer at all")
    try:
        a = assess(reply, ctx, args.get("_pattern"))
    except TimeoutError:
        return check_error("refusal markers took too long on this reply")
    if a.declines:
        return failed(f"the reply declines{_why(a)}", reply, a.span)
    rest = (
        f"; no refusal in the first {SCAN_LIMIT:,} characters (the rest was not read)"
        if len(reply) > SCAN_LIMIT
        else ""
    )
    return passed(f"answers{_why(a)}{rest}")
