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
class SourceConfig:
    path: str = _help("a JSONL chat dataset, relative to the config file")
    share: float = _help("its share of the mixed training set, in (0, 1]; the shares sum to 1")


@dataclass(frozen=True)
class DataConfig:
    train: str | None = _help("training data (JSONL, chat messages), relative to the config file", None)
    sources: tuple[SourceConfig, ...] = _help(
        "instead of train: datasets mixed by share, [{path, share}], sampled with the seed", factory=tuple
    )
    mix_size: int | None = _help("examples in the mix (default: the most the sources give without repeats)", None)
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
    max_length: int = _help("longest tokenized example; longer replies are cut short, a filling prompt is refused", 256)
    eval_steps: int = _help("validate every N steps (0: never)", 20)
    early_stopping_patience: int = _help("stop after N validations without improvement (0: never)", 3)
    logging_steps: int = _help("log the loss every N steps", 5)
    save_every: int = _help("save the adapter every N steps as adapters/step-N, to choose by gate (0: never)", 0)
    seed: int = _help("training seed", 0)
    device: str = _help("auto (CUDA when torch sees it, else CPU), cpu or cuda", "auto")
    precision: str = _help("auto (bf16 on a GPU that has it, fp32 on CPU), fp32, bf16 or fp16", "auto")
    qlora: bool = _help("load the base in 4-bit NF4 (bitsandbytes; CUDA only)", False)
    report_to: str | list[str] = _help("trackers for trl (tensorboard, wandb offline, ...); none", "none")


TRAINERS = ("dpo", "orpo")


@dataclass(frozen=True)
class PreferConfig:
    pairs: str | None = _help("preference pairs (JSONL, from persona-train pairs), relative to the config file", None)
    dev_eval_sets: tuple[str, ...] = _help(
        "development eval sets the gate report was made on (never a release eval set of data.eval_sets)",
        factory=tuple,
    )
    checkpoint: str | None = _help("the report's checkpoint whose failing replies become `rejected`", None)
    reference: str | None = _help("a report checkpoint whose passing replies may serve as `chosen`", None)
    chosen: dict[str, str] = _help("case id (or evalset::case) -> a reply written to pass its checks", factory=dict)
    chosen_file: str | None = _help("a YAML mapping case id -> reply, like `chosen`, relative to the config", None)
    trainer: str = _help("dpo (measured better on the embedded model) or orpo", "dpo")
    beta: float = _help("DPO beta (strength of the pull away from the SFT model) or ORPO lambda", 0.1)
    learning_rate: float = _help("peak learning rate", 5e-5)
    max_steps: int = _help("optimizer steps", 20)
    batch_size: int = _help("pairs per step", 2)
    grad_accum: int = _help("gradient accumulation steps", 1)
    max_length: int = _help("longest tokenized prompt + reply; longer ones are truncated", 256)
    lora_r: int = _help("rank of the preference LoRA (a new adapter on the SFT-merged weights)", 8)
    lora_alpha: int = _help("LoRA alpha (scale = alpha / r)", 16)
    lora_dropout: float = _help("LoRA dropout", 0.0)
    target_modules: str | list[str] = _help("modules that get adapters; all-linear or a list of names", "all-linear")
    logging_steps: int = _help("log the loss and reward margin every N steps", 1)
    seed: int = _help("training seed", 0)


@dataclass(frozen=True)
class OllamaConfig:
    modelfile: bool = _help("write an Ollama Modelfile beside each exported GGUF", True)
    template: str | None = _help("chat-template family of the TEMPLATE (default: the one the GGUF's matches)", None)
    temperature: float | None = _help("PARAMETER temperature (unset: Ollama's default)", None)
    top_p: float | None = _help("PARAMETER top_p (unset: Ollama's default)", None)
    num_ctx: int | None = _help("PARAMETER num_ctx, the context size (unset: Ollama's default)", None)


@dataclass(frozen=True)
class ExportConfig:
    quantizations: tuple[str, ...] = _help("GGUF files made from the f16 export: q4_k_m, q8_0", ("q4_k_m",))
    ollama: OllamaConfig = _help("the Modelfiles written beside the GGUFs", factory=OllamaConfig)


