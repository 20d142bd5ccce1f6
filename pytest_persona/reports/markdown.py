"""The Markdown report (``--persona-report out.md``): a pull-request comment rendering the Release."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..core.verdicts import ComparisonVerdict

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
    lines += _drift_lines(release.comparisons)
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


def _drift_lines(comparisons: Sequence[ComparisonVerdict]) -> list[str]:
    """Quantization drift per comparison: the aggregates, then every case with its KL and flip."""
    measured = [c for c in comparisons if c.drift is not None]
    if not measured:
        return []
    lines = ["", "### Quantization drift (KL(ref‖ckpt) per reply token, teacher-forced on the reference's replies)", ""]
    lines += ["| checkpoint | reference | eval set | mean KL | median | p99 | same top-1 | p(ref token) | tokens "
              "| highest KL |", "|---|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for c in measured:
        d = c.drift
        assert d is not None
        if not d.available:
            lines.append(f"| {_md(c.checkpoint)} | {_md(c.reference)} | {_md(c.evalset)} | not available: "
                         f"{_md(d.unavailable or '')[:300]} | | | | | | |")  # fmt: skip
            continue
        highest = ", ".join(
            f"{_md(h['case'])} {h['mean_kl']:.4f}" + (f" ({h['flip']})" if h["flip"] else "") for h in c.highest_drift()
        )
        lines.append(
            f"| {_md(c.checkpoint)} | {_md(c.reference)} | {_md(c.evalset)} | {d.mean_kl:.4f} | {d.median_kl:.4f} "
            f"| {d.p99_kl:.4f} | {d.top1_agreement:.1%} | {d.p_ref_token:.3f} | {d.tokens} | {highest or '—'} |"
        )
    for c in measured:
        d = c.drift
        if d is None or not d.available or not d.cases:
            continue
        lines += ["", f"<details><summary>drift per case: {_md(c.checkpoint)} vs {_md(c.reference)} on "
                  f"{_md(c.evalset)}</summary>", "", "| case | tokens | mean KL | max KL | same top-1 | p(ref token) "
                  "| flip |", "|---|---|---|---|---|---|---|"]  # fmt: skip
        for case in sorted(d.cases, key=lambda x: -x.mean_kl):
            lines.append(
                f"| {_md(case.case)} | {case.tokens} | {case.mean_kl:.4f} | {case.max_kl:.4f} "
                f"| {case.top1_agreement:.1%} | {case.p_ref_token:.3f} | {c.flip(case.case) or '—'} |"
            )
        lines += ["", "</details>"]
    return lines


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
