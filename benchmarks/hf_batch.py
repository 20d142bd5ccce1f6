"""transformers batched generation (8 at a time, left padded) vs one request at a time."""

from __future__ import annotations

import time
from pathlib import Path

from benchmarks.common import Measurement, median, progress
from benchmarks.prefix import PROMPTS

SYSTEM = "You are Josi, a warm and direct running coach. You never change the training plan."


def measure(work: Path, hf_dir: Path, repeats: int) -> list[Measurement]:
    from pytest_persona.backends import Checkpoint
    from pytest_persona.backends.base import ChatRequest, GenParams
    from pytest_persona.backends.transformers import TransformersBackend
    from pytest_persona.checks import Message

    requests = [
        ChatRequest(messages=(Message("system", SYSTEM), Message("user", p)), params=GenParams(max_tokens=16))
        for p in PROMPTS[:8]
    ]
    backends = {
        size: TransformersBackend(Checkpoint(f"hf-{size}", str(hf_dir), "transformers", options={"batch_size": size}))
        for size in (1, 8)
    }
    try:
        times: dict[int, list[float]] = {1: [], 8: []}
        replies: dict[int, list[str]] = {}
        for repeat in range(repeats):
            progress(f"transformers batching: repeat {repeat + 1}/{repeats}")
            for size in (1, 8) if repeat % 2 == 0 else (8, 1):
                started = time.perf_counter()
                replies[size] = [r.text for r in backends[size].generate(requests)]
                times[size].append(time.perf_counter() - started)
    finally:
        for backend in backends.values():
            backend.close()
    speedup = median(times[1]) / median(times[8])
    identical = sum(a == b for a, b in zip(replies[1], replies[8], strict=True))
    return [
        Measurement(
            "hf_batch_speedup",
            speedup,
            ">= 3",
            speedup >= 3,
            {
                "requests": len(requests),
                "one_at_a_time_s": median(times[1]),
                "batch_8_s": median(times[8]),
                "replies_identical": f"{identical}/{len(requests)}",
            },
        ),
    ]
