"""The terminal summary: one row per eval set × checkpoint, built apart from printing."""

from __future__ import annotations

from .report import GateVerdict

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


def verdict_line(gates: list[GateVerdict]) -> str:
    failed = [g for g in gates if not g.passed]
    if not failed:
        return f"persona gate: PASS ({len(gates)} eval set × checkpoint gate{'s' if len(gates) != 1 else ''})"
    return f"persona gate: FAIL ({len(failed)} of {len(gates)} eval set × checkpoint gates below threshold)"
