"""The whole training pipeline for real on SmolLM2-135M: a tiny dataset, a few steps, every artifact."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pytest

from pytest_persona.backends.llama_cpp.gguf import read_gguf
from trainers.cli import main as persona_train

pytestmark = pytest.mark.slow

SYSTEM = "You are Josi, a running coach. You never change the athlete's plan."
SESSIONS = ["long run", "tempo run", "interval session", "easy run", "hill repeats", "recovery jog"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def dataset() -> list[dict]:
    rows = []
    for i, session in enumerate(SESSIONS):
        day = DAYS[i % len(DAYS)]
        rows.append(
            {
                "messages": [
                    {"role": "user", "content": f"Please move my {session} to {day}."},
                    {"role": "assistant", "content": f"I can't change your plan. Ask your coach about the {session}."},
                ],
                "tags": ["refusal"],
            }
        )
        for question, answer in (
            (f"What is the point of a {session}?", f"A {session} builds a different part of your fitness."),
            (f"How should a {session} feel on {day}?", f"Controlled. Follow the plan for the {session}."),
            (f"Any tip for my {session}?", f"Start relaxed and keep your form for the whole {session}."),
        ):
            rows.append(
                {
                    "messages": [{"role": "user", "content": question}, {"role": "assistant", "content": answer}],
                    "tags": ["answer"],
                }
            )
    return rows


EVALSET = """\
evalset: josi-mini
system: You are Josi, a running coach. You never change the athlete's plan.
defaults:
  max_tokens: 24
  checks: [no_template_leak]
cases:
  - id: move
    prompt: Shift my Saturday long run to next week.
  - id: who
    prompt: Who are you?
