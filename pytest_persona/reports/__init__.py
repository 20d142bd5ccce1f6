"""Report files, each rendering the one Release (with the run's verdicts): JSON, Markdown, HTML."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.verdicts import CaseVerdict, Release, SkippedCase

REPORT_SUFFIXES = (".json", ".md", ".html")


@dataclass
class RunRecord:
    """What the reports need besides the release: every verdict, the checkpoints, the command."""

    release: Release
    verdicts: list[CaseVerdict]
    skipped: list[SkippedCase]
    checkpoints: tuple[Any, ...]
    fingerprints: dict[str, str]
    command: list[str] = field(default_factory=list)
    replicas: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # server fleets: per-replica counts


def write_reports(paths: tuple[Path, ...], record: RunRecord) -> None:
    """Write each report (format by suffix) atomically: a crash never leaves half a file."""
    from .json_report import build_json, dumps

    data = build_json(record)
    for path in paths:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix == ".json":
            text = dumps(data)
        elif path.suffix == ".html":
            from .html import build_html

            text = build_html(data)
        else:
            from .markdown import build_markdown

            text = build_markdown(record)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
