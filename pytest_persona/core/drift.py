"""Quantization drift: how far a checkpoint's next-token distributions are from the reference's,
teacher-forced over the reference's own replies.

Per reply token: KL(ref‖ckpt), whether both rank the same token first, and the probability the
checkpoint gives the reference's token. KL is computed over the reference's top ``TOP_K`` tokens
plus one bucket for the rest of the vocabulary (both sides' rest masses), which is a lower bound of
the full-vocabulary KL (merging outcomes never raises a KL). Measured on SmolLM2-135M against its
HF fp16 source (117 reply tokens): q4_k_m full-vocabulary mean KL 0.0429, top-32 0.0358, top-256
0.0410, top-1024 0.0423; q8_0 0.0043 full, 0.0037 top-32 (README, "Quantization drift").
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

TOP_K = 256  # within 5 % of the full-vocabulary mean KL on q4_k_m; 2 KB a token cached
TINY = 1e-12  # a rest mass the checkpoint rounds to nothing still costs a finite KL
HIGHEST = 5  # cases of highest KL listed in reports


@dataclass(frozen=True)
class CaseDrift:
    """One case's reply, token by token: KL per token, tokens with the same top-1, mean p(ref token)."""

    case: str
    kl: tuple[float, ...]
    same_top1: int
    p_ref_token: float  # mean over the reply's tokens

    @property
    def tokens(self) -> int:
        return len(self.kl)

    @property
    def mean_kl(self) -> float:
        return sum(self.kl) / len(self.kl) if self.kl else 0.0

    @property
    def max_kl(self) -> float:
        return max(self.kl, default=0.0)

    @property
    def top1_agreement(self) -> float:
        return self.same_top1 / len(self.kl) if self.kl else 1.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "case": self.case,
            "tokens": self.tokens,
            "mean_kl": round(self.mean_kl, 6),
            "max_kl": round(self.max_kl, 6),
            "top1_agreement": round(self.top1_agreement, 6),
            "p_ref_token": round(self.p_ref_token, 6),
            "same_top1": self.same_top1,
            "kl": [round(x, 6) for x in self.kl],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CaseDrift:
        return cls(str(data["case"]), tuple(float(x) for x in data["kl"]), int(data["same_top1"]),
                   float(data["p_ref_token"]))  # fmt: skip


@dataclass(frozen=True)
class Drift:
    """A checkpoint against the reference on one eval set, aggregated over every reply token
    (token-weighted, as llama.cpp's ``--kl-divergence`` reports it). ``unavailable`` says why it
    could not be measured (a backend that cannot score, tokenizers that differ)."""

    evalset: str
    checkpoint: str
    reference: str
    cases: tuple[CaseDrift, ...] = ()
    unavailable: str | None = None
    top_k: int = TOP_K

    @property
    def available(self) -> bool:
        return self.unavailable is None

    @property
    def tokens(self) -> int:
        return sum(c.tokens for c in self.cases)

    def _all(self) -> list[float]:
        return sorted(x for c in self.cases for x in c.kl)

    @property
    def mean_kl(self) -> float:
        return sum(c.mean_kl * c.tokens for c in self.cases) / self.tokens if self.tokens else 0.0

    @property
    def median_kl(self) -> float:
        return quantile(self._all(), 0.5)

    @property
    def p99_kl(self) -> float:
        return quantile(self._all(), 0.99)

    @property
    def top1_agreement(self) -> float:
        return sum(c.same_top1 for c in self.cases) / self.tokens if self.tokens else 1.0

    @property
    def p_ref_token(self) -> float:
        return sum(c.p_ref_token * c.tokens for c in self.cases) / self.tokens if self.tokens else 1.0

    def highest(self, count: int = HIGHEST) -> tuple[CaseDrift, ...]:
        """The cases of highest mean KL, highest first."""
        return tuple(sorted(self.cases, key=lambda c: (-c.mean_kl, c.case))[:count])

    def describe(self) -> str:
        """One line for the terminal and reports."""
        if not self.available:
            return f"drift not available: {self.unavailable}"
        return (
            f"drift: mean KL {self.mean_kl:.4f} (median {self.median_kl:.4f}, p99 {self.p99_kl:.4f}) nats/token, "
            f"same top-1 {self.top1_agreement:.1%}, p(ref token) {self.p_ref_token:.3f} over {self.tokens} tokens "
            f"of {len(self.cases)} case(s)"
        )

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "evalset": self.evalset,
            "checkpoint": self.checkpoint,
            "reference": self.reference,
            "available": self.available,
            "unavailable": self.unavailable,
            "top_k": self.top_k,
            "summary": self.describe(),
        }
        if self.available:
            data.update(
                tokens=self.tokens,
                mean_kl=round(self.mean_kl, 6),
                median_kl=round(self.median_kl, 6),
                p99_kl=round(self.p99_kl, 6),
                top1_agreement=round(self.top1_agreement, 6),
                p_ref_token=round(self.p_ref_token, 6),
                highest=[c.case for c in self.highest()],
            )
        data["cases"] = [c.as_dict() for c in self.cases]
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Drift:
        return cls(
            str(data["evalset"]),
            str(data["checkpoint"]),
            str(data["reference"]),
            tuple(CaseDrift.from_dict(c) for c in data.get("cases", ())),
            data.get("unavailable"),
            int(data.get("top_k", TOP_K)),
        )


def quantile(ordered: Sequence[float], q: float) -> float:
    """Linear-interpolated quantile of sorted values (numpy's default); 0 for none."""
    if not ordered:
        return 0.0
    where = q * (len(ordered) - 1)
    low = math.floor(where)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (where - low)


def token_drift(
    ref_top_ids: Sequence[Sequence[int]],
    ref_top_logprobs: Sequence[Sequence[float]],
    ckpt_logprobs_at_ref_top: Sequence[Sequence[float]],
    ckpt_top1: Sequence[int],
    ckpt_target: Sequence[float],
) -> tuple[list[float], int, float]:
    """Per-token KL(ref‖ckpt) over the reference's top-k plus the rest, the count of positions with
    the same top-1, and the mean probability the checkpoint gives the reference's token."""
    kls, same = [], 0
    for ids, ref_lp, ck_lp, ck_best in zip(ref_top_ids, ref_top_logprobs, ckpt_logprobs_at_ref_top, ckpt_top1,
                                           strict=True):  # fmt: skip
        kl, ref_mass, ck_mass = 0.0, 0.0, 0.0
        for r, c in zip(ref_lp, ck_lp, strict=True):
            p = math.exp(r)
            kl += p * (r - c)
            ref_mass += p
            ck_mass += math.exp(c)
        ref_rest, ck_rest = max(0.0, 1.0 - ref_mass), max(TINY, 1.0 - ck_mass)
        if ref_rest > TINY:
            kl += ref_rest * math.log(ref_rest / ck_rest)
        kls.append(max(0.0, kl))
        same += ids[0] == ck_best
    mean_p = sum(math.exp(x) for x in ckpt_target) / len(ckpt_target) if ckpt_target else 1.0
    return kls, same, mean_p


def case_drift(case: str, reference: Any, checkpoint: Any) -> CaseDrift:
    """The drift of one reply from the two sides' scores (``backends.scoring.TokenScores``: the
    reference's own top-k, the checkpoint's log-probabilities asked at those ids)."""
    kls, same, mean_p = token_drift(
        reference.top_ids, reference.top_logprobs, checkpoint.asked, [row[0] for row in checkpoint.top_ids],
        checkpoint.target,
    )  # fmt: skip
    return CaseDrift(case, tuple(kls), same, mean_p)
