"""Ollama Modelfiles: written, parsed back field by field, and their TEMPLATE rendered with Go
template semantics gives the bytes of the project's own chat-template rendering, per family."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_persona.backends.embedded import embedded_model_path
from pytest_persona.backends.llama_cpp.gguf import read_gguf
from pytest_persona.backends.templates import BUILTIN_TEMPLATES, ChatTemplate
from pytest_persona.checks import Message
from trainers.config import ConfigError, load_config
from trainers.modelfile import (
    FAMILIES,
    ModelfileError,
    detect_family,
    family_stops,
    family_template,
    modelfile_system,
    read_modelfile,
    render_ollama,
    write_modelfile,
)
from trainers.pipeline import stage_modelfiles

SYSTEM = 'Sen JESSY\'sin: "kısa" cevap ver.\nHer zaman Türkçe.\n'
CONVERSATIONS = [
    [Message("user", "Selam!")],
    [Message("system", "Be brief."), Message("user", "Hi.")],
    [Message("system", SYSTEM), Message("user", "Naber?"), Message("assistant", "İyidir."), Message("user", "Sor.")],
    [Message("user", "One."), Message("assistant", "Two."), Message("user", "Three {{ .Role }}?")],
]
EOS = {"chatml": "<|im_end|>", "gemma": "<eos>", "llama3": "<|eot_id|>", "mistral": "</s>", "phi3": "<|endoftext|>",
       "zephyr": "</s>"}  # fmt: skip


def test_every_builtin_family_has_a_modelfile_template() -> None:
    assert set(FAMILIES) == set(BUILTIN_TEMPLATES)


@pytest.mark.parametrize("family", sorted(FAMILIES))
@pytest.mark.parametrize("turns", range(len(CONVERSATIONS)))
def test_the_template_renders_the_bytes_of_the_builtin(family: str, turns: int) -> None:
    """What Ollama sends the model equals the project's rendering, less the BOS Ollama adds itself."""
    messages = [Message(m.role, modelfile_system(family, m.content)) if m.role == "system" else m
                for m in CONVERSATIONS[turns]]  # fmt: skip
    ours = ChatTemplate(BUILTIN_TEMPLATES[family], origin=family, bos_token="", eos_token=EOS[family])
    assert render_ollama(family_template(family, EOS[family]), messages) == ours.render(messages)


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_write_then_read_back_every_field(family: str, tmp_path: Path) -> None:
    gguf = tmp_path / f"jessy-{family}-q4_k_m.gguf"
    gguf.write_bytes(b"")  # only its name is written into the Modelfile
    path = write_modelfile(gguf, family, EOS[family], SYSTEM, {"temperature": 0.7, "top_p": 0.9, "num_ctx": 2048})
    assert path == tmp_path / f"jessy-{family}-q4_k_m.Modelfile"
    back = read_modelfile(path)
    assert back.source == f"./{gguf.name}"
    assert back.template == family_template(family, EOS[family])
    assert back.system == modelfile_system(family, SYSTEM)
    assert back.system == (SYSTEM.strip() if family == "llama3" else SYSTEM)  # Llama-3 trims its turns
    assert back.stops == family_stops(family, EOS[family])
    assert back.stops[0] in ("<|im_end|>", "<end_of_turn>", "<|eot_id|>", "</s>", "<|end|>")  # the end of a turn
    assert {k: v for k, v in back.parameters.items() if k != "stop"} == {
        "temperature": ("0.7",),
        "top_p": ("0.9",),
        "num_ctx": ("2048",),
    }
    messages = [Message("system", back.system), Message("user", "Naber?")]
    ours = ChatTemplate(BUILTIN_TEMPLATES[family], origin=family, bos_token="", eos_token=EOS[family])
    assert render_ollama(back.template, messages) == ours.render(messages)


def test_unset_sampling_and_system_are_left_out(tmp_path: Path) -> None:
    path = write_modelfile(tmp_path / "m.gguf", "chatml", "<|im_end|>", None, {"temperature": None})
    text = path.read_text("utf-8")
    assert "SYSTEM" not in text and "temperature" not in text
    back = read_modelfile(path)
    assert back.system is None and set(back.parameters) == {"stop"}


