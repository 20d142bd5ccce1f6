"""regex, contains, not_contains and forbidden_words on replies from the field reports."""

from __future__ import annotations

import time
import unicodedata
from itertools import accumulate
from typing import Any

import pytest
import regex
from helpers import assert_bounded, shows, spaced, span_text
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from pytest_persona.checks import CheckArgError, CheckContext, CheckSpec, run_check
from pytest_persona.checks.normalize import fold_text, normalize_digits

CTX = CheckContext()


# --------------------------------------------------------------------------- regex


@pytest.mark.parametrize(
    ("reply", "args"),
    [
        pytest.param("Sor kanka, dinliyorum.", {"pattern": r"^Sor kanka"}, id="jessy-short-answer"),
        pytest.param("I am Haitham.", {"pattern": "haitham", "flags": "i"}, id="flag-letter"),
        pytest.param("line one\nI am Haitham", {"pattern": "^i am", "flags": ["i", "m"]}, id="flag-list"),
        pytest.param("a\nb", {"pattern": "a.b", "flags": "s"}, id="dotall"),
        pytest.param("abc", {"pattern": "a  b  c", "flags": "x"}, id="verbose"),
        pytest.param("abc", {"pattern": "B", "flags": ["IGNORECASE"]}, id="flag-name"),
        pytest.param("أنا هيثم", {"pattern": r"\bهيثم\b"}, id="arabic"),
        pytest.param("Here you go", {"pattern": r"^Assistant:", "negate": True}, id="negate-absent"),
    ],
)
def test_regex_passes(reply: str, args: dict[str, Any]) -> None:
    result = run_check("regex", reply, CTX, **args)
    assert result.passed, result.detail


@pytest.mark.parametrize(
    ("reply", "args", "offending"),
    [
        pytest.param(
            "Assistant: Excellent Haitham, let me explain...",
            {"pattern": r"^Assistant:", "negate": True},
            "Assistant:",
            id="haitham-identity-drift",
        ),
        pytest.param(
            "Sure <|user|> what next",
            {"pattern": r"<\|[a-z_]+\|>", "negate": True},
            "<|user|>",
            id="template-leak",
        ),
        pytest.param("Great question! 😀", {"pattern": r"\p{Extended_Pictographic}", "negate": True}, "😀", id="emoji"),
    ],
)
def test_regex_negate_fails_with_span(reply: str, args: dict[str, Any], offending: str) -> None:
    result = run_check("regex", reply, CTX, **args)
    assert not result.passed
    assert span_text(reply, result) == offending
    assert shows(result.detail, offending)
    assert "forbidden pattern" in result.detail


def test_regex_not_found_names_the_pattern() -> None:
    result = run_check("regex", "I am an AI assistant.", CTX, pattern=r"^I am Haitham", flags="i")
    assert not result.passed
    assert "/^I am Haitham/i not found" in result.detail


def test_regex_timeout_is_a_check_error() -> None:
    started = time.process_time()
    result = run_check("regex", "a" * 5000 + "!", CTX, pattern=r"(a|aa)+$", timeout=0.2)
    assert_bounded(started)
    assert result.error and not result.passed
    assert "regex /(a|aa)+$/ exceeded 0.2 s" in result.detail


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param({"pattern": "("}, "does not compile", id="bad-pattern"),
        pytest.param({"pattern": "a", "flags": "iq"}, "flag 'q' is not one of 'imsxa'", id="bad-flag"),
        pytest.param({"pattern": "a", "flags": [1]}, "letters from 'imsxa'", id="bad-flag-type"),
        pytest.param({"pattern": "a", "timeout": 0}, "positive", id="zero-timeout"),
        pytest.param({"pattern": "a", "negate": "yes"}, "must be true/false", id="negate-type"),
        pytest.param({"flags": "i"}, "needs argument 'pattern'", id="no-pattern"),
    ],
)
def test_regex_bad_args_fail_at_load(args: dict[str, Any], message: str) -> None:
    with pytest.raises(CheckArgError) as info:
        run_check("regex", "x", CTX, **args)
    assert message in str(info.value)


