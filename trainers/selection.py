"""Checkpoint selection by the gate: the best pass rate on the development eval set, ties by eval loss.

A pure function over recorded results, so the rule is tested without a model; the lowest loss
alone can pick the worst model (an overfit run), which is why loss only breaks ties.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class CheckpointResult:
    """One checkpoint's recorded gate result: pass rate on the development eval set(s), eval loss if any."""

    name: str
    pass_rate: float
    passed: int
    cases: int
    eval_loss: float | None = None
    step: int | None = None


@dataclass(frozen=True)
class Selection:
    chosen: str
    reason: str
    results: tuple[CheckpointResult, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"chosen": self.chosen, "reason": self.reason, "results": [asdict(r) for r in self.results]}


def select_checkpoint(results: Sequence[CheckpointResult]) -> Selection:
    """Best pass rate; among equal ones the lowest eval loss (unknown loss last); then the earliest step."""
    if not results:
        raise ValueError("no gated checkpoints to choose from")

    def order(r: CheckpointResult) -> tuple[float, float, float]:
        loss = r.eval_loss if r.eval_loss is not None else float("inf")
        return (-r.pass_rate, loss, r.step if r.step is not None else float("inf"))

    ranked = sorted(results, key=order)
    best = ranked[0]
    tied = [r for r in ranked if r.pass_rate == best.pass_rate]
    rate = f"pass rate {best.pass_rate:.1%} ({best.passed}/{best.cases})"
    if len(tied) == 1:
        runner = f"; next best {ranked[1].name} at {ranked[1].pass_rate:.1%}" if len(ranked) > 1 else ""
        reason = f"best {rate}{runner}"
    elif best.eval_loss is not None and (tied[1].eval_loss is None or best.eval_loss < tied[1].eval_loss):
        reason = f"{rate}, tied with {len(tied) - 1} other(s); lowest eval loss {best.eval_loss:.4g}"
    else:
        reason = f"{rate}, tied with {len(tied) - 1} other(s) on pass rate and eval loss; the earliest step"
    return Selection(best.name, reason, tuple(results))


def gate_results(report: Mapping[str, Any], names: Sequence[str]) -> dict[str, tuple[int, int]]:
    """(passed cases, cases) per checkpoint from a JSON report's gates, summed over its eval sets."""
    totals: dict[str, tuple[int, int]] = {}
    for gate in report.get("gates", []):
        name = gate.get("checkpoint")
        if name in names:
            passed, cases = totals.get(name, (0, 0))
            totals[name] = (passed + int(gate.get("passed_cases", 0)), cases + int(gate.get("cases", 0)))
    return totals


def eval_loss_at(curve: Sequence[Mapping[str, Any]], step: int | None) -> float | None:
    """The eval loss logged at ``step`` (or the last one logged before it), from a loss curve."""
    if step is None:
        return None
    logged = [row for row in curve if "eval_loss" in row and row.get("step", 0) <= step]
    return float(logged[-1]["eval_loss"]) if logged else None
