"""Native-crash isolation: a GGUF is test-loaded by llama.cpp in a child process before this one loads it.

A file can pass the Python checks of gguf.py and still make llama.cpp abort (a failed GGML_ASSERT
is a SIGABRT) or segfault, which would take the whole pytest run down with it. A short test load
in a child process (the model, a small context, one generated token) turns that into a
BackendError naming the file, the signal and llama.cpp's last log lines. A clean test load is
remembered per file in this process and as a marker file in the cache directory, keyed by the
llama-cpp-python version and the artifact's content fingerprint (with the generation cache on) or
its path, size, mtime and inode (with it off, so that no cache database is opened), so a file
costs one child process per cache directory.
``python -m pytest_persona.backends.llama_cpp.isolation FILE`` is the child.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from ..base import BackendError

TIMEOUT_S = 120.0  # checkpoint option ``probe_timeout_s``
N_CTX = 256
TAIL_LINES = 8
LINE_CHARS = 300
MARKERS = "gguf-probes"  # under the cache directory
SCHEME = "load+1-token/1"  # what a test load does; part of the marker key
OK = "persona-probe-ok"
EXIT_LOAD_FAILED = 3  # the child's exit status when llama-cpp-python raised instead of crashing

_loaded: set[tuple[Any, ...]] = set()  # (path, size, mtime, inode, version) of files that loaded cleanly here


def llama_cpp_version() -> str:
    try:
        return version("llama-cpp-python")
    except PackageNotFoundError:
        return "unknown"


def ensure_loads(checkpoint: Any) -> None:
    """Raise BackendError unless the checkpoint's GGUF survives a test load in a child process.

    Skipped with the checkpoint option ``probe: False``; the marker directory is the option
    ``probe_cache_dir``, which the plugin sets to the cache directory (``probe_by_content: False``
    when the generation cache is off).
    """
    if not checkpoint.options.probe:
        return
    path = Path(checkpoint.target)
    llama_version = llama_cpp_version()
    try:
        stat = path.stat()
    except OSError as exc:
        raise BackendError(f"{path}: cannot read: {exc.strerror or exc}") from None
    identity = (str(path.resolve()), stat.st_size, stat.st_mtime_ns, stat.st_ino, llama_version)
    if identity in _loaded:
        return
    marker = _marker(checkpoint, identity)
    if marker is None or not marker.is_file():
        threads = checkpoint.options.threads or min(4, os.cpu_count() or 1)
        probe(path, timeout_s=float(checkpoint.options.probe_timeout_s or TIMEOUT_S), threads=threads)
        if marker is not None:
            _write_marker(marker, {"path": str(path), "llama-cpp-python": llama_version, "scheme": SCHEME})
    _loaded.add(identity)


def probe(path: Path, timeout_s: float = TIMEOUT_S, threads: int = 1, n_ctx: int = N_CTX) -> None:
    """Test-load ``path`` in a child process; a crash, a hang or a load failure is a BackendError."""
    if not sys.executable:
        raise BackendError(f"{path}: cannot test-load it in a child process: no Python executable is known")
    command = [sys.executable, "-m", __name__, str(path), "--n-ctx", str(n_ctx), "--threads", str(threads)]
    # GGML_NO_BACKTRACE: ggml would otherwise attach gdb to the aborting child to print a backtrace
    env = {**os.environ, "GGML_NO_BACKTRACE": "1"}
    try:
        done = subprocess.run(command, capture_output=True, timeout=timeout_s, env=env, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as exc:
        raise BackendError(
            f"{path}: llama.cpp did not finish a test load (load, generate one token) within {timeout_s:g} s "
            f"in a child process, which was stopped{_tail(exc.stderr)}"
        ) from None
    except OSError as exc:
        raise BackendError(f"{path}: cannot test-load it in a child process: {exc}") from None
    status, tail = done.returncode, _tail(done.stderr)
    if status == 0 and OK.encode() in done.stdout:
        return
    if status < 0:
        raise BackendError(
            f"{path}: llama.cpp crashed ({_signal_name(-status)}) while test-loading it in a child process; "
            f"loaded here it would have taken the test run down{tail}"
        )
    if status == EXIT_LOAD_FAILED:
        raise BackendError(f"{path}: llama.cpp could not load it (test load in a child process){tail}")
    raise BackendError(f"{path}: the test load in a child process failed with exit status {status}{tail}")


def _signal_name(number: int) -> str:
    try:
        return f"{signal.Signals(number).name}, signal {number}"
    except ValueError:
        return f"signal {number}"


def _tail(stderr: bytes | None) -> str:
    """The child's last stderr lines (llama.cpp's log, a failed GGML_ASSERT), as a block to append."""
    lines = [line.strip() for line in (stderr or b"").decode("utf-8", errors="replace").splitlines()]
    kept = [line if len(line) <= LINE_CHARS else line[:LINE_CHARS] + "…" for line in lines if line][-TAIL_LINES:]
    return "".join(f"\n  {line}" for line in kept)


def _marker(checkpoint: Any, identity: tuple[Any, ...]) -> Path | None:
    """The marker file of this artifact and llama-cpp-python version, or None without a directory.

    ``identity`` is (path, size, mtime, inode, llama-cpp-python version)."""
    directory = checkpoint.options.probe_cache_dir
    if not directory:
        return None
    if checkpoint.options.probe_by_content:
        from ..caching import GenerationCache
        from ..fingerprint import artifact_fingerprint

        cache = GenerationCache(Path(directory))
        try:  # the cache remembers file digests by path, size and mtime: a big file is hashed once
            fingerprint = artifact_fingerprint(checkpoint, cache.file_digest)
        finally:
            cache.close()
        key = json.dumps([fingerprint, identity[-1], SCHEME])
    else:  # no cache database to lend a content fingerprint: the file's identity on disk
        key = json.dumps(["file", *identity, SCHEME])
    return Path(directory) / MARKERS / f"{hashlib.sha256(key.encode('utf-8')).hexdigest()}.ok"


def _write_marker(marker: Path, record: dict[str, str]) -> None:
    """Written whole or not at all (a temporary file renamed into place); a failure costs a probe later."""
    try:
        marker.parent.mkdir(parents=True, exist_ok=True)
        temporary = marker.with_name(f"{marker.name}.{os.getpid()}.tmp")
        temporary.write_text(json.dumps(record | {"time": time.time()}) + "\n", encoding="utf-8")
        os.replace(temporary, marker)
    except OSError:
        pass


def main(argv: list[str] | None = None) -> int:
    """The child: load the model, generate one token, print OK. llama.cpp's log goes to stderr."""
    prog = "python -m pytest_persona.backends.llama_cpp.isolation"
    parser = argparse.ArgumentParser(prog=prog, description=main.__doc__)
    parser.add_argument("path")
    parser.add_argument("--n-ctx", type=int, default=N_CTX)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)

    import ctypes

    import llama_cpp

    @llama_cpp.llama_log_callback
    def log(level: int, text: bytes | None, user_data: ctypes.c_void_p) -> None:
        if text:
            os.write(2, text)

    llama_cpp.llama_log_set(log, ctypes.c_void_p(0))
    # verbose=False would point file descriptor 2 at /dev/null while the model loads, and with it the
    # message of a failed GGML_ASSERT; instead llama-cpp-python's own chatter goes to /dev/null
    sys.stdout = sys.stderr = open(os.devnull, "w")
    try:
        llm = llama_cpp.Llama(
            model_path=args.path,
            n_ctx=args.n_ctx,
            n_batch=args.n_ctx,
            n_threads=args.threads,
            n_threads_batch=args.threads,
            seed=0,
            verbose=True,
        )
        tokens = llm.tokenize(b"Hello", add_bos=True, special=False)
        llm.create_completion(tokens, max_tokens=1, temperature=0.0, top_k=1, repeat_penalty=1.0)
        llm.close()
    except Exception as exc:  # llama-cpp-python's own errors: the file does not load
        os.write(2, f"{type(exc).__name__}: {exc}\n".encode("utf-8", errors="replace"))
        return EXIT_LOAD_FAILED
    os.write(1, f"{OK}\n".encode())
    return 0


if __name__ == "__main__":
    sys.exit(main())
