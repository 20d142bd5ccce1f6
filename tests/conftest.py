"""Shared helpers: write an eval set and a replay file into a pytester sandbox."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest


def write_replay(pytester: pytest.Pytester, replies: dict[str, str] | list[dict], name: str = "replies") -> Path:
    """A replay file: a {case: output} mapping or a list of raw records."""
    records = [{"case": c, "output": o} for c, o in replies.items()] if isinstance(replies, dict) else replies
    path = pytester.path / f"{name}.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def write_evalset(pytester: pytest.Pytester, text: str, name: str = "persona") -> Path:
    path = pytester.path / f"{name}.yaml"
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def hf_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The embedded SmolLM2 GGUF as an fp16 HF checkpoint (made once per test session, ~45 s)."""
    from pytest_persona.backends.embedded import embedded_model_path
    from trainers.base_model import gguf_to_hf

    return gguf_to_hf(embedded_model_path(), tmp_path_factory.mktemp("hf") / "smollm2-fp16")


@pytest.fixture(scope="session")
def lora_adapter(hf_checkpoint: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random LoRA (r=4 on q/v) on the fp16 checkpoint, its base named by absolute path."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    torch.manual_seed(0)
    base = AutoModelForCausalLM.from_pretrained(hf_checkpoint, dtype=torch.float32)
    config = LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"], init_lora_weights=False)
    model = get_peft_model(base, config)
    out = tmp_path_factory.mktemp("adapter") / "lora"
    model.save_pretrained(out)
    settings = json.loads((out / "adapter_config.json").read_text())
    settings["base_model_name_or_path"] = str(hf_checkpoint)
    (out / "adapter_config.json").write_text(json.dumps(settings))
    return out


SIMPLE = """
    evalset: coach
    system: You are Josi, a running coach.
    defaults:
      checks: [{max_words: 12}]
    cases:
      - id: greet
        tags: [smalltalk]
        prompt: Hi!
      - id: refuse
        tags: [i6]
        prompt: Move my long run to Sunday.
        checks: [{contains: coach}]
"""
