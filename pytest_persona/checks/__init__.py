"""The check registry: built-in checks by lazy module, custom ones by decorator or entry point.

Built-ins are imported only when an eval set names them. Packages add checks through the
``pytest_persona.checks`` entry-point group (each entry point is a module that registers
its checks on import, or a ``module:attr`` CheckDef); a conftest uses ``@register_check``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..registry import Registry, did_you_mean
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
    "no_invented_entities": "pytest_persona.checks.entities",
    "no_emoji": "pytest_persona.checks.style",
    "no_repetition": "pytest_persona.checks.style",
    "no_parroting": "pytest_persona.checks.style",
    "no_fluff": "pytest_persona.checks.style",
    "style_like": "pytest_persona.checks.style_like",
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


class UnknownCheckError(LookupError):
    """A check name nobody registered; the message lists the known ones."""

    def __init__(self, name: str, known: list[str] | None = None) -> None:
        known = known if known is not None else known_checks()
        super().__init__(f"unknown check {name!r}{did_you_mean(name, known)}; known: {', '.join(known)}")
        self.name = name


CHECKS: Registry[CheckDef] = Registry(
    "check",
    ENTRY_POINT_GROUP,
    BUILTIN_MODULES,  # a module registers its checks when imported
    missing=UnknownCheckError,
    accepts=lambda obj: isinstance(obj, CheckDef),
    name_of=lambda obj, entry_point: obj.name,  # type: ignore[attr-defined]
)


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
        doc = (func.__doc__ or "").strip().splitlines()
        definition = CheckDef(
            name=check_name,
            func=func,
            main=main,
            params=params,
            mapping_main=mapping_main,
            prepare=prepare,
            doc=doc[0] if doc else "",
        )
        CHECKS.register(check_name, definition, replace=replace, same=_same_function)
        return func

    return decorate


def _same_function(a: CheckDef, b: CheckDef) -> bool:
    """The same function, possibly re-imported (a conftest loaded again in one process)."""
    return a.func is b.func or (
        getattr(a.func, "__module__", None) == getattr(b.func, "__module__", None)
        and getattr(a.func, "__qualname__", None) == getattr(b.func, "__qualname__", None)
    )


def get_check(name: str) -> CheckDef:
    """The CheckDef for ``name``, importing its module on first use."""
    return CHECKS.get(name)


def known_checks() -> list[str]:
    return CHECKS.names()


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
    "CHECKS",
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
