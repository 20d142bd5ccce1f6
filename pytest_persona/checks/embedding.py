"""Sentence embeddings for ``style_like``: wordllama's 256-d model, read from the files in its wheel.

The weights (``weights/l2_supercat_256.safetensors``, 16 MB) and the tokenizer
(``tokenizers/l2_supercat_tokenizer_config.json``) ship inside the ``wordllama`` wheel; they are
read directly with ``safetensors`` and ``tokenizers`` (no hub client is called, so nothing is
ever downloaded) and a text is the normalised mean of its token vectors, as wordllama computes
it. numpy, safetensors and tokenizers are imported on the first call only, once per process
(about 1 s). Deterministic: a table lookup and a mean.
"""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path
from typing import Any

PACKAGE = "wordllama"
PIP_NAME = "wordllama"
WEIGHTS = Path("weights") / "l2_supercat_256.safetensors"
TOKENIZER = Path("tokenizers") / "l2_supercat_tokenizer_config.json"
MODEL_NAME = "wordllama l2_supercat 256-d"
MAX_TOKENS = 1024  # a text is cut to this many tokens (callers already cut it to characters)

_lock = threading.Lock()
_model: dict[str, Any] = {}


class EmbeddingUnavailable(RuntimeError):
    """The embedding package or its model files are missing; the message says what to install."""


def model_dir() -> Path:
    """The installed wordllama package directory, found without importing it."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddingUnavailable(f"the {PACKAGE} package is not installed (pip install {PIP_NAME})")
    root = Path(next(iter(spec.submodule_search_locations)))
    for part in (WEIGHTS, TOKENIZER):
        if not (root / part).is_file():
            raise EmbeddingUnavailable(f"{root / part} is missing: reinstall {PIP_NAME} (pip install {PIP_NAME})")
    return root


def _load() -> dict[str, Any]:
    with _lock:
        if not _model:
            root = model_dir()
            try:
                import numpy as np
                from safetensors import safe_open
                from tokenizers import Tokenizer
            except ImportError as exc:  # wordllama's own dependencies
                raise EmbeddingUnavailable(f"{exc}; pip install {PIP_NAME}") from exc
            with safe_open(str(root / WEIGHTS), framework="np") as f:
                table = np.ascontiguousarray(f.get_tensor("embedding.weight").astype(np.float32))
            tokenizer = Tokenizer.from_file(str(root / TOKENIZER))
            tokenizer.no_padding()
            tokenizer.enable_truncation(MAX_TOKENS)
            _model.update(np=np, table=table, tokenizer=tokenizer)
    return _model


def embed(texts: list[str]) -> Any:
    """Unit vectors, one row per text (a text without tokens gets a zero row)."""
    model = _load()
    np, table = model["np"], model["table"]
    out = np.zeros((len(texts), table.shape[1]), dtype=np.float32)
    # the tokenizer refuses lone surrogates (undecodable bytes of a reply): read them as U+FFFD
    clean = [t.encode("utf-8", "surrogatepass").decode("utf-8", "replace") for t in texts]
    for row, encoding in enumerate(model["tokenizer"].encode_batch(clean, add_special_tokens=False)):
        ids = np.clip(np.asarray(encoding.ids, dtype=np.int64), 0, table.shape[0] - 1)
        if ids.size:
            vector = table[ids].mean(axis=0)
            norm = float(np.linalg.norm(vector))
            if norm > 0:
                out[row] = vector / norm
    return out
