"""Tests for ``language``: offline detection of en/ar/tr/pt/es, short replies, thin evidence."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from helpers import assert_bounded
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_persona.checks import CheckArgError, CheckContext, CheckSpec, run_check
from pytest_persona.checks.base import Message
from pytest_persona.checks.normalize import Folded

LABELLED = {
    # jessy: the "sana bir şey soracağım" pattern must get a short, casual Turkish answer
    "tr-sor-kanka": ("Sor kanka, dinliyorum.", "turkish"),
    "tr-sor": ("Sor, dinliyorum.", "turkish"),
    "tr-sentence": ("Bugün hafif bir koşu yap, yarın dinlen.", "turkish"),
    "tr-no-special-letters": ("Tamam, ne zaman istersen.", "turkish"),
    "en-coach": ("Run easy today and keep your heart rate low.", "english"),
    "en-short": ("Sure, I'm listening.", "english"),
    "ar-haitham": ("لأنها ركزت على المنتج ونسيت العميل.", "arabic"),
    "ar-gulf": ("هلا والله، وش تبي أسوي لك؟", "arabic"),
    "ar-with-english-names": ("استخدم Python مع TensorFlow في المشروع الجاي.", "arabic"),
    "pt-claudio": ("Não curto microserviços quando o time é pequeno, prefiro um monólito bem feito.", "portuguese"),
    "pt-short": ("Beleza, tá tudo certo.", "portuguese"),
    "es-coach": ("Hoy corre suave y mañana descansa, por favor.", "spanish"),
    "es-question": ("¿Qué tal el entrenamiento de ayer?", "spanish"),
}


@pytest.mark.parametrize(("reply", "lang"), LABELLED.values(), ids=LABELLED.keys())
def test_the_reply_is_recognised(reply: str, lang: str) -> None:
    result = run_check("language", reply, expect=lang)
    assert result.passed, result.detail


@pytest.mark.parametrize(("reply", "lang"), LABELLED.values(), ids=LABELLED.keys())
def test_every_other_language_fails(reply: str, lang: str) -> None:
    for other in ("english", "arabic", "turkish", "portuguese", "spanish"):
        if other == lang:
            continue
        result = run_check("language", reply, expect=other)
        assert not result.passed, (other, result.detail)
        assert f"expected {other}" in result.detail
        assert result.span is not None and "»" in result.detail


def test_english_reply_fails_turkish_with_scores() -> None:
    reply = "Sure, ask me anything, I'm listening."
    result = run_check("language", reply, expect="turkish")
    assert not result.passed
    assert result.detail.startswith("expected turkish, reply looks english (words: latin 6; lexicon en=5.5 ")
    assert "model en=1.00" in result.detail  # py3langid's n-gram model agrees with the word lists


def test_chinese_drift_fails() -> None:
    result = run_check("language", "我是通义千问，很高兴为你服务。", expect="en")
    assert not result.passed
    assert "cjk script" in result.detail


@pytest.mark.parametrize(
    ("reply", "lang"),
    [("OK 👍", "turkish"), ("42", "arabic"), ("", "english"), ("TypeScript", "arabic"), ("👍", "portuguese")],
    ids=["ok-emoji", "number", "empty", "one-camel-case-name", "emoji-only"],
)
def test_thin_evidence_that_says_nothing_passes_and_says_so(reply: str, lang: str) -> None:
    result = run_check("language", reply, expect=lang)
    assert result.passed
    assert result.detail.startswith("thin evidence: ")


@pytest.mark.parametrize(
    ("reply", "lang", "leans"),
    [("Sure!", "turkish", "english"), ("Tamam", "arabic", "turkish"), ("مرحبا", "english", "arabic")],
    ids=["sure-for-turkish", "tamam-for-arabic", "marhaba-for-english"],
)
def test_thin_evidence_that_contradicts_fails(reply: str, lang: str, leans: str) -> None:
    result = run_check("language", reply, expect=lang)
    assert not result.passed
    assert "thin evidence: " in result.detail or "looks" in result.detail
    assert leans in result.detail


def test_code_and_urls_do_not_decide() -> None:
    reply = (
        "Kodu şöyle düzelt kanka:\n```python\nfor item in the_list:\n    print(item) # the and is of to\n```\n"
        "Detaylar burada: https://example.com/the-and-of-in-english `the and of`"
    )
    assert run_check("language", reply, expect="tr").passed
    assert not run_check("language", reply, expect="en").passed


def test_iso_codes_aliases_and_lists() -> None:
    assert run_check(CheckSpec.parse({"language": "tr"}), "Sor kanka, dinliyorum.").passed
    assert run_check(CheckSpec.parse({"language": "pt-BR"}), "Beleza, tá tudo certo.").passed
    assert run_check(CheckSpec.parse({"language": "Türkçe"}), "Sor kanka, dinliyorum.").passed
    spec = CheckSpec.parse({"language": ["ar", "en"]})
    assert run_check(spec, "Run easy today.").passed
    assert run_check(spec, "لأنها ركزت على المنتج").passed
    assert not run_check(spec, "Sor kanka, dinliyorum.").passed


@pytest.mark.parametrize(
    "raw",
    [{"language": "klingon"}, {"language": None}, {"language": [1]}, {"language": {"lang": "en"}}],
    ids=["unknown-name", "missing", "not-a-string", "unknown-argument"],
)
def test_bad_arguments(raw: dict) -> None:
    with pytest.raises(CheckArgError) as info:
        CheckSpec.parse(raw)
    assert "expect" in str(info.value) or "lang" in str(info.value)  # the message names the argument
    if raw == {"language": "klingon"}:
        assert "supported: english (en), arabic (ar), turkish (tr), portuguese (pt), spanish (es)" in str(info.value)


def test_folded_maps_offsets_back() -> None:
    original = "ab\u064bc\u200bd"
    folded = Folded(original)
    assert folded.text == "abcd"
    assert folded.span(2, 4) == (3, 6)
    assert original[slice(*folded.span(0, 4))] == original
    assert Folded("أنا’").text == "انا'"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_folded_spans_stay_inside_the_original(text: str) -> None:
    folded = Folded(text)
    for start in range(0, len(folded.text), max(1, len(folded.text) // 5)):
        a, b = folded.span(start, len(folded.text))
        assert 0 <= a <= b <= len(text)


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet="0123456789 .,!?-+%", max_size=200))
def test_no_letters_is_never_a_contradiction(reply: str) -> None:
    for lang in ("en", "ar", "tr", "pt", "es"):
        assert run_check("language", reply, expect=lang).passed


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet="ابتثجحخدذرزسشصضطظعغفقكلمنهوي ", min_size=10, max_size=200))
def test_arabic_letters_never_pass_as_a_latin_language(reply: str) -> None:
    if len(reply.split()) < 2:
        return
    assert run_check("language", reply, expect="ar").passed
    assert not run_check("language", reply, expect="en").passed


HOSTILE = {
    "1mb-prose": "Sure, here is a sentence that goes on. " * 27_000,
    "1mb-one-word": "a" * 1_000_000,
    "nul-bytes": "\x00" * 1_000_000,
    "lone-surrogates": "\ud800" * 1_000_000,
    "arabic-harakat": "ا\u064b" * 500_000,
    "fence-flood": "```\n" * 250_000,
    "backtick-flood": "`a" * 500_000,
    "email-like": "a" * 500_000 + "@" + "b" * 500_000,
    "rtl-and-combining": "\u202eabc\u0301\u0308" * 100_000,
}


@pytest.mark.parametrize("reply", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_input_gets_a_quick_verdict(reply: str) -> None:
    started = time.process_time()
    result = run_check("language", reply, expect="english")
    assert_bounded(started)
    assert not result.error, result.detail


# English replies to a Portuguese question that used to pass on shared words ("a") or on words
# no stopword list knows: spelling (th, ck, w, final consonants) now speaks for English.
ENGLISH_FOR_PORTUGUESE = {
    "shared-article": "Use a monolith.",
    "no-stopwords": "Small team, monolith. Big team, microservices.",
    "content-words-only": "Curated data beats synthetic data.",
    "short-sentence": "Keep it simple: a monolith first.",
}


@pytest.mark.parametrize("reply", ENGLISH_FOR_PORTUGUESE.values(), ids=ENGLISH_FOR_PORTUGUESE.keys())
def test_english_on_shared_or_unknown_words_fails_portuguese(reply: str) -> None:
    result = run_check("language", reply, expect="portuguese")
    assert not result.passed, result.detail
    assert "english" in result.detail
    assert run_check("language", reply, expect="english").passed


def test_a_tie_with_words_of_another_language_fails() -> None:
    result = run_check("language", "Obrigado! Thanks!", expect="pt")
    assert not result.passed
    assert result.detail.startswith("expected portuguese; thin evidence: the reply is as much english as portuguese")
    assert "»Thanks«" in result.detail
    assert not run_check("language", "Obrigado! Thanks!", expect="en").passed
    assert run_check("language", "Obrigado! Thanks!", expect=["pt", "en"]).passed


@pytest.mark.parametrize("reply", ["No.", "No, no, no.", "A no?"], ids=["no", "no-no-no", "a-no"])
def test_a_tie_on_shared_words_alone_stays_ambiguous(reply: str) -> None:
    for lang in ("english", "portuguese"):
        result = run_check("language", reply, expect=lang)
        assert result.passed, lang
        assert result.detail.startswith("thin evidence: known "), result.detail


def test_a_word_of_one_language_breaks_the_tie() -> None:
    result = run_check("language", "A plan?", expect="portuguese")  # "plan" is English (or Spanish), not Portuguese
    assert not result.passed
    assert "thin evidence: the reply is as much english as portuguese" in result.detail
    assert run_check("language", "A plan?", expect="english").passed


@pytest.mark.parametrize(
    "reply",
    [
        "Minha stack: TypeScript, Next.js, Prisma.",
        "Uso Go e Rust no backend.",
        "O feedback do João foi bom.",
        "Dados sintéticos pioraram o modelo.",
    ],
    ids=["names", "go-rust-backend", "english-loanword", "no-stopword-but-e"],
)
def test_portuguese_with_english_names_and_loanwords_still_passes(reply: str) -> None:
    result = run_check("language", reply, expect="portuguese")
    assert result.passed, result.detail
    assert not run_check("language", reply, expect="english").passed


# Issue 13 item 3: one to three words pass only when they are known words of the expected language.
ISSUE_13_SHORT = {
    "makes-sense": ("Makes sense.", "english"),
    "fair-enough": ("Fair enough.", "english"),
    "valeu": ("Valeu!", "portuguese"),
    "aynen": ("Aynen.", "turkish"),
    "ni-idea": ("Ni idea.", "spanish"),
    "turkish-past-suffix": ("Hallettim.", "turkish"),  # no list has it: its ending is Turkish
    "portuguese-past-suffix": ("Partiu!", "portuguese"),
}


@pytest.mark.parametrize(("reply", "lang"), ISSUE_13_SHORT.values(), ids=ISSUE_13_SHORT.keys())
def test_short_replies_pass_only_their_own_language(reply: str, lang: str) -> None:
    result = run_check("language", reply, expect=lang)
    assert result.passed, result.detail
    assert result.detail.startswith("thin evidence: known ")
    for other in ("english", "arabic", "turkish", "portuguese", "spanish"):
        if other != lang:
            result = run_check("language", reply, expect=other)
            assert not result.passed, (other, result.detail)
            assert "thin evidence: " in result.detail


@pytest.mark.parametrize("lang", ["english", "turkish", "portuguese", "spanish", "arabic"])
def test_thin_reply_of_unknown_words_fails_by_rule(lang: str) -> None:
    result = run_check("language", "Zorblax vrinn.", expect=lang)
    assert not result.passed
    assert f"thin evidence: no word known to be {lang}" in result.detail
    assert result.span == (0, 7)


def test_a_title_case_name_alone_is_not_arabic() -> None:
    assert not run_check("language", "Python", expect="arabic").passed
    assert run_check("language", "Python", expect="english").passed  # its spelling (th) is English


def test_names_the_persona_is_given_are_masked() -> None:
    ctx = CheckContext(messages=(Message("system", "Você é o Wiremu Tamahori, treinador de corrida da Josi."),))
    reply = "Wiremu Tamahori: sábado Josi corre."
    result = run_check("language", reply, ctx, expect="portuguese")
    assert result.passed, result.detail
    assert "names 3" in result.detail
    assert run_check("language", "Wiremu Tamahori Josi!", ctx, expect="arabic").passed  # nothing left to judge


def test_a_long_reply_reads_a_bounded_sample_and_keeps_spans() -> None:
    reply = "Hoy corre suave y mañana descansa, por favor. " * 25_000  # about 1.2 MB
    started = time.process_time()
    assert run_check("language", reply, expect="spanish").passed
    result = run_check("language", reply, expect="english")
    assert_bounded(started)
    assert not result.passed
    a, b = result.span
    assert reply[a:b] in reply.split()[0:9] or reply[a:b].strip(",.") in reply[:60]


def test_importing_the_checks_does_not_load_the_model() -> None:
    code = "import sys, pytest_persona.checks.language; print('py3langid' in sys.modules, 'numpy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