def test_the_reader_follows_ollamas_parser(tmp_path: Path) -> None:
    path = tmp_path / "Modelfile"
    path.write_text(
        '# a comment\nfrom ./x.gguf\nTEMPLATE """\n  {{ .Prompt }}\n"""\nPARAMETER stop "<|end|>"\n'
        "PARAMETER stop <|user|>\nparameter temperature   0.2  \nSYSTEM one line\n",
        encoding="utf-8",
    )
    back = read_modelfile(path)
    assert (back.source, back.template, back.system) == ("./x.gguf", "\n  {{ .Prompt }}\n", "one line")
    assert back.parameters == {"stop": ("<|end|>", "<|user|>"), "temperature": ("0.2",)}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("TEMPLATE x\n", "no FROM line"),
        ("FROM ./x.gguf\nTEMPLAT x\n", ":2: unknown instruction 'TEMPLAT'"),
        ('FROM ./x.gguf\nSYSTEM """never closed\n', ':2: unclosed """'),
        ('FROM ./x.gguf\nPARAMETER stop "<|end|>\n', ":2: unclosed quote"),
        ("FROM ./x.gguf\nPARAMETER\n", ":2: PARAMETER needs a name and a value"),
    ],
)
def test_bad_modelfiles_name_the_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "Modelfile"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ModelfileError, match=message.replace("|", r"\|")):
        read_modelfile(path)


def test_what_a_modelfile_cannot_hold_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ModelfileError, match='contains """'):
        write_modelfile(tmp_path / "m.gguf", "chatml", "", 'say """hi"""', None)
    with pytest.raises(ModelfileError, match="control character"):
        write_modelfile(tmp_path / "m.gguf", "chatml", "", "bell \a", None)
    with pytest.raises(ModelfileError, match="unknown chat-template family 'qwen'"):
        write_modelfile(tmp_path / "m.gguf", "qwen", "", None, None)
    with pytest.raises(ModelfileError, match="unknown sampling setting 'top_k'"):
        write_modelfile(tmp_path / "m.gguf", "chatml", "", None, {"top_k": 40})


def test_the_family_is_detected_from_the_files_own_template() -> None:
    for family in FAMILIES:
        assert detect_family(BUILTIN_TEMPLATES[family], EOS[family], "Be brief.") == family
    smollm2 = read_gguf(embedded_model_path())
    eos = smollm2.token("tokenizer.ggml.eos_token_id") or ""
    assert detect_family(smollm2.chat_template or "", eos, "You are Josi.") == "chatml"
    # without a system prompt SmolLM2 adds its own default one, which no builtin does
    assert detect_family(smollm2.chat_template or "", eos, None) is None


def config_file(tmp_path: Path, export: str = "", system: str | None = "You are Josi.") -> Path:
    (tmp_path / "train.jsonl").write_text("", encoding="utf-8")
    prompt = f"  system_prompt: {system!r}\n" if system else ""
    path = tmp_path / "train.yaml"
    path.write_text(f"name: josi\ndata:\n  train: train.jsonl\n{prompt}{export}", encoding="utf-8")
    return path


def test_the_export_stage_writes_one_beside_each_gguf(tmp_path: Path) -> None:
    """On the real SmolLM2 file: detected as chatml, with the config's system prompt and sampling."""
    gguf = tmp_path / "josi-q4_k_m.gguf"
    gguf.symlink_to(embedded_model_path())
    export = "export:\n  ollama: {temperature: 0.6, num_ctx: 1024}\n"
    result = stage_modelfiles(load_config(config_file(tmp_path, export)), [gguf])
    assert result == {gguf.name: {"written": True, "path": "josi-q4_k_m.Modelfile", "family": "chatml",
                                  "detected": True}}  # fmt: skip
    back = read_modelfile(tmp_path / "josi-q4_k_m.Modelfile")
    assert (back.source, back.system) == ("./josi-q4_k_m.gguf", "You are Josi.")
    assert back.parameters["temperature"] == ("0.6",) and back.parameters["num_ctx"] == ("1024",)
    assert "top_p" not in back.parameters


def test_no_matching_family_is_recorded_not_guessed(tmp_path: Path) -> None:
    gguf = tmp_path / "josi-q4_k_m.gguf"
    gguf.symlink_to(embedded_model_path())
    result = stage_modelfiles(load_config(config_file(tmp_path, system=None)), [gguf])
    assert result[gguf.name]["written"] is False and "export.ollama.template" in result[gguf.name]["reason"]
    assert not (tmp_path / "josi-q4_k_m.Modelfile").exists()
    forced = load_config(config_file(tmp_path, "export:\n  ollama: {template: chatml}\n", system=None))
    assert stage_modelfiles(forced, [gguf])[gguf.name]["detected"] is False


@pytest.mark.parametrize(
    ("export", "message"),
    [
        ("export:\n  ollama: {template: qwen}\n", r"train.yaml:\d+: export.ollama.template: unknown family 'qwen'"),
        ("export:\n  ollama: {top_p: 1.5}\n", r"export.ollama.top_p: must be in \(0, 1\]"),
        ("export:\n  ollama: {temperature: -1}\n", "export.ollama.temperature: must be >= 0"),
        ("export:\n  ollama: {num_ctx: 0}\n", "export.ollama.num_ctx: must be at least 1"),
    ],
)
def test_bad_ollama_settings_name_the_key(tmp_path: Path, export: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(config_file(tmp_path, export))
