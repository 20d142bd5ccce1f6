"""pytest-persona: contract, schema and quality checks for fine-tuned persona models, as pytest tests."""

from __future__ import annotations

__version__ = "0.1.0"
