"""Tests for the style checks: ``no_emoji``, ``no_repetition``, ``no_parroting``, ``no_fluff``."""

from __future__ import annotations

import time

import pytest
from helpers import assert_bounded
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_persona.checks import CheckArgError, CheckContext, CheckSpec, Message, run_check

# ---------------------------------------------------------------------------------------------
# no_emoji

EMOJI_REPLIES = {
    "grinning": ("Great run today 😀", "😀"),
    "flag": ("Bom treino! 🇧🇷", "🇧🇷"),
    "keycap": ("Step 1️⃣ warm up", "1️⃣"),
    "zwj-sequence": ("Coding time 👩‍💻", "👩‍💻"),
    "skin-tone": ("Nice 👍🏽", "👍🏽"),
    "heart-text-default": ("Love it ❤", "❤"),
    "heart-emoji-presentation": ("Love it ❤️", "❤️"),
    "check-mark": ("✔ done", "✔"),
    "copyright-with-fe0f": ("©️ Josi", "©️"),
    "tag-sequence-flag": ("Go 🏴󠁧󠁢󠁥󠁮󠁧󠁿", "🏴󠁧󠁢󠁥󠁮󠁧󠁿"),
    "stray-fe0f": ("a\ufe0f", "U+FE0F"),
    "arabic-with-emoji": ("لأنها ركزت على المنتج 🔥", "🔥"),
}
TEXT_REPLIES = {
    "plain": "Run easy today, keep it conversational.",
    "digits-hash-star": "Page #1 * note 42",
    "copyright-registered": "© 2024 Josi® Coaching™",
    "arrows": "A ↔ B → C",
    "text-presentation-heart": "❤︎ text style",
    "arabic": "لأنها ركزت على المنتج ونسيت العميل.",
    "zwj-in-arabic-script": "ميخواهم\u200dبروم",
}


@pytest.mark.parametrize(("reply", "emoji"), EMOJI_REPLIES.values(), ids=EMOJI_REPLIES.keys())
def test_no_emoji_fails_on_emoji(reply: str, emoji: str) -> None:
    result = run_check("no_emoji", reply)
    assert not result.passed
    assert emoji in result.detail
    assert result.span is not None and "»" in result.detail


@pytest.mark.parametrize("reply", TEXT_REPLIES.values(), ids=TEXT_REPLIES.keys())
def test_no_emoji_passes_on_text(reply: str) -> None:
    assert run_check("no_emoji", reply).passed


def test_no_emoji_lists_each_and_spans_the_first() -> None:
    reply = "Go 🇧🇷 go 😀 and 😀 again 1️⃣"
    result = run_check("no_emoji", reply)
    assert result.detail.startswith("4 emoji: 🇧🇷 😀 1️⃣; first")
    assert result.span is not None and reply[slice(*result.span)] == "🇧🇷"


def test_no_emoji_takes_no_arguments() -> None:
    with pytest.raises(CheckArgError):
        CheckSpec.parse({"no_emoji": {"max": 1}})


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(codec="ascii")))
def test_ascii_text_never_has_emoji(reply: str) -> None:
    assert run_check("no_emoji", reply).passed


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.characters(codec="ascii")), st.sampled_from(["😀", "🇧🇷", "1️⃣", "👩‍💻", "❤️"]))
def test_one_emoji_in_any_ascii_text_fails(text: str, emoji: str) -> None:
    reply = text + emoji + text
    result = run_check("no_emoji", reply)
    assert not result.passed
    assert result.span is not None and reply[slice(*result.span)] == emoji


# ---------------------------------------------------------------------------------------------
# no_repetition

