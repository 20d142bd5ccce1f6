"""The embedded models: SmolLM2 found in its package, Gemma-3-270M assembled offline from its part
packages with the builtin gemma template written into it, and a real gate of that model."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pytest_persona.backends.embedded import (
    ALIASES,
    MODEL_DIR_ENV,
    TEMPLATES,
    embedded_model_path,
    model_dir,
    with_chat_template,
)
from pytest_persona.backends.llama_cpp.gguf import read_gguf
from pytest_persona.backends.templates import BUILTIN_TEMPLATES

EVALSETS = Path(__file__).resolve().parents[2] / "evalsets"


@pytest.fixture(scope="session")
def gemma_gguf() -> Path:
    """The assembled gemma3-270m file in the real model cache (made once per machine, ~2 s)."""
    return embedded_model_path("gemma3-270m")


def test_both_aliases_are_known_and_only_gemma_gets_a_template() -> None:
    assert set(ALIASES) == {"smollm2-135m", "gemma3-270m"}
    assert TEMPLATES == {"gemma3-270m": "gemma"}
    assert read_gguf(embedded_model_path("smollm2-135m")).chat_template  # SmolLM2 ships its own


def test_the_model_dir_is_explicit(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(MODEL_DIR_ENV, str(tmp_path / "models"))
    assert model_dir() == tmp_path / "models"
    monkeypatch.delenv(MODEL_DIR_ENV)
    assert model_dir() == Path.home() / ".cache" / "pytest-persona" / "models"


def test_gemma_carries_the_builtin_gemma_template_and_says_so_in_its_name(gemma_gguf: Path) -> None:
    info = read_gguf(gemma_gguf)
    assert info.architecture == "gemma3"
    assert info.file_type == "Q4_K_M"
    assert info.chat_template == BUILTIN_TEMPLATES["gemma"]
    assert gemma_gguf.name == "gemma-3-270m-q4_k_m.gemma-template.gguf"
    assert "<start_of_turn>" in info.special_tokens and "<end_of_turn>" in info.special_tokens


def test_the_added_template_leaves_every_tensor_byte_alone(gemma_gguf: Path, tmp_path: Path) -> None:
    """Adding the template again to a copy without it gives the same file, byte for byte."""
    from ggufedit import without_key

    bare = without_key(gemma_gguf, tmp_path / "bare.gguf", "tokenizer.chat_template")
    assert read_gguf(bare).chat_template is None
    again = with_chat_template(bare, tmp_path / "again.gguf", BUILTIN_TEMPLATES["gemma"])
    assert again.read_bytes() == gemma_gguf.read_bytes()
    with pytest.raises(ValueError, match="already has a tokenizer.chat_template"):
        with_chat_template(again, tmp_path / "twice.gguf", "{{ x }}")


def test_assembly_is_offline_stamped_and_repaired(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Assembled once into the chosen folder; a second call reuses it; a damaged file is rebuilt."""
    folder = tmp_path / "models"
    monkeypatch.setenv(MODEL_DIR_ENV, str(folder))
    try:
        first = embedded_model_path("gemma3-270m")
        assert first.parent == folder
        stamp = json.loads(first.with_name(first.name + ".json").read_text("utf-8"))
        assert stamp["chat_template"] == "gemma" and stamp["size"] == first.stat().st_size
        assert sorted(p.name for p in folder.iterdir()) == [first.name, first.name + ".json"]  # no leftovers
        written = first.stat().st_mtime_ns
        assert embedded_model_path("gemma3-270m").stat().st_mtime_ns == written  # reused, not rewritten
        with first.open("r+b") as fh:
            fh.truncate(1000)
        repaired = embedded_model_path("gemma3-270m")
        assert repaired.stat().st_size == stamp["size"]
        assert read_gguf(repaired).chat_template == BUILTIN_TEMPLATES["gemma"]
    finally:
        shutil.rmtree(folder, ignore_errors=True)  # 250 MB


def test_an_unwritable_model_dir_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from pytest_persona.backends.embedded import EmbeddedModelMissing

    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv(MODEL_DIR_ENV, str(blocker / "models"))
    with pytest.raises(EmbeddedModelMissing, match=f"set {MODEL_DIR_ENV} to choose"):
        embedded_model_path("gemma3-270m")


@pytest.mark.slow
def test_gemma_gates_shipped_cases_with_real_replies(
    pytester: pytest.Pytester, gemma_gguf: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--model gemma3-270m`` on two cases of the shipped JESSY eval set: the model answers."""
    monkeypatch.setenv(MODEL_DIR_ENV, str(gemma_gguf.parent))  # pytester moves HOME into its sandbox
    shutil.copy(EVALSETS / "jessy.yaml", pytester.path / "jessy.yaml")
    result = pytester.runpytest(
        "jessy.yaml", "--model", "gemma3-270m", "-k", "casual-selam or casual-naber",
        "--persona-cache", "off", "--persona-report", "r.json", "-p", "no:cacheprovider",
    )  # fmt: skip
    assert result.ret in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED), result.stdout.str()
    data = json.loads((pytester.path / "r.json").read_text("utf-8"))
    (checkpoint,) = data["checkpoints"]
    assert (checkpoint["name"], checkpoint["backend"], checkpoint["ran"]) == ("gemma3-270m", "llama_cpp", True)
    assert checkpoint["path"].endswith(".gemma-template.gguf")
    replies = {r["case"]: r["output"] for r in data["results"]}
    assert set(replies) == {"casual-selam", "casual-naber"}
    assert all(reply.strip() for reply in replies.values()), replies
    leak = {r["case"]: [c for c in r["checks"] if c["name"] == "no_template_leak"] for r in data["results"]}
    assert all(len(checks) == 1 for checks in leak.values())  # its own tokens are checked
