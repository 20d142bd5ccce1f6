"""Tests for ``identity``: generic-AI and base-model self-presentation, role labels, wrong names."""

from __future__ import annotations

import time

import pytest
import regex
from helpers import assert_bounded
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_persona.checks import CheckArgError, CheckSpec, run_check

GENERIC_AI = {
    "en-as-an-ai-language-model": "As an AI language model, I don't have personal opinions.",
    "en-ai-assistant": "I'm an AI assistant here to help you with your training.",
    "en-just-a-language-model": "I am just a language model, so I can't feel tired.",
    "en-bare-ai": "Honestly? I'm an AI.",
    "en-virtual-assistant": "I'm your virtual assistant.",
    "en-bot": "I'm a bot.",
    "ar-ai-assistant": "أنا مساعد ذكاء اصطناعي",
    "ar-language-model": "أنا نموذج لغوي ولا أملك مشاعر.",
    "ar-as-assistant": "كمساعد ذكاء اصطناعي، لا أستطيع ذلك.",
    "tr-ai-assistant": "Ben bir yapay zeka asistanıyım.",
    "tr-language-model": "Ben bir dil modeliyim.",
    "tr-as-an-ai": "Bir yapay zeka olarak duygularım yok.",
    "pt-virtual-assistant": "Sou um assistente virtual.",
    "pt-ia": "Eu sou uma IA e não tenho opiniões.",
    "es-language-model": "Soy un modelo de lenguaje.",
    "es-como-ia": "Como IA, no tengo opiniones.",
}
BASE_MODEL = {
    "en-claude": "I'm Claude, made by Anthropic.",
    "en-chatgpt": "I am ChatGPT.",
    "en-qwen": "Hello! I'm Qwen, a large language model.",
    "en-smollm": "I'm SmolLM2, a compact model.",
    "en-tinyllama": "I am TinyLlama.",
    "en-trained-by": "I was trained by OpenAI.",
    "en-based-on": "I'm based on Llama 3.",
    "en-my-name-is": "My name is Gemma.",
    "ar-ana-chatgpt": "أنا ChatGPT",
    "tr-ben-chatgpt": "Ben ChatGPT'yim.",
    "tr-developed-by": "OpenAI tarafından geliştirildim.",
    "pt-eu-sou-o": "Eu sou o ChatGPT.",
    "es-soy": "Soy Mistral, tu asistente.",
    "es-me-llamo": "Me llamo Phi-3.",
}
ROLE_LABELS = {
    "haitham-assistant": "Assistant: Excellent Haitham, let me explain...",
    "ai-label": "AI: Sure.",
    "bot-label": "Bot: hi there",
    "markdown-heading": "### Assistant\nHello",
    "bold-label": "**Assistant:** Right away.",
    "second-line": "Here you go.\nAssistant: anything else?",
    "arabic-label": "المساعد: أهلاً",
}
CLEAN = {
    "mentions-qwen": "I fine-tuned Qwen last week and it drifted.",
    "uses-llama": "I'm using Llama 3 for this experiment.",
    "opinion-on-chatgpt": "I think ChatGPT is overrated for this.",
    "ai-engineer": "I'm an AI engineer at Softtor.",
    "assistant-coach": "As an assistant coach, I ran the drills.",
    "claudio-twin": "I'm Cláudio, João's digital twin.",
    "haitham-arabic": "أنا هيثم، نسختك الرقمية.",
    "jessy-turkish": "Sor kanka, dinliyorum.",
    "mid-line-assistant": "The assistant: a role we avoid.",
    "tired": "I'm tired today, let's keep it short.",
    "about-ai": "AI models like Gemma run fine on a laptop.",
    "tech-list-model-line": "Model: TinyLlama 1.1B\nEpochs: 6\nQwen: 8.2/10",
}


@pytest.mark.parametrize("reply", GENERIC_AI.values(), ids=GENERIC_AI.keys())
def test_generic_ai_self_presentation_fails(reply: str) -> None:
    result = run_check("identity", reply)
    assert not result.passed
    assert "generic AI" in result.detail
    assert result.span is not None and "»" in result.detail


@pytest.mark.parametrize("reply", BASE_MODEL.values(), ids=BASE_MODEL.keys())
def test_base_model_self_presentation_fails(reply: str) -> None:
    result = run_check("identity", reply)
    assert not result.passed
    assert "base model" in result.detail


