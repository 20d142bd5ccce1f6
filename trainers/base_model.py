"""The fp16 Hugging Face base checkpoint, made from a GGUF (the embedded SmolLM2 by default).

transformers loads a GGUF as a "quantized" model that refuses ``save_pretrained``; so the
weights are dequantized into a fresh model built from the same config, saved as fp16
safetensors with the tokenizer and chat template, and read back to verify. No hub access.
"""

from __future__ import annotations

from pathlib import Path


def gguf_to_hf(gguf: Path, out: Path, dtype: str = "float16") -> Path:
    """Write an HF checkpoint directory for ``gguf`` at ``out`` and return it."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name, local_files_only=True)
    quantized = AutoModelForCausalLM.from_pretrained(
        str(gguf.parent), gguf_file=gguf.name, dtype=torch.float32, local_files_only=True
    )
    config = quantized.config
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    fresh = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    missing, unexpected = fresh.load_state_dict(quantized.state_dict(), strict=False)
    missing = [name for name in missing if not _tied(fresh, name)]
    if missing or unexpected:
        raise ValueError(f"{gguf}: weights do not fit the config (missing {missing[:3]}, unexpected {unexpected[:3]})")
    fresh.to(getattr(torch, dtype))
    out.mkdir(parents=True, exist_ok=True)
    fresh.save_pretrained(out, safe_serialization=True)
    tokenizer.save_pretrained(out)
    _verify(out, quantized, tokenizer)
    return out


def _tied(model: object, name: str) -> bool:
    """lm_head tied to the embeddings is not a separate tensor."""
    return name == "lm_head.weight" and bool(getattr(model.config, "tie_word_embeddings", False))  # type: ignore[attr-defined]


def _verify(out: Path, reference: object, tokenizer: object) -> None:
    """Read the saved checkpoint back: same next-token choice as the GGUF-loaded model."""
    import torch
    from transformers import AutoModelForCausalLM

    saved = AutoModelForCausalLM.from_pretrained(out, dtype=torch.float32, local_files_only=True)
    ids = tokenizer("The athlete's long run is on", return_tensors="pt").input_ids  # type: ignore[operator]
    with torch.no_grad():
        a = reference(ids).logits[0, -1]  # type: ignore[operator]
        b = saved(ids).logits[0, -1]
    if int(a.argmax()) != int(b.argmax()):
        raise ValueError(f"{out}: the saved checkpoint does not reproduce the source model")
