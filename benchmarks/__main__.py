"""`make bench`: every benchmark on this machine, a table on screen, benchmarks/results.json.

python -m benchmarks [--repeats N] [--only gate,prefix,hf,memory,train,replay,scale,decoding,drift,fleet]
python -m benchmarks --table     # the README's Performance table, from benchmarks/results.json
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from benchmarks.common import ROOT, WORK, Measurement, behind, machine, progress

GROUPS = ("gate", "prefix", "hf", "memory", "train", "replay", "scale", "decoding", "drift", "fleet")
RESULTS = ROOT / "benchmarks" / "results.json"


def hf_checkpoint(model: Path) -> Path:
    """The embedded GGUF as an fp16 HF directory, made once and kept in the work directory."""
    from trainers.base_model import gguf_to_hf

    target = WORK / "smollm2-fp16"
    if not (target / "config.json").is_file():
        progress("converting the embedded model to an fp16 HF checkpoint (once)")
        gguf_to_hf(model, target)
    return target


def f16_gguf(hf_dir: Path) -> Path:
    from trainers.export import to_gguf_f16

    target = WORK / "smollm2-f16.gguf"
    if not target.is_file():
        progress("exporting the fp16 checkpoint to an f16 GGUF (once)")
        to_gguf_f16(hf_dir, target, WORK / "export.log")
    return target


def commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def table(measurements: list[Measurement]) -> str:
    rows = [("key", "value", "goal", "met", "behind it")] + [
        (m.key, f"{m.value:.3f}", m.goal, "yes" if m.met else "NO", behind(m.key, m.detail)) for m in measurements
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in rows)


def markdown_table(results: dict) -> str:
    """results.json as the README's Performance table: every key, its value, goal and whether it is met."""
    details = results.get("details", {})
    rows = ["| key | measured | goal | met | the two figures behind it |", "|---|--:|---|---|---|"]
    for key, info in details.items():
        if key not in results:
            continue
        met = "yes" if info.get("met") else "no"
        rows.append(f"| `{key}` | {results[key]:.4g} | {info.get('goal', '')} | {met} | {behind(key, info)} |")
    return "\n".join(rows)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="runs per variant; ratios are of medians (default 3)")
    parser.add_argument("--only", default=",".join(GROUPS), help=f"comma-separated subset of {', '.join(GROUPS)}")
    parser.add_argument("--table", action="store_true", help="print results.json as the README table; run nothing")
    args = parser.parse_args(argv)
    if args.table:
        print(markdown_table(json.loads(RESULTS.read_text("utf-8"))))
        return 0
    chosen = [g.strip() for g in args.only.split(",") if g.strip()]
    unknown = sorted(set(chosen) - set(GROUPS))
    if unknown:
        parser.error(f"--only: unknown {', '.join(unknown)}; choose from {', '.join(GROUPS)}")
    from benchmarks import decoding, drift, fleet, gate, hf_batch, memory, prefix, replay, scale, train_step
    from pytest_persona.backends.embedded import embedded_model_path

    WORK.mkdir(parents=True, exist_ok=True)
    model = embedded_model_path()
    started = time.perf_counter()
    measurements: list[Measurement] = []
    if "gate" in chosen:
        measurements += gate.measure(WORK, model, args.repeats)
    if "prefix" in chosen:
        measurements += prefix.measure(WORK, model, args.repeats)
    if "hf" in chosen:
        measurements += hf_batch.measure(WORK, hf_checkpoint(model), args.repeats)
    if "memory" in chosen:
        hf_dir = hf_checkpoint(model)
        checkpoints = {"q4_1": model, "fp16": hf_dir, "f16_gguf": f16_gguf(hf_dir)}
        measurements += memory.measure(WORK, checkpoints, args.repeats)
    if "train" in chosen:
        measurements += train_step.measure(WORK, hf_checkpoint(model), 1)  # 4 timed steps a side: minutes
    if "replay" in chosen:
        measurements += replay.measure(WORK, args.repeats)
    if "scale" in chosen:
        measurements += scale.measure(WORK, args.repeats)
    if "decoding" in chosen:
        measurements += decoding.measure(WORK, model, args.repeats)
    if "drift" in chosen:
        measurements += drift.measure(WORK, model, args.repeats)
    if "fleet" in chosen:
        measurements += fleet.measure(WORK, model, args.repeats)
    results = json.loads(RESULTS.read_text("utf-8")) if RESULTS.is_file() and set(chosen) != set(GROUPS) else {}
    run = {
        "machine": machine(),
        "commit": commit(),
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": "make bench" if set(chosen) == set(GROUPS) else f"python -m benchmarks --only {','.join(chosen)}",
        "repeats": args.repeats,
    }
    results.update({m.key: round(m.value, 4) for m in measurements})
    details = results.setdefault("details", {})
    # each key says which run measured it: a partial run leaves the other keys' provenance alone
    details.update({m.key: {"goal": m.goal, "met": m.met, **m.detail, "measured_by": run} for m in measurements})
    results.update({**run, "seconds": round(time.perf_counter() - started)})  # the latest run
    RESULTS.write_text(json.dumps(results, indent=2, default=float) + "\n", encoding="utf-8")
    print(table(measurements))
    print(f"\nwrote {RESULTS.relative_to(ROOT)} ({results['seconds']} s on {results['machine']['cores']} cores)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
