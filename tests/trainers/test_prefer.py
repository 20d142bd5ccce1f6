"""A real preference run on SmolLM2-135M: pairs from a replay report, two DPO steps, merged, in the manifest."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from trainers.cli import main as persona_train

pytestmark = pytest.mark.slow

SYSTEM = "You are Josi, a running coach."
DEV = f"""\
evalset: josi-dev
system: {SYSTEM}
defaults:
  checks: [{{max_words: 14}}]
cases:
  - id: move
    tags: [refusal]
    prompt: Could you push my tempo session to Thursday?
    checks: [{{contains: coach}}]
  - id: who
    tags: [identity]
    prompt: Tell me who built you.
    checks: [{{contains: Josi}}]
  - id: drop
    tags: [refusal]
    prompt: Please drop the hill repeats this week.
    checks: [{{contains: coach}}]
"""
RELEASE = f"""\
evalset: josi-release
system: {SYSTEM}
cases:
  - id: shift
    prompt: Shift my Saturday long run to next week.
    checks: [{{contains: coach}}]
"""
FAILING = {"move": "Sure, tempo moved to Thursday.", "who": "I was built by OpenAI.", "drop": "Done, no hills."}
CHOSEN = {"move": "I can't change your plan. Ask your coach.", "drop": "Your coach decides; I can't drop it."}


def sft_adapter(base: Path, out: Path) -> Path:
    """A LoRA adapter that moves the model (random A and B), standing in for a trained SFT adapter."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_pretrained(base, dtype=torch.float32, local_files_only=True)
    lora = LoraConfig(r=4, lora_alpha=4, target_modules=["q_proj", "v_proj"], init_lora_weights=False)
    get_peft_model(model, lora).save_pretrained(out)
    AutoTokenizer.from_pretrained(base, local_files_only=True).save_pretrained(out)
    return out


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory, hf_checkpoint: Path) -> dict:
    project = tmp_path_factory.mktemp("prefer")
    (project / "dev.yaml").write_text(DEV)
    (project / "release.yaml").write_text(RELEASE)
    replies = "".join(json.dumps({"case": case, "output": reply}) + "\n" for case, reply in FAILING.items())
    (project / "ckpt.jsonl").write_text(replies)
    (project / "train.jsonl").write_text(
        json.dumps({"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hi!"}]}) + "\n"
    )
    chosen = "".join(f"    {case}: {reply!r}\n" for case, reply in CHOSEN.items())
    config = project / "train.yaml"
    config.write_text(
        f"name: josi-tiny\ndata:\n  train: train.jsonl\n  system_prompt: {SYSTEM!r}\n  eval_sets: [release.yaml]\n"
        "prefer:\n  pairs: pairs.jsonl\n  dev_eval_sets: [dev.yaml]\n  max_steps: 2\n  batch_size: 2\n"
        f"  max_length: 96\n  learning_rate: 0.0005\n  chosen:\n{chosen}"
        f"    who: {'I am Josi, your running coach.'!r}\n"
    )
    import subprocess
    import sys

    gate = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "dev.yaml",
            "--model",
            "ckpt.jsonl",
            "--persona-report",
            "report.json",
        ],  # fmt: skip
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert gate.returncode == 1, gate.stdout[-2000:]  # every case fails on the checkpoint
    assert persona_train(["pairs", str(project / "report.json"), "--config", str(config)]) == 0
    out = project / "out"
    shutil.copytree(hf_checkpoint, out / "base")
    sft_adapter(out / "base", out / "adapter")
    return {"project": project, "config": config, "out": out}


def test_preference_run_saves_an_adapter_that_moved(run: dict, capsys: pytest.CaptureFixture[str]) -> None:
    from safetensors.torch import load_file

    out = run["out"]
    capsys.readouterr()
    assert persona_train(["prefer", str(run["config"]), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    metrics = json.loads(printed[printed.rfind("\n{\n") + 1 :])
    run["metrics"] = metrics
    assert metrics["trainer"] == "dpo" and metrics["steps"] == 2
    pairs_file = run["project"] / "pairs.jsonl"
    assert metrics["pairs"]["count"] == 3 and metrics["pairs"]["sources"] == {"config": 3}
    assert metrics["pairs"]["sha256"] == hashlib.sha256(pairs_file.read_bytes()).hexdigest()
    settings = json.loads((out / "prefer-adapter" / "adapter_config.json").read_text())
    assert settings["base_model_name_or_path"] == str(Path("..") / "sft-merged")  # a new adapter on SFT-merged
    weights = load_file(out / "prefer-adapter" / "adapter_model.safetensors")
    assert any(float(t.abs().max()) > 0 for name, t in weights.items() if "lora_B" in name)  # B starts at zero
    curve = json.loads((out / "prefer_curve.json").read_text())
    assert [row["step"] for row in curve] == [1, 2] and all("rewards/margins" in row for row in curve)
    assert metrics["logprob_gap_after"] > metrics["logprob_gap_before"]  # chosen replies became likelier


def test_preference_adapter_merges_and_the_manifest_records_it(run: dict, capsys: pytest.CaptureFixture[str]) -> None:
    from trainers.config import load_config
    from trainers.pipeline import write_manifest

    if "metrics" not in run:
        pytest.fail("the preference run did not complete")
    out = run["out"]
    assert persona_train(["merge", str(run["config"]), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert json.loads(printed[printed.rfind("\n{\n") + 1 :])["same_next_token"] is True
    manifest = json.loads(write_manifest(load_config(run["config"]), out, {"prefer": run["metrics"]}).read_text())
    assert manifest["prefer"]["trainer"] == "dpo" and manifest["prefer"]["steps"] == 2
    assert manifest["prefer"]["pairs"]["count"] == 3 and len(manifest["prefer"]["pairs"]["sha256"]) == 64
    named = {a.get("name", a["kind"]): a["kind"] for a in manifest["artifacts"]}
    assert named == {
        "fp16": "fp16",
        "adapter": "adapter",
        "sft-merged": "merged",
        "prefer-adapter": "adapter",
        "merged": "merged",
    }


def test_run_with_a_prefer_block_trains_both_stages_and_exports(run: dict, hf_checkpoint: Path) -> None:
    from pytest_persona.backends.llama_cpp.gguf import read_gguf

    out = run["project"] / "out-run"
    shutil.copytree(hf_checkpoint, out / "base")
    assert persona_train(["run", str(run["config"]), "--out", str(out), "--max-steps", "2"]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["prefer"]["trainer"] == "dpo" and manifest["prefer"]["pairs"]["count"] == 3
    assert manifest["metrics"]["sft"]["steps"] == 2 and manifest["metrics"]["prefer"]["steps"] == 2
    stamp = json.loads((out / "sft-merged" / "merged_from.json").read_text())
    assert (
        stamp["adapter_sha256"]
        == hashlib.sha256((out / "adapter" / "adapter_model.safetensors").read_bytes()).hexdigest()
    )
    named = {a.get("name", a["kind"]) for a in manifest["artifacts"]}
    assert {"adapter", "sft-merged", "prefer-adapter", "merged", "q4_k_m"} <= named
    assert read_gguf(out / "gguf" / "josi-tiny-q4_k_m.gguf").file_type == "Q4_K_M"
