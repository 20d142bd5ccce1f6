"""Hugging Face transformers in-process: the fp16 and LoRA-merged checkpoints a training run makes.

Offline always (local files only), safetensors only unless pickle is explicitly allowed,
``trust_remote_code`` never. Computes in fp32 on CPU (no fast fp16 matmul there). The chat
template is the tokenizer's own, rendered in the same sandbox as for GGUF files. Requests are
generated in left-padded batches, greedy unless a case asks for sampling; a ``response_format``
holds each row to its schema or grammar through llguidance (hf_constrained).
"""

from __future__ import annotations

import gc
import os
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from .base import BackendError, ChatRequest, GenParams, Progress, Reply
from .fingerprint import artifact_fingerprint
from .scoring import ScoreRequest, TokenScores, scores_from_logits, vocabulary_digest
from .templates import ChatTemplate, TemplateError, resolve_template

BATCH_SIZE = 8
PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".ckpt")


def backend_version() -> str:
    """What decodes: transformers, torch and the grammar library (its version shapes constrained replies)."""
    try:
        grammar = f"; llguidance {version('llguidance')}"
    except PackageNotFoundError:
        grammar = ""
    return f"transformers {version('transformers')}; torch {version('torch')}{grammar}"


def check_weights(directory: Path, allow_pickle: bool) -> None:
    """Refuse pickle-only checkpoints (they can run code when loaded) unless allowed."""
    if any(directory.glob("*.safetensors")) or allow_pickle:
        return
    pickles = sorted(p.name for p in directory.iterdir() if p.suffix in PICKLE_SUFFIXES)
    if pickles:
        raise BackendError(
            f"{directory} holds only pickle weights ({', '.join(pickles[:3])}), which can run code when "
            "loaded; convert them to safetensors, or pass --persona-allow-pickle if you trust the file"
        )
    raise BackendError(f"{directory} has no weights (*.safetensors)")


def load_tokenizer(directory: Path) -> Any:
    """An HF tokenizer from local files, padding on the left for batched generation."""
    from transformers import AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(directory, local_files_only=True, trust_remote_code=False)
    except (OSError, ValueError, KeyError) as exc:
        raise BackendError(f"{directory}: cannot load the tokenizer: {exc}") from None
    tokenizer.padding_side = "left"
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def special_tokens_of(tokenizer: Any) -> tuple[str, ...]:
    """Every special token of an HF tokenizer, longest first."""
    tokens = set(tokenizer.all_special_tokens)
    for token in getattr(tokenizer, "added_tokens_decoder", {}).values():
        if getattr(token, "special", False):
            tokens.add(str(token))
    return tuple(sorted((t for t in tokens if t.strip()), key=lambda t: (-len(t), t)))


class HFTokenizer:
    """A checkpoint's tokenizer only (no weights): special tokens and token counts for the checks."""

    def __init__(self, checkpoint: Any) -> None:
        self._tokenizer = load_tokenizer(tokenizer_dir(checkpoint))
        self.special_tokens = special_tokens_of(self._tokenizer)

    def count_tokens(self, text: str) -> int | None:
        return len(self._tokenizer(text, add_special_tokens=False).input_ids)

    def reply_tokens(self, text: str) -> list[int]:
        return self._tokenizer(text, add_special_tokens=False).input_ids

    def vocabulary(self) -> str:
        return hf_vocabulary(self._tokenizer)


def hf_vocabulary(tokenizer: Any) -> str:
    """The digest of an HF tokenizer's token strings in id order, for the same-tokenizer check."""
    return vocabulary_digest(tokenizer.convert_ids_to_tokens(list(range(len(tokenizer)))))


def tokenizer_dir(checkpoint: Any) -> Path:
    """Where a checkpoint's tokenizer lives: its own directory, or an adapter's base."""
    own = Path(checkpoint.target)
    if checkpoint.backend != "peft" or (own / "tokenizer_config.json").is_file():
        return own
    from .peft import adapter_base

    return adapter_base(own, checkpoint.options.peft_base)


