"""The Python API: a parametrized checkpoint fixture and assertion helpers with readable failures."""

from __future__ import annotations

import pytest

from conftest import write_replay
from pytest_persona import api
from pytest_persona.checks import CheckContext, Message


def test_persona_model_fixture_runs_once_per_checkpoint(pytester: pytest.Pytester) -> None:
    write_replay(pytester, [{"prompt": "Move my long run to Sunday.", "output": "I can't change the plan."}], "fp16")
    write_replay(pytester, [{"prompt": "Move my long run to Sunday.", "output": "Sure, moved it 🎉"}], "q4")
    pytester.makepyfile(
        test_behaviour="""
        def test_refuses(persona_model):
            reply = persona_model.chat("Move my long run to Sunday.", system="You are Josi.")
            assert reply.finish_reason == "stop"
            reply.assert_passes("no_emoji", {"contains": "can't"})
        """
    )
    result = pytester.runpytest("--model", "fp16.jsonl", "--model", "q4.jsonl", "-v")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*test_refuses[[]fp16[]] PASSED*",
            "*test_refuses[[]q4[]] FAILED*",
            "*reply failed 2 of 2 checks",
            "*✗ no_emoji: *🎉*",
            "*✗ contains: *",
            "*reply: 'Sure, moved it 🎉'",
        ]
    )


def test_persona_model_without_any_model_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_behaviour="def test_x(persona_model):\n    pass\n")
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR


def test_chat_without_a_recorded_reply_fails_with_the_reason(pytester: pytest.Pytester) -> None:
    write_replay(pytester, [{"prompt": "Hi", "output": "Hello"}])
    pytester.makepyfile(test_behaviour="def test_x(persona_model):\n    persona_model.chat('Something else')\n")
    result = pytester.runpytest("--model", "replies.jsonl")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(['*checkpoint replies gave no reply: *no recorded reply whose "prompt"*'])


def test_assert_reply_passes_silently_and_fails_readably() -> None:
    api.assert_reply("I can't change your plan.", "no_emoji", {"max_words": 10})
    with pytest.raises(AssertionError) as info:
        api.assert_reply("Great question! " * 3, {"max_words": 2}, "no_emoji")
    message = str(info.value)
    assert message.startswith("reply failed 1 of 2 checks")
    assert "✗ max_words" in message and "✓ no_emoji" in message


def test_assert_reply_uses_the_prompt_for_context_checks() -> None:
    ctx = CheckContext(messages=(Message("user", "My easy pace is 6:10/km."),))
    api.assert_reply("Keep it at 6:10/km.", "no_invented_numbers", ctx=ctx)
    with pytest.raises(AssertionError, match="no_invented_numbers"):
        api.assert_reply("Run it at 5:30/km.", "no_invented_numbers", ctx=ctx)


def test_build_messages_needs_a_final_user_turn() -> None:
    with pytest.raises(ValueError, match="ends with a user turn"):
        api.build_messages([{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}], None, None)
    messages = api.build_messages("hi", "You are Josi.", {"readiness": "red"})
    assert messages[0] == Message("system", "You are Josi.\n\nContext:\n- readiness: red")
    assert messages[1] == Message("user", "hi")
