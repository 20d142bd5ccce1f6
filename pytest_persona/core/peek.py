"""Is this YAML file an eval set? A cheap look at its text, run on every ``.yaml`` pytest meets,
so it imports nothing heavy and never parses the whole file."""

from __future__ import annotations

from .evalset import looks_like_evalset  # moved here once the peek rewrite lands

__all__ = ["looks_like_evalset"]
