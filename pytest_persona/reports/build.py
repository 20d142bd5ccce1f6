"""Results gathered from test reports (so xdist workers' results arrive too), gates, report files.

Every case item's report carries a ``persona`` payload; the controller folds them into one
``RunResults`` from which the terminal summary and the ``--persona-report`` files are built.
"""

from __future__ import annotations

import json
import platform
import sys
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..backends import Checkpoint


@dataclass(frozen=True)
class GateVerdict:
    """One eval set × checkpoint. Without repeats: the share of passing cases against the
    threshold. With repeats (below a contract): the Wilson lower bound of the share of passing
    samples, so that a lucky draw cannot carry a release."""

    evalset: str
    checkpoint: str
    threshold: float
    cases: int
    passed_cases: int
    skipped: int
    samples: int = 0
    passed_samples: int = 0
    sampled: bool = False
    confidence: float = 0.95

    @property
    def pass_rate(self) -> float:
        return self.passed_cases / self.cases if self.cases else 1.0

    @property
    def lower_bound(self) -> float | None:
        if not self.sampled:
            return None
        from ..core.stats import wilson_lower

        return wilson_lower(self.passed_samples, self.samples, self.confidence)

    @property
    def statistical(self) -> bool:
        """Judged by the Wilson bound (sampled, below a contract) rather than the plain rate."""
        return self.sampled and self.threshold < 1.0

    @property
    def passed(self) -> bool:
        if self.statistical:
            return (self.lower_bound or 0.0) >= self.threshold
        return self.pass_rate >= self.threshold

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "evalset": self.evalset,
            "checkpoint": self.checkpoint,
            "passed": self.passed,
            "pass_rate": round(self.pass_rate, 6),
            "threshold": self.threshold,
            "cases": self.cases,
            "passed_cases": self.passed_cases,
            "skipped": self.skipped,
        }
        if self.sampled:
            data.update(
                samples=self.samples,
                passed_samples=self.passed_samples,
                confidence=self.confidence,
                lower_bound=round(self.lower_bound or 0.0, 6),
            )
        return data


@dataclass
class RunResults:
    """Every case result of the run, in the order they arrived."""

    results: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)
    fingerprints: dict[str, str] = field(default_factory=dict)
    comparisons: list[dict[str, Any]] = field(default_factory=list)

    def add(self, payload: dict[str, Any] | list[dict[str, Any]]) -> None:
        """One case's payload: a dict, or a list with one dict per sample."""
        for one in payload if isinstance(payload, list) else [payload]:
            one = dict(one)
            fingerprint = one.pop("fingerprint", None)
            if fingerprint:
                self.fingerprints[one["checkpoint"]] = fingerprint
            if one.pop("skipped", False):
                self.skipped.append(one)
            else:
                self.results.append(one)

    def gates(self) -> list[GateVerdict]:
        """One verdict per eval set × checkpoint; known failures (xfail marks) do not count."""
        groups: dict[tuple[str, str], dict[str, Any]] = {}
        cases: dict[tuple[str, str], dict[str, list[bool]]] = {}
        tagged = [(r, False) for r in self.results] + [(r, True) for r in self.skipped]
        for result, skipped in tagged:
            key = (result["evalset"], result["checkpoint"])
            group = groups.setdefault(
                key, {"threshold": result["threshold"], "confidence": result.get("confidence", 0.95), "skipped": 0}
            )
            if skipped or result.get("expected_failure"):
                if result.get("sample", 0) == 0:
                    group["skipped"] += 1
                continue
            cases.setdefault(key, {}).setdefault(result["case"], []).append(bool(result["passed"]))
            group.setdefault("needed", {})[result["case"]] = result.get("k_of_n", 1)
        verdicts = []
        for key, group in groups.items():
            samples = cases.get(key, {})
            needed = group.get("needed", {})
            verdicts.append(
                GateVerdict(
                    evalset=key[0],
                    checkpoint=key[1],
                    threshold=group["threshold"],
                    cases=len(samples),
                    passed_cases=sum(sum(s) >= needed[c] for c, s in samples.items()),
                    skipped=group["skipped"],
                    samples=sum(len(s) for s in samples.values()),
                    passed_samples=sum(sum(s) for s in samples.values()),
                    sampled=any(len(s) > 1 for s in samples.values()),
                    confidence=group["confidence"],
                )
            )
        return verdicts


