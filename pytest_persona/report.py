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

from .backends import Checkpoint


@dataclass(frozen=True)
class GateVerdict:
    evalset: str
    checkpoint: str
    threshold: float
    cases: int
    passed_cases: int
    skipped: int

    @property
    def pass_rate(self) -> float:
        return self.passed_cases / self.cases if self.cases else 1.0

    @property
    def passed(self) -> bool:
        return self.pass_rate >= self.threshold

    def as_dict(self) -> dict[str, Any]:
        return {
            "evalset": self.evalset,
            "checkpoint": self.checkpoint,
            "passed": self.passed,
            "pass_rate": round(self.pass_rate, 6),
            "threshold": self.threshold,
            "cases": self.cases,
            "passed_cases": self.passed_cases,
            "skipped": self.skipped,
        }


@dataclass
class RunResults:
    """Every case result of the run, in the order they arrived."""

    results: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)
    fingerprints: dict[str, str] = field(default_factory=dict)
    comparisons: list[dict[str, Any]] = field(default_factory=list)

    def add(self, payload: dict[str, Any]) -> None:
        payload = dict(payload)
        fingerprint = payload.pop("fingerprint", None)
        if fingerprint:
            self.fingerprints[payload["checkpoint"]] = fingerprint
        if payload.pop("skipped", False):
            self.skipped.append(payload)
        else:
            self.results.append(payload)

    def gates(self) -> list[GateVerdict]:
        """One verdict per eval set × checkpoint; known failures (xfail marks) do not count."""
        groups: dict[tuple[str, str], dict[str, Any]] = {}

        def group(result: dict[str, Any]) -> dict[str, Any]:
            key = (result["evalset"], result["checkpoint"])
            return groups.setdefault(key, {"threshold": result["threshold"], "cases": 0, "passed": 0, "skipped": 0})

        for result in self.results:
            g = group(result)
            if result.get("expected_failure"):
                g["skipped"] += 1
            else:
                g["cases"] += 1
                g["passed"] += bool(result["passed"])
        for result in self.skipped:
            group(result)["skipped"] += 1
        return [
            GateVerdict(evalset, checkpoint, g["threshold"], g["cases"], g["passed"], g["skipped"])
            for (evalset, checkpoint), g in groups.items()
        ]


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
    return {k: v for k, v in result.items() if k not in ("threshold", "expected_failure")} | {
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
            from .html_report import build_html

            text = build_html(data)
        else:
            text = build_markdown(results, checkpoints)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)


def _version() -> str:
    from . import __version__

    return __version__
