"""Backends by name, chosen from the checkpoint's path; lazy ``module:attr`` targets.

Packages add backends through the ``pytest_persona.backends`` entry-point group; a conftest
can also hand over a ready backend through the ``pytest_persona_make_backend`` hook.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from .base import Backend, BackendError, ChatRequest, Progress, Reply, TokenizerView

ENTRY_POINT_GROUP = "pytest_persona.backends"

BUILTIN_BACKENDS: dict[str, str] = {
    "replay": "pytest_persona.backends.replay:ReplayBackend",
    "llama_cpp": "pytest_persona.backends.llama_cpp.backend:LlamaCppBackend",
    "transformers": "pytest_persona.backends.transformers:TransformersBackend",
    "peft": "pytest_persona.backends.peft:PeftBackend",
    "openai": "pytest_persona.backends.openai:OpenAIBackend",
}

# what to install when a backend's optional dependencies are missing
EXTRAS = {"llama_cpp": "llama", "transformers": "hf", "peft": "peft", "openai": "server"}


@dataclass(frozen=True)
class Checkpoint:
    """One artifact under test: its test-id name, where it is, which backend runs it."""

    name: str
    target: str  # a filesystem path or a URL
    backend: str
    kind: str | None = None  # from a training manifest: fp16, merged, q4_k_m, …
    options: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @property
    def path(self) -> Path:
        return Path(self.target)


def detect_backend(target: str) -> str | None:
    """The backend for a path or URL, by the rules in DESIGN.md; None when nothing fits."""
    if target.startswith(("http://", "https://")):
        return "openai"
    path = Path(target)
    if path.suffix == ".jsonl":
        return "replay"
    if path.suffix == ".gguf":
        return "llama_cpp"
    if path.is_dir():
        if (path / "adapter_config.json").is_file():
            return "peft"
        if (path / "config.json").is_file():
            return "transformers"
    return None


def backend_class(name: str) -> type:
    """Import the class registered as ``name``; a clear BackendError when it cannot be had."""
    target = BUILTIN_BACKENDS.get(name)
    if target is None:
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            if ep.name == name:
                return ep.load()
        known = sorted(set(BUILTIN_BACKENDS) | {ep.name for ep in entry_points(group=ENTRY_POINT_GROUP)})
        raise BackendError(f"unknown backend {name!r}; known: {', '.join(known)}")
    module_name, _, attr = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name:
            raise BackendError(f"the {name} backend is not part of this version of pytest-persona") from None
        extra = EXTRAS.get(name, "all")
        raise BackendError(f"the {name} backend needs {exc.name!r}: pip install 'pytest-persona[{extra}]'") from None
    return getattr(module, attr)


def preflight(checkpoint: Checkpoint) -> None:
    """Cheap validation before any run (a replay file's lines); raises BackendError."""
    cls = backend_class(checkpoint.backend)
    check = getattr(cls, "preflight", None)
    if check is not None:
        check(checkpoint)


def load_backend(checkpoint: Checkpoint) -> Backend:
    return backend_class(checkpoint.backend)(checkpoint)


def token_counter(view: TokenizerView) -> Callable[[str], int] | None:
    """The token counter, or None when the checkpoint has no tokenizer (replay, servers)."""
    return view.count_tokens if view.count_tokens("a") is not None else None  # type: ignore[return-value]


def tokenizer_for(checkpoint: Checkpoint) -> TokenizerView | None:
    """The checkpoint's tokenizer without its weights, when its backend can give one."""
    make = getattr(backend_class(checkpoint.backend), "tokenizer_only", None)
    return make(checkpoint) if make is not None else None


__all__ = [
    "Backend",
    "BackendError",
    "ChatRequest",
    "Checkpoint",
    "Progress",
    "Reply",
    "backend_class",
    "detect_backend",
    "load_backend",
    "preflight",
    "token_counter",
    "tokenizer_for",
]