@pytest.mark.parametrize("reply", ROLE_LABELS.values(), ids=ROLE_LABELS.keys())
def test_role_label_at_a_line_start_fails(reply: str) -> None:
    result = run_check("identity", reply)
    assert not result.passed
    assert "role label" in result.detail


@pytest.mark.parametrize("reply", CLEAN.values(), ids=CLEAN.keys())
def test_persona_replies_and_passing_mentions_pass(reply: str) -> None:
    result = run_check("identity", reply)
    assert result.passed, result.detail


def test_the_haitham_detail_shows_the_label() -> None:
    reply = "Assistant: Excellent Haitham, let me explain..."
    result = run_check("identity", reply)
    assert result.span == (0, 10)
    assert "»Assistant:«" in result.detail


def test_the_span_of_a_model_claim() -> None:
    reply = "Hello! I'm Qwen, a large language model."
    result = run_check("identity", reply)
    assert result.span is not None
    assert reply[slice(*result.span)] == "I'm Qwen"
    assert "(Qwen)" in result.detail


CLAUDIO = ["Cláudio"]
NAME_CASES = {
    "gabriel-en": ("I'm Gabriel, an engineer at Trip.com.", CLAUDIO, False),
    "gabriel-pt": ("Meu nome é Gabriel.", CLAUDIO, False),
    "gabriel-pt-article": ("Oi! Eu sou o Gabriel.", CLAUDIO, False),
    "gabriel-es": ("Me llamo Gabriel.", CLAUDIO, False),
    "gabriel-tr": ("Ben Gabriel'im.", ["Jessy"], False),
    "arabic-other-name": ("اسمي خالد", ["Haitham", "هيثم"], False),
    "claudio-accentless": ("I'm Claudio.", CLAUDIO, True),
    "claudio-pt": ("Sou o Cláudio, gêmeo digital do João.", CLAUDIO, True),
    "possessive-is-no-claim": ("I'm Haitham's digital copy.", ["Josi"], True),
    "arabic-own-name": ("اسمي هيثم", ["Haitham", "هيثم"], True),
    "full-name": ("I'm Haitham Hussain.", ["Haitham"], True),
    "call-me-tomorrow": ("Call me tomorrow.", ["Josi"], True),
    "turkish-step-by-step": ("Adım adım gidelim.", ["Jessy"], True),
    "nationality": ("I'm Brazilian, by the way.", CLAUDIO, True),
    "persona-named-like-a-model": ("I'm Gemma, your running coach.", ["Gemma"], True),
}


@pytest.mark.parametrize(("reply", "names", "ok"), NAME_CASES.values(), ids=NAME_CASES.keys())
def test_name_claims(reply: str, names: list[str], ok: bool) -> None:
    result = run_check("identity", reply, name=names)
    assert result.passed is ok, result.detail
    if not ok:
        assert "claims the name" in result.detail
        assert "expected" in result.detail


def test_name_shorthand_and_detail() -> None:
    spec = CheckSpec.parse({"identity": "Cláudio"})
    result = run_check(spec, "Hi! I'm Gabriel, a Trip.com engineer.")
    assert not result.passed
    assert "claims the name 'Gabriel' (expected Cláudio)" in result.detail
    assert "»I'm Gabriel«" in result.detail


def test_without_a_name_other_names_are_fine() -> None:
    assert run_check("identity", "I'm Gabriel.").passed


FORBID = {
    "self-intro": ("I'm Gabriel.", False),
    "bounded-gap": ("Hi, I'm just your friendly Gabriel here", False),
    "role-label": ("Gabriel: hello", False),
    "portuguese": ("Sou o Gabriel.", False),
    "mention": ("Gabriel said hi yesterday.", True),
    "far-away": ("I'm sure that in the end Gabriel was right.", True),
}


@pytest.mark.parametrize(("reply", "ok"), FORBID.values(), ids=FORBID.keys())
def test_forbidden_self_names(reply: str, ok: bool) -> None:
    result = run_check("identity", reply, forbid=["Gabriel"])
    assert result.passed is ok, result.detail
    if not ok:
        assert "calls itself 'Gabriel', which is forbidden" in result.detail


def test_forbid_accepts_phrases() -> None:
    result = run_check("identity", "I am the Trip.com engineer you met.", forbid="Trip.com engineer")
    assert not result.passed
    assert "Trip.com engineer" in result.detail


