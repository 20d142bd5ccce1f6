"""llama.cpp in-process (llama-cpp-python): the GGUF file a team actually ships.

The file is validated in Python first; the chat template comes from the file's own metadata
and is rendered sandboxed (a file without one is refused unless the user names a template,
since llama.cpp would silently guess Llama-2's format). Decoding is truly greedy by default
(temperature 0, repeat_penalty 1.0, fixed seed) with a fresh context per case.

Prefix reuse: every prompt is evaluated in two batches, its shared prefix (the rendered system
prompt up to the first user turn) and then the rest. Because the split depends only on the case,
restoring the prefix's state from the previous case gives bit-identical replies to evaluating it
afresh, so cases that share a long persona prompt skip re-reading it (llama.cpp's numbers change
when one prompt is split at different points, hence the fixed split rather than a longest match).
"""

from __future__ import annotations

import ctypes
import json
import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

from ...checks.base import Message
from ..base import BackendError, ChatRequest, Constraint, Progress, Reply
from ..fingerprint import artifact_fingerprint
from ..scoring import ScoreRequest, TokenScores, scores_from_logits, vocabulary_digest
from ..templates import ChatTemplate, TemplateError, missing_template_hint, resolve_template
from .gguf import GGUFError, GGUFInfo, read_gguf
from .isolation import ensure_loads

DEFAULT_N_CTX = 4096
LOG_LINES_KEPT = 200
PROBES = ("\u00a7", "\u00a4")  # two user turns with different first tokens: where they part, the case's turn begins
EVALUATION = "prefix-split/1"  # how prompts are fed to llama.cpp; part of the cache key


def backend_version() -> str:
    return f"llama-cpp-python {version('llama-cpp-python')} ({EVALUATION})"


@dataclass(frozen=True)
class Prompt:
    """A rendered, tokenized request and where its shared prefix ends."""

    tokens: list[int]
    prefix: int


def common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    count = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        count += 1
    return count


def default_threads() -> int:
    """The cores this process may use, shared fairly among xdist workers."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count() or 1
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1") or 1)
    return max(1, cores // max(1, workers))


class _LogCapture:
    """llama.cpp's log, kept in memory (shown when loading fails) instead of on the terminal."""

    def __init__(self) -> None:
        import llama_cpp

        self.lines: list[str] = []

        @llama_cpp.llama_log_callback
        def callback(level: int, text: bytes | None, user_data: ctypes.c_void_p) -> None:
            if text:
                self.lines.append(text.decode("utf-8", errors="replace"))
                del self.lines[:-LOG_LINES_KEPT]

        self._callback = callback  # keep a reference: llama.cpp holds the pointer
        llama_cpp.llama_log_set(callback, ctypes.c_void_p(0))

    def tail(self, count: int = 8) -> str:
        text = "".join(self.lines).strip().splitlines()
        return "\n".join(text[-count:])


_LOG: _LogCapture | None = None


