"""Measure drift on one eval set: score the reference's replies on both sides and compare.

The reference's reply of each case (first sample) is tokenized by the reference's tokenizer and
teacher-forced through both checkpoints, each prompted with its own chat template. Both scores are
cached by artifact (``CachingBackend.score``), so a warm run loads neither model.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..backends import BackendError
from ..backends.scoring import ScoreRequest
from ..checks.base import Message
from .drift import TOP_K, CaseDrift, Drift, case_drift

MAX_REPLY_TOKENS = 512  # a reply longer than this is scored on its first tokens


def measure_drift(
    evalset: str,
    checkpoint: str,
    reference: str,
    ours: Any,
    theirs: Any,
    replies: Sequence[tuple[str, tuple[Message, ...], str]],
    top_k: int = TOP_K,
) -> Drift:
    """``replies``: (case id, messages, the reference's reply) of each case the reference answered.
    ``ours`` / ``theirs`` are the two checkpoints' ``CachingBackend``."""

    def unavailable(why: str) -> Drift:
        return Drift(evalset, checkpoint, reference, unavailable=why, top_k=top_k)

    if not replies:
        return unavailable(f"{reference} answered no case to score")
    for name, side in ((checkpoint, ours), (reference, theirs)):
        if not side.scorer():
            return unavailable(
                f"the {side.name} backend of {name} cannot score a given reply (drift needs llama_cpp, "
                "transformers or peft on both sides)"
            )
    try:
        if ours.vocabulary() != theirs.vocabulary():
            return unavailable(
                f"{checkpoint} and {reference} have different tokenizers (their vocabularies differ), so the "
                "same reply is not the same tokens on both sides; drift is not compared"
            )
        requests = []
        for _, messages, text in replies:
            tokens = tuple(theirs.reply_tokens(text)[:MAX_REPLY_TOKENS])
            requests.append(ScoreRequest(messages, tokens, top_k=top_k) if tokens else None)
        scored = [r for r in requests if r is not None]
        reference_scores = theirs.score(scored)
        asked = [ScoreRequest(r.messages, r.tokens, top_k=1, ids=s.top_ids) for r, s in zip(scored, reference_scores,
                 strict=True)]  # fmt: skip
        checkpoint_scores = ours.score(asked)
    except BackendError as exc:
        return unavailable(str(exc))
    cases: list[CaseDrift] = []
    answered = iter(zip(reference_scores, checkpoint_scores, strict=True))
    for (case, _, _), request in zip(replies, requests, strict=True):
        if request is not None:
            mine, other = next(answered)
            cases.append(case_drift(case, mine, other))
    return Drift(evalset, checkpoint, reference, tuple(cases), top_k=top_k)