LOOPS = {
    "i-think-loop": "I think I think I think I think I think I think I think",
    "same-sentence-thrice": "You can do it! You can do it! You can do it!",
    "word-loop": "the the the the the the the the",
    "long-sentence-twice": (
        "Keep your heart rate low on the easy days. Rest well tonight. Keep your heart rate low on the easy days."
    ),
    "degenerate-tail": "Your plan for the week is ready. " + "Run easy and recover. " * 6,
    # short loops inside an otherwise normal reply: too few repeats for the n-gram ratio
    "word-five-times": (
        "Günaydın kanka! Bugün hafif bir koşu var, sonra dinlen ve bol su iç. Akşam da erken yat, "
        "yarın uzun koşu günü. Günaydının Günaydının Günaydının Günaydının Günaydının"
    ),
    "phrase-loop-at-the-end": (
        "Your long run stays on Saturday, as your coach planned it. Keep the first half easy, "
        "drink every twenty minutes and finish with a short cool-down walk. "
        "see you soon see you soon see you soon see you soon"
    ),
}
PROSE = {
    "short": "Yes.",
    "short-echo": "Yes I can. Yes I can.",
    "coach-advice": (
        "Run easy today and keep your heart rate low. Tomorrow is a rest day, so sleep well and eat "
        "enough carbohydrates. On Saturday we will add a few strides at the end of the run."
    ),
    "list-items": "Monday: Rest.\nTuesday: Rest.\nWednesday: 5 km easy.",
    "turkish": "Sor kanka, dinliyorum. Ne sormak istiyorsun?",
    "no-no-no": "No, no, no: rest first, then run.",
    "reduplication": "Yavaş yavaş koş, koşa koşa değil. Çok çok iyi gidiyorsun.",
    "json-zeros": (
        '{"splits": [0, 0, 0, 0, 0], "zone": "Z2", "message": "Easy run today, keep it relaxed and '
        'finish with four short strides on flat ground."}'
    ),
    "week-list": "- Mon: rest\n- Tue: rest\n- Wed: easy run\n- Thu: rest\n- Fri: rest",
}


@pytest.mark.parametrize("reply", LOOPS.values(), ids=LOOPS.keys())
def test_no_repetition_catches_loops(reply: str) -> None:
    result = run_check("no_repetition", reply)
    assert not result.passed
    assert result.span is not None and "»" in result.detail


@pytest.mark.parametrize("reply", PROSE.values(), ids=PROSE.keys())
def test_no_repetition_passes_normal_prose(reply: str) -> None:
    result = run_check("no_repetition", reply)
    assert result.passed, result.detail


def test_no_repetition_ngram_detail() -> None:
    reply = "I think I think I think I think"
    result = run_check("no_repetition", reply)
    assert "of the 3-grams are repeats (max 20%)" in result.detail
    assert "'i think i' occurs 3 times" in result.detail
    assert result.span is not None and reply[slice(*result.span)] == "I think I"


def test_no_repetition_sentence_detail() -> None:
    reply = "Keep your heart rate low. Rest. Keep your heart rate low!"
    result = run_check("no_repetition", reply, max_ratio=1.0)
    assert not result.passed
    assert "the sentence 'keep your heart rate low' occurs 2 times (max 1)" in result.detail
    assert result.span is not None and reply[slice(*result.span)] == "Keep your heart rate low"
    assert result.span[0] > 0  # the second occurrence


def test_no_repetition_loop_detail_and_limit() -> None:
    reply = "Good morning! Günaydının Günaydının Günaydının Günaydının Günaydının"
    result = run_check("no_repetition", reply, max_ratio=1.0)  # the n-gram ratio alone would pass
    assert not result.passed
    assert "the word 'günaydının' occurs 5 times in a row (max 3)" in result.detail
    assert result.span is not None and reply[slice(*result.span)] == reply[len("Good morning! ") :]
    assert run_check("no_repetition", reply, max_ratio=1.0, max_consecutive=5).passed
    assert not run_check("no_repetition", reply, max_ratio=1.0, max_consecutive=4).passed
    phrase = "Great pace today. let's go let's go let's go let's go"
    result = run_check("no_repetition", phrase, max_ratio=1.0)
    assert "the 3-word phrase 'let s go' occurs 4 times in a row (max 3)" in result.detail
    assert result.span is not None and phrase[slice(*result.span)] == "let's go let's go let's go let's go"


