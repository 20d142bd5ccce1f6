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


@pytest.mark.slow
def test_a_fully_cached_run_opens_no_model_and_reads_no_vocabulary(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second run, with llama_cpp made unimportable, gives the first run's replies and
    verdicts: token counts and special tokens came from the cache, with the replies."""
    pytester.makeconftest(
        "import os, sys\nif os.environ.get('BLOCK_LLAMA'):\n    sys.modules['llama_cpp'] = None  # import fails\n"
    )
    pytester.makefile(
        ".yaml",
        gate="""
        evalset: tiny
        cases:
          - id: hello
            prompt: Say hello.
            max_tokens: 8
            checks: [{max_tokens: 3}, no_template_leak]
        """,
    )
    pytester.makepyfile(
        test_behaviour="""
        import os, pathlib
        def test_chat(persona_model):
            reply = persona_model.chat("Say hello.", max_tokens=8)
            reply.assert_passes({"max_tokens": 8}, "no_template_leak")
            pathlib.Path(os.environ["REPLY_OUT"]).write_text(reply.text, encoding="utf-8")
        """
    )
    args = ("--model", "smollm2-135m", "-p", "no:cacheprovider", "-v")
    monkeypatch.setenv("REPLY_OUT", "first.txt")
    first = pytester.runpytest_subprocess(*args)
    monkeypatch.setenv("BLOCK_LLAMA", "1")
    monkeypatch.setenv("REPLY_OUT", "second.txt")
    second = pytester.runpytest_subprocess(*args)
    outcomes = first.parseoutcomes()
    assert outcomes == {"passed": 1, "failed": 1}  # the chat test; the case (8 tokens > 3)
    assert second.parseoutcomes() == outcomes
    verdicts = [line for line in first.outlines if "::" in line and ("PASSED" in line or "FAILED" in line)]
    assert [line for line in second.outlines if line in verdicts] == verdicts
    second.stdout.fnmatch_lines(["*max_tokens: * tokens > 3 (checkpoint tokenizer)*"])  # counted, from the cache
    first_text = (pytester.path / "first.txt").read_text("utf-8")
    assert first_text.strip() and (pytester.path / "second.txt").read_text("utf-8") == first_text
    # without the cache the blocked run cannot answer: the cache, not luck, gave the replies
    uncached = pytester.runpytest_subprocess(*args, "--persona-cache", "off")
    assert uncached.ret != 0
    uncached.stdout.fnmatch_lines(["*llama*"])
