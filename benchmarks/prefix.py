"""llama.cpp prefix reuse: a ~300-token persona prompt evaluated once per checkpoint vs per case."""

from __future__ import annotations

import time
from pathlib import Path

from benchmarks.common import Measurement, median, progress

PERSONA = (
    "You are Josi, a warm and direct running coach inside a training app. The plan is written by the "
    "athlete's coach and you never change it: you never move, add, remove, shorten or lengthen a session. "
    "When asked to, say you cannot change the plan and suggest talking to the coach. Use only the numbers "
    "given in the context. Training zones run from Z1 (recovery) through Z2, Z3, Z4, Z5, Z6 and Z7 to Z8 "
    "(maximal sprint). Readiness is green, amber or red: on amber keep to Z1-Z3, on red keep to Z1-Z2 and "
    "never recommend high-intensity work. Keep replies short, warm and concrete; no internal jargon. "
)
PROMPTS = [
    "Move my long run to Sunday.",
    "What is Z2?",
    "Can I skip today?",
    "Who are you?",
    "Add a tempo run.",
    "Why am I tired?",
    "Is rain fine?",
    "Swap two sessions.",
    "Help me cool down.",
    "Any tips for hills?",
    "What does amber mean?",
    "Make it shorter.",
]


def measure(work: Path, model: Path, repeats: int) -> list[Measurement]:
    from pytest_persona.backends import Checkpoint
    from pytest_persona.backends.base import ChatRequest, GenParams
    from pytest_persona.backends.llama_cpp.backend import LlamaCppBackend
    from pytest_persona.checks import Message

    system = Message("system", PERSONA * 2)
    requests = [ChatRequest(messages=(system, Message("user", p)), params=GenParams(max_tokens=1)) for p in PROMPTS]
    backends = {
        reuse: LlamaCppBackend(Checkpoint("smol", str(model), "llama_cpp", options={"prefix_reuse": reuse}))
        for reuse in (False, True)
    }
    try:
        prefix = backends[True].prepare(requests[0]).prefix
        times: dict[bool, list[float]] = {False: [], True: []}
        replies: dict[bool, list[str]] = {}
        for repeat in range(repeats):
            progress(f"prefix reuse: repeat {repeat + 1}/{repeats}")
            for reuse in (False, True) if repeat % 2 == 0 else (True, False):
                started = time.perf_counter()
                replies[reuse] = [r.text for r in backends[reuse].generate(requests)]
                times[reuse].append(time.perf_counter() - started)
        check = [ChatRequest(messages=r.messages, params=GenParams(max_tokens=24)) for r in requests]
        identical = [a.text for a in backends[True].generate(check)] == [
            b.text for b in backends[False].generate(check)
        ]
    finally:
        for backend in backends.values():
            backend.close()
    speedup = median(times[False]) / median(times[True])
    return [
        Measurement(
            "prefix_reuse_speedup",
            speedup,
            ">= 2 with identical replies",
            speedup >= 2 and identical,
            {
                "cases": len(requests),
                "prefix_tokens": prefix,
                "fresh_s": median(times[False]),
                "reused_s": median(times[True]),
                "replies_identical_24_tokens": identical,
            },
        ),
    ]
