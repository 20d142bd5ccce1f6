"""The generation cache: keys that cannot collide across artifacts or parameters; damage is a miss."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from pytest_persona.backends.base import BackendError, ChatRequest, GenParams, Reply
from pytest_persona.backends.caching import SCHEMA_VERSION, GenerationCache, request_key
from pytest_persona.checks import Message

BASE = ChatRequest(
    messages=(Message("system", "You are Josi."), Message("user", "Hi")), params=GenParams(max_tokens=32)
)


def test_every_part_of_the_request_is_in_the_key() -> None:
    key = request_key("sha256:a", "llama_cpp", "1", BASE)
    variants = [
        request_key("sha256:b", "llama_cpp", "1", BASE),
        request_key("sha256:a", "transformers", "1", BASE),
        request_key("sha256:a", "llama_cpp", "2", BASE),
        request_key("sha256:a", "llama_cpp", "1", replace(BASE, params=replace(BASE.params, max_tokens=33))),
        request_key("sha256:a", "llama_cpp", "1", replace(BASE, params=replace(BASE.params, temperature=0.5))),
        request_key("sha256:a", "llama_cpp", "1", replace(BASE, params=replace(BASE.params, top_p=0.9))),
        request_key("sha256:a", "llama_cpp", "1", replace(BASE, params=replace(BASE.params, seed=1))),
        request_key("sha256:a", "llama_cpp", "1", replace(BASE, params=replace(BASE.params, stop=("\n",)))),
        request_key("sha256:a", "llama_cpp", "1", replace(BASE, sample=1)),
        request_key("sha256:a", "llama_cpp", "1", replace(BASE, messages=(Message("user", "Hi"),))),
    ]
    assert key == request_key("sha256:a", "llama_cpp", "1", BASE)
    assert len({key, *variants}) == len(variants) + 1
    # the case id is not part of the key: the same request is the same generation
    assert key == request_key("sha256:a", "llama_cpp", "1", replace(BASE, case="x", evalset="y"))


def test_round_trip_and_errors_are_never_stored(tmp_path: Path) -> None:
    cache = GenerationCache(tmp_path)
    cache.put_many(
        [("k1", Reply("hello", tokens=2, latency_s=0.1, finish_reason="stop")), ("k2", Reply("", error="x"))]
    )
    found = cache.get_many(["k1", "k2", "k3"])
    assert set(found) == {"k1"}
    assert found["k1"] == Reply("hello", tokens=2, latency_s=0.1, finish_reason="stop")


def test_a_damaged_row_is_a_miss(tmp_path: Path) -> None:
    cache = GenerationCache(tmp_path)
    cache.put_many([("k1", Reply("hello"))])
    cache.close()
    with sqlite3.connect(tmp_path / "generations.sqlite3") as db:
        db.execute("UPDATE replies SET reply='{not json' WHERE key='k1'")
    assert GenerationCache(tmp_path).get_many(["k1"]) == {}


def test_a_cache_from_another_schema_or_not_sqlite_is_set_aside(tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / "generations.sqlite3") as db:
        db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        db.execute("INSERT INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION + 1),))
    cache = GenerationCache(tmp_path)
    cache.put_many([("k", Reply("x"))])
    assert cache.get_many(["k"])["k"].text == "x"
    assert any(p.name.startswith("generations.sqlite3.old-") for p in tmp_path.iterdir())

    other = tmp_path / "garbage"
    other.mkdir()
    (other / "generations.sqlite3").write_bytes(b"this is not a database" * 100)
    GenerationCache(other).put_many([("k", Reply("y"))])
    assert GenerationCache(other).get_many(["k"])["k"].text == "y"


def test_file_digest_is_remembered_and_follows_changes(tmp_path: Path) -> None:
    cache = GenerationCache(tmp_path / "c")
    model = tmp_path / "m.gguf"
    model.write_bytes(b"a" * 1000)
    first = cache.file_digest(model)
    assert cache.file_digest(model) == first
    model.write_bytes(b"b" * 1000)
    assert cache.file_digest(model) != first


WRITER = """
import sys

import pytest
from pathlib import Path
from pytest_persona.backends.base import Reply
from pytest_persona.backends.caching import GenerationCache
cache = GenerationCache(Path(sys.argv[1]))
tag = sys.argv[2]
for i in range(200):
    cache.put_many([(f"{tag}-{i}", Reply(f"{tag} reply {i}"))])
"""


def test_concurrent_writers_lose_nothing(tmp_path: Path) -> None:
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path), tag]) for tag in ("a", "b")]
    assert [w.wait(timeout=120) for w in writers] == [0, 0]
    found = GenerationCache(tmp_path).get_many([f"{t}-{i}" for t in "ab" for i in range(200)])
    assert len(found) == 400 and found["b-199"].text == "b reply 199"


KILLED_WRITER = """
import sys

import pytest
from pathlib import Path
from pytest_persona.backends.base import Reply
from pytest_persona.backends.caching import GenerationCache
cache = GenerationCache(Path(sys.argv[1]))
print("ready", flush=True)
i = 0
while True:
    cache.put_many([(f"k{i}-{j}", Reply(f"reply {i}-{j} " + "x" * 2000)) for j in range(50)])
    i += 1
"""


def test_a_writer_killed_mid_write_leaves_a_readable_cache_with_no_wrong_answers(tmp_path: Path) -> None:
    import signal
    import time

    writer = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    assert writer.stdout is not None and writer.stdout.readline().strip() == "ready"
    time.sleep(1.5)  # let it write batches, then kill it in the middle of one
    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=30)
    cache = GenerationCache(tmp_path)
    keys = [f"k{i}-{j}" for i in range(2000) for j in range(50)]
    found = cache.get_many(keys)
    assert found, "the writer stored nothing before it was killed"
    assert all(reply.text.startswith(f"reply {key[1:]} ") for key, reply in found.items())
    batches = {key.split("-")[0] for key in found}
    assert all(f"{batch}-{j}" in found for batch in batches for j in range(50))  # whole batches or nothing


def test_a_cache_locked_by_another_process_is_waited_for_then_named_never_set_aside(tmp_path: Path) -> None:
    first = GenerationCache(tmp_path)
    first.put_many([("k", Reply("kept"))])
    first.close()
    holder = sqlite3.connect(tmp_path / "generations.sqlite3", isolation_level=None)
    holder.execute("PRAGMA locking_mode=EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    with pytest.raises(BackendError, match=r"generations\.sqlite3 stayed locked by another process for 0\.2 s"):
        GenerationCache(tmp_path, busy_timeout_s=0.2)
    holder.execute("ROLLBACK")
    holder.close()
    assert not any(".old-" in p.name for p in tmp_path.iterdir())
    assert GenerationCache(tmp_path).get_many(["k"])["k"].text == "kept"