class GGUFTokenizer:
    """A GGUF's vocabulary only (no weights): special tokens and token counts for the checks."""

    def __init__(self, checkpoint: Any) -> None:
        global _LOG
        import llama_cpp

        path = self._path = Path(checkpoint.target)
        try:
            self.special_tokens = read_gguf(path).special_tokens
        except GGUFError as exc:
            raise BackendError(str(exc)) from None
        ensure_loads(checkpoint)  # a marker lookup when the cache answered: the file loaded cleanly then
        _LOG = _LOG or _LogCapture()
        try:
            self._vocab = llama_cpp.Llama(model_path=str(path), vocab_only=True, verbose=False)
        except (ValueError, RuntimeError, OSError) as exc:
            raise BackendError(f"{path}: llama.cpp could not read its vocabulary: {exc}") from None

    def count_tokens(self, text: str) -> int | None:
        return len(self._vocab.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def reply_tokens(self, text: str) -> list[int]:
        return self._vocab.tokenize(text.encode("utf-8"), add_bos=False, special=False)

    def vocabulary(self) -> str:
        return gguf_vocabulary(self._path)


def gguf_vocabulary(path: Path) -> str:
    """The digest of a GGUF's token strings (``tokenizer.ggml.tokens``), for the same-tokenizer check."""
    try:
        tokens = read_gguf(path, ("tokenizer.ggml.tokens",)).metadata.get("tokenizer.ggml.tokens")
    except GGUFError as exc:
        raise BackendError(str(exc)) from None
    if not isinstance(tokens, list):
        raise BackendError(f"{path}: no tokenizer.ggml.tokens in its metadata")
    return vocabulary_digest([str(t) for t in tokens])


class LlamaCppBackend:
    name = "llama_cpp"
    tokenizer_only = GGUFTokenizer
    cacheable = True
    version = staticmethod(backend_version)

    def __init__(self, checkpoint: Any) -> None:
        global _LOG
        self.path = Path(checkpoint.target)
        self.info = self.preflight(checkpoint, keep=None)
        self.template = self._template(checkpoint, self.info)
        try:
            import llama_cpp
        except ImportError as exc:
            raise BackendError(f"the llama_cpp backend needs llama-cpp-python ({exc})") from None
        ensure_loads(checkpoint)  # a native crash in llama.cpp kills a child process, not this one
        _LOG = _LOG or _LogCapture()
        _LOG.lines.clear()
        n_ctx = checkpoint.options.n_ctx or DEFAULT_N_CTX
        context_length = self.info.metadata.get(f"{self.info.architecture}.context_length")
        if isinstance(context_length, int) and context_length > 0:
            n_ctx = min(n_ctx, context_length)
        threads = checkpoint.options.threads or default_threads()
        try:
            self.llm = llama_cpp.Llama(
                model_path=str(self.path),
                n_ctx=n_ctx,
                n_threads=threads,
                n_threads_batch=threads,  # llama-cpp-python's default is every core, whatever the workers
                n_batch=512,
                seed=0,
                verbose=False,
            )
        except (ValueError, RuntimeError, OSError) as exc:
            reason = _LOG.tail() or str(exc)
            raise BackendError(f"{self.path}: llama.cpp could not load it: {exc}\n{reason}") from None
        self._bos = self.info.token("tokenizer.ggml.bos_token_id") or ""
        self._add_bos = bool(self.info.metadata.get("tokenizer.ggml.add_bos_token", True))
        self._special = self.info.special_tokens
        self._checkpoint = checkpoint
        self.reuse_prefix = checkpoint.options.prefix_reuse
        self._probes: dict[str | None, tuple[list[int], ...]] = {}
        self._grammars: dict[str, Any] = {}  # by constraint digest: built (or refused) once per run
        self.grammar_fast_path = True  # greedy + grammar: check the best token first (tests compare both)
        self.prefix_tokens_reused = 0
        self._scorer: Any = None  # a context with logits for every position, made on the first score

    @staticmethod
    def preflight(checkpoint: Any, keep: Iterable[str] | None = ("general.alignment",)) -> GGUFInfo:
        """Validate the file's header and metadata before llama.cpp reads it (every length is
        checked either way; by default only what validation needs is decoded, ``keep=None`` for all)."""
        try:
            return read_gguf(Path(checkpoint.target), keep)
        except GGUFError as exc:
            raise BackendError(str(exc)) from None

    @staticmethod
    def _template(checkpoint: Any, info: GGUFInfo) -> ChatTemplate:
        chosen = checkpoint.options.chat_template
        bos = info.token("tokenizer.ggml.bos_token_id") or ""
        eos = info.token("tokenizer.ggml.eos_token_id") or ""
        try:
            if chosen:
                source, origin = resolve_template(chosen)
            elif info.chat_template:
                source, origin = info.chat_template, f"{checkpoint.target} (tokenizer.chat_template)"
            else:
                tokens = info.metadata.get("tokenizer.ggml.tokens")
                vocabulary = frozenset(t for t in tokens if isinstance(t, str)) if isinstance(tokens, list) else ()
                raise BackendError(
                    f"{checkpoint.target} has no tokenizer.chat_template, and llama.cpp would silently prompt "
                    "it in the Llama-2 [INST] format. "
                    + missing_template_hint(checkpoint.name, info.architecture, vocabulary)
                )
            return ChatTemplate(source, origin=origin, bos_token=bos, eos_token=eos)
        except TemplateError as exc:
            raise BackendError(str(exc)) from None

    def render(self, messages: Sequence[Message]) -> list[int]:
        """Messages as the model's own template renders them, tokenized with special tokens."""
        try:
            prompt = self.template.render(messages, add_generation_prompt=True)
        except TemplateError as exc:
            raise BackendError(str(exc)) from None
        add_bos = self._add_bos and not (self._bos and prompt.startswith(self._bos))
        return self.llm.tokenize(prompt.encode("utf-8"), add_bos=add_bos, special=True)

    def prepare(self, request: ChatRequest) -> Prompt:
        """Render once; the prefix ends where the first user turn's content begins."""
        tokens = self.render(request.messages)
        first = request.messages[0] if request.messages else None
        system = first if first is not None and first.role == "system" else None
        key = system.content if system is not None else None
        if key not in self._probes:
            lead = (system,) if system is not None else ()
            try:
                self._probes[key] = tuple(self.render((*lead, Message("user", probe))) for probe in PROBES)
            except BackendError:
                self._probes[key] = ()
        probes = self._probes[key]
        prefix = min((common_prefix(tokens, probe) for probe in probes), default=0)
        return Prompt(tokens=tokens, prefix=min(prefix, len(tokens) - 1))

    def generate(self, requests: Sequence[ChatRequest], progress: Progress | None = None) -> list[Reply]:
        """Cases sharing a prefix run one after another, so its state is evaluated once."""
        prepared: list[Prompt | Reply] = []
        for request in requests:
            try:
                prepared.append(self.prepare(request))
            except BackendError as exc:
                prepared.append(Reply(text="", error=str(exc)))

        def order(index: int) -> tuple[int, ...]:
            item = prepared[index]
            return tuple(item.tokens[: item.prefix]) if isinstance(item, Prompt) else ()

        replies: dict[int, Reply] = {}
        generated = 0
        for done, index in enumerate(sorted(range(len(requests)), key=order), start=1):
            item = prepared[index]
            replies[index] = self._complete(requests[index], item) if isinstance(item, Prompt) else item
            generated += replies[index].tokens or 0
            if progress is not None:
                progress(done, generated)
        return [replies[index] for index in range(len(requests))]

    def _start(self, prompt: Prompt) -> None:
        """Leave exactly the prompt's prefix in the context, as a fresh evaluation would."""
        llm, prefix = self.llm, prompt.prefix
        if self.reuse_prefix and 0 < prefix <= llm.n_tokens and list(llm.input_ids[:prefix]) == prompt.tokens[:prefix]:
            llm.n_tokens = prefix  # keep the prefix's state, drop the previous case's tokens
            self.prefix_tokens_reused += prefix
            return
        llm.reset()  # a fresh context
        if prefix:
            llm.eval(prompt.tokens[:prefix])

    def _complete(self, request: ChatRequest, prompt: Prompt) -> Reply:
        tokens = prompt.tokens
        n_ctx = self.llm.n_ctx()
        if len(tokens) + 1 >= n_ctx:
            return Reply(text="", error=f"the prompt is {len(tokens)} tokens; the context holds {n_ctx}")
        try:
            grammar = self._grammar(request.params.constraint)
        except BackendError as exc:
            return Reply(text="", error=str(exc))
        started = time.perf_counter()
        max_tokens = min(request.params.max_tokens, n_ctx - len(tokens))
        if grammar is not None and request.params.temperature == 0 and self.grammar_fast_path:
            return self._complete_constrained(request, prompt, grammar, max_tokens, started)
        try:
            self._start(prompt)
            # llama-cpp-python sees the prefix already in the context and evaluates only the rest
            out = self.llm.create_completion(
                tokens,
                max_tokens=max_tokens,
                temperature=request.params.temperature,
                top_p=request.params.top_p,
                top_k=0 if request.params.temperature > 0 else 1,
                min_p=0.0,
                repeat_penalty=1.0,
                seed=request.seed,
                stop=list(request.params.stop) or None,
                grammar=grammar,
            )
        except (RuntimeError, ValueError) as exc:
            self.llm.reset()
            return Reply(text="", error=f"llama.cpp failed: {exc}")
        latency = time.perf_counter() - started
        choice = out["choices"][0]
        return Reply(
            text=choice["text"],
            tokens=out["usage"]["completion_tokens"],
            latency_s=latency,
            finish_reason=choice.get("finish_reason"),
        )

    def _complete_constrained(
        self, request: ChatRequest, prompt: Prompt, grammar: Any, max_tokens: int, started: float
    ) -> Reply:
        """Greedy under a grammar: the model's best token checked first (constrained.py)."""
        from .constrained import greedy_constrained

        try:
            self._start(prompt)
            out = greedy_constrained(self.llm, prompt.tokens, grammar, max_tokens, list(request.params.stop))
        except (RuntimeError, ValueError) as exc:
            self.llm.reset()
            return Reply(text="", error=f"llama.cpp failed under response_format: {exc}")
        return Reply(
            text=out.text, tokens=out.tokens, latency_s=time.perf_counter() - started, finish_reason=out.finish_reason
        )

    def _grammar(self, constraint: Constraint | None) -> Any:
        """llama.cpp's grammar for a response_format (None: decode freely); one that cannot be
        built fails every case that asks for it, naming the file."""
        if constraint is None:
            return None
        if constraint.digest not in self._grammars:
            try:
                self._grammars[constraint.digest] = self._build_grammar(constraint)
            except BackendError as exc:
                self._grammars[constraint.digest] = exc
        grammar = self._grammars[constraint.digest]
        if isinstance(grammar, BackendError):
            raise grammar
        return grammar

    def _build_grammar(self, constraint: Constraint) -> Any:
        """A JSON Schema through llama-cpp-python's converter, or GBNF as written, parsed by llama.cpp."""
        import llama_cpp
        from llama_cpp import LlamaGrammar

        from .constrained import split_type_unions

        where = f"response_format {constraint.label}"
        try:
            if constraint.kind == "json_schema":
                schema = split_type_unions(json.loads(constraint.text))
                grammar = LlamaGrammar.from_json_schema(json.dumps(schema), verbose=False)
            else:
                grammar = LlamaGrammar.from_string(constraint.text, verbose=False)
        except Exception as exc:  # the schema converter raises several kinds
            reason = f"{type(exc).__name__}: {exc}"
            raise BackendError(f"{where}: llama.cpp cannot build a grammar from it: {reason}") from None
        # llama-cpp-python does not parse GBNF itself and hands llama.cpp's NULL for a broken
        # grammar to its sampler chain (a segfault): parse it here first and refuse it cleanly
        _LOG.lines.clear()
        parsed = llama_cpp.llama_sampler_init_grammar(
            self.llm._model.vocab, grammar._grammar.encode("utf-8"), grammar._root.encode("utf-8")
        )
        if not parsed:
            reason = _LOG.tail() or "llama.cpp's GBNF parser refused it"
            raise BackendError(f"{where}: llama.cpp cannot parse the grammar: {reason}")
        llama_cpp.llama_sampler_free(parsed)
        return grammar

    def count_tokens(self, text: str) -> int | None:
        return len(self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    # -- teacher-forced scoring (quantization drift) -------------------------------------------

    def reply_tokens(self, text: str) -> list[int]:
        """A reply's tokens as this checkpoint would have generated them (no specials, no BOS)."""
        return self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=False)

    def vocabulary(self) -> str:
        return gguf_vocabulary(self.path)

    def score(self, requests: Sequence[ScoreRequest]) -> list[TokenScores]:
        """Each request's prompt (this file's template) and reply tokens in one evaluation with
        logits for every position, on a second llama.cpp context sized to the longest request."""
        import llama_cpp

        rendered = [self.render(r.messages) for r in requests]
        needed = max((len(p) + len(r.tokens) for p, r in zip(rendered, requests, strict=True)), default=1)
        limit = int(self.info.metadata.get(f"{self.info.architecture}.context_length") or DEFAULT_N_CTX)
        if needed > limit:
            raise BackendError(f"{self.path}: a scored reply needs {needed} tokens; the model holds {limit}")
        size = -(-needed // 256) * 256
        if self._scorer is None or self._scorer.n_ctx() < size:
            if self._scorer is not None:
                self._scorer.close()
            threads = self._checkpoint.options.threads or default_threads()
            self._scorer = llama_cpp.Llama(
                model_path=str(self.path), n_ctx=min(size, limit), n_threads=threads, n_threads_batch=threads,
                n_batch=512, logits_all=True, seed=0, verbose=False,
            )  # fmt: skip
        scorer, out = self._scorer, []
        for prompt, request in zip(rendered, requests, strict=True):
            scorer.reset()
            scorer.eval(prompt + list(request.tokens))
            out.append(scores_from_logits(scorer.scores, len(prompt) - 1, request))
        return out

    @property
    def special_tokens(self) -> tuple[str, ...]:
        return self._special

    def fingerprint(self) -> str:
        return artifact_fingerprint(self._checkpoint)

    def close(self) -> None:
        scorer = getattr(self, "_scorer", None)
        if scorer is not None:
            scorer.close()
            self._scorer = None
        llm = getattr(self, "llm", None)
        if llm is not None:
            llm.close()
            self.llm = None