class TransformersBackend:
    name = "transformers"
    tokenizer_only = HFTokenizer
    cacheable = True
    version = staticmethod(backend_version)

    @staticmethod
    def preflight(checkpoint: Any) -> None:
        """Cheap checks before any run: a config and weights that may be loaded."""
        directory = Path(checkpoint.target)
        if not (directory / "config.json").is_file():
            raise BackendError(f"{directory}: not a transformers checkpoint (no config.json)")
        check_weights(directory, checkpoint.options.allow_pickle)

    def __init__(self, checkpoint: Any) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        try:
            import torch
            import transformers  # noqa: F401
        except ImportError as exc:
            raise BackendError(f"the {self.name} backend needs torch and transformers ({exc})") from None
        self.checkpoint = checkpoint
        self.path = Path(checkpoint.target)
        self.allow_pickle = checkpoint.options.allow_pickle
        self.threads = checkpoint.options.threads or None
        self.batch_size = max(1, checkpoint.options.batch_size or BATCH_SIZE)
        if self.threads:
            torch.set_num_threads(self.threads)
        self.tokenizer = self._load_tokenizer()
        self.model = self._load_model()
        self.model.eval()
        self.template = self._template()
        self._eos = self._eos_ids()
        self._grammars: Any = None  # hf_constrained.GrammarCompiler, made for the first constrained request

    # -- loading (the PEFT backend overrides these) -------------------------------------------

    def _load_tokenizer(self) -> Any:
        return load_tokenizer(tokenizer_dir(self.checkpoint))

    def _load_model(self) -> Any:
        return self._load_causal_lm(self.path)

    def _load_causal_lm(self, directory: Path) -> Any:
        import torch
        from transformers import AutoModelForCausalLM

        check_weights(directory, self.allow_pickle)
        try:
            return AutoModelForCausalLM.from_pretrained(
                directory,
                dtype=torch.float32,
                local_files_only=True,
                trust_remote_code=False,
                use_safetensors=None if self.allow_pickle else True,
            )
        except (OSError, ValueError, KeyError, RuntimeError) as exc:
            raise BackendError(f"{directory}: transformers could not load it: {exc}") from None

    def _template(self) -> ChatTemplate:
        chosen = self.checkpoint.options.chat_template
        source = self.tokenizer.chat_template
        try:
            if chosen:
                source, origin = resolve_template(chosen)
            elif source:
                origin = f"{tokenizer_dir(self.checkpoint)} (chat template)"
            else:
                raise BackendError(
                    f"{tokenizer_dir(self.checkpoint)} has no chat template; name the one it was trained with: "
                    f"--persona-chat-template {self.checkpoint.name}=chatml (or a path to a Jinja file)"
                )
            return ChatTemplate(
                source,
                origin=origin,
                bos_token=self.tokenizer.bos_token or "",
                eos_token=self.tokenizer.eos_token or "",
            )
        except TemplateError as exc:
            raise BackendError(str(exc)) from None

    def _eos_ids(self) -> list[int]:
        configured = self.model.generation_config.eos_token_id
        ids = configured if isinstance(configured, list) else [configured]
        ids = [i for i in ids if i is not None]
        if self.tokenizer.eos_token_id is not None and self.tokenizer.eos_token_id not in ids:
            ids.append(self.tokenizer.eos_token_id)
        return ids

    # -- generation ----------------------------------------------------------------------------

    def render(self, request: ChatRequest) -> list[int]:
        prompt = self.template.render(request.messages, add_generation_prompt=True)
        bos = self.tokenizer.bos_token
        add_special = bool(bos) and not prompt.startswith(bos) and getattr(self.tokenizer, "add_bos_token", False)
        return self.tokenizer(prompt, add_special_tokens=add_special).input_ids

    def generate(self, requests: Sequence[ChatRequest], progress: Progress | None = None) -> list[Reply]:
        """Greedy requests in batches of the same parameters; sampled ones alone, seeded."""
        replies: dict[int, Reply] = {}
        rendered: dict[int, list[int]] = {}
        for index, request in enumerate(requests):
            refusal = self._check_constraint(request)
            if refusal is not None:
                replies[index] = Reply(text="", error=refusal)
                continue
            try:
                rendered[index] = self.render(request)
            except TemplateError as exc:
                replies[index] = Reply(text="", error=str(exc))
        groups: dict[tuple[Any, ...], list[int]] = {}
        for index in rendered:
            params = requests[index].params
            sampled = params.temperature > 0
            key = (params, requests[index].seed, index) if sampled else (params,)
            groups.setdefault(key, []).append(index)
        tokens = 0
        for indices in groups.values():
            indices.sort(key=lambda i: len(rendered[i]))  # similar lengths together: less padding
            for start in range(0, len(indices), self.batch_size):
                batch = indices[start : start + self.batch_size]
                first = requests[batch[0]]
                for index, reply in zip(batch, self._batch([rendered[i] for i in batch], first), strict=True):
                    replies[index] = reply
                    tokens += reply.tokens or 0
                if progress is not None:
                    progress(len(replies), tokens)
        return [replies[i] for i in range(len(requests))]

    def _check_constraint(self, request: ChatRequest) -> str | None:
        """Why a constrained request cannot be decoded here (None when it can, or is free)."""
        constraint = request.params.constraint
        if constraint is None:
            return None
        from .hf_constrained import ConstraintBuildError, GrammarCompiler

        try:
            if self._grammars is None:
                self._grammars = GrammarCompiler(self.tokenizer, self._vocab_size(), self._eos)
            self._grammars.grammar(constraint)
        except ConstraintBuildError as exc:
            return str(exc)
        return None

    def _vocab_size(self) -> int:
        """The width of the model's scores (its embedding rows, which may exceed the tokenizer's)."""
        return int(self.model.get_output_embeddings().weight.shape[0])

    def _batch(self, prompts: list[list[int]], request: ChatRequest) -> list[Reply]:
        import time

        import torch

        params: GenParams = request.params
        pad = self.tokenizer.pad_token_id
        width = max(len(p) for p in prompts)
        input_ids = torch.tensor([[pad] * (width - len(p)) + p for p in prompts])
        attention = torch.tensor([[0] * (width - len(p)) + [1] * len(p) for p in prompts])
        options: dict[str, Any] = {
            "max_new_tokens": params.max_tokens,
            "pad_token_id": pad,
            "eos_token_id": self._eos,
            "do_sample": params.temperature > 0,
        }
        grammar = None
        if params.constraint is not None:
            grammar = self._grammars.processor(params.constraint, len(prompts), self._eos)
            options["logits_processor"] = grammar.chain(params)
        if params.temperature > 0:
            if grammar is not None:  # the chain warps after the mask; generate must not warp again
                options.update(temperature=1.0, top_p=1.0, top_k=0)
            else:
                options.update(temperature=params.temperature, top_p=params.top_p, top_k=0)
            torch.manual_seed(request.seed)
        else:
            options.update(temperature=None, top_p=None, top_k=None)
        started = time.perf_counter()
        try:
            with torch.no_grad():
                output = self.model.generate(input_ids=input_ids, attention_mask=attention, **options)
        except (RuntimeError, ValueError) as exc:
            return [Reply(text="", error=f"transformers failed: {exc}") for _ in prompts]
        latency = (time.perf_counter() - started) / len(prompts)
        replies = []
        for number, row in enumerate(output[:, width:].tolist()):
            if grammar is not None and grammar.errors[number]:
                replies.append(
                    Reply(text="", error=f"response_format {params.constraint.label}: {grammar.errors[number]}")
                )
                continue
            length = len(row)
            for position, token in enumerate(row):
                if token in self._eos:
                    length = position
                    break
            text = self.tokenizer.decode(row[:length], skip_special_tokens=True)
            finish = "stop" if length < len(row) else "length"
            for stop in params.stop:
                cut = text.find(stop)
                if cut >= 0:
                    text, finish = text[:cut], "stop"
            replies.append(Reply(text=text, tokens=length, latency_s=latency, finish_reason=finish))
        return replies

    # -- teacher-forced scoring (quantization drift) -------------------------------------------

    def reply_tokens(self, text: str) -> list[int]:
        """A reply's tokens as this checkpoint would have generated them (no specials)."""
        return self.tokenizer(text, add_special_tokens=False).input_ids

    def vocabulary(self) -> str:
        return hf_vocabulary(self.tokenizer)

    def score(self, requests: Sequence[ScoreRequest]) -> list[TokenScores]:
        """One forward pass per request over its prompt (this checkpoint's template) and reply tokens."""
        import torch

        out = []
        for request in requests:
            try:
                prompt = self.render(ChatRequest(messages=request.messages))
            except TemplateError as exc:
                raise BackendError(str(exc)) from None
            ids = torch.tensor([prompt + list(request.tokens)])
            try:
                with torch.no_grad():
                    logits = self.model(input_ids=ids).logits[0].float().numpy()
            except (RuntimeError, ValueError) as exc:
                raise BackendError(f"{self.path}: transformers could not score a reply: {exc}") from None
            out.append(scores_from_logits(logits, len(prompt) - 1, request))
        return out

    # -- what the checks need ------------------------------------------------------------------

    def count_tokens(self, text: str) -> int | None:
        return len(self.tokenizer(text, add_special_tokens=False).input_ids)

    @property
    def special_tokens(self) -> tuple[str, ...]:
        return special_tokens_of(self.tokenizer)

    def fingerprint(self) -> str:
        return artifact_fingerprint(self.checkpoint)

    def close(self) -> None:
        self.model = None
        gc.collect()
