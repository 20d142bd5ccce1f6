"""LoRA SFT with trl: the tokenizer's own chat template, loss on the reply only, seeded, resumable.

Examples become trl's conversational prompt/completion pairs (everything before the last
assistant turn is the prompt), so trl masks the prompt tokens (label -100) with any template,
including ones without ``{% generation %}`` markers. An example whose prompt alone fills
``sft.max_length`` is refused before training (trl would drop it silently). The loss curve is
saved as JSON.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from trainers.config import SFTConfig

LOSS_CURVE = "loss_curve.json"


def to_prompt_completion(messages: Sequence[Any]) -> dict[str, list[dict[str, str]]]:
    """Split one conversation at its last assistant turn."""
    turns = [{"role": m.role, "content": m.content} for m in messages]
    last = max(i for i, t in enumerate(turns) if t["role"] == "assistant")
    return {"prompt": turns[:last], "completion": [turns[last]]}


def fit_lengths(
    tokenizer: Any, examples: Sequence[Any], max_length: int, key: str = "sft.max_length"
) -> dict[str, int]:
    """Token lengths of the examples under the chat template, against ``sft.max_length``.

    trl truncates from the right, so an example whose prompt alone fills ``max_length`` keeps no
    reply token and is dropped without a word: that is refused here, naming the length that fits.
    Examples whose reply is only cut short are counted for the metrics."""
    prompts, fulls = [], []
    for example in examples:
        pair = to_prompt_completion(example.messages)
        prompt = tokenizer.apply_chat_template(pair["prompt"], add_generation_prompt=True, return_dict=False)
        full = tokenizer.apply_chat_template(pair["prompt"] + pair["completion"], return_dict=False)
        prompts.append(len(prompt))
        fulls.append(len(full))
    lost = [i for i, n in enumerate(prompts) if n >= max_length]
    if lost:
        from trainers.config import ConfigError

        raise ConfigError(
            f"{key} {max_length} leaves no reply token in {len(lost)} of {len(examples)} examples "
            f"(their prompts take {min(prompts[i] for i in lost)}-{max(prompts[i] for i in lost)} tokens with this "
            f"tokenizer and chat template); the longest example is {max(fulls)} tokens: set {key} to at "
            "least that"
        )
    return {
        "max_length": max_length,
        "longest_example_tokens": max(fulls, default=0),
        "examples_cut_short": sum(n > max_length for n in fulls),
    }


def lora_config(settings: Any) -> Any:
    """peft's LoraConfig from a stage's lora_r / lora_alpha / lora_dropout / target_modules (SFT and preference)."""
    from peft import LoraConfig

    return LoraConfig(
        r=settings.lora_r,
        lora_alpha=settings.lora_alpha,
        lora_dropout=settings.lora_dropout,
        target_modules=settings.target_modules,
        task_type="CAUSAL_LM",
    )


def step_timer() -> Any:
    """A callback that records each optimizer step's wall time (for the metrics and benchmarks)."""
    import time

    from transformers import TrainerCallback

    class StepTimer(TrainerCallback):
        def __init__(self) -> None:
            self.seconds: list[float] = []
            self._started = 0.0

        def on_step_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            self._started = time.perf_counter()

        def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            self.seconds.append(round(time.perf_counter() - self._started, 4))

    return StepTimer()


STEP_ADAPTERS = "adapters"


def adapter_saver(folder: Path, every: int) -> Any:
    """A callback that saves the adapter every ``every`` steps as ``folder/step-N`` (main process only)."""
    from transformers import TrainerCallback

    class SaveAdapters(TrainerCallback):
        def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            if every and state.global_step % every == 0 and state.is_world_process_zero:
                kwargs["model"].save_pretrained(folder / f"step-{state.global_step}")

    return SaveAdapters()


def adapter_digests(trainer: Any) -> list[str]:
    """The SHA-256 of this process's LoRA weights, gathered from every rank (one entry alone)."""
    import hashlib

    import torch

    digest = hashlib.sha256()
    for name, tensor in sorted(trainer.model.state_dict().items()):
        if "lora_" in name:
            digest.update(name.encode())
            digest.update(tensor.detach().to(torch.float32).cpu().numpy().tobytes())
    mine = digest.hexdigest()
    if trainer.args.world_size > 1 and torch.distributed.is_available() and torch.distributed.is_initialized():
        gathered: list[Any] = [None] * trainer.args.world_size
        torch.distributed.all_gather_object(gathered, mine)
        return [str(value) for value in gathered]
    return [mine]


