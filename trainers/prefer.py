"""The preference stage: trl DPO (or ORPO) on a new LoRA adapter over the SFT-merged weights.

The SFT adapter is merged into the base first and a fresh LoRA is trained on top of that. DPO's
reference model is the policy with its adapter disabled, which is then exactly the SFT
checkpoint; continuing the SFT adapter instead would make the untuned base the reference.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from trainers.config import PreferConfig

PREFER_CURVE = "prefer_curve.json"
ADAPTER = "prefer-adapter"


@dataclass(frozen=True)
class _Turn:
    role: str
    content: str


@dataclass(frozen=True)
class _Conversation:
    """A pair's prompt with one of its replies, for the length check SFT uses."""

    messages: Sequence[Any]


def _load(base: Path, placement: Any) -> tuple[Any, Any]:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(base, local_files_only=True)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    weights = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}[placement.precision]
    dtype = torch.float32 if placement.device == "cpu" else weights
    model = AutoModelForCausalLM.from_pretrained(base, dtype=dtype, local_files_only=True)
    return model, tokenizer


def build_trainer(base: Path, pairs: Sequence[Any], settings: PreferConfig, placement: Any, out: Path) -> Any:
    """A ready DPOTrainer or ORPOTrainer on ``base`` (the SFT-merged HF directory) with a fresh LoRA."""
    from datasets import Dataset
    from transformers import set_seed

    from trainers.sft import fit_lengths, lora_config, step_timer

    set_seed(settings.seed)
    model, tokenizer = _load(base, placement)
    conversations = [_Conversation([*p.prompt, _Turn("assistant", r)]) for p in pairs for r in (p.chosen, p.rejected)]
    fit_lengths(tokenizer, conversations, settings.max_length, "prefer.max_length")  # a filling prompt is refused
    common = {
        "output_dir": str(out / "prefer-checkpoints"),
        "max_steps": settings.max_steps,
        "per_device_train_batch_size": settings.batch_size,
        "gradient_accumulation_steps": settings.grad_accum,
        "learning_rate": settings.learning_rate,
        "lr_scheduler_type": "constant",
        "beta": settings.beta,
        "max_length": settings.max_length,
        "logging_steps": settings.logging_steps,
        "save_strategy": "no",
        "seed": settings.seed,
        "data_seed": settings.seed,
        "activation_checkpointing": False,  # as in SFT: off for short CPU runs
        "dataloader_num_workers": 0,
        "disable_tqdm": False,
        **placement.training_arguments(),
    }
    lora = lora_config(settings)
    timer = step_timer()
    dataset = Dataset.from_list([p.as_trl() for p in pairs])
    if settings.trainer == "orpo":
        from trl.experimental.orpo import ORPOConfig, ORPOTrainer

        trainer = ORPOTrainer(
            model=model,
            args=ORPOConfig(**common),
            train_dataset=dataset,
            processing_class=tokenizer,
            peft_config=lora,
            callbacks=[timer],
        )
    else:
        from trl import DPOConfig, DPOTrainer

        trainer = DPOTrainer(
            model=model,
            args=DPOConfig(**common),
            train_dataset=dataset,
            processing_class=tokenizer,
            peft_config=lora,
            callbacks=[timer],
        )
    trainer.step_timer = timer
    return trainer


def logprob_gap(model: Any, tokenizer: Any, pairs: Sequence[Any]) -> float:
    """Mean over pairs of (mean token log-prob of chosen − of rejected) given the prompt: > 0 prefers chosen."""
    import torch

    gaps = []
    model.eval()
    with torch.no_grad():
        for pair in pairs:
            prompt = [{"role": m.role, "content": m.content} for m in pair.prompt]
            head = tokenizer.apply_chat_template(prompt, tokenize=False, add_generation_prompt=True)
            scores = []
            for reply in (pair.chosen, pair.rejected):
                full = tokenizer.apply_chat_template([*prompt, {"role": "assistant", "content": reply}], tokenize=False)
                tail = full[len(head) :] if full.startswith(head) else reply
                head_ids = tokenizer(head, add_special_tokens=False).input_ids
                tail_ids = tokenizer(tail, add_special_tokens=False).input_ids
                ids = torch.tensor([head_ids + tail_ids], device=model.device)
                logits = model(ids).logits[0, len(head_ids) - 1 : -1].float()
                token_logps = torch.log_softmax(logits, -1).gather(1, ids[0, len(head_ids) :, None])
                scores.append(float(token_logps.mean()))
            gaps.append(scores[0] - scores[1])
    return sum(gaps) / len(gaps)


def train(base: Path, pairs: Sequence[Any], settings: PreferConfig, placement: Any, out: Path) -> dict[str, Any]:
    """Train, save the preference adapter (with tokenizer) under ``out/prefer-adapter``; return metrics."""
    trainer = build_trainer(base, pairs, settings, placement, out)
    tokenizer = trainer.processing_class
    before = logprob_gap(trainer.model, tokenizer, pairs)  # a fresh LoRA (B = 0) answers like the SFT model
    started = time.perf_counter()
    result = trainer.train()
    seconds = time.perf_counter() - started
    after = logprob_gap(trainer.model, tokenizer, pairs)
    history = trainer.state.log_history
    keep = ("step", "loss", "rewards/margins", "rewards/accuracies", "log_odds_ratio", "learning_rate")
    curve = [{k: v for k, v in row.items() if k in keep} for row in history if "loss" in row]
    trainer.model.save_pretrained(out / ADAPTER)
    tokenizer.save_pretrained(out / ADAPTER)
    (out / PREFER_CURVE).write_text(json.dumps(curve, indent=1), encoding="utf-8")
    margins = [row["rewards/margins"] for row in curve if "rewards/margins" in row]
    return {
        "trainer": settings.trainer,
        "steps": trainer.state.global_step,
        "train_loss": result.training_loss,
        "reward_margin_first": margins[0] if margins else None,
        "reward_margin_last": margins[-1] if margins else None,
        "logprob_gap_before": round(before, 4),
        "logprob_gap_after": round(after, 4),
        "train_seconds": round(seconds, 1),
        "step_seconds": trainer.step_timer.seconds,
        "placement": asdict(placement),
        "settings": asdict(settings),
    }