def test_regex_shorthand() -> None:
    spec = CheckSpec.parse({"regex": "^Hi"})
    assert spec.args["pattern"] == "^Hi" and spec.args["negate"] is False


# --------------------------------------------------------------------------- contains


@pytest.mark.parametrize(
    ("reply", "args"),
    [
        pytest.param("أنا هيثم، نسختك الرقمية", {"text": "هيثم"}, id="arabic"),
        pytest.param("Café au lait", {"text": "Cafe\u0301"}, id="nfd-needle-nfc-reply"),
        pytest.param("Cafe\u0301 au lait", {"text": "Café"}, id="nfc-needle-nfd-reply"),
        pytest.param("DIE STRASSE", {"text": "straße", "ignore_case": True}, id="casefold-sharp-s"),
        pytest.param("I am Haitham, your twin", {"text": ["Haitham", "twin"]}, id="all-of-list"),
        pytest.param("I am your twin", {"text": ["Haitham", "twin"], "any": True}, id="any-of-list"),
    ],
)
def test_contains_passes(reply: str, args: dict[str, Any]) -> None:
    result = run_check("contains", reply, CTX, **args)
    assert result.passed, result.detail


@pytest.mark.parametrize(
    ("reply", "args", "message"),
    [
        pytest.param("I am an AI assistant", {"text": "Haitham"}, "missing from the reply: 'Haitham'", id="missing"),
        pytest.param("haitham here", {"text": "Haitham"}, "missing", id="case-sensitive-by-default"),
        pytest.param(
            "I am Haitham", {"text": ["Haitham", "twin", "digital"]}, "'twin', 'digital'", id="lists-every-missing"
        ),
        pytest.param("nothing", {"text": ["a1", "b2"], "any": True}, "none of 'a1', 'b2'", id="any-none"),
    ],
)
def test_contains_fails(reply: str, args: dict[str, Any], message: str) -> None:
    result = run_check("contains", reply, CTX, **args)
    assert not result.passed
    assert message in result.detail


def test_contains_rejects_empty_text() -> None:
    for text in ("", [], ["ok", ""]):
        with pytest.raises(CheckArgError):
            run_check("contains", "x", CTX, text=text)


# --------------------------------------------------------------------------- not_contains


@pytest.mark.parametrize(
    ("reply", "args", "offending"),
    [
        pytest.param(
            "Here is my answer <|user|> User Story:",
            {"text": ["<|user|>", "<|im_start|>"]},
            "<|user|>",
            id="claudio-leak",
        ),
        pytest.param(
            "Sure! Great Question! Companies fail because…",
            {"text": "great question", "ignore_case": True},
            "Great Question",
            id="fluff-ignore-case",
        ),
        pytest.param(
            "İyi günler, Straße", {"text": "STRASSE", "ignore_case": True}, "Straße", id="span-after-expansion"
        ),
        pytest.param("e\u0301e\u0301 cafe\u0301 x", {"text": "café"}, "cafe\u0301", id="span-of-decomposed-text"),
        pytest.param("سؤال رائع! الشركات تخسر", {"text": "سؤال رائع"}, "سؤال رائع", id="arabic-fluff"),
        pytest.param("b then a", {"text": ["a", "b"]}, "b", id="first-hit-wins"),
    ],
)
def test_not_contains_fails_with_span(reply: str, args: dict[str, Any], offending: str) -> None:
    result = run_check("not_contains", reply, CTX, **args)
    assert not result.passed
    assert span_text(reply, result) == offending
    assert shows(result.detail, offending)


def test_not_contains_lists_every_hit() -> None:
    result = run_check("not_contains", "<|user|> and <|assistant|>", CTX, text=["<|assistant|>", "<|user|>", "x"])
    assert "reply contains '<|assistant|>', '<|user|>'" in result.detail
    assert result.span == (0, 8)


def test_not_contains_passes() -> None:
    assert run_check("not_contains", "Plain answer.", CTX, text=["<|user|>", "Assistant"]).passed
    assert run_check("not_contains", "great question", CTX, text="Great Question").passed


