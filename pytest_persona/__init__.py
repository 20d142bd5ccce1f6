"""pytest-persona: contract, schema and quality checks for fine-tuned persona models, as pytest tests.

The public names below are imported on first use: pytest imports this package in every run
where the plugin is installed, and a run with no eval set should pay for none of it.

PYTEST_DONT_REWRITE (this module asserts nothing; the marker spares pytest runs that load the
plugin twice in one process, as pytester does, a warning about it).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "ChatReply": ".api",
    "PersonaModel": ".api",
    "assert_reply": ".api",
    "CheckContext": ".checks",
    "CheckResult": ".checks",
    "Param": ".checks",
    "failed": ".checks",
    "passed": ".checks",
    "register_check": ".checks",
    "run_check": ".checks",
}

__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:
    from .api import ChatReply, PersonaModel, assert_reply  # noqa: F401
    from .checks import CheckContext, CheckResult, Param, failed, passed, register_check, run_check  # noqa: F401


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'pytest_persona' has no attribute {name!r}")
    value = getattr(import_module(module, __name__), name)
    globals()[name] = value
    return value
