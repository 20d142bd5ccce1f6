"""``persona-train``: one command per stage, and ``run`` for all of them from one YAML config.

    persona-train run CONFIG --out DIR [--max-steps N] [--set sft.lora_r=8 ...]
    persona-train check-data CONFIG [--out DIR]
    persona-train {base,split,sft,prefer,merge,export} CONFIG --out DIR
    persona-train pairs REPORT.json [--config CONFIG] [--out PAIRS.jsonl]
    persona-train select RUN_DIR --report DEV.json    (record every checkpoint's pass rate and the choice)

Exit codes: 0 done, 1 the data (or pairs) broke a hygiene rule, 2 bad config, arguments or pair
file, 3 a stage failed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from trainers.config import ConfigError, RunConfig, load_config
from trainers.launch import world
from trainers.pairs import LeakageError, PairsError
from trainers.pipeline import (
    StageError,
    stage_base,
    stage_check_data,
    stage_export,
    stage_merge,
    stage_prefer,
    stage_sft,
    stage_split,
    write_manifest,
)

STAGES = ("base", "check-data", "split", "sft", "prefer", "merge", "export", "run")


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
    pairs = commands.add_parser("pairs", help="preference pairs (JSONL) from a gate report on a development eval set")
    pairs.add_argument("report", type=Path, help="a --persona-report JSON made on a development eval set")
    pairs.add_argument("--config", type=Path, help="training config: prefer.dev_eval_sets, chosen replies, data")
    pairs.add_argument("--out", type=Path, help="pairs file (default: prefer.pairs, else REPORT.pairs.jsonl)")
    pairs.add_argument("--evalset", type=Path, action="append", default=[], help="a development eval set (repeatable)")
    pairs.add_argument("--checkpoint", help="the report checkpoint to improve (prefer.checkpoint)")
    pairs.add_argument("--reference", help="a report checkpoint whose passing replies may be chosen")
    pairs.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a config key")
    select = commands.add_parser("select", help="choose the run's checkpoint by its gate pass rate (ties: eval loss)")
    select.add_argument("run_dir", type=Path, help="a run directory with manifest.json")
    select.add_argument("--report", type=Path, required=True, help="the JSON report of --model-manifest on a dev set")
    return main


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.stage == "pairs":
        return pairs_command(args)
    if args.stage == "select":
        return select_command(args.run_dir, args.report)
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
    except LeakageError as exc:
        print(f"persona-train {args.stage}: {exc}", file=sys.stderr)
        return 1
    except PairsError as exc:
        print(f"persona-train {args.stage}: {exc}", file=sys.stderr)
        return 2
    except (StageError, OSError, ValueError, RuntimeError) as exc:
        print(f"persona-train {args.stage}: {exc}", file=sys.stderr)
        return 3


def select_command(run_dir: Path, report_path: Path) -> int:
    """Record every gated checkpoint's pass rate and the chosen one (with why) in the run's manifest."""
    from trainers.pairs import load_report
    from trainers.pipeline import MANIFEST
    from trainers.selection import CheckpointResult, eval_loss_at, gate_results, select_checkpoint

    try:
        manifest = json.loads((run_dir / MANIFEST).read_text("utf-8"))
        report = load_report(report_path)
    except (OSError, ValueError) as exc:
        print(f"persona-train select: {exc}", file=sys.stderr)
        return 2
    names = [a.get("name") or a["kind"] for a in manifest.get("artifacts", [])]
    gated = gate_results(report, names)
    if not gated:
        print(f"persona-train select: {report_path} gates none of {', '.join(names)}", file=sys.stderr)
        return 2
    curve_file = run_dir / "loss_curve.json"
    curve = json.loads(curve_file.read_text("utf-8")) if curve_file.is_file() else []
    final = (manifest.get("metrics", {}).get("sft") or {}).get("steps")
    results = []
    for name in names:
        if name not in gated or not gated[name][1]:
            continue
        passed, cases = gated[name]
        step = int(name.rsplit("-", 1)[1]) if name.startswith("sft-step-") else (final if name == "adapter" else None)
        results.append(CheckpointResult(name, passed / cases, passed, cases, eval_loss_at(curve, step), step))
    selection = select_checkpoint(results)
    manifest["selection"] = {"report": str(report_path), **selection.as_dict()}
    (run_dir / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
    print(json.dumps(manifest["selection"], indent=1))
    return 0


def pairs_command(args: argparse.Namespace) -> int:
    """``persona-train pairs``: build, check and write the pairs; print a summary (pairs, sources, dropped)."""
    from pytest_persona.core.evalset import EvalSetError, load_evalset
    from trainers.config import PreferConfig
    from trainers.hygiene import DatasetError
    from trainers.pairs import build_pairs, load_chosen_file, load_report, write_pairs
    from trainers.pipeline import release_evalsets, training_examples

    try:
        config = load_config(args.config, args.set) if args.config else None
        prefer = (config.prefer if config else None) or PreferConfig()
        dev_paths = [config.resolve(p) for p in prefer.dev_eval_sets] if config else []
        dev = [load_evalset(p) for p in [*dev_paths, *args.evalset]]
        if not dev:
            raise PairsError("name the development eval set the report was made on: prefer.dev_eval_sets or --evalset")
        release = release_evalsets(config) if config else []
        chosen = dict(load_chosen_file(config.resolve(prefer.chosen_file))) if config and prefer.chosen_file else {}
        chosen.update(prefer.chosen)
        training = training_examples(config)[0] if config else []
        built = build_pairs(
            load_report(args.report),
            args.report,
            dev,
            release,
            checkpoint=args.checkpoint or prefer.checkpoint,
            reference=args.reference or prefer.reference,
            chosen=chosen,
            training=training,
            threshold=config.data.near_duplicate_threshold if config else 0.9,
        )
    except LeakageError as exc:
        print(f"persona-train pairs: {exc}", file=sys.stderr)
        return 1
    except (ConfigError, PairsError, EvalSetError, DatasetError, StageError) as exc:
        print(f"persona-train pairs: {exc}", file=sys.stderr)
        return 2
    if config and prefer.pairs and args.out is None:
        out = config.resolve(prefer.pairs)
    else:
        out = args.out or args.report.with_suffix(".pairs.jsonl")
    write_pairs(out, built.pairs)
    print(json.dumps({"written": str(out), **built.summary()}, indent=1, ensure_ascii=False))
    return 0 if built.pairs else 3


def run_stage(stage: str, config: RunConfig, out: Path | None) -> int:
    """Run one stage; only check-data may go without a run directory (it then writes nothing)."""
    if stage == "check-data":
        report = stage_check_data(config, out)
        print(report.as_table())
        return 0 if report.passed else 1
    assert out is not None  # argparse requires --out for every other stage
    if stage == "run":
        return run_all(config, out)
    action = {
        "base": stage_base,
        "split": stage_split,
        "sft": stage_sft,
        "prefer": stage_prefer,
        "merge": stage_merge,
        "export": stage_export,
    }
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
    stages = [("base", stage_base), ("split", stage_split), ("sft", stage_sft)]
    if config.prefer is not None:
        stages.append(("prefer", stage_prefer))
    for name, stage in (*stages, ("merge", stage_merge), ("export", stage_export)):
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
