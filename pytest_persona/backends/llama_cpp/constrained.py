"""Greedy decoding held to a grammar at nearly the cost of free decoding.

llama-cpp-python's sampler chain applies the grammar to every token of the vocabulary at every
step (49,152 for SmolLM2), which made constrained replies about three times slower than free
ones here. Greedy decoding only needs the best token the grammar allows, so, as llama.cpp's own
``common_sampler`` does, the model's best token is checked alone first and the whole vocabulary
is filtered only when the grammar rejects it. The best allowed token is the same either way
(ties go to the lowest id in both), so replies are those of the chain; a test compares them.
"""

from __future__ import annotations

import ctypes
import math
from dataclasses import dataclass
from typing import Any

import numpy as np


def split_type_unions(schema: Any) -> Any:
    """``{"type": ["string", "null"], "pattern": …}`` as ``anyOf`` of one schema per type.

    The same schema in JSON Schema's terms, but llama-cpp-python's converter drops ``pattern``,
    ``enum``-free string bounds and the like from a multi-type node, which let an untuned model
    loop inside a ``"zone"`` that must match ``^Z[1-8]$`` until max_tokens ran out."""
    if isinstance(schema, list):
        return [split_type_unions(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    node = {
        key: value if key in ("enum", "const", "default", "examples") else split_type_unions(value)
        for key, value in schema.items()
    }
    types = node.get("type")
    if isinstance(types, list) and len(types) > 1:
        rest = {key: value for key, value in node.items() if key != "type"}
        return {"anyOf": [{**rest, "type": kind} for kind in types]}
    return node


@dataclass(frozen=True)
class Completion:
    text: str
    tokens: int
    finish_reason: str


class GrammarSampler:
    """One parsed grammar's state for one reply; ``close`` frees it."""

    def __init__(self, llm: Any, grammar: Any) -> None:
        import llama_cpp

        self._lib = llama_cpp
        self._vocab = llm._model.vocab
        self._handle = llama_cpp.llama_sampler_init_grammar(
            self._vocab, grammar._grammar.encode("utf-8"), grammar._root.encode("utf-8")
        )
        if not self._handle:
            raise ValueError("llama.cpp cannot parse the grammar")
        self._one = (llama_cpp.llama_token_data * 1)()
        self._n_vocab = llm.n_vocab()
        self._all = (llama_cpp.llama_token_data * self._n_vocab)()
        self._all_view = np.ctypeslib.as_array(self._all).view(
            np.dtype([("id", np.int32), ("logit", np.float32), ("p", np.float32)])
        )
        self._all_view["id"] = np.arange(self._n_vocab, dtype=np.int32)

    def _apply(self, data: Any, size: int) -> None:
        array = self._lib.llama_token_data_array(
            data=ctypes.cast(data, self._lib.llama_token_data_p), size=size, selected=-1, sorted=False
        )
        self._lib.llama_sampler_apply(self._handle, ctypes.byref(array))

    def choose(self, logits: np.ndarray) -> int:
        """The highest-scoring token the grammar allows next."""
        best = int(np.argmax(logits))
        self._one[0].id, self._one[0].logit, self._one[0].p = best, float(logits[best]), 0.0
        self._apply(self._one, 1)
        if not math.isinf(self._one[0].logit):
            return best
        self._all_view["id"] = np.arange(self._n_vocab, dtype=np.int32)  # samplers may reorder
        self._all_view["logit"] = logits
        self._all_view["p"] = 0.0
        self._apply(self._all, self._n_vocab)
        allowed = self._all_view["logit"]
        if np.isneginf(allowed).all():
            raise RuntimeError("the grammar allows no next token")
        return int(self._all_view["id"][int(np.argmax(allowed))])

    def accept(self, token: int) -> None:
        self._lib.llama_sampler_accept(self._handle, token)

    def close(self) -> None:
        if self._handle:
            self._lib.llama_sampler_free(self._handle)
            self._handle = None


def greedy_constrained(
    llm: Any, prompt: list[int], grammar: Any, max_tokens: int, stop: list[str] | None
) -> Completion:
    """Complete ``prompt`` greedily under ``grammar``; the prompt's prefix may already be in the
    context (its state is kept, the rest is evaluated in one call, as llama-cpp-python does)."""
    import llama_cpp

    done = llm.n_tokens
    if done >= len(prompt) or list(llm.input_ids[:done]) != prompt[:done]:
        llm.reset()
        done = 0
    llm.eval(prompt[done:])
    sampler = GrammarSampler(llm, grammar)
    generated: list[int] = []
    finish = "length"
    text = ""
    try:
        for _ in range(max_tokens):
            logits = np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(llm.ctx, -1), shape=(sampler._n_vocab,))
            token = sampler.choose(logits)
            if llama_cpp.llama_vocab_is_eog(sampler._vocab, token):
                finish = "stop"
                break
            sampler.accept(token)
            generated.append(token)
            text = llm.detokenize(generated, prev_tokens=prompt).decode("utf-8", errors="ignore")
            cut = min((at for at in (text.find(s) for s in stop or ()) if at >= 0), default=-1)
            if cut >= 0:
                text, finish = text[:cut], "stop"
                break
            llm.eval([token])
    finally:
        sampler.close()
    return Completion(text=text, tokens=len(generated), finish_reason=finish)
