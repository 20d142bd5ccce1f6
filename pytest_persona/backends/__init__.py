"""Backends by name, chosen from the checkpoint's path; lazy ``module:attr`` targets.

Packages add backends through the ``pytest_persona.backends`` entry-point group; a conftest
can also hand over a ready backend through the ``pytest_persona_make_backend`` hook.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..registry import Registry, did_you_mean
from .base import Backend, BackendError, ChatRequest, Progress, Reply, TokenizerView
from .checkpoint import BackendOptions, Checkpoint, OptionError

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


def _unknown(name: str, known: list[str]) -> BackendError:
    return BackendError(f"unknown backend {name!r}{did_you_mean(name, known)}; known: {', '.join(known)}")


def _unimportable(name: str, exc: ModuleNotFoundError) -> BackendError:
    module_name = BUILTIN_BACKENDS[name].partition(":")[0]
    if exc.name == module_name:
        return BackendError(f"the {name} backend is not part of this version of pytest-persona")
    extra = EXTRAS.get(name, "all")
    return BackendError(f"the {name} backend needs {exc.name!r}: pip install 'pytest-persona[{extra}]'")


BACKENDS: Registry[type] = Registry(
    "backend",
    ENTRY_POINT_GROUP,
    BUILTIN_BACKENDS,
    missing=_unknown,
    unimportable=_unimportable,
    accepts=lambda obj: isinstance(obj, type),
)


def backend_class(name: str) -> type:
    """Import the class registered as ``name``; a clear BackendError when it cannot be had."""
    return BACKENDS.get(name)


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
    "BACKENDS",
    "Backend",
    "BackendOptions",
    "BackendError",
    "ChatRequest",
    "Checkpoint",
    "OptionError",
    "Progress",
    "Reply",
    "backend_class",
    "detect_backend",
    "load_backend",
    "preflight",
    "token_counter",
    "tokenizer_for",
]
