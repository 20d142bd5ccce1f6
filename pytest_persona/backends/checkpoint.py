"""A checkpoint under test and the typed knobs its backend is run with.

Options are frozen and typed so that what changes a reply (a chat template, a context size)
can be put in the cache key, and a misspelt option is an error instead of a silent default.
A plain mapping is still accepted (``Checkpoint(..., options={"n_ctx": 2048})``) and checked.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any


class OptionError(ValueError):
    """A backend option with an unknown name or a value of the wrong type."""


@dataclass(frozen=True)
class BackendOptions:
    """Knobs a backend reads; ``None`` means the backend's own default."""

    chat_template: str | None = None  # a built-in name or a template file (llama_cpp, transformers, peft)
    peft_base: str | None = None  # the base model directory of a PEFT adapter
    allow_pickle: bool = False  # load .bin/.pt weights (pickle can run code)
    n_ctx: int | None = None  # llama_cpp context size
    threads: int | None = None  # llama_cpp / transformers CPU threads
    prefix_reuse: bool = True  # llama_cpp: reuse the evaluated system-prompt prefix across cases
    batch_size: int | None = None  # transformers: requests per forward batch
    probe: bool = True  # llama_cpp: test-load an unknown GGUF in a child process first
    probe_timeout_s: float | None = None
    probe_cache_dir: str | None = None  # where GGUFs that survived the probe are remembered
    probe_by_content: bool = True  # remember them by content fingerprint (else by path, size, mtime, inode)
    server_model: str | None = None  # openai: the "model" field sent to the server
    timeout_s: float | None = None  # openai: per-request timeout
    retries: int | None = None  # openai: connection retries
    replicas: tuple[str, ...] = ()  # openai: more URLs serving the same model (a client-side fleet)
    concurrency: int | None = None  # openai: requests in flight per replica (default 1)
    serves: str | None = None  # openai: the artifact the server serves (its replies are then cached)
    extra: Mapping[str, Any] = field(default_factory=dict, hash=False)  # for third-party backends

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> BackendOptions:
        """Typed options from a mapping; unknown names go to ``extra`` only when given as ``extra``."""
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise OptionError(
                f"unknown backend option(s) {', '.join(unknown)}; known: {', '.join(sorted(known))} "
                "(a third-party backend's own options go under 'extra')"
            )
        checked = {name: _checked(name, value, _TYPES[name]) for name, value in values.items()}
        return cls(**checked)

    def with_(self, **changes: Any) -> BackendOptions:
        """A copy with some options changed (and checked)."""
        return replace(self, **{name: _checked(name, value, _TYPES[name]) for name, value in changes.items()})

    def generation_identity(self) -> dict[str, Any]:
        """What of these options can change a reply, for the cache key: the chat template (by
        content when it is a file) and the context size. Threads, batching and prefix reuse must
        not change greedy replies, and the tests hold them to that."""
        identity: dict[str, Any] = {}
        if self.chat_template is not None:
            template = Path(self.chat_template)
            identity["chat_template"] = (
                "sha256:" + hashlib.sha256(template.read_bytes()).hexdigest()
                if template.is_file()
                else self.chat_template
            )
        if self.n_ctx is not None:
            identity["n_ctx"] = self.n_ctx
        if self.extra:
            identity["extra"] = {str(k): repr(v) for k, v in sorted(self.extra.items())}
        return identity


MAX_CONCURRENCY = 256

_TYPES: dict[str, tuple[type, ...]] = {
    "chat_template": (str,),
    "peft_base": (str,),
    "allow_pickle": (bool,),
    "n_ctx": (int,),
    "threads": (int,),
    "prefix_reuse": (bool,),
    "batch_size": (int,),
    "probe": (bool,),
    "probe_timeout_s": (int, float),
    "probe_cache_dir": (str,),
    "probe_by_content": (bool,),
    "server_model": (str,),
    "timeout_s": (int, float),
    "retries": (int,),
    "replicas": (tuple, list),
    "concurrency": (int,),
    "serves": (str,),
    "extra": (Mapping,),
}


def _checked(name: str, value: Any, types: tuple[type, ...]) -> Any:
    if isinstance(value, Path) and str in types:
        value = str(value)
    if value is None and name not in ("allow_pickle", "prefix_reuse", "probe", "probe_by_content", "extra", "replicas"):
        return None
    if isinstance(value, bool) and bool not in types:  # True is an int to Python, not to us
        raise OptionError(f"backend option {name}: expected {types[0].__name__}, got {value!r}")
    if not isinstance(value, types):
        raise OptionError(f"backend option {name}: expected {types[0].__name__}, got {value!r}")
    if name == "replicas":
        if not all(isinstance(url, str) and url.startswith(("http://", "https://")) for url in value):
            raise OptionError(f"backend option replicas: expected http(s) URLs, got {list(value)!r}")
        return tuple(value)
    if name == "concurrency" and not 1 <= value <= MAX_CONCURRENCY:
        raise OptionError(f"backend option concurrency: 1 to {MAX_CONCURRENCY} requests per replica, got {value}")
    return dict(value) if name == "extra" else value


@dataclass(frozen=True)
class Checkpoint:
    """One artifact under test: its test-id name, where it is, which backend runs it."""

    name: str
    target: str  # a filesystem path or a URL
    backend: str
    kind: str | None = None  # from a training manifest: fp16, merged, q4_k_m, …
    options: BackendOptions = field(default_factory=BackendOptions, hash=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.options, BackendOptions):
            object.__setattr__(self, "options", BackendOptions.from_mapping(self.options))

    @property
    def path(self) -> Path:
        return Path(self.target)

    def with_options(self, **changes: Any) -> Checkpoint:
        return replace(self, options=self.options.with_(**changes))