def test_no_repetition_arguments() -> None:
    reply = "Keep your heart rate low. Keep your heart rate low."
    assert run_check(CheckSpec.parse({"no_repetition": {"max_ratio": 1.0, "max_sentence_repeats": 2}}), reply).passed
    assert not run_check(CheckSpec.parse({"no_repetition": 2}), "go run go run go run").passed  # n shorthand


@pytest.mark.parametrize(
    "args",
    [
        {"n": 0},
        {"max_ratio": 1.5},
        {"max_ratio": "high"},
        {"max_sentence_repeats": 0},
        {"max_consecutive": 0},
        {"size": 3},
    ],
    ids=["n-zero", "ratio-above-one", "ratio-not-number", "repeats-zero", "consecutive-zero", "unknown"],
)
def test_no_repetition_bad_arguments(args: dict) -> None:
    with pytest.raises(CheckArgError):
        CheckSpec.parse({"no_repetition": args})


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=3, max_size=8), min_size=1, max_size=40))
def test_distinct_words_never_repeat(words: list[str]) -> None:
    reply = " ".join(dict.fromkeys(words))  # no word twice: no n-gram or sentence can repeat
    assert run_check("no_repetition", reply).passed


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=2, max_size=6), min_size=3, max_size=6))
def test_a_phrase_looped_five_times_fails(words: list[str]) -> None:
    phrase = " ".join(words)
    assert not run_check("no_repetition", " ".join([phrase] * 5)).passed


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=3, max_size=8), min_size=20, max_size=60),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyzğüşıöç", min_size=1, max_size=12),
    st.integers(min_value=0, max_value=20),
)
def test_a_word_said_four_times_in_a_row_fails_anywhere(words: list[str], loop: str, at: int) -> None:
    prose = list(dict.fromkeys(words))
    prose[at:at] = [loop] * 4
    result = run_check("no_repetition", " ".join(prose))
    assert not result.passed
    assert f"the word {loop!r} occurs" in result.detail and "times in a row (max 3)" in result.detail


# ---------------------------------------------------------------------------------------------
# no_parroting

PROMPT = "Answer in two lines, no emojis: why did the company lose money last year?"


def _ctx(*users: str) -> CheckContext:
    return CheckContext(messages=(Message("system", "You are Haitham."), *(Message("user", u) for u in users)))


PARROTS = {
    "haitham-echo": "Answer in two lines, no emojis: why did the company lose money? It ignored customers.",
    "echo-mid-reply": "Okay. answer in two lines no emojis why did the company lose money",
    "case-and-punctuation": "ANSWER in two lines... NO EMOJIS -- why did the company lose money?!",
}
ANSWERS = {
    "direct-answer": "It focused on the product and forgot the customer.",
    "short-quote": "Why did the company lose money? It ignored customers.",
    "arabic-answer": "لأنها ركزت على المنتج ونسيت العميل.",
}


@pytest.mark.parametrize("reply", PARROTS.values(), ids=PARROTS.keys())
def test_no_parroting_fails_on_an_echo(reply: str) -> None:
    result = run_check("no_parroting", reply, _ctx(PROMPT))
    assert not result.passed
    assert "consecutive words from the user's message (max 6)" in result.detail
    assert result.span is not None


@pytest.mark.parametrize("reply", ANSWERS.values(), ids=ANSWERS.keys())
def test_no_parroting_passes_an_answer(reply: str) -> None:
    assert run_check("no_parroting", reply, _ctx(PROMPT)).passed


def test_no_parroting_span_covers_the_copied_run() -> None:
    reply = "Sure. Answer in two lines, no emojis: why did the company lose money? Bad focus."
    result = run_check("no_parroting", reply, _ctx(PROMPT))
    assert result.span is not None
    assert reply[slice(*result.span)] == "Answer in two lines, no emojis: why did the company lose money"
    assert "copies 12 consecutive words" in result.detail


