"""Gates: a contract fails on any case; below 1.0, failing cases xfail and one gate item decides."""

from __future__ import annotations

import pytest

from conftest import write_evalset, write_replay

QUALITY = """
    evalset: quality
    gate: {min_pass_rate: %s}
    defaults:
      checks: [{max_words: 3}]
    cases:
      - id: c1
        prompt: one
      - id: c2
        prompt: two
      - id: c3
        prompt: three
      - id: c4
        prompt: four
"""
REPLIES = {"c1": "short", "c2": "short too", "c3": "this one is far too long", "c4": "ok"}


def test_contract_case_failure_fails_the_run_with_a_readable_reason(pytester: pytest.Pytester) -> None:
    write_evalset(pytester, QUALITY % "1.0")
    write_replay(pytester, REPLIES)
    result = pytester.runpytest("persona.yaml", "--model", "replies.jsonl")
    result.assert_outcomes(passed=3, failed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "*quality::c3 [[]replies[]] failed 1 of 1 checks",
            "*prompt: three",
            "*reply:  this one is far too long",
            "*✗ max_words: *",
            "quality*replies*4*3*75.0%*100%*FAIL",
        ]
    )
    assert "Traceback" not in result.stdout.str()


def test_below_threshold_cases_xfail_and_the_gate_item_passes(pytester: pytest.Pytester) -> None:
    write_evalset(pytester, QUALITY % "0.75")
    write_replay(pytester, REPLIES)
    result = pytester.runpytest("persona.yaml", "--model", "replies.jsonl", "-rx")
    result.assert_outcomes(passed=4, xfailed=1)  # 3 cases + the gate item
    result.stdout.fnmatch_lines(["*persona gate: PASS*", "*XFAIL*quality::c3[[]replies[]]*max_words*"])
    assert result.ret == pytest.ExitCode.OK


def test_gate_item_fails_when_the_rate_is_under_the_threshold(pytester: pytest.Pytester) -> None:
    write_evalset(pytester, QUALITY % "0.8")
    write_replay(pytester, REPLIES)
    result = pytester.runpytest("persona.yaml", "--model", "replies.jsonl", "-v")
    result.assert_outcomes(passed=3, xfailed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*quality::gate[[]replies[]] FAILED*",
            "*gate failed for quality × replies: pass rate 75.0% (3/4) is below the threshold 80.0%",
            "*failing cases: c3",
        ]
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_gate_item_judges_all_cases_even_when_only_it_is_selected(pytester: pytest.Pytester) -> None:
    write_evalset(pytester, QUALITY % "0.8")
    write_replay(pytester, REPLIES)
    result = pytester.runpytest("persona.yaml", "--model", "replies.jsonl", "-k", "gate")
    result.assert_outcomes(failed=1, deselected=4)


def test_skip_and_xfail_cases_are_reported_and_left_out_of_the_gate(pytester: pytest.Pytester) -> None:
    write_evalset(
        pytester,
        """
        evalset: coach
        defaults:
          checks: [{max_words: 3}]
        cases:
          - id: ok
            prompt: a
          - id: later
            prompt: b
            skip: needs the 1.7B model
          - id: known
            prompt: c
            xfail: loops on long prompts (issue 12)
        """,
    )
    write_replay(pytester, {"ok": "fine", "later": "x", "known": "this reply is much too long"})
    result = pytester.runpytest("persona.yaml", "--model", "replies.jsonl", "-rsx")
    result.assert_outcomes(passed=1, skipped=1, xfailed=1)
    result.stdout.fnmatch_lines(["coach*replies*1*1*100.0%*PASS", "*needs the 1.7B model*", "*loops on long prompts*"])
    assert result.ret == pytest.ExitCode.OK


def test_gates_are_per_checkpoint(pytester: pytest.Pytester) -> None:
    write_evalset(pytester, QUALITY % "1.0")
    write_replay(pytester, REPLIES, "q4")
    write_replay(pytester, {**REPLIES, "c3": "short now"}, "fp16")
    result = pytester.runpytest("persona.yaml", "--model", "fp16.jsonl", "--model", "q4.jsonl")
    result.stdout.fnmatch_lines(["quality*fp16*4*4*100.0%*PASS", "quality*q4*4*3*75.0%*FAIL", "*1 of 2*"])
    assert result.ret == pytest.ExitCode.TESTS_FAILED
