"""The generation cache: replies on disk, keyed so that they can never answer for another artifact,
and ``CachingBackend``, which puts it in front of any backend (lm-eval's ``CachingLM``).

A key is the SHA-256 of the artifact's content fingerprint, the backend and its version, the
options that can change a reply (a chat template chosen for the checkpoint), the full request
(messages and every generation parameter) and the sample index. sqlite in WAL mode makes it
safe for concurrent xdist workers and for runs killed mid-write (a transaction is all or
nothing). A cache written by another schema version, or not sqlite at all, is set aside, not
trusted; one locked by another process is waited for, never set aside.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from .base import Backend, BackendError, ChatRequest, Progress, Reply, TokenizerView
from .checkpoint import Checkpoint
from .scoring import ScoreRequest, TokenScores

SCHEMA_VERSION = 1
DB_NAME = "generations.sqlite3"
FACTS_BATCH = 256
BUSY_TIMEOUT_S = 60.0


def _busy(exc: sqlite3.OperationalError) -> bool:
    """A lock held by another connection (transient), as opposed to an unreadable file."""
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def request_key(
    fingerprint: str,
    backend: str,
    backend_version: str,
    request: ChatRequest,
    options: Mapping[str, Any] | None = None,
) -> str:
    """The cache key of one request to one artifact (run with these reply-changing options)."""
    payload: dict[str, Any] = {
        "fingerprint": fingerprint,
        "backend": backend,
        "backend_version": backend_version,
        "messages": [asdict(m) for m in request.messages],
        "params": request.params.as_dict(),
        "sample": request.sample,
    }
    if options:  # absent when none is set, so keys written before options existed still answer
        payload["options"] = dict(options)
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


class GenerationCache:
    """Replies and file fingerprints, in one sqlite file under the cache directory."""

    def __init__(self, directory: Path, busy_timeout_s: float = BUSY_TIMEOUT_S) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / DB_NAME
        self.busy_timeout_s = busy_timeout_s
        self._db = self._open()

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=self.busy_timeout_s, isolation_level=None, check_same_thread=False)
        try:
            db.execute(f"PRAGMA busy_timeout={int(self.busy_timeout_s * 1000)}")
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            row = db.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
            if row is not None and row[0] != str(SCHEMA_VERSION):
                db.close()
                self._set_aside()
                return self._open()
            db.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
            db.execute(
                "CREATE TABLE IF NOT EXISTS replies (key TEXT PRIMARY KEY, reply TEXT NOT NULL, created REAL NOT NULL)"
            )
            db.execute("CREATE TABLE IF NOT EXISTS facts (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            db.execute(
                "CREATE TABLE IF NOT EXISTS fingerprints (path TEXT NOT NULL, size INTEGER NOT NULL, "
                "mtime_ns INTEGER NOT NULL, digest TEXT NOT NULL, PRIMARY KEY (path, size, mtime_ns))"
            )
        except sqlite3.OperationalError as exc:
            db.close()
            if _busy(exc):  # another process holds it: its replies are good, so wait or say so, never set aside
                raise BackendError(
                    f"the generation cache {self.path} stayed locked by another process for "
                    f"{self.busy_timeout_s:g} s ({exc}); wait for that run to finish, or run with "
                    "--persona-cache off or another persona_cache_dir"
                ) from None
            self._set_aside()
            return self._open()
        except sqlite3.DatabaseError:
            db.close()
            self._set_aside()
            return self._open()
        return db

    def _set_aside(self) -> None:
        """Move an unreadable or foreign cache out of the way (kept for inspection)."""
        stamp = time.strftime("%Y%m%d-%H%M%S")
        for suffix in ("", "-wal", "-shm"):
            old = Path(str(self.path) + suffix)
            if old.exists():
                old.replace(Path(f"{self.path}.old-{stamp}{suffix}"))

    def get_many(self, keys: Iterable[str]) -> dict[str, Reply]:
        found: dict[str, Reply] = {}
        for key, data in self._select("replies", "reply", keys):
            try:
                found[key] = Reply(
                    text=data["text"],
                    tokens=data.get("tokens"),
                    latency_s=data.get("latency_s"),
                    finish_reason=data.get("finish_reason"),
                )
            except (KeyError, TypeError, AttributeError):
                continue  # a damaged row is a miss, never a wrong answer
        return found

    def _select(self, table: str, column: str, keys: Iterable[str]) -> Iterator[tuple[str, Any]]:
        """(key, decoded JSON) of the rows found, in chunks under sqlite's parameter limit; rows
        that are not JSON are skipped (a miss)."""
        keys = list(keys)
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for key, text in self._db.execute(f"SELECT key, {column} FROM {table} WHERE key IN ({marks})", chunk):
                try:
                    yield key, json.loads(text)
                except ValueError:
                    continue

    def put_many(self, items: Iterable[tuple[str, Reply]]) -> None:
        rows = [
            (
                key,
                json.dumps(
                    {
                        "text": reply.text,
                        "tokens": reply.tokens,
                        "latency_s": reply.latency_s,
                        "finish_reason": reply.finish_reason,
                    },
                    ensure_ascii=False,
                ),
                time.time(),
            )
            for key, reply in items
            if reply.error is None
        ]
        if rows:
            with self._transaction():
                self._db.executemany("INSERT OR REPLACE INTO replies VALUES (?, ?, ?)", rows)

    def get_facts(self, keys: Iterable[str]) -> dict[str, Any]:
        """What was learnt of an artifact before (token counts, special tokens), by key."""
        return dict(self._select("facts", "value", keys))

    def put_facts(self, items: Mapping[str, Any]) -> None:
        if items:
            rows = [(key, json.dumps(value, ensure_ascii=False)) for key, value in items.items()]
            with self._transaction():
                self._db.executemany("INSERT OR REPLACE INTO facts VALUES (?, ?)", rows)

    def file_digest(self, path: Path) -> str:
        """SHA-256 of a file's content, remembered by path, size and modification time."""
        stat = path.stat()
        key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
        row = self._db.execute("SELECT digest FROM fingerprints WHERE path=? AND size=? AND mtime_ns=?", key).fetchone()
        if row is not None:
            return row[0]
        digest = sha256_file(path)
        with self._transaction():
            self._db.execute("INSERT OR REPLACE INTO fingerprints VALUES (?, ?, ?, ?)", (*key, digest))
        return digest

    def _transaction(self) -> _Transaction:
        return _Transaction(self._db)

    def close(self) -> None:
        self._db.close()