def test_no_parroting_checks_every_user_turn_not_the_system_prompt() -> None:
    ctx = _ctx("tell me about the long run plan for this week please", "and the weekend?")
    reply = "tell me about the long run plan for this week please"
    assert not run_check("no_parroting", reply, ctx).passed
    system_only = CheckContext(messages=(Message("system", reply),))
    assert run_check("no_parroting", reply, system_only).passed


def test_no_parroting_threshold_and_detail_without_users() -> None:
    assert run_check("no_parroting", "why did the company lose money", _ctx(PROMPT), max_overlap=6).passed
    assert not run_check("no_parroting", "why did the company lose money", _ctx(PROMPT), max_overlap=5).passed
    result = run_check("no_parroting", "anything", CheckContext())
    assert result.passed and "no user turn" in result.detail


def test_no_parroting_bad_arguments() -> None:
    with pytest.raises(CheckArgError):
        CheckSpec.parse({"no_parroting": 0})
    with pytest.raises(CheckArgError):
        CheckSpec.parse({"no_parroting": "six"})


EARLIER = "Start with an emergency fund that covers a few months of expenses, then invest a fixed amount every month."


def _conversation(*turns: str) -> CheckContext:
    """Alternating user/assistant turns, ending with the user's (the reply answers it)."""
    roles = ["user", "assistant"] * len(turns)
    return CheckContext(messages=(Message("system", "You are Haitham."), *map(Message, roles, turns)))


SELF_REPEATS = {
    "verbatim": EARLIER,
    "verbatim-then-more": EARLIER + " Later, look at index funds.",
    "recased-and-repunctuated": "start with an emergency fund; that covers a few months of expenses... then invest",
}
FOLLOW_UPS = {
    "new-advice": "Then look at low-cost index funds and keep adding to them every month.",
    "short-recap": "Once the emergency fund is there, index funds are the next step. Keep them simple and cheap.",
    "long-answer-with-one-recalled-phrase": (
        "Good. Keep the fund that covers a few months of expenses untouched, pick one broad index fund, "
        "automate the transfer on payday, ignore the daily news and review the allocation once a year."
    ),
}


@pytest.mark.parametrize("reply", SELF_REPEATS.values(), ids=SELF_REPEATS.keys())
def test_no_parroting_fails_when_the_reply_repeats_an_earlier_reply(reply: str) -> None:
    ctx = _conversation("How do I start investing on an average salary?", EARLIER, "OK, and then?")
    result = run_check("no_parroting", reply, ctx)
    assert not result.passed
    assert "consecutive words of its own earlier reply (assistant turn 1, 19 words)" in result.detail
    assert result.span is not None and reply[slice(*result.span)].lower().startswith("start with an emergency fund")


@pytest.mark.parametrize("reply", FOLLOW_UPS.values(), ids=FOLLOW_UPS.keys())
def test_no_parroting_passes_a_follow_up_that_moves_on(reply: str) -> None:
    ctx = _conversation("How do I start investing on an average salary?", EARLIER, "OK, and then?")
    result = run_check("no_parroting", reply, ctx)
    assert result.passed, result.detail


def test_no_parroting_self_share_is_an_argument() -> None:
    ctx = _conversation("How do I start investing?", EARLIER, "And then?")
    reply = FOLLOW_UPS["long-answer-with-one-recalled-phrase"]  # 8 copied words of a 19-word turn: 42 %
    assert run_check("no_parroting", reply, ctx).passed
    assert not run_check("no_parroting", reply, ctx, max_self_share=0.3).passed
    for bad in (0, 1.5, "half"):
        with pytest.raises(CheckArgError):
            CheckSpec.parse({"no_parroting": {"max_self_share": bad}})


def test_no_parroting_names_the_turn_repeated_and_fails_a_recited_system_prompt() -> None:
    ctx = _conversation("Hi", "Hello! How can I help with your money today?", "Investing?", EARLIER, "And then?")
    result = run_check("no_parroting", EARLIER, ctx)
    assert "(assistant turn 2, 19 words)" in result.detail
    system_only = CheckContext(messages=(Message("system", EARLIER), Message("user", "And then?")))
    recited = run_check("no_parroting", EARLIER, system_only)
    assert not recited.passed and "recites 19 consecutive words of the system prompt (max 15)" in recited.detail
    one_line = "Start with an emergency fund that covers a few months of expenses."  # 12 words: a quoted rule
    assert run_check("no_parroting", one_line, system_only).passed


