"""The terminal summary: lines built from the Release apart from printing them."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..core.verdicts import BaselineVerdict, ComparisonVerdict, GateVerdict, Release

HEADER = ("eval set", "checkpoint", "cases", "passed", "pass rate", "threshold", "verdict")
WORDS = {"passed": "PASS", "failed": "FAIL", "error": "ERROR"}


def gate_rows(gates: Sequence[GateVerdict]) -> list[tuple[str, ...]]:
    return [
        (
            g.evalset,
            g.checkpoint,
            str(g.cases) + (f" (+{g.errors} no reply)" if g.errors else ""),
            str(g.passed_cases),
            "—" if g.pass_rate is None else f"{g.pass_rate:.1%}",
            f"{g.threshold:.0%}",
            WORDS[g.status],
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


def comparison_lines(comparisons: Sequence[ComparisonVerdict]) -> list[str]:
    """One line per eval set × checkpoint compared with the reference: flips, p-value, verdict."""
    lines = []
    for c in comparisons:
        regressions, improvements = c.regressions, c.improvements
        flips = f"{len(regressions)} regression{'s' if len(regressions) != 1 else ''}"
        if regressions:
            flips += f" ({', '.join(regressions[:5])}{', …' if len(regressions) > 5 else ''})"
        flips += f", {len(improvements)} improvement{'s' if len(improvements) != 1 else ''}"
        if c.errors:
            flips += f", {len(c.errors)} without a reply"
        allowed = c.policy.allowed_regressions
        lines.append(
            f"{c.checkpoint} vs {c.reference} on {c.evalset}: {flips}; McNemar p = {c.p_value:.3g} "
            f"(regressions allowed: {'any' if allowed is None else allowed}) {WORDS[c.status]}"
        )
        lines += drift_lines(c)
    return lines


def drift_lines(c: ComparisonVerdict) -> list[str]:
    """The comparison's drift: the aggregate line, its gate keys, the cases of highest KL with their flips."""
    if c.drift is None:
        return []
    line = f"  {c.drift.describe()}"
    keys = []
    if c.policy.max_mean_kl is not None:
        keys.append(f"max_mean_kl {c.policy.max_mean_kl:g}")
    if c.policy.min_top1_agreement is not None:
        keys.append(f"min_top1_agreement {c.policy.min_top1_agreement:.1%}")
    if keys:
        line += f" (gate: {', '.join(keys)})"
    highest = [f"{h['case']} {h['mean_kl']:.4f}" + (f" [{h['flip']}]" if h["flip"] else "") for h in c.highest_drift()]
    return [line] + ([f"  highest KL: {', '.join(highest)}"] if highest else [])


def baseline_lines(baseline: BaselineVerdict) -> list[tuple[str, str | None]]:
    """(line, colour) pairs: the counts, then each flip."""
    counts = f"{len(baseline.regressions)} regression(s), {len(baseline.new_passes)} new pass(es)"
    lines: list[tuple[str, str | None]] = [(f"baseline {baseline.path}: {counts}", None)]
    lines += [(f"  pass → fail: {r.evalset}::{r.case}[{r.checkpoint}]", "red") for r in baseline.regressions]
    lines += [(f"  fail → pass: {r.evalset}::{r.case}[{r.checkpoint}]", "green") for r in baseline.new_passes]
    return lines


def error_lines(release: Release) -> list[str]:
    """Checkpoints that never ran and cases without a reply: not the model's failures, but a
    release nobody tested."""
    lines = [f"checkpoint {name} never ran: {why}" for name, why in release.never_ran.items()]
    others = [v for v in release.errors if v.checkpoint not in release.never_ran]
    for verdict in others[:10]:
        lines.append(
            f"no reply: {verdict.evalset}::{verdict.case}[{verdict.checkpoint}]: {(verdict.error or '')[:300]}"
        )
    if len(others) > 10:
        lines.append(f"… and {len(others) - 10} more cases without a reply")
    return lines


def write_summary(terminal: Any, release: Release, reports: Sequence[Path] = ()) -> None:
    """Print the release: gate table, errors, baseline, comparisons, the verdict line."""
    terminal.section("persona gate")
    for line in format_table(gate_rows(release.gates)):
        terminal.write_line(line)
    errors = error_lines(release)
    if errors:
        terminal.write_line("")
        for line in errors:
            terminal.write_line(line, red=True, bold=True)
    if release.baseline is not None:
        terminal.write_line("")
        for line, colour in baseline_lines(release.baseline):
            terminal.write_line(line, **({colour: True} if colour else {}))
    if release.comparisons:
        terminal.write_line("")
        for line in comparison_lines(release.comparisons):
            terminal.write_line(line)
    if release.decoding:
        terminal.write_line("")
        for pair in release.decoding:
            terminal.write_line(pair.describe())
    terminal.write_line(release.summary(), green=release.passed, red=not release.passed, bold=True)
    for path in reports:
        terminal.write_line(f"report written: {path}")
