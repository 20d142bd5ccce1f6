"""Quantization drift as pure functions: per-token KL over the reference's top-k plus the rest,
top-1 agreement, p(ref token), the aggregates, and the drift gate keys of a comparison."""

from __future__ import annotations

import math
import random

import pytest

from pytest_persona.backends.scoring import ScoreRequest, TokenScores, scores_from_logits
from pytest_persona.checks.base import CheckResult, Message
from pytest_persona.core.drift import CaseDrift, Drift, case_drift, quantile, token_drift
from pytest_persona.core.verdicts import CaseOutcome, CaseVerdict, Policy, compare


def softmax_logs(logits: list[float]) -> list[float]:
    peak = max(logits)
    total = math.log(sum(math.exp(x - peak) for x in logits)) + peak
    return [x - total for x in logits]


def exact_kl(p_logs: list[float], q_logs: list[float]) -> float:
    return sum(math.exp(p) * (p - q) for p, q in zip(p_logs, q_logs, strict=True))


def scores(rows: list[list[float]], tokens: list[int], top_k: int, ids: list[list[int]] | None = None) -> TokenScores:
    """Scores of a made-up model whose logits at each reply position are ``rows``."""
    request = ScoreRequest((Message("user", "hi"),), tuple(tokens), top_k, tuple(map(tuple, ids)) if ids else None)
    return scores_from_logits([[0.0] * len(rows[0])] + rows, 1, request)


def test_full_vocabulary_top_k_gives_the_exact_kl_and_a_smaller_k_a_lower_bound() -> None:
    rng = random.Random(7)
    vocab, positions = 50, 6
    ref_rows = [[rng.gauss(0, 2) for _ in range(vocab)] for _ in range(positions)]
    ck_rows = [[x + rng.gauss(0, 0.5) for x in row] for row in ref_rows]
    tokens = [max(range(vocab), key=row.__getitem__) for row in ref_rows]
    exact = [exact_kl(softmax_logs(r), softmax_logs(c)) for r, c in zip(ref_rows, ck_rows, strict=True)]
    for k, tolerance in ((vocab, 1e-5), (8, None)):  # scores are float32
        ref = scores(ref_rows, tokens, k)
        ck = scores(ck_rows, tokens, 1, [list(row) for row in ref.top_ids])
        drift = case_drift("c", ref, ck)
        for measured, true in zip(drift.kl, exact, strict=True):
            if tolerance is not None:
                assert measured == pytest.approx(true, abs=tolerance)
            else:  # merging the tail into one bucket never raises a KL
                assert 0.0 <= measured <= true + 1e-6
    assert sum(exact) > 0.05  # the models do differ


def test_top1_agreement_and_p_of_the_reference_token() -> None:
    ref = scores([[5.0, 0.0, 0.0], [0.0, 5.0, 0.0]], [0, 1], 3)
    ck = scores([[5.0, 0.0, 0.0], [0.0, 0.0, 5.0]], [0, 1], 1, [list(r) for r in ref.top_ids])
    drift = case_drift("c", ref, ck)
    assert drift.same_top1 == 1 and drift.top1_agreement == 0.5
    p_hit = math.exp(5) / (math.exp(5) + 2)
    assert drift.p_ref_token == pytest.approx((p_hit + 1 / (math.exp(5) + 2)) / 2, rel=1e-6)
    assert drift.kl[0] == pytest.approx(0.0, abs=1e-6) and drift.kl[1] > 1.0


def test_identical_models_have_zero_drift() -> None:
    rows = [[1.0, 2.0, 3.0, 0.5]] * 3
    ref = scores(rows, [2, 2, 2], 2)
    ck = scores(rows, [2, 2, 2], 1, [list(r) for r in ref.top_ids])
    kls, same, _ = token_drift(ref.top_ids, ref.top_logprobs, ck.asked, [r[0] for r in ck.top_ids], ck.target)
    assert max(kls) < 1e-6 and same == 3


