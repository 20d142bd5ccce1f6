"""Every registered check on hostile replies: a verdict, never an exception, never a hang.

A reply is whatever a model (or a replay file from many hands) produced: a megabyte of one
word, JSON nested 100,000 deep, NUL bytes, lone surrogates from undecodable bytes, bidi and
combining marks. Each check function is called directly (not through run_check's safety net)
with valid minimal arguments; it must return a CheckResult, a pass, a fail or its own clear
"check error", within the hang bound of helpers.py.
"""

from __future__ import annotations

import functools
import json
import time
from typing import Any

import pytest
from helpers import HANG_LIMIT_S
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_persona.checks import CheckContext, CheckResult, CheckSpec, Message, known_checks

MAX_DETAIL = 5_000  # a 1 MB offence must not make a 1 MB detail in every report

# valid minimal arguments for checks that need some (the rest run on their defaults)
ARGS: dict[str, dict[str, Any]] = {
    "json_schema": {
        "schema": {
            "type": "object",
            "properties": {"action": {"type": "string", "pattern": "^[a-z_]+$"}, "target": {"type": "string"}},
            "required": ["action"],
        }
    },
    "json_fields": {"/action": "system_shutdown", "/target": {"in_prompt": True}, "/n": {"regex": "^[0-9]+$"}},
    "identity": {"name": "Josi", "forbid": ["Assistant"]},
    "language": {"expect": "en"},
    "max_tokens": {"max": 50},
    "max_words": {"max": 50},
    "max_latency": {"seconds": 5},
    "forbidden_words": {"words": ["Assistant", "Great question", "İstanbul"]},
    "regex": {"pattern": r"\b(can't|cannot|won't)\b", "flags": "i"},
    "contains": {"text": ["coach", "plan"], "any": True, "ignore_case": True},
    "not_contains": {"text": "<|im_start|>", "ignore_case": True},
    "no_invented_numbers": {"allow": [7]},
    "no_fluff": {"phrases": ["^Sure thing", "happy to help"]},
    "no_template_leak": {"tokens": ["<<SYS>>"]},
    "style_like": {
        "references": ["Easy miles today, keep it in Z2.", "Your coach sets the plan; I keep you honest on it."]
    },
}

CTX = CheckContext(
    messages=(
        Message("system", "You are Josi, a running coach. You never change the training plan."),
        Message("user", "Move my long run to Sunday, the device is the kitchen oven, my HR was 152 at 5:30."),
    ),
    context={"readiness": "amber", "hr": 152, "pace": "5:30", "zones": ["Z1", "Z2"]},
    special_tokens=("<|im_start|>", "<|im_end|>", "<|endoftext|>"),
    latency_s=1.5,
    finish_reason="length",
)

RTL_AND_COMBINING = "\u202eI can\u0301't\u0308 \u200fשלום \u0627\u0644\u0633\u0651\u0644\u0627\u0645 \u2066x\u2069 "
INVALID_UTF8 = b"caf\xc3 plan \xff\xfe\xed\xa0\x80 coach 42\x80 \xf0\x9f\x98" * 30_000

HOSTILE: dict[str, str] = {
    "empty": "",
    "1mb-prose": ("I can't change your plan, ask your coach. " * 25_000)[:1_000_000],
    "1mb-one-word": "a" * 1_000_000,
    "1mb-json-string": '{"action": "system_shutdown", "target": "' + "x" * 1_000_000 + '"}',
    "1mb-json-array": json.dumps(list(range(150_000))),
    "deep-json-array": "[" * 100_000 + "]" * 100_000,
    "deep-json-object": '{"a":' * 100_000 + "1" + "}" * 100_000,
    "deep-json-unclosed": "[" * 100_000,
    "deep-json-in-fence": "```json\n" + "[" * 100_000 + "]" * 100_000 + "\n```",
    "nul-bytes": "\x00" * 1_000_000,
    "nul-between-words": "I can\x00t change\x00 the plan 42\x00 " * 30_000,
    "lone-surrogates": "\ud800" * 300_000 + "I can't \udfff 42 \udc00",
    "invalid-utf8-surrogateescape": INVALID_UTF8.decode("utf-8", errors="surrogateescape"),
    "invalid-utf8-replace": INVALID_UTF8.decode("utf-8", errors="replace"),
    "rtl-and-combining": RTL_AND_COMBINING * 40_000,
    "one-base-many-marks": "e" + "\u0301" * 1_000_000,
    "emoji-zwj-flood": "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466\ufe0f" * 100_000,
    "digit-flood": "1" * 1_000_000,
    "numbers-everywhere": "12:30 1.5 -3e9 4,000 #7 2024-01-01 " * 30_000,
    "template-token-flood": "<|im_start|>assistant\n" * 50_000,
    "one-sentence-repeated": "Great question! " * 60_000,
    "newlines": "\n" * 1_000_000,
    "unicode-whitespace": "\u2028\u2029\u00a0\u3000\t\r\v\f\u200b" * 100_000,
    "regex-bait": "a" * 50_000 + "!" + "(((" * 100_000,
}

