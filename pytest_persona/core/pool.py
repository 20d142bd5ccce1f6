"""The checkpoints of a run and the backends that answer for them, each behind the generation cache.

A checkpoint's backend is loaded on its first uncached request and released when the run is
done with it; its fingerprint is computed from the artifact without loading it, so a fully
cached run never touches a model.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..backends import BUILTIN_BACKENDS, Backend, Checkpoint, backend_class, load_backend, tokenizer_for
from ..backends.caching import CacheIdentity, CachingBackend, GenerationCache
from ..backends.fingerprint import artifact_fingerprint


class CheckpointPool:
    """Per-worker: one ``CachingBackend`` per checkpoint, the cache file and the fingerprints."""

    def __init__(
        self,
        checkpoints: dict[str, Checkpoint],
        *,
        make_backend: Callable[[Checkpoint], Backend | None] = lambda checkpoint: None,
        cache_dir: Path | None = None,
        cache_mode: str = "on",  # on, off or refresh (generate again and store)
        custom_backends: Callable[[], bool] = lambda: False,
    ) -> None:
        self.checkpoints = checkpoints
        self._make_backend = make_backend  # a conftest's own backend, when it supplies one
        self._custom_backends = custom_backends  # asked late: once every conftest is loaded
        self.cache_dir = cache_dir
        self.cache_mode = cache_mode
        self._backends: dict[str, CachingBackend] = {}
        self._fingerprints: dict[str, str] = {}
        self._engines: dict[str, str] = {}  # server checkpoints: the engine identity, asked once
        self._cache: GenerationCache | None = None

    def backend(self, name: str) -> CachingBackend:
        """The checkpoint's backend behind the cache (nothing is loaded until a request misses)."""
        if name not in self._backends:
            checkpoint = self.checkpoints[name]
            self._backends[name] = CachingBackend(
                checkpoint,
                lambda: self._load(checkpoint),
                cache=self.cache if self._cacheable(checkpoint) else None,
                identity=lambda: self._identity(checkpoint),
                refresh=self.cache_mode == "refresh",
                tokenizer_only=lambda: tokenizer_for(checkpoint),
            )
        return self._backends[name]

    def _load(self, checkpoint: Checkpoint) -> Backend:
        supplied = self._make_backend(checkpoint)
        if supplied is not None:  # only a conftest's own backend knows what it runs
            self._fingerprints[checkpoint.name] = supplied.fingerprint()
            return supplied
        return load_backend(checkpoint)

    @property
    def load_errors(self) -> dict[str, str]:
        """Checkpoints that could not be loaded, with why."""
        return {name: b.load_error for name, b in self._backends.items() if b.load_error is not None}

    def _cacheable(self, checkpoint: Checkpoint) -> bool:
        """Built-in backends that declare themselves cacheable; never with the cache off."""
        if self.cache_mode == "off" or self.cache_dir is None or checkpoint.backend not in BUILTIN_BACKENDS:
            return False
        cls = backend_class(checkpoint.backend)
        decides = getattr(cls, "cacheable_for", None)
        return bool(decides(checkpoint)) if decides is not None else bool(getattr(cls, "cacheable", False))

    def _identity(self, checkpoint: Checkpoint) -> CacheIdentity | None:
        if self._custom_backends():  # a conftest-supplied backend's code is not in any key
            return None
        cls = backend_class(checkpoint.backend)
        version = cls.version()
        engine = getattr(cls, "engine_identity", None)
        if engine is not None:  # a server: which engine build answers is part of every key
            if checkpoint.name not in self._engines:
                self._engines[checkpoint.name] = engine(checkpoint)
            version = f"{version}; {self._engines[checkpoint.name]}"
        return CacheIdentity(
            self.fingerprint(checkpoint.name),
            checkpoint.backend,
            version,
            checkpoint.options.generation_identity(),
        )

    def fingerprint(self, name: str) -> str:
        """The artifact's content fingerprint, computed without loading it (a third-party or
        conftest-supplied backend is asked, once loaded)."""
        if name not in self._fingerprints:
            checkpoint = self.checkpoints[name]
            loaded = self._backends.get(name)
            if checkpoint.backend not in BUILTIN_BACKENDS and loaded is not None and loaded.inner is not None:
                self._fingerprints[name] = loaded.inner.fingerprint()
            else:
                # big files are hashed once, then remembered by path, size and mtime
                digest = self.cache().file_digest if self._cacheable(checkpoint) else None
                self._fingerprints[name] = artifact_fingerprint(checkpoint, digest)
        return self._fingerprints[name]

    def replica_stats(self, name: str) -> list[dict[str, Any]] | None:
        """A server fleet's requests and errors per replica, once the checkpoint has been used."""
        loaded = self._backends.get(name)
        inner = loaded.inner if loaded is not None else None
        return getattr(inner, "replica_stats", None) if inner is not None else None

    def cache(self) -> GenerationCache:
        if self._cache is None:
            assert self.cache_dir is not None
            self._cache = GenerationCache(self.cache_dir)
        return self._cache

    def release(self, name: str) -> None:
        backend = self._backends.get(name)
        if backend is not None:
            backend.close()

    def close(self) -> None:
        for name in list(self._backends):
            self.release(name)
        if self._cache is not None:
            self._cache.close()
            self._cache = None
