"""Repeats: several sampled replies per case, k-of-n cases, and a Wilson-bounded gate."""

from __future__ import annotations

import json

import pytest

from conftest import write_evalset, write_replay
from pytest_persona.core.engine import request_for
from pytest_persona.core.evalset import load_evalset


def sampled_replies(pattern: dict[str, list[bool]]) -> list[dict]:
    return [
        {"case": case, "sample": i, "output": "ok" if good else "no"}
        for case, goods in pattern.items()
        for i, good in enumerate(goods)
    ]


def test_k_of_n_decides_a_case_and_every_sample_is_reported(pytester: pytest.Pytester) -> None:
    write_evalset(
        pytester,
        """
        evalset: sampled
        defaults: {samples: 3, k_of_n: 2, temperature: 0.8, checks: [{contains: ok}]}
        cases:
          - {id: steady, prompt: one}
          - {id: flaky, prompt: two}
        """,
    )
    write_replay(pytester, sampled_replies({"steady": [True, False, True], "flaky": [False, True, False]}))
    result = pytester.runpytest("persona.yaml", "--model", "replies.jsonl", "--persona-report", "r.json")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        ["*sampled::flaky [[]replies[]] 1/3 samples passed, 2 needed; sample 0 failed 1 of 1 checks"]
    )
    report = json.loads((pytester.path / "r.json").read_text())
    assert sorted((r["case"], r["sample"], r["passed"]) for r in report["results"]) == [
        ("flaky", 0, False), ("flaky", 1, True), ("flaky", 2, False),
        ("steady", 0, True), ("steady", 1, False), ("steady", 2, True),
    ]  # fmt: skip
    (gate,) = report["gates"]
    assert gate["passed_cases"] == 1 and gate["samples"] == 6 and gate["passed_samples"] == 3


@pytest.mark.parametrize(("passing_samples", "gate_passes"), [(20, True), (12, False)])
def test_a_sampled_gate_uses_the_wilson_lower_bound(
    pytester: pytest.Pytester, passing_samples: int, gate_passes: bool
) -> None:
    write_evalset(
        pytester,
        """
        evalset: quality
        gate: {min_pass_rate: 0.5, confidence: 0.95}
        defaults: {samples: 5, k_of_n: 1, temperature: 0.7, checks: [{contains: ok}]}
        cases:
          - {id: a, prompt: one}
          - {id: b, prompt: two}
          - {id: c, prompt: three}
          - {id: d, prompt: four}
        """,
    )
    flags = [i < passing_samples for i in range(20)]
    write_replay(pytester, sampled_replies({c: flags[i * 5 : i * 5 + 5] for i, c in enumerate("abcd")}))
    result = pytester.runpytest("persona.yaml", "--model", "replies.jsonl", "--persona-report", "r.json")
    (gate,) = json.loads((pytester.path / "r.json").read_text())["gates"]
    # 12/20 = 60 % clears 0.5 as a plain rate, but its 95 % Wilson lower bound (38.7 %) does not
    assert gate["passed"] is gate_passes
    assert gate["lower_bound"] == pytest.approx({20: 0.8389, 12: 0.3866}[passing_samples], abs=1e-3)
    if not gate_passes:
        result.stdout.fnmatch_lines(["*the 95% Wilson lower bound of the sample pass rate is 38.7% (12/20 samples)*"])
    assert result.ret == (pytest.ExitCode.OK if gate_passes else pytest.ExitCode.TESTS_FAILED)


def test_samples_get_their_own_seeds(tmp_path) -> None:
    path = tmp_path / "e.yaml"
    path.write_text(
        "evalset: s\ncases:\n  - {id: a, prompt: x, samples: 3, seed: 7, temperature: 0.9, checks: [no_emoji]}\n"
    )
    (case,) = load_evalset(path).cases
    assert [request_for(case, i).seed for i in range(case.samples)] == [7, 8, 9]


def test_k_of_n_cannot_exceed_samples(pytester: pytest.Pytester) -> None:
    write_evalset(pytester, "evalset: s\ncases:\n  - {id: a, prompt: x, samples: 2, k_of_n: 3, checks: [no_emoji]}\n")
    write_replay(pytester, {"a": "x"})
    result = pytester.runpytest("persona.yaml", "--model", "replies.jsonl")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(["*persona.yaml:3: cases[[]0[]].k_of_n: k_of_n (3) cannot exceed samples (2)*"])
