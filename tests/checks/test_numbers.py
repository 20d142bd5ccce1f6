"""no_invented_numbers: the running coach must not invent heart rates, paces, power values or dates."""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal
from typing import Any

import pytest
from helpers import assert_bounded, shows, span_text
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_persona.checks import CheckArgError, CheckContext, CheckSpec, Message, run_check
from pytest_persona.checks.numbers import case_sources, read_token

SYSTEM = "You are Josi, a running coach. Never change the plan. Zones Z1-Z7. Contract I6."
CONTEXT: dict[str, Any] = {
    "readiness": "amber",
    "hr_zones": {"z2": "130-145 bpm", "z4": "160–172"},
    "easy_pace": "5:30/km",
    "last_run": {"date": dt.date(2024, 3, 15), "distance_km": 18, "avg_power_w": 250},
    "weight_kg": 71.5,
    "long_run_start": "10:30",
    "weekly_km": [42, 48.5],
    "steps": "10 000",
    "budget": "1,000",
    "temperature_c": -5,
    "device": "Garmin 965",
}


def coach(user: str = "How did my last run go?", context: dict[str, Any] | None = None) -> CheckContext:
    return CheckContext(
        messages=(Message("system", SYSTEM), Message("user", user)),
        context=CONTEXT if context is None else context,
    )


@pytest.mark.parametrize(
    "reply",
    [
        pytest.param("Your 18 km on March 15, 2024 averaged 250 W.", id="facts-from-context"),
        pytest.param("Keep Z2 at 130–145 bpm and easy runs at 5:30/km.", id="range-and-pace"),
        pytest.param("Easy pace: 5:30 min/km.", id="pace-with-unit-apart"),
        pytest.param("That was a solid 18k.", id="k-suffix-as-distance"),
        pytest.param("Last run: 2024-03-15, 18km.", id="iso-date-and-glued-unit"),
        pytest.param("You weigh 71,5 kg.", id="comma-decimal"),
        pytest.param("You weigh 71.50 kg.", id="decimal-equal-numerically"),
        pytest.param("Weekly volume 42 then 48.5 km.", id="list-values"),
        pytest.param("Aim for 10,000 steps (10 000 is the goal, 10k).", id="thousands-forms"),
        pytest.param("Budget: 1000.", id="thousands-source-plain-reply"),
        pytest.param("Long run starts at 10:30.", id="clock-time"),
        pytest.param("Long run starts at 10:30:00.", id="clock-time-with-zero-seconds"),
        pytest.param("It will feel like -5 °C, so 5 degrees below zero.", id="negative-and-magnitude"),
        pytest.param("Z7 is all-out; stay out of it.", id="identifier-in-system"),
        pytest.param("Under the i6 contract I cannot move it.", id="identifier-any-case"),
        pytest.param("Your Garmin 965 logged it.", id="model-number"),
        pytest.param("Z4 tops out at 172.", id="en-dash-range-end"),
        pytest.param("١٨ كم في ٥:٣٠ للكيلومتر", id="arabic-indic-digits"),
        pytest.param("۱۸ کیلومتر", id="extended-arabic-indic-digits"),
        pytest.param("1. Rest\n2. Hydrate\n3) Sleep early", id="list-markers-ignored"),
        pytest.param("No numbers here at all.", id="no-numbers"),
        pytest.param("Your run: 2024-03-15T10:30:00.", id="iso-datetime"),
    ],
)
def test_grounded_numbers_pass(reply: str) -> None:
    result = run_check("no_invented_numbers", reply, coach())
    assert result.passed, result.detail


