"""llama.cpp in-process (llama-cpp-python): the GGUF file a team actually ships.

The file is validated in Python first; the chat template comes from the file's own metadata
and is rendered sandboxed (a file without one is refused unless the user names a template,
since llama.cpp would silently guess Llama-2's format). Decoding is truly greedy by default
(temperature 0, repeat_penalty 1.0, fixed seed) with a fresh context per case.
"""

from __future__ import annotations

import ctypes
import os
import time
from collections.abc import Sequence
from importlib.metadata import version
from pathlib import Path
from typing import Any

from ..fingerprint import artifact_fingerprint
from ..gguf import GGUFError, GGUFInfo, read_gguf
from ..templates import ChatTemplate, TemplateError, resolve_template
from .base import BackendError, ChatRequest, Progress, Reply, generate_each

DEFAULT_N_CTX = 4096
LOG_LINES_KEPT = 200


def backend_version() -> str:
    return f"llama-cpp-python {version('llama-cpp-python')}"


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

        path = Path(checkpoint.target)
        try:
            self.special_tokens = read_gguf(path).special_tokens
        except GGUFError as exc:
            raise BackendError(str(exc)) from None
        _LOG = _LOG or _LogCapture()
        try:
            self._vocab = llama_cpp.Llama(model_path=str(path), vocab_only=True, verbose=False)
        except (ValueError, RuntimeError, OSError) as exc:
            raise BackendError(f"{path}: llama.cpp could not read its vocabulary: {exc}") from None

    def count_tokens(self, text: str) -> int | None:
        return len(self._vocab.tokenize(text.encode("utf-8"), add_bos=False, special=False))


class LlamaCppBackend:
    name = "llama_cpp"
    tokenizer_only = GGUFTokenizer
    cacheable = True
    version = staticmethod(backend_version)

    def __init__(self, checkpoint: Any) -> None:
        global _LOG
        self.path = Path(checkpoint.target)
        self.info = self.preflight(checkpoint)
        self.template = self._template(checkpoint, self.info)
        try:
            import llama_cpp
        except ImportError as exc:
            raise BackendError(f"the llama_cpp backend needs llama-cpp-python ({exc})") from None
        _LOG = _LOG or _LogCapture()
        _LOG.lines.clear()
        n_ctx = int(checkpoint.options.get("n_ctx", DEFAULT_N_CTX))
        context_length = self.info.metadata.get(f"{self.info.architecture}.context_length")
        if isinstance(context_length, int) and context_length > 0:
            n_ctx = min(n_ctx, context_length)
        try:
            self.llm = llama_cpp.Llama(
                model_path=str(self.path),
                n_ctx=n_ctx,
                n_threads=int(checkpoint.options.get("threads", default_threads())),
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

    @staticmethod
    def preflight(checkpoint: Any) -> GGUFInfo:
        """Validate the file's header and metadata before llama.cpp reads it."""
        try:
            return read_gguf(Path(checkpoint.target))
        except GGUFError as exc:
            raise BackendError(str(exc)) from None

    @staticmethod
    def _template(checkpoint: Any, info: GGUFInfo) -> ChatTemplate:
        chosen = checkpoint.options.get("chat_template")
        bos = info.token("tokenizer.ggml.bos_token_id") or ""
        eos = info.token("tokenizer.ggml.eos_token_id") or ""
        try:
            if chosen:
                source, origin = resolve_template(chosen)
            elif info.chat_template:
                source, origin = info.chat_template, f"{checkpoint.target} (tokenizer.chat_template)"
            else:
                raise BackendError(
                    f"{checkpoint.target} has no tokenizer.chat_template, and llama.cpp would silently prompt "
                    "it in the Llama-2 [INST] format. Name the template it was trained with: "
                    f"--persona-chat-template {checkpoint.name}=chatml (or a path to a Jinja file)"
                )
            return ChatTemplate(source, origin=origin, bos_token=bos, eos_token=eos)
        except TemplateError as exc:
            raise BackendError(str(exc)) from None

    def render(self, request: ChatRequest) -> list[int]:
        """The request as the model's own template renders it, tokenized with special tokens."""
        try:
            prompt = self.template.render(request.messages, add_generation_prompt=True)
        except TemplateError as exc:
            raise BackendError(str(exc)) from None
        add_bos = self._add_bos and not (self._bos and prompt.startswith(self._bos))
        return self.llm.tokenize(prompt.encode("utf-8"), add_bos=add_bos, special=True)

    def generate(self, requests: Sequence[ChatRequest], progress: Progress | None = None) -> list[Reply]:
        return generate_each(requests, self._one, progress)

    def _one(self, request: ChatRequest) -> Reply:
        try:
            tokens = self.render(request)
        except BackendError as exc:
            return Reply(text="", error=str(exc))
        n_ctx = self.llm.n_ctx()
        if len(tokens) + 1 >= n_ctx:
            return Reply(text="", error=f"the prompt is {len(tokens)} tokens; the context holds {n_ctx}")
        self.llm.reset()  # a fresh context per case: no reuse of another case's prefix
        started = time.perf_counter()
        try:
            out = self.llm.create_completion(
                tokens,
                max_tokens=min(request.params.max_tokens, n_ctx - len(tokens)),
                temperature=request.params.temperature,
                top_p=request.params.top_p,
                top_k=0 if request.params.temperature > 0 else 1,
                min_p=0.0,
                repeat_penalty=1.0,
                seed=request.seed,
                stop=list(request.params.stop) or None,
            )
        except (RuntimeError, ValueError) as exc:
            return Reply(text="", error=f"llama.cpp failed: {exc}")
        latency = time.perf_counter() - started
        choice = out["choices"][0]
        return Reply(
            text=choice["text"],
            tokens=out["usage"]["completion_tokens"],
            latency_s=latency,
            finish_reason=choice.get("finish_reason"),
        )

    def count_tokens(self, text: str) -> int | None:
        return len(self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    @property
    def special_tokens(self) -> tuple[str, ...]:
        return self._special

    def fingerprint(self) -> str:
        return artifact_fingerprint(self._checkpoint)

    def close(self) -> None:
        llm = getattr(self, "llm", None)
        if llm is not None:
            llm.close()
            self.llm = None
