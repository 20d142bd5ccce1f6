"""The training configuration: dataclasses with help text, read from YAML, overridden by flags.

Unknown keys and ill-typed values are errors that name the file, the line and the key, the
same way eval-set errors do; ``--set sft.max_steps=10`` overrides a key from the command line.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pytest_persona.core.yamlsafe import LineMap, YamlError, format_path, load_yaml, parse_value


class ConfigError(ValueError):
    """A bad training configuration; the message names the file, line and key (or the flag)."""


def _help(text: str, default: Any = dataclasses.MISSING, factory: Any = dataclasses.MISSING) -> Any:
    if factory is not dataclasses.MISSING:
        return field(default_factory=factory, metadata={"help": text})
    return field(default=default, metadata={"help": text})


@dataclass(frozen=True)
class DataConfig:
    train: str = _help("training data (JSONL, chat messages), relative to the config file")
    eval_sets: tuple[str, ...] = _help("eval sets whose prompts must not leak into training data", factory=tuple)
    system_prompt: str | None = _help("system prompt injected into examples that have none", None)
    val_fraction: float = _help("share of examples held out for validation (stratified by tag)", 0.1)
    near_duplicate_threshold: float = _help("shingle similarity above which two examples are near-duplicates", 0.9)
    balance: dict[str, list[float]] = _help("tag -> [min share, max share], e.g. refusal: [0.15, 0.25]", factory=dict)
    seed: int = _help("seed of the split", 0)


@dataclass(frozen=True)
class SFTConfig:
    lora_r: int = _help("LoRA rank", 16)
    lora_alpha: int = _help("LoRA alpha (scale = alpha / r)", 32)
    lora_dropout: float = _help("LoRA dropout", 0.05)
    target_modules: str | list[str] = _help("modules that get adapters; all-linear or a list of names", "all-linear")
    learning_rate: float = _help("peak learning rate", 3e-4)
    lr_scheduler: str = _help("learning-rate schedule (transformers names: cosine, linear, constant...)", "cosine")
    warmup_ratio: float = _help("share of steps spent warming up", 0.0)
    max_steps: int = _help("optimizer steps", 60)
    batch_size: int = _help("examples per step", 8)
    grad_accum: int = _help("gradient accumulation steps", 1)
    max_length: int = _help("longest tokenized example; longer ones are truncated", 256)
    eval_steps: int = _help("validate every N steps (0: never)", 20)
    early_stopping_patience: int = _help("stop after N validations without improvement (0: never)", 3)
    logging_steps: int = _help("log the loss every N steps", 5)
    seed: int = _help("training seed", 0)


@dataclass(frozen=True)
class ExportConfig:
    quantizations: tuple[str, ...] = _help("GGUF files made from the f16 export: q4_k_m, q8_0", ("q4_k_m",))


@dataclass(frozen=True)
class RunConfig:
    data: DataConfig
    base: str = _help("base model: a GGUF path or the alias smollm2-135m (converted to fp16 HF)", "smollm2-135m")
    name: str = _help("name of the persona (file names, manifest)", "persona")
    sft: SFTConfig = _help("LoRA SFT settings", factory=SFTConfig)
    export: ExportConfig = _help("GGUF export settings", factory=ExportConfig)
    source: str = _help("the config file this came from (set by the loader)", "")

    @property
    def base_dir(self) -> Path:
        """The directory relative paths in the config are resolved against."""
        return Path(self.source).parent if self.source else Path.cwd()

    def resolve(self, value: str) -> Path:
        path = Path(value)
        return path if path.is_absolute() else self.base_dir / path


def load_config(path: Path, overrides: list[str] | None = None) -> RunConfig:
    """Read a YAML config, apply ``key=value`` overrides, validate everything."""
    try:
        data, lines = load_yaml(path)
    except YamlError as exc:
        raise ConfigError(str(exc)) from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}:1: a training config is a mapping with at least `data: {{train: …}}`")
    for override in overrides or []:
        key, sep, raw = override.partition("=")
        if not sep or not key:
            raise ConfigError(f"--set {override!r}: expected KEY=VALUE, e.g. sft.max_steps=10")
        _set_dotted(data, key.split("."), parse_value(raw), override)
    data["source"] = str(path)
    return _build(RunConfig, data, (), _Where(path, lines))


@dataclass(frozen=True)
class _Where:
    path: Path
    lines: LineMap

    def error(self, where: tuple[Any, ...], message: str, key: bool = False) -> ConfigError:
        return ConfigError(f"{self.path}:{self.lines.line(where, key=key)}: {format_path(where)}: {message}")


def _build(cls: type, data: Any, where: tuple[Any, ...], at: _Where) -> Any:
    if not isinstance(data, dict):
        raise at.error(where, f"expected a mapping, got {type(data).__name__}")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    hints = typing.get_type_hints(cls)
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise at.error((*where, unknown[0]), f"unknown key {unknown[0]!r}; known: {', '.join(fields)}", key=True)
    values: dict[str, Any] = {}
    for name, spec in fields.items():
        if name not in data:
            if spec.default is dataclasses.MISSING and spec.default_factory is dataclasses.MISSING:
                raise at.error(where, f"{name!r} is required ({spec.metadata.get('help', '')})")
            continue
        values[name] = _coerce(hints[name], data[name], (*where, name), at)
    return cls(**values)


def _coerce(hint: Any, value: Any, where: tuple[Any, ...], at: _Where) -> Any:
    if dataclasses.is_dataclass(hint):
        return _build(hint, value, where, at)
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        for option in typing.get_args(hint):
            try:
                return _coerce(option, value, where, at)
            except ConfigError:
                continue
        raise at.error(where, f"{value!r} is not {hint}")
    if hint is type(None):
        if value is None:
            return None
        raise at.error(where, "expected null")
    if origin is tuple:
        if not isinstance(value, list | tuple):
            value = [value]
        (item,) = {a for a in typing.get_args(hint) if a is not Ellipsis}
        return tuple(_coerce(item, v, (*where, i), at) for i, v in enumerate(value))
    if origin is list:
        if not isinstance(value, list):
            raise at.error(where, f"expected a list, got {value!r}")
        (item,) = typing.get_args(hint)
        return [_coerce(item, v, (*where, i), at) for i, v in enumerate(value)]
    if origin is dict:
        if not isinstance(value, dict):
            raise at.error(where, f"expected a mapping, got {value!r}")
        _, item = typing.get_args(hint)
        return {str(k): _coerce(item, v, (*where, k), at) for k, v in value.items()}
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, hint) and not (isinstance(value, bool) and hint is not bool):
        return value
    raise at.error(where, f"expected {getattr(hint, '__name__', hint)}, got {value!r}")


def _set_dotted(data: dict[str, Any], keys: list[str], value: Any, original: str) -> None:
    node = data
    for key in keys[:-1]:
        node = node.setdefault(key, {})
        if not isinstance(node, dict):
            raise ConfigError(f"--set {original}: {key!r} is not a section")
    node[keys[-1]] = value