@pytest.mark.parametrize(
    ("reply", "invented", "first"),
    [
        pytest.param("Your HR peaked at 187 bpm.", ["187"], "187", id="invented-heart-rate"),
        pytest.param("Run tomorrow at 4:50/km.", ["4:50"], "4:50", id="invented-pace"),
        pytest.param("Your next race is on 2024-03-16.", ["16"], "16", id="invented-date"),
        pytest.param("Hold 300W for 20 minutes.", ["300W", "20"], "300W", id="invented-power-and-duration"),
        pytest.param("Z8 is beyond max.", ["Z8"], "Z8", id="invented-zone"),
        pytest.param("Rule I7 applies.", ["I7"], "I7", id="invented-contract"),
        pytest.param("Try a 21.1 km race.", ["21.1"], "21.1", id="invented-decimal"),
        pytest.param("Target: 50k steps.", ["50k"], "50k", id="invented-k"),
        pytest.param("Z2 is 130-150 bpm.", ["150"], "150", id="invented-range-end"),
        pytest.param("It is +5 then 5 then -7 outside.", ["-7"], "-7", id="invented-sign"),
        pytest.param("Rest 2 days, then 6x1 km.", ["2", "6x1"], "2", id="invented-rest-and-reps"),
        pytest.param("Your HR hit ١٨٧.", ["187"], "١٨٧", id="invented-arabic-digits"),
        pytest.param("Weigh-in: 72 kg, goal 70.", ["72", "70"], "72", id="every-invented-number-named"),
        pytest.param("1. Rest 9 hours\n", ["9"], "9", id="marker-ignored-number-not"),
    ],
)
def test_invented_numbers_fail_with_span(reply: str, invented: list[str], first: str) -> None:
    result = run_check("no_invented_numbers", reply, coach())
    assert not result.passed
    assert "invented numbers" in result.detail
    named = result.detail.split(": ", 1)[1].split("; ")[0]
    assert named == ", ".join(repr(n) for n in invented)
    assert span_text(reply, result) == first
    assert shows(result.detail, first)


def test_label_used_as_amount_says_so() -> None:
    reply = "Stay in zone 2 for 2 hours."
    result = run_check("no_invented_numbers", reply, coach("Zone 2 today?", context={}))
    assert not result.passed
    assert "'2' is given only as a label" in result.detail
    assert result.span == (19, 20)
    assert run_check("no_invented_numbers", "Stay in zone 2 today.", coach("Zone 2 today?", context={})).passed


def test_a_label_in_the_system_prompt_grounds_labels_only() -> None:
    # SYSTEM names zones Z1-Z7: "zone 7" is that label, "7 strides" a count nobody gave
    assert run_check("no_invented_numbers", "Keep out of zone 7 today.", coach(context={})).passed
    result = run_check("no_invented_numbers", "Then add 7 strides.", coach(context={}))
    assert not result.passed and "'7' is given only as a label" in result.detail
    assert span_text("Then add 7 strides.", result) == "7"
    # a number the case also gives as an amount is fine either way
    assert run_check("no_invented_numbers", "Add 7 strides in zone 7.", coach("7 strides?", context={})).passed


@pytest.mark.parametrize(
    ("given", "reply"),
    [
        pytest.param({"long_run": "2 h"}, "It's 120 minutes.", id="hours-to-minutes"),
        pytest.param({"long_run": "90 min"}, "It's 1:30 long.", id="minutes-to-clock"),
        pytest.param({"long_run": "90 min"}, "It's 1.5 hours.", id="minutes-to-decimal-hours"),
        pytest.param({"race": "10 km"}, "10,000 metres.", id="km-to-metres"),
        pytest.param({"race": "half an hour"}, "30 minutes.", id="words-to-minutes"),
        pytest.param({"reminder": "7am"}, "Set for 07:00.", id="am-to-24h"),
        pytest.param({"reminder": "17:30"}, "Set for 5:30 PM.", id="24h-to-pm"),
        pytest.param({"session": "1h30"}, "90 minutes.", id="glued-clock"),
        pytest.param({"session": "6x400m"}, "6 x 400 m.", id="sets"),
        pytest.param({"plan": "cinco treinos"}, "São 5 treinos.", id="number-word-pt"),
        pytest.param({"plan": "2 weeks"}, "That is 14 days.", id="weeks-to-days"),
        pytest.param({"share": "0.25"}, "That's 25%.", id="share-to-percent"),
        pytest.param({"share": "25 percent"}, "That's 0.25 of it.", id="percent-to-share"),
        pytest.param({"start": "18h"}, "At 18:00.", id="hours-mark-to-clock"),
        pytest.param({"race_date": "2025-10-12"}, "On 12/10/2025.", id="date-other-order"),
    ],
)
def test_a_given_value_may_be_restated_in_another_unit(given: dict[str, Any], reply: str) -> None:
    result = run_check("no_invented_numbers", reply, coach("When?", context=given))
    assert result.passed, result.detail


