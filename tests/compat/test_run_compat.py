"""The `make test-compat` driver: its declared-range rule, and its fixtures under this venv's pytest."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from . import run_compat
from .run_compat import CHECKS, Env, range_problems, run_check


def envs_for(*versions: str, latest: str | None = None) -> list[Env]:
    """Envs as if built; their python is this one (it has `packaging`)."""
    envs = [Env(v.rsplit(".", 1)[0], Path(sys.prefix), version=v) for v in versions]
    if latest:
        envs.append(Env("latest", Path(sys.prefix), version=latest))
    return envs


def test_range_exactly_the_tested_series_is_accepted() -> None:
    assert range_problems(envs_for("8.0.2", "8.4.2", latest="9.2.0"), "pytest>=8.0,<9.3") == ([], [])


def test_range_wider_than_tested_is_a_problem() -> None:
    problems, _ = range_problems(envs_for("8.0.2", latest="9.2.0"), "pytest>=8.0")
    assert problems == ["'pytest>=8.0' allows pytest 9.3.0, newer than any tested series"]
    problems, _ = range_problems(envs_for("8.0.2", latest="9.2.0"), "pytest>=7.4,<9.3")
    assert problems == ["'pytest>=7.4,<9.3' allows pytest 7.999.999, older than any tested series"]


def test_range_that_leaves_out_a_tested_series_is_a_problem() -> None:
    problems, _ = range_problems(envs_for("8.0.2", "8.4.2", latest="9.2.0"), "pytest>=8.1,<9.3")
    assert problems == ["tested pytest 8.0.2 is outside the declared 'pytest>=8.1,<9.3'"]


def test_a_newer_pytest_than_declared_is_a_note_not_a_failure() -> None:
    problems, notes = range_problems(envs_for("8.0.2", latest="9.3.0"), "pytest>=8.0,<9.3")
    assert problems == []
    assert notes == ["the newest pytest, 9.3.0, is outside 'pytest>=8.0,<9.3': widen the range once it passes"]


def test_pyproject_declares_one_pytest_range() -> None:
    declared, others = run_compat.core_requirements()
    assert declared.startswith("pytest>=")
    assert not any(d.startswith("pytest") for d in others)


@pytest.mark.parametrize("check", [c for c in CHECKS if not c.needs_xdist], ids=lambda c: c.name)
def test_fixtures_give_the_expected_outcome_here(check: run_compat.Check, tmp_path: Path) -> None:
    """The same fixture runs, under the pytest of the venv running this suite."""
    env = Env("here", Path(sys.prefix), version="here")
    (tmp_path / "work").mkdir()
    (tmp_path / "logs").mkdir()
    outcome = run_check(env, check, tmp_path / "work", tmp_path / "logs")
    assert outcome.status == "pass", outcome.why + "\n" + (outcome.log.read_text() if outcome.log else "")
