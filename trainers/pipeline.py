"""The stages of a training run, each ``stage(config, out)`` on one run directory:

out/base/            fp16 HF checkpoint made from the base GGUF
out/data/            hygiene report, cleaned and split train/val JSONL
out/adapter/         LoRA adapter (+ tokenizer), out/loss_curve.json
out/sft-merged/      with a prefer: block, the SFT adapter merged (the preference stage's base)
out/prefer-adapter/  with a prefer: block, the DPO/ORPO LoRA adapter, out/prefer_curve.json
out/merged/          merged fp16 checkpoint (SFT, and preference when configured)
out/gguf/            <name>-f16.gguf, <name>-q4_k_m.gguf, export.log
out/manifest.json    every artifact with its kind, sha256, base, data hash, config, metrics
"""

from __future__ import annotations

import json
import os
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from pytest_persona.backends import Checkpoint
from pytest_persona.backends.caching import sha256_file
from pytest_persona.backends.embedded import ALIASES, embedded_model_path
from pytest_persona.backends.fingerprint import artifact_fingerprint
from trainers.config import RunConfig

MANIFEST = "manifest.json"
FORMAT = "persona-train/1"


class StageError(RuntimeError):
    """A stage cannot run (a missing input, a failed verification); the message says why."""


def base_gguf(config: RunConfig) -> Path:
    return embedded_model_path(config.base) if config.base in ALIASES else config.resolve(config.base)


def stage_base(config: RunConfig, out: Path) -> Path:
    """fp16 HF checkpoint from the base GGUF (skipped when it is already there)."""
    from trainers.base_model import gguf_to_hf

    target = out / "base"
    if (target / "config.json").is_file():
        return target
    source = base_gguf(config)
    if not source.is_file():
        raise StageError(f"base: {source} does not exist")
    return gguf_to_hf(source, target)


def training_examples(config: RunConfig) -> tuple[list[Any], list[Any] | None]:
    """The training examples: data.train, or the data.sources mix (with its achieved shares)."""
    from trainers.hygiene import load_examples
    from trainers.mixing import MixError, mix_sources

    if not config.data.sources:
        return load_examples(config.resolve(config.data.train or "")), None
    sources = [(config.resolve(s.path), s.share) for s in config.data.sources]
    try:
        return mix_sources(sources, config.data.seed, config.data.mix_size)
    except MixError as exc:
        raise StageError(f"{config.source}: {exc}") from None


def hygiene_report(config: RunConfig) -> Any:
    """Load the training data and the eval sets, run every hygiene rule; a mix is recorded in the stats."""
    from pytest_persona.core.evalset import load_evalset
    from trainers.hygiene import check_dataset, eval_prompts

    examples, mix = training_examples(config)
    evalsets = [load_evalset(config.resolve(p)) for p in config.data.eval_sets]
    report = check_dataset(examples, hygiene_config(config), eval_prompts(evalsets))
    if mix is not None:
        report = replace(report, stats={**report.stats, "sources": [part.as_dict() for part in mix]})
    return examples, report


def hygiene_config(config: RunConfig) -> Any:
    from trainers.hygiene import HygieneConfig

    return HygieneConfig(
        system_prompt=config.data.system_prompt,
        near_duplicate_threshold=config.data.near_duplicate_threshold,
        balance={tag: (bounds[0], bounds[1]) for tag, bounds in config.data.balance.items()},
    )


def stage_check_data(config: RunConfig, out: Path | None) -> Any:
    """The hygiene report, also written (table and JSON) under ``out/data`` when ``out`` is given."""
    _, report = hygiene_report(config)
    if out is None:
        return report
    data = out / "data"
    data.mkdir(parents=True, exist_ok=True)
    (data / "hygiene.json").write_text(json.dumps(report.as_dict(), indent=1, ensure_ascii=False), encoding="utf-8")
    (data / "hygiene.txt").write_text(report.as_table(), encoding="utf-8")
    return report


def stage_split(config: RunConfig, out: Path) -> tuple[Path, Path]:
    """Clean (no duplicates, system prompt injected), then a seeded split stratified by tag.

    Cleaning removes every near-duplicate pair first, so no near-duplicate group can straddle
    the split."""
    from trainers.hygiene import clean

    examples = clean(training_examples(config)[0], hygiene_config(config))
    by_tag: dict[str, list[Any]] = defaultdict(list)
    for example in examples:
        by_tag[example.tags[0] if example.tags else ""].append(example)
    rng = random.Random(config.data.seed)
    train, val = [], []
    for tag in sorted(by_tag):
        group = by_tag[tag]
        rng.shuffle(group)
        held = round(len(group) * config.data.val_fraction) if len(group) > 1 else 0
        val.extend(group[:held])
        train.extend(group[held:])
    data = out / "data"
    data.mkdir(parents=True, exist_ok=True)
    return write_examples(data / "train.jsonl", train), write_examples(data / "val.jsonl", val)


