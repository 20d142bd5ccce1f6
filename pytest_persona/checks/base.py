"""The vocabulary every check speaks: its result, the case context it sees, its declaration.

A check is a pure function ``(reply, args, ctx) -> CheckResult``. It never touches a model,
a file or the network at run time; anything costly (loading a schema, compiling a regex) is
done once by the check's ``prepare`` hook when the eval set is loaded.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

EXCERPT_WIDTH = 40
MAX_SPAN_SHOWN = 120


@dataclass(frozen=True)
class CheckResult:
    """Verdict of one check on one reply; ``detail`` says why, ``span`` locates the offence."""

    name: str
    passed: bool
    detail: str = ""
    span: tuple[int, int] | None = None
    error: bool = False  # the check itself could not run (bad args at run time, time bound hit)

    def __bool__(self) -> bool:
        return self.passed

    def named(self, name: str) -> CheckResult:
        return replace(self, name=name)

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"name": self.name, "passed": self.passed, "detail": self.detail}
        if self.span is not None:
            data["span"] = list(self.span)
        if self.error:
            data["error"] = True
        return data


def passed(detail: str = "") -> CheckResult:
    """A passing result; the registry fills in the check's name."""
    return CheckResult(name="", passed=True, detail=detail)


def failed(detail: str, reply: str | None = None, span: tuple[int, int] | None = None) -> CheckResult:
    """A failing result; with ``reply`` and ``span`` the detail ends with the offending excerpt."""
    if reply is not None and span is not None:
        detail = f"{detail} at {span[0]}..{span[1]}: {excerpt(reply, *span)}"
    return CheckResult(name="", passed=False, detail=detail, span=span)


def check_error(detail: str) -> CheckResult:
    """The check could not reach a verdict; it counts as a failure and says so."""
    return CheckResult(name="", passed=False, detail=f"check error: {detail}", error=True)


def excerpt(reply: str, start: int, end: int, width: int = EXCERPT_WIDTH) -> str:
    """Show ``reply[start:end]`` bracketed by ``»…«`` with a little context either side.

    A long span is shown by its two ends, so a 1 MB offence never makes a 1 MB detail."""
    left = max(0, start - width)
    right = min(len(reply), end + width)
    head = ("…" if left > 0 else "") + reply[left:start]
    tail = reply[end:right] + ("…" if right < len(reply) else "")
    body = reply[start:end]
    if len(body) > MAX_SPAN_SHOWN:
        half = MAX_SPAN_SHOWN // 2
        body = f"{body[:half]}…({len(body) - 2 * half} more)…{body[-half:]}"
    return repr(f"{head}»{body}«{tail}")


@dataclass(frozen=True)
class Message:
    role: str
    content: str


@dataclass(frozen=True)
class CheckContext:
    """What a check may know about the case besides the reply."""

    messages: tuple[Message, ...] = ()  # the full request, system prompt included
    context: Mapping[str, Any] = field(default_factory=dict)  # the case's `context:` facts
    base_dir: Path | None = None  # directory of the eval-set file, for relative paths
    special_tokens: tuple[str, ...] = ()  # the checkpoint's own special tokens, when known
    count_tokens: Callable[[str], int] | None = None  # the checkpoint's tokenizer, when known
    latency_s: float | None = None
    finish_reason: str | None = None

    @property
    def system(self) -> str:
        return "\n".join(m.content for m in self.messages if m.role == "system")

    @property
    def user_texts(self) -> tuple[str, ...]:
        return tuple(m.content for m in self.messages if m.role == "user")

    @property
    def prompt(self) -> str:
        """The last user turn: what the reply answers."""
        users = self.user_texts
        return users[-1] if users else ""


class CheckArgError(ValueError):
    """Bad arguments for a check; raised at load time so the eval set names file and line."""


@dataclass(frozen=True)
class Param:
    """One argument a check accepts: allowed Python types, whether required, its default."""

    types: tuple[type, ...]
    default: Any = None
    required: bool = False
    help: str = ""


CheckFunc = Callable[[str, Mapping[str, Any], CheckContext], CheckResult]
PrepareFunc = Callable[[dict[str, Any], "Path | None"], dict[str, Any]]


@dataclass(frozen=True)
class CheckDef:
    """A registered check: its function, the shorthand argument, the arguments it accepts."""

    name: str
    func: CheckFunc
    main: str | None = None  # `name: value` (a scalar or list) is shorthand for {main: value}
    params: Mapping[str, Param] | None = None  # None: any arguments (custom checks)
    mapping_main: bool = False  # the whole mapping is the main argument (json_fields)
    prepare: PrepareFunc | None = None
    doc: str = ""

    def normalize(self, raw: Any, base_dir: Path | None = None) -> dict[str, Any]:
        """Turn the YAML form (None, scalar, list or mapping) into validated, prepared args."""
        if raw is None or raw is True:
            args: dict[str, Any] = {}
        elif isinstance(raw, Mapping) and self.mapping_main and self.main:
            args = {self.main: dict(raw)}
        elif isinstance(raw, Mapping):
            args = dict(raw)
        elif self.main is not None:
            args = {self.main: raw}
        else:
            raise CheckArgError(f"check '{self.name}' takes no shorthand value (got {raw!r})")
        if self.params is not None:
            args = _validate(self, args)
        if self.prepare is not None:
            args = self.prepare(args, base_dir)
        return args


def _validate(defn: CheckDef, args: dict[str, Any]) -> dict[str, Any]:
    params = defn.params or {}
    unknown = sorted(set(args) - set(params))
    if unknown:
        known = ", ".join(sorted(params)) or "none"
        raise CheckArgError(f"check '{defn.name}' has no argument {unknown[0]!r}; arguments: {known}")
    out: dict[str, Any] = {}
    for key, spec in params.items():
        if key not in args:
            if spec.required:
                raise CheckArgError(f"check '{defn.name}' needs argument {key!r}")
            out[key] = spec.default
            continue
        value = args[key]
        if isinstance(value, bool) and bool not in spec.types:
            ok = False  # YAML `yes` is not a number
        else:
            ok = isinstance(value, spec.types)
        if not ok:
            want = " or ".join(_type_name(t) for t in spec.types)
            raise CheckArgError(
                f"check '{defn.name}' argument {key!r} must be {want}, got {_type_name(type(value))} {value!r}"
            )
        out[key] = value
    return out


def _type_name(t: type) -> str:
    return {
        str: "a string",
        int: "an integer",
        float: "a number",
        bool: "true/false",
        list: "a list",
        dict: "a mapping",
        type(None): "null",
    }.get(t, t.__name__)


def as_list(value: Any) -> list[Any]:
    """A scalar or a sequence, as a list (for arguments that accept either)."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def str_list(value: Any, what: str) -> tuple[str, ...]:
    """Validate a string-or-list-of-strings argument."""
    items = as_list(value)
    for item in items:
        if not isinstance(item, str):
            raise CheckArgError(f"{what} must be strings, got {item!r}")
    return tuple(items)
