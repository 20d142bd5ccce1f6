"""One fold for every text check: quotes, NFC/NFD, Arabic letter forms and invisible characters
never change a verdict, and spans always point into the reply as written (GitHub issue 12)."""

from __future__ import annotations

import time
import unicodedata
from collections.abc import Callable
from typing import Any
from unittest import mock

import pytest
import regex
from helpers import assert_bounded, shows, spaced, span_text
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from pytest_persona.checks import CheckArgError, CheckResult, CheckSpec, normalize, run_check
from pytest_persona.checks.normalize import Folded, Phrases, fold, fold_pattern, fold_text

CURLY = "Don’t worry, I’d be happy to help."
STRAIGHT = "Don't worry, I'd be happy to help."


# --------------------------------------------------------------------------- the reported bug


@pytest.mark.parametrize(
    ("reply", "phrase"),
    [(CURLY, "I'd be happy"), (STRAIGHT, "I’d be happy"), (CURLY, "I’d be happy"), (STRAIGHT, "I'd be happy")],
    ids=["curly-reply", "curly-phrase", "both-curly", "both-straight"],
)
def test_curly_apostrophes_every_phrase_check_agrees(reply: str, phrase: str) -> None:
    results = {
        "forbidden_words": run_check("forbidden_words", reply, words=[phrase]),
        "not_contains": run_check("not_contains", reply, text=[phrase]),
        "no_fluff": run_check(CheckSpec.parse({"no_fluff": [phrase]}), reply),
    }
    for name, result in results.items():
        assert not result.passed, f"{name} missed {phrase!r} in {reply!r}"
        assert span_text(reply, result) == reply[13:25], name  # "I’d be happy" as the reply wrote it
        assert shows(result.detail, reply[13:25]), name
    assert run_check("contains", reply, text=[phrase]).passed
    assert run_check("regex", reply, pattern=regex.escape(phrase)).passed


def test_curly_double_quotes_and_guillemets_are_straight_quotes() -> None:
    for reply in ("He said “rest” today.", "He said „rest“ today.", "He said «rest» today.", 'He said "rest" today.'):
        assert run_check("contains", reply, text='"rest"').passed, reply
        assert not run_check("forbidden_words", reply, words=["“rest”"]).passed, reply


# --------------------------------------------------------------------------- Arabic


@pytest.mark.parametrize(
    ("reply", "word"),
    [
        pytest.param("أنا هيثم", "انا", id="alef-hamza-above"),
        pytest.param("انا هيثم", "أنا", id="phrase-has-hamza"),
        pytest.param("إن شاء الله", "ان شاء الله", id="alef-hamza-below"),
        pytest.param("آسف جدا", "اسف", id="alef-madda"),
        pytest.param("ٱلله", "الله", id="alef-wasla"),
        pytest.param("ا\u0654نا هيثم", "أنا", id="hamza-as-a-combining-mark"),
        pytest.param("على الخطة", "علي", id="alef-maqsura"),
        pytest.param("هذه مدرسة", "مدرسه", id="ta-marbuta"),
        pytest.param("سؤال رائع", "سوال رايع", id="hamza-on-waw-and-ya"),
        pytest.param("أنـــــا هنا", "انا", id="tatweel"),
        pytest.param("أَنَا هُنَا", "انا", id="harakat"),
        pytest.param("ﺃﻧﺎ هنا", "انا", id="presentation-forms"),
    ],
)
def test_arabic_letter_variants_fold_together(reply: str, word: str) -> None:
    result = run_check("forbidden_words", reply, words=[word])
    assert not result.passed, result.detail
    assert fold_text(span_text(reply, result)) == fold_text(word)
    assert run_check("contains", reply, text=word).passed
    assert not run_check("not_contains", reply, text=word).passed
    assert not run_check(CheckSpec.parse({"no_fluff": [word]}), reply).passed


