"""Regression against an earlier run: a baseline is simply that run's JSON report.

A case that passed in the baseline and fails now fails the run (even in an eval set below
1.0, where failures are otherwise expected), and the summary lists new passes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Key = tuple[str, str, str]  # evalset, case, checkpoint


class BaselineError(ValueError):
    """A baseline file that cannot be read as a pytest-persona JSON report (the message names it)."""


@dataclass(frozen=True)
class Baseline:
    path: Path
    passed: dict[Key, bool] = field(default_factory=dict)
    outputs: dict[Key, str] = field(default_factory=dict)

    @classmethod
    def read(cls, path: Path) -> Baseline:
        """Load a JSON report written by ``--persona-report``/``--persona-save-baseline``."""
        try:
            data: Any = json.loads(path.read_text("utf-8"))
        except OSError as exc:
            raise BaselineError(f"--persona-baseline {path}: cannot read: {exc.strerror or exc}") from None
        except ValueError as exc:
            raise BaselineError(f"--persona-baseline {path}: not JSON: {exc}") from None
        results = data.get("results") if isinstance(data, dict) else None
        if not isinstance(results, list):
            raise BaselineError(f'--persona-baseline {path}: not a pytest-persona JSON report (no "results")')
        passed: dict[Key, bool] = {}
        outputs: dict[Key, str] = {}
        for index, result in enumerate(results):
            try:
                key = (str(result["evalset"]), str(result["case"]), str(result["checkpoint"]))
                ok = bool(result["passed"])
            except (KeyError, TypeError):
                raise BaselineError(
                    f"--persona-baseline {path}: results[{index}] lacks evalset/case/checkpoint/passed"
                ) from None
            # with repeats, a case passed in the baseline only if every recorded sample passed
            passed[key] = passed.get(key, True) and ok
            outputs.setdefault(key, str(result.get("output", "")))
        return cls(path, passed, outputs)

    def regressed(self, evalset: str, case: str, checkpoint: str) -> bool:
        return self.passed.get((evalset, case, checkpoint)) is True

    def summary(self, results: list[dict[str, Any]]) -> dict[str, Any]:
        """Regressions (with both replies) and new passes of this run against the baseline."""
        regressions, new_passes = [], []
        for r in results:
            key = (r["evalset"], r["case"], r["checkpoint"])
            before = self.passed.get(key)
            if before is True and not r["passed"]:
                regressions.append(
                    {
                        "evalset": key[0],
                        "case": key[1],
                        "checkpoint": key[2],
                        "before": self.outputs[key],
                        "now": r["output"],
                    }
                )
            elif before is False and r["passed"]:
                new_passes.append({"evalset": key[0], "case": key[1], "checkpoint": key[2]})
        return {"path": str(self.path), "regressions": regressions, "new_passes": new_passes}
