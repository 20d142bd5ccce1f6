"""Options and ini twins, declared once and resolved once into a frozen Settings object."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from ..backends import BackendError, Checkpoint, detect_backend, preflight
from ..backends.checkpoint import MAX_CONCURRENCY
from ..backends.embedded import ALIASES, EmbeddedModelMissing, embedded_model_path
from ..core.baseline import Baseline, BaselineError
from ..reports import REPORT_SUFFIXES
from .options import CACHE_MODES, DECODING_MODES

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
    decoding: str = "deployed"  # "free": every response_format is ignored; "both": free replies reported too
    export_batch: Path | None = None  # write OpenAI batch files there and run nothing


settings_key = pytest.StashKey[Settings]()


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
        ("--persona-serves", "persona_serves", "serves"),
    ):
        given = config.getoption(dest)
        checkpoints = apply_per_checkpoint(
            checkpoints, option, key, given or config.getini(dest), cli_dir if given else ini_dir
        )
    for checkpoint in checkpoints:
        if checkpoint.options.serves and checkpoint.backend != "openai":
            raise pytest.UsageError(
                f"--persona-serves {checkpoint.name}=…: {checkpoint.name!r} is not a server checkpoint "
                "(it names what an http(s)://…/v1 checkpoint serves)"
            )
    checkpoints = apply_fleet(
        checkpoints,
        config.getoption("persona_replicas") or config.getini("persona_replicas"),
        config.getoption("persona_concurrency") or config.getini("persona_concurrency"),
    )
    if config.getoption("persona_allow_pickle") or config.getini("persona_allow_pickle"):
        checkpoints = [c.with_options(allow_pickle=True) for c in checkpoints]
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
    decoding = config.getoption("persona_decoding") or config.getini("persona_decoding") or "deployed"
    if decoding not in DECODING_MODES:
        raise pytest.UsageError(f"persona_decoding = {decoding!r}: use one of {', '.join(DECODING_MODES)}")
    export_value = config.getoption("persona_export_batch")
    export_batch = cli_dir / export_value if export_value else None
    if export_batch is not None and (config.getoption("numprocesses", None) or hasattr(config, "workerinput")):
        raise pytest.UsageError("--persona-export-batch writes files and runs nothing: use it without -n")
    cache_dir = ini_dir / config.getini("persona_cache_dir")
    # GGUF files that survived a test load in a child process are remembered there, whatever the
    # cache mode (a marker holds no reply); with the cache off by the file's identity on disk
    checkpoints = [
        c.with_options(probe_cache_dir=str(cache_dir), probe_by_content=cache != "off")
        if c.backend == "llama_cpp" and c.options.probe_cache_dir is None
        else c
        for c in checkpoints
    ]

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
        try:
            baseline = Baseline.read(baseline_base / baseline_value)
        except BaselineError as exc:
            raise pytest.UsageError(str(exc)) from None
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
        decoding=decoding,
        export_batch=export_batch,
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


def apply_per_checkpoint(
    checkpoints: list[Checkpoint], option: str, key: str, values: list[str], base: Path
) -> list[Checkpoint]:
    """The checkpoints with ``NAME=VALUE`` choices attached; paths resolve against ``base``."""
    from ..backends.templates import BUILTIN_TEMPLATES

    result = list(checkpoints)  # duplicates stay: the duplicate-name check reports them later
    names = [c.name for c in result]
    for value in values:
        name, chosen = split_name(value)
        if name is None or not chosen:
            raise pytest.UsageError(f"{option} {value!r}: expected NAME=VALUE")
        if name not in names:
            known = ", ".join(dict.fromkeys(names)) or "none"
            raise pytest.UsageError(f"{option} {value}: no checkpoint named {name!r} (checkpoints: {known})")
        if not (key == "chat_template" and chosen in BUILTIN_TEMPLATES):
            path = Path(chosen) if Path(chosen).is_absolute() else base / chosen
            if not path.exists():
                builtins = f" and not one of {', '.join(BUILTIN_TEMPLATES)}" if key == "chat_template" else ""
                raise pytest.UsageError(f"{option} {value}: {path} does not exist{builtins}")
            chosen = str(path)
        result = [c.with_options(**{key: chosen}) if c.name == name else c for c in result]
    return result


REFERENCE_DEFAULTS = ("merged", "fp16")


def apply_fleet(checkpoints: list[Checkpoint], replicas: list[str], concurrency: list[str]) -> list[Checkpoint]:
    """``--persona-replicas NAME=URL`` (more servers for a server checkpoint) and
    ``--persona-concurrency N|NAME=N`` (requests in flight per replica)."""
    servers = {c.name for c in checkpoints if c.backend == "openai"}
    added: dict[str, list[str]] = {}
    for value in replicas:
        name, url = split_name(value)
        if name is None or not url.startswith(("http://", "https://")):
            raise pytest.UsageError(f"--persona-replicas {value!r}: expected NAME=http(s)://host:port/v1")
        if name not in servers:
            raise pytest.UsageError(
                f"--persona-replicas {value}: {name!r} is not a server checkpoint "
                f"(server checkpoints: {', '.join(sorted(servers)) or 'none'})"
            )
        added.setdefault(name, []).append(url)
    chosen: dict[str | None, int] = {}
    for value in concurrency:
        name, raw = split_name(value) if "=" in value else (None, value)
        if not raw.strip().isdigit() or not 1 <= int(raw) <= MAX_CONCURRENCY:
            raise pytest.UsageError(
                f"--persona-concurrency {value!r}: expected N or NAME=N, N from 1 to {MAX_CONCURRENCY}"
            )
        if name is not None and name not in servers:
            raise pytest.UsageError(
                f"--persona-concurrency {value}: {name!r} is not a server checkpoint "
                f"(server checkpoints: {', '.join(sorted(servers)) or 'none'})"
            )
        chosen[name] = int(raw)
    result = []
    for checkpoint in checkpoints:
        if checkpoint.name in added:
            checkpoint = checkpoint.with_options(replicas=(*checkpoint.options.replicas, *added[checkpoint.name]))
        level = chosen.get(checkpoint.name, chosen.get(None))
        if level is not None and checkpoint.backend == "openai":
            checkpoint = checkpoint.with_options(concurrency=level)
        result.append(checkpoint)
    return result


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
