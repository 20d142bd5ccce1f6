"""The one protocol every backend speaks, and the request/reply records that cross it."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from ..checks.base import Message


class BackendError(Exception):
    """A checkpoint that cannot be loaded or used; the message names the artifact and why."""


@dataclass(frozen=True)
class Constraint:
    """Decoding as deployed: replies held to a JSON Schema or a GBNF grammar (``response_format``).

    ``text`` is the schema as canonical JSON or the grammar as written; ``origin`` the file it came
    from as the eval set names it, for reports and errors."""

    kind: str  # "json_schema" or "grammar"
    text: str
    origin: str

    @property
    def digest(self) -> str:
        return hashlib.sha256(f"{self.kind}\0{self.text}".encode()).hexdigest()

    @property
    def label(self) -> str:
        """How reports name it: ``json_schema schemas/llm_intent.json``."""
        return f"{self.kind} {self.origin}"


@dataclass(frozen=True)
class GenParams:
    """How one request is decoded; greedy and seeded unless an eval set asks otherwise."""

    max_tokens: int = 256
    temperature: float = 0.0
    top_p: float = 1.0
    seed: int = 0
    stop: tuple[str, ...] = ()
    constraint: Constraint | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "max_tokens": self.max_tokens,
            "temperature": self.temperature,
            "top_p": self.top_p,
            "seed": self.seed,
            "stop": list(self.stop),
        }
        if self.constraint is not None:  # absent when unconstrained: keys written before stay valid
            out["constraint"] = {"kind": self.constraint.kind, "sha256": self.constraint.digest}
        return out


@dataclass(frozen=True)
class ChatRequest:
    """One conversation to complete. ``case``/``evalset`` let replay look replies up by id."""

    messages: tuple[Message, ...]
    params: GenParams = GenParams()
    sample: int = 0
    case: str | None = None
    evalset: str | None = None

    @property
    def seed(self) -> int:
        """The seed of this sample: repeats of one case differ, re-runs do not."""
        return self.params.seed + self.sample


@dataclass(frozen=True)
class Reply:
    """A backend's answer. ``error`` is set (and ``text`` empty) when there is no reply."""

    text: str
    tokens: int | None = None
    latency_s: float | None = None
    finish_reason: str | None = None
    error: str | None = None
    cached: bool = False  # read back from the generation cache, not generated in this run


Progress = Callable[[int, int], None]  # (replies done, tokens generated so far)


def generate_each(
    requests: Sequence[ChatRequest], one: Callable[[ChatRequest], Reply], progress: Progress | None
) -> list[Reply]:
    """Answer requests one at a time, reporting progress after each (for unbatched backends)."""
    replies: list[Reply] = []
    tokens = 0
    for done, request in enumerate(requests, start=1):
        replies.append(one(request))
        tokens += replies[-1].tokens or 0
        if progress is not None:
            progress(done, tokens)
    return replies


class TokenizerView(Protocol):
    """What the checks need from a checkpoint besides its replies. A loaded backend is one; a
    backend class may also offer ``tokenizer_only(checkpoint)`` to get one without loading weights,
    so that a run answered from the cache judges replies exactly as a cold run does."""

    def count_tokens(self, text: str) -> int | None: ...

    @property
    def special_tokens(self) -> tuple[str, ...]: ...


@runtime_checkable
class Backend(Protocol):
    """A loaded checkpoint. Constructed once per worker; ``close`` releases its memory."""

    name: str  # registry name, e.g. "replay", "llama_cpp"

    def generate(self, requests: Sequence[ChatRequest], progress: Progress | None = None) -> list[Reply]:
        """Replies in request order; a per-request failure is a Reply with ``error``, never a raise."""
        ...

    def count_tokens(self, text: str) -> int | None:
        """Tokens in ``text`` by the checkpoint's own tokenizer, or None when unknown."""
        ...

    @property
    def special_tokens(self) -> tuple[str, ...]:
        """The checkpoint's own special tokens (for ``no_template_leak``)."""
        ...

    def fingerprint(self) -> str:
        """A content hash of the artifact: equal fingerprints mean the same weights and template."""
        ...

    def close(self) -> None: ...
