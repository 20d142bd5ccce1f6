"""Where and how SFT runs: the device, the precision, a 4-bit base (QLoRA) and tracking, decided once.

The same config trains on a laptop and on a GPU box: ``sft.device: auto`` takes CUDA when torch
sees it, else the CPU; ``sft.precision: auto`` is bf16 where the GPU supports it, fp32 on the
CPU (deterministic); ``sft.qlora`` loads the base in 4-bit NF4 through bitsandbytes, which needs
CUDA, and is refused with a message naming the key otherwise; ``sft.report_to`` goes to trl as
written (offline: wandb is set to offline mode unless the environment says otherwise).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from trainers.config import ConfigError, SFTConfig

DEVICES = ("auto", "cpu", "cuda")
PRECISIONS = ("auto", "fp32", "bf16", "fp16")


@dataclass(frozen=True)
class Placement:
    device: str  # "cpu" or "cuda"
    precision: str  # "fp32", "bf16" or "fp16"
    qlora: bool
    report_to: tuple[str, ...]  # trl/transformers integration names; () for none

    def training_arguments(self) -> dict[str, object]:
        """The TrainingArguments fields this placement decides."""
        return {
            "use_cpu": self.device == "cpu",
            "bf16": self.precision == "bf16",
            "fp16": self.precision == "fp16",
            "report_to": list(self.report_to),
        }


def _cuda() -> tuple[bool, bool]:
    import torch

    available = torch.cuda.is_available()
    return available, available and torch.cuda.is_bf16_supported()


def _installed_trackers() -> set[str]:
    from transformers.integrations import get_available_reporting_integrations

    return set(get_available_reporting_integrations())


def resolve(
    settings: SFTConfig,
    cuda: Callable[[], tuple[bool, bool]] = _cuda,
    installed: Callable[[], set[str]] = _installed_trackers,
) -> Placement:
    """The placement for ``settings`` on this machine; a ConfigError names the sft key it cannot meet."""
    if settings.device not in DEVICES:
        raise ConfigError(f"sft.device: {settings.device!r}; use one of {', '.join(DEVICES)}")
    if settings.precision not in PRECISIONS:
        raise ConfigError(f"sft.precision: {settings.precision!r}; use one of {', '.join(PRECISIONS)}")
    has_cuda, has_bf16 = cuda()
    if settings.device == "cuda" and not has_cuda:
        raise ConfigError("sft.device: cuda, but torch sees no CUDA device here; use auto or cpu")
    device = "cuda" if settings.device == "cuda" or (settings.device == "auto" and has_cuda) else "cpu"
    precision = settings.precision
    if precision == "auto":
        precision = ("bf16" if has_bf16 else "fp16") if device == "cuda" else "fp32"
    if precision == "fp16" and device == "cpu":
        raise ConfigError("sft.precision: fp16 needs a CUDA device; on the CPU use fp32 or bf16")
    if precision == "bf16" and device == "cuda" and not has_bf16:
        raise ConfigError("sft.precision: bf16, but this GPU does not support it; use fp16 or auto")
    if settings.qlora:
        if device != "cuda":
            raise ConfigError(
                "sft.qlora: a 4-bit base (bitsandbytes) needs a CUDA device and this run is on the CPU; "
                "set sft.qlora: false (LoRA on the fp32 base) or train on a GPU"
            )
        try:
            import bitsandbytes  # noqa: F401
        except ImportError:
            raise ConfigError("sft.qlora: needs bitsandbytes (pip install bitsandbytes)") from None
    wanted = tuple(name for name in _names(settings.report_to) if name != "none")
    if wanted:
        missing = sorted(set(wanted) - installed())
        if missing:
            raise ConfigError(
                f"sft.report_to: {', '.join(missing)} not installed here (pip install {' '.join(missing)}), "
                "or report_to: none"
            )
        if "wandb" in wanted:
            os.environ.setdefault("WANDB_MODE", "offline")  # no telemetry unless asked for
    return Placement(device=device, precision=precision, qlora=settings.qlora, report_to=wanted)


def _names(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def quantization_config(placement: Placement) -> object | None:
    """The BitsAndBytesConfig of a QLoRA base (NF4, double quantization, compute in the run's precision)."""
    if not placement.qlora:
        return None
    import torch
    from transformers import BitsAndBytesConfig

    compute = torch.bfloat16 if placement.precision == "bf16" else torch.float16
    return BitsAndBytesConfig(
        load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True, bnb_4bit_compute_dtype=compute
    )
