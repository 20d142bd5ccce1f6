"""Tests for ``refusal`` / ``no_refusal``: labelled declines and compliances in five languages."""

from __future__ import annotations

import time
import unicodedata

import pytest
from helpers import assert_bounded
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_persona.checks import CheckArgError, CheckContext, CheckSpec, Message, run_check

# The running-coach I6 contract and its kin: the reply must decline to change the plan.
DECLINES = {
    "en-cant-talk-to-coach": "I can't change your plan; talk to your coach.",
    "en-curly-apostrophe": "I’m afraid I can’t move your long run. Your coach owns the plan.",
    "en-cannot": "Sorry, I cannot modify your training plan.",
    "en-not-able": "I'm not able to edit the schedule, but I can explain why Sunday matters.",
    "en-unable": "I am unable to reschedule sessions.",
    "en-wont": "I won't change the plan. Please ask your coach.",
    "en-not-allowed": "I'm not allowed to modify your plan.",
    "en-must-decline": "I must decline that request.",
    "en-no-permission": "I don't have permission to edit your plan.",
    "en-not-something": "That's not something I can change for you.",
    "en-outside-role": "Moving sessions is outside my role; your coach decides.",
    "en-we-cant": "We can't move sessions inside an approved block.",
    "ar-msa": "عذراً، لا أستطيع تعديل خطتك التدريبية.",
    "ar-msa-yumkinuni": "لا يمكنني تغيير الخطة، تواصل مع مدربك.",
    "ar-gulf-ma-agdar": "السموحة، ما أقدر أغير خطتك. كلم مدربك.",
    "ar-gulf-gaf-spelling": "ما اگدر أعدل الجدول.",
    "ar-gulf-mo-salahiyati": "هذا مو من صلاحياتي، المدرب هو اللي يقرر.",
    "ar-no-authority": "ما عندي صلاحية أغير الخطة.",
    "ar-with-harakat": "لَا أَسْتَطِيعُ تَغْيِيرَ الخُطَّةِ.",
    "ar-polite-decline": "أعتذر عن تعديل الخطة، هذا قرار المدرب.",
    "tr-degistiremem": "Üzgünüm, planını değiştiremem. Koçunla konuş.",
    "tr-yapamam": "Bunu yapamam kanka.",
    "tr-wont": "Antrenman planını değiştirmeyeceğim.",
    "tr-no-authority": "Planı değiştirme yetkim yok.",
    "pt-nao-posso": "Desculpe, não posso alterar seu plano de treino.",
    "pt-nao-consigo": "Não consigo mudar isso, fala com teu treinador.",
    "pt-nao-da": "Não dá pra mexer no plano, só o treinador pode.",
    "es-no-puedo": "Lo siento, no puedo cambiar tu plan.",
    "es-no-estoy-autorizado": "No estoy autorizado para modificar tu plan.",
    "es-me-niego": "Me niego a cambiar el plan sin tu entrenador.",
    # adverbs between the subject and the modal, stated policies (found writing the shipped eval sets)
    "en-still-cant": "I still can't change your plan, even after a great week.",
    "en-really-cant": "I really can't move your long run; ask your coach.",
    "en-simply-cannot": "I simply cannot edit sessions in your plan.",
    "en-dont-change": "Negative. I don't change the plan. Take it up with your coach.",
    "en-do-not-modify": "I do not modify training plans.",
    "en-wont-be-changing": "I won’t be changing your long run; your coach owns the plan.",
    "en-not-moving": "I'm not moving your intervals. Talk to your coach.",
    "en-not-something-lowercase": "that's not something I can change",
    "en-isnt-something": "That isn't something I could change for you.",
    "ar-lan-ughayyir": "لن أغير الخطة، كلم مدربك.",
    "pt-nao-mexo": "Eu não mexo no teu plano, fala com o treinador.",
    "es-no-cambio": "Yo no cambio tu plan; habla con tu entrenador.",
}
COMPLIES = {
    "en-moved-it": "Sure, I moved it to Sunday.",
    "en-apology-then-plan": "Sorry to hear that! Here is your new plan: long run on Sunday.",
    "en-cant-wait": "I can't wait to see you run on Sunday!",
    "en-cant-help-but": "I can't help but smile at that pace.",
    "en-wont-lie": "I won't lie, that was a tough session. Rest tomorrow.",
    "en-you-cant": "If you can't make Sunday, Saturday works too.",
    "en-can-not-only": "I can not only move the run but also add strides.",
    "ar-gulf-done": "تم، نقلت الجري الطويل ليوم الأحد.",
    "ar-what-i-can-do": "ما أستطيع فعله هو أن أشرح لك الخطة.",
    "tr-tamam": "Tamam, pazara taşıdım.",
    "tr-sor-kanka": "Sor kanka, dinliyorum.",
    "pt-moved": "Claro, mudei para domingo.",
    "pt-chamam": "Eles chamam isso de treino regenerativo.",
    "pt-cant-wait": "Não posso esperar pra ver tua prova!",
    "es-moved": "Claro, lo moví al domingo.",
    "es-cant-believe": "No puedo creer lo rápido que corriste.",
    # idioms and imperatives that look like the phrasings above but decline nothing
    "en-cant-wait-sunday": "I can't wait to see you run Sunday!",
    "en-still-cant-wait": "I still can't wait for race day!",
    "en-really-cant-believe": "I really can't believe how fast you ran.",
    "en-simply-cant-stress": "I simply can't stress enough how well you paced that.",
    "en-dont-change-shoes": "Don't change your shoes before the race.",
    "en-you-dont-change": "You don't change a winning routine. Keep it going!",
    "en-dont-change-my-mind": "I don't change my mind easily: Sunday is perfect.",
    "en-not-changing-my": "I'm not changing my answer: rest is training too.",
    "en-still-cant-get-over": "I still can't get over that finish!",
}


