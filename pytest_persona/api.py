"""The Python API for behavioural tests: talk to the current checkpoint, assert with the checks.

def test_refuses_plan_change(persona_model):
    reply = persona_model.chat("Move my long run to Sunday.")
    reply.assert_passes("refusal", {"max_words": 80}, "no_emoji")
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .backends import ChatRequest, Checkpoint, token_counter
from .backends.base import GenParams
from .checks import CheckContext, CheckResult, CheckSpec, Message, run_check
from .core.evalset import DEFAULT_MAX_TOKENS, render_context

if TYPE_CHECKING:
    from .core.pool import CheckpointPool


class ReplyError(AssertionError):
    """The checkpoint gave no reply (replay miss, backend failure)."""


@dataclass(frozen=True)
class ChatReply:
    """A reply plus what the checks need to judge it (the request, the checkpoint's tokenizer)."""

    text: str
    tokens: int | None = None
    latency_s: float | None = None
    finish_reason: str | None = None
    ctx: CheckContext = field(default_factory=CheckContext, repr=False)

    def __str__(self) -> str:
        return self.text

    def check(self, name: str, **args: Any) -> CheckResult:
        """Run one check by name on this reply: ``reply.check("max_words", max=50)``."""
        return run_check(name, self.text, self.ctx, **args)

    def assert_passes(self, *checks: str | Mapping[str, Any] | CheckSpec) -> None:
        """Fail the test with every failing check's detail unless all ``checks`` pass."""
        __tracebackhide__ = True
        assert_reply(self, *checks)


def assert_reply(
    reply: str | ChatReply, *checks: str | Mapping[str, Any] | CheckSpec, ctx: CheckContext | None = None
) -> None:
    """Assert that ``reply`` passes every check (names or ``{name: args}``, as in YAML)."""
    __tracebackhide__ = True
    if isinstance(reply, ChatReply):
        text, ctx = reply.text, ctx or reply.ctx
    else:
        text, ctx = reply, ctx or CheckContext()
    if not checks:
        raise ValueError("assert_reply needs at least one check")
    specs = [c if isinstance(c, CheckSpec) else CheckSpec.parse(c, ctx.base_dir) for c in checks]
    results = [run_check(spec, text, ctx) for spec in specs]
    failing = [r for r in results if not r.passed]
    if failing:
        raise AssertionError(explain(text, results))


def explain(text: str, results: Sequence[CheckResult]) -> str:
    failing = sum(not r.passed for r in results)
    lines = [f"reply failed {failing} of {len(results)} checks"]
    for r in results:
        lines.append(f"  {'✓' if r.passed else '✗'} {r.name}" + (f": {r.detail}" if not r.passed else ""))
    shown = text if len(text) <= 600 else text[:600] + f"… ({len(text) - 600} more characters)"
    lines.append(f"reply: {shown!r}")
    return "\n".join(lines)


def build_messages(
    prompt: str | Sequence[Mapping[str, str] | Message], system: str | None, context: Mapping[str, Any] | None
) -> tuple[Message, ...]:
    if isinstance(prompt, str):
        turns = [Message("user", prompt)]
    else:
        turns = [m if isinstance(m, Message) else Message(str(m["role"]), str(m["content"])) for m in prompt]
    if turns and turns[0].role == "system":
        system, turns = turns[0].content, turns[1:]
    if context:
        system = (system + "\n\n" if system else "") + render_context(context)
    if not turns or turns[-1].role != "user":
        raise ValueError("chat() needs a conversation that ends with a user turn")
    return ((Message("system", system),) if system else ()) + tuple(turns)


class PersonaModel:
    """The checkpoint a test is parametrized over (fixture ``persona_model``)."""

    def __init__(self, checkpoint: Checkpoint, pool: CheckpointPool, base_dir: Path | None = None) -> None:
        self.checkpoint = checkpoint
        self._pool = pool
        self._base_dir = base_dir

    @property
    def name(self) -> str:
        return self.checkpoint.name

    def __repr__(self) -> str:
        return f"<PersonaModel {self.name} ({self.checkpoint.backend}: {self.checkpoint.target})>"

    def chat(
        self,
        prompt: str | Sequence[Mapping[str, str] | Message],
        *,
        system: str | None = None,
        context: Mapping[str, Any] | None = None,
        max_tokens: int = DEFAULT_MAX_TOKENS,
        temperature: float = 0.0,
        top_p: float = 1.0,
        seed: int = 0,
        stop: Sequence[str] = (),
    ) -> ChatReply:
        """Send one conversation (a string is one user turn); greedy and seeded by default."""
        __tracebackhide__ = True
        messages = build_messages(prompt, system, context)
        params = GenParams(max_tokens=max_tokens, temperature=temperature, top_p=top_p, seed=seed, stop=tuple(stop))
        request = ChatRequest(messages=messages, params=params)

        backend = self._pool.backend(self.name)  # answered from the cache when it can be
        (reply,) = backend.generate([request])
        if backend.load_error is not None and reply.error is not None:
            raise ReplyError(f"checkpoint {self.name}: {reply.error}")
        if reply.error is not None:
            raise ReplyError(f"checkpoint {self.name} gave no reply: {reply.error}")
        ctx = CheckContext(
            messages=messages,
            context=dict(context or {}),
            base_dir=self._base_dir,
            special_tokens=backend.special_tokens,
            count_tokens=token_counter(backend),
            latency_s=reply.latency_s,
            finish_reason=reply.finish_reason,
        )
        return ChatReply(reply.text, reply.tokens, reply.latency_s, reply.finish_reason, ctx)