def test_aggregates_are_token_weighted_and_the_highest_come_first() -> None:
    drift = Drift("e", "q4", "fp16", (CaseDrift("a", (0.1, 0.3), 1, 0.5), CaseDrift("b", (0.0, 0.0, 0.0, 0.0), 4, 0.9)))
    assert drift.tokens == 6
    assert drift.mean_kl == pytest.approx(0.4 / 6)
    assert drift.top1_agreement == pytest.approx(5 / 6)
    assert drift.p_ref_token == pytest.approx((0.5 * 2 + 0.9 * 4) / 6)
    assert drift.median_kl == 0.0 and drift.p99_kl == pytest.approx(quantile([0, 0, 0, 0, 0.1, 0.3], 0.99))
    assert [c.case for c in drift.highest()] == ["a", "b"]
    again = Drift.from_dict(drift.as_dict())
    assert again.mean_kl == pytest.approx(drift.mean_kl) and again.cases[0].kl == (0.1, 0.3)


def test_quantile_matches_linear_interpolation() -> None:
    assert quantile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert quantile([1.0, 2.0, 3.0, 4.0], 0.99) == pytest.approx(3.97)
    assert quantile([], 0.5) == 0.0


def test_token_scores_round_trip_through_their_cache_form() -> None:
    ref = scores([[1.0, 2.0, 3.0], [3.0, 1.0, 0.0]], [2, 0], 2)
    back = TokenScores.from_dict(ref.as_dict())
    assert back.top_ids == ref.top_ids
    assert back.target == pytest.approx(ref.target, abs=1e-6)
    damaged = ref.as_dict() | {"n": 5}
    with pytest.raises(ValueError, match="shape"):
        TokenScores.from_dict(damaged)


def verdicts(passed: dict[str, bool], checkpoint: str, policy: Policy) -> dict[str, CaseVerdict]:
    out = {}
    for case, ok in passed.items():
        checks = () if ok else (CheckResult("contains", False, "missing"),)
        out[case] = CaseVerdict((CaseOutcome(checkpoint, "e", case, 0, "ok" if ok else "no", checks),), policy=policy)
    return out


DRIFT = Drift("e", "q4", "fp16", (CaseDrift("a", (0.2, 0.4), 1, 0.6), CaseDrift("b", (0.01,), 1, 0.95)))


def test_drift_gate_keys_fail_a_comparison_and_say_why() -> None:
    policy = Policy(threshold=0.5, max_mean_kl=0.1, min_top1_agreement=0.9)
    ours = verdicts({"a": False, "b": True}, "q4", policy)
    theirs = verdicts({"a": True, "b": True}, "fp16", policy)
    found = compare("e", "q4", "fp16", policy, ours, theirs, DRIFT)
    assert found.status == "failed"
    assert "mean KL 0.2033 nats/token > max_mean_kl 0.1" in found.describe()
    assert "same top-1 66.7% < min_top1_agreement 90.0%" in found.describe()
    assert found.highest_drift()[0] == {"case": "a", "mean_kl": 0.3, "max_kl": 0.4, "top1_agreement": 0.5,
                                        "flip": "pass → fail"}  # fmt: skip
    relaxed = Policy(threshold=0.5, max_mean_kl=0.5, min_top1_agreement=0.5)
    assert compare("e", "q4", "fp16", relaxed, ours, theirs, DRIFT).status == "passed"


def test_drift_that_cannot_be_measured_is_reported_and_errs_only_when_gated() -> None:
    policy = Policy(threshold=0.5)
    ours, theirs = verdicts({"a": True}, "q4", policy), verdicts({"a": True}, "fp16", policy)
    missing = Drift("e", "q4", "fp16", unavailable="the replay backend of q4 cannot score a given reply")
    assert compare("e", "q4", "fp16", policy, ours, theirs, missing).status == "passed"
    gated = Policy(threshold=0.5, max_mean_kl=0.1)
    found = compare("e", "q4", "fp16", gated, ours, theirs, missing)
    assert found.status == "error"
    assert "the gate asks for drift, and the replay backend of q4 cannot score" in found.describe()
    assert Policy.from_dict(gated.as_dict()) == gated