def test_arabic_builtin_patterns_are_folded_like_the_text() -> None:
    # written with ى and ة in the patterns, these never matched the folded reply before
    assert not run_check("identity", "تم تطويري على يد جوجل").passed
    assert not run_check("no_fluff", "أتمنى أن يكون هذا مفيدا").passed
    assert run_check("refusal", "ما عندي الصلاحيه لتغيير الخطة").passed  # ة written as ه


# --------------------------------------------------------------------------- invisible characters

INVISIBLE = {
    "zwsp": "\u200b",
    "zwnj": "\u200c",
    "zwj": "\u200d",
    "soft-hyphen": "\u00ad",
    "bom": "\ufeff",
    "lrm": "\u200e",
    "rlo": "\u202e",
    "isolate": "\u2066",
    "word-joiner": "\u2060",
    "variation-selector": "\ufe0f",
}


@pytest.mark.parametrize("mark", INVISIBLE.values(), ids=INVISIBLE.keys())
def test_invisible_characters_inside_a_word_do_not_hide_it(mark: str) -> None:
    reply = f"As your Assi{mark}st{mark}ant I’d say: rest."
    offending = f"Assi{mark}st{mark}ant"
    result = run_check("forbidden_words", reply, words=["assistant"])
    assert not result.passed and span_text(reply, result) == offending
    result = run_check("not_contains", reply, text="Assistant")
    assert not result.passed and span_text(reply, result) == offending
    assert run_check("contains", reply, text="Assistant").passed
    result = run_check(CheckSpec.parse({"no_fluff": ["assistant"]}), reply)
    assert not result.passed and span_text(reply, result) == offending
    assert not run_check("identity", f"Hi, I am Gab{mark}riel.", forbid=["Gabriel"]).passed
    assert run_check(CheckSpec.parse({"refusal": ["not my call"]}), f"That is not my c{mark}all.").passed
    assert not run_check("regex", reply, pattern=r"\bAssistant\b", negate=True).passed


def test_a_phrase_of_invisible_characters_only_is_refused_at_load() -> None:
    for raw in ({"contains": "\u200b"}, {"not_contains": ["ok", "\u00ad"]}, {"no_fluff": ["\ufeff"]}):
        with pytest.raises(CheckArgError, match="empty once normalized"):
            CheckSpec.parse(raw)


# --------------------------------------------------------------------------- the property

# letters with and without combining accents, both quote styles, spaces
ALPHABET = ["a", "b", "é", "e\u0301", "ö", "o\u0308", "’", "'", "“", '"', " "]
pieces = st.lists(st.sampled_from(ALPHABET), max_size=5).map("".join)
SWAPS: dict[str, Callable[[str], str]] = {
    "to-straight": lambda t: t.replace("’", "'").replace("“", '"'),
    "to-curly": lambda t: t.replace("'", "’").replace('"', "“"),
    "nfc": lambda t: unicodedata.normalize("NFC", t),
    "nfd": lambda t: unicodedata.normalize("NFD", t),
}


def _spec(name: str, phrase: str) -> CheckSpec:
    raw: dict[str, Any] = {
        "contains": {"contains": {"text": phrase}},
        "contains-ignore-case": {"contains": {"text": phrase, "ignore_case": True}},
        "not_contains": {"not_contains": phrase},
        "forbidden_words": {"forbidden_words": [phrase]},
        "no_fluff": {"no_fluff": [phrase]},
        "no_fluff-opener": {"no_fluff": ["^" + phrase]},
        "identity-forbid": {"identity": {"forbid": [phrase]}},
        "refusal-markers": {"refusal": {"markers": [phrase]}},
        "no_refusal-markers": {"no_refusal": {"markers": [phrase]}},
        "regex": {"regex": regex.escape(phrase)},
        "regex-negate": {"regex": {"pattern": regex.escape(phrase), "negate": True}},
    }[name]
    return CheckSpec.parse(raw)


PHRASE_CHECKS = [
    "contains",
    "contains-ignore-case",
    "not_contains",
    "forbidden_words",
    "no_fluff",
    "no_fluff-opener",
    "identity-forbid",
    "refusal-markers",
    "no_refusal-markers",
    "regex",
    "regex-negate",
]