@pytest.mark.parametrize("reply", DECLINES.values(), ids=DECLINES.keys())
def test_refusal_passes_on_a_decline(reply: str) -> None:
    result = run_check("refusal", reply)
    assert result.passed, result.detail
    assert result.detail.startswith("declines: ")


@pytest.mark.parametrize("reply", COMPLIES.values(), ids=COMPLIES.keys())
def test_refusal_fails_when_the_reply_complies(reply: str) -> None:
    result = run_check("refusal", reply)
    assert not result.passed
    assert result.span is not None
    assert "»" in result.detail and "«" in result.detail


@pytest.mark.parametrize("reply", DECLINES.values(), ids=DECLINES.keys())
def test_no_refusal_fails_on_a_decline_with_the_marker_span(reply: str) -> None:
    result = run_check("no_refusal", reply)
    assert not result.passed
    assert result.span is not None
    start, end = result.span
    marker = reply[start:end]
    assert marker.strip() and f"»{marker}«" in result.detail


@pytest.mark.parametrize("reply", COMPLIES.values(), ids=COMPLIES.keys())
def test_no_refusal_passes_on_an_answer(reply: str) -> None:
    assert run_check("no_refusal", reply).passed


def test_the_span_points_at_the_marker() -> None:
    reply = "Great effort this week. Unfortunately, I can't move your long run."
    result = run_check("no_refusal", reply)
    assert result.span is not None
    assert reply[slice(*result.span)] == "I can't"
    assert "»I can't«" in result.detail


def test_an_apology_alone_is_named_in_the_detail() -> None:
    result = run_check("refusal", "Sorry to hear that! Here is your new plan…")
    assert not result.passed
    assert "apology is not a refusal" in result.detail
    assert "»Sorry«" in result.detail


def test_invisible_characters_do_not_hide_a_marker() -> None:
    reply = "I can\u200b't change your plan."
    result = run_check("no_refusal", reply)
    assert not result.passed
    assert result.span is not None
    assert reply[slice(*result.span)] == "I can\u200b't"


@pytest.mark.parametrize("reply", ["", "   ", "\n\t "], ids=["empty", "spaces", "whitespace"])
def test_an_empty_reply_is_not_an_answer(reply: str) -> None:
    result = run_check("no_refusal", reply)
    assert not result.passed
    assert "empty" in result.detail


def test_an_empty_reply_is_not_a_refusal_either() -> None:
    result = run_check("refusal", "")
    assert not result.passed
    assert "empty" in result.detail


def test_user_markers_are_added_to_the_defaults() -> None:
    # a house code word for "declined" (the old example, "Only your coach can touch the plan.", is a
    # rule given as the reason, which careful readers label a decline: the built-ins find it now)
    reply = "Code 7: see the ops channel."
    assert not run_check("refusal", reply).passed
    spec = CheckSpec.parse({"refusal": ["code 7"]})
    assert run_check(spec, reply).passed
    assert run_check(spec, "I can't do that.").passed  # defaults still apply
    result = run_check(CheckSpec.parse({"no_refusal": {"markers": "Code 7"}}), reply)
    assert not result.passed
    assert "»Code 7«" in result.detail


def test_user_markers_match_whole_words_only() -> None:
    spec = CheckSpec.parse({"no_refusal": ["nope"]})
    assert run_check(spec, "Nopes and yeps, both fine.").passed
    assert not run_check(spec, "Nope.").passed


@pytest.mark.parametrize(
    "raw",
    [{"refusal": {"markers": [1]}}, {"refusal": {"marker": ["x"]}}, {"no_refusal": {"markers": 3}}],
    ids=["non-string-marker", "unknown-argument", "wrong-type"],
)
def test_bad_arguments_are_load_time_errors(raw: dict) -> None:
    with pytest.raises(CheckArgError):
        CheckSpec.parse(raw)


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.characters(codec="ascii", categories=("Nd", "Zs", "Po", "Sm"))))
def test_text_without_letters_never_declines(reply: str) -> None:
    assert not run_check("refusal", reply).passed
    assert run_check("no_refusal", reply).passed == bool(reply.strip())


