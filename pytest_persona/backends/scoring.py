"""Teacher-forced scoring: a checkpoint's log-probabilities over a given reply's tokens.

A ``ScoreRequest`` is a conversation (rendered with the scoring checkpoint's own chat template)
followed by reply tokens; the answer, per reply position, is the log-probability of that token,
the checkpoint's own top-k tokens and, when asked, its log-probabilities of given token ids (the
reference's top-k, so that KL(ref‖ckpt) can be computed over them). The numpy work is here, shared
by every backend that can score; numpy is imported only when a backend scores.
"""

from __future__ import annotations

import base64
import hashlib
import json
from array import array
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from ..checks.base import Message

SCORING = "teacher-forced/1"  # how scores are computed; part of their cache key


@dataclass(frozen=True)
class ScoreRequest:
    """Reply tokens after a conversation; ``ids`` (one row per reply token) asks for the
    log-probabilities of those token ids at each position."""

    messages: tuple[Message, ...]
    tokens: tuple[int, ...]
    top_k: int = 1
    ids: tuple[tuple[int, ...], ...] | None = None

    def identity(self) -> dict[str, Any]:
        """Everything of the request a score depends on (for the cache key)."""
        data: dict[str, Any] = {
            "scoring": SCORING,
            "messages": [asdict(m) for m in self.messages],
            "tokens": list(self.tokens),
            "top_k": self.top_k,
        }
        if self.ids is not None:
            data["ids"] = hashlib.sha256(json.dumps(self.ids).encode("ascii")).hexdigest()
        return data


@dataclass(frozen=True)
class TokenScores:
    """Per reply position: ``target`` the log-probability of the reply's token, ``top_ids`` /
    ``top_logprobs`` the checkpoint's k most likely tokens (best first), ``asked`` the
    log-probabilities of the request's ``ids`` (empty rows when none were asked)."""

    target: tuple[float, ...]
    top_ids: tuple[tuple[int, ...], ...]
    top_logprobs: tuple[tuple[float, ...], ...]
    asked: tuple[tuple[float, ...], ...] = ()

    def __len__(self) -> int:
        return len(self.target)

    def as_dict(self) -> dict[str, Any]:
        """Compact form for the cache: float32 and int32 arrays in base64."""
        width = len(self.top_ids[0]) if self.top_ids else 0
        asked = len(self.asked[0]) if self.asked else 0
        return {
            "n": len(self.target),
            "k": width,
            "m": asked,
            "target": _pack("f", self.target),
            "top_ids": _pack("i", [i for row in self.top_ids for i in row]),
            "top_logprobs": _pack("f", [x for row in self.top_logprobs for x in row]),
            "asked": _pack("f", [x for row in self.asked for x in row]),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TokenScores:
        n, k, m = int(data["n"]), int(data["k"]), int(data["m"])
        target = _unpack("f", data["target"])
        ids, logprobs = _unpack("i", data["top_ids"]), _unpack("f", data["top_logprobs"])
        asked = _unpack("f", data["asked"])
        if len(target) != n or len(ids) != n * k or len(logprobs) != n * k or len(asked) != n * m:
            raise ValueError("stored scores do not have the shape they claim")
        return cls(
            tuple(target),
            tuple(tuple(int(i) for i in ids[r * k : (r + 1) * k]) for r in range(n)),
            tuple(tuple(logprobs[r * k : (r + 1) * k]) for r in range(n)),
            tuple(tuple(asked[r * m : (r + 1) * m]) for r in range(n)) if m else (),
        )


def _pack(code: str, values: Sequence[float] | Sequence[int]) -> str:
    return base64.b64encode(array(code, values).tobytes()).decode("ascii")


def _unpack(code: str, text: str) -> list[Any]:
    values = array(code)
    values.frombytes(base64.b64decode(text))
    return values.tolist()


def scores_from_logits(logits: Any, first: int, request: ScoreRequest) -> TokenScores:
    """Scores from a (positions × vocabulary) logit matrix whose row ``first + j`` predicts reply token j,
    in float32 (what the cache keeps, so a warm run computes exactly what a cold one did)."""
    import numpy as np

    rows = np.asarray(logits[first : first + len(request.tokens)], dtype=np.float64)
    peak = rows.max(axis=1, keepdims=True)
    logprobs = rows - (peak + np.log(np.exp(rows - peak).sum(axis=1, keepdims=True)))
    positions = np.arange(len(request.tokens))
    target = logprobs[positions, np.asarray(request.tokens)].astype(np.float32)  # as the cache stores it
    k = max(1, min(request.top_k, logprobs.shape[1]))
    top = (
        np.argpartition(-logprobs, k - 1, axis=1)[:, :k]
        if k < logprobs.shape[1]
        else np.tile(np.arange(logprobs.shape[1]), (len(positions), 1))
    )
    top_lp = np.take_along_axis(logprobs, top, axis=1)
    order = np.argsort(-top_lp, axis=1, kind="stable")
    top, top_lp = np.take_along_axis(top, order, axis=1), np.take_along_axis(top_lp, order, axis=1).astype(np.float32)
    asked: tuple[tuple[float, ...], ...] = ()
    if request.ids is not None:
        wanted = np.asarray(request.ids, dtype=np.int64)
        asked = tuple(map(tuple, np.take_along_axis(logprobs, wanted, axis=1).astype(np.float32).tolist()))
    return TokenScores(
        tuple(target.tolist()), tuple(map(tuple, top.tolist())), tuple(map(tuple, top_lp.tolist())), asked
    )


def vocabulary_digest(tokens: Sequence[str]) -> str:
    """A vocabulary's identity: its token strings in id order."""
    return hashlib.sha256(json.dumps(list(tokens), ensure_ascii=False).encode("utf-8")).hexdigest()
