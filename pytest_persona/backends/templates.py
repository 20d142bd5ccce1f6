"""Chat templates from artifacts, rendered in a sandbox.

A chat template inside a model file is code written by someone else (llama-cpp-python's
CVE-2024-34359 ran one unsandboxed). It is rendered with jinja2's immutable sandbox, with
only the helpers Hugging Face templates expect; anything reaching for Python internals
fails that checkpoint with a clear error.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from ..checks.base import Message

# Named templates a user may pick for a checkpoint whose file carries none.
BUILTIN_TEMPLATES = {
    "chatml": (
        "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\n' + message['content'] "
        "+ '<|im_end|>' + '\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
    ),
    "zephyr": (
        "{% for message in messages %}{{ '<|' + message['role'] + '|>\n' + message['content'] + eos_token + '\n' }}"
        "{% endfor %}{% if add_generation_prompt %}{{ '<|assistant|>\n' }}{% endif %}"
    ),
}


class TemplateError(ValueError):
    """A template that cannot be used; the message names the checkpoint's artifact."""


class ChatTemplate:
    """A compiled, sandboxed chat template: messages in, prompt text out."""

    def __init__(self, source: str, *, origin: str, bos_token: str = "", eos_token: str = "") -> None:
        from jinja2 import TemplateSyntaxError
        from jinja2.sandbox import ImmutableSandboxedEnvironment

        self.origin = origin
        self.source = source
        env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, autoescape=False)
        env.globals["raise_exception"] = _raise
        env.globals["strftime_now"] = _strftime_now
        try:
            self._template = env.from_string(source)
        except TemplateSyntaxError as exc:
            raise TemplateError(
                f"{origin}: chat template does not compile: {exc.message} (line {exc.lineno})"
            ) from None
        self._constants = {"bos_token": bos_token, "eos_token": eos_token}

    def render(self, messages: Sequence[Message], add_generation_prompt: bool = True) -> str:
        from jinja2.exceptions import SecurityError
        from jinja2.exceptions import TemplateError as JinjaError

        data: dict[str, Any] = {
            "messages": [{"role": m.role, "content": m.content} for m in messages],
            "add_generation_prompt": add_generation_prompt,
            **self._constants,
        }
        try:
            return self._template.render(**data)
        except SecurityError as exc:
            raise TemplateError(
                f"{self.origin}: chat template tried an unsafe operation and was stopped: {exc}"
            ) from None
        except _TemplateRaised as exc:
            raise TemplateError(f"{self.origin}: chat template refused the conversation: {exc}") from None
        except (
            JinjaError,
            TypeError,
            ValueError,
            KeyError,
            IndexError,
            AttributeError,
            RecursionError,
            OverflowError,
        ) as exc:
            raise TemplateError(f"{self.origin}: chat template failed: {type(exc).__name__}: {exc}") from None


def resolve_template(value: str) -> tuple[str, str]:
    """A builtin name or a path to a Jinja file → (source, origin)."""
    if value in BUILTIN_TEMPLATES:
        return BUILTIN_TEMPLATES[value], f"builtin template {value!r}"
    path = Path(value)
    try:
        return path.read_text("utf-8"), str(path)
    except OSError as exc:
        known = ", ".join(BUILTIN_TEMPLATES)
        raise TemplateError(f"chat template {value!r}: not a builtin ({known}) and not readable: {exc}") from None


class _TemplateRaised(Exception):
    pass


def _raise(message: str) -> None:
    raise _TemplateRaised(message)


FIXED_NOW = datetime(2025, 1, 1)  # templates that print "today" stay deterministic (and cacheable)


def _strftime_now(fmt: str) -> str:
    return FIXED_NOW.strftime(fmt)