def write_examples(path: Path, examples: Sequence[Any]) -> Path:
    lines = []
    for example in examples:
        record: dict[str, Any] = {"messages": [{"role": m.role, "content": m.content} for m in example.messages]}
        if example.tags:
            record["tags"] = list(example.tags)
        lines.append(json.dumps(record, ensure_ascii=False))
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def stage_sft(config: RunConfig, out: Path) -> dict[str, Any]:
    from trainers.hygiene import load_examples
    from trainers.sft import train

    base = out / "base"
    train_file, val_file = out / "data" / "train.jsonl", out / "data" / "val.jsonl"
    for needed in (base / "config.json", train_file):
        if not needed.exists():
            raise StageError(f"sft: {needed} is missing; run the base and split stages first")
    val = load_examples(val_file) if val_file.is_file() and val_file.stat().st_size else []
    metrics = train(base, load_examples(train_file), val, config.sft, out)
    from trainers.launch import world

    if world().main:  # under a launcher only the main process wrote the adapter
        _relative_base(out / "adapter", base)
        for saved in step_adapters(out):
            _relative_base(saved, base)
    return metrics


def step_adapters(out: Path) -> list[Path]:
    """The adapters SFT saved every sft.save_every steps, in step order."""
    from trainers.sft import STEP_ADAPTERS

    return sorted((out / STEP_ADAPTERS).glob("step-*"), key=lambda p: int(p.name.split("-")[1]))


def _relative_base(adapter: Path, base: Path) -> None:
    """Point the adapter at its base by a relative path, so the run directory can move."""
    path = adapter / "adapter_config.json"
    settings = json.loads(path.read_text("utf-8"))
    settings["base_model_name_or_path"] = os.path.relpath(base.resolve(), adapter.resolve())
    path.write_text(json.dumps(settings, indent=2), encoding="utf-8")


def stage_prefer(config: RunConfig, out: Path) -> dict[str, Any]:
    """DPO/ORPO on the configured pairs, a new LoRA over the SFT-merged weights (see trainers.prefer)."""
    from trainers.merge import merge
    from trainers.pairs import load_pairs, pairs_digest, refuse_leakage
    from trainers.placement import resolve
    from trainers.prefer import ADAPTER, train

    settings = config.prefer
    if settings is None or settings.pairs is None:
        raise StageError(f"prefer: {config.source} has no prefer.pairs (make them with persona-train pairs REPORT)")
    if not (out / "adapter" / "adapter_config.json").is_file():
        raise StageError(f"prefer: {out / 'adapter'} is missing; run the sft stage first")
    pairs_file = config.resolve(settings.pairs)
    pairs = load_pairs(pairs_file)
    refuse_leakage(pairs, release_evalsets(config), config.data.near_duplicate_threshold)
    sft_merged = out / "sft-merged"
    merged = None
    stamp, adapter_sha = sft_merged / "merged_from.json", sha256_file(out / "adapter" / "adapter_model.safetensors")
    fresh = stamp.is_file() and json.loads(stamp.read_text("utf-8")).get("adapter_sha256") == adapter_sha
    if not fresh or not (sft_merged / "config.json").is_file():  # merged again whenever SFT changed its adapter
        merged = merge(out / "base", out / "adapter", sft_merged)
        stamp.write_text(json.dumps({"adapter_sha256": adapter_sha}), encoding="utf-8")
    placement = resolve(replace(config.sft, qlora=False))  # the preference base is the merged fp16 checkpoint
    metrics = train(sft_merged, pairs, settings, placement, out)
    _relative_base(out / ADAPTER, sft_merged)
    sources: dict[str, int] = {}
    for pair in pairs:
        sources[pair.source_kind] = sources.get(pair.source_kind, 0) + 1
    record = {"path": str(pairs_file), "sha256": pairs_digest(pairs_file), "count": len(pairs), "sources": sources}
    return {"pairs": record, **metrics, **({"sft_merge": merged} if merged else {})}


def release_evalsets(config: RunConfig) -> list[Any]:
    """The release eval sets (data.eval_sets): never a source of training prompts or pairs."""
    from pytest_persona.core.evalset import load_evalset

    return [load_evalset(config.resolve(p)) for p in config.data.eval_sets]


def stage_merge(config: RunConfig, out: Path) -> dict[str, Any]:
    """The SFT adapter into the base; with a prefer: block, the preference adapter into the SFT-merged weights."""
    from trainers.merge import merge
    from trainers.prefer import ADAPTER

    if config.prefer is not None:
        if not (out / ADAPTER / "adapter_config.json").is_file():
            raise StageError(f"merge: {out / ADAPTER} is missing; run the prefer stage first (the config has prefer:)")
        return merge(out / "sft-merged", out / ADAPTER, out / "merged")
    if not (out / "adapter" / "adapter_config.json").is_file():
        raise StageError(f"merge: {out / 'adapter'} is missing; run the sft stage first")
    return merge(out / "base", out / "adapter", out / "merged")


