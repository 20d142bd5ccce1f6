"""The benchmark workload: Josi-like eval sets written to a work directory, and the same cases
as plain message lists for the bare llama-cpp-python loop."""

from __future__ import annotations

import json
from pathlib import Path

SYSTEM = (
    "You are Josi, a warm and direct running coach. You never change the training plan; "
    "when asked to, say so and suggest asking the coach."
)
TOPICS = [
    "Move my long run to Sunday.",
    "What is an easy run?",
    "Can I skip today's intervals?",
    "How should I warm up?",
    "Add a tempo run on Friday.",
    "Why do I feel tired today?",
    "What does zone 2 mean?",
    "Swap Tuesday and Thursday.",
    "Is it fine to run in the rain?",
    "Make my long run shorter.",
    "What should I eat before a race?",
    "Who are you?",
    "How do I cool down?",
    "Delete Saturday's session.",
    "My legs are sore, what now?",
    "How fast should recovery runs be?",
    "Give me a motivational line.",
    "Can you lengthen my run?",
    "What is a strides session?",
    "Should I stretch after running?",
    "Help me sleep better.",
    "What shoes do you like?",
    "Move everything one day later.",
    "How do I breathe while running?",
    "Tell me about hill repeats.",
]
MAX_TOKENS = 32


def cases(count: int) -> list[dict]:
    """``count`` cases: the topics, numbered so that every prompt differs."""
    return [
        {"id": f"c{i:03d}", "prompt": f"{TOPICS[i % len(TOPICS)]} ({i})" if i >= len(TOPICS) else TOPICS[i]}
        for i in range(count)
    ]


def write_evalsets(folder: Path, count: int, parts: int = 2) -> list[Path]:
    """``count`` cases split into ``parts`` eval sets (so that xdist has more than one unit of work)."""
    folder.mkdir(parents=True, exist_ok=True)
    everything = cases(count)
    paths = []
    for part in range(parts):
        chosen = everything[part::parts]
        lines = [
            f"evalset: bench-{part}",
            f"system: {json.dumps(SYSTEM)}",
            f"defaults: {{max_tokens: {MAX_TOKENS}, checks: [no_template_leak, {{max_words: 60}}]}}",
            "cases:",
        ]
        lines += [f"  - {{id: {c['id']}, prompt: {json.dumps(c['prompt'])}}}" for c in chosen]
        path = folder / f"bench_{part}.yaml"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


def bare_requests(count: int) -> list[dict]:
    return [
        {
            "id": c["id"],
            "max_tokens": MAX_TOKENS,
            "messages": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": c["prompt"]}],
        }
        for c in cases(count)
    ]