def build_json(
    results: RunResults, checkpoints: tuple[Checkpoint, ...], command: list[str], baseline: Any = None
) -> dict[str, Any]:
    return {
        "tool": {"name": "pytest-persona", "version": _version()},
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": command,
        "python": platform.python_version(),
        "platform": sys.platform,
        "checkpoints": [
            {
                "name": c.name,
                "path": c.target,
                "backend": c.backend,
                "kind": c.kind,
                "fingerprint": results.fingerprints.get(c.name),
            }
            for c in checkpoints
        ],
        "results": [_public(r) for r in results.results],
        "gates": [gate.as_dict() for gate in results.gates()],
        "comparisons": results.comparisons,
        "baseline": baseline.summary(results.results) if baseline is not None else None,
    }


def _public(result: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in result.items() if k not in ("threshold", "expected_failure", "confidence")} | {
        "known_failure": bool(result.get("expected_failure"))
    }


def build_markdown(results: RunResults, checkpoints: tuple[Checkpoint, ...]) -> str:
    """A short report for a pull-request comment: the gate table, then each failing case."""
    gates = results.gates()
    passed = all(g.passed for g in gates) and all(c["passed"] for c in results.comparisons)
    verdict = "PASS" if passed else "FAIL"
    lines = [f"## pytest-persona gate: {verdict}", ""]
    lines += ["| eval set | checkpoint | cases | pass rate | threshold | verdict |", "|---|---|---|---|---|---|"]
    for g in gates:
        lines.append(
            f"| {_md(g.evalset)} | {_md(g.checkpoint)} | {g.cases} | {g.pass_rate:.1%} | {g.threshold:.0%} "
            f"| {'✅ pass' if g.passed else '❌ fail'} |"
        )
    if results.comparisons:
        lines += ["", "| checkpoint | reference | eval set | regressions | improvements | McNemar p | verdict |"]
        lines.append("|---|---|---|---|---|---|---|")
        for c in results.comparisons:
            lines.append(
                f"| {_md(c['checkpoint'])} | {_md(c['reference'])} | {_md(c['evalset'])} "
                f"| {_md(', '.join(c['regressions'])) or '—'} | {_md(', '.join(c['improvements'])) or '—'} "
                f"| {c['p_value']:.3g} | {'✅ pass' if c['passed'] else '❌ fail'} |"
            )
    failing = [r for r in results.results if not r["passed"]]
    if failing:
        lines += ["", "### Failing cases", ""]
        for r in failing:
            why = r["error"] or "; ".join(f"{c['name']}: {c['detail']}" for c in r["checks"] if not c["passed"])
            lines.append(f"- `{_md(r['evalset'])}::{_md(r['case'])}[{_md(r['checkpoint'])}]`: {_md(why)[:400]}")
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


def write_reports(
    paths: tuple[Path, ...],
    results: RunResults,
    checkpoints: tuple[Checkpoint, ...],
    command: list[str],
    baseline: Any = None,
) -> None:
    """Write each report (format by suffix) atomically: a crash never leaves half a file."""
    for path in paths:
        path.parent.mkdir(parents=True, exist_ok=True)
        data = build_json(results, checkpoints, command, baseline)
        if path.suffix == ".json":
            text = json.dumps(data, ensure_ascii=False, indent=2)
        elif path.suffix == ".html":
            from .html import build_html

            text = build_html(data)
        else:
            text = build_markdown(results, checkpoints)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)


def _version() -> str:
    from .. import __version__

    return __version__
