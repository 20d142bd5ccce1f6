"""pytest-persona: contract, schema and quality checks for fine-tuned persona models, as pytest tests.

PYTEST_DONT_REWRITE (this module asserts nothing; the marker spares pytest runs that load the
plugin twice in one process, as pytester does, a warning about it).
"""

from __future__ import annotations

from .api import ChatReply, PersonaModel, assert_reply
from .checks import CheckContext, CheckResult, Param, failed, passed, register_check, run_check

__version__ = "0.1.0"

__all__ = [
    "ChatReply",
    "CheckContext",
    "CheckResult",
    "Param",
    "PersonaModel",
    "assert_reply",
    "failed",
    "passed",
    "register_check",
    "run_check",
]
