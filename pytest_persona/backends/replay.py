"""Replay: recorded replies, one JSON object a line, gated offline.

``{"case": "<id>", "output": "<reply>"}`` plus optional ``evalset`` (when ids repeat across
eval sets), ``sample`` (repeats), ``latency_s`` and ``prompt`` (lets the Python API's
``chat()`` find a reply by the last user turn). A case with no recorded reply is a failure.
Lines of an OpenAI batch job's output (``custom_id`` as ``--persona-export-batch`` wrote it) are
read too (backends/batch.py); a request the job failed is a case without a reply.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .base import BackendError, ChatRequest, Progress, Reply

MAX_LINE_BYTES = 16 * 1024 * 1024
_KEYS = {"case", "output", "evalset", "sample", "latency_s", "prompt", "finish_reason", "tokens"}


@dataclass(frozen=True)
class Recorded:
    output: str
    latency_s: float | None
    finish_reason: str | None
    tokens: int | None
    line: int
    error: str | None = None  # a batch job's failure of this request


def read_replay(path: Path) -> tuple[dict[tuple[str | None, str, int], Recorded], dict[str, Recorded]]:
    """Parse and validate a replay file: (by evalset/case/sample, by prompt)."""
    by_case: dict[tuple[str | None, str, int], Recorded] = {}
    by_prompt: dict[str, Recorded] = {}
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise BackendError(f"{path}: cannot read replay file: {exc.strerror or exc}") from None
    with handle:
        for number, raw in enumerate(handle, start=1):
            where = f"{path}:{number}"
            if len(raw) > MAX_LINE_BYTES:
                raise BackendError(f"{where}: line longer than {MAX_LINE_BYTES} bytes")
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise BackendError(f"{where}: not valid UTF-8 ({exc.reason})") from None
            if not text.strip():
                continue
            try:
                record = json.loads(text)
            except (ValueError, RecursionError) as exc:
                raise BackendError(f"{where}: not a JSON object: {exc}") from None
            if not isinstance(record, dict):
                raise BackendError(f"{where}: each line must be a JSON object, got {type(record).__name__}")
            if "custom_id" in record:
                from .batch import output_record

                key, fields = output_record(record, where)
                if key in by_case:
                    raise BackendError(f"{where}: {key[1]!r} (sample {key[2]}) already at line {by_case[key].line}")
                finish, tokens, error = fields.get("finish_reason"), fields.get("tokens"), fields.get("error")
                by_case[key] = Recorded(fields["output"], None, finish, tokens, number, error)
                continue
            unknown = sorted(set(record) - _KEYS)
            if unknown:
                raise BackendError(f"{where}: unknown key {unknown[0]!r}; allowed: {', '.join(sorted(_KEYS))}")
            output = record.get("output")
            if not isinstance(output, str):
                raise BackendError(f'{where}: "output" must be a string')
            case, evalset, prompt = record.get("case"), record.get("evalset"), record.get("prompt")
            if case is None and prompt is None:
                raise BackendError(f'{where}: needs "case" (a case id) or "prompt"')
            for key, value in (("case", case), ("evalset", evalset), ("prompt", prompt)):
                if value is not None and not isinstance(value, str):
                    raise BackendError(f"{where}: {key!r} must be a string")
            sample = record.get("sample", 0)
            if not isinstance(sample, int) or isinstance(sample, bool) or sample < 0:
                raise BackendError(f'{where}: "sample" must be a non-negative integer')
            latency = record.get("latency_s")
            if latency is not None and (not isinstance(latency, (int, float)) or isinstance(latency, bool)):
                raise BackendError(f'{where}: "latency_s" must be a number')
            tokens = record.get("tokens")
            if tokens is not None and (not isinstance(tokens, int) or isinstance(tokens, bool)):
                raise BackendError(f'{where}: "tokens" must be an integer')
            entry = Recorded(output, latency, record.get("finish_reason"), tokens, number)
            if case is not None:
                key = (evalset, case, sample)
                if key in by_case:
                    label = f"case {case!r}" + (f" of evalset {evalset!r}" if evalset else "")
                    raise BackendError(
                        f"{where}: {label} (sample {sample}) already recorded at line {by_case[key].line}"
                    )
                by_case[key] = entry
            if prompt is not None:
                by_prompt.setdefault(prompt.strip(), entry)
    return by_case, by_prompt


class ReplayBackend:
    """Answers from a recorded file; never generates."""

    name = "replay"
    cacheable = False  # the replies are already recorded

    def __init__(self, checkpoint) -> None:
        self.path = Path(checkpoint.target)
        self._by_case, self._by_prompt = read_replay(self.path)

    @staticmethod
    def preflight(checkpoint) -> None:
        read_replay(Path(checkpoint.target))

    def lookup(self, request: ChatRequest) -> Recorded | None:
        if request.case is not None:
            for key in ((request.evalset, request.case, request.sample), (None, request.case, request.sample)):
                if key in self._by_case:
                    return self._by_case[key]
            return None
        last_user = next((m.content for m in reversed(request.messages) if m.role == "user"), "")
        return self._by_prompt.get(last_user.strip())

    def generate(self, requests: Sequence[ChatRequest], progress: Progress | None = None) -> list[Reply]:
        replies = []
        for done, request in enumerate(requests, start=1):
            found = self.lookup(request)
            if found is None:
                replies.append(Reply(text="", error=self._missing(request)))
            elif found.error is not None:
                replies.append(Reply(text="", error=found.error))
            else:
                replies.append(
                    Reply(
                        text=found.output,
                        tokens=found.tokens,
                        latency_s=found.latency_s,
                        finish_reason=found.finish_reason or "stop",
                    )
                )
            if progress is not None:
                progress(done, 0)
        return replies

    def _missing(self, request: ChatRequest) -> str:
        if request.case is None:
            return f'{self.path} has no recorded reply whose "prompt" is the last user turn'
        where = f" of evalset {request.evalset!r}" if request.evalset else ""
        sample = f" (sample {request.sample})" if request.sample else ""
        return f"{self.path} has no recorded reply for case {request.case!r}{where}{sample}"

    def count_tokens(self, text: str) -> int | None:
        return None

    @property
    def special_tokens(self) -> tuple[str, ...]:
        return ()

    def fingerprint(self) -> str:
        from .caching import sha256_file

        return "sha256:" + sha256_file(self.path)

    def close(self) -> None:
        self._by_case, self._by_prompt = {}, {}
