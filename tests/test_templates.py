"""Chat templates from model files are hostile input: they render in a sandbox or not at all."""

from __future__ import annotations

import pytest

from pytest_persona.backends.templates import BUILTIN_TEMPLATES, ChatTemplate, TemplateError, resolve_template
from pytest_persona.checks import Message

MESSAGES = (Message("system", "You are Josi."), Message("user", "Hi"))


def test_builtin_chatml_renders_the_generation_prompt() -> None:
    template = ChatTemplate(BUILTIN_TEMPLATES["chatml"], origin="builtin")
    assert template.render(MESSAGES) == (
        "<|im_start|>system\nYou are Josi.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"
    )


@pytest.mark.parametrize(
    "source",
    [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",  # the classic escape to Python internals
        "{{ messages.__class__.__init__.__globals__ }}",
        "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
        "{% set x = messages.append({'role': 'user', 'content': 'injected'}) %}{{ x }}",  # mutation
    ],
    ids=["mro", "globals", "os", "mutation"],
)
def test_a_template_reaching_for_internals_fails_clearly(source: str) -> None:
    template = ChatTemplate(source, origin="evil.gguf (tokenizer.chat_template)")
    with pytest.raises(TemplateError, match=r"evil\.gguf .*chat template (tried an unsafe operation|failed)"):
        template.render(MESSAGES)


def test_raise_exception_is_a_clear_refusal() -> None:
    template = ChatTemplate("{{ raise_exception('System role not supported') }}", origin="gemma.gguf")
    with pytest.raises(TemplateError, match="gemma.gguf: chat template refused the conversation: System role"):
        template.render(MESSAGES)


def test_a_template_that_does_not_compile_names_its_origin() -> None:
    with pytest.raises(TemplateError, match=r"broken\.gguf: chat template does not compile"):
        ChatTemplate("{% for m in messages %}", origin="broken.gguf")


def test_huge_ranges_are_bounded_by_the_sandbox() -> None:
    template = ChatTemplate("{% for i in range(10**12) %}x{% endfor %}", origin="loop.gguf")
    with pytest.raises(TemplateError, match="loop.gguf"):
        template.render(MESSAGES)


def test_strftime_now_is_fixed_so_prompts_stay_deterministic() -> None:
    template = ChatTemplate("{{ strftime_now('%Y-%m-%d') }}", origin="llama3.gguf")
    assert template.render(MESSAGES) == template.render(MESSAGES) == "2025-01-01"


def test_unknown_template_name_lists_the_builtins(tmp_path) -> None:
    with pytest.raises(TemplateError, match="not a builtin \\(chatml, gemma, llama3, mistral, phi3, zephyr\\)"):
        resolve_template(str(tmp_path / "missing.jinja"))


def test_templates_still_sandboxed_after_jinja2_is_imported_afresh(monkeypatch: pytest.MonkeyPatch) -> None:
    """pytester's in-process runs drop the modules first imported inside them; jinja2 may be one."""
    import sys

    ChatTemplate(BUILTIN_TEMPLATES["mistral"], origin="before").render(MESSAGES)  # a sandbox from this jinja2
    for name in [m for m in sys.modules if m == "jinja2" or m.startswith("jinja2.")]:
        monkeypatch.delitem(sys.modules, name)  # restored afterwards
    user = (Message("user", "Hi"),)
    assert ChatTemplate(BUILTIN_TEMPLATES["mistral"], origin="after").render(user) == "[INST] Hi[/INST]"
    escape = ChatTemplate("{{ ''.__class__.__mro__[1].__subclasses__() }}", origin="evil.gguf")
    with pytest.raises(TemplateError, match="evil.gguf: chat template tried an unsafe operation"):
        escape.render(MESSAGES)
