"""Peak memory gating three checkpoints of one model ÷ the peak of the largest gated alone: each
checkpoint is loaded when its items start and released before the next one."""

from __future__ import annotations

import sys
from pathlib import Path

from benchmarks.common import ROOT, Measurement, median, progress, run
from benchmarks.workload import write_evalsets


def peak_kib(work: Path, models: list[tuple[str, Path]], tag: str) -> float:
    out = work / f"rss-{tag}.txt"
    args = [arg for name, path in models for arg in ("--model", f"{name}={path}")]
    command = [
        sys.executable,
        str(ROOT / "benchmarks" / "peak_rss.py"),
        str(out),
        "-p",
        "no:cacheprovider",
        "-q",
        "--persona-cache",
        "off",
        *sorted(p.name for p in (work / "memory").glob("*.yaml")),
        *args,
    ]
    run(command, cwd=work / "memory")
    return float(out.read_text())


def measure(work: Path, checkpoints: dict[str, Path], repeats: int) -> list[Measurement]:
    write_evalsets(work / "memory", 6, parts=1)
    alone: dict[str, list[float]] = {name: [] for name in checkpoints}
    together: list[float] = []
    for repeat in range(repeats):
        progress(f"peak memory: repeat {repeat + 1}/{repeats}")
        for name, path in checkpoints.items():
            alone[name].append(peak_kib(work, [(name, path)], name))
        together.append(peak_kib(work, list(checkpoints.items()), "all"))
    peaks = {name: median(values) for name, values in alone.items()}
    largest = max(peaks, key=peaks.__getitem__)
    ratio = median(together) / peaks[largest]
    return [
        Measurement(
            "peak_rss_ratio",
            ratio,
            "<= 1.2",
            ratio <= 1.2,
            {
                "peak_mib_alone": {name: round(kib / 1024) for name, kib in peaks.items()},
                "peak_mib_all_three": round(median(together) / 1024),
                "largest": largest,
                "peak_mib_largest_alone": round(peaks[largest] / 1024),
            },
        ),
    ]
