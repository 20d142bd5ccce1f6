"""Chat templates from artifacts, rendered in a sandbox, byte for byte as transformers renders them.

A chat template inside a model file is code written by someone else (llama-cpp-python's
CVE-2024-34359 ran one unsandboxed). It is rendered with jinja2's immutable sandbox, with the
environment transformers' ``apply_chat_template`` gives templates (the ``loopcontrols``
extension, the ``{% generation %}`` tag, ``tojson`` as ``json.dumps(ensure_ascii=False)``,
``raise_exception``, ``strftime_now``, trim_blocks/lstrip_blocks, a ``namespace`` without
underscore attributes), so the gate sends the bytes trl trained on. Anything reaching for
Python internals fails that checkpoint with a clear error. One deliberate difference:
``strftime_now`` answers a fixed date, so prompts stay deterministic (and cacheable).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..checks.base import Message

# Named templates a user may pick for a checkpoint whose file carries none: each family's own
# published template (tool-calling branches left out: cases carry no tools), so the gate sends the
# bytes those models were trained on. tests/fixtures/chat_templates/ holds the same sources.
BUILTIN_TEMPLATES = {
    # ChatML as Qwen2.5, SmolLM2 and many fine-tunes use it, without a default system prompt
    "chatml": (
        "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\n' + message['content'] "
        "+ '<|im_end|>' + '\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
    ),
    # Gemma 3 (google/gemma-3-*-it): the system prompt opens the first user turn; the assistant is "model"
    "gemma": r"""{{ bos_token }}
{%- if messages[0]['role'] == 'system' -%}
    {%- if messages[0]['content'] is string -%}
        {%- set first_user_prefix = messages[0]['content'] + '\n\n' -%}
    {%- else -%}
        {%- set first_user_prefix = messages[0]['content'][0]['text'] + '\n\n' -%}
    {%- endif -%}
    {%- set loop_messages = messages[1:] -%}
{%- else -%}
    {%- set first_user_prefix = "" -%}
    {%- set loop_messages = messages -%}
{%- endif -%}
{%- for message in loop_messages -%}
    {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) -%}
        {{ raise_exception("Conversation roles must alternate user/assistant/user/assistant/...") }}
    {%- endif -%}
    {%- if (message['role'] == 'assistant') -%}
        {%- set role = "model" -%}
    {%- else -%}
        {%- set role = message['role'] -%}
    {%- endif -%}
    {{ '<start_of_turn>' + role + '\n' + (first_user_prefix if loop.first else "") }}
    {%- if message['content'] is string -%}
        {{ message['content'] | trim }}
    {%- elif message['content'] is iterable -%}
        {%- for item in message['content'] -%}
            {%- if item['type'] == 'image' -%}
                {{ '<start_of_image>' }}
            {%- elif item['type'] == 'text' -%}
                {{ item['text'] | trim }}
            {%- endif -%}
        {%- endfor -%}
    {%- else -%}
        {{ raise_exception("Invalid content type") }}
    {%- endif -%}
    {{ '<end_of_turn>\n' }}
{%- endfor -%}
{%- if add_generation_prompt -%}
    {{ '<start_of_turn>model\n' }}
{%- endif -%}
""",
    # Llama 3 (meta-llama/Meta-Llama-3-8B-Instruct)
    "llama3": (
        "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = "
        "'<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' %}"
        "{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}"
        "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}"
    ),
    # Mistral v0.3 (mistralai/Mistral-7B-Instruct-v0.3): the system prompt goes into the last user turn
    "mistral": r"""{%- if messages[0]['role'] == 'system' %}
    {%- set system_message = messages[0]['content'] %}
    {%- set loop_messages = messages[1:] %}
{%- else %}
    {%- set loop_messages = messages %}
{%- endif %}
{%- set ns = namespace() %}
{%- set ns.index = 0 %}
{%- for message in loop_messages %}
    {%- if (message['role'] == 'user') != (ns.index % 2 == 0) %}
        {{- raise_exception('After the optional system message, conversation roles must alternate '
                            'user/assistant/user/assistant/...') }}
    {%- endif %}
    {%- set ns.index = ns.index + 1 %}
{%- endfor %}
{{- bos_token }}
{%- for message in loop_messages %}
    {%- if message['role'] == 'user' %}
        {%- if loop.last and system_message is defined %}
            {{- '[INST] ' + system_message + '\n\n' + message['content'] + '[/INST]' }}
        {%- else %}
            {{- '[INST] ' + message['content'] + '[/INST]' }}
        {%- endif %}
    {%- elif message['role'] == 'assistant' %}
        {{- ' ' + message['content'] | trim + eos_token }}
    {%- else %}
        {{- raise_exception('Only user and assistant roles are supported, '
                            'with the exception of an initial optional system message!') }}
    {%- endif %}
{%- endfor %}
""",
    # Phi-3 (microsoft/Phi-3-mini-4k-instruct)
    "phi3": (
        "{% for message in messages %}{% if message['role'] == 'system' %}{{'<|system|>\n' + message['content'] "
        "+ '<|end|>\n'}}{% elif message['role'] == 'user' %}{{'<|user|>\n' + message['content'] + '<|end|>\n'}}"
        "{% elif message['role'] == 'assistant' %}{{'<|assistant|>\n' + message['content'] + '<|end|>\n'}}{% endif %}"
        "{% endfor %}{% if add_generation_prompt %}{{ '<|assistant|>\n' }}{% else %}{{ eos_token }}{% endif %}"
    ),
    # Zephyr (HuggingFaceH4/zephyr-7b-beta)
    "zephyr": """\
{% for message in messages %}
{% if message['role'] == 'user' %}
{{ '<|user|>\n' + message['content'] + eos_token }}
{% elif message['role'] == 'system' %}
{{ '<|system|>\n' + message['content'] + eos_token }}
{% elif message['role'] == 'assistant' %}
{{ '<|assistant|>\n'  + message['content'] + eos_token }}
{% endif %}
{% if loop.last and add_generation_prompt %}
{{ '<|assistant|>' }}
{% endif %}
{% endfor %}""",
}

# general.architecture → the builtin its instruct models use; for llama, only when the vocabulary
# has Llama-3's header token (Llama-2, Mistral v0.1 and SmolLM2 files say "llama" too).
ARCHITECTURE_TEMPLATES = {
    "gemma": "gemma",
    "gemma2": "gemma",
    "gemma3": "gemma",
    "llama": "llama3",
    "qwen2": "chatml",
    "phi3": "phi3",
    "mistral": "mistral",
}
# control tokens that only one builtin's format uses, for files whose architecture says too little
TEMPLATE_MARKERS = {"llama3": "<|start_header_id|>", "gemma": "<start_of_turn>", "chatml": "<|im_start|>"}
MAX_JSON_INDENT = 64  # tojson(indent=10**9) would build gigabytes of spaces


class TemplateError(ValueError):
    """A template that cannot be used; the message names the checkpoint's artifact."""


