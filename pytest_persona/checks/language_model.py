"""py3langid's byte n-gram model (it ships inside the wheel: offline) for the ``language`` check.

Imported and loaded on the first language check only (numpy and a 1 s model load), once per
process. Deterministic: a naive Bayes score, no sampling. Only the first ``MODEL_CHARS``
characters are read, so a 1 MB reply costs what 20,000 characters cost.
"""

from __future__ import annotations

import copy
import threading
from typing import Any

LATIN_CODES = ("en", "tr", "pt", "es")
MODEL_CHARS = 20_000
# Relatives the model confuses with the supported languages on short or informal text; a top
# guess among them is not "another language".
RELATIVES = frozenset(
    "ar arz ary apc acm afb fa ur ps ku ckb gl ast an ext ca oc lad az crh tk gag uz sco pcm en tr pt es".split()
)

_lock = threading.Lock()
_models: dict[str, Any] = {}


def _load() -> dict[str, Any]:
    with _lock:
        if not _models:
            try:
                from py3langid.langid import MODEL_FILE, LanguageIdentifier
            except ImportError as exc:  # pragma: no cover - a core dependency
                raise RuntimeError("the language check needs py3langid (pip install py3langid)") from exc
            full = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
            latin = copy.copy(full)  # shares the tables; set_languages rebinds, never mutates
            latin.set_languages(list(LATIN_CODES))
            _models.update(full=full, latin=latin)
    return _models


def latin_probabilities(text: str) -> dict[str, float]:
    """P(en), P(tr), P(pt), P(es) for ``text`` (summing to 1; uniform when it has no features)."""
    ranked = _load()["latin"].rank(text[:MODEL_CHARS])
    return {code: float(p) for code, p in ranked}


def best_guess(text: str) -> tuple[str, float]:
    """The model's top language among all it knows (about 140), with its probability."""
    code, p = _load()["full"].classify(text[:MODEL_CHARS])
    return str(code), float(p)
