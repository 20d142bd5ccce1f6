"""What every benchmark shares: a work directory, timed subprocesses, medians, the machine."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "benchmarks" / ".work"


@dataclass
class Measurement:
    """One key of results.json: the ratio, its goal, and the figures behind it."""

    key: str
    value: float
    goal: str
    met: bool
    detail: dict[str, Any] = field(default_factory=dict)


# The two figures behind each key (names in its details), printed beside the ratio.
BEHIND: dict[str, tuple[str, str]] = {
    "overhead_ratio": ("gate_s", "bare_s"),
    "warm_cache_ratio": ("josi_warm_wall_s", "josi_cold_wall_s"),
    "xdist_speedup": ("n0_s", "n2_s"),
    "prefix_reuse_speedup": ("fresh_s", "reused_s"),
    "hf_batch_speedup": ("one_at_a_time_s", "batch_8_s"),
    "peak_rss_ratio": ("peak_mib_all_three", "peak_mib_largest_alone"),
    "train_step_ratio": ("persona_train_step_s", "plain_trl_step_s"),
    "checks_collection_ms_per_case": ("checks_ms_per_case_josi", "collection_ms_per_case"),
    "replay_10k_half_failing_ratio": ("persona_s", "plain_pytest_s"),
    "plugin_import_ms": ("cpu_with_plugin_ms", "cpu_without_ms"),
    "mcnemar_10k_ms": ("regressions", "improvements"),
    "constrained_decode_ratio": ("constrained_ms_per_token", "free_ms_per_token"),
    "drift_cost_ratio": ("drift_s", "forward_s"),
    "fleet_speedup": ("one_two_thread_server_s", "two_one_thread_replicas_s"),
}


def behind(key: str, detail: dict[str, Any]) -> str:
    """``name a = x, name b = y`` for a key, from its details; empty where a figure is missing."""
    shown = []
    for name in BEHIND.get(key, ()):
        value = detail.get(name)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            shown.append(f"{name} {value:.4g}")
    return ", ".join(shown)


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def machine() -> dict[str, Any]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        total = next(line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
        memory = f"{int(total.split()[1]) / 2**20:.0f} GiB"
    except (OSError, StopIteration):
        pass
    return {
        "cpu": model or platform.processor(),
        "cores": cores(),
        "memory": memory,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def run(command: Sequence[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, str]:
    """Run a command, return (wall seconds, stdout); a failure stops the benchmark with its output."""
    started = time.perf_counter()
    done = subprocess.run(
        list(command), cwd=cwd, capture_output=True, text=True, env={**os.environ, **(env or {})}, check=False
    )
    elapsed = time.perf_counter() - started
    if done.returncode not in (0, 1):  # pytest: 1 = some cases failed, which is a verdict, not an error
        raise RuntimeError(
            f"{' '.join(command)} exited {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        )
    return elapsed, done.stdout


def pytest_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "--no-header", *args]


def report_outputs(path: Path) -> dict[tuple[str, str, str], tuple[str, bool, bool]]:
    """(evalset, case, checkpoint) -> (reply, passed, cached) from a JSON report."""
    report = json.loads(path.read_text("utf-8"))
    return {
        (r["evalset"], r["case"], r["checkpoint"]): (r.get("output", ""), bool(r.get("passed")), bool(r.get("cached")))
        for r in report["results"]
    }


def progress(message: str) -> None:
    print(f"  … {message}", file=sys.stderr, flush=True)


def session_seconds(stdout: str) -> float:
    """pytest's own session time ("... in 12.34s"), which leaves out interpreter start and imports."""
    import re

    found = re.findall(r" in ([0-9.]+)s", stdout)
    if not found:
        raise RuntimeError(f"no session time in pytest's output:\n{stdout[-2000:]}")
    return float(found[-1])
