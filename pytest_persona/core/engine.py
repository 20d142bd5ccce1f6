"""Generate, then check: the per-worker run state that turns cases into verdicts.

Replies for one checkpoint are produced as one phase (all its selected cases in one
``generate`` call, so backends can batch), kept for the run, and checked by pure
functions. Each checkpoint is loaded once and released when its last item is done.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..backends import (
    BUILTIN_BACKENDS,
    Backend,
    BackendError,
    ChatRequest,
    Checkpoint,
    Reply,
    TokenizerView,
    backend_class,
    load_backend,
    token_counter,
    tokenizer_for,
)
from ..backends.caching import GenerationCache, request_key
from ..backends.fingerprint import artifact_fingerprint
from ..checks import CheckContext, CheckResult, run_checks
from .evalset import Case, EvalSet
from .verdicts import CaseOutcome, CaseVerdict, Policy

CaseKey = tuple[str, str, str, int]  # checkpoint, evalset, case, sample


def request_for(case: Case, sample: int = 0) -> ChatRequest:
    return ChatRequest(messages=case.messages, params=case.params, sample=sample, case=case.id, evalset=case.evalset)


@dataclass
class RunState:
    """What one worker knows: eval sets, checkpoints, replies and verdicts so far."""

    checkpoints: dict[str, Checkpoint]
    make_backend: Callable[[Checkpoint], Backend | None] = lambda checkpoint: None
    on_progress: Callable[[Checkpoint, int, int, int, float], None] | None = None
    evalsets: dict[str, EvalSet] = field(default_factory=dict)
    wanted: dict[str, dict[tuple[str, str], Case]] = field(default_factory=dict)
    replies: dict[CaseKey, Reply] = field(default_factory=dict)
    outcomes: dict[CaseKey, CaseOutcome] = field(default_factory=dict)
    backends: dict[str, Backend] = field(default_factory=dict)
    load_errors: dict[str, str] = field(default_factory=dict)
    fingerprints: dict[str, str] = field(default_factory=dict)
    items_left: Counter[str] = field(default_factory=Counter)
    cached: set[CaseKey] = field(default_factory=set)
    tokenizers: dict[str, TokenizerView | None] = field(default_factory=dict)
    prepared: set[tuple[str, str | None]] = field(default_factory=set)
    # an xdist worker runs whole eval sets (see scheduling.py), not whole checkpoints: it generates
    # one eval set's cases at a time and never another worker's
    per_evalset: bool = False
    cache_dir: Path | None = None
    custom_backends: Callable[[], bool] = lambda: False
    cache_mode: str = "on"
    _cache: GenerationCache | None = None

    def plan(self, needed: Iterable[tuple[str, Case]], items: Iterable[str]) -> None:
        """Record which cases each checkpoint must answer in this run (after selection), and how
        many items will use it, so that it can be released after the last one."""
        for checkpoint, case in needed:
            self.wanted.setdefault(checkpoint, {})[(case.evalset, case.id)] = case
        self.items_left.update(items)

    def backend(self, name: str) -> Backend:
        """The loaded backend for a checkpoint (loaded on first use); raises BackendError."""
        if name in self.load_errors:
            raise BackendError(self.load_errors[name])
        if name not in self.backends:
            checkpoint = self.checkpoints[name]
            try:
                supplied = self.make_backend(checkpoint)
                backend = supplied or load_backend(checkpoint)
            except BackendError as exc:
                self.load_errors[name] = str(exc)
                raise
            if supplied is not None:  # a conftest's own backend: only it knows what it runs
                self.fingerprints[name] = supplied.fingerprint()
            self.backends[name] = backend
        return self.backends[name]

    def reply(self, checkpoint: str, case: Case, sample: int = 0) -> Reply:
        key = (checkpoint, case.evalset, case.id, sample)
        if key not in self.replies:
            self._generate(checkpoint, case)
        return self.replies[key]

    def prepare(self, checkpoint: str, evalset: str | None = None) -> None:
        """The generation phase: every wanted, not yet answered case of this checkpoint at once
        (of this eval set only, on an xdist worker)."""
        scope = (checkpoint, evalset if self.per_evalset else None)
        if scope not in self.prepared:
            self.prepared.add(scope)
            self._generate(checkpoint, None, scope[1])

    def _generate(self, checkpoint: str, case: Case | None, evalset: str | None = None) -> None:
        if self.per_evalset and case is not None:
            evalset = case.evalset
        wanted = [c for c in self.wanted.get(checkpoint, {}).values() if evalset is None or c.evalset == evalset]
        if case is not None and all(c is not case for c in wanted):
            wanted.append(case)
        pending = [
            (c, i) for c in wanted for i in range(c.samples) if (checkpoint, c.evalset, c.id, i) not in self.replies
        ]
        requests = [request_for(c, i) for c, i in pending]
        keys = self._cache_keys(checkpoint, requests)
        if keys is not None and self.cache_mode == "on":
            hits = self.cache().get_many(keys)
            for request, key in zip(requests, keys, strict=True):
                if key in hits:
                    self.replies[_key(checkpoint, request)] = hits[key]
                    self.cached.add(_key(checkpoint, request))
            missing = [i for i, key in enumerate(keys) if key not in hits]
            requests, keys = [requests[i] for i in missing], [keys[i] for i in missing]
        if not requests:
            return
        try:
            backend = self.backend(checkpoint)
        except BackendError as exc:
            for request in requests:
                self.replies[_key(checkpoint, request)] = Reply(text="", error=str(exc))
            return
        started = time.perf_counter()
        progress = None
        if self.on_progress is not None and len(requests) > 1:
            ckpt, total, report = self.checkpoints[checkpoint], len(requests), self.on_progress

            def progress(done: int, tokens: int) -> None:
                report(ckpt, done, total, tokens, time.perf_counter() - started)

        replies = backend.generate(requests, progress)
        for request, reply in zip(requests, replies, strict=True):
            self.replies[_key(checkpoint, request)] = reply
        if keys is not None:
            self.cache().put_many(zip(keys, replies, strict=True))

    def fingerprint(self, checkpoint: str) -> str:
        """The artifact's content fingerprint, computed without loading it."""
        if checkpoint not in self.fingerprints:
            if checkpoint in self.backends and self.checkpoints[checkpoint].backend not in BUILTIN_BACKENDS:
                self.fingerprints[checkpoint] = self.backends[checkpoint].fingerprint()
            else:  # computed without loading the model, so a cached run needs no model at all
                ckpt = self.checkpoints[checkpoint]
                cacheable = getattr(backend_class(ckpt.backend), "cacheable", False)
                remember = self.cache_dir is not None and self.cache_mode != "off" and cacheable
                digest = self.cache().file_digest if remember else None  # big files: hash once
                self.fingerprints[checkpoint] = artifact_fingerprint(self.checkpoints[checkpoint], digest)
        return self.fingerprints[checkpoint]

    def _cache_keys(self, checkpoint: str, requests: list[ChatRequest]) -> list[str] | None:
        """Cache keys for these requests, or None when this checkpoint's replies are not cached."""
        ckpt = self.checkpoints[checkpoint]
        if self.cache_mode == "off" or self.cache_dir is None or ckpt.backend not in BUILTIN_BACKENDS:
            return None
        if self.custom_backends():
            return None
        cls = backend_class(ckpt.backend)
        if not getattr(cls, "cacheable", False):
            return None
        fingerprint, version = self.fingerprint(checkpoint), cls.version()
        return [request_key(fingerprint, ckpt.backend, version, request) for request in requests]

    def cache(self) -> GenerationCache:
        if self._cache is None:
            assert self.cache_dir is not None
            self._cache = GenerationCache(self.cache_dir)
        return self._cache

    def outcome(self, checkpoint: str, case: Case, sample: int = 0) -> CaseOutcome:
        key = (checkpoint, case.evalset, case.id, sample)
        if key not in self.outcomes:
            reply = self.reply(checkpoint, case, sample)
            results: tuple[CheckResult, ...] = ()
            if reply.error is None:
                view = self.tokenizer(checkpoint)
                ctx = CheckContext(
                    messages=case.messages,
                    context=case.context,
                    base_dir=self.evalsets[case.evalset].path.parent if case.evalset in self.evalsets else None,
                    special_tokens=view.special_tokens if view is not None else (),
                    count_tokens=token_counter(view) if view is not None else None,
                    latency_s=reply.latency_s,
                    finish_reason=reply.finish_reason,
                )
                results = tuple(run_checks(case.checks, reply.text, ctx))
            self.outcomes[key] = CaseOutcome(
                checkpoint=checkpoint,
                evalset=case.evalset,
                case=case.id,
                sample=sample,
                output=reply.text,
                checks=results,
                latency_s=reply.latency_s,
                tokens=reply.tokens,
                error=reply.error,
                tags=case.tags,
                cached=key in self.cached,
            )
        return self.outcomes[key]

    def verdict(self, checkpoint: str, case: Case) -> CaseVerdict:
        samples = tuple(self.outcome(checkpoint, case, i) for i in range(case.samples))
        evalset = self.evalsets.get(case.evalset)
        policy = evalset.policy if evalset is not None else Policy()
        return CaseVerdict(samples, case.k_of_n, policy, known_failure=bool(case.xfail))

    def gate_verdicts(self, checkpoint: str, evalset: EvalSet) -> list[CaseVerdict]:
        """Verdicts of every case that counts toward the gate (not skipped, not marked xfail)."""
        return [self.verdict(checkpoint, case) for case in evalset.cases if not (case.skip or case.xfail)]

    def tokenizer(self, checkpoint: str) -> TokenizerView | None:
        """The loaded backend, or (when the cache answered) the checkpoint's tokenizer alone."""
        if checkpoint in self.backends:
            return self.backends[checkpoint]
        if checkpoint not in self.tokenizers:
            try:
                self.tokenizers[checkpoint] = tokenizer_for(self.checkpoints[checkpoint])
            except BackendError:
                self.tokenizers[checkpoint] = None
        return self.tokenizers[checkpoint]

    def item_done(self, checkpoint: str, next_checkpoint: str | None = None) -> None:
        """Release a checkpoint's backend once none of its items is left to run (on an xdist
        worker, which cannot know what it will be sent, once the next item uses another one)."""
        self.items_left[checkpoint] -= 1
        if self.items_left[checkpoint] <= 0 or (self.per_evalset and next_checkpoint != checkpoint):
            self.release(checkpoint)

    def release(self, checkpoint: str) -> None:
        backend = self.backends.pop(checkpoint, None)
        if backend is not None:
            backend.close()

    def close(self) -> None:
        for name in list(self.backends):
            self.release(name)
        if self._cache is not None:
            self._cache.close()
            self._cache = None


def _key(checkpoint: str, request: ChatRequest) -> CaseKey:
    return (checkpoint, request.evalset or "", request.case or "", request.sample)
