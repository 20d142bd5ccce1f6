"""`persona-train sft` step time vs a plain trl script with the same model, data and settings."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

from benchmarks.common import ROOT, Measurement, median, progress, run

STEPS = 5
CONFIG = """\
name: bench
data:
  train: train.jsonl
  system_prompt: You are Josi, a running coach.
  val_fraction: 0.0
sft:
  max_steps: {steps}
  batch_size: 8
  eval_steps: 0
  logging_steps: 1
  max_length: 128
"""


def stage_metrics(stdout: str) -> dict:
    """The stage's JSON metrics, printed last (after the trainer's own log lines)."""
    return json.loads(stdout[stdout.rindex("\n{\n") :])


def plain_metrics(stdout: str) -> dict:
    return json.loads(next(line for line in reversed(stdout.splitlines()) if line.startswith('{"step_seconds"')))


def measure(work: Path, hf_dir: Path, repeats: int) -> list[Measurement]:
    folder = work / "train"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    lines = (ROOT / "examples" / "josi" / "train.jsonl").read_text("utf-8").splitlines()[:96]
    (folder / "train.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "train.yaml").write_text(CONFIG.format(steps=STEPS), encoding="utf-8")
    cli = str(Path(sys.executable).parent / "persona-train")
    ours: list[float] = []
    plain: list[float] = []
    for repeat in range(repeats):
        progress(f"training step: repeat {repeat + 1}/{repeats} ({STEPS} steps each)")
        out = folder / f"out-{repeat}"
        shutil.copytree(hf_dir, out / "base")
        run([cli, "split", "train.yaml", "--out", str(out)], cwd=folder)
        _, stdout = run([cli, "sft", "train.yaml", "--out", str(out)], cwd=folder)
        ours += stage_metrics(stdout)["step_seconds"][1:]  # the first step also warms up
        _, stdout = run(
            [
                sys.executable,
                str(ROOT / "benchmarks" / "plain_trl.py"),
                str(out / "base"),
                str(out / "data" / "train.jsonl"),
                str(folder / f"plain-{repeat}"),
                str(STEPS),
            ],
            cwd=folder,
        )
        plain += plain_metrics(stdout)["step_seconds"][1:]
    ratio = median(ours) / median(plain)
    return [
        Measurement(
            "train_step_ratio",
            ratio,
            "<= 1.05",
            ratio <= 1.05,
            {
                "persona_train_step_s": median(ours),
                "plain_trl_step_s": median(plain),
                "steps_timed": len(ours),
            },
        ),
    ]