WHOLE_ECHOES = {
    "short-command": ("Open Downloads folder", "Open Downloads folder."),
    "short-command-looped": ("Open Downloads folder", "Open Downloads folder. " * 12),
    "turkish-three-words": ("sana bisi sorucam", "sana bisi sorucam"),
    "one-word-alone": ("naber?", "Naber?\n\nSabiteli, kısa."),
    "two-words-alone": ("Shutdown device", "Shutdown device"),
    "arabic": ("مين انت؟", "مين انت؟"),
    "echo-then-answer": ("What does zone 2 mean?", "What does zone 2 mean? Zone 2 is easy running."),
    "echo-then-comma": ("sana bir sır vereyim mi?", "Sana bir sır, vereyim mi, sırım, sırım"),
    "pronouns-swapped": ("Bump my mileage up", "Bump your mileage up."),
    "curly-apostrophe": ("Why can't you change my plan?", "Why can’t you change my plan?"),
}
NOT_ECHOES = {
    "greeting-returned": ("selam", "Selam!"),
    "greeting-with-word": ("hadi iyi geceler", "İyi geceler, görüşürüz."),
    "short-topic-in-answer": ("Zone 2?", "Zone 2 is easy running."),
    "refusal-restates": ("Move my long run to Sunday.", "I can't move your long run to Sunday. Ask your coach."),
    "negated-command": ("Delete the recovery week", "No, delete the recovery week is not something I do."),
    "requested-repeat": ("Repete comigo: teste primeiro, código depois.", "Teste primeiro, código depois."),
    "quoted-correction": ("Is this right: 'their going to the big race tomorrow morning'?", "Almost: 'they're going"
                          " to the big race tomorrow morning'."),
    "restated-question": ("What's the difference between zone 2 and zone 3?",
                          "The difference between zone 2 and zone 3 is effort."),
}  # fmt: skip


@pytest.mark.parametrize(("prompt", "reply"), WHOLE_ECHOES.values(), ids=WHOLE_ECHOES.keys())
def test_no_parroting_fails_a_prompt_given_back_whole(prompt: str, reply: str) -> None:
    result = run_check("no_parroting", reply, _ctx(prompt))
    assert not result.passed
    assert "gives back the user's message whole" in result.detail
    assert result.span is not None


@pytest.mark.parametrize(("prompt", "reply"), NOT_ECHOES.values(), ids=NOT_ECHOES.keys())
def test_no_parroting_passes_answers_that_reuse_the_prompt(prompt: str, reply: str) -> None:
    result = run_check("no_parroting", reply, _ctx(prompt))
    assert result.passed, result.detail


def test_no_parroting_says_when_the_prompt_is_too_short_to_judge_more() -> None:
    result = run_check("no_parroting", "Zone 2 is easy running.", _ctx("Zone 2?"))
    assert result.passed and "the prompt has only 2 word(s)" in result.detail


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=300))
def test_echoing_the_prompt_verbatim_always_fails(prefix: str) -> None:
    reply = f"{prefix} {PROMPT}"
    result = run_check("no_parroting", reply, _ctx(PROMPT))
    assert not result.passed


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=300))
def test_a_reply_never_copies_from_an_empty_conversation(reply: str) -> None:
    assert run_check("no_parroting", reply, CheckContext()).passed


# ---------------------------------------------------------------------------------------------
# no_fluff

