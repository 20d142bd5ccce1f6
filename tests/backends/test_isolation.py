"""Test loads of GGUF files in a child process (isolation.py), on the real embedded model and broken copies."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from ggufedit import flipped_copy, with_value

from pytest_persona.backends import Checkpoint
from pytest_persona.backends.base import BackendError
from pytest_persona.backends.embedded import embedded_model_path
from pytest_persona.backends.llama_cpp.backend import GGUFTokenizer, LlamaCppBackend
from pytest_persona.backends.llama_cpp.isolation import ensure_loads, probe

pytestmark = pytest.mark.slow

NO_TIME = 0.001  # a test load given this long always runs out: a call that returns did not probe


@pytest.fixture(scope="module")
def smollm() -> Path:
    return embedded_model_path()


@pytest.fixture(scope="module")
def aborting(smollm: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Passes read_gguf; llama.cpp's GGML_ASSERT(n_layer_all > 0 && …) aborts the process that loads it."""
    return with_value(smollm, tmp_path_factory.mktemp("bad") / "no-layers.gguf", "llama.block_count", 0)


def test_a_native_abort_is_a_backend_error_and_this_process_lives(aborting: Path) -> None:
    with pytest.raises(BackendError) as raised:
        LlamaCppBackend(Checkpoint("bad", str(aborting), "llama_cpp"))
    message = str(raised.value)
    assert message.startswith(f"{aborting}: llama.cpp crashed (SIGABRT, signal 6)")
    assert "GGML_ASSERT(hparams.n_layer_all > 0" in message  # llama.cpp's own words, from the child's stderr
    with pytest.raises(BackendError, match="SIGABRT"):
        GGUFTokenizer(Checkpoint("bad", str(aborting), "llama_cpp"))


def test_a_load_failure_gives_llama_cpps_reason(smollm: Path, tmp_path: Path) -> None:
    heads = with_value(smollm, tmp_path / "heads.gguf", "llama.attention.head_count", 7)  # 576 / 7 heads
    with pytest.raises(BackendError) as raised:
        probe(heads)
    message = str(raised.value)
    assert message.startswith(f"{heads}: llama.cpp could not load it (test load in a child process)")
    assert "invalid n_rot" in message and "Failed to load model from file" in message


def test_a_test_load_that_runs_too_long_is_stopped(smollm: Path) -> None:
    with pytest.raises(BackendError, match=r"did not finish a test load .* within 0\.001 s in a child process"):
        probe(smollm, timeout_s=NO_TIME)


def test_a_clean_load_is_remembered_per_content_and_llama_cpp_version(smollm: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = tmp_path / "first.gguf"
    shutil.copyfile(smollm, first)
    ensure_loads(Checkpoint("a", str(first), "llama_cpp", options={"probe_cache_dir": str(cache)}))
    (marker,) = (cache / "gguf-probes").glob("*.ok")
    assert '"llama-cpp-python"' in marker.read_text()

    # the same file again in this process, even without a cache: remembered, no child process
    ensure_loads(Checkpoint("a", str(first), "llama_cpp", options={"probe_timeout_s": NO_TIME}))
    # the same content elsewhere (another process would see the same): the marker answers
    second = tmp_path / "second.gguf"
    shutil.copyfile(smollm, second)
    ensure_loads(
        Checkpoint("b", str(second), "llama_cpp", options={"probe_cache_dir": str(cache), "probe_timeout_s": NO_TIME})
    )
    # one changed byte is another artifact: it is test-loaded again
    changed = flipped_copy(smollm, tmp_path / "changed.gguf")
    with pytest.raises(BackendError, match="did not finish"):
        ensure_loads(
            Checkpoint(
                "c", str(changed), "llama_cpp", options={"probe_cache_dir": str(cache), "probe_timeout_s": NO_TIME}
            )
        )
    assert len(list((cache / "gguf-probes").glob("*.ok"))) == 1


def test_without_the_generation_cache_a_clean_load_is_remembered_by_the_files_identity(
    smollm: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pytest_persona.backends.llama_cpp import isolation

    cache, model = tmp_path / "cache", tmp_path / "model.gguf"
    shutil.copyfile(smollm, model)
    options = {"probe_cache_dir": str(cache), "probe_by_content": False}
    ensure_loads(Checkpoint("a", str(model), "llama_cpp", options=options))
    assert [p.name for p in cache.iterdir()] == ["gguf-probes"]  # no cache database was opened
    (marker,) = (cache / "gguf-probes").glob("*.ok")

    monkeypatch.setattr(isolation, "_loaded", set())  # as a later process sees it: only the marker
    ensure_loads(Checkpoint("a", str(model), "llama_cpp", options=options | {"probe_timeout_s": NO_TIME}))
    # the same bytes written again (a new mtime) are another file on disk: test-loaded again
    model.write_bytes(model.read_bytes())
    with pytest.raises(BackendError, match="did not finish"):
        ensure_loads(Checkpoint("a", str(model), "llama_cpp", options=options | {"probe_timeout_s": NO_TIME}))
    assert list((cache / "gguf-probes").glob("*.ok")) == [marker]


def test_the_probe_can_be_skipped(aborting: Path) -> None:
    ensure_loads(Checkpoint("bad", str(aborting), "llama_cpp", options={"probe": False}))
