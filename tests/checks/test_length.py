"""max_tokens, max_words and max_latency: budgets with the word where the limit was passed."""

from __future__ import annotations

import math
import time
from typing import Any

import pytest
from helpers import assert_bounded, shows, span_text
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_persona.checks import CheckArgError, CheckContext, CheckSpec, run_check
from pytest_persona.checks.length import approx_tokens, count_words

CTX = CheckContext()


# --------------------------------------------------------------------------- max_words


@pytest.mark.parametrize(
    ("reply", "count"),
    [
        pytest.param("Sor kanka, dinliyorum.", 3, id="jessy-turkish"),
        pytest.param("لأنها ركزت على المنتج ونسيت العميل.", 6, id="haitham-arabic"),
        pytest.param("أنا نسختك الرقمية، موجود عشان أساعدك", 6, id="arabic-comma"),
        pytest.param("سُؤالٌ رائِع", 2, id="arabic-harakat-stay-in-words"),
        pytest.param("don't over-think it", 3, id="apostrophe-and-hyphen"),
        pytest.param("Run 4.5 km at 5:30/km", 6, id="numbers-are-single-words-units-apart"),
        pytest.param("İstanbul'da ılık bir gün", 4, id="turkish-dotted"),
        pytest.param("我喜欢跑步", 5, id="each-ideograph"),
        pytest.param("cafe\u0301 au lait", 3, id="decomposed-accent"),
        pytest.param("می\u200cخواهم بروم", 2, id="persian-zwnj"),
        pytest.param("— ... !!! 😀", 0, id="no-words"),
        pytest.param("", 0, id="empty"),
    ],
)
def test_count_words(reply: str, count: int) -> None:
    assert count_words(reply) == count
    assert run_check("max_words", reply, CTX, max=count).passed
    if count:
        result = run_check("max_words", reply, CTX, max=count - 1)
        assert not result.passed
        assert f"{count} words > {count - 1}" in result.detail


@pytest.mark.parametrize(
    ("reply", "limit", "offending"),
    [
        pytest.param("Great question! Companies fail for many reasons.", 2, "Companies", id="fluff"),
        pytest.param("لأنها ركزت على المنتج ونسيت العميل.", 5, "العميل", id="arabic"),
        pytest.param("Sor kanka, dinliyorum.", 2, "dinliyorum", id="turkish"),
        pytest.param("我喜欢跑步", 3, "跑", id="cjk"),
        pytest.param("one", 0, "one", id="zero-budget"),
    ],
)
def test_max_words_points_at_the_first_word_over(reply: str, limit: int, offending: str) -> None:
    result = run_check("max_words", reply, CTX, max=limit)
    assert not result.passed
    assert span_text(reply, result) == offending
    assert shows(result.detail, offending)
    assert f"word {limit + 1}" in result.detail


# --------------------------------------------------------------------------- max_tokens


def whitespace_tokenizer(text: str) -> int:
    return len(text.split())


def test_max_tokens_uses_the_checkpoint_tokenizer() -> None:
    ctx = CheckContext(count_tokens=whitespace_tokenizer)
    reply = "Nice run today. Keep the easy pace tomorrow and sleep early."
    ok = run_check("max_tokens", reply, ctx, max=11)
    assert ok.passed and "11 tokens <= 11 (checkpoint tokenizer)" in ok.detail
    result = run_check("max_tokens", reply, ctx, max=5)
    assert not result.passed
    assert "11 tokens > 5 (checkpoint tokenizer)" in result.detail
    assert span_text(reply, result) == "easy"
    assert shows(result.detail, "easy")


def test_max_tokens_without_tokenizer_says_it_estimates() -> None:
    reply = "Hello, world! " * 50
    result = run_check("max_tokens", reply, CTX, max=20)
    assert not result.passed
    assert "200 tokens > 20 (estimate" in result.detail
    assert result.span == (70, 75)  # the 21st piece: the fifth "Hello"
    assert run_check("max_tokens", reply, CTX, max=200).passed


def test_max_tokens_broken_tokenizer_is_a_check_error() -> None:
    def broken(text: str) -> int:
        raise RuntimeError("tokenizer not loaded")

    result = run_check("max_tokens", "hi", CheckContext(count_tokens=broken), max=5)
    assert result.error and "tokenizer not loaded" in result.detail


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("", 0, id="empty"),
        pytest.param("Hello, world!", 4, id="words-and-punctuation"),
        pytest.param("internationalization", 5, id="long-word-by-bytes"),
        pytest.param("لأنها ركزت على المنتج", math.ceil(len("لأنها ركزت على المنتج".encode()) / 4), id="arabic-bytes"),
        pytest.param("a , b , c", 5, id="short-pieces"),
        pytest.param("\ud800", 1, id="lone-surrogate"),
    ],
)
def test_approx_tokens(text: str, expected: int) -> None:
    assert approx_tokens(text) == expected