# --------------------------------------------------------------------------- forbidden_words


@pytest.mark.parametrize(
    ("reply", "words", "offending"),
    [
        pytest.param("Assistant: Excellent Haitham, let me explain", ["assistant"], "Assistant", id="identity"),
        pytest.param("As an AI language model, I", ["as an AI"], "As an AI", id="phrase"),
        pytest.param("Great   question!\nSure", ["great question"], "Great   question", id="phrase-any-spacing"),
        pytest.param("Great\u200bquestion", ["greatquestion"], "Great\u200bquestion", id="zero-width-inside"),
        pytest.param("ISTANBUL'da", ["istanbul"], "ISTANBUL", id="turkish-dotless-capital"),
        pytest.param("İstanbul'da", ["istanbul"], "İstanbul", id="turkish-dotted-capital"),
        pytest.param("KIZ geldi", ["kız"], "KIZ", id="turkish-kiz"),
        pytest.param("ıstanbul", ["İSTANBUL"], "ıstanbul", id="turkish-dotless-small"),
        pytest.param("سُؤالٌ رائع", ["سؤال رائع"], "سُؤالٌ رائع", id="arabic-harakat"),
        pytest.param("هذا سؤال رائع جدا", ["سؤال"], "سؤال", id="arabic-word"),
        pytest.param("the ＧＡＴＣ engine", ["gatc"], "ＧＡＴＣ", id="fullwidth"),
        pytest.param("x GATC-internal y", ["gatc"], "GATC", id="hyphen-is-a-boundary"),
        pytest.param("Ölçüm: ÇOK", ["çok"], "ÇOK", id="turkish-other-letters"),
    ],
)
def test_forbidden_words_fail_with_span(reply: str, words: list[str], offending: str) -> None:
    result = run_check("forbidden_words", reply, CTX, words=words)
    assert not result.passed
    assert span_text(reply, result) == offending
    assert shows(result.detail, offending)


@pytest.mark.parametrize(
    ("reply", "words"),
    [
        pytest.param("Assistants and assistantship", ["assistant"], id="longer-words"),
        pytest.param("classic", ["ass"], id="inside-a-word"),
        pytest.param("لأنها ركزت على المنتج ونسيت العميل.", ["سؤال رائع"], id="arabic-clean"),
        pytest.param("kazan", ["kız"], id="turkish-other-word"),
        pytest.param("great questions", ["great question"], id="phrase-plural"),
    ],
)
def test_forbidden_words_pass(reply: str, words: list[str]) -> None:
    result = run_check("forbidden_words", reply, CTX, words=words)
    assert result.passed, result.detail


def test_forbidden_words_lists_every_hit_with_counts() -> None:
    reply = "Great question! As an assistant... great question, assistant, GATC"
    result = run_check("forbidden_words", reply, CTX, words=["assistant", "great question", "GATC", "never"])
    assert "'great question' ×2" in result.detail
    assert "'assistant' ×2" in result.detail
    assert "'GATC'" in result.detail and "never" not in result.detail
    assert result.span == (0, 14)


def test_forbidden_words_prefers_the_longest_phrase() -> None:
    result = run_check("forbidden_words", "a bad word here", CTX, words=["bad", "bad word"])
    assert span_text("a bad word here", result) == "bad word"
    assert "'bad word'" in result.detail


def test_forbidden_words_bad_args() -> None:
    for words in ([], [""], ["\u200b"], [3]):
        with pytest.raises(CheckArgError):
            run_check("forbidden_words", "x", CTX, words=words)


# --------------------------------------------------------------------------- hostile input


