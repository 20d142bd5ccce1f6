"""``persona-train``: one command per stage, and ``run`` for all of them from one YAML config.

    persona-train run CONFIG --out DIR [--max-steps N] [--set sft.lora_r=8 ...]
    persona-train check-data CONFIG [--out DIR]
    persona-train {base,split,sft,merge,export} CONFIG --out DIR

Exit codes: 0 done, 1 the data broke a hygiene rule, 2 bad config or arguments, 3 a stage failed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from trainers.config import ConfigError, RunConfig, load_config
from trainers.launch import world
from trainers.pipeline import (
    StageError,
    stage_base,
    stage_check_data,
    stage_export,
    stage_merge,
    stage_sft,
    stage_split,
    write_manifest,
)

STAGES = ("base", "check-data", "split", "sft", "merge", "export", "run")


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="persona-train", description=__doc__.splitlines()[0])
    commands = main.add_subparsers(dest="stage", required=True, metavar="STAGE")
    for stage in STAGES:
        sub = commands.add_parser(stage, help=f"run the {stage} stage" if stage != "run" else "run every stage")
        sub.add_argument("config", type=Path, help="training config (YAML)")
        sub.add_argument(
            "--out",
            type=Path,
            required=stage != "check-data",
            help="run directory (check-data: where to write its report)",
        )
        sub.add_argument("--max-steps", type=int, help="override sft.max_steps")
        sub.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a config key")
    return main


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    overrides = list(args.set) + ([f"sft.max_steps={args.max_steps}"] if args.max_steps is not None else [])
    try:
        config = load_config(args.config, overrides)
    except ConfigError as exc:
        print(f"persona-train: {exc}", file=sys.stderr)
        return 2
    launched = world()
    if launched.size > 1 and args.stage != "sft":
        # every rank says it: the launcher stops the others as soon as the first one exits
        print(
            f"persona-train {args.stage}: runs in one process, but was launched on {launched.size}; only sft "
            "runs under torchrun or accelerate launch (run base, split, merge and export without a launcher)",
            file=sys.stderr,
            flush=True,
        )
        return 2
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
    try:
        return run_stage(args.stage, config, args.out)
    except ConfigError as exc:  # a setting this machine cannot meet (sft.qlora on a CPU, a tracker not installed)
        print(f"persona-train {args.stage}: {exc}", file=sys.stderr)
        return 2
    except (StageError, OSError, ValueError, RuntimeError) as exc:
        print(f"persona-train {args.stage}: {exc}", file=sys.stderr)
        return 3


def run_stage(stage: str, config: RunConfig, out: Path | None) -> int:
    """Run one stage; only check-data may go without a run directory (it then writes nothing)."""
    if stage == "check-data":
        report = stage_check_data(config, out)
        print(report.as_table())
        return 0 if report.passed else 1
    assert out is not None  # argparse requires --out for every other stage
    if stage == "run":
        return run_all(config, out)
    action = {"base": stage_base, "split": stage_split, "sft": stage_sft, "merge": stage_merge, "export": stage_export}
    result = action[stage](config, out)
    if world().main:  # under a launcher, the main process speaks for all of them
        print(json.dumps(result, indent=1, default=str) if isinstance(result, dict) else result)
    return 0


def run_all(config: RunConfig, out: Path) -> int:
    """clean → SFT (LoRA) → merge → GGUF f16 → quantized, then the manifest."""
    metrics: dict[str, object] = {}
    report = stage_check_data(config, out)
    print(report.as_table())
    if not report.passed:
        print("persona-train run: the data broke hygiene rules; fix them first", file=sys.stderr)
        return 1
    for name, stage in (("base", stage_base), ("split", stage_split), ("sft", stage_sft), ("merge", stage_merge),
                        ("export", stage_export)):  # fmt: skip
        started = time.monotonic()
        print(f"persona-train: {name} …", flush=True)
        result = stage(config, out)
        metrics[name] = result if isinstance(result, dict) else {"output": str(result)}
        metrics[f"{name}_seconds"] = round(time.monotonic() - started, 1)
    manifest = write_manifest(config, out, metrics)
    print(f"persona-train: done; gate every checkpoint with: pytest --model-manifest {manifest}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
