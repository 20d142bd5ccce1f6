"""``constrained_decode_ratio``: decoding held to the LLMIntent schema against free decoding.

The seven JSON cases of the Josi eval set on the embedded model, in process, greedy, 160 tokens:
seconds per generated token under the schema (the backend's fast greedy path) over seconds per
token decoding freely for as many tokens as each constrained reply had (the same work per case).
llama-cpp-python's own sampler chain under the same grammar is measured beside it.
"""

from __future__ import annotations

import time
from pathlib import Path

from benchmarks.common import ROOT, Measurement, median, progress

MAX_TOKENS = 160


def measure(work: Path, model: Path, repeats: int) -> list[Measurement]:
    from pytest_persona.backends.base import ChatRequest
    from pytest_persona.backends.checkpoint import Checkpoint
    from pytest_persona.backends.llama_cpp.backend import LlamaCppBackend
    from pytest_persona.core.evalset import load_evalset

    evalset = load_evalset(ROOT / "evalsets" / "josi.yaml")
    schema = ROOT / "evalsets" / "schemas" / "llm_intent.json"
    josi_json = [case for case in evalset.cases if "json" in case.tags]
    constraint = load_evalset_constraint(schema)
    backend = LlamaCppBackend(Checkpoint("bench", str(model), "llama_cpp", options={"prefix_reuse": False}))
    per_token: dict[str, list[float]] = {"free": [], "constrained": [], "chain": []}
    tokens: dict[str, int] = {}

    def timed(name: str, limits: list[int], with_constraint: bool, fast: bool) -> list[int]:
        backend.grammar_fast_path = fast
        held = constraint if with_constraint else None
        requests = [
            ChatRequest(case.messages, params=replace_params(case.params, limit, held))
            for case, limit in zip(josi_json, limits, strict=True)
        ]
        started = time.perf_counter()
        replies = backend.generate(requests)
        elapsed = time.perf_counter() - started
        tokens[name] = sum(reply.tokens or 0 for reply in replies)
        per_token[name].append(elapsed / max(1, tokens[name]))
        return [reply.tokens or 0 for reply in replies]

    try:
        backend.generate([ChatRequest(josi_json[0].messages, params=replace_params(josi_json[0].params, 8, None))])
        for repeat in range(repeats):
            progress(f"constrained decoding: repeat {repeat + 1}/{repeats}")
            lengths = timed("constrained", [MAX_TOKENS] * len(josi_json), True, True)
            # free decoding for as many tokens as each constrained reply had: the same work per case
            timed("free", [max(1, n) for n in lengths], False, True)
            timed("chain", [MAX_TOKENS] * len(josi_json), True, False)
    finally:
        backend.close()
    seconds = {name: median(values) for name, values in per_token.items()}
    ratio = seconds["constrained"] / seconds["free"]
    return [
        Measurement(
            "constrained_decode_ratio",
            ratio,
            "<= 1.3",
            ratio <= 1.3,
            {
                "cases": len(josi_json),
                "constrained_ms_per_token": seconds["constrained"] * 1000,
                "free_ms_per_token": seconds["free"] * 1000,
                "sampler_chain_ms_per_token": seconds["chain"] * 1000,
                "sampler_chain_ratio": seconds["chain"] / seconds["free"],
                "tokens": tokens,
            },
        )
    ]


def load_evalset_constraint(schema: Path):
    from pytest_persona.core.decoding import load_constraint

    return load_constraint({"schema": schema.name}, schema.parent)


def replace_params(params, max_tokens: int, constraint):
    from dataclasses import replace

    return replace(params, max_tokens=max_tokens, constraint=constraint)
