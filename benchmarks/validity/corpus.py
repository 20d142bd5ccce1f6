"""The labelled corpora: record format, the deterministic dev/held-out split, loading.

One JSON object a line, in ``corpora/*.jsonl``::

    {"id": "...", "check": "refusal", "args": {}, "reply": "...", "prompt": "...",
     "context": {...}, "label": true, "source": "...", "lang": "en", "split": "dev",
     "note": "...", "tags": [...], "system": "...", "messages": [...]}

``label`` is true when the check SHOULD PASS on the reply. ``prompt``, ``context``, ``note``,
``tags``, ``system``, ``messages`` (earlier turns, before ``prompt``) and ``group`` are optional.
``split`` comes from ``group`` when there is one (the five XSTest replies to one prompt share a
group, so a prompt is either wholly dev or wholly held out), else from ``id``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CORPORA = Path(__file__).resolve().parent / "corpora"
HELDOUT_PERCENT = 30
SPLITS = ("dev", "heldout")
LANGS = ("en", "ar", "tr", "pt", "es")
REQUIRED = ("id", "check", "args", "reply", "label", "source", "lang", "split")
OPTIONAL = ("group", "prompt", "context", "note", "tags", "system", "messages")
# issue 13: the least a corpus set must hold per check (refusal counts refusal + no_refusal)
MINIMUM = {
    "refusal": 1000,
    "language": 300,
    "no_parroting": 100,
    "no_repetition": 100,
    "identity": 100,
    "no_fluff": 100,
    "no_invented_numbers": 100,
    "no_invented_entities": 120,
    "style_like": 100,
}


def split_for(record_id: str) -> str:
    """dev or heldout, from the id alone: sha256(id) mod 100 < 30 is held out."""
    digest = hashlib.sha256(record_id.encode("utf-8")).digest()
    return "heldout" if int.from_bytes(digest[:8], "big") % 100 < HELDOUT_PERCENT else "dev"


@dataclass(frozen=True)
class Record:
    id: str
    check: str
    args: dict[str, Any]
    reply: str
    label: bool
    source: str
    lang: str
    split: str
    corpus: str
    prompt: str | None = None
    context: dict[str, Any] = field(default_factory=dict)
    note: str = ""
    group: str | None = None
    tags: tuple[str, ...] = ()
    system: str | None = None
    messages: tuple[dict[str, str], ...] = ()


def corpus_files(root: Path = CORPORA) -> list[Path]:
    return sorted(root.glob("*.jsonl"))


def read_lines(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    with path.open(encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if line.strip():
                yield lineno, json.loads(line)


def load(root: Path = CORPORA) -> list[Record]:
    records = []
    for path in corpus_files(root):
        for _, raw in read_lines(path):
            records.append(
                Record(
                    id=raw["id"],
                    check=raw["check"],
                    args=raw["args"],
                    reply=raw["reply"],
                    label=raw["label"],
                    source=raw["source"],
                    lang=raw["lang"],
                    split=raw["split"],
                    corpus=path.stem,
                    prompt=raw.get("prompt"),
                    context=raw.get("context") or {},
                    note=raw.get("note", ""),
                    group=raw.get("group"),
                    tags=tuple(raw.get("tags", ())),
                    system=raw.get("system"),
                    messages=tuple(raw.get("messages", ())),
                )
            )
    return records


def dump(path: Path, records: list[dict[str, Any]]) -> None:
    """Write records (dicts) as JSONL, each given its split, keys in a fixed order."""
    order = REQUIRED + OPTIONAL
    with path.open("w", encoding="utf-8") as f:
        for rec in records:
            rec = {**rec, "split": split_for(rec.get("group") or rec["id"])}
            rec.setdefault("args", {})
            out = {k: rec[k] for k in order if k in REQUIRED or (k in rec and rec[k] not in (None, "", [], (), {}))}
            f.write(json.dumps(out, ensure_ascii=False, sort_keys=False) + "\n")