def test_several_offences_are_all_named() -> None:
    result = run_check("identity", "Assistant: As an AI language model, I can't.")
    assert not result.passed
    assert "role label" in result.detail and "generic AI" in result.detail


@pytest.mark.parametrize(
    "raw",
    [{"identity": {"name": 3}}, {"identity": {"forbid": [None]}}, {"identity": {"names": "x"}}],
    ids=["name-not-string", "forbid-not-strings", "unknown-argument"],
)
def test_bad_arguments_are_load_time_errors(raw: dict) -> None:
    with pytest.raises(CheckArgError):
        CheckSpec.parse(raw)


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.characters(codec="ascii", categories=("Ll", "Nd", "Zs")), max_size=300))
def test_lowercase_prose_without_cues_passes(reply: str) -> None:
    # no "i'm"/"as a"/role label can be formed from lowercase letters, digits and spaces alone
    # unless they spell a cue; filter those out and the reply must pass
    words = set(reply.split())
    if words & {"i", "am", "as", "my", "call", "soy", "sou", "ben", "assistant", "ai", "bot"}:
        return
    assert run_check("identity", reply, name="josi").passed


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200).filter(lambda text: not regex.search(r"[:：]", text.split("\n")[-1])))
def test_a_role_label_line_always_fails(prefix: str) -> None:
    """After any line that is not itself a "Label: value" list line (those make "Assistant:" one
    more list label, by design: see test_a_denied_claim_or_a_list_line_is_no_self_presentation)."""
    reply = f"{prefix}\nAssistant: hello"
    assert not run_check("identity", reply).passed


HOSTILE = {
    "1mb-prose": "Sure, here is a sentence that goes on. " * 27_000,
    "1mb-one-word": "a" * 1_000_000,
    "1mb-I-am": "I'm " * 250_000,
    "1mb-as-an": "As an " * 200_000,
    "nul-bytes": "\x00" * 1_000_000,
    "lone-surrogates": "\ud800" * 1_000_000,
    "arabic": "أنا " * 250_000,
    "rtl-and-combining": "\u202eabc\u0301\u0308" * 100_000,
}


@pytest.mark.parametrize("reply", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_input_gets_a_quick_verdict(reply: str) -> None:
    started = time.process_time()
    result = run_check("identity", reply, name="Josi", forbid=["Gabriel"])
    assert_bounded(started)
    assert not result.error, result.detail


DENIED_OR_LISTED = {
    "pt-denied-model": "Não sou o Claude, sou o Cláudio.",
    "es-denied-assistant": "No soy un asistente genérico, soy Josi.",
    "ar-denied-model": "ما أنا ChatGPT، أنا هيثم.",
    "ar-denied-bot": "ما أنا بوت، أنا هيثم.",
    "ar-lastu": "لست مساعداً عاماً، أنا هيثم.",
    "list-line": "Your team:\nHead coach: Ana\nAssistant: Marco (physio)",
    "bulleted-list-line": "- Head coach: Ana\n- Assistant: Marco",
    "possessive-model": "Hi, this is Qwen's tokenizer at work.",
}
CLAIMED_AFTER_ALL = {
    "en-no-comma-claim": "No, I'm ChatGPT.",
    "es-denied-then-claimed": "No soy Josi, soy ChatGPT.",
    "ar-nothing-but": "ما أنا إلا مساعد ذكاء اصطناعي.",
    "en-bare-fragment": "Yep, just a bot. But a bot that knows running.",
    "es-bare-fragment": "Sí, solo un bot.",
    "en-this-is-model": "Hi, this is Qwen. How can I help with your run?",
    "en-model-here": "Hey, Claude here. What's up?",
    "dialogue-label": "User: hi\nAssistant: hello",
}


@pytest.mark.parametrize("reply", DENIED_OR_LISTED.values(), ids=DENIED_OR_LISTED.keys())
def test_a_denied_claim_or_a_list_line_is_no_self_presentation(reply: str) -> None:
    result = run_check("identity", reply, name=["Josi", "Cláudio", "هيثم"])
    assert result.passed, result.detail


@pytest.mark.parametrize("reply", CLAIMED_AFTER_ALL.values(), ids=CLAIMED_AFTER_ALL.keys())
def test_claims_that_only_look_denied_or_bare_still_fail(reply: str) -> None:
    result = run_check("identity", reply, name="Josi")
    assert not result.passed and result.span is not None