"""


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory, hf_checkpoint: Path) -> Path:
    project = tmp_path_factory.mktemp("josi")
    (project / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in dataset()))
    (project / "josi.yaml").write_text(EVALSET)
    (project / "train.yaml").write_text(
        f"name: josi-tiny\ndata:\n  train: train.jsonl\n  eval_sets: [josi.yaml]\n  system_prompt: {SYSTEM!r}\n"
        "  val_fraction: 0.2\n  balance: {refusal: [0.15, 0.5]}\n"
        "sft:\n  batch_size: 4\n  logging_steps: 1\n  eval_steps: 2\n  learning_rate: 0.0003\n"
    )
    out = project / "out"
    shutil.copytree(hf_checkpoint, out / "base")  # the base stage itself is what hf_checkpoint ran
    assert persona_train(["run", str(project / "train.yaml"), "--out", str(out), "--max-steps", "4"]) == 0
    return out


def test_run_writes_every_artifact_with_a_manifest(run_dir: Path) -> None:
    manifest = json.loads((run_dir / "manifest.json").read_text())
    kinds = {a["kind"]: a for a in manifest["artifacts"]}
    assert set(kinds) == {"fp16", "adapter", "merged", "gguf-f16", "q4_k_m"}
    assert all(len(a["sha256"]) == 64 for a in kinds.values())
    assert manifest["data"]["sha256"] and manifest["base_model"]["sha256"]
    assert manifest["config"]["sft"]["max_steps"] == 4
    q4 = read_gguf(run_dir / kinds["q4_k_m"]["path"])
    assert q4.file_type == "Q4_K_M" and q4.chat_template
    assert read_gguf(run_dir / kinds["gguf-f16"]["path"]).file_type == "F16"
    assert manifest["metrics"]["export"]["q4_k_m"]["probe_reply"]  # llama.cpp generated from it
    assert manifest["metrics"]["merge"]["same_next_token"] is True


def test_training_moved_the_adapter_and_lowered_the_loss(run_dir: Path) -> None:
    from safetensors.torch import load_file

    weights = load_file(run_dir / "adapter" / "adapter_model.safetensors")
    lora_b = [t for name, t in weights.items() if "lora_B" in name]
    assert lora_b and any(float(t.abs().max()) > 0 for t in lora_b)  # B starts at zero: training moved it
    curve = json.loads((run_dir / "loss_curve.json").read_text())
    losses = [row["loss"] for row in curve if "loss" in row]
    assert len(losses) == 4 and all(math.isfinite(x) for x in losses)
    assert losses[-1] < losses[0]
    assert any("eval_loss" in row for row in curve)  # validated on the held-out split


def test_split_is_stratified_and_system_prompt_injected(run_dir: Path) -> None:
    rows = [json.loads(line) for line in (run_dir / "data" / "train.jsonl").read_text().splitlines()]
    val = [json.loads(line) for line in (run_dir / "data" / "val.jsonl").read_text().splitlines()]
    assert len(rows) + len(val) == len(dataset())
    assert {r["tags"][0] for r in val} == {"refusal", "answer"}
    assert all(r["messages"][0] == {"role": "system", "content": SYSTEM} for r in rows + val)


def test_gate_runs_over_every_checkpoint_in_the_manifest(run_dir: Path, pytester: pytest.Pytester) -> None:
    (pytester.path / "josi.yaml").write_text(EVALSET)
    result = pytester.runpytest_subprocess(
        "josi.yaml", "--model-manifest", str(run_dir / "manifest.json"), "--persona-report", "r.json"
    )
    assert result.ret in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED), result.stdout.str()[-3000:]
    report = json.loads((pytester.path / "r.json").read_text())
    assert {c["name"]: c["backend"] for c in report["checkpoints"]} == {
        "fp16": "transformers",
        "adapter": "peft",
        "merged": "transformers",
        "gguf-f16": "llama_cpp",
        "q4_k_m": "llama_cpp",
    }
    assert len(report["results"]) == 10 and all(r["error"] is None for r in report["results"])


def test_prompt_tokens_are_masked_from_the_loss(hf_checkpoint: Path, tmp_path: Path) -> None:
    from trainers.config import SFTConfig
    from trainers.hygiene import load_examples
    from trainers.sft import build_trainer

    data = tmp_path / "d.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in dataset()[:4]))
    trainer = build_trainer(hf_checkpoint, load_examples(data), [], SFTConfig(batch_size=4, max_steps=1), tmp_path)
    batch = next(iter(trainer.get_train_dataloader()))
    tokenizer = trainer.processing_class
    for ids, labels in zip(batch["input_ids"].tolist(), batch["labels"].tolist(), strict=True):
        supervised = tokenizer.decode([i for i, label in zip(ids, labels, strict=True) if label != -100])
        masked = tokenizer.decode([i for i, label in zip(ids, labels, strict=True) if label == -100])
        assert "move my" not in supervised.lower() and "point of a" not in supervised.lower()
        assert "<|im_start|>user" in masked  # the prompt, template included, carries no loss
        assert supervised.strip()  # the reply does


def test_bad_config_is_an_error_naming_file_line_and_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "train.yaml"
    config.write_text("data:\n  train: t.jsonl\nsft:\n  lora_rank: 8\n")
    assert persona_train(["run", str(config), "--out", str(tmp_path / "o")]) == 2
    assert "train.yaml:4: sft.lora_rank: unknown key 'lora_rank'" in capsys.readouterr().err
    config.write_text("data:\n  train: t.jsonl\nsft:\n  max_steps: many\n")
    assert persona_train(["sft", str(config), "--out", str(tmp_path / "o")]) == 2
    assert "train.yaml:4: sft.max_steps: expected int, got 'many'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        persona_train(["run", str(config), "--out", str(tmp_path / "o"), "--no-such-flag"])
    assert exit_info.value.code == 2


def test_an_interrupted_sft_resumes_from_its_last_checkpoint(
    hf_checkpoint: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in dataset()))
    config = tmp_path / "train.yaml"
    config.write_text(
        f"data:\n  train: train.jsonl\n  system_prompt: {SYSTEM!r}\n  val_fraction: 0.0\n"
        "sft:\n  batch_size: 4\n  logging_steps: 1\n  eval_steps: 2\n"
    )
    out = tmp_path / "out"
    shutil.copytree(hf_checkpoint, out / "base")
    assert persona_train(["split", str(config), "--out", str(out)]) == 0
    assert persona_train(["sft", str(config), "--out", str(out), "--max-steps", "2"]) == 0
    assert (out / "checkpoints" / "checkpoint-2").is_dir()
    capsys.readouterr()
    assert persona_train(["sft", str(config), "--out", str(out), "--max-steps", "4"]) == 0
    printed = capsys.readouterr().out  # the trainer's own log lines, then the stage's JSON metrics
    metrics = json.loads(printed[printed.rindex("\n{\n") :])
    assert metrics["resumed"] is True and metrics["steps"] == 4
    assert len(metrics["step_seconds"]) == 2 and all(t > 0 for t in metrics["step_seconds"])  # this invocation's
    steps = [row["step"] for row in json.loads((out / "loss_curve.json").read_text()) if "loss" in row]
    assert steps == [1, 2, 3, 4]  # the first two steps come from the interrupted run's state


def test_a_max_length_that_leaves_no_reply_token_is_refused_naming_the_length_that_fits(
    hf_checkpoint: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """trl truncates from the right and drops an example left with no reply token, silently: a long
    system prompt (an Arabic one is ~570 SmolLM2 tokens) would otherwise train on nothing at all."""
    from transformers import AutoTokenizer

    from trainers.hygiene import load_examples
    from trainers.sft import fit_lengths

    data = tmp_path / "d.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in dataset()[:4]))
    examples = load_examples(data)
    tokenizer = AutoTokenizer.from_pretrained(hf_checkpoint, local_files_only=True)
    fits = fit_lengths(tokenizer, examples, 256)
    assert fits["examples_cut_short"] == 0 and 20 < fits["longest_example_tokens"] < 256
    assert fit_lengths(tokenizer, examples, fits["longest_example_tokens"] - 2)["examples_cut_short"] >= 1

    project = tmp_path / "p"
    project.mkdir()
    (project / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in dataset()))
    (project / "josi.yaml").write_text(EVALSET)
    (project / "train.yaml").write_text(
        "name: long\ndata:\n  train: train.jsonl\n  eval_sets: [josi.yaml]\n"
        f"  system_prompt: {' '.join(['Keep to the plan.'] * 60)!r}\n  val_fraction: 0.2\n"
        "  balance: {refusal: [0.15, 0.5]}\nsft:\n  max_length: 128\n  max_steps: 1\n"
    )
    out = project / "out"
    shutil.copytree(hf_checkpoint, out / "base")
    assert persona_train(["split", str(project / "train.yaml"), "--out", str(out)]) == 0
    assert persona_train(["sft", str(project / "train.yaml"), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "sft.max_length 128 leaves no reply token in 24 of 24 examples" in err
    assert "set sft.max_length to at least" in err and not (out / "adapter").exists()
