"""Eval-set YAML → validated, frozen dataclasses, with ``file:line: key:`` in every error.

The file format is described by ``evalset.schema.json`` (shipped with the package, checked
with jsonschema); what a schema cannot say (check names and arguments, unique ids, a
conversation ending with a user turn) is checked here. Defaults merge into each case once,
at load time, so nothing is re-derived per checkpoint.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from ..backends.base import Constraint, GenParams
from ..checks import CheckArgError, CheckSpec, Message, UnknownCheckError
from .decoding import ConstraintError, load_constraint
from .verdicts import Policy
from .yamlsafe import LineMap, PathKey, YamlError, format_path, load_yaml

DEFAULT_MAX_TOKENS = GenParams.max_tokens
RESERVED_ID = "gate"  # test id of the gate item: <yaml>::<evalset>::gate[<checkpoint>]
COMPARE_ID = "compare"  # test id of the comparison item: <yaml>::<evalset>::compare[<checkpoint>]
GENERATION_KEYS = ("max_tokens", "temperature", "top_p", "seed", "stop")


class EvalSetError(Exception):
    """A bad eval set. ``usage`` errors (an unknown check) exit 4, format errors exit 2."""

    def __init__(self, message: str, *, usage: bool = False) -> None:
        super().__init__(message)
        self.usage = usage


@dataclass(frozen=True)
class Case:
    """One prompt and the checks its reply must pass, with defaults already merged in."""

    evalset: str
    id: str
    messages: tuple[Message, ...]
    checks: tuple[CheckSpec, ...]
    params: GenParams
    context: Mapping[str, Any] = field(default_factory=dict)
    tags: tuple[str, ...] = ()
    skip: str | None = None
    xfail: str | None = None
    description: str = ""
    line: int = 1
    samples: int = 1
    k_of_n: int = 1  # samples that must pass

    @property
    def sampled(self) -> bool:
        return self.samples > 1

    @property
    def prompt(self) -> str:
        """The last user turn."""
        for message in reversed(self.messages):
            if message.role == "user":
                return message.content
        return ""


@dataclass(frozen=True)
class EvalSet:
    name: str
    path: Path
    cases: tuple[Case, ...]
    description: str = ""
    system: str | None = None
    min_pass_rate: float = 1.0
    max_regressions: int | None = None  # None: 0 for a contract, unlimited otherwise
    alpha: float = 0.05
    confidence: float = 0.95  # of the Wilson lower bound, for sampled eval sets
    line: int = 1
    max_mean_kl: float | None = None  # drift against the reference (see core.drift)
    min_top1_agreement: float | None = None

    @property
    def is_contract(self) -> bool:
        """Every case must pass: each failing case is a failing test."""
        return self.policy.contract

    @property
    def allowed_regressions(self) -> int | None:
        """Cases that may flip from pass (reference) to fail; None means any number."""
        return self.policy.allowed_regressions

    @property
    def policy(self) -> Policy:
        """The release rule its results are judged by (see core.verdicts)."""
        return Policy(
            self.min_pass_rate, self.confidence, self.max_regressions, self.alpha, self.max_mean_kl,
            self.min_top1_agreement,
        )  # fmt: skip


@cache
def format_schema() -> dict[str, Any]:
    """The JSON Schema of the eval-set format (shipped in the package)."""
    text = resources.files("pytest_persona.core").joinpath("evalset.schema.json").read_text("utf-8")
    return json.loads(text)


@cache
def _format_validator() -> Any:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(format_schema())


def load_evalset(path: Path, display: str | None = None) -> EvalSet:
    """Load and validate one eval-set file; raise EvalSetError naming file, line and key."""
    shown = display or str(path)
    try:
        data, lines = load_yaml(path)
    except YamlError as exc:
        message = str(exc)
        if message.startswith(str(path)):
            message = shown + message[len(str(path)) :]
        raise EvalSetError(message) from None
    return _Builder(path, shown, lines).build(data)


class _Builder:
    def __init__(self, path: Path, shown: str, lines: LineMap) -> None:
        self.path = path
        self.shown = shown
        self.lines = lines
        self.base_dir = path.parent
        self.default_constraint: Constraint | None = None
        self._constraints: dict[str, Constraint | None] = {}  # by the raw value: a default is read once

    def constraint(self, raw: Any, where: PathKey) -> Constraint | None:
        key = json.dumps(raw, sort_keys=True, default=str)
        if key not in self._constraints:
            try:
                self._constraints[key] = load_constraint(raw, self.base_dir)
            except ConstraintError as exc:
                raise self.error(where, str(exc)) from None
        return self._constraints[key]

    def error(self, where: PathKey, message: str, *, key: bool = False, usage: bool = False) -> EvalSetError:
        line = self.lines.line(where, key=key)
        return EvalSetError(f"{self.shown}:{line}: {format_path(where)}: {message}", usage=usage)

    def build(self, data: Any) -> EvalSet:
        if not isinstance(data, dict):
            raise self.error((), "an eval set is a mapping with `evalset:` and `cases:` keys")
        self.validate_format(data)
        name = data["evalset"]
        system = data.get("system")
        context_in = data.get("context_in", "system")
        defaults = data.get("defaults") or {}
        default_checks = self.parse_checks(defaults.get("checks") or [], ("defaults", "checks"))
        self.default_constraint = self.constraint(defaults.get("response_format"), ("defaults", "response_format"))
        cases: list[Case] = []
        seen: dict[str, int] = {}
        for index, raw in enumerate(data["cases"]):
            where: PathKey = ("cases", index)
            case_id = raw["id"]
            if case_id in (RESERVED_ID, COMPARE_ID):
                raise self.error((*where, "id"), f"{case_id!r} is reserved for the eval set's {case_id} item")
            if case_id in seen:
                raise self.error((*where, "id"), f"duplicate case id {case_id!r} (first at line {seen[case_id]})")
            seen[case_id] = self.lines.line((*where, "id"))
            cases.append(self.build_case(name, raw, where, defaults, default_checks, system, context_in))
        gate = data.get("gate") or {}
        return EvalSet(
            name=name,
            path=self.path,
            cases=tuple(cases),
            description=data.get("description", ""),
            system=system,
            min_pass_rate=float(gate.get("min_pass_rate", 1.0)),
            max_regressions=gate.get("max_regressions"),
            alpha=float(gate.get("alpha", 0.05)),
            confidence=float(gate.get("confidence", 0.95)),
            line=self.lines.line(("evalset",)),
            max_mean_kl=_optional_float(gate.get("max_mean_kl")),
            min_top1_agreement=_optional_float(gate.get("min_top1_agreement")),
        )

    def validate_format(self, data: dict[str, Any]) -> None:
        errors = sorted(
            _format_validator().iter_errors(data), key=lambda e: (len(e.absolute_path), list(map(str, e.path)))
        )
        if not errors:
            return
        err = errors[0]
        where = tuple(err.absolute_path)
        if err.validator == "additionalProperties" and isinstance(err.instance, dict):
            allowed = sorted((err.schema.get("properties") or {}).keys())
            extra = sorted(str(k) for k in err.instance if k not in allowed)
            if extra:
                close = difflib.get_close_matches(extra[0], allowed, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise self.error(
                    (*where, extra[0]),
                    f"unknown key {extra[0]!r}{hint}; allowed: {', '.join(allowed)}",
                    key=True,
                )
        if err.validator == "required":
            raise self.error(where, err.message.replace("is a required property", "is required"))
        if err.validator == "pattern" and where and where[-1] in ("id", "evalset"):
            raise self.error(
                where, f"{err.instance!r} may not contain whitespace, '[', ']', ':' or slashes (it becomes a test id)"
            )
        if err.validator == "not" and len(where) >= 2 and where[-2] == "tags":
            raise self.error(
                where,
                f"tag {err.instance!r} is reserved: tags become pytest markers and {err.instance!r} is one of "
                "pytest's own (use the case keys `skip:`/`xfail:` with a reason, or another tag name)",
            )
        raise self.error(where, err.message)

    def parse_checks(self, raw_checks: Sequence[Any], where: PathKey) -> tuple[CheckSpec, ...]:
        specs = []
        for index, raw in enumerate(raw_checks):
            try:
                specs.append(CheckSpec.parse(raw, self.base_dir))
            except UnknownCheckError as exc:
                raise self.error((*where, index), str(exc), usage=True) from None
            except CheckArgError as exc:
                raise self.error((*where, index), str(exc)) from None
        return tuple(specs)

    def build_case(
        self,
        evalset: str,
        raw: dict[str, Any],
        where: PathKey,
        defaults: Mapping[str, Any],
        default_checks: tuple[CheckSpec, ...],
        system: str | None,
        context_in: str,
    ) -> Case:
        case_checks = self.parse_checks(raw.get("checks") or [], (*where, "checks"))
        dropped = raw.get("drop_checks") or []
        default_names = {spec.name for spec in default_checks}
        for index, name in enumerate(dropped):
            if name not in default_names:
                raise self.error(
                    (*where, "drop_checks", index),
                    f"{name!r} is not a default check (defaults: {', '.join(sorted(default_names)) or 'none'})",
                )
        overridden = {spec.name for spec in case_checks} | set(dropped)
        checks = tuple(spec for spec in default_checks if spec.name not in overridden) + case_checks
        if not checks:
            raise self.error(where, "case has no checks (give `checks:` here or in `defaults:`)")

        context = {**(defaults.get("context") or {}), **(raw.get("context") or {})}
        messages = self.build_messages(raw, where, raw.get("system", system), context, context_in)
        constraint = (
            self.constraint(raw["response_format"], (*where, "response_format"))
            if "response_format" in raw  # `response_format: null` decodes this case freely
            else self.default_constraint
        )
        params = GenParams(
            **{
                key: tuple(value) if key == "stop" else value
                for key in GENERATION_KEYS
                if (value := raw.get(key, defaults.get(key))) is not None
            },
            constraint=constraint,
        )
        tags = tuple(dict.fromkeys([*(defaults.get("tags") or []), *(raw.get("tags") or [])]))
        samples = int(raw.get("samples", defaults.get("samples", 1)))
        k_of_n = int(raw.get("k_of_n", defaults.get("k_of_n", samples)))
        if k_of_n > samples:
            key = "k_of_n" if "k_of_n" in raw else "samples"
            raise self.error((*where, key), f"k_of_n ({k_of_n}) cannot exceed samples ({samples})")
        return Case(
            evalset=evalset,
            id=raw["id"],
            messages=messages,
            checks=checks,
            params=params,
            context=context,
            tags=tags,
            skip=raw.get("skip"),
            xfail=raw.get("xfail"),
            description=raw.get("description", ""),
            line=self.lines.line(where),
            samples=samples,
            k_of_n=k_of_n,
        )

    def build_messages(
        self,
        raw: dict[str, Any],
        where: PathKey,
        system: str | None,
        context: Mapping[str, Any],
        context_in: str,
    ) -> tuple[Message, ...]:
        has_prompt, has_messages = "prompt" in raw, "messages" in raw
        if has_prompt == has_messages:
            raise self.error(where, "a case needs exactly one of `prompt:` (one turn) or `messages:` (a conversation)")
        if has_prompt:
            turns = [Message("user", raw["prompt"])]
        else:
            turns = [Message(m["role"], m["content"]) for m in raw["messages"]]
            for index, message in enumerate(turns):
                if message.role == "system" and index != 0:
                    raise self.error((*where, "messages", index), "a system message may only come first")
            if turns[-1].role != "user":
                raise self.error((*where, "messages", len(turns) - 1), "the conversation must end with a user turn")
            if turns[0].role == "system":
                system, turns = turns[0].content, turns[1:]
        if context and context_in == "system":
            system = (system + "\n\n" if system else "") + render_context(context)
        return ((Message("system", system),) if system else ()) + tuple(turns)


def render_context(context: Mapping[str, Any]) -> str:
    """Show a case's facts to the model, one ``- key: value`` line each, in file order."""
    lines = ["Context:"]
    for key, value in context.items():
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
        lines.append(f"- {key}: {shown}")
    return "\n".join(lines)


def _optional_float(value: Any) -> float | None:
    return None if value is None else float(value)