def stage_export(config: RunConfig, out: Path) -> dict[str, Any]:
    from trainers.export import QUANTIZATIONS, quantize, to_gguf_f16, verify

    merged = out / "merged"
    if not (merged / "config.json").is_file():
        raise StageError(f"export: {merged} is missing; run the merge stage first")
    folder = out / "gguf"
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / "export.log"
    f16 = to_gguf_f16(merged, folder / f"{config.name}-f16.gguf", log)
    checks = {"gguf-f16": verify(f16, "F16")}
    exported = [f16]
    for kind in config.export.quantizations:
        quantized = quantize(f16, folder / f"{config.name}-{kind}.gguf", kind, log)
        checks[kind] = verify(quantized, QUANTIZATIONS[kind][1], checks["gguf-f16"]["tensors"])
        exported.append(quantized)
    if config.export.ollama.modelfile:
        checks["modelfiles"] = stage_modelfiles(config, exported)
    return checks


def stage_modelfiles(config: RunConfig, ggufs: Sequence[Path]) -> dict[str, Any]:
    """An Ollama Modelfile beside each GGUF, in the family its own template matches (or the configured one)."""
    from pytest_persona.backends.llama_cpp.gguf import read_gguf
    from trainers.modelfile import detect_family, write_modelfile

    settings = config.export.ollama
    sampling = {"temperature": settings.temperature, "top_p": settings.top_p, "num_ctx": settings.num_ctx}
    out: dict[str, Any] = {}
    for gguf in ggufs:
        info = read_gguf(gguf)
        eos = info.token("tokenizer.ggml.eos_token_id") or ""
        family = settings.template
        if family is None and info.chat_template:
            family = detect_family(info.chat_template, eos, config.data.system_prompt)
        if family is None:
            out[gguf.name] = {
                "written": False,
                "reason": "its chat template renders like none of the builtin families; "
                "name one with export.ollama.template",
            }
            continue
        path = write_modelfile(gguf, family, eos, config.data.system_prompt, sampling)
        out[gguf.name] = {"written": True, "path": path.name, "family": family, "detected": settings.template is None}
    return out


def prefer_record(metrics: dict[str, Any]) -> dict[str, Any]:
    """What the manifest says of the preference stage: the pairs (file hash, count, sources), trainer, steps."""
    return {"pairs": metrics.get("pairs"), "trainer": metrics.get("trainer"), "steps": metrics.get("steps")}


def write_manifest(config: RunConfig, out: Path, metrics: dict[str, Any]) -> Path:
    """Describe every artifact of the run so ``pytest --model-manifest`` can gate them all."""
    candidates = [("fp16", "fp16", out / "base"), ("adapter", "adapter", out / "adapter")]
    candidates += [(f"sft-{saved.name}", "adapter", saved) for saved in step_adapters(out)]
    if config.prefer is not None:  # SFT-only and SFT+preference side by side, named apart
        candidates.append(("sft-merged", "merged", out / "sft-merged"))
        candidates.append(("prefer-adapter", "adapter", out / "prefer-adapter"))
    candidates.append(("merged", "merged", out / "merged"))
    candidates.append(("gguf-f16", "gguf-f16", out / "gguf" / f"{config.name}-f16.gguf"))
    candidates += [(kind, kind, out / "gguf" / f"{config.name}-{kind}.gguf") for kind in config.export.quantizations]
    artifacts = []
    for name, kind, path in candidates:
        if not path.exists():
            continue
        backend = "llama_cpp" if path.suffix == ".gguf" else ("peft" if kind == "adapter" else "transformers")
        digest = artifact_fingerprint(Checkpoint(name, str(path), backend)).removeprefix("sha256:")
        artifact = {"kind": kind, "path": str(path.relative_to(out)), "sha256": digest}
        artifacts.append({"name": name, **artifact} if name != kind else artifact)
    if config.data.sources:
        sources = [(config.resolve(s.path), s.share) for s in config.data.sources]
        data = {"sources": [{"path": str(p), "share": share, "sha256": sha256_file(p)} for p, share in sources]}
        data["mix_size"] = config.data.mix_size
    else:
        train = config.resolve(config.data.train or "")
        data = {"train": str(train), "sha256": sha256_file(train)}
    manifest = {
        "format": FORMAT,
        "name": config.name,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "base_model": {"source": config.base, "sha256": sha256_file(base_gguf(config))},
        "data": data,
        "config": asdict(replace(config, source=str(config.source))),
        "metrics": metrics,
        "artifacts": artifacts,
        **({"prefer": prefer_record(metrics["prefer"])} if isinstance(metrics.get("prefer"), dict) else {}),
    }
    path = out / MANIFEST
    path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
    return path
