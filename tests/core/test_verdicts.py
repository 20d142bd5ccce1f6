"""The release core on its own: pure functions over typed verdicts, no pytest run involved."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from pytest_persona.checks.base import CheckResult
from pytest_persona.core.verdicts import (
    CaseOutcome,
    CaseVerdict,
    Policy,
    SkippedCase,
    compare,
    decide,
    judge_gate,
)

CONTRACT = Policy(threshold=1.0)
BELOW = Policy(threshold=0.5)


def verdict(
    case: str,
    ok: bool | None,
    checkpoint: str = "m",
    policy: Policy = CONTRACT,
    evalset: str = "e",
    known: bool = False,
    samples: tuple[bool | None, ...] | None = None,
    needed: int = 1,
) -> CaseVerdict:
    """ok: True passes, False fails a check, None has no reply (an error)."""
    outcomes = tuple(
        CaseOutcome(
            checkpoint=checkpoint,
            evalset=evalset,
            case=case,
            sample=i,
            output="" if s is None else f"reply {i}",
            checks=() if s is None else (CheckResult("max_words", bool(s), "" if s else "too long"),),
            error="backend failed" if s is None else None,
        )
        for i, s in enumerate(samples if samples is not None else (ok,))
    )
    return CaseVerdict(outcomes, needed, policy, known_failure=known)


@dataclass
class FakeBaseline:
    path: Path = Path("base.json")
    passed: dict = field(default_factory=dict)
    outputs: dict = field(default_factory=dict)


def test_a_case_without_a_reply_is_an_error_not_a_failure() -> None:
    v = verdict("a", None)
    assert v.status == "error" and not v.passed
    assert v.reason().startswith("no reply: backend failed")


def test_repeats_an_error_only_when_the_missing_samples_could_have_carried_it() -> None:
    assert verdict("a", None, samples=(True, None, True), needed=2).status == "passed"
    assert verdict("a", None, samples=(True, None, False), needed=2).status == "error"
    assert verdict("a", None, samples=(False, None, False), needed=2).status == "failed"


def test_gate_leaves_errors_and_known_failures_out_of_the_rate() -> None:
    cases = [verdict("a", True, policy=BELOW), verdict("b", False, policy=BELOW, known=True)]
    gate = judge_gate("e", "m", BELOW, cases, skipped=1)
    assert (gate.cases, gate.passed_cases, gate.skipped, gate.pass_rate, gate.status) == (1, 1, 2, 1.0, "passed")
    gate = judge_gate("e", "m", BELOW, [*cases, verdict("c", None, policy=BELOW)])
    assert (gate.cases, gate.errors, gate.pass_rate, gate.status) == (1, 1, 1.0, "error")


def test_a_gate_of_only_errors_has_no_pass_rate_and_does_not_pass() -> None:
    gate = judge_gate("e", "m", BELOW, [verdict("a", None, policy=BELOW)])
    assert gate.pass_rate is None and gate.status == "error"
    assert "never ran" in gate.describe()
    assert gate.as_dict()["pass_rate"] is None


def test_sampled_gate_below_a_contract_is_judged_by_the_wilson_bound() -> None:
    policy = Policy(threshold=0.6)
    cases = [verdict(c, None, policy=policy, samples=(True, True, False), needed=2) for c in "abcd"]
    gate = judge_gate("e", "m", policy, cases)
    assert gate.pass_rate == 1.0 and gate.statistical
    assert gate.lower_bound is not None and gate.lower_bound < 0.6 and gate.status == "failed"


def test_compare_pairs_cases_and_counts_flips() -> None:
    ours = {c: verdict(c, ok, checkpoint="q4") for c, ok in zip("abcde", (False, True, True, False, None), strict=True)}
    ref = {
        c: verdict(c, ok, checkpoint="fp16") for c, ok in zip("abcde", (True, False, True, False, True), strict=True)
    }
    found = compare("e", "q4", "fp16", CONTRACT, ours, ref)
    assert found.regressions == ("a",) and found.improvements == ("b",)
    assert (found.both_pass, found.both_fail, found.errors) == (1, 1, ("e",))
    assert found.status == "error"  # a case without a reply cannot be compared


def test_verdicts_round_trip_through_their_serialised_form() -> None:
    v = verdict("a", None, samples=(True, None), needed=1, policy=Policy(0.8, 0.9, 2, 0.01), known=True)
    again = CaseVerdict.from_dict(v.as_dict())
    assert again == v
    s = SkippedCase("e", "a", "m", BELOW)
    assert SkippedCase.from_dict(s.as_dict()) == s


def test_a_release_with_nothing_evaluated_is_not_a_pass() -> None:
    release = decide([])
    assert release.word == "NO RESULTS" and not release.passed


def test_a_checkpoint_that_never_ran_fails_the_release_and_says_why() -> None:
    cases = [verdict(c, None, checkpoint="q4", policy=BELOW) for c in "ab"]
    release = decide(cases, never_ran={"q4": "no tokenizer.chat_template"})
    assert not release.passed
    assert release.reasons()[0] == "checkpoint q4 never ran: no tokenizer.chat_template"
    assert "1 checkpoint(s) never ran" in release.summary()


# The matrix the issue names: contract / below contract × baseline regression × comparison
# regression × load error. The rule: the release passes only when nothing of these is wrong.
@pytest.mark.parametrize(
    ("contract", "baseline_regression", "comparison_regression", "load_error"),
    list(itertools.product([True, False], repeat=4)),
)
def test_release_matrix(
    contract: bool, baseline_regression: bool, comparison_regression: bool, load_error: bool
) -> None:
    policy = CONTRACT if contract else BELOW
    # the reference passes a, b, c; the checkpoint under test fails b only when asked for a
    # comparison regression (b flips pass → fail)
    ref = [verdict(c, True, checkpoint="ref", policy=policy) for c in "abc"]
    mine_ok = {"a": True, "b": not comparison_regression, "c": True}
    if load_error:
        mine = [verdict(c, None, checkpoint="q4", policy=policy) for c in "abc"]
    else:
        mine = [verdict(c, mine_ok[c], checkpoint="q4", policy=policy) for c in "abc"]
    # in the baseline, d passed on q4; now it fails when asked for a baseline regression
    mine.append(verdict("d", not baseline_regression, checkpoint="q4", policy=policy) if not load_error else
                verdict("d", None, checkpoint="q4", policy=policy))  # fmt: skip
    ref.append(verdict("d", not baseline_regression, checkpoint="ref", policy=policy))
    baseline = FakeBaseline(passed={("e", "d", "q4"): True})
    release = decide(
        [*ref, *mine],
        reference="ref",
        baseline=baseline,
        never_ran={"q4": "failed to load"} if load_error else None,
    )
    gate = {g.checkpoint: g for g in release.gates}["q4"]
    comparison = release.comparisons[0]
    if load_error:
        assert gate.status == "error" and comparison.status == "error"
        assert release.baseline is not None and not release.baseline.regressions  # an error is not a flip
        assert not release.passed and release.never_ran
    else:
        failures = comparison_regression + baseline_regression
        # 4 cases: a contract fails on any failure; below contract (0.5) fails on none here
        assert gate.passed == (failures == 0 or not contract)
        # d fails on both sides when baseline_regression: no comparison flip from it
        assert (comparison.regressions == ("b",)) == comparison_regression
        assert comparison.passed == (not comparison_regression or not contract)
        assert release.baseline is not None and bool(release.baseline.regressions) == baseline_regression
        # below a contract, a flip is allowed (any number, no significant drop on one case);
        # a baseline regression never is
        assert release.passed == (not baseline_regression and (not comparison_regression or not contract))
    # whatever the case, the verdict word, the summary line and the serialised form agree
    assert release.word == ("PASS" if release.passed else "FAIL")
    assert release.summary().startswith(f"persona gate: {release.word}")
    assert release.as_dict()["passed"] is release.passed
    assert bool(release.reasons()) == (not release.passed)
