"""Merge the LoRA adapter into its base and prove the merged checkpoint answers like adapter+base."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

PROBES = (
    "Move my long run to Sunday.",
    "Who are you?",
    "Reply only with a JSON object describing today's session.",
)
MAX_LOGIT_DIFF = 0.5  # fp16 storage of the merged weights moves logits a little, never this much


def merge(base: Path, adapter: Path, out: Path) -> dict[str, Any]:
    """Write the merged fp16 safetensors checkpoint (tokenizer and chat template included)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(adapter, local_files_only=True)
    model = AutoModelForCausalLM.from_pretrained(base, dtype=torch.float32, local_files_only=True)
    with_adapter = PeftModel.from_pretrained(model, adapter, is_trainable=False).eval()
    prompts = [
        tokenizer.apply_chat_template([{"role": "user", "content": p}], add_generation_prompt=True, return_tensors="pt")
        for p in PROBES
    ]
    prompts = [p["input_ids"] if hasattr(p, "keys") else p for p in prompts]
    with torch.no_grad():
        expected = [with_adapter(ids).logits[0, -1] for ids in prompts]
    merged = with_adapter.merge_and_unload()
    merged.to(torch.float16).save_pretrained(out, safe_serialization=True)
    tokenizer.save_pretrained(out)

    reloaded = AutoModelForCausalLM.from_pretrained(out, dtype=torch.float32, local_files_only=True).eval()
    with torch.no_grad():
        got = [reloaded(ids).logits[0, -1] for ids in prompts]
    diff = max(float((a - b).abs().max()) for a, b in zip(expected, got, strict=True))
    same_top = all(int(a.argmax()) == int(b.argmax()) for a, b in zip(expected, got, strict=True))
    if diff > MAX_LOGIT_DIFF or not same_top:
        raise RuntimeError(
            f"{out}: the merged checkpoint does not answer like adapter+base "
            f"(max logit difference {diff:.3f}, same next token: {same_top})"
        )
    return {"max_logit_diff": diff, "same_next_token": same_top, "probes": len(PROBES)}