def _verdict(name: str, reply: str, phrase: str) -> CheckResult:
    return run_check(_spec(name, phrase), reply)


@pytest.mark.parametrize("name", PHRASE_CHECKS)
@settings(max_examples=120, deadline=None)
@given(
    phrase=pieces,
    before=pieces,
    after=pieces,
    cue=st.sampled_from(["", "I am ", "I’m "]),
    include=st.booleans(),
)
def test_property_quotes_and_normal_forms_never_change_a_verdict(
    name: str, phrase: str, before: str, after: str, cue: str, include: bool
) -> None:
    assume(fold_text(phrase).strip())
    reply = before + cue + (phrase if include else "") + after
    result = _verdict(name, reply, phrase)
    assert not result.error, result.detail
    for swap_name, swap in SWAPS.items():
        on_reply = _verdict(name, swap(reply), phrase)
        on_phrase = _verdict(name, reply, swap(phrase))
        assert on_reply.passed == result.passed, (swap_name, "reply", reply, phrase, result.detail)
        assert on_phrase.passed == result.passed, (swap_name, "phrase", reply, phrase, result.detail)
    if result.span is not None:
        start, end = result.span
        assert 0 <= start <= end <= len(reply)
        shown = spaced(fold_text(reply[start:end], True))
        if spaced(fold_text(phrase, True)) in spaced(fold_text(reply, True)):
            assert spaced(fold_text(phrase, True)) in shown, (reply, phrase, result.span)


@settings(max_examples=200, deadline=None)
@given(phrase=pieces.filter(lambda p: bool(fold_text(p).strip())), before=pieces, after=pieces, case=st.booleans())
def test_property_phrase_spans_are_the_phrase_as_the_reply_wrote_it(
    phrase: str, before: str, after: str, case: bool
) -> None:
    reply = f"{before} {phrase} {after}"
    phrases = Phrases([phrase], case=case, whole_words=False)
    hit = phrases.first(reply)
    assert hit is not None and hit.phrase == phrase
    assert spaced(fold_text(reply[hit.start : hit.end], case)) == spaced(fold_text(phrase, case))
    # the reply side: the same spans whatever quotes and normal form it used
    for swap in SWAPS.values():
        swapped = swap(reply)
        other = phrases.first(swapped)
        assert other is not None
        assert spaced(fold_text(swapped[other.start : other.end], case)) == spaced(fold_text(phrase, case))


# --------------------------------------------------------------------------- the engine