class ChatTemplate:
    """A compiled, sandboxed chat template: messages in, prompt text out."""

    def __init__(self, source: str, *, origin: str, bos_token: str = "", eos_token: str = "") -> None:
        from jinja2 import TemplateSyntaxError

        self.origin = origin
        self.source = source
        try:
            self._template = _environment().from_string(source)
        except TemplateSyntaxError as exc:
            raise TemplateError(
                f"{origin}: chat template does not compile: {exc.message} (line {exc.lineno})"
            ) from None
        self._constants = {"bos_token": bos_token, "eos_token": eos_token}

    def render(self, messages: Sequence[Message], add_generation_prompt: bool = True) -> str:
        from jinja2.exceptions import SecurityError
        from jinja2.exceptions import TemplateError as JinjaError

        data: dict[str, Any] = {
            **self._constants,
            "messages": [{"role": m.role, "content": m.content} for m in messages],
            "tools": None,  # what transformers passes when a call names none
            "documents": None,
            "add_generation_prompt": add_generation_prompt,
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


def suggest_template(architecture: str | None, vocabulary: Collection[str]) -> tuple[str | None, str]:
    """The builtin a file without a template most likely needs, and why (or why none is suggested)."""
    chosen = ARCHITECTURE_TEMPLATES.get(architecture or "")
    reason = f"general.architecture is {architecture}"
    if chosen == "llama3" and TEMPLATE_MARKERS["llama3"] not in vocabulary:
        chosen = None
        reason += f", but its vocabulary has no {TEMPLATE_MARKERS['llama3']}, so it is not Llama-3's format"
    if chosen is None:
        for name, marker in TEMPLATE_MARKERS.items():
            if marker in vocabulary:
                return name, f"{reason}; its vocabulary has {marker}"
    return chosen, reason


def missing_template_hint(checkpoint: str, architecture: str | None, vocabulary: Collection[str]) -> str:
    """How to name a template for ``checkpoint``, suggesting the builtin its file points to."""
    chosen, reason = suggest_template(architecture, vocabulary)
    known = ", ".join(BUILTIN_TEMPLATES)
    if chosen is None:
        return (
            f"Name the template it was trained with: --persona-chat-template {checkpoint}=BUILTIN "
            f"({reason}; builtins: {known}) or a path to a Jinja file"
        )
    return (
        f"Name the template it was trained with: --persona-chat-template {checkpoint}={chosen} ({reason}), "
        f"or another builtin ({known}) or a path to a Jinja file"
    )


def _environment() -> Any:
    """The sandbox for the jinja2 now imported.

    Keyed on the module object: pytester's in-process runs drop modules first imported inside
    them, and a sandbox built from a dropped jinja2 would fail the fresh one's isinstance checks
    (namespace assignments, SecurityError) in every template compiled afterwards."""
    import jinja2

    return _sandbox(jinja2)


@lru_cache(maxsize=2)
def _sandbox(jinja2_module: Any) -> Any:
    """One sandbox shaped like transformers' ``_compile_jinja_template`` environment, built on first use."""
    import jinja2.ext
    from jinja2 import nodes
    from jinja2.exceptions import SecurityError
    from jinja2.sandbox import ImmutableSandboxedEnvironment
    from jinja2.utils import Namespace

    class Generation(jinja2.ext.Extension):
        """``{% generation %}…{% endgeneration %}`` renders its body (trl masks the loss with it)."""

        tags = {"generation"}

        def parse(self, parser: Any) -> Any:
            lineno = next(parser.stream).lineno
            body = parser.parse_statements(("name:endgeneration",), drop_needle=True)
            return nodes.CallBlock(self.call_method("_body"), [], [], body).set_lineno(lineno)

        def _body(self, caller: Any) -> str:
            return caller()

    class TemplateDict:
        """``dict(...)`` and ``dict.fromkeys``, without the type itself (no attribute hackery)."""

        def __call__(self, *args: Any, **kwargs: Any) -> dict:
            return dict(*args, **kwargs)

        def fromkeys(self, *args: Any, **kwargs: Any) -> dict:
            return dict.fromkeys(*args, **kwargs)

    class TemplateNamespace(Namespace):
        """Jinja's namespace, refusing underscore attributes as transformers' does."""

        def __init__(*args: Any, **kwargs: Any) -> None:  # Namespace's signature trick: namespace(self=…) works
            self, args = args[0], args[1:]
            attrs = dict(*args, **kwargs)
            for name in attrs:
                _check_name(name)
            Namespace.__init__(self, attrs)

        def __setitem__(self, name: str, value: Any) -> None:
            _check_name(name)
            Namespace.__setitem__(self, name, value)

    def _check_name(name: Any) -> None:
        if isinstance(name, str) and name.startswith("_"):
            raise SecurityError(f"chat templates cannot store underscore-prefixed attributes on a namespace: {name!r}")

    def tojson(
        x: Any, ensure_ascii: bool = False, indent: Any = None, separators: Any = None, sort_keys: bool = False
    ) -> str:
        width = len(indent) if isinstance(indent, str) else indent
        if isinstance(width, int) and width > MAX_JSON_INDENT:
            raise SecurityError(f"tojson indent {width} is over {MAX_JSON_INDENT}")
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    env = ImmutableSandboxedEnvironment(
        trim_blocks=True, lstrip_blocks=True, autoescape=False, extensions=[Generation, jinja2.ext.loopcontrols]
    )
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = _raise
    env.globals["strftime_now"] = _strftime_now
    env.globals["dict"] = TemplateDict()
    env.globals["namespace"] = TemplateNamespace
    return env


class _TemplateRaised(Exception):
    pass


def _raise(message: str) -> None:
    raise _TemplateRaised(message)


FIXED_NOW = datetime(2025, 1, 1)  # templates that print "today" stay deterministic (and cacheable)


def _strftime_now(fmt: str) -> str:
    return FIXED_NOW.strftime(fmt)
