"""The terminal summary: one row per eval set × checkpoint, built apart from printing."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..reports.build import GateVerdict

HEADER = ("eval set", "checkpoint", "cases", "passed", "pass rate", "threshold", "verdict")


def gate_rows(gates: list[GateVerdict]) -> list[tuple[str, ...]]:
    return [
        (
            g.evalset,
            g.checkpoint,
            str(g.cases),
            str(g.passed_cases),
            f"{g.pass_rate:.1%}",
            f"{g.threshold:.0%}",
            "PASS" if g.passed else "FAIL",
        )
        for g in gates
    ]


def format_table(rows: list[tuple[str, ...]]) -> list[str]:
    table = [HEADER, *rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(HEADER))]
    right = {2, 3, 4, 5}
    return [
        "  ".join(cell.rjust(widths[i]) if i in right else cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip()
        for row in table
    ]


def comparison_lines(comparisons: Sequence[dict[str, Any]]) -> list[str]:
    """One line per eval set × checkpoint compared with the reference: flips, p-value, verdict."""
    lines = []
    for c in comparisons:
        regressions, improvements = c["regressions"], c["improvements"]
        flips = f"{len(regressions)} regression{'s' if len(regressions) != 1 else ''}"
        if regressions:
            flips += f" ({', '.join(regressions[:5])}{', …' if len(regressions) > 5 else ''})"
        flips += f", {len(improvements)} improvement{'s' if len(improvements) != 1 else ''}"
        allowed = "any" if c["max_regressions"] is None else str(c["max_regressions"])
        lines.append(
            f"{c['checkpoint']} vs {c['reference']} on {c['evalset']}: {flips}; McNemar p = {c['p_value']:.3g} "
            f"(regressions allowed: {allowed}) {'PASS' if c['passed'] else 'FAIL'}"
        )
    return lines


def verdict_line(gates: list[GateVerdict], comparisons: Sequence[dict[str, Any]] = ()) -> str:
    failed = [g for g in gates if not g.passed]
    regressed = [c for c in comparisons if not c["passed"]]
    if not failed and not regressed:
        compared = f", {len(comparisons)} comparison{'s' if len(comparisons) != 1 else ''}" if comparisons else ""
        return f"persona gate: PASS ({len(gates)} eval set × checkpoint gate{'s' if len(gates) != 1 else ''}{compared})"
    reasons = []
    if failed:
        reasons.append(f"{len(failed)} of {len(gates)} eval set × checkpoint gates below threshold")
    if regressed:
        reasons.append(f"{len(regressed)} of {len(comparisons)} comparisons regressed")
    return f"persona gate: FAIL ({'; '.join(reasons)})"
