"""``response_format`` for transformers and PEFT: llguidance's matcher as a logits processor.

One matcher per batch row, so constrained requests batch like free ones. Tokens the grammar
refuses get ``-inf`` before the model's best token is taken (or, when sampling, before
temperature and top-p), so greedy decoding stays deterministic. Imported only when a
constrained request is seen: llguidance and transformers are heavy.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from transformers import LogitsProcessor, LogitsProcessorList, TemperatureLogitsWarper, TopPLogitsWarper

from .base import Constraint

LIBRARY = "llguidance"


class ConstraintBuildError(ValueError):
    """A schema or grammar llguidance cannot build; the message names the response_format."""


class GrammarCompiler:
    """A checkpoint's tokenizer as llguidance sees it, and the grammars built for it (by content)."""

    def __init__(self, hf_tokenizer: Any, vocab_size: int, eos_ids: list[int]) -> None:
        try:
            import llguidance.hf
        except ImportError as exc:
            raise ConstraintBuildError(
                f"constrained decoding on transformers/PEFT needs {LIBRARY} (pip install 'pytest-persona[hf]'): {exc}"
            ) from None
        self._llguidance = llguidance
        try:
            self.tokenizer = llguidance.hf.from_tokenizer(hf_tokenizer, n_vocab=vocab_size, eos_token=eos_ids)
        except ValueError as exc:  # a slow (Python) tokenizer
            raise ConstraintBuildError(f"{LIBRARY} cannot read this tokenizer: {exc}") from None
        self.vocab_size = vocab_size
        self._grammars: dict[str, str] = {}

    def grammar(self, constraint: Constraint) -> str:
        """The llguidance grammar of ``constraint``, checked once; ConstraintBuildError if it has none."""
        if constraint.digest not in self._grammars:
            prefix = f"response_format {constraint.label}: {LIBRARY} cannot build a grammar from it"
            kind = "json_schema" if constraint.kind == "json_schema" else "gbnf"
            try:
                grammar = self._llguidance.grammar_from(kind, constraint.text)
            except (ValueError, RuntimeError) as exc:
                raise ConstraintBuildError(f"{prefix}: {exc}") from None
            matcher = self._llguidance.LLMatcher(self.tokenizer, grammar, log_level=0)
            if matcher.is_error():
                raise ConstraintBuildError(f"{prefix}: {matcher.get_error()}")
            self._grammars[constraint.digest] = grammar
        return self._grammars[constraint.digest]

    def processor(self, constraint: Constraint, rows: int, eos_ids: list[int]) -> GrammarLogitsProcessor:
        grammar = self.grammar(constraint)
        matchers = [self._llguidance.LLMatcher(self.tokenizer, grammar, log_level=0) for _ in range(rows)]
        return GrammarLogitsProcessor(matchers, self.vocab_size, eos_ids)


class GrammarLogitsProcessor(LogitsProcessor):
    """Masks each row's scores to the tokens its matcher allows next. ``errors[row]`` is set when a
    row's matcher fails (the row is then ended at once); a finished row is left alone."""

    def __init__(self, matchers: list[Any], vocab_size: int, eos_ids: list[int]) -> None:
        self._matchers = matchers
        self._vocab_size = vocab_size
        self._eos = set(eos_ids)
        self._end = eos_ids[0]
        self._started = False
        self._done = [False] * len(matchers)
        self.errors: list[str | None] = [None] * len(matchers)

    def chain(self, params: Any) -> LogitsProcessorList:
        """This mask first, then (when sampling) temperature and top-p over the allowed tokens only."""
        steps: list[LogitsProcessor] = [self]
        if params.temperature > 0:
            steps.append(TemperatureLogitsWarper(params.temperature))
            if params.top_p < 1.0:
                steps.append(TopPLogitsWarper(params.top_p))
        return LogitsProcessorList(steps)

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        if self._started:  # the previous step's tokens: the last column
            for row, token in enumerate(input_ids[:, -1].tolist()):
                if self._done[row]:
                    continue
                if token in self._eos:
                    self._done[row] = True
                elif not self._matchers[row].consume_token(token):
                    self._fail(row)
        self._started = True
        refused = torch.empty(scores.shape, dtype=torch.bool)
        for row, matcher in enumerate(self._matchers):
            if self._done[row]:
                refused[row] = False
                continue
            allowed = self._allowed(matcher, scores.shape[1])
            if not allowed.any():
                self._fail(row)
                allowed[self._end] = True
            refused[row] = ~allowed
        return scores.masked_fill(refused, float("-inf"))

    def _allowed(self, matcher: Any, width: int) -> torch.Tensor:
        if matcher.is_error():
            return torch.zeros(width, dtype=torch.bool)
        bits = np.unpackbits(np.frombuffer(matcher.compute_bitmask(), dtype=np.uint8), bitorder="little")
        allowed = np.zeros(width, dtype=bool)
        usable = min(width, self._vocab_size, bits.size)
        allowed[:usable] = bits[:usable].astype(bool)
        return torch.from_numpy(allowed)

    def _fail(self, row: int) -> None:
        matcher = self._matchers[row]
        detail = matcher.get_error() if matcher.is_error() else "the grammar allows no next token"
        self.errors[row] = self.errors[row] or f"{LIBRARY}: {detail}"