@settings(max_examples=150, deadline=None)
@given(a=st.text(max_size=40), b=st.text(max_size=40))
def test_property_approx_tokens_grows_with_text(a: str, b: str) -> None:
    joined = approx_tokens(a + " " + b)
    assert joined >= max(approx_tokens(a), approx_tokens(b))
    assert approx_tokens(a) == approx_tokens(a)


@settings(max_examples=150, deadline=None)
@given(
    words=st.lists(
        st.sampled_from(["run", "easy", "لأنها", "ılık", "İyi", "سُؤالٌ", "don't", "5:30", "cafe\u0301"]),
        min_size=1,
        max_size=30,
    ),
    sep=st.sampled_from([" ", "  ", "\n", ", ", " — "]),
)
def test_property_max_words_cut_is_the_extra_word(words: list[str], sep: str) -> None:
    reply = sep.join(words)
    assert run_check("max_words", reply, CTX, max=len(words)).passed
    result = run_check("max_words", reply, CTX, max=len(words) - 1)
    assert not result.passed
    assert span_text(reply, result) == words[-1]
    assert result.span == (len(reply) - len(words[-1]), len(reply))


@settings(max_examples=100, deadline=None)
@given(words=st.lists(st.sampled_from(["run", "easy", "pace", "zone"]), min_size=2, max_size=40), data=st.data())
def test_property_max_tokens_cut_matches_the_tokenizer(words: list[str], data: Any) -> None:
    reply = " ".join(words)
    limit = data.draw(st.integers(0, len(words) - 1))
    result = run_check("max_tokens", reply, CheckContext(count_tokens=whitespace_tokenizer), max=limit)
    assert not result.passed
    start = result.span[0]
    assert len(reply[:start].split()) == limit  # the span is word limit + 1


# --------------------------------------------------------------------------- max_latency


@pytest.mark.parametrize(
    ("latency", "limit", "ok", "message"),
    [
        pytest.param(1.2, 2, True, "1.200 s <= 2 s", id="fast"),
        pytest.param(2.0, 2.0, True, "2.000 s <= 2 s", id="exactly-at-limit"),
        pytest.param(83.0, 5, False, "took 83.000 s > 5 s", id="jessy-83-second-overthinking"),
        pytest.param(float("nan"), 5, False, "NaN", id="nan"),
    ],
)
def test_max_latency(latency: float, limit: float, ok: bool, message: str) -> None:
    result = run_check("max_latency", "Sor kanka, dinliyorum.", CheckContext(latency_s=latency), seconds=limit)
    assert result.passed is ok
    assert message in result.detail


def test_max_latency_without_a_recorded_latency_fails() -> None:
    result = run_check("max_latency", "reply", CTX, seconds=5)
    assert not result.passed and not result.error
    assert "no latency was recorded" in result.detail


@pytest.mark.parametrize(
    ("name", "raw", "message"),
    [
        pytest.param("max_words", {"max": -1}, "0 or more", id="negative-words"),
        pytest.param("max_tokens", {"max": -5}, "0 or more", id="negative-tokens"),
        pytest.param("max_tokens", {"max": 1.5}, "must be an integer", id="float-tokens"),
        pytest.param("max_words", {"max": True}, "must be an integer", id="bool-words"),
        pytest.param("max_latency", {"seconds": 0}, "positive", id="zero-latency"),
        pytest.param("max_latency", {"seconds": "fast"}, "must be", id="string-latency"),
        pytest.param("max_words", {"maximum": 3}, "has no argument 'maximum'", id="unknown-arg"),
    ],
)
def test_bad_args_fail_at_load(name: str, raw: dict[str, Any], message: str) -> None:
    with pytest.raises(CheckArgError) as info:
        CheckSpec.parse({name: raw})
    assert message in str(info.value)


def test_shorthand_forms() -> None:
    assert CheckSpec.parse({"max_words": 50}).args == {"max": 50}
    assert CheckSpec.parse({"max_tokens": 160}).args == {"max": 160}
    assert CheckSpec.parse({"max_latency": 2.5}).args == {"seconds": 2.5}


# --------------------------------------------------------------------------- hostile input


@pytest.mark.parametrize(
    "reply",
    [
        pytest.param("1 " * 500_000, id="dense-words"),
        pytest.param("\x00" * 1_000_000, id="nul"),
        pytest.param("\ud800a" * 500_000, id="lone-surrogates"),
        pytest.param("\u202eمرحبا\u0651 \u0301" * 120_000, id="rtl-combining"),
        pytest.param("中文字" * 330_000, id="cjk"),
        pytest.param("e" + "\u0301" * 1_000_000, id="one-base-many-marks"),
        pytest.param("1." * 500_000, id="one-giant-number"),
    ],
)
@pytest.mark.parametrize("name", ["max_words", "max_tokens"])
def test_hostile_replies_get_a_quick_verdict(reply: str, name: str) -> None:
    for limit in (100, 10_000_000):
        started = time.process_time()
        result = run_check(name, reply, CTX, max=limit)
        assert_bounded(started)
        assert not result.error
        assert len(result.detail) < 1000
