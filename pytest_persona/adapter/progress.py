"""A progress line for the generation phase: replies done and tokens per second."""

from __future__ import annotations

import time
from typing import Any

import pytest

from ..backends import Checkpoint

MIN_INTERVAL_S = 0.5
QUIET_FOR_S = 1.0  # generation faster than this (replay, a warm cache) shows nothing


class ProgressLine:
    """Writes past output capture to the terminal; silent on xdist workers and under -q -q."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self._last = 0.0
        self._shown: set[str] = set()

    def update(self, checkpoint: Checkpoint, done: int, total: int, tokens: int, elapsed: float) -> None:
        reporter: Any = self.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is None or hasattr(self.config, "workerinput") or self.config.get_verbosity() < -1:
            return
        now = time.monotonic()
        if elapsed < QUIET_FOR_S and checkpoint.name not in self._shown:
            return
        if done < total and now - self._last < MIN_INTERVAL_S:
            return
        self._last = now
        first = checkpoint.name not in self._shown
        self._shown.add(checkpoint.name)
        rate = f", {tokens / elapsed:.0f} tok/s" if tokens and elapsed > 0 else ""
        text = f"[persona] {checkpoint.name}: {done}/{total} replies in {elapsed:.1f}s{rate}"
        capture: Any = self.config.pluginmanager.get_plugin("capturemanager")
        with capture.global_and_fixture_disabled() if capture else _nothing():
            if getattr(reporter, "isatty", False):
                reporter.write(("\n" if first else "\r") + text, flush=True)
                if done >= total:
                    reporter.write_line("")
            elif done >= total:
                reporter.write_line(text)


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None
