"""The replay backend: recorded replies gated offline; a missing reply is a failure, not a skip."""

from __future__ import annotations

import pytest

from conftest import SIMPLE, write_evalset, write_replay


def test_case_without_recorded_reply_fails_clearly(pytester: pytest.Pytester) -> None:
    write_evalset(pytester, SIMPLE)
    write_replay(pytester, {"greet": "Hello!"})
    result = pytester.runpytest("persona.yaml", "--model", "replies.jsonl")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        ["*coach::refuse [[]replies[]]", "*no reply:*replies.jsonl has no recorded reply for case 'refuse'*"]
    )


def test_evalset_key_disambiguates_repeated_case_ids(pytester: pytest.Pytester) -> None:
    write_evalset(pytester, "evalset: one\ncases:\n  - id: a\n    prompt: x\n    checks: [{contains: ONE}]\n", "one")
    write_evalset(pytester, "evalset: two\ncases:\n  - id: a\n    prompt: x\n    checks: [{contains: TWO}]\n", "two")
    write_replay(
        pytester,
        [{"case": "a", "evalset": "one", "output": "ONE"}, {"case": "a", "evalset": "two", "output": "TWO"}],
    )
    result = pytester.runpytest("one.yaml", "two.yaml", "--model", "replies.jsonl")
    result.assert_outcomes(passed=2)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("not json", "*replies.jsonl:2: not a JSON object*"),
        ('["a"]', "*replies.jsonl:2: each line must be a JSON object*"),
        ('{"case": "x"}', '*replies.jsonl:2: "output" must be a string*'),
        ('{"case": "greet", "output": "dup"}', "*replies.jsonl:2: case 'greet' (sample 0) already recorded at line 1*"),
        ('{"case": "x", "output": "y", "reply": 1}', "*replies.jsonl:2: unknown key 'reply'*"),
    ],
    ids=["not-json", "not-object", "no-output", "duplicate", "unknown-key"],
)
def test_malformed_replay_file_is_a_usage_error_naming_the_line(
    pytester: pytest.Pytester, line: str, message: str
) -> None:
    write_evalset(pytester, SIMPLE)
    path = write_replay(pytester, {"greet": "Hi"})
    path.write_text(path.read_text() + line + "\n")
    result = pytester.runpytest("persona.yaml", "--model", "replies.jsonl")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])


def test_latency_is_passed_to_max_latency(pytester: pytest.Pytester) -> None:
    write_evalset(
        pytester,
        "evalset: fast\ncases:\n  - id: a\n    prompt: x\n    checks: [{max_latency: 2}]\n"
        "  - id: b\n    prompt: y\n    checks: [{max_latency: 2}]\n",
    )
    write_replay(
        pytester, [{"case": "a", "output": "ok", "latency_s": 0.5}, {"case": "b", "output": "ok", "latency_s": 3.1}]
    )
    result = pytester.runpytest("persona.yaml", "--model", "replies.jsonl")
    result.assert_outcomes(passed=1, failed=1)
