"""Shared helpers: write an eval set and a replay file into a pytester sandbox."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest


def write_replay(pytester: pytest.Pytester, replies: dict[str, str] | list[dict], name: str = "replies") -> Path:
    """A replay file: a {case: output} mapping or a list of raw records."""
    records = [{"case": c, "output": o} for c, o in replies.items()] if isinstance(replies, dict) else replies
    path = pytester.path / f"{name}.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def write_evalset(pytester: pytest.Pytester, text: str, name: str = "persona") -> Path:
    path = pytester.path / f"{name}.yaml"
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def hf_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The embedded SmolLM2 GGUF as an fp16 HF checkpoint (made once per test session, ~45 s)."""
    from pytest_persona.backends.embedded import embedded_model_path
    from trainers.base_model import gguf_to_hf

    return gguf_to_hf(embedded_model_path(), tmp_path_factory.mktemp("hf") / "smollm2-fp16")


SIMPLE = """
    evalset: coach
    system: You are Josi, a running coach.
    defaults:
      checks: [{max_words: 12}]
    cases:
      - id: greet
        tags: [smalltalk]
        prompt: Hi!
      - id: refuse
        tags: [i6]
        prompt: Move my long run to Sunday.
        checks: [{contains: coach}]
"""
