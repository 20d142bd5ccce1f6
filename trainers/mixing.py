"""Data mixing by source: ``data.sources: [{path, share}]`` becomes one training set with those shares.

Each source is read, its repeated examples (same canonical content) counted once, and a seeded
sample of it taken without replacement, so no example is ever duplicated to reach a share. The
counts are the shares of the mix size apportioned by largest remainder; the mix size is
``data.mix_size`` or, by default, the largest the sources allow. A share that cannot be met
without repeating examples is refused, naming the config key. The achieved mix is recorded.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trainers.hygiene import Example, content_hash, load_examples


class MixError(ValueError):
    """Shares that cannot be met; the message names the config key (``data.sources[i]``, ``data.mix_size``)."""


@dataclass(frozen=True)
class SourceMix:
    """One source's part of the mix: what was asked, what it had, what was taken."""

    path: str
    share: float
    available: int
    repeats_skipped: int
    taken: int
    achieved: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "share": self.share,
            "available": self.available,
            "repeats_skipped": self.repeats_skipped,
            "taken": self.taken,
            "achieved_share": round(self.achieved, 6),
        }


def apportion(shares: Sequence[float], total: int) -> list[int]:
    """Counts summing to ``total``: floors of share × total, the rest to the largest remainders (ties: first)."""
    exact = [share * total for share in shares]
    counts = [math.floor(x + 1e-9) for x in exact]
    order = sorted(range(len(shares)), key=lambda i: (-(exact[i] - counts[i]), i))
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _distinct(examples: Sequence[Example]) -> list[Example]:
    seen: set[str] = set()
    out = []
    for example in examples:
        key = content_hash(example.messages)
        if key not in seen:
            seen.add(key)
            out.append(example)
    return out


def mix_sources(
    sources: Sequence[tuple[Path, float]], seed: int, size: int | None = None
) -> tuple[list[Example], list[SourceMix]]:
    """The mixed examples (source by source, each in file order) and the achieved mix."""
    pools = []
    for i, (path, _) in enumerate(sources):
        examples = load_examples(path)
        distinct = _distinct(examples)
        if not distinct:
            raise MixError(f"data.sources[{i}] ({path}): no examples to take a share from")
        pools.append((examples, distinct))
    shares = [share for _, share in sources]
    available = [len(distinct) for _, distinct in pools]
    largest = math.floor(min(n / s for n, s in zip(available, shares, strict=True)) + 1e-9)
    total = largest if size is None else size
    counts = apportion(shares, total)
    for i, ((path, share), count) in enumerate(zip(sources, counts, strict=True)):
        if count > available[i]:
            repeats = len(pools[i][0]) - available[i]
            had = f"{available[i]} distinct examples" + (f" ({repeats} repeats not counted)" if repeats else "")
            raise MixError(
                f"data.sources[{i}].share: {share:g} of data.mix_size {total} needs {count} examples from {path}, "
                f"which has {had}; meeting it would duplicate examples. Lower data.mix_size to at most {largest} "
                "(or leave it unset), or add examples to that source"
            )
    if total < 1:
        raise MixError(f"data.sources: the shares leave no example to take (mix size {total})")
    mixed: list[Example] = []
    record = []
    for i, ((path, share), count) in enumerate(zip(sources, counts, strict=True)):
        examples, distinct = pools[i]
        picked = sorted(random.Random(seed * 1_000_003 + i).sample(range(len(distinct)), count))
        mixed.extend(distinct[k] for k in picked)
        record.append(SourceMix(str(path), share, len(distinct), len(examples) - len(distinct), count, count / total))
    return mixed, record