@dataclass(frozen=True)
class RunConfig:
    data: DataConfig
    base: str = _help("base model: a GGUF path or the alias smollm2-135m (converted to fp16 HF)", "smollm2-135m")
    name: str = _help("name of the persona (file names, manifest)", "persona")
    sft: SFTConfig = _help("LoRA SFT settings", factory=SFTConfig)
    export: ExportConfig = _help("GGUF export settings", factory=ExportConfig)
    prefer: PreferConfig | None = _help("the preference stage (DPO/ORPO on pairs) after SFT; absent: none", None)
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
    at = _Where(path, lines)
    config = _build(RunConfig, data, (), at)
    _check_data(config, at)
    _check_ollama(config.export.ollama, at)
    _check_sft(config.sft, at)
    if config.prefer is not None:
        _check_prefer(config.prefer, at)
    return config


def _check_prefer(prefer: PreferConfig, at: _Where) -> None:
    if prefer.trainer not in TRAINERS:
        raise at.error(("prefer", "trainer"), f"{prefer.trainer!r}; use one of {', '.join(TRAINERS)}")
    for key in ("beta", "learning_rate"):
        if not getattr(prefer, key) > 0:
            raise at.error(("prefer", key), f"must be > 0, got {getattr(prefer, key)}")
    for key in ("max_steps", "batch_size", "grad_accum", "max_length", "lora_r", "logging_steps"):
        if getattr(prefer, key) < 1:
            raise at.error(("prefer", key), f"must be at least 1, got {getattr(prefer, key)}")
    for case, reply in prefer.chosen.items():
        if not reply.strip():
            raise at.error(("prefer", "chosen", case), "an empty reply cannot be `chosen`")


def _check_sft(sft: SFTConfig, at: _Where) -> None:
    """Values only; whether this machine can meet them (CUDA, bitsandbytes) is decided when SFT starts."""
    from trainers.placement import DEVICES, PRECISIONS

    if sft.save_every < 0:
        raise at.error(("sft", "save_every"), f"a number of steps (0: never), got {sft.save_every}")

    for key, value, allowed in (("device", sft.device, DEVICES), ("precision", sft.precision, PRECISIONS)):
        if value not in allowed:
            raise at.error(("sft", key), f"{value!r}; use one of {', '.join(allowed)}")


SHARE_TOLERANCE = 1e-6


def _check_data(config: RunConfig, at: _Where) -> None:
    """Either data.train or data.sources; shares in (0, 1] that sum to 1; every source file there."""
    data = config.data
    if data.train is None and not data.sources:
        raise at.error(("data",), "give the training data: data.train, or data.sources [{path, share}] to mix")
    if data.train is not None and data.sources:
        raise at.error(("data", "sources"), "give data.train or data.sources, not both", key=True)
    if data.mix_size is not None and (not data.sources or data.mix_size < 1):
        raise at.error(("data", "mix_size"), "a positive number of examples, and only with data.sources")
    seen: dict[Path, int] = {}
    for i, source in enumerate(data.sources):
        if not 0.0 < source.share <= 1.0:
            raise at.error(("data", "sources", i, "share"), f"a share is in (0, 1] (not percent), got {source.share}")
        resolved = config.resolve(source.path)
        if not resolved.is_file():
            raise at.error(("data", "sources", i, "path"), f"{resolved} does not exist")
        if resolved.resolve() in seen:
            raise at.error(("data", "sources", i, "path"), f"the same file as data.sources[{seen[resolved.resolve()]}]")
        seen[resolved.resolve()] = i
    total = sum(source.share for source in data.sources)
    if data.sources and abs(total - 1.0) > SHARE_TOLERANCE:
        shares = " + ".join(f"{s.share:g}" for s in data.sources)
        raise at.error(("data", "sources"), f"the shares sum to {total:.6g} ({shares}), not 1")


def _check_ollama(ollama: OllamaConfig, at: _Where) -> None:
    from trainers.modelfile import FAMILIES

    where = ("export", "ollama")
    if ollama.template is not None and ollama.template not in FAMILIES:
        raise at.error((*where, "template"), f"unknown family {ollama.template!r}; known: {', '.join(FAMILIES)}")
    if ollama.temperature is not None and ollama.temperature < 0:
        raise at.error((*where, "temperature"), f"must be >= 0, got {ollama.temperature}")
    if ollama.top_p is not None and not 0.0 < ollama.top_p <= 1.0:
        raise at.error((*where, "top_p"), f"must be in (0, 1], got {ollama.top_p}")
    if ollama.num_ctx is not None and ollama.num_ctx < 1:
        raise at.error((*where, "num_ctx"), f"must be at least 1, got {ollama.num_ctx}")


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
    options = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType) and len(options) == 2 and type(None) in options:
        if value is None:
            return None  # X | None: anything else is judged as an X, so its error names the inner key
        return _coerce(next(o for o in options if o is not type(None)), value, where, at)
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
