"""The baseline for the training ratio: a plain trl SFTTrainer script with persona-train's settings.

python benchmarks/plain_trl.py BASE_DIR TRAIN.jsonl OUT_DIR STEPS   (prints step seconds as JSON)
"""

from __future__ import annotations

import json
import sys
import time

import torch
from datasets import Dataset
from peft import LoraConfig
from transformers import AutoModelForCausalLM, AutoTokenizer, TrainerCallback, set_seed
from trl import SFTConfig, SFTTrainer


class Timer(TrainerCallback):
    def __init__(self) -> None:
        self.seconds: list[float] = []

    def on_step_begin(self, args, state, control, **kwargs):  # noqa: ANN001, ANN201
        self.started = time.perf_counter()

    def on_step_end(self, args, state, control, **kwargs):  # noqa: ANN001, ANN201
        self.seconds.append(time.perf_counter() - self.started)


def main(base: str, data: str, out: str, steps: int) -> None:
    set_seed(0)
    rows = []
    for line in open(data, encoding="utf-8"):
        turns = json.loads(line)["messages"]
        last = max(i for i, t in enumerate(turns) if t["role"] == "assistant")
        rows.append({"prompt": turns[:last], "completion": [turns[last]]})
    tokenizer = AutoTokenizer.from_pretrained(base)
    model = AutoModelForCausalLM.from_pretrained(base, dtype=torch.float32)
    args = SFTConfig(
        output_dir=out,
        max_steps=steps,
        per_device_train_batch_size=8,
        learning_rate=3e-4,
        lr_scheduler_type="cosine",
        max_length=128,
        completion_only_loss=True,
        activation_checkpointing=False,
        logging_steps=1,
        save_strategy="no",
        seed=0,
        data_seed=0,
        use_cpu=True,
        report_to=[],
        dataloader_num_workers=0,
    )
    lora = LoraConfig(r=16, lora_alpha=32, lora_dropout=0.05, target_modules="all-linear", task_type="CAUSAL_LM")
    timer = Timer()
    trainer = SFTTrainer(
        model=model,
        args=args,
        train_dataset=Dataset.from_list(rows),
        processing_class=tokenizer,
        peft_config=lora,
        callbacks=[timer],
    )
    trainer.train()
    print(json.dumps({"step_seconds": timer.seconds}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]))
