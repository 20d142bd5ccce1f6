"""OpenAI batch files: a run's requests written out, and a batch job's output read back.

``--persona-export-batch DIR`` writes one ``<checkpoint>.batch.jsonl`` per checkpoint in the
OpenAI Batch API's input format (``custom_id`` = ``evalset::case::sample``, ``method``, ``url``
and the exact chat-completions ``body`` the server backend would send), so a cluster (``vllm
run-batch``, a provider's batch API, a Ray Data job) generates and any laptop gates: the output
file (``{"custom_id", "response": {"status_code", "body"}, "error"}`` a line) is a replay file.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .base import BackendError, ChatRequest
from .openai import chat_body, read_completion

URL = "/v1/chat/completions"
SEPARATOR = "::"  # eval-set names and case ids cannot contain ':'


def custom_id(request: ChatRequest) -> str:
    return SEPARATOR.join((request.evalset or "", request.case or "", str(request.sample)))


def parse_custom_id(value: Any, where: str) -> tuple[str | None, str, int]:
    """(evalset, case, sample) from ``evalset::case::sample``; a BackendError names the line."""
    parts = value.split(SEPARATOR) if isinstance(value, str) else []
    if len(parts) != 3 or not parts[1] or not parts[2].isdigit():
        raise BackendError(f'{where}: "custom_id" must be evalset::case::sample (as exported), got {value!r}')
    return parts[0] or None, parts[1], int(parts[2])


def batch_lines(requests: Iterable[ChatRequest], model: str) -> list[str]:
    return [
        json.dumps(
            {"custom_id": custom_id(r), "method": "POST", "url": URL, "body": chat_body(r, model)}, ensure_ascii=False
        )
        + "\n"
        for r in requests
    ]


def write_batch(path: Path, requests: Iterable[ChatRequest], model: str) -> int:
    """Write the batch file whole (a temporary file renamed into place); the number of requests."""
    lines = batch_lines(requests, model)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    temporary.write_text("".join(lines), encoding="utf-8")
    os.replace(temporary, path)
    return len(lines)


def output_record(record: Mapping[str, Any], where: str) -> tuple[tuple[str | None, str, int], dict[str, Any]]:
    """One batch output line as (key, fields of a recorded reply: output, tokens, finish_reason, error)."""
    key = parse_custom_id(record.get("custom_id"), where)
    error = record.get("error")
    response = record.get("response")
    if error:
        message = error.get("message") if isinstance(error, Mapping) else error
        return key, {"output": "", "error": f"{where}: the batch job failed this request: {message}"}
    if not isinstance(response, Mapping):
        raise BackendError(f'{where}: a batch output line needs "response" (or "error")')
    status = response.get("status_code")
    body = response.get("body")
    if status != 200:
        detail = body.get("error", {}).get("message") if isinstance(body, Mapping) else None
        return key, {"output": "", "error": f"{where}: the batch job answered HTTP {status}: {detail or body!r}"[:500]}
    try:
        done = read_completion(body)
    except ValueError as exc:
        raise BackendError(f"{where}: unexpected chat-completion shape in the batch output: {exc}") from None
    return key, {"output": done.text, "tokens": done.tokens, "finish_reason": done.finish_reason}