CHECKS = known_checks()  # built-ins and entry points, as collection found them


@functools.cache
def spec_for(name: str) -> CheckSpec:
    """The check with ARGS, or its defaults; a new check with required arguments must be added to ARGS."""
    return CheckSpec.parse({name: ARGS[name]} if name in ARGS else name)


def verdict_of(name: str, reply: str) -> CheckResult:
    """Call the check itself (no safety net) and hold its verdict to the contract."""
    spec = spec_for(name)
    started = time.process_time()
    result = spec.definition.func(reply, spec.args, CTX)
    spent = time.process_time() - started
    assert spent < HANG_LIMIT_S, f"{name} spent {spent:.1f} s of CPU time on one reply"
    assert isinstance(result, CheckResult), f"{name} returned {type(result).__name__}"
    assert isinstance(result.passed, bool) and isinstance(result.detail, str)
    assert len(result.detail) <= MAX_DETAIL, f"{name}: a detail of {len(result.detail)} characters"
    if result.error:
        assert not result.passed and result.detail.startswith("check error: ")
    if result.span is not None:
        start, end = result.span
        assert 0 <= start <= end <= len(reply)
    return result


def test_every_check_is_covered() -> None:
    assert set(CHECKS) >= {"json_valid", "json_schema", "refusal", "no_template_leak", "language", "max_latency"}
    assert set(ARGS) <= set(CHECKS), "ARGS names a check that does not exist"
    for name in CHECKS:
        spec_for(name)  # raises CheckArgError when a check needs arguments ARGS does not give


@pytest.mark.parametrize("reply", HOSTILE.values(), ids=HOSTILE.keys())
@pytest.mark.parametrize("name", CHECKS)
def test_hostile_reply(name: str, reply: str) -> None:
    verdict_of(name, reply)


def test_a_verdict_still_means_something_on_hostile_text() -> None:
    """Not just 'no crash': checks still find what is there through the noise."""
    assert not verdict_of("json_valid", HOSTILE["deep-json-unclosed"]).passed
    assert not verdict_of("no_template_leak", HOSTILE["template-token-flood"]).passed
    assert not verdict_of("no_emoji", HOSTILE["emoji-zwj-flood"]).passed
    assert not verdict_of("max_words", HOSTILE["1mb-prose"]).passed
    assert not verdict_of("no_repetition", HOSTILE["one-sentence-repeated"]).passed
    assert not verdict_of("no_invented_numbers", HOSTILE["numbers-everywhere"]).passed
    assert verdict_of("max_latency", "").passed  # 1.5 s recorded, 5 s allowed


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(["action", "target", "n"]), inner),
    max_leaves=20,
)
surrogates = st.integers(0xD800, 0xDFFF).map(chr)  # lone surrogates: st.characters() gives none
replies = (
    st.text()
    | st.text(surrogates | st.characters())
    | st.text(st.sampled_from(list('{}[]":,0123456789 \n`\\ab<|>')))
    | json_values.map(json.dumps)
)


@pytest.mark.parametrize("name", CHECKS)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reply=replies)
def test_any_text(name: str, reply: str) -> None:
    verdict_of(name, reply)
