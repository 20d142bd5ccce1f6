"""The Markdown report (``--persona-report out.md``): a pull-request comment rendering the Release."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from . import RunRecord

MARKS = {"passed": "✅ pass", "failed": "❌ fail", "error": "⚠️ error"}


def build_markdown(record: RunRecord) -> str:
    """The verdict and its reasons, the gate table, comparisons, baseline, then each failing case."""
    release = record.release
    lines = [f"## pytest-persona gate: {release.word}", ""]
    reasons = release.reasons()
    if reasons:
        lines += [f"- {_md(reason)[:400]}" for reason in reasons] + [""]
    lines += ["| eval set | checkpoint | cases | pass rate | threshold | verdict |", "|---|---|---|---|---|---|"]
    for g in release.gates:
        rate = "—" if g.pass_rate is None else f"{g.pass_rate:.1%}"
        counted = f"{g.cases}" + (f" (+{g.errors} no reply)" if g.errors else "")
        lines.append(
            f"| {_md(g.evalset)} | {_md(g.checkpoint)} | {counted} | {rate} | {g.threshold:.0%} | {MARKS[g.status]} |"
        )
    if release.comparisons:
        lines += ["", "| checkpoint | reference | eval set | regressions | improvements | McNemar p | verdict |"]
        lines.append("|---|---|---|---|---|---|---|")
        for c in release.comparisons:
            lines.append(
                f"| {_md(c.checkpoint)} | {_md(c.reference)} | {_md(c.evalset)} "
                f"| {_md(', '.join(c.regressions)) or '—'} | {_md(', '.join(c.improvements)) or '—'} "
                f"| {c.p_value:.3g} | {MARKS[c.status]} |"
            )
    if release.decoding:
        lines += ["", "| eval set | checkpoint | constrained cases | pass as deployed | pass decoded freely "
                  "| only under the constraint |", "|---|---|---|---|---|---|"]  # fmt: skip
        for p in release.decoding:
            lines.append(
                f"| {_md(p.evalset)} | {_md(p.checkpoint)} | {p.cases} | {p.deployed_passed} | {p.free_passed} "
                f"| {_md(', '.join(p.only_constrained)) or '—'} |"
            )
    baseline = release.baseline
    if baseline is not None:
        lines += ["", f"### Baseline `{_md(baseline.path)}`", ""]
        lines.append(f"{len(baseline.regressions)} regression(s), {len(baseline.new_passes)} new pass(es)")
        lines += [
            f"- pass → fail: `{_md(r.evalset)}::{_md(r.case)}[{_md(r.checkpoint)}]`" for r in baseline.regressions
        ]
        lines += [f"- fail → pass: `{_md(r.evalset)}::{_md(r.case)}[{_md(r.checkpoint)}]`" for r in baseline.new_passes]
    failing = [v for v in record.verdicts if not v.passed]
    if failing:
        lines += ["", "### Failing cases", ""]
        for v in failing:
            why = v.shown.reason()
            known = " (known failure)" if v.known_failure else ""
            lines.append(f"- `{_md(v.evalset)}::{_md(v.case)}[{_md(v.checkpoint)}]`{known}: {_md(why)[:400]}")
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    """Neutralise Markdown/HTML in text taken from eval sets and replies."""
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("|", "\\|")
        .replace("`", "'")
        .replace("\n", " ")
    )