class _Transaction:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: object, *rest: object) -> None:
        self.db.execute("COMMIT" if kind is None else "ROLLBACK")


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class CacheIdentity:
    """Everything but the request that a reply depends on."""

    fingerprint: str
    backend: str
    version: str
    options: Mapping[str, Any] = field(default_factory=dict)

    def key(self, request: ChatRequest) -> str:
        return request_key(self.fingerprint, self.backend, self.version, request, self.options)

    def fact_key(self, kind: str, text: str = "") -> str:
        """The key of a tokenizer fact; the tokenizer is the artifact's, whatever the options."""
        payload = json.dumps([self.fingerprint, self.backend, self.version, kind, text], ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()

    def score_key(self, request: ScoreRequest) -> str:
        """The key of a teacher-forced score: the prompt is rendered with the checkpoint's template,
        so reply-changing options are part of it."""
        payload = {"fingerprint": self.fingerprint, "backend": self.backend, "version": self.version,
                   "options": dict(self.options), "score": request.identity()}  # fmt: skip
        return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


class CachingBackend:
    """A backend behind the generation cache: requests the same artifact answered before are read
    back, and the wrapped backend is loaded only when some request was not. Without a cache
    (``identity`` gives None) it is the wrapped backend, loaded on first use.

    Speaks the Backend protocol, so the engine and ``persona_model.chat`` use it alike. A load
    failure is remembered and answered as an error reply for every later request.
    """

    def __init__(
        self,
        checkpoint: Checkpoint,
        load: Callable[[], Backend],
        *,
        cache: Callable[[], GenerationCache] | None = None,
        identity: Callable[[], CacheIdentity | None] = lambda: None,
        refresh: bool = False,
        tokenizer_only: Callable[[], TokenizerView | None] = lambda: None,
    ) -> None:
        self.checkpoint = checkpoint
        self.name = checkpoint.backend
        self._load = load
        self._cache = cache
        self._identity = identity
        self._refresh = refresh  # generate everything again, and store it
        self._tokenizer_only = tokenizer_only
        self._view: TokenizerView | None = None
        self._view_tried = False
        self._facts: dict[str, Any] = {}  # tokenizer facts of this artifact, this run
        self._unsaved: dict[str, Any] = {}
        self._fact_identity: CacheIdentity | bool | None = None
        self.inner: Backend | None = None
        self.load_error: str | None = None

    def loaded(self) -> Backend:
        """The wrapped backend, loaded now if it is not; raises BackendError (once, then remembered)."""
        if self.load_error is not None:
            raise BackendError(self.load_error)
        if self.inner is None:
            try:
                self.inner = self._load()
            except BackendError as exc:
                self.load_error = str(exc)
                raise
        return self.inner

    def generate(self, requests: Sequence[ChatRequest], progress: Progress | None = None) -> list[Reply]:
        replies: list[Reply | None] = [None] * len(requests)
        identity = self._identity() if self._cache is not None else None
        keys = [identity.key(r) for r in requests] if identity is not None else None
        if keys is not None and not self._refresh:
            hits = self._store().get_many(keys)
            for index, key in enumerate(keys):
                if key in hits:
                    replies[index] = replace(hits[key], cached=True)
        missing = [index for index, reply in enumerate(replies) if reply is None]
        if missing:
            try:
                backend = self.loaded()
            except BackendError as exc:
                for index in missing:
                    replies[index] = Reply(text="", error=str(exc))
                return replies  # type: ignore[return-value]
            answered = len(requests) - len(missing)
            relay = (lambda done, tokens: progress(answered + done, tokens)) if progress is not None else None
            fresh = backend.generate([requests[index] for index in missing], relay)
            for index, reply in zip(missing, fresh, strict=True):
                replies[index] = reply
            if keys is not None:
                self._store().put_many((keys[index], replies[index]) for index in missing)  # type: ignore[misc]
        return replies  # type: ignore[return-value]

    def _store(self) -> GenerationCache:
        assert self._cache is not None
        return self._cache()

    def _tokenizer(self) -> TokenizerView | None:
        """The loaded backend, else the checkpoint's tokenizer alone (a cached run judges replies
        exactly as a cold one, without loading weights)."""
        if self.inner is not None:
            return self.inner
        if not self._view_tried:
            self._view_tried = True
            try:
                self._view = self._tokenizer_only()
            except BackendError:
                self._view = None
        return self._view

    def count_tokens(self, text: str) -> int | None:
        """Token count by the checkpoint's tokenizer; counts learnt before are read back, so a
        fully cached run never reads the vocabulary."""
        key = self._fact_key("count_tokens", text)
        stored = self._recall(key, lambda value: isinstance(value, int))
        if stored is not None:
            return stored
        view = self._tokenizer()
        count = view.count_tokens(text) if view is not None else None
        if key is not None and isinstance(count, int):
            self._learn(key, count)
        return count

    @property
    def special_tokens(self) -> tuple[str, ...]:
        key = self._fact_key("special_tokens")
        stored = self._recall(key, lambda value: isinstance(value, list) and all(isinstance(t, str) for t in value))
        if stored is not None:
            return tuple(stored)
        view = self._tokenizer()
        if view is None:
            return ()
        tokens = tuple(view.special_tokens)
        if key is not None:
            self._learn(key, list(tokens))
        return tokens

    def _fact_key(self, kind: str, text: str = "") -> str | None:
        if self._cache is None:
            return None
        if self._fact_identity is None:
            self._fact_identity = self._identity() or False
        return self._fact_identity.fact_key(kind, text) if self._fact_identity else None

    def _recall(self, key: str | None, valid: Callable[[Any], bool]) -> Any:
        """A fact learnt in this run or an earlier one, or None (a damaged one is asked again)."""
        if key is None:
            return None
        if key not in self._facts:
            stored = self._store().get_facts([key]).get(key)
            if stored is None or not valid(stored):
                return None
            self._facts[key] = stored
        return self._facts[key]

    def _learn(self, key: str, value: Any) -> None:
        """Remember a fact; written in batches (one transaction per case would cost more than the check)."""
        self._facts[key] = value
        self._unsaved[key] = value
        if len(self._unsaved) >= FACTS_BATCH:
            self.flush()

    def flush(self) -> None:
        """Write the facts learnt since the last flush."""
        if self._unsaved and self._cache is not None:
            unsaved, self._unsaved = self._unsaved, {}
            self._store().put_facts(unsaved)

    # -- teacher-forced scoring (quantization drift): cached like replies, by artifact

    def scorer(self) -> bool:
        """Whether this checkpoint's backend can score a given reply (llama.cpp, transformers)."""
        from . import backend_class

        try:
            cls = backend_class(self.checkpoint.backend)
        except BackendError:
            return False
        return all(callable(getattr(cls, name, None)) for name in ("score", "reply_tokens", "vocabulary"))

    def vocabulary(self) -> str:
        """The digest of the checkpoint's vocabulary (remembered, so a warm run reads no tokenizer)."""
        key = self._fact_key("vocabulary")
        stored = self._recall(key, lambda value: isinstance(value, str))
        if stored is not None:
            return stored
        view = self._tokenizer()
        if view is None or not callable(getattr(view, "vocabulary", None)):
            raise BackendError(f"{self.checkpoint.name}: its tokenizer cannot be read")
        digest = view.vocabulary()  # type: ignore[attr-defined]
        if key is not None:
            self._learn(key, digest)
        return digest

    def reply_tokens(self, text: str) -> list[int]:
        """A reply's token ids by the checkpoint's own tokenizer (remembered)."""
        key = self._fact_key("reply_tokens", text)
        stored = self._recall(key, lambda value: isinstance(value, list) and all(isinstance(t, int) for t in value))
        if stored is not None:
            return list(stored)
        view = self._tokenizer()
        if view is None or not callable(getattr(view, "reply_tokens", None)):
            raise BackendError(f"{self.checkpoint.name}: its tokenizer cannot be read")
        tokens = list(view.reply_tokens(text))  # type: ignore[attr-defined]
        if key is not None:
            self._learn(key, tokens)
        return tokens

    def score(self, requests: Sequence[ScoreRequest]) -> list[TokenScores]:
        """Scores read back when this artifact scored the same tokens before; the rest computed
        (loading the backend) and stored. Raises BackendError when the backend cannot score."""
        identity = self._identity() if self._cache is not None else None
        keys = [identity.score_key(r) for r in requests] if identity is not None else None
        found: dict[int, TokenScores] = {}
        if keys is not None and not self._refresh:
            stored = self._store().get_facts(keys)
            for index, key in enumerate(keys):
                try:
                    found[index] = TokenScores.from_dict(stored[key])
                except (KeyError, TypeError, ValueError):
                    continue  # a miss, or a damaged row: scored again
        missing = [index for index in range(len(requests)) if index not in found]
        if missing:
            backend = self.loaded()
            score = getattr(backend, "score", None)
            if score is None:
                raise BackendError(f"the {self.name} backend cannot score a given reply")
            fresh = score([requests[index] for index in missing])
            for index, scores in zip(missing, fresh, strict=True):
                found[index] = scores
            if keys is not None:
                self._store().put_facts({keys[index]: found[index].as_dict() for index in missing})
        return [found[index] for index in range(len(requests))]

    def fingerprint(self) -> str:
        return self.loaded().fingerprint()

    def close(self) -> None:
        """Write what was learnt and release the wrapped backend's memory; a later miss loads it again."""
        self.flush()
        if self.inner is not None:
            inner, self.inner = self.inner, None
            inner.close()
