"""Backend options are typed: a misspelt or mistyped option is an error, and what changes a reply
(the chat template, the context size) is part of the cache key."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_persona.backends import BackendOptions, Checkpoint, OptionError
from pytest_persona.backends.base import ChatRequest, Reply
from pytest_persona.backends.caching import GenerationCache
from pytest_persona.checks import Message
from pytest_persona.core.pool import CheckpointPool

REQUEST = ChatRequest(messages=(Message("user", "Hi"),))


def test_a_mapping_becomes_typed_options() -> None:
    checkpoint = Checkpoint("q", "m.gguf", "llama_cpp", options={"n_ctx": 2048, "chat_template": Path("t.jinja")})
    assert checkpoint.options == BackendOptions(n_ctx=2048, chat_template="t.jinja")
    assert checkpoint.with_options(threads=2).options.threads == 2
    assert checkpoint.options.threads is None  # frozen: the original is unchanged


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"n_ctxx": 2048}, r"unknown backend option\(s\) n_ctxx; known: .*n_ctx"),
        ({"n_ctx": "2048"}, "backend option n_ctx: expected int, got '2048'"),
        ({"n_ctx": True}, "backend option n_ctx: expected int, got True"),
        ({"prefix_reuse": "no"}, "backend option prefix_reuse: expected bool"),
        ({"extra": ["a"]}, "backend option extra: expected Mapping"),
    ],
)
def test_a_bad_option_names_itself(values: dict, message: str) -> None:
    with pytest.raises(OptionError, match=message):
        BackendOptions.from_mapping(values)
    with pytest.raises(OptionError):
        Checkpoint("q", "m.gguf", "llama_cpp", options=values)


def test_only_reply_changing_options_are_in_the_identity(tmp_path: Path) -> None:
    template = tmp_path / "t.jinja"
    template.write_text("{{ messages[0]['content'] }}")
    options = BackendOptions(chat_template=str(template), n_ctx=512, threads=4, prefix_reuse=False, batch_size=8)
    first = options.generation_identity()
    assert set(first) == {"chat_template", "n_ctx"}  # threads, batching, prefix reuse: not reply-changing
    template.write_text("{{ messages[-1]['content'] }}")
    assert options.generation_identity()["chat_template"] != first["chat_template"]  # by content
    assert BackendOptions().generation_identity() == {}


def _pool(tmp_path: Path, **options: object) -> CheckpointPool:
    model = tmp_path / "m.gguf"
    if not model.exists():
        model.write_bytes(b"not a real model: loading it fails")
    checkpoint = Checkpoint("q", str(model), "llama_cpp", options={"probe": False, **options})
    return CheckpointPool({"q": checkpoint}, cache_dir=tmp_path / "cache")


def test_a_chat_template_override_is_never_answered_from_another_templates_cache(tmp_path: Path) -> None:
    """Before options were typed, --persona-chat-template was not in the key: a stale reply came back."""
    stored = _pool(tmp_path, chat_template="chatml")
    key = stored._identity(stored.checkpoints["q"]).key(REQUEST)
    GenerationCache(tmp_path / "cache").put_many([(key, Reply(text="rendered with chatml"))])
    stored.close()

    same = _pool(tmp_path, chat_template="chatml")
    [hit] = same.backend("q").generate([REQUEST])
    assert (hit.text, hit.cached, hit.error) == ("rendered with chatml", True, None)  # nothing loaded
    assert same.load_errors == {}
    same.close()

    other = _pool(tmp_path, chat_template="gemma")
    [miss] = other.backend("q").generate([REQUEST])
    assert miss.text == "" and miss.error is not None and not miss.cached  # it had to load, and could not
    assert "q" in other.load_errors
    other.close()
