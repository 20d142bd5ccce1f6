"""The check registry: built-in checks by lazy module, custom ones by decorator or entry point.

Built-ins are imported only when an eval set names them. Packages add checks through the
``pytest_persona.checks`` entry-point group (each entry point is a module that registers
its checks on import, or a ``module:attr`` CheckDef); a conftest uses ``@register_check``.
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from .base import (
    CheckArgError,
    CheckContext,
    CheckDef,
    CheckFunc,
    CheckResult,
    Message,
    Param,
    PrepareFunc,
    check_error,
    excerpt,
    failed,
    passed,
)

ENTRY_POINT_GROUP = "pytest_persona.checks"

# name -> module that registers it on import (kept in sync with DESIGN.md's list)
BUILTIN_MODULES: dict[str, str] = {
    "json_valid": "pytest_persona.checks.structured",
    "json_schema": "pytest_persona.checks.structured",
    "json_fields": "pytest_persona.checks.structured",
    "refusal": "pytest_persona.checks.refusal",
    "no_refusal": "pytest_persona.checks.refusal",
    "identity": "pytest_persona.checks.identity",
    "no_invented_numbers": "pytest_persona.checks.numbers",
    "no_emoji": "pytest_persona.checks.style",
    "no_repetition": "pytest_persona.checks.style",
    "no_parroting": "pytest_persona.checks.style",
    "no_fluff": "pytest_persona.checks.style",
    "no_template_leak": "pytest_persona.checks.template",
    "max_tokens": "pytest_persona.checks.length",
    "max_words": "pytest_persona.checks.length",
    "max_latency": "pytest_persona.checks.length",
    "forbidden_words": "pytest_persona.checks.text",
    "regex": "pytest_persona.checks.text",
    "contains": "pytest_persona.checks.text",
    "not_contains": "pytest_persona.checks.text",
    "language": "pytest_persona.checks.language",
}

_REGISTRY: dict[str, CheckDef] = {}
_entry_points_loaded = False


class UnknownCheckError(LookupError):
    """A check name nobody registered; the message lists the known ones."""

    def __init__(self, name: str) -> None:
        known = known_checks()
        close = difflib.get_close_matches(name, known, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        super().__init__(f"unknown check {name!r}{hint}; known: {', '.join(known)}")
        self.name = name


def register_check(
    name: str | None = None,
    *,
    main: str | None = None,
    params: Mapping[str, Param] | None = None,
    mapping_main: bool = False,
    prepare: PrepareFunc | None = None,
    replace: bool = False,
) -> Callable[[CheckFunc], CheckFunc]:
    """Register ``func(reply, args, ctx) -> CheckResult`` under ``name`` (default: its own name).

    ``main`` names the argument a bare scalar or list stands for; ``params`` declares the
    accepted arguments (unknown ones become load-time errors); ``prepare`` runs once per
    eval-set entry to validate and precompute (load a schema, compile a pattern).
    """

    def decorate(func: CheckFunc) -> CheckFunc:
        check_name = name or func.__name__
        existing = _REGISTRY.get(check_name)
        if existing is not None and not replace and not _same_function(existing.func, func):
            raise ValueError(f"check {check_name!r} is already registered (pass replace=True to override)")
        doc = (func.__doc__ or "").strip().splitlines()
        _REGISTRY[check_name] = CheckDef(
            name=check_name,
            func=func,
            main=main,
            params=params,
            mapping_main=mapping_main,
            prepare=prepare,
            doc=doc[0] if doc else "",
        )
        return func

    return decorate


def _same_function(a: CheckFunc, b: CheckFunc) -> bool:
    """The same function, possibly re-imported (a conftest loaded again in one process)."""
    return a is b or (
        getattr(a, "__module__", None) == getattr(b, "__module__", None)
        and getattr(a, "__qualname__", None) == getattr(b, "__qualname__", None)
    )


def _load_entry_points() -> None:
    global _entry_points_loaded
    if _entry_points_loaded:
        return
    _entry_points_loaded = True
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        target = ep.load()
        if isinstance(target, CheckDef):
            _REGISTRY.setdefault(target.name, target)


def get_check(name: str) -> CheckDef:
    """The CheckDef for ``name``, importing its module on first use."""
    if name in _REGISTRY:
        return _REGISTRY[name]
    module = BUILTIN_MODULES.get(name)
    if module is not None:
        importlib.import_module(module)
    else:
        _load_entry_points()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise UnknownCheckError(name) from None


def known_checks() -> list[str]:
    _load_entry_points()
    return sorted(set(BUILTIN_MODULES) | set(_REGISTRY))


@dataclass(frozen=True)
class CheckSpec:
    """One entry of a case's ``checks:`` list, resolved and with prepared arguments."""

    name: str
    args: Mapping[str, Any] = field(default_factory=dict)

    @property
    def definition(self) -> CheckDef:
        return get_check(self.name)

    @classmethod
    def parse(cls, raw: Any, base_dir: Path | None = None) -> CheckSpec:
        """``name`` or ``{name: args}`` → CheckSpec; raises UnknownCheckError / CheckArgError."""
        if isinstance(raw, str):
            name, value = raw, None
        elif isinstance(raw, Mapping) and len(raw) == 1:
            ((name, value),) = raw.items()
            if not isinstance(name, str):
                raise CheckArgError(f"a check name must be a string, got {name!r}")
        else:
            raise CheckArgError(f"a check is a name or a one-key mapping {{name: args}}, got {raw!r}")
        definition = get_check(name)
        return cls(name=name, args=definition.normalize(value, base_dir))


def run_check(spec: CheckSpec | str, reply: str, ctx: CheckContext | None = None, **args: Any) -> CheckResult:
    """Run one check. A string name takes keyword ``args``; any exception becomes a check error."""
    if isinstance(spec, str):
        spec = CheckSpec(spec, get_check(spec).normalize(args or None, ctx.base_dir if ctx else None))
    ctx = ctx or CheckContext()
    try:
        result = spec.definition.func(reply, spec.args, ctx)
    except Exception as exc:  # a check must never take the run down
        result = check_error(f"{type(exc).__name__}: {exc}")
    return result.named(spec.name)


def run_checks(specs: Iterable[CheckSpec], reply: str, ctx: CheckContext) -> list[CheckResult]:
    return [run_check(spec, reply, ctx) for spec in specs]


__all__ = [
    "BUILTIN_MODULES",
    "CheckArgError",
    "CheckContext",
    "CheckDef",
    "CheckResult",
    "CheckSpec",
    "Message",
    "Param",
    "UnknownCheckError",
    "check_error",
    "excerpt",
    "failed",
    "get_check",
    "known_checks",
    "passed",
    "register_check",
    "run_check",
    "run_checks",
]
