"""``fleet_speedup``: two single-thread llama-cpp-python servers behind one checkpoint against one
two-thread server, the same eval set, gated as whole processes; replies must be identical.

llama-cpp-python's server answers one request at a time, so a second replica is how a second
core is put to work on a server checkpoint.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from benchmarks.common import Measurement, median, progress, pytest_command, report_outputs, run
from benchmarks.workload import write_evalsets

CASES = 16


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def servers(model: Path, threads: list[int], log_dir: Path) -> Iterator[list[str]]:
    """``python -m llama_cpp.server`` per entry of ``threads``, on loopback; their /v1 URLs."""
    processes, urls, logs = [], [], []
    try:
        for index, count in enumerate(threads):
            port = _free_port()
            logs.append(log_dir / f"server-{index}-{count}t.log")
            command = [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--host", "127.0.0.1"]
            command += ["--port", str(port), "--n_ctx", "2048", "--n_threads", str(count)]
            with logs[-1].open("wb") as log:  # the child keeps its own handle
                processes.append(subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT))
            urls.append(f"http://127.0.0.1:{port}/v1")
        deadline = time.monotonic() + 180
        for url, process in zip(urls, processes, strict=True):
            while True:
                try:
                    with urllib.request.urlopen(url + "/models", timeout=2) as response:
                        if response.status == 200:
                            break
                except OSError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    tail = logs[urls.index(url)].read_text("utf-8", errors="replace")[-3000:]
                    raise RuntimeError(f"llama_cpp.server at {url} did not start:\n{tail}")
                time.sleep(0.5)
        yield urls
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def measure(work: Path, model: Path, repeats: int) -> list[Measurement]:
    folder = work / "fleet"
    shutil.rmtree(folder, ignore_errors=True)
    evalsets = [p.name for p in write_evalsets(folder, CASES, parts=1)]
    times: dict[str, list[float]] = {"one_two_thread_server": [], "two_one_thread_replicas": []}
    with servers(model, [2, 1, 1], folder) as (big, small_a, small_b):
        for repeat in range(repeats):
            progress(f"fleet: repeat {repeat + 1}/{repeats} (one 2-thread server, two 1-thread replicas)")
            elapsed, _ = run(pytest_command(*evalsets, "--model", f"srv={big}", "--persona-report", "one.json"), folder)
            times["one_two_thread_server"].append(elapsed)
            fleet = [
                "--model",
                f"srv={small_a}",
                "--persona-replicas",
                f"srv={small_b}",
                "--persona-report",
                "two.json",
            ]
            elapsed, _ = run(pytest_command(*evalsets, *fleet), folder)
            times["two_one_thread_replicas"].append(elapsed)
    one, two = report_outputs(folder / "one.json"), report_outputs(folder / "two.json")
    identical = sum(one[key][0] == two[key][0] for key in one)
    speedup = median(times["one_two_thread_server"]) / median(times["two_one_thread_replicas"])
    return [
        Measurement(
            "fleet_speedup",
            speedup,
            ">= 1.3 with identical replies",
            speedup >= 1.3 and identical == len(one),
            {
                "cases": CASES,
                "one_two_thread_server_s": median(times["one_two_thread_server"]),
                "two_one_thread_replicas_s": median(times["two_one_thread_replicas"]),
                "replies_identical": f"{identical}/{len(one)}",
            },
        )
    ]
