"""Ollama ``Modelfile``s for exported GGUFs: write one beside each file, and read one back.

TEMPLATE is written in Ollama's Go template language for the project's built-in chat-template
families (chatml, gemma, llama3, mistral, phi3, zephyr); each renders ``.Messages`` (Ollama puts
the SYSTEM prompt there as a system message) to the bytes the built-in Jinja template gives,
less the BOS token that Ollama's tokenizer adds itself (message contents are not trimmed, as
Go templates cannot: SYSTEM is written trimmed for the families whose template trims it). The
family of an exported GGUF is the builtin that renders like the file's own template, unless the
config names one. PARAMETER stop
is each family's end-of-turn token and its turn openers; temperature, top_p and num_ctx come from
``export.ollama`` when set. The reader follows Ollama's parser: ``\"\"\"…\"\"\"`` values verbatim
across lines, ``"…"`` on one line, bare values trimmed, ``#`` comment lines.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pytest_persona.checks import Message


class ModelfileError(ValueError):
    """A Modelfile that cannot be written or read; the message names the file (and line)."""


@dataclass(frozen=True)
class Family:
    """One chat format: its Go template (``@EOS@`` stands for the file's EOS text) and stop strings."""

    template: str
    stops: tuple[str, ...]
    eos: str = ""  # the EOS text its published models use (for families whose template prints it)
    strips_system: bool = False  # the Jinja template trims the system prompt (Go templates cannot)


FAMILIES: dict[str, Family] = {
    "chatml": Family(
        "{{- range .Messages }}<|im_start|>{{ .Role }}\n{{ .Content }}<|im_end|>\n{{ end }}<|im_start|>assistant\n",
        ("<|im_end|>", "<|im_start|>"),
    ),
    # the system prompt opens the first user turn; the assistant is "model"
    "gemma": Family(
        '{{- $prev := "" }}{{ range .Messages }}{{ if eq .Role "system" }}<start_of_turn>user\n{{ .Content }}\n\n'
        '{{ else if eq .Role "user" }}{{ if ne $prev "system" }}<start_of_turn>user\n{{ end }}'
        "{{ .Content }}<end_of_turn>\n{{ else }}<start_of_turn>model\n{{ .Content }}<end_of_turn>\n{{ end }}"
        "{{ $prev = .Role }}{{ end }}<start_of_turn>model\n",
        ("<end_of_turn>", "<start_of_turn>"),
        "<eos>",
    ),
    "llama3": Family(
        "{{- range .Messages }}<|start_header_id|>{{ .Role }}<|end_header_id|>\n\n{{ .Content }}<|eot_id|>{{ end }}"
        "<|start_header_id|>assistant<|end_header_id|>\n\n",
        ("<|eot_id|>", "<|start_header_id|>", "<|end_header_id|>"),
        "<|eot_id|>",
        strips_system=True,
    ),
    # the system prompt goes into the last user turn
    "mistral": Family(
        '{{- $system := "" }}{{ $hasSystem := false }}{{ range $i, $m := .Messages }}'
        "{{ $last := eq (len (slice $.Messages $i)) 1 }}"
        '{{ if eq .Role "system" }}{{ $system = .Content }}{{ $hasSystem = true }}'
        '{{ else if eq .Role "user" }}[INST] {{ if and $last $hasSystem }}{{ $system }}\n\n{{ end }}'
        "{{ .Content }}[/INST]"
        "{{ else }} {{ .Content }}@EOS@{{ end }}{{ end }}",
        ("@EOS@", "[INST]", "[/INST]"),
        "</s>",
    ),
    "phi3": Family(
        "{{- range .Messages }}<|{{ .Role }}|>\n{{ .Content }}<|end|>\n{{ end }}<|assistant|>\n",
        ("<|end|>", "<|user|>", "<|assistant|>", "<|system|>"),
        "<|endoftext|>",
    ),
    "zephyr": Family(
        "{{- range .Messages }}<|{{ .Role }}|>\n{{ .Content }}@EOS@\n{{ end }}<|assistant|>\n",
        ("@EOS@", "<|user|>", "<|assistant|>", "<|system|>"),
        "</s>",
    ),
}
SAMPLING = ("temperature", "top_p", "num_ctx")
INSTRUCTIONS = ("from", "template", "system", "parameter", "adapter", "license", "message")


@dataclass(frozen=True)
class Modelfile:
    """What a Modelfile says: FROM, TEMPLATE, SYSTEM and PARAMETERs (each name to its values, in order)."""

    source: str
    template: str | None = None
    system: str | None = None
    parameters: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def stops(self) -> tuple[str, ...]:
        return tuple(self.parameters.get("stop", ()))


def family_template(family: str, eos: str | None = None) -> str:
    """The Go TEMPLATE of a builtin family, with ``eos`` (default: the family's usual EOS) filled in."""
    spec = _family(family)
    return spec.template.replace("@EOS@", spec.eos if eos is None else eos)


def modelfile_system(family: str, system: str) -> str:
    """The SYSTEM text that renders as the family's Jinja template renders ``system`` (trimmed where it trims)."""
    return system.strip() if _family(family).strips_system else system


def family_stops(family: str, eos: str | None = None) -> tuple[str, ...]:
    spec = _family(family)
    return tuple(s.replace("@EOS@", spec.eos if eos is None else eos) for s in spec.stops)


def _family(name: str) -> Family:
    if name not in FAMILIES:
        raise ModelfileError(f"unknown chat-template family {name!r}; known: {', '.join(FAMILIES)}")
    return FAMILIES[name]


def render_ollama(template: str, messages: Sequence[Message]) -> str:
    """The prompt Ollama builds from ``template`` for a conversation (system prompt included as a message)."""
    from trainers.gotemplate import render

    return render(template, {"Messages": [{"Role": m.role, "Content": m.content} for m in messages]})


def probe_conversations(system: str | None) -> list[list[Message]]:
    """Conversations a family must render identically to count as the file's own format."""
    turns = [Message("user", "Hi."), Message("assistant", "Hello."), Message("user", "Move my run.")]
    lead = [Message("system", system or "Be brief.")]
    probes = [lead + turns[:1], lead + turns]
    return probes if system else [*probes, turns[:1], turns]


def detect_family(chat_template: str, eos: str, system: str | None) -> str | None:
    """The builtin family whose Go template renders the probes as ``chat_template`` does (no BOS), or None."""
    from pytest_persona.backends.templates import ChatTemplate, TemplateError

    own = ChatTemplate(chat_template, origin="the exported GGUF", bos_token="", eos_token=eos)
    for name in FAMILIES:
        template = family_template(name, eos)
        try:
            if all(own.render(p) == render_ollama(template, p) for p in probe_conversations(system)):
                return name
        except TemplateError:
            continue
    return None


def write_modelfile(
    gguf: Path, family: str, eos: str, system: str | None, sampling: Mapping[str, Any] | None = None
) -> Path:
    """Write ``<gguf stem>.Modelfile`` beside ``gguf`` and return its path; it is read back and checked."""
    template = family_template(family, eos)
    lines = [f"FROM ./{gguf.name}", f'TEMPLATE """{_verbatim(template, "TEMPLATE")}"""']
    if system is not None:
        system = modelfile_system(family, system)
        lines.append(f'SYSTEM """{_verbatim(system, "SYSTEM")}"""')
    stops = family_stops(family, eos)
    for stop in stops:
        if '"' in stop or any(c in stop for c in " \t\r\n"):
            raise ModelfileError(f"stop token {stop!r} cannot be written as a Modelfile parameter")
        lines.append(f'PARAMETER stop "{stop}"')
    settings = {k: v for k, v in (sampling or {}).items() if v is not None}
    for name in settings:
        if name not in SAMPLING:
            raise ModelfileError(f"unknown sampling setting {name!r}; known: {', '.join(SAMPLING)}")
    lines += [f"PARAMETER {name} {settings[name]}" for name in SAMPLING if name in settings]
    path = gguf.with_suffix(".Modelfile")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    back = read_modelfile(path)
    expected = {"stop": stops, **{k: (str(v),) for k, v in settings.items()}}
    if (back.template, back.system, dict(back.parameters)) != (template, system, expected):
        raise ModelfileError(f"{path}: does not read back as written")
    return path


def _verbatim(text: str, what: str) -> str:
    """Text Ollama's parser keeps as is inside triple quotes (printable characters, tabs, newlines)."""
    if '"""' in text:
        raise ModelfileError(f'the {what} contains """, which a Modelfile cannot quote')
    bad = next((c for c in text if not (c.isprintable() or c in "\t\n")), None)
    if bad is not None:
        raise ModelfileError(f"the {what} contains the control character {bad!r}, which Ollama's parser drops")
    return text


def read_modelfile(path: Path) -> Modelfile:
    """Parse a Modelfile; an unknown instruction, an unclosed quote or a missing FROM names the line."""
    text = path.read_text("utf-8").removeprefix("\ufeff")
    values: dict[str, str] = {}
    parameters: dict[str, list[str]] = {}
    number, lines = 0, text.splitlines(keepends=True)
    while number < len(lines):
        start = number
        line = lines[number].strip()
        number += 1
        if not line or line.startswith("#"):
            continue
        name, _, rest = line.partition(" ")
        name = name.lower()
        if name not in INSTRUCTIONS:
            raise ModelfileError(f"{path}:{start + 1}: unknown instruction {name.upper()!r}; known: FROM, TEMPLATE, "
                                 "SYSTEM, PARAMETER, ADAPTER, LICENSE, MESSAGE")  # fmt: skip
        if name == "parameter":
            key, _, rest = rest.strip().partition(" ")
            if not key:
                raise ModelfileError(f"{path}:{start + 1}: PARAMETER needs a name and a value")
        rest = lines[start].lstrip().split(maxsplit=2 if name == "parameter" else 1)[-1] if rest.strip() else ""
        value, number = _value(rest, lines, number, f"{path}:{start + 1}")
        if name == "parameter":
            parameters.setdefault(key.lower(), []).append(value)
        else:
            values[name] = value
    if "from" not in values:
        raise ModelfileError(f"{path}: no FROM line")
    return Modelfile(
        values["from"], values.get("template"), values.get("system"), {k: tuple(v) for k, v in parameters.items()}
    )


def _value(rest: str, lines: list[str], number: int, where: str) -> tuple[str, int]:
    """A value starting at ``rest``: triple-quoted (may span lines), double-quoted, or bare."""
    stripped = rest.strip()
    if stripped.startswith('"""'):
        body = rest.lstrip()[3:]
        while '"""' not in body:
            if number >= len(lines):
                raise ModelfileError(f'{where}: unclosed """')
            body += lines[number]
            number += 1
        value, _, after = body.partition('"""')
        if after.strip():
            raise ModelfileError(f'{where}: text after the closing """')
        return value, number
    if stripped.startswith('"'):
        if len(stripped) < 2 or not stripped.endswith('"'):
            raise ModelfileError(f"{where}: unclosed quote")
        return stripped[1:-1], number
    if not stripped:
        raise ModelfileError(f"{where}: missing value")
    return stripped, number
