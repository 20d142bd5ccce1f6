"""The JSON report (``--persona-report out.json``), also the baseline format and what the HTML
report renders: the release verdict, gates, comparisons and baseline as the core computed them,
and one result per case × checkpoint × sample."""

from __future__ import annotations

import json
import platform
import sys
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from . import RunRecord


def build_json(record: RunRecord) -> dict[str, Any]:
    release = record.release
    return {
        "tool": {"name": "pytest-persona", "version": _version()},
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": record.command,
        "python": platform.python_version(),
        "platform": sys.platform,
        "verdict": release.as_dict(),
        "checkpoints": [
            {
                "name": c.name,
                "path": c.target,
                "backend": c.backend,
                "kind": c.kind,
                "fingerprint": record.fingerprints.get(c.name),
                "ran": c.name not in release.never_ran,
                **({"replicas": record.replicas[c.name]} if c.name in record.replicas else {}),
            }
            for c in record.checkpoints
        ],
        "results": [
            outcome.as_dict() | {"known_failure": verdict.known_failure}
            for verdict in record.verdicts
            for outcome in verdict.samples
        ],
        "skipped": [{k: v for k, v in s.as_dict().items() if k != "policy"} for s in record.skipped],
        "gates": [gate.as_dict() for gate in release.gates],
        "comparisons": [c.as_dict() for c in release.comparisons],
        "baseline": release.baseline.as_dict() if release.baseline is not None else None,
        "decoding": [pair.as_dict() for pair in release.decoding],
    }


def dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)


def _version() -> str:
    from .. import __version__

    return __version__