@settings(max_examples=100, deadline=None)
@given(prefix=st.text(max_size=200), suffix=st.text(max_size=200))
def test_a_decline_anywhere_is_found(prefix: str, suffix: str) -> None:
    reply = f"{prefix}\nI cannot change your plan.\n{suffix}"
    assert run_check("refusal", reply).passed
    assert not run_check("no_refusal", reply).passed


HOSTILE = {
    "1mb-prose": "Sure, here is a sentence that goes on. " * 27_000,
    "1mb-one-word": "a" * 1_000_000,
    "1mb-I": "I " * 500_000,
    "nul-bytes": "\x00" * 1_000_000,
    "lone-surrogates": "\ud800\udfff" * 200_000 + "\udc00",
    "arabic-harakat": "ا\u064b" * 500_000,
    "rtl-and-combining": ("\u202eabc\u0301\u0308" * 100_000),
    "tamam-loop": "tamam " * 160_000,
}


@pytest.mark.parametrize("reply", HOSTILE.values(), ids=HOSTILE.keys())
@pytest.mark.parametrize("name", ["refusal", "no_refusal"])
def test_hostile_input_gets_a_quick_verdict(name: str, reply: str) -> None:
    started = time.process_time()
    result = run_check(name, reply)
    assert_bounded(started)
    assert not result.error, result.detail
    assert isinstance(result.passed, bool)


# issue 13: the kinds of decline the first-person rules missed, and the look-alikes they fired on
ISSUE_DECLINES = [
    "That won't be happening.",
    "Plan edits aren't possible from here.",
    "Editing plans isn't something I do here.",
    "Nope.",
    "No can do.",
    "This can't be arranged.",
    "Your request can't be met.",
    "I'll have to pass on that.",
    "Sorry, that's off-limits for me.",
    "That's not my call to make.",
    "It wouldn't be right to change it.",
    "Eso no va a ser posible: el plan lo firma tu entrenador.",
    "Nem pensar. O plano fica como está.",
    "O iş olmaz; planı koçun yazıyor.",
    "هذا القرار ليس بيدي؛ حجم التدريب يحدده المدرب.",
]
ISSUE_LOOKALIKES = [
    'She said, "I can\'t do that," and left.',
    "I can't get over how fast you improved!",
    "I won't lie, it was a hard week.",
    "I refuse to quit, so I ran the last mile anyway.",
    "I can't see your watch data, but here is how to read zone 2 from it: keep your heart rate at 60-70% of max.",
    "Tebrik etmeden edemem, süpersin!",
    "قال لي: ما أقدر أجي اليوم، وبعدين جا.",
]
MOVE_RUN = CheckContext(messages=(Message("user", "Move my long run to Sunday."),))


@pytest.mark.parametrize("reply", ISSUE_DECLINES)
def test_declines_without_a_first_person_verb_are_found(reply: str) -> None:
    result = run_check("refusal", reply, MOVE_RUN)
    assert result.passed, result.detail
    assert not run_check("no_refusal", reply, MOVE_RUN).passed


@pytest.mark.parametrize("reply", ISSUE_LOOKALIKES)
def test_quotes_idioms_and_limits_followed_by_help_are_not_declines(reply: str) -> None:
    result = run_check("no_refusal", reply, MOVE_RUN)
    assert result.passed, result.detail
    assert not run_check("refusal", reply, MOVE_RUN).passed


def test_a_bare_no_declines_a_request_but_answers_a_yes_no_question() -> None:
    question = CheckContext(messages=(Message("user", "Do I need to run every day?"),))
    assert run_check("no_refusal", "No.", question).passed
    assert run_check("refusal", "No.", MOVE_RUN).passed


def test_thin_evidence_is_named_in_the_detail() -> None:
    short = run_check("refusal", "Nope.", MOVE_RUN)
    assert short.passed
    assert "thin evidence: a 1-word reply" in short.detail
    sorry = run_check("refusal", "I am really sorry about all of that, truly.", MOVE_RUN)
    assert not sorry.passed
    assert "thin evidence: the reply only apologises" in sorry.detail
    clear = run_check("refusal", "I can't change your plan; your coach owns it.", MOVE_RUN)
    assert clear.passed
    assert "thin evidence" not in clear.detail
    assert "probability" in clear.detail


SURFACE = {
    "nfd": lambda r: unicodedata.normalize("NFD", r),
    "bold": lambda r: f"**{r}**",
    "trailing-space": lambda r: r + "  \n",
    "curly-quotes": lambda r: r.replace("'", "\u2019").replace('"', "\u201c"),
}


@pytest.mark.parametrize("form", SURFACE.values(), ids=SURFACE.keys())
def test_the_surface_form_does_not_change_the_verdict(form) -> None:
    for reply in [*DECLINES.values(), *COMPLIES.values(), *ISSUE_DECLINES, *ISSUE_LOOKALIKES]:
        assert run_check("refusal", form(reply), MOVE_RUN).passed == run_check("refusal", reply, MOVE_RUN).passed, reply
