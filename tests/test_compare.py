"""Paired comparison with a reference checkpoint: flips, exact McNemar, comparison items, JUnit."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from conftest import write_evalset, write_replay

CASES = [f"c{i}" for i in range(6)]


def evalset(gate: str = "") -> str:
    body = (
        "evalset: quality\n" + (f"gate: {gate}\n" if gate else "") + "defaults:\n  checks: [{contains: ok}]\ncases:\n"
    )
    return body + "".join(f"  - id: {c}\n    tags: [t{i % 2}]\n    prompt: prompt {c}\n" for i, c in enumerate(CASES))


def replies(good: set[str]) -> dict[str, str]:
    return {c: ("ok" if c in good else "no") for c in CASES}


def test_a_contract_allows_no_regression_and_shows_both_replies(pytester: pytest.Pytester) -> None:
    write_evalset(pytester, evalset())
    write_replay(pytester, replies(set(CASES)), "fp16")
    write_replay(pytester, replies(set(CASES) - {"c3"}), "q4")
    result = pytester.runpytest(
        "persona.yaml", "--model", "fp16.jsonl", "--model", "q4.jsonl", "-v", "--persona-report", "r.json"
    )
    result.stdout.fnmatch_lines(
        [
            "*quality::compare[[]q4[]] FAILED*",
            "*q4 regresses against fp16 on quality: 1 regression(s), 0 allowed",
            "*pass → fail: c3:*",
            "*fp16: 'ok'",
            "*q4: 'no'",
        ]
    )
    result.stdout.fnmatch_lines(["q4 vs fp16 on quality: 1 regression (c3), 0 improvements; McNemar p = 1 *FAIL"])
    result.stdout.fnmatch_lines(["  drift not available: the replay backend of q4 cannot score a given reply*"])
    (comparison,) = json.loads((pytester.path / "r.json").read_text())["comparisons"]
    drift = comparison.pop("drift")
    assert drift["available"] is False and "replay backend of q4 cannot score" in drift["unavailable"]
    assert drift["cases"] == []
    assert comparison == {
        "evalset": "quality",
        "checkpoint": "q4",
        "reference": "fp16",
        "regressions": ["c3"],
        "improvements": [],
        "both_pass": 5,
        "both_fail": 0,
        "errors": [],
        "p_value": 1.0,
        "max_regressions": 0,
        "alpha": 0.05,
        "max_mean_kl": None,
        "min_top1_agreement": None,
        "highest_kl": [],
        "passed": False,
        "status": "failed",
    }


def test_six_improvements_give_the_exact_p_value_and_pass(pytester: pytest.Pytester) -> None:
    write_evalset(pytester, evalset("{min_pass_rate: 0.0}"))
    write_replay(pytester, replies(set()), "fp16")
    write_replay(pytester, replies(set(CASES)), "q4")
    result = pytester.runpytest(
        "persona.yaml", "--model", "fp16.jsonl", "--model", "q4.jsonl", "--persona-report", "r.json"
    )
    (comparison,) = json.loads((pytester.path / "r.json").read_text())["comparisons"]
    assert comparison["p_value"] == pytest.approx(0.03125)
    assert comparison["improvements"] == CASES and comparison["passed"] is True
    assert result.ret == pytest.ExitCode.OK


def test_a_significant_drop_fails_even_when_regressions_are_allowed(pytester: pytest.Pytester) -> None:
    write_evalset(pytester, evalset("{min_pass_rate: 0.0}"))
    write_replay(pytester, replies(set(CASES)), "merged")
    write_replay(pytester, replies(set()), "q4")
    result = pytester.runpytest("persona.yaml", "--model", "q4.jsonl", "--model", "merged.jsonl")
    result.stdout.fnmatch_lines(["*a significant drop (exact McNemar p = 0.03125 < alpha 0.05)*"])
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_max_regressions_and_alpha_come_from_the_gate(pytester: pytest.Pytester) -> None:
    write_evalset(pytester, evalset("{min_pass_rate: 0.0, max_regressions: 2, alpha: 0.01}"))
    write_replay(pytester, replies(set(CASES)), "fp16")
    write_replay(pytester, replies({"c0", "c1", "c2", "c3"}), "q4")
    result = pytester.runpytest("persona.yaml", "--model", "fp16.jsonl", "--model", "q4.jsonl", "-k", "compare")
    result.assert_outcomes(passed=1, deselected=14)  # 12 cases, 2 gate items


def test_reference_is_chosen_or_named(pytester: pytest.Pytester) -> None:
    write_evalset(pytester, evalset())
    write_replay(pytester, replies(set(CASES)), "a")
    write_replay(pytester, replies(set(CASES)), "b")
    no_default = pytester.runpytest("persona.yaml", "--model", "a.jsonl", "--model", "b.jsonl", "--collect-only", "-q")
    assert "compare" not in no_default.stdout.str()  # neither is merged nor fp16: no comparison unless named
    named = pytester.runpytest(
        "persona.yaml", "--model", "a.jsonl", "--model", "b.jsonl", "--persona-reference", "b", "-v"
    )
    named.stdout.fnmatch_lines(["*quality::compare[[]a[]] PASSED*"])
    wrong = pytester.runpytest("persona.yaml", "--model", "a.jsonl", "--persona-reference", "fp16")
    assert wrong.ret == pytest.ExitCode.USAGE_ERROR
    wrong.stderr.fnmatch_lines(["*--persona-reference fp16: no such checkpoint (checkpoints: a)*"])


def test_junit_xml_carries_checkpoint_evalset_tags_and_failing_checks(pytester: pytest.Pytester) -> None:
    write_evalset(pytester, evalset())
    write_replay(pytester, replies(set(CASES) - {"c1"}), "q4")
    pytester.runpytest("persona.yaml", "--model", "q4.jsonl", "--junitxml", "junit.xml")
    cases = {tc.get("name"): tc for tc in ET.parse(pytester.path / "junit.xml").iter("testcase")}
    properties = {p.get("name"): p.get("value") for p in cases["c1[q4]"].iter("property")}
    assert properties == {"checkpoint": "q4", "evalset": "quality", "tags": "t1", "failing_checks": "contains"}
    assert {p.get("name") for p in cases["c0[q4]"].iter("property")} == {"checkpoint", "evalset", "tags"}
