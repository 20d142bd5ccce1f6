"""Options and ini twins, declared once and resolved once into a frozen Settings object."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from ..backends import BackendError, Checkpoint, detect_backend, preflight
from ..core.baseline import Baseline
from ..backends.embedded import ALIASES, EmbeddedModelMissing, embedded_model_path

CACHE_MODES = ("on", "off", "refresh")
REPORT_SUFFIXES = (".json", ".md", ".html")
MANIFEST_KINDS = ("fp16", "adapter", "merged", "gguf-f16", "q4_k_m", "q8_0")
_NAME = re.compile(r"^[A-Za-z0-9_.+-]+$")
_UNSAFE = re.compile(r"[^A-Za-z0-9_.+-]+")


@dataclass(frozen=True)
class Settings:
    checkpoints: tuple[Checkpoint, ...]
    reports: tuple[Path, ...]
    cache: str
    cache_dir: Path
    evalset_paths: tuple[Path, ...]
    datasets: dict[Path, Any] = field(default_factory=dict)  # data file -> hygiene config
    reference: str | None = None  # the checkpoint the others are compared with, case by case
    baseline: Baseline | None = None  # an earlier run's results: passing cases must not fail now
    save_baseline: Path | None = None


settings_key = pytest.StashKey[Settings]()


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("persona", "pytest-persona: gate persona model checkpoints")
    group.addoption(
        "--model",
        action="append",
        dest="persona_models",
        metavar="[NAME=]PATH",
        help="checkpoint to gate (repeatable): a .gguf file, an HF or adapter directory, "
        "an http(s)://…/v1 server, a .jsonl replay file, or the alias smollm2-135m. "
        "NAME (default: the file stem) appears in test ids. ini: persona_models",
    )
    group.addoption(
        "--model-manifest",
        dest="persona_model_manifest",
        metavar="PATH",
        help="gate every checkpoint listed in a persona-train manifest.json. ini: persona_model_manifest",
    )
    group.addoption(
        "--persona-report",
        action="append",
        dest="persona_reports",
        metavar="PATH",
        help="write a report; format by suffix (.json, .md, .html). Repeatable. ini: persona_reports",
    )
    group.addoption(
        "--persona-cache",
        dest="persona_cache",
        choices=CACHE_MODES,
        help="generation cache: on (default), off, refresh. ini: persona_cache",
    )
    group.addoption(
        "--persona-chat-template",
        action="append",
        dest="persona_chat_templates",
        metavar="NAME=TEMPLATE",
        help="chat template for checkpoint NAME whose file has none (or to override it): a builtin "
        "(chatml, zephyr) or a path to a Jinja file. Repeatable. ini: persona_chat_templates",
    )
    group.addoption(
        "--persona-peft-base",
        action="append",
        dest="persona_peft_bases",
        metavar="NAME=DIR",
        help="base checkpoint directory for adapter checkpoint NAME, when its adapter_config.json does not "
        "name a local one. Repeatable. ini: persona_peft_bases",
    )
    group.addoption(
        "--persona-allow-pickle",
        action="store_true",
        dest="persona_allow_pickle",
        help="let transformers load pickle (.bin) weights, which can run code: only for files you trust. "
        "ini: persona_allow_pickle",
    )
    group.addoption(
        "--persona-reference",
        dest="persona_reference",
        metavar="NAME",
        help="checkpoint every other one is compared with, case by case (default: the merged or fp16 "
        "checkpoint when present). ini: persona_reference",
    )
    group.addoption(
        "--persona-baseline",
        dest="persona_baseline",
        metavar="PATH",
        help="an earlier run's JSON report: a case that passed there and fails now fails the run, with both "
        "replies. ini: persona_baseline",
    )
    group.addoption(
        "--persona-save-baseline",
        dest="persona_save_baseline",
        metavar="PATH",
        help="write this run's results as a baseline (the JSON report format). ini: persona_save_baseline",
    )
    group.addoption(
        "--persona-dataset",
        action="append",
        dest="persona_datasets",
        metavar="PATH",
        help="check training data (JSONL, or a persona-train config) with the hygiene rules; eval sets on "
        "the command line feed the leakage rule. Repeatable. ini: persona_datasets",
    )
    group.addoption(
        "--persona-checks",
        action="store_true",
        dest="persona_list_checks",
        help="list every check (built-in, from conftests and plugins) with its arguments, then exit",
    )
    parser.addini("persona_models", "checkpoints to gate, one [NAME=]PATH a line", type="linelist")
    parser.addini("persona_chat_templates", "chat templates by checkpoint, one NAME=TEMPLATE a line", type="linelist")
    parser.addini("persona_peft_bases", "base directories of adapter checkpoints, one NAME=DIR a line", type="linelist")
    parser.addini("persona_allow_pickle", "let transformers load pickle weights", type="bool", default=False)
    parser.addini("persona_model_manifest", "persona-train manifest.json to gate", type="string")
    parser.addini("persona_reports", "report files to write, one a line", type="linelist")
    parser.addini("persona_cache", "generation cache: on, off or refresh", type="string", default="on")
    parser.addini("persona_cache_dir", "where the generation cache lives", type="string", default=".persona_cache")
    parser.addini("persona_reference", "checkpoint the others are compared with", type="string")
    parser.addini("persona_baseline", "an earlier run's JSON report to compare with", type="string")
    parser.addini("persona_save_baseline", "where to write this run's results as a baseline", type="string")
    parser.addini("persona_datasets", "training data files (or persona-train configs) to check", type="paths")
    parser.addini("persona_evalsets", "eval-set files or folders collected when no paths are given", type="paths")


def resolve_settings(config: pytest.Config) -> Settings:
    """Read options (falling back to their ini twins) once; raise UsageError on bad values."""
    cli_dir = Path(config.invocation_params.dir)
    ini_dir = Path(config.inipath).parent if config.inipath else Path(config.rootpath)

    checkpoints: list[Checkpoint] = []
    cli_models = config.getoption("persona_models")
    if cli_models:
        entries = [("--model", value, cli_dir) for value in cli_models]
    else:
        entries = [("persona_models", value, ini_dir) for value in config.getini("persona_models")]
    for option, value, base in entries:
        checkpoints.append(parse_model(value, base, option))

    manifest = config.getoption("persona_model_manifest")
    manifest_option, manifest_base = "--model-manifest", cli_dir
    if not manifest and config.getini("persona_model_manifest"):
        manifest, manifest_option, manifest_base = (
            config.getini("persona_model_manifest"),
            "persona_model_manifest",
            ini_dir,
        )
    if manifest:
        checkpoints.extend(read_manifest(manifest_base / manifest, manifest_option))

    for option, dest, key in (
        ("--persona-chat-template", "persona_chat_templates", "chat_template"),
        ("--persona-peft-base", "persona_peft_bases", "peft_base"),
    ):
        given = config.getoption(dest)
        apply_per_checkpoint(checkpoints, option, key, given or config.getini(dest), cli_dir if given else ini_dir)
    if config.getoption("persona_allow_pickle") or config.getini("persona_allow_pickle"):
        for checkpoint in checkpoints:
            checkpoint.options["allow_pickle"] = True
    seen: dict[str, Checkpoint] = {}
    for checkpoint in checkpoints:
        if checkpoint.name in seen:
            raise pytest.UsageError(
                f"two checkpoints are named {checkpoint.name!r} ({seen[checkpoint.name].target} and "
                f"{checkpoint.target}); name them: --model NAME=PATH"
            )
        seen[checkpoint.name] = checkpoint
        try:
            preflight(checkpoint)
        except BackendError as exc:
            raise pytest.UsageError(f"--model {checkpoint.name}: {exc}") from None

    reports_raw = config.getoption("persona_reports")
    report_base = cli_dir if reports_raw else ini_dir
    reports = tuple(report_base / value for value in (reports_raw or config.getini("persona_reports")))
    for report in reports:
        if report.suffix not in REPORT_SUFFIXES:
            raise pytest.UsageError(
                f"--persona-report {report}: unknown format {report.suffix or '(no suffix)'!r}; "
                f"use one of {', '.join(REPORT_SUFFIXES)}"
            )

    cache = config.getoption("persona_cache") or config.getini("persona_cache") or "on"
    if cache not in CACHE_MODES:
        raise pytest.UsageError(f"persona_cache = {cache!r}: use one of {', '.join(CACHE_MODES)}")
    cache_dir = ini_dir / config.getini("persona_cache_dir")
    if cache == "on":  # GGUF files that survived a test load in a child process are remembered there
        for checkpoint in checkpoints:
            if checkpoint.backend == "llama_cpp":
                checkpoint.options.setdefault("probe_cache_dir", str(cache_dir))

    datasets: dict[Path, Any] = {}
    given = config.getoption("persona_datasets")
    for value in [cli_dir / v for v in given] if given else config.getini("persona_datasets"):
        from .dataset_items import dataset_source

        data, hygiene = dataset_source(Path(value))
        datasets[data] = hygiene

    reference = choose_reference(
        checkpoints, config.getoption("persona_reference") or config.getini("persona_reference")
    )

    baseline = None
    baseline_value = config.getoption("persona_baseline")
    baseline_base = cli_dir if baseline_value else ini_dir
    baseline_value = baseline_value or config.getini("persona_baseline")
    if baseline_value:
        baseline = Baseline.read(baseline_base / baseline_value)
    save_value = config.getoption("persona_save_baseline")
    save_baseline = (cli_dir / save_value) if save_value else None
    if save_baseline is None and config.getini("persona_save_baseline"):
        save_baseline = ini_dir / config.getini("persona_save_baseline")

    return Settings(
        baseline=baseline,
        save_baseline=save_baseline,
        reference=reference,
        datasets=datasets,
        checkpoints=tuple(checkpoints),
        reports=reports,
        cache=cache,
        cache_dir=cache_dir,
        evalset_paths=tuple(Path(p) for p in config.getini("persona_evalsets")),
    )


def parse_model(value: str, base: Path, option: str = "--model") -> Checkpoint:
    """``[NAME=]PATH_OR_ALIAS`` → Checkpoint, with the path checked and the backend chosen."""
    name, target = split_name(value)
    if not target:
        raise pytest.UsageError(f"{option} {value!r}: give a path, URL or alias after NAME=")
    if target in ALIASES:
        try:
            path = embedded_model_path(target)
        except EmbeddedModelMissing as exc:
            raise pytest.UsageError(f"{option} {target}: {exc}") from None
        return Checkpoint(name=name or target, target=str(path), backend="llama_cpp")
    if target.startswith(("http://", "https://")):
        default = _UNSAFE.sub("-", target.split("://", 1)[1].split("/", 1)[0]).strip("-") or "server"
        return Checkpoint(name=name or default, target=target, backend="openai")
    path = Path(target).expanduser()
    if not path.is_absolute():
        path = base / path
    if not path.exists():
        known = ", ".join(ALIASES)
        raise pytest.UsageError(f"{option} {value}: no such file or directory: {path} (known aliases: {known})")
    backend = detect_backend(str(path))
    if backend is None:
        raise pytest.UsageError(
            f"{option} {value}: cannot tell how to run {path}: expected a .gguf file, a directory with "
            "config.json (transformers) or adapter_config.json (PEFT), an http(s):// URL or a .jsonl replay file"
        )
    default_name = _UNSAFE.sub("-", path.stem if path.is_file() else path.name).strip("-") or "model"
    return Checkpoint(name=name or default_name, target=str(path), backend=backend)


def apply_per_checkpoint(checkpoints: list[Checkpoint], option: str, key: str, values: list[str], base: Path) -> None:
    """Attach ``NAME=VALUE`` choices to their checkpoints; paths resolve against ``base``."""
    from ..backends.templates import BUILTIN_TEMPLATES

    by_name = {c.name: c for c in checkpoints}
    for value in values:
        name, chosen = split_name(value)
        if name is None or not chosen:
            raise pytest.UsageError(f"{option} {value!r}: expected NAME=VALUE")
        if name not in by_name:
            known = ", ".join(by_name) or "none"
            raise pytest.UsageError(f"{option} {value}: no checkpoint named {name!r} (checkpoints: {known})")
        if not (key == "chat_template" and chosen in BUILTIN_TEMPLATES):
            path = Path(chosen) if Path(chosen).is_absolute() else base / chosen
            if not path.exists():
                builtins = f" and not one of {', '.join(BUILTIN_TEMPLATES)}" if key == "chat_template" else ""
                raise pytest.UsageError(f"{option} {value}: {path} does not exist{builtins}")
            chosen = str(path)
        by_name[name].options[key] = chosen


REFERENCE_DEFAULTS = ("merged", "fp16")


def choose_reference(checkpoints: list[Checkpoint], chosen: str | None) -> str | None:
    """The named reference, else a merged or fp16 checkpoint (by kind or name); None for one model."""
    names = [c.name for c in checkpoints]
    if chosen:
        if chosen not in names:
            raise pytest.UsageError(
                f"--persona-reference {chosen}: no such checkpoint (checkpoints: {', '.join(names)})"
            )
        return chosen
    if len(checkpoints) < 2:
        return None
    for wanted in REFERENCE_DEFAULTS:
        for checkpoint in checkpoints:
            if wanted in (checkpoint.kind, checkpoint.name):
                return checkpoint.name
    return None


def split_name(value: str) -> tuple[str | None, str]:
    """``NAME=PATH`` → (NAME, PATH); anything else (URLs, paths with '=') is all path."""
    head, sep, tail = value.partition("=")
    if sep and _NAME.match(head):
        return head, tail
    return None, value


def read_manifest(path: Path, option: str) -> list[Checkpoint]:
    """Every artifact of a persona-train manifest that a backend can run, named by its kind."""
    try:
        data: Any = json.loads(path.read_text("utf-8"))
    except OSError as exc:
        raise pytest.UsageError(f"{option} {path}: cannot read: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise pytest.UsageError(f"{option} {path}: not JSON: {exc}") from None
    artifacts = data.get("artifacts") if isinstance(data, dict) else None
    if not isinstance(artifacts, list) or not artifacts:
        raise pytest.UsageError(f'{option} {path}: expected an object with a non-empty "artifacts" list')
    checkpoints = []
    for index, artifact in enumerate(artifacts):
        where = f"{option} {path}: artifacts[{index}]"
        if not isinstance(artifact, dict) or not isinstance(artifact.get("path"), str):
            raise pytest.UsageError(f'{where}: needs a "path" string')
        kind = artifact.get("kind")
        if kind not in MANIFEST_KINDS:
            raise pytest.UsageError(f"{where}: unknown kind {kind!r}; known: {', '.join(MANIFEST_KINDS)}")
        checkpoint = parse_model(f"{artifact.get('name') or kind}={artifact['path']}", path.parent, where)
        checkpoints.append(Checkpoint(checkpoint.name, checkpoint.target, checkpoint.backend, kind=kind))
    return checkpoints