TEXTS = st.lists(
    st.sampled_from(
        [*"aeiIıİsSß’'“\" \n.-–—", "e\u0301", "\u0301", "\u0308", "\u200b", "\u00ad", "\ufeff", "\u202e"]
        + [*"أإآٱاىيةهؤوئـ\u064e\u0651\u0654", *"ＡＢﬁ½ｶﾞ각\u1100\u1161\u11a8١٢", "\ud800", "👩\u200d💻"]
    ),
    max_size=40,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(text=TEXTS, case=st.booleans(), accents=st.booleans())
def test_property_fold_ignores_the_normal_form_and_is_idempotent(text: str, case: bool, accents: bool) -> None:
    folded = fold_text(text, case, accents)
    for form in ("NFC", "NFD", "NFKC", "NFKD"):
        assert fold_text(unicodedata.normalize(form, text), case, accents) == folded, form
    assert fold_text(folded, case, accents) == folded


@settings(max_examples=300, deadline=None)
@given(text=TEXTS, case=st.booleans(), accents=st.booleans(), block=st.integers(1, 8), data=st.data())
def test_property_blocks_fold_like_the_whole_and_spans_cover_the_match(
    text: str, case: bool, accents: bool, block: int, data: Any
) -> None:
    with mock.patch.object(normalize, "_BLOCK", block):  # many block boundaries on a short text
        view = Folded(text, case=case, accents=accents)
    assert view.text == fold_text(text, case, accents)
    if not view.text:
        return
    start = data.draw(st.integers(0, len(view.text) - 1))
    end = data.draw(st.integers(start + 1, len(view.text)))
    a, b = view.span(start, end)
    assert 0 <= a < b <= len(text)
    assert view.text[start:end] in fold_text(text[a:b], case, accents)


def test_spans_are_exact_around_removed_and_composed_characters() -> None:
    reply = "\u200bSay ca\u200bfe\u0301\u00ad! ok"
    view = fold(reply)
    assert view.text == "Say café! ok"
    start = view.text.index("café")
    assert reply[slice(*view.span(start, start + 4))] == "ca\u200bfe\u0301"
    assert reply[slice(*view.span(0, 3))] == "Say"  # the leading ZWSP is not part of it
    assert reply[slice(*view.span(start + 3, start + 4))] == "e\u0301"
    straße = fold("die Straße", case=True)
    assert straße.text == "die strasse"
    assert straße.span(straße.text.index("ss"), straße.text.index("ss") + 1) == (8, 9)  # half of "ss" is ß


def test_every_format_character_is_removed() -> None:
    format_chars = regex.compile(r"\p{Cf}")
    missing = [hex(cp) for cp in range(0x110000) if format_chars.match(chr(cp)) and fold_text(f"a{chr(cp)}b") != "ab"]
    assert not missing


def test_fold_pattern_keeps_regex_syntax() -> None:
    assert fold_pattern(r"[a–z]\s+can’t") == r"[a–z]\s+can't"  # a dash in a class stays a literal
    assert fold_pattern("أنا٫") == "انا٫"  # ٫ is not turned into the wildcard "."
    assert fold_pattern("[٠-٩]+") == "[0-9]+"
    assert fold_pattern("cafe\u0301") == "café"


def test_regex_is_matched_as_written_too() -> None:
    # a pattern about the characters the fold removes still sees them
    assert not run_check("regex", "zero\u200bwidth", pattern="\u200b", negate=True).passed
    assert not run_check("regex", "Say “hi”", pattern="“", negate=True).passed
    # a match never splits a letter from its accent
    assert not run_check("regex", "cafe\u0301 au lait", pattern="cafe").passed
    assert run_check("regex", "cafe\u0301", pattern="café$").passed


# --------------------------------------------------------------------------- hostile input

HOSTILE = ("Don’t “worry”, I’d be هَـــأنا e\u0301\u0308 a\u200bb\u00ad \ufeff\u202eﺃﻧﺎ ｶﾞ ﬁ ß İı ١٢ " * 16_000)[
    :1_000_000
] + " assistant"


@pytest.mark.parametrize("name", PHRASE_CHECKS)
def test_a_megabyte_of_hostile_text_gets_a_verdict(name: str) -> None:
    started = time.process_time()
    result = _verdict(name, HOSTILE, "I’d be")
    assert_bounded(started)
    assert isinstance(result, CheckResult)
    if result.span is not None:
        assert 0 <= result.span[0] <= result.span[1] <= len(HOSTILE)


def test_a_megabyte_of_hostile_text_still_finds_the_word_at_the_end() -> None:
    result = run_check("forbidden_words", HOSTILE, words=["assistant", "ﬁ"])
    assert not result.passed and "'assistant'" in result.detail and "'ﬁ'" in result.detail
    result = run_check("not_contains", HOSTILE, text="ASSISTANT", ignore_case=True)
    assert span_text(HOSTILE, result) == "assistant"
    assert result.span == (len(HOSTILE) - 9, len(HOSTILE))


def test_every_decomposable_character_folds_like_its_decomposition() -> None:
    odd = []
    for cp in range(0x110000):
        char = chr(cp)
        if not unicodedata.decomposition(char):
            continue
        for case in (False, True):
            folded = fold_text(char, case)
            if fold_text(unicodedata.normalize("NFD", char), case) != folded or fold_text(folded, case) != folded:
                odd.append(hex(cp))
    assert not odd
