"""``drift_cost_ratio``: measuring a checkpoint's drift against one bare forward pass over the same tokens.

The Josi eval set's cases on the embedded model, in process: its greedy replies (64 tokens at most)
are scored once as the reference (its top-k is what a warm run reads from the cache). Timed: the
checkpoint side of a drift measurement (llama.cpp evaluation with logits for every position,
log-softmax, the log-probabilities at the reference's top-k, top-1, and the per-token KL) over the
bare evaluation of the same prompt + reply tokens with logits for every position. The same file
serves as both sides: what is measured is the cost, not the drift.
"""

from __future__ import annotations

import time
from pathlib import Path

from benchmarks.common import ROOT, Measurement, median, progress

MAX_TOKENS = 64


def measure(work: Path, model: Path, repeats: int) -> list[Measurement]:
    from dataclasses import replace

    from pytest_persona.backends.base import ChatRequest
    from pytest_persona.backends.checkpoint import Checkpoint
    from pytest_persona.backends.llama_cpp.backend import LlamaCppBackend
    from pytest_persona.backends.scoring import ScoreRequest
    from pytest_persona.core.drift import TOP_K, case_drift
    from pytest_persona.core.evalset import load_evalset

    evalset = load_evalset(ROOT / "evalsets" / "josi.yaml")
    cases = [case for case in evalset.cases if not (case.skip or case.xfail)]
    backend = LlamaCppBackend(Checkpoint("bench", str(model), "llama_cpp"))
    timings: dict[str, list[float]] = {"drift": [], "forward": [], "reference": []}
    try:
        requests = [
            ChatRequest(c.messages, params=replace(c.params, max_tokens=MAX_TOKENS, constraint=None)) for c in cases
        ]
        replies = backend.generate(requests)
        scored = [
            ScoreRequest(c.messages, tuple(backend.reply_tokens(r.text)), top_k=TOP_K)
            for c, r in zip(cases, replies, strict=True)
            if r.error is None and r.text
        ]
        tokens = sum(len(r.tokens) for r in scored)
        for repeat in range(repeats):
            progress(f"drift cost: repeat {repeat + 1}/{repeats} ({len(scored)} replies, {tokens} tokens)")
            started = time.perf_counter()
            reference = backend.score(scored)
            timings["reference"].append(time.perf_counter() - started)
            asked = [ScoreRequest(r.messages, r.tokens, 1, s.top_ids) for r, s in zip(scored, reference, strict=True)]
            started = time.perf_counter()
            ours = backend.score(asked)
            drifts = [case_drift(str(i), s, o) for i, (s, o) in enumerate(zip(reference, ours, strict=True))]
            timings["drift"].append(time.perf_counter() - started)
            prompts = [backend.render(r.messages) for r in scored]
            scorer = backend._scorer  # the same context with logits for every position
            started = time.perf_counter()
            for prompt, request in zip(prompts, scored, strict=True):
                scorer.reset()
                scorer.eval(prompt + list(request.tokens))
            timings["forward"].append(time.perf_counter() - started)
    finally:
        backend.close()
    seconds = {name: median(values) for name, values in timings.items()}
    ratio = seconds["drift"] / seconds["forward"]
    return [
        Measurement(
            "drift_cost_ratio",
            ratio,
            "<= 1.2",
            ratio <= 1.2,
            {
                "cases": len(scored),
                "tokens": tokens,
                "top_k": TOP_K,
                "drift_s": seconds["drift"],
                "forward_s": seconds["forward"],
                "reference_scoring_s": seconds["reference"],
                "max_mean_kl_self": max(d.mean_kl for d in drifts),
            },
        )
    ]
