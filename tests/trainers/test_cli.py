"""persona-train's command line without a model: check-data verdicts and argument errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trainers.cli import main as persona_train


def write_data(folder: Path, rows: list[dict]) -> Path:
    (folder / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    config = folder / "train.yaml"
    config.write_text(
        "data:\n  train: train.jsonl\n  system_prompt: You are Josi.\n  balance: {refusal: [0.15, 0.5]}\n"
    )
    return config


def row(user: str, reply: str, tag: str) -> dict:
    return {"messages": [{"role": "user", "content": user}, {"role": "assistant", "content": reply}], "tags": [tag]}


GOOD = [
    row(f"Can you move session {i}?", f"I can't change session {i}; ask your coach.", "refusal") for i in range(2)
] + [row(f"What does drill {i} train?", f"Drill {i} trains your cadence and form.", "answer") for i in range(6)]


def test_check_data_passes_clean_data_and_writes_its_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write_data(tmp_path, GOOD)
    assert persona_train(["check-data", str(config), "--out", str(tmp_path / "out")]) == 0
    assert "exact_duplicates" in capsys.readouterr().out
    report = json.loads((tmp_path / "out" / "data" / "hygiene.json").read_text())
    assert report["passed"] is True


def test_check_data_exits_1_on_violations(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write_data(tmp_path, GOOD + [GOOD[-1]] * 3)
    assert persona_train(["check-data", str(config), "--out", str(tmp_path / "out")]) == 1
    assert "4 copies" in capsys.readouterr().out


def test_run_refuses_dirty_data_before_training(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write_data(tmp_path, [row("Hi", "Hello", "answer")] * 3)
    assert persona_train(["run", str(config), "--out", str(tmp_path / "out")]) == 1
    assert "fix them first" in capsys.readouterr().err
    assert not (tmp_path / "out" / "base").exists()


def test_set_overrides_and_rejects_unknown_keys(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write_data(tmp_path, GOOD)
    assert persona_train(["check-data", str(config), "--set", "data.balance.refusal=[0.5, 0.9]"]) == 1
    assert "refusal" in capsys.readouterr().out
    assert persona_train(["check-data", str(config), "--set", "sft.rank=4"]) == 2
    assert "unknown key 'rank'" in capsys.readouterr().err


def test_missing_inputs_of_a_stage_are_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write_data(tmp_path, GOOD)
    assert persona_train(["merge", str(config), "--out", str(tmp_path / "out")]) == 3
    assert "run the sft stage first" in capsys.readouterr().err
