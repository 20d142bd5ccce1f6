"""Generate, then check: the per-worker run state that turns cases into verdicts.

Replies for one checkpoint are produced as one phase (all its selected cases in one
``generate`` call, so backends can batch), kept for the run, and checked by pure
functions. Each checkpoint is loaded once and released when its last item is done.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from ..backends import ChatRequest, Checkpoint, Reply, token_counter
from ..checks import CheckContext, CheckResult, run_checks
from .drift import Drift
from .evalset import Case, EvalSet
from .pool import CheckpointPool
from .verdicts import CaseOutcome, CaseVerdict, Policy

CaseKey = tuple[str, str, str, int]  # checkpoint, evalset, case, sample


def request_for(case: Case, sample: int = 0, free: bool = False) -> ChatRequest:
    """The request of one sample; ``free`` drops the case's response_format (--persona-decoding free)."""
    params = replace(case.params, constraint=None) if free else case.params
    return ChatRequest(messages=case.messages, params=params, sample=sample, case=case.id, evalset=case.evalset)


@dataclass
class RunState:
    """What one worker knows: the plan (which cases each checkpoint answers), replies and verdicts.
    Backends, the cache and fingerprints live in the ``CheckpointPool``."""

    pool: CheckpointPool
    on_progress: Callable[[Checkpoint, int, int, int, float], None] | None = None
    evalsets: dict[str, EvalSet] = field(default_factory=dict)
    wanted: dict[str, dict[tuple[str, str], Case]] = field(default_factory=dict)
    replies: dict[CaseKey, Reply] = field(default_factory=dict)
    outcomes: dict[CaseKey, CaseOutcome] = field(default_factory=dict)
    items_left: Counter[str] = field(default_factory=Counter)
    prepared: set[tuple[str, str | None]] = field(default_factory=set)
    # an xdist worker runs whole eval sets (see scheduling.py), not whole checkpoints: it generates
    # one eval set's cases at a time and never another worker's
    per_evalset: bool = False
    decoding: str = "deployed"  # --persona-decoding: deployed, free (ignore response_format) or both
    free_replies: dict[CaseKey, Reply] = field(default_factory=dict)  # "both": constrained cases decoded freely
    drifts: dict[tuple[str, str, str], Drift] = field(default_factory=dict)  # (evalset, checkpoint, reference)

    def plan(self, needed: Iterable[tuple[str, Case]], items: Iterable[str]) -> None:
        """Record which cases each checkpoint must answer in this run (after selection), and how
        many items will use it, so that it can be released after the last one."""
        for checkpoint, case in needed:
            self.wanted.setdefault(checkpoint, {})[(case.evalset, case.id)] = case
        self.items_left.update(items)

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
        if not pending:
            return
        free = self.decoding == "free"
        requests = [request_for(c, i, free) for c, i in pending]
        twins = [request_for(c, i, True) for c, i in pending if self._twinned(c)]
        started = time.perf_counter()
        progress = None
        if self.on_progress is not None and len(requests) > 1:
            ckpt, total, report = self.pool.checkpoints[checkpoint], len(requests) + len(twins), self.on_progress

            def progress(done: int, tokens: int) -> None:
                report(ckpt, done, total, tokens, time.perf_counter() - started)

        replies = self.pool.backend(checkpoint).generate(requests + twins, progress)
        for request, reply in zip(requests, replies[: len(requests)], strict=True):
            self.replies[_key(checkpoint, request)] = reply
        for request, reply in zip(twins, replies[len(requests) :], strict=True):
            self.free_replies[_key(checkpoint, request)] = reply

    def _twinned(self, case: Case) -> bool:
        """Under ``--persona-decoding both``, a constrained case is also decoded freely."""
        return self.decoding == "both" and case.params.constraint is not None

    def outcome(self, checkpoint: str, case: Case, sample: int = 0) -> CaseOutcome:
        key = (checkpoint, case.evalset, case.id, sample)
        if key not in self.outcomes:
            reply = self.reply(checkpoint, case, sample)
            free = None
            if self._twinned(case):
                free = self._judge(checkpoint, case, sample, self.free_replies[key], None)
            decoding = case.params.constraint.label if case.params.constraint is not None else None
            self.outcomes[key] = self._judge(
                checkpoint, case, sample, reply, None if self.decoding == "free" else decoding, free
            )
        return self.outcomes[key]

    def _judge(
        self,
        checkpoint: str,
        case: Case,
        sample: int,
        reply: Reply,
        decoding: str | None,
        free: CaseOutcome | None = None,
    ) -> CaseOutcome:
        """One reply's outcome: every check of the case run on it (none when there is no reply)."""
        results: tuple[CheckResult, ...] = ()
        if reply.error is None:
            view = self.pool.backend(checkpoint)
            ctx = CheckContext(
                messages=case.messages,
                context=case.context,
                base_dir=self.evalsets[case.evalset].path.parent if case.evalset in self.evalsets else None,
                special_tokens=view.special_tokens,
                count_tokens=token_counter(view),
                latency_s=reply.latency_s,
                finish_reason=reply.finish_reason,
            )
            results = tuple(run_checks(case.checks, reply.text, ctx))
        return CaseOutcome(
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
            cached=reply.cached,
            decoding=decoding,
            free=free,
        )

    def verdict(self, checkpoint: str, case: Case) -> CaseVerdict:
        samples = tuple(self.outcome(checkpoint, case, i) for i in range(case.samples))
        evalset = self.evalsets.get(case.evalset)
        policy = evalset.policy if evalset is not None else Policy()
        return CaseVerdict(samples, case.k_of_n, policy, known_failure=bool(case.xfail))

    def gate_verdicts(self, checkpoint: str, evalset: EvalSet) -> list[CaseVerdict]:
        """Verdicts of every case that counts toward the gate (not skipped, not marked xfail)."""
        return [self.verdict(checkpoint, case) for case in evalset.cases if not (case.skip or case.xfail)]

    def drift(self, checkpoint: str, reference: str, evalset: EvalSet) -> Drift:
        """Drift of ``checkpoint`` against ``reference`` over the reference's replies to the eval set's
        counted cases (first sample; cases without a reply are left out), measured once per run."""
        key = (evalset.name, checkpoint, reference)
        if key not in self.drifts:
            from .drift_run import measure_drift

            replies = []
            for case in evalset.cases:
                if case.skip or case.xfail:
                    continue
                reply = self.reply(reference, case)
                if reply.error is None and reply.text:
                    replies.append((case.id, case.messages, reply.text))
            ours, theirs = self.pool.backend(checkpoint), self.pool.backend(reference)
            self.drifts[key] = measure_drift(evalset.name, checkpoint, reference, ours, theirs, replies)
        return self.drifts[key]

    def item_done(self, checkpoint: str, next_checkpoint: str | None = None) -> None:
        """Release a checkpoint's backend once none of its items is left to run (on an xdist
        worker, which cannot know what it will be sent, once the next item uses another one)."""
        self.items_left[checkpoint] -= 1
        if self.items_left[checkpoint] <= 0 or (self.per_evalset and next_checkpoint != checkpoint):
            self.release(checkpoint)

    def release(self, checkpoint: str) -> None:
        self.pool.release(checkpoint)

    def close(self) -> None:
        self.pool.close()


def _key(checkpoint: str, request: ChatRequest) -> CaseKey:
    return (checkpoint, request.evalset or "", request.case or "", request.sample)