@pytest.mark.parametrize(
    ("given", "reply", "invented"),
    [
        pytest.param({"long_run": "2 h"}, "It's 100 minutes.", "100", id="wrong-conversion"),
        pytest.param({"race": "10 km"}, "1,000 metres.", "1,000", id="wrong-metres"),
        pytest.param({"plan": "Portugal dos Pequenitos"}, "2 days.", "2", id="pt-dos-is-not-two"),
        pytest.param({"run": "about 9 minutes"}, "15 minutes.", "15", id="no-chain-of-conversions"),
        pytest.param({"load": "18 h per week"}, "Run 6 times.", "6", id="a-duration-is-no-clock"),
    ],
)
def test_a_wrong_restatement_still_fails(given: dict[str, Any], reply: str, invented: str) -> None:
    result = run_check("no_invented_numbers", reply, coach("When?", context=given))
    assert not result.passed and repr(invented) in result.detail


def test_code_literals_are_not_facts_but_prose_numbers_are() -> None:
    ctx = coach("Explain the reduce bug.", context={})
    reply = "Pass an initial value: items.reduce((acc, item) => acc + item.price, 0)."
    result = run_check("no_invented_numbers", reply, ctx)
    assert result.passed and "in code not judged" in result.detail
    assert not run_check("no_invented_numbers", "It runs 40% faster: items.reduce(f, 0).", ctx).passed


def test_thin_evidence_is_said() -> None:
    ctx = CheckContext(messages=(Message("user", "how do I sleep better?"),))
    result = run_check("no_invented_numbers", "Stop screens 30 minutes before bed.", ctx)
    assert not result.passed and "the case supplies no numbers at all" in result.detail
    assert run_check("no_invented_numbers", "Stop screens before bed.", ctx).detail == "no numbers in the reply"


def test_five_k_is_not_five_thirty() -> None:
    ctx = coach(context={"easy_pace": "5:30/km"})
    result = run_check("no_invented_numbers", "Run an easy 5k.", ctx)
    assert not result.passed and span_text("Run an easy 5k.", result) == "5k"
    assert run_check("no_invented_numbers", "Run an easy 5:30/km.", ctx).passed


def test_five_k_matches_five_km_and_five_thousand() -> None:
    for source in ("I ran 5 km", "I ran 5000 m", "My 5K"):
        ctx = coach(user=source, context={})
        assert run_check("no_invented_numbers", "Nice 5k!", ctx).passed, source
        assert run_check("no_invented_numbers", "Nice 5 km!", ctx).passed or source == "I ran 5000 m"


def test_yaml_base_60_reading_is_explained_not_trusted() -> None:
    ctx = coach(context={"easy_pace": 330, "ftp": 250})  # YAML 1.1 made `easy_pace: 5:30` into 330
    result = run_check("no_invented_numbers", "Run at 5:30/km, not 4:10/km.", ctx)
    assert not result.passed
    assert "'5:30', '4:10'" in result.detail
    assert "YAML reads an unquoted 5:30 as 330" in result.detail


def test_list_markers_can_be_checked_too() -> None:
    reply = "3. Rest\n4. Hydrate"
    result = run_check("no_invented_numbers", reply, coach(context={}), ignore_list_markers=False)
    assert not result.passed
    assert "'3', '4'" in result.detail and result.span == (0, 1)


def test_a_marker_number_used_as_a_value_still_counts() -> None:
    reply = "1. Rest\nThen 1 more day"
    result = run_check("no_invented_numbers", reply, coach(context={}))
    assert not result.passed and result.span == (13, 14)


def test_allow_list() -> None:
    reply = "Sleep 8 hours and drink 2 litres; use mp3 playlists."
    assert not run_check("no_invented_numbers", reply, coach()).passed
    assert run_check("no_invented_numbers", reply, coach(), allow=[8, "2", "MP3"]).passed
    assert CheckSpec.parse({"no_invented_numbers": [8, 2.5]}).args["allow"] == [8, 2.5]
    assert CheckSpec.parse({"no_invented_numbers": 8}).args["allow"] == [8]
    assert run_check("no_invented_numbers", "tiny 0.00001", coach(context={}), allow=[1e-05]).passed