@pytest.mark.parametrize(
    "reply",
    [
        pytest.param("hello world " * 90_000, id="megabyte-ascii"),
        pytest.param("\x00" * 1_000_000, id="nul"),
        pytest.param("\ud800x" * 500_000, id="lone-surrogates"),
        pytest.param("\u202eمرحبا\u0651 \u0301" * 120_000, id="rtl-combining"),
        pytest.param("İı " * 330_000, id="turkish"),
        pytest.param("e\u0301" * 500_000, id="decomposed"),
    ],
)
@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("regex", {"pattern": r"(\w+\s?)+$", "timeout": 0.3}),
        ("contains", {"text": ["zzz", "İ"], "ignore_case": True}),
        ("not_contains", {"text": ["zzz", "ı", "é"], "ignore_case": True}),
        ("forbidden_words", {"words": ["hello", "istanbul", "great question", "مرحبا"]}),
    ],
)
def test_hostile_replies_get_a_quick_verdict(reply: str, name: str, args: dict[str, Any]) -> None:
    started = time.process_time()
    result = run_check(name, reply, CTX, **args)
    assert_bounded(started)
    assert result.passed or result.detail
    if not result.passed and not result.error:
        assert len(result.detail) < 1000


# --------------------------------------------------------------------------- properties


def cuts(text: str) -> list[int]:
    """Offsets where a substring may start or end: between grapheme clusters (not inside "é"),
    and never before a combining mark (one after a control character is a cluster of its own)."""
    at = [0, *accumulate(len(c) for c in regex.findall(r"\X", text))]
    return [i for i in at if i == len(text) or not _MARK.match(text[i])]


_MARK = regex.compile(r"\p{M}")


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=60), data=st.data())
def test_property_regex_finds_any_literal_substring(text: str, data: Any) -> None:
    # a substring that splits a letter from its accent ("e" of "é") is not in the text
    at = cuts(text)
    assume(len(at) > 1)
    start = data.draw(st.sampled_from(at[:-1]))
    needle = text[start : data.draw(st.sampled_from([i for i in at if i > start]))]

    assert run_check("regex", text, CTX, pattern=regex.escape(needle)).passed
    assert not run_check("regex", text, CTX, pattern=regex.escape(needle), negate=True).passed


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=60), data=st.data())
def test_property_contains_any_substring_in_any_normal_form(text: str, data: Any) -> None:
    text = unicodedata.normalize("NFC", text)
    at = cuts(text)
    assume(len(at) > 1)
    start = data.draw(st.sampled_from(at[:-1]))
    needle = text[start : data.draw(st.sampled_from([i for i in at if i > start]))]
    assume(fold_text(needle))  # only invisible characters: refused at load
    form = data.draw(st.sampled_from(["NFC", "NFD"]))
    assert run_check(
        "contains", unicodedata.normalize(form, text), CTX, text=unicodedata.normalize(form, needle)
    ).passed
    result = run_check("not_contains", text, CTX, text=needle)
    assert not result.passed
    assert spaced(fold_text(needle)) in spaced(fold_text(text[result.span[0] : result.span[1]]))


@settings(max_examples=200, deadline=None)
@given(
    before=st.sampled_from(["", "Hi ", "İyi ", "مرحبا ", "e\u0301 ", "(\u200b"]),
    after=st.sampled_from(["", ".", " ok", "! İ", ", سؤال"]),
    word=st.sampled_from(["assistant", "ıstanbul", "straße", "سؤال", "great question"]),
    upper=st.booleans(),
)
def test_property_forbidden_word_is_found_where_it_was_put(before: str, after: str, word: str, upper: bool) -> None:
    assume(fold_text(word, True) not in fold_text(before + after, True))
    shown = word.upper() if upper else word
    reply = before + shown + after
    result = run_check("forbidden_words", reply, CTX, words=[word])
    assert not result.passed, reply
    assert result.span == (len(before), len(before) + len(shown))
    glued = before + "x" + shown + "x" + after
    assert run_check("forbidden_words", glued, CTX, words=[word]).passed


@settings(max_examples=200, deadline=None)
@given(number=st.integers(0, 10**9))
def test_property_arabic_indic_digits_normalize(number: int) -> None:
    ascii_digits = str(number)
    arabic = ascii_digits.translate({ord("0") + i: 0x660 + i for i in range(10)})
    persian = ascii_digits.translate({ord("0") + i: 0x6F0 + i for i in range(10)})
    assert normalize_digits(arabic) == ascii_digits
    assert normalize_digits(persian) == ascii_digits