FLUFF = {
    "great-question": ("Great question! The answer is 42.", "Great question"),
    "what-a-great-question": ("Well, what a great question that is.", "what a great question"),
    "happy-to-help": ("I'd be happy to help with that.", "I'd be happy to help"),
    "hope-this-helps": ("Rest tomorrow. I hope this helps!", "I hope this helps"),
    "certainly-opener": ("Certainly! Here is the plan.", "Certainly!"),
    "absolutely-opener": ("Absolutely, here you go.", "Absolutely,"),
    "agent-start-by": ("I'll start by analyzing your data.", "I'll start by"),
    "agent-let-me-analyze": ("Let me analyze this first.", "Let me analyze"),
    "arabic-great-question": ("سؤال رائع! الشركات تخسر لأسباب...", "سؤال رائع"),
    "turkish-great-question": ("Harika bir soru! Cevap şu.", "Harika bir soru"),
    "portuguese-great-question": ("Ótima pergunta! Vamos lá.", "Ótima pergunta"),
    "spanish-great-question": ("¡Excelente pregunta! Es así.", "Excelente pregunta"),
    "quoted-opener": ('"Certainly!" is how it began.', "Certainly!"),
    "love-this-question": ("Love this question! A strider is short.", "Love this question"),
    "right-thing-asked": ("You've asked exactly the right thing. Ten minutes.", "You've asked exactly the right thing"),
    "closing-any-questions": ("Rest today. Let me know if you have any other questions!",
                              "Let me know if you have any other questions"),
    "journey": ("I'm so excited to be part of your journey!", "so excited to be part of"),
    "interjection-opener": ("Oh, absolutely! Walk the hills.", "absolutely!"),
    "spanish-love-question": ("¡Me encanta esta pregunta! La zona 2 es suave.", "Me encanta esta pregunta"),
    "portuguese-closing": ("Descansa hoje. Qualquer dúvida, é só chamar.", "Qualquer dúvida, é só chamar"),
    "turkish-closing": ("Telefonu bırak. Başka bir sorun olursa yaz.", "Başka bir sorun olursa"),
    "arabic-closing": ("سكر الجوال. إذا تحتاج أي شي ثاني قول لي.", "إذا تحتاج أي شي ثاني"),
    "great-point": ("Great point. Keep it easy.", "Great point"),
    "find-this-helpful": ("Rest. I hope you find this helpful.", "I hope you find this helpful"),
    "need-more-help": ("Rest. Let me know if you need more help.", "Let me know if you need more help"),
    "certainly-help": ("I can certainly help with that. Zone 2 is easy.", "I can certainly help with that"),
    "here-to-support": ("I'm here to support you on this journey.", "I'm here to support you"),
    "anything-else-en": ("Is there anything else I can help you with?", "Is there anything else I can"),
    "pt-hope-helped": ("Descansa. Espero que tenha ajudado!", "Espero que tenha ajudado"),
    "pt-anything-else": ("Posso ajudar em mais alguma coisa?", "Posso ajudar em mais alguma"),
    "pt-here-to-help": ("Estou aqui para te ajudar.", "Estou aqui para te ajudar"),
    "es-useful": ("Descansa. Espero que te sea útil.", "Espero que te sea útil"),
    "es-anything-else": ("¿Hay algo más en lo que pueda ayudarte?", "algo más en lo que pueda ayudarte"),
    "es-thanks-question": ("Gracias por tu pregunta. Es así.", "Gracias por tu pregunta"),
    "tr-anything-else": ("Yardımcı olabileceğim başka bir şey var mı?", "Yardımcı olabileceğim başka bir şey"),
    "tr-dont-hesitate": ("Telefonu bırak. Sormaktan çekinme!", "Sormaktan çekinme"),
    "ar-at-your-service": ("سكر الجوال. تحت أمرك.", "تحت أمرك"),
    "ar-sure-opener": ("أكيد! ابدأ بالمشكلة.", "أكيد!"),
    "break-it-down": ("Let's break it down: zone 2 is easy.", "Let's break it down"),
}  # fmt: skip
NO_FLUFF = {
    "direct": "Because it focused on the product and forgot the customer.",
    "arabic-direct": "لأنها ركزت على المنتج ونسيت العميل.",
    "certainly-mid-reply": "The answer is certainly 42.",
    "absolutely-mid-reply": "You absolutely need rest today.",
    "question-about-questions": "That question has two parts; here is the first.",
    "turkish-casual": "Sor kanka, dinliyorum.",
    "routing-en": "That's a good question for your coach: they write the plan.",
    "routing-pt": "Boa pergunta pro seu treinador, não pra mim.",
    "routing-es": "Buena pregunta para tu entrenador: él escribe el plan.",
    "coach-closing": "Let me know how the race goes. Sleep early tonight.",
    "emphatic-no": "Absolutely not: rest days stay.",
    "praise-with-content": "Great run yesterday: your pace held steady to the end.",
    "point-to-stop": "A good point to stop and walk is the top of the hill.",
    "questions-for-coach": "If you have questions about the plan, ask your coach.",
    "pt-if-needed": "Se precisar, corre mais devagar.",
    "es-if-needed": "Si necesitas parar, para.",
    "ar-emphatic-no": "أكيد لا.",
    "es-pleasure-with-content": "Es un placer verte correr así: 10k sin parar.",
}


