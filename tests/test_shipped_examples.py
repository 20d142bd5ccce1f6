"""The shipped eval sets load, and the Josi contract tells good recorded replies from bad ones."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pytest_persona.core.evalset import load_evalset
from pytest_persona.core.peek import looks_like_evalset

ROOT = Path(__file__).resolve().parents[1]
EVALSETS = sorted((ROOT / "evalsets").glob("*.yaml"))


@pytest.mark.parametrize("path", EVALSETS, ids=[p.name for p in EVALSETS])
def test_shipped_evalset_loads(path: Path) -> None:
    assert looks_like_evalset(path)
    evalset = load_evalset(path)
    assert evalset.cases and len({c.id for c in evalset.cases}) == len(evalset.cases)


def test_josi_contract_passes_the_tuned_replies_and_fails_every_untuned_one(pytester: pytest.Pytester) -> None:
    shutil.copytree(ROOT / "evalsets", pytester.path / "evalsets")
    shutil.copytree(ROOT / "examples", pytester.path / "examples")
    result = pytester.runpytest(
        "evalsets/josi.yaml",
        "--model", "tuned=examples/josi/replies-tuned.jsonl",
        "--model", "untuned=examples/josi/replies-untuned.jsonl",
        "--persona-report", "r.json",
    )  # fmt: skip
    report = json.loads((pytester.path / "r.json").read_text())
    verdicts = {(r["checkpoint"], r["case"]): r["passed"] for r in report["results"]}
    cases = {case for _, case in verdicts}
    assert len(cases) == len(load_evalset(ROOT / "evalsets" / "josi.yaml").cases)
    assert all(verdicts[("tuned", case)] for case in cases)
    assert not any(verdicts[("untuned", case)] for case in cases)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
