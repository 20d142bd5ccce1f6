"""Where SFT runs: one config for a laptop and a GPU box, and clear refusals of what a machine lacks."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from tests.trainers.test_pipeline import SYSTEM, dataset
from trainers.cli import main as persona_train
from trainers.config import ConfigError, SFTConfig
from trainers.placement import resolve

CPU = lambda: (False, False)  # noqa: E731 - torch's answers, as a machine without CUDA gives them
BF16_GPU = lambda: (True, True)  # noqa: E731
OLD_GPU = lambda: (True, False)  # noqa: E731
NOTHING = lambda: set()  # noqa: E731


def test_auto_is_the_cpu_in_fp32_here_and_bf16_on_a_gpu_that_has_it() -> None:
    assert resolve(SFTConfig(), CPU, NOTHING).training_arguments() == {
        "use_cpu": True,
        "bf16": False,
        "fp16": False,
        "report_to": [],
    }
    on_gpu = resolve(SFTConfig(), BF16_GPU, NOTHING)
    assert (on_gpu.device, on_gpu.precision) == ("cuda", "bf16")
    assert resolve(SFTConfig(), OLD_GPU, NOTHING).precision == "fp16"
    assert resolve(SFTConfig(device="cpu"), BF16_GPU, NOTHING).device == "cpu"
    assert resolve(SFTConfig(precision="bf16"), CPU, NOTHING).training_arguments()["bf16"] is True


@pytest.mark.parametrize(
    ("settings", "cuda", "message"),
    [
        (SFTConfig(qlora=True), CPU, "sft.qlora: a 4-bit base (bitsandbytes) needs a CUDA device"),
        (SFTConfig(device="cuda"), CPU, "sft.device: cuda, but torch sees no CUDA device"),
        (SFTConfig(precision="fp16"), CPU, "sft.precision: fp16 needs a CUDA device"),
        (SFTConfig(precision="bf16"), OLD_GPU, "sft.precision: bf16, but this GPU does not support it"),
        (SFTConfig(device="tpu"), CPU, "sft.device: 'tpu'; use one of auto, cpu, cuda"),
        (SFTConfig(report_to="tensorboard"), CPU, "sft.report_to: tensorboard not installed here"),
        (SFTConfig(report_to=["none", "wandb"]), CPU, "sft.report_to: wandb not installed"),
    ],
)
def test_what_this_machine_cannot_do_is_refused_naming_the_key(settings: SFTConfig, cuda, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        resolve(settings, cuda, NOTHING)


def test_qlora_on_a_gpu_without_bitsandbytes_says_what_to_install() -> None:
    pytest.importorskip("torch")
    try:
        import bitsandbytes  # noqa: F401
    except ImportError:
        with pytest.raises(ConfigError, match=r"sft.qlora: needs bitsandbytes \(pip install bitsandbytes\)"):
            resolve(SFTConfig(qlora=True), BF16_GPU, NOTHING)
    else:  # pragma: no cover - bitsandbytes is not installed by the project
        assert resolve(SFTConfig(qlora=True), BF16_GPU, NOTHING).qlora


def test_wandb_runs_offline_unless_the_environment_says_otherwise(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WANDB_MODE", raising=False)
    placement = resolve(SFTConfig(report_to="wandb"), CPU, lambda: {"wandb"})
    assert placement.report_to == ("wandb",)
    import os

    assert os.environ["WANDB_MODE"] == "offline"
    monkeypatch.setenv("WANDB_MODE", "online")
    resolve(SFTConfig(report_to="wandb"), CPU, lambda: {"wandb"})
    assert os.environ["WANDB_MODE"] == "online"


def test_a_bad_device_in_the_config_names_its_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "train.yaml"
    config.write_text("data:\n  train: t.jsonl\nsft:\n  device: gpu\n")
    (tmp_path / "t.jsonl").write_text("")
    assert persona_train(["check-data", str(config)]) == 2
    assert "train.yaml:4: sft.device: 'gpu'; use one of auto, cpu, cuda" in capsys.readouterr().err


def test_sft_with_qlora_on_this_cpu_exits_2_before_loading_anything(
    hf_checkpoint: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in dataset()))
    config = tmp_path / "train.yaml"
    config.write_text(f"data:\n  train: train.jsonl\n  system_prompt: {SYSTEM!r}\nsft:\n  qlora: true\n")
    out = tmp_path / "out"
    shutil.copytree(hf_checkpoint, out / "base")
    assert persona_train(["split", str(config), "--out", str(out)]) == 0
    capsys.readouterr()
    assert persona_train(["sft", str(config), "--out", str(out)]) == 2
    assert "persona-train sft: sft.qlora: a 4-bit base (bitsandbytes) needs a CUDA device" in capsys.readouterr().err
    assert not (out / "adapter").exists()