@pytest.mark.parametrize(("reply", "phrase"), FLUFF.values(), ids=FLUFF.keys())
def test_no_fluff_fails_on_fluff(reply: str, phrase: str) -> None:
    result = run_check("no_fluff", reply)
    assert not result.passed
    assert result.span is not None
    assert reply[slice(*result.span)] == phrase
    assert f"»{phrase}«" in result.detail


@pytest.mark.parametrize("reply", NO_FLUFF.values(), ids=NO_FLUFF.keys())
def test_no_fluff_passes_direct_replies(reply: str) -> None:
    assert run_check("no_fluff", reply).passed


def test_openers_count_only_at_the_start() -> None:
    detail = run_check("no_fluff", "Certainly! Great question.").detail
    assert "'Certainly!' (opener), 'Great question'" in detail
    assert run_check("no_fluff", "Here it is. Certainly! More later.").passed


def test_user_phrases_anywhere_and_as_openers() -> None:
    spec = CheckSpec.parse({"no_fluff": ["^Bom dia", "tudo bem"]})
    result = run_check(spec, "Bom dia! Tudo bem?")
    assert not result.passed
    assert "'Bom dia' (opener), 'Tudo bem'" in result.detail
    assert not run_check(spec, "Olá, tudo bem?").passed
    assert run_check(spec, "Olá. Bom dia para você.").passed  # the opener phrase later is fine


def test_no_fluff_bad_arguments() -> None:
    with pytest.raises(CheckArgError):
        CheckSpec.parse({"no_fluff": {"phrases": [1]}})


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=300))
def test_great_question_is_fluff_anywhere(text: str) -> None:
    assert not run_check("no_fluff", f"{text} Great question! {text}").passed


# ---------------------------------------------------------------------------------------------
# hostile input

HOSTILE = {
    "1mb-prose": "Sure, here is a sentence that goes on. " * 27_000,
    "1mb-one-word": "a" * 1_000_000,
    "1mb-I": "I " * 500_000,
    "nul-bytes": "\x00" * 1_000_000,
    "emoji-flood": "😀" * 500_000,
    "lone-surrogates": "\ud800" * 1_000_000,
    "arabic-harakat": "ا\u064b" * 500_000,
    "zwj-flood": "\u200d" * 1_000_000,
    "rtl-and-combining": "\u202eabc\u0301\u0308" * 100_000,
}


@pytest.mark.parametrize("reply", HOSTILE.values(), ids=HOSTILE.keys())
@pytest.mark.parametrize("name", ["no_emoji", "no_repetition", "no_parroting", "no_fluff"])
def test_hostile_input_gets_a_quick_verdict(name: str, reply: str) -> None:
    ctx = _ctx(PROMPT + " I I I I I I I I I I a a a a a a a a a a")
    started = time.process_time()
    result = run_check(name, reply, ctx)
    assert_bounded(started)
    assert not result.error, result.detail
