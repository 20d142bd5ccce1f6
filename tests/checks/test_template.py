"""Tests for ``no_template_leak``: chat-template tokens and turn markers in replies."""

from __future__ import annotations

import time

import pytest
from helpers import assert_bounded
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_persona.checks import CheckArgError, CheckContext, CheckSpec, run_check

LEAKS = {
    "claudio-zephyr-user": ("Sure.\n<|user|>\nUser Story: as a", "<|user|>"),
    "chatml-im-end": ("Hello there<|im_end|>", "<|im_end|>"),
    "chatml-im-start": ("<|im_start|>assistant\nHi", "<|im_start|>"),
    "llama2-inst": ("[INST] hi [/INST] ok", "[INST]"),
    "llama2-sys": ("<<SYS>>\nYou are Josi\n<</SYS>>", "<<SYS>>"),
    "llama2-eos": ("Done.</s>", "</s>"),
    "llama2-bos": ("<s>[INST] hi", "<s>"),
    "llama3-header": ("<|start_header_id|>assistant<|end_header_id|>\n\nHi", "<|start_header_id|>"),
    "llama3-eot": ("Bye<|eot_id|>", "<|eot_id|>"),
    "gemma-turn": ("<start_of_turn>model\nHi<end_of_turn>", "<start_of_turn>"),
    "phi-end": ("Answer.<|end|>", "<|end|>"),
    "endoftext": ("Answer.<|endoftext|>", "<|endoftext|>"),
    "any-pipe-token": ("Answer <|custom_token|> tail", "<|custom_token|>"),
    "deepseek-bars": ("<｜begin▁of▁sentence｜>Hi", "<｜begin▁of▁sentence｜>"),
    "alpaca-instruction": ("### Instruction:\nDo x\n### Response:\nok", "### Instruction:"),
    "alpaca-response": ("Here.\n### Response: fine", "### Response:"),
    "user-line": ("Answer.\nUser: and then?", "User:"),
    "assistant-line": ("Assistant: Excellent Haitham, let me explain", "Assistant:"),
    "system-line": ("ok\nSystem: you are a bot", "System:"),
    "human-line": ("ok\nHuman: next", "Human:"),
    "bare-template-word": ("im_start assistant hi", "im_start"),
}
CLEAN = {
    "plain": "Run easy today and rest tomorrow.",
    "html-strike": "Use <s> for strikethrough in HTML.",
    "mid-line-user": "The user: a person who uses the app.",
    "code-fence-yaml": "Here:\n```yaml\nuser: admin\nsystem: linux\n```\nDone.",
    "pipes-not-token": "a | b | c",
    "comparison": "x <| y is not a token",
    "arabic": "لأنها ركزت على المنتج ونسيت العميل.",
}


@pytest.mark.parametrize(("reply", "leak"), LEAKS.values(), ids=LEAKS.keys())
def test_leaks_fail_with_the_first_leak_spanned(reply: str, leak: str) -> None:
    result = run_check("no_template_leak", reply)
    assert not result.passed
    assert result.span is not None
    assert reply[slice(*result.span)] == leak
    assert f"»{leak}«" in result.detail
    assert repr(leak) in result.detail


@pytest.mark.parametrize("reply", CLEAN.values(), ids=CLEAN.keys())
def test_clean_replies_pass(reply: str) -> None:
    result = run_check("no_template_leak", reply)
    assert result.passed, result.detail


def test_detail_lists_every_leak_with_counts() -> None:
    reply = "<|im_start|>assistant\nhi<|im_end|>\nUser: more<|im_end|>"
    result = run_check("no_template_leak", reply)
    assert "template leak: '<|im_start|>', '<|im_end|>' ×2, 'User:'; first at 0..12" in result.detail


def test_the_checkpoint_special_tokens_are_checked() -> None:
    ctx = CheckContext(special_tokens=("<custom_eos>", "", " "))  # blank tokens are ignored
    reply = "Bye now <custom_eos>"
    result = run_check("no_template_leak", reply, ctx)
    assert not result.passed
    assert result.span is not None and reply[slice(*result.span)] == "<custom_eos>"
    assert run_check("no_template_leak", reply).passed  # not a common marker by itself


def test_user_tokens_are_added() -> None:
    spec = CheckSpec.parse({"no_template_leak": ["[[END]]"]})
    result = run_check(spec, "hi [[END]]")
    assert not result.passed and "'[[END]]'" in result.detail
    assert not run_check(spec, "hi <|im_end|>").passed  # built-ins still apply


def test_role_lines_inside_an_unclosed_fence_are_data() -> None:
    assert run_check("no_template_leak", "```\nuser: admin\n").passed
    assert not run_check("no_template_leak", "```\nuser: admin\n<|im_end|>").passed  # tokens count anywhere


def test_bad_arguments() -> None:
    with pytest.raises(CheckArgError):
        CheckSpec.parse({"no_template_leak": {"tokens": [1]}})
    with pytest.raises(CheckArgError):
        CheckSpec.parse({"no_template_leak": {"token": "x"}})


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(codec="ascii", exclude_characters="<>[]#:\n\r|_"), max_size=300))
def test_text_without_markup_characters_never_leaks(reply: str) -> None:
    assert run_check("no_template_leak", reply).passed


@settings(max_examples=100, deadline=None)
@given(
    st.text(max_size=200),
    st.sampled_from(["<|im_end|>", "<|user|>", "[INST]", "<end_of_turn>", "<|eot_id|>", "<|x|>"]),
)
def test_a_marker_anywhere_fails(text: str, marker: str) -> None:
    reply = f"{text}{marker}{text}"
    result = run_check("no_template_leak", reply)
    assert not result.passed


HOSTILE = {
    "1mb-prose": "Sure, here is a sentence that goes on. " * 27_000,
    "pipe-flood": "<|" * 500_000,
    "token-flood": "<|a|>" * 200_000,
    "user-lines": "\nUser:" * 200_000,
    "fence-flood": "```\n" * 250_000,
    "nul-bytes": "\x00" * 1_000_000,
    "lone-surrogates": "\ud800" * 1_000_000,
    "rtl-and-combining": "\u202eabc\u0301\u0308" * 100_000,
}


@pytest.mark.parametrize("reply", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_input_gets_a_quick_verdict(reply: str) -> None:
    ctx = CheckContext(special_tokens=("<|im_start|>", "<|im_end|>"))
    started = time.process_time()
    result = run_check("no_template_leak", reply, ctx)
    assert_bounded(started)
    assert not result.error, result.detail
