"""One registry type for checks and backends: names bound to objects, loaded only when asked for.

A name comes from three places, in this order: ``register()`` (a decorator in a conftest), a
built-in target (``"module:attr"``, or ``"module"`` whose import registers the name itself), or
an entry point of the registry's group (other packages). Nothing is imported until a name is
looked up, so the plugin's start costs nothing (lm-eval's registry, made lazy).
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Callable, Iterator, Mapping
from importlib.metadata import entry_points
from typing import Generic, TypeVar

T = TypeVar("T")


class Registry(Generic[T]):
    """Names → ``T``. ``missing(name, known)`` and ``unimportable(name, error)`` build the
    exceptions the caller's users see (a check error, a backend error), so each layer keeps its own."""

    def __init__(
        self,
        kind: str,
        group: str,
        builtins: Mapping[str, str],
        *,
        missing: Callable[[str, list[str]], Exception],
        unimportable: Callable[[str, ModuleNotFoundError], Exception] | None = None,
        accepts: Callable[[object], bool] = lambda obj: True,
        name_of: Callable[[object, str], str] = lambda obj, entry_point: entry_point,
    ) -> None:
        self.kind = kind
        self.group = group
        self.builtins = dict(builtins)
        self._missing = missing
        self._unimportable = unimportable
        self._accepts = accepts
        self._name_of = name_of
        self._items: dict[str, T] = {}
        self._entry_points_loaded = False

    def register(self, name: str, obj: T, *, replace: bool = False, same: Callable[[T, T], bool] | None = None) -> T:
        """Bind ``name``; binding it again to another object needs ``replace`` (or ``same(old, new)``)."""
        existing = self._items.get(name)
        if existing is not None and not replace and existing is not obj and not (same and same(existing, obj)):
            raise ValueError(f"{self.kind} {name!r} is already registered (pass replace=True to override)")
        self._items[name] = obj
        return obj

    def get(self, name: str) -> T:
        """The object bound to ``name``, importing its module on first use."""
        if name in self._items:
            return self._items[name]
        target = self.builtins.get(name)
        if target is not None:
            module_name, _, attr = target.partition(":")
            try:
                module = importlib.import_module(module_name)
            except ModuleNotFoundError as exc:
                if self._unimportable is None:
                    raise
                raise self._unimportable(name, exc) from None
            if attr:
                self._items.setdefault(name, getattr(module, attr))
        else:
            self._load_entry_points()
        try:
            return self._items[name]
        except KeyError:
            raise self._missing(name, self.names()) from None

    def _load_entry_points(self) -> None:
        """Entry points are loaded all at once, the first time a name is not found elsewhere."""
        if self._entry_points_loaded:
            return
        self._entry_points_loaded = True
        for ep in entry_points(group=self.group):
            loaded = ep.load()  # a module that registers on import, or the object itself
            if self._accepts(loaded):
                self._items.setdefault(self._name_of(loaded, ep.name), loaded)

    def names(self) -> list[str]:
        self._load_entry_points()
        return sorted(set(self.builtins) | set(self._items))

    def is_builtin(self, name: str) -> bool:
        return name in self.builtins

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self.names()

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())


def did_you_mean(name: str, known: list[str]) -> str:
    """`` (did you mean 'x'?)`` for a near miss, else empty."""
    close = difflib.get_close_matches(name, known, n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""
