"""Checkpoints chosen by the gate: the rule on recorded results, then a real save_every run gated and chosen."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from trainers.cli import main as persona_train
from trainers.selection import CheckpointResult, eval_loss_at, gate_results, select_checkpoint


def result(name: str, passed: int, loss: float | None, step: int | None, cases: int = 40) -> CheckpointResult:
    return CheckpointResult(name, passed / cases, passed, cases, loss, step)


def test_the_best_pass_rate_wins_over_the_lowest_loss() -> None:
    # a recorded overfit run: the lowest eval loss is the worst model
    recorded = [
        result("sft-step-20", 22, 1.31, 20),
        result("sft-step-40", 31, 1.12, 40),
        result("adapter", 18, 0.74, 60),
    ]
    selection = select_checkpoint(recorded)
    assert selection.chosen == "sft-step-40"
    assert selection.reason == "best pass rate 77.5% (31/40); next best sft-step-20 at 55.0%"
    assert [r["name"] for r in selection.as_dict()["results"]] == ["sft-step-20", "sft-step-40", "adapter"]


def test_ties_go_to_the_lowest_eval_loss_then_the_earliest_step() -> None:
    tied = [result("a", 30, 1.2, 20), result("b", 30, 0.9, 40), result("c", 30, None, 10), result("d", 12, 0.1, 60)]
    selection = select_checkpoint(tied)
    assert selection.chosen == "b"
    assert "tied with 2 other(s); lowest eval loss 0.9" in selection.reason
    same = [result("late", 30, None, 40), result("early", 30, None, 20)]
    assert select_checkpoint(same).chosen == "early"
    assert "the earliest step" in select_checkpoint(same).reason
    with pytest.raises(ValueError):
        select_checkpoint([])


def test_gate_results_sum_eval_sets_and_losses_are_read_at_the_step() -> None:
    report = {
        "gates": [
            {"checkpoint": "a", "evalset": "x", "passed_cases": 3, "cases": 4},
            {"checkpoint": "a", "evalset": "y", "passed_cases": 1, "cases": 4},
            {"checkpoint": "other", "evalset": "x", "passed_cases": 4, "cases": 4},
        ]
    }
    assert gate_results(report, ["a", "b"]) == {"a": (4, 8)}
    curve = [{"step": 1, "loss": 3.0}, {"step": 2, "eval_loss": 2.5}, {"step": 4, "eval_loss": 2.1}]
    assert eval_loss_at(curve, 3) == 2.5 and eval_loss_at(curve, 4) == 2.1 and eval_loss_at(curve, 1) is None


EVALSET = """\
evalset: josi-dev
system: You are Josi, a running coach.
defaults:
  max_tokens: 8
  checks: [no_template_leak]
cases:
  - id: move
    prompt: Could you push my tempo session to Thursday?
  - id: who
    prompt: Tell me who built you.
    checks: [{contains: Josi}]
"""


@pytest.mark.slow
def test_save_every_adapters_are_gated_and_one_is_chosen(
    tmp_path: Path, hf_checkpoint: Path, pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    from trainers.config import load_config
    from trainers.pipeline import write_manifest

    turns = [(f"Tip {i}?", f"I am Josi. Tip {i}.") for i in range(4)]
    rows = [{"messages": [{"role": "user", "content": u}, {"role": "assistant", "content": a}]} for u, a in turns]
    (tmp_path / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    config = tmp_path / "train.yaml"
    config.write_text(
        "data:\n  train: train.jsonl\n  system_prompt: You are Josi.\n  val_fraction: 0.0\n"
        "sft:\n  batch_size: 2\n  max_steps: 2\n  save_every: 1\n  eval_steps: 0\n  logging_steps: 1\n"
    )
    out = tmp_path / "out"
    shutil.copytree(hf_checkpoint, out / "base")
    assert persona_train(["split", str(config), "--out", str(out)]) == 0
    assert persona_train(["sft", str(config), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    metrics = json.loads(printed[printed.rfind("\n{\n") + 1 :])
    for step in (1, 2):
        saved = json.loads((out / "adapters" / f"step-{step}" / "adapter_config.json").read_text())
        assert saved["base_model_name_or_path"] == str(Path("..") / ".." / "base")
    manifest_path = write_manifest(load_config(config), out, {"sft": metrics})
    names = [a.get("name", a["kind"]) for a in json.loads(manifest_path.read_text())["artifacts"]]
    assert names == ["fp16", "adapter", "sft-step-1", "sft-step-2"]

    (pytester.path / "dev.yaml").write_text(EVALSET)
    gate = pytester.runpytest_subprocess(
        "dev.yaml", "--model-manifest", str(manifest_path), "--persona-report", "r.json"
    )
    assert gate.ret in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED), gate.stdout.str()[-3000:]
    report = json.loads((pytester.path / "r.json").read_text())
    assert {g["checkpoint"] for g in report["gates"]} == set(names)
    assert persona_train(["select", str(out), "--report", str(pytester.path / "r.json")]) == 0
    selection = json.loads(manifest_path.read_text())["selection"]
    recorded = {r["name"]: r for r in selection["results"]}
    assert set(recorded) == set(names)
    expected = {g["checkpoint"]: g["passed_cases"] / g["cases"] for g in report["gates"]}
    assert {name: r["pass_rate"] for name, r in recorded.items()} == expected
    assert recorded["sft-step-1"]["step"] == 1 and recorded["adapter"]["step"] == 2
    assert selection["chosen"] == select_checkpoint([CheckpointResult(**r) for r in selection["results"]]).chosen
    assert recorded[selection["chosen"]]["pass_rate"] == max(expected.values())


def test_select_errors_are_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "r.json").write_text(json.dumps({"results": [], "gates": []}))
    assert persona_train(["select", str(tmp_path), "--report", str(tmp_path / "r.json")]) == 2
    assert "manifest.json" in capsys.readouterr().err
    (tmp_path / "manifest.json").write_text(json.dumps({"artifacts": [{"kind": "adapter", "path": "adapter"}]}))
    assert persona_train(["select", str(tmp_path), "--report", str(tmp_path / "r.json")]) == 2
    assert "gates none of adapter" in capsys.readouterr().err
