"""The generation cache: replies on disk, keyed so that they can never answer for another artifact.

A key is the SHA-256 of the artifact's content fingerprint, the backend and its version, the
full request (messages and every generation parameter) and the sample index. sqlite in WAL
mode makes it safe for concurrent xdist workers and for runs killed mid-write (a transaction
is all or nothing). A cache written by another schema version is set aside, not trusted.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path

from .base import ChatRequest, Reply

SCHEMA_VERSION = 1
DB_NAME = "generations.sqlite3"


def request_key(fingerprint: str, backend: str, backend_version: str, request: ChatRequest) -> str:
    """The cache key of one request to one artifact."""
    payload = {
        "fingerprint": fingerprint,
        "backend": backend,
        "backend_version": backend_version,
        "messages": [asdict(m) for m in request.messages],
        "params": request.params.as_dict(),
        "sample": request.sample,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


class GenerationCache:
    """Replies and file fingerprints, in one sqlite file under the cache directory."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / DB_NAME
        self._db = self._open()

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=60, isolation_level=None, check_same_thread=False)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA busy_timeout=60000")
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
            db.execute(
                "CREATE TABLE IF NOT EXISTS fingerprints (path TEXT NOT NULL, size INTEGER NOT NULL, "
                "mtime_ns INTEGER NOT NULL, digest TEXT NOT NULL, PRIMARY KEY (path, size, mtime_ns))"
            )
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
        keys = list(keys)
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for key, text in self._db.execute(f"SELECT key, reply FROM replies WHERE key IN ({marks})", chunk):
                try:
                    data = json.loads(text)
                    found[key] = Reply(
                        text=data["text"],
                        tokens=data.get("tokens"),
                        latency_s=data.get("latency_s"),
                        finish_reason=data.get("finish_reason"),
                    )
                except (ValueError, KeyError, TypeError):
                    continue  # a damaged row is a miss, never a wrong answer
        return found

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
