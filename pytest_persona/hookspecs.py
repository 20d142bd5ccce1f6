"""Hooks pytest-persona offers to conftests and plugins."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from .backends import Backend, Checkpoint


@pytest.hookspec(firstresult=True)
def pytest_persona_make_backend(config: pytest.Config, checkpoint: Checkpoint) -> Backend | Any | None:
    """Return a ready backend for ``checkpoint`` (an object with the Backend protocol), or None
    to let pytest-persona choose one from the checkpoint's path."""