@pytest.mark.parametrize(
    ("allow", "message"),
    [
        pytest.param([True], "numbers or strings", id="bool"),
        pytest.param(["abc"], "holds no number", id="no-number"),
        pytest.param([float("nan")], "not a finite number", id="nan"),
        pytest.param([{"a": 1}], "numbers or strings", id="mapping"),
    ],
)
def test_allow_list_is_validated_at_load(allow: list[Any], message: str) -> None:
    with pytest.raises(CheckArgError) as info:
        CheckSpec.parse({"no_invented_numbers": {"allow": allow}})
    assert message in str(info.value)


def test_number_words_in_the_prompt_ground_digits() -> None:
    ctx = coach(user="Give me three tips for a twenty minute run", context={})
    assert run_check("no_invented_numbers", "Here are 3 tips for your 20 min run.", ctx).passed
    assert not run_check("no_invented_numbers", "Here are 4 tips.", ctx).passed


def test_numbers_must_come_from_the_case_not_other_turns() -> None:
    ctx = CheckContext(
        messages=(
            Message("system", "Coach."),
            Message("user", "My HR was 150"),
            Message("assistant", "Your max is 190"),
            Message("user", "And now?"),
        )
    )
    assert run_check("no_invented_numbers", "Still 150.", ctx).passed
    assert not run_check("no_invented_numbers", "Max 190.", ctx).passed


@pytest.mark.parametrize(
    ("token", "alternatives"),
    [
        ("5k", ((5,), (5000,))),
        ("10km", ((10,),)),
        ("5:30", (((5, 30),),)),
        ("4,5", ((Decimal("4.5"),), (4, 5))),
        ("1,000", ((1000,),)),
        ("10 000", ((10000,), (10, 0))),
        ("1,234.56", ((Decimal("1234.56"),), (1, 234, 56))),
        ("1.234,56", ((Decimal("1234.56"),), (1, 234, 56))),
        ("-5", ((-5,),)),
        ("2nd", ((2,),)),
        ("Z7", (("z7",),)),
        ("1.2.3", (("1.2.3",),)),
        ("135M", ((135,), (135_000_000,))),
    ],
)
def test_read_token(token: str, alternatives: tuple[Any, ...]) -> None:
    assert read_token(token).alternatives == alternatives


@pytest.mark.parametrize(
    ("context", "reply"),
    [
        ({"recent_10k": "48:10"}, "Your 10k in 48:10 was strong."),
        ({"recent_10k": "48:10"}, "Your last 10 km took 48:10."),
        ({"zone2_max_hr": 152}, "Zone2 tops out at 152 bpm."),
        ({"hr": {"best_5k_time": "22:40"}}, "Your best 5k took 22:40."),
        ({"splits_km": {5: "25:00"}}, "Your 5 km split was 25:00."),
    ],
    ids=["underscore-10k", "underscore-10", "identifier-in-key", "nested-key", "integer-key"],
)
def test_numbers_in_context_keys_are_given(context: dict[str, Any], reply: str) -> None:
    result = run_check("no_invented_numbers", reply, coach(user="How was my week?", context=context))
    assert result.passed, result.detail


def test_a_context_key_grounds_only_its_own_numbers() -> None:
    ctx = coach(user="How was my week?", context={"recent_10k": "48:10", "zone2_max": 150})
    result = run_check("no_invented_numbers", "Your 5k in 48:10 was strong.", ctx)
    assert not result.passed
    assert shows(result.detail, "5k")
    result = run_check("no_invented_numbers", "Rest 2 days.", ctx)  # zone2 is a name, as in prose
    assert not result.passed
    assert shows(result.detail, "2")


def test_values_nested_in_lists_and_mappings_are_given() -> None:
    context = {"weeks": [{"long_run_km": 18}, {"long_run_km": [21, {"note": "then 24 km"}]}], "hr": ({"max": 188},)}
    ctx = coach(user="Plan?", context=context)
    assert run_check("no_invented_numbers", "Long runs: 18, 21 and 24 km; max HR 188.", ctx).passed
    result = run_check("no_invented_numbers", "Long runs: 18, 21 and 25 km.", ctx)
    assert not result.passed
    assert shows(result.detail, "25")


