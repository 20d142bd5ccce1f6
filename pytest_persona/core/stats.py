"""The statistics behind release decisions: exact McNemar for paired flips, Wilson bounds for rates.

Standard library only; exact where it matters (small counts are the common case).
"""

from __future__ import annotations

import math
from statistics import NormalDist


def mcnemar_exact(regressions: int, improvements: int) -> float:
    """Two-sided exact McNemar p-value for paired pass/fail outcomes of two checkpoints.

    Only discordant cases count: under "no difference", each flip is a regression with
    probability 1/2, so the count is Binomial(n, 1/2) with n = regressions + improvements."""
    if regressions < 0 or improvements < 0:
        raise ValueError("counts must be non-negative")
    n = regressions + improvements
    if n == 0:
        return 1.0
    k = min(regressions, improvements)
    # running binomial coefficient: linear in k (math.comb per term made it quadratic)
    term, tail = 1, 1
    for i in range(k):
        term = term * (n - i) // (i + 1)
        tail += term
    return min(1.0, 2 * tail / 2**n)


def wilson_interval(successes: int, trials: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a pass rate; (0, 1) when there are no trials."""
    if not 0 <= successes <= trials:
        raise ValueError(f"need 0 <= successes <= trials, got {successes}/{trials}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")
    if trials == 0:
        return 0.0, 1.0
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    low = 0.0 if successes == 0 else max(0.0, centre - half)  # exact at the edges, not 1e-17 off
    high = 1.0 if successes == trials else min(1.0, centre + half)
    return low, high


def wilson_lower(successes: int, trials: int, confidence: float = 0.95) -> float:
    return wilson_interval(successes, trials, confidence)[0]
