"""Content fingerprints of artifacts: equal fingerprints mean the same weights, tokenizer and template.

Computed without loading a model, so a warm re-run can answer from the cache without ever
touching a backend. File hashes are remembered by path, size and mtime (in the cache).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from . import Checkpoint

# files of an HF / adapter directory that decide its behaviour
_DIR_PATTERNS = ("*.safetensors", "*.bin", "*.pt", "*.json", "*.model", "*.txt", "*.jinja", "*.tiktoken")


def artifact_fingerprint(checkpoint: Checkpoint, file_digest: Callable[[Path], str] | None = None) -> str:
    """``sha256:<hex>`` of a file or a directory's relevant files; ``url:<url>`` for a server."""
    from .caching import sha256_file

    digest_of = file_digest or sha256_file
    if checkpoint.backend == "openai":
        if checkpoint.options.serves:  # bound to its artifact: the artifact's content, not the URL
            from .openai import served_checkpoint

            return "serves:" + artifact_fingerprint(served_checkpoint(checkpoint), file_digest)
        return f"url:{checkpoint.target}"
    path = Path(checkpoint.target)
    if path.is_file():
        return "sha256:" + digest_of(path)
    combined = hashlib.sha256()
    if checkpoint.backend == "peft":  # an adapter behaves as adapter + base: both are in its key
        from .peft import adapter_base

        base = Checkpoint(checkpoint.name, str(adapter_base(path, checkpoint.options.peft_base)), "transformers")
        combined.update(b"base:" + artifact_fingerprint(base, file_digest).encode("ascii") + b"\n")
    files = sorted({f for pattern in _DIR_PATTERNS for f in path.rglob(pattern) if f.is_file()})
    for file in files:
        combined.update(str(file.relative_to(path)).encode("utf-8") + b"\0" + digest_of(file).encode("ascii") + b"\n")
    return "sha256:" + combined.hexdigest()
