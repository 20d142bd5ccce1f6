"""persona-train under a launcher: a 2-rank torchrun SFT on gloo, and stages that refuse to fan out."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.trainers.test_pipeline import SYSTEM, dataset
from trainers.cli import main as persona_train

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def torchrun(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"}
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2"]
    return subprocess.run([*command, "-m", "trainers.cli", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600)  # fmt: skip


def test_two_rank_sft_trains_one_adapter_written_once(hf_checkpoint: Path, tmp_path: Path) -> None:
    (tmp_path / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in dataset()))
    config = tmp_path / "train.yaml"
    config.write_text(
        f"data:\n  train: train.jsonl\n  system_prompt: {SYSTEM!r}\n  val_fraction: 0.0\n"
        "sft:\n  batch_size: 2\n  grad_accum: 2\n  logging_steps: 1\n  eval_steps: 0\n"
    )
    out = tmp_path / "out"
    shutil.copytree(hf_checkpoint, out / "base")
    assert persona_train(["split", str(config), "--out", str(out)]) == 0
    done = torchrun("sft", str(config), "--out", str(out), "--max-steps", "2", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.count('"world_size"') == 1  # the main process reports for both
    metrics = json.loads(done.stdout[done.stdout.index('{\n "') :])  # trl logs dicts first; then the stage's JSON
    assert metrics["world_size"] == 2 and metrics["effective_batch"] == 2 * 2 * 2 and metrics["steps"] == 2
    first, second = metrics["adapter_sha256_per_rank"]
    assert first == second  # DDP kept the two ranks' LoRA weights identical
    assert (out / "adapter" / "adapter_model.safetensors").is_file()
    assert json.loads((out / "adapter" / "adapter_config.json").read_text())["base_model_name_or_path"] == "../base"


def test_the_other_stages_refuse_to_run_on_several_processes(tmp_path: Path) -> None:
    config = tmp_path / "train.yaml"
    config.write_text("data:\n  train: t.jsonl\n")
    (tmp_path / "t.jsonl").write_text("")
    done = torchrun("merge", str(config), "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert done.returncode != 0
    assert "merge: runs in one process, but was launched on 2" in done.stderr, done.stderr[-2000:]
    assert not (tmp_path / "out").exists()  # refused before the run directory was made
