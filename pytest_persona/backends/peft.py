"""A PEFT (LoRA) adapter on its base checkpoint, as training leaves it before the merge.

The base is the adapter's own ``base_model_name_or_path`` when that is a local directory,
else the one named with ``--persona-peft-base NAME=DIR``; never a hub download.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .base import BackendError
from .transformers import TransformersBackend, check_weights


def adapter_base(adapter: Path, override: str | None) -> Path:
    """The local base checkpoint directory of an adapter; BackendError when there is none."""
    if override:
        base = Path(override)
    else:
        try:
            config = json.loads((adapter / "adapter_config.json").read_text("utf-8"))
        except (OSError, ValueError) as exc:
            raise BackendError(f"{adapter}/adapter_config.json: cannot read it: {exc}") from None
        named = config.get("base_model_name_or_path") if isinstance(config, dict) else None
        if not isinstance(named, str) or not named:
            raise BackendError(f"{adapter}/adapter_config.json names no base model; pass --persona-peft-base")
        base = Path(named)
        if not base.is_absolute():
            base = (adapter / base) if (adapter / base).is_dir() else base
        if not base.is_dir():
            raise BackendError(
                f"{adapter}: its base {named!r} is not a local directory (no hub downloads here); "
                "name one with --persona-peft-base NAME=DIR"
            )
    if not (base / "config.json").is_file():
        raise BackendError(f"{adapter}: base {base} is not a transformers checkpoint (no config.json)")
    return base


class PeftBackend(TransformersBackend):
    name = "peft"

    @staticmethod
    def preflight(checkpoint: Any) -> None:
        adapter = Path(checkpoint.target)
        base = adapter_base(adapter, checkpoint.options.peft_base)
        check_weights(adapter, checkpoint.options.allow_pickle)
        check_weights(base, checkpoint.options.allow_pickle)

    def __init__(self, checkpoint: Any) -> None:
        self.base = adapter_base(Path(checkpoint.target), checkpoint.options.peft_base)
        super().__init__(checkpoint)

    def _load_model(self) -> Any:
        try:
            from peft import PeftModel
        except ImportError as exc:
            raise BackendError(f"the peft backend needs peft ({exc})") from None
        adapter = Path(self.checkpoint.target)
        check_weights(adapter, self.allow_pickle)
        base = self._load_causal_lm(self.base)
        try:
            return PeftModel.from_pretrained(base, adapter, is_trainable=False)
        except (OSError, ValueError, KeyError, RuntimeError) as exc:
            raise BackendError(f"{adapter}: peft could not load the adapter: {exc}") from None