def build_trainer(base: Path, train: Sequence[Any], val: Sequence[Any], settings: SFTConfig, out: Path) -> Any:
    """A ready ``trl.SFTTrainer`` on ``base`` (an HF directory) with a fresh LoRA adapter."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    from datasets import Dataset
    from transformers import AutoModelForCausalLM, AutoTokenizer, EarlyStoppingCallback, set_seed
    from trl import SFTConfig as TrlConfig
    from trl import SFTTrainer

    from trainers.placement import quantization_config, resolve

    placement = resolve(settings)
    set_seed(settings.seed)
    tokenizer = AutoTokenizer.from_pretrained(base, local_files_only=True)
    lengths = fit_lengths(tokenizer, [*train, *val], settings.max_length)
    weights = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}[placement.precision]
    quantized = quantization_config(placement)
    model = AutoModelForCausalLM.from_pretrained(
        base,
        dtype=torch.float32 if placement.device == "cpu" else weights,
        local_files_only=True,
        **({"quantization_config": quantized, "device_map": {"": 0}} if quantized is not None else {}),
    )
    if quantized is not None:
        from peft import prepare_model_for_kbit_training

        model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=False)
    evaluate = bool(val) and settings.eval_steps > 0
    args = TrlConfig(
        output_dir=str(out / "checkpoints"),
        max_steps=settings.max_steps,
        per_device_train_batch_size=settings.batch_size,
        per_device_eval_batch_size=settings.batch_size,
        gradient_accumulation_steps=settings.grad_accum,
        learning_rate=settings.learning_rate,
        lr_scheduler_type=settings.lr_scheduler,
        warmup_steps=settings.warmup_ratio,  # a float in [0, 1) is a share of the steps
        max_length=settings.max_length,
        completion_only_loss=True,
        activation_checkpointing=False,  # with it on, a short CPU run produced garbage (trl defaults to on)
        logging_steps=settings.logging_steps,
        eval_strategy="steps" if evaluate else "no",
        eval_steps=settings.eval_steps if evaluate else None,
        save_strategy="steps",
        save_steps=max(1, settings.eval_steps or settings.max_steps),
        save_total_limit=2,
        load_best_model_at_end=evaluate and settings.early_stopping_patience > 0,
        metric_for_best_model="eval_loss" if evaluate else None,
        greater_is_better=False if evaluate else None,
        seed=settings.seed,
        data_seed=settings.seed,
        **placement.training_arguments(),
        dataloader_num_workers=0,
        disable_tqdm=False,
    )
    lora = lora_config(settings)
    timer = step_timer()
    callbacks = [timer]
    if settings.save_every:
        callbacks.append(adapter_saver(out / STEP_ADAPTERS, settings.save_every))
    if args.load_best_model_at_end:
        callbacks.append(EarlyStoppingCallback(early_stopping_patience=settings.early_stopping_patience))
    trainer = SFTTrainer(
        model=model,
        args=args,
        train_dataset=Dataset.from_list([to_prompt_completion(e.messages) for e in train]),
        eval_dataset=Dataset.from_list([to_prompt_completion(e.messages) for e in val]) if evaluate else None,
        processing_class=tokenizer,
        peft_config=lora,
        callbacks=callbacks,
    )
    trainer.step_timer = timer
    trainer.placement = placement
    trainer.lengths = lengths
    return trainer


def train(base: Path, train: Sequence[Any], val: Sequence[Any], settings: SFTConfig, out: Path) -> dict[str, Any]:
    """Train, save the adapter (with tokenizer) under ``out/adapter``; return metrics.

    An interrupted run resumes from its last checkpoint under ``out/checkpoints``."""
    trainer = build_trainer(base, train, val, settings, out)
    checkpoints = sorted((out / "checkpoints").glob("checkpoint-*"), key=lambda p: int(p.name.split("-")[1]))
    result = trainer.train(resume_from_checkpoint=str(checkpoints[-1]) if checkpoints else None)
    adapter = out / "adapter"
    history = trainer.state.log_history
    curve = [{k: v for k, v in row.items() if k in ("step", "loss", "eval_loss", "learning_rate")} for row in history]
    ranks = adapter_digests(trainer)  # every rank's adapter weights, to show they agree
    if trainer.is_world_process_zero():  # under a launcher, one process writes
        trainer.model.save_pretrained(adapter)
        trainer.processing_class.save_pretrained(adapter)
        for saved in sorted((out / STEP_ADAPTERS).glob("step-*")):
            trainer.processing_class.save_pretrained(saved)
        (out / LOSS_CURVE).write_text(json.dumps(curve, indent=1), encoding="utf-8")
    world_size = trainer.args.world_size
    losses = [row["loss"] for row in history if "loss" in row]
    evals = [row["eval_loss"] for row in history if "eval_loss" in row]
    return {
        "steps": trainer.state.global_step,
        "train_loss": result.training_loss,
        "first_logged_loss": losses[0] if losses else None,
        "last_logged_loss": losses[-1] if losses else None,
        "best_eval_loss": min(evals) if evals else None,
        "resumed": bool(checkpoints),
        "world_size": world_size,
        "effective_batch": settings.batch_size * settings.grad_accum * world_size,
        "adapter_sha256_per_rank": ranks,
        "placement": asdict(trainer.placement),
        "lengths": trainer.lengths,  # the longest example and how many replies max_length cut short
        "step_seconds": trainer.step_timer.seconds,  # wall time of each optimizer step of this invocation
        "settings": asdict(settings),
    }
