"""Hand-computed expectations for the release-decision statistics."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_persona.core.stats import mcnemar_exact, wilson_interval, wilson_lower


@pytest.mark.parametrize(
    ("regressions", "improvements", "expected"),
    [
        (0, 6, 0.03125),  # 2 * (1/2)^6
        (6, 0, 0.03125),
        (0, 0, 1.0),
        (1, 1, 1.0),
        (0, 1, 1.0),  # 2 * 1/2
        (1, 5, 0.21875),  # 2 * (1 + 6) / 64
        (2, 8, 0.109375),  # 2 * (1 + 10 + 45) / 1024
    ],
)
def test_mcnemar_exact_matches_hand_computation(regressions: int, improvements: int, expected: float) -> None:
    assert mcnemar_exact(regressions, improvements) == pytest.approx(expected)


@given(st.integers(0, 60), st.integers(0, 60))
def test_mcnemar_is_symmetric_and_a_probability(b: int, c: int) -> None:
    p = mcnemar_exact(b, c)
    assert 0 < p <= 1 and p == mcnemar_exact(c, b)


def test_wilson_bounds_at_the_edges() -> None:
    # 0/n: lower bound 0, upper z^2/(n+z^2); n/n: upper bound 1, lower n/(n+z^2)
    z2 = 1.959963984540054**2
    low, high = wilson_interval(0, 10)
    assert low == 0.0 and high == pytest.approx(z2 / (10 + z2))
    low, high = wilson_interval(10, 10)
    assert high == 1.0 and low == pytest.approx(10 / (10 + z2))
    assert wilson_interval(0, 0) == (0.0, 1.0)


def test_wilson_known_value() -> None:
    # 48 of 50 at 95 %: the textbook Wilson lower bound is 0.8654
    assert wilson_lower(48, 50) == pytest.approx(0.8654, abs=1e-4)


@given(st.integers(1, 500).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))), st.floats(0.5, 0.999))
def test_wilson_interval_contains_the_observed_rate(pair: tuple[int, int], confidence: float) -> None:
    successes, trials = pair
    low, high = wilson_interval(successes, trials, confidence)
    assert 0 <= low <= successes / trials <= high <= 1
    assert not math.isnan(low)
