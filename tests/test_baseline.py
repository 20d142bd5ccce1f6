"""Baselines: save a run, gate the next one against it; regressions fail, new passes are listed."""

from __future__ import annotations

import json

import pytest

from conftest import write_evalset, write_replay

QUALITY = """
    evalset: quality
    gate: {min_pass_rate: 0.5}
    defaults:
      checks: [{contains: ok}]
    cases:
      - {id: a, prompt: one}
      - {id: b, prompt: two}
      - {id: c, prompt: three}
"""


def test_round_trip_regressions_fail_and_new_passes_are_listed(pytester: pytest.Pytester) -> None:
    write_evalset(pytester, QUALITY)
    write_replay(pytester, {"a": "ok", "b": "ok", "c": "no"}, "q4")
    first = pytester.runpytest("persona.yaml", "--model", "q4.jsonl", "--persona-save-baseline", "base/last.json")
    assert first.ret == pytest.ExitCode.OK  # c fails, but 2/3 clears the 0.5 gate (c is an xfail)
    saved = json.loads((pytester.path / "base" / "last.json").read_text())
    assert {(r["case"], r["passed"]) for r in saved["results"]} == {("a", True), ("b", True), ("c", False)}

    write_replay(pytester, {"a": "ok", "b": "failed now", "c": "ok"}, "q4")
    second = pytester.runpytest(
        "persona.yaml", "--model", "q4.jsonl", "--persona-baseline", "base/last.json", "--persona-report", "r.json"
    )
    assert second.ret == pytest.ExitCode.TESTS_FAILED  # b regressed: a failure even below the contract
    second.stdout.fnmatch_lines(
        [
            "*quality::b [[]q4[]] failed 1 of 1 checks",
            "*regression: passed in the baseline*last.json, whose reply was: 'ok'",
            "*baseline*last.json: 1 regression(s), 1 new pass(es)",
            "*pass → fail: quality::b[[]q4[]]",
            "*fail → pass: quality::c[[]q4[]]",
        ]
    )
    baseline = json.loads((pytester.path / "r.json").read_text())["baseline"]
    assert baseline["regressions"] == [
        {"evalset": "quality", "case": "b", "checkpoint": "q4", "before": "ok", "now": "failed now"}
    ]
    assert baseline["new_passes"] == [{"evalset": "quality", "case": "c", "checkpoint": "q4"}]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "*not JSON*"),
        ('{"gates": []}', '*not a pytest-persona JSON report (no "results")*'),
        (None, "*cannot read*"),
    ],
    ids=["not-json", "not-a-report", "missing"],
)
def test_a_bad_baseline_is_a_usage_error(pytester: pytest.Pytester, content: str | None, message: str) -> None:
    write_evalset(pytester, QUALITY)
    write_replay(pytester, {"a": "ok"}, "q4")
    if content is not None:
        (pytester.path / "last.json").write_text(content)
    result = pytester.runpytest("persona.yaml", "--model", "q4.jsonl", "--persona-baseline", "last.json")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])