def test_context_is_read_recursively() -> None:
    sources = case_sources(coach())
    assert {18, 250, 42, Decimal("48.5"), Decimal("71.5"), 130, 145, 160, 172, -5, 965} <= sources.numbers
    assert (5, 30) in sources.times and (10, 30) in sources.times
    assert (4, 10) not in sources.times  # 250 W is not a clock time


# --------------------------------------------------------------------------- hostile input


@pytest.mark.parametrize(
    "reply",
    [
        pytest.param("1 " * 500_000, id="dense-grounded"),
        pytest.param(" ".join(str(i) for i in range(150_000)), id="dense-distinct"),
        pytest.param("1" * 1_000_000, id="one-long-number"),
        pytest.param("1." * 500_000, id="one-long-dotted-run"),
        pytest.param("١٥٠ " * 250_000, id="arabic-digits"),
        pytest.param("a" * 1_000_000 + "1", id="long-word-then-digit"),
        pytest.param("\x00\ud800\u202e" * 300_000 + "7", id="nul-surrogate-rtl"),
        pytest.param("1. x\n" * 200_000, id="many-markers"),
        pytest.param("hello world " * 90_000, id="no-digits"),
    ],
)
def test_hostile_replies_get_a_quick_verdict(reply: str) -> None:
    started = time.process_time()
    result = run_check("no_invented_numbers", reply, coach(user="HR 150 and 1"))
    assert_bounded(started)
    assert not result.error
    assert len(result.detail) < 3000


# --------------------------------------------------------------------------- properties

FORMATS = [
    lambda n: str(n),
    lambda n: f"{n:,}",
    lambda n: f"{n}.0",
    lambda n: str(n).translate({ord("0") + i: 0x660 + i for i in range(10)}),
    lambda n: str(n).translate({ord("0") + i: 0x6F0 + i for i in range(10)}),
]


@settings(max_examples=150, deadline=None)
@given(
    known=st.lists(st.integers(0, 10**7), min_size=1, max_size=6, unique=True),
    data=st.data(),
)
def test_property_numbers_from_the_context_pass_in_any_format(known: list[int], data: Any) -> None:
    ctx = coach(user="hi", context={"facts": {f"k{i}": n for i, n in enumerate(known)}})
    picked = data.draw(st.lists(st.sampled_from(known), min_size=1, max_size=6))
    words = [data.draw(st.sampled_from(FORMATS))(n) for n in picked]
    reply = "Noted: " + " and ".join(words) + "."
    result = run_check("no_invented_numbers", reply, ctx)
    assert result.passed, (reply, result.detail)


@settings(max_examples=150, deadline=None)
@given(
    known=st.lists(st.integers(0, 10**6), min_size=1, max_size=5, unique=True),
    invented=st.integers(0, 10**6),
    arabic=st.booleans(),
)
def test_property_a_number_outside_the_context_is_named(known: list[int], invented: int, arabic: bool) -> None:
    if invented in known or any(-k == invented for k in known):
        return
    ctx = coach(user="hi", context={"facts": known})
    shown = str(invented)
    if arabic:
        shown = shown.translate({ord("0") + i: 0x660 + i for i in range(10)})
    reply = f"Known {known[0]}, new {shown}."
    result = run_check("no_invented_numbers", reply, ctx)
    assert not result.passed
    assert repr(str(invented)) in result.detail
    assert span_text(reply, result) == shown


@settings(max_examples=150, deadline=None)
@given(reply=st.text(alphabet=st.sampled_from("0123456789 .,:/-–kKmZ\n٣۴é\u0301İx%"), max_size=60))
def test_property_any_text_gets_a_verdict_and_arabic_digits_agree(reply: str) -> None:
    ctx = coach(user="5 km at 5:30, HR 140-150, 1,000 steps")
    result = run_check("no_invented_numbers", reply, ctx)
    assert not result.error, result.detail
    if not result.passed and result.span is not None:
        assert 0 <= result.span[0] < result.span[1] <= len(reply)
    arabic = reply.translate({ord("0") + i: 0x660 + i for i in range(10)})
    again = run_check("no_invented_numbers", arabic, ctx)
    assert again.passed == result.passed
    assert again.span == result.span
