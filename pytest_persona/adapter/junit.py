"""JUnit XML: per-item properties and the release verdict as test-suite properties, for CI dashboards."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from ..core.verdicts import CaseVerdict, Release


def junit_properties(
    checkpoint: str, evalset: str, tags: tuple[str, ...] | None = None, verdict: CaseVerdict | None = None
) -> list[tuple[str, str]]:
    """Checkpoint, eval set, and for a case its tags and failing checks (or its error)."""
    properties = [("checkpoint", checkpoint), ("evalset", evalset)]
    if tags is not None:
        properties.append(("tags", ",".join(tags)))
    if verdict is not None and verdict.status == "error":
        properties.append(("error", (verdict.error or "")[:300]))
    elif verdict is not None and not verdict.passed:
        failing = sorted({r.name for o in verdict.samples for r in o.failing})
        properties.append(("failing_checks", ",".join(failing)))
    return properties


def junit_verdict(config: pytest.Config, release: Release) -> None:
    """The release verdict as JUnit XML test-suite properties, for CI dashboards."""
    from _pytest.junitxml import xml_key

    xml = config.stash.get(xml_key, None)
    if xml is not None:
        xml.add_global_property("persona_verdict", release.word)
        xml.add_global_property("persona_summary", release.summary())
