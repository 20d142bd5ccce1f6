"""The one registry behind checks and backends: lazy built-ins, entry points, clear misses."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pytest_persona.registry import Registry, did_you_mean


class Missing(LookupError):
    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__(f"no {name!r}{did_you_mean(name, known)}; known: {', '.join(known)}")


def make(builtins: dict[str, str], group: str = "pytest_persona.tests.none") -> Registry[object]:
    return Registry("thing", group, builtins, missing=Missing)


def test_a_builtin_module_is_imported_only_when_its_name_is_asked_for(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "lazy_target_mod.py").write_text("import sys\nsys.lazy_target_imported = True\nVALUE = 42\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    registry = make({"answer": "lazy_target_mod:VALUE"})
    assert "answer" in registry.names()
    assert not getattr(sys, "lazy_target_imported", False)  # listing names imports nothing
    assert registry.get("answer") == 42
    assert sys.lazy_target_imported  # type: ignore[attr-defined]
    monkeypatch.delattr(sys, "lazy_target_imported")
    monkeypatch.delitem(sys.modules, "lazy_target_mod")


def test_a_module_target_registers_its_names_on_import(tmp_path: Path, monkeypatch) -> None:
    registry = make({"self_registered": "self_registering_mod"})
    monkeypatch.setattr(sys.modules[__name__], "REGISTRY_UNDER_TEST", registry, raising=False)
    (tmp_path / "self_registering_mod.py").write_text(
        f"import {__name__} as owner\nowner.REGISTRY_UNDER_TEST.register('self_registered', 'hello')\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    assert registry.get("self_registered") == "hello"
    monkeypatch.delitem(sys.modules, "self_registering_mod")


def test_registering_a_name_twice_needs_replace() -> None:
    registry = make({})
    registry.register("x", "first")
    registry.register("x", "first")  # the same object again is harmless (a conftest imported twice)
    with pytest.raises(ValueError, match="thing 'x' is already registered"):
        registry.register("x", "second")
    assert registry.register("x", "second", same=lambda old, new: True) == "second"
    registry.register("x", "third", replace=True)
    assert registry.get("x") == "third"


def test_an_unknown_name_says_what_is_known_and_the_near_miss() -> None:
    registry = make({"refusal": "nowhere:x", "regex": "nowhere:y"})
    with pytest.raises(Missing, match=r"no 'refusl' \(did you mean 'refusal'\?\); known: refusal, regex"):
        registry.get("refusl")


def test_entry_points_are_found_once_and_filtered(tmp_path: Path) -> None:
    """A real installed distribution (a .dist-info on sys.path) adds names through its group."""
    site = tmp_path / "site"
    (site / "ep_pkg").mkdir(parents=True)
    (site / "ep_pkg" / "__init__.py").write_text("GOOD = 'from an entry point'\nBAD = 7\n")
    info = site / "ep_pkg-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: ep-pkg\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[pytest_persona.tests.group]\ngood = ep_pkg:GOOD\nbad = ep_pkg:BAD\n")
    script = textwrap.dedent(
        """
        from pytest_persona.registry import Registry
        r = Registry("thing", "pytest_persona.tests.group", {}, missing=lambda n, k: LookupError(n),
                     accepts=lambda obj: isinstance(obj, str))
        print(r.get("good"), r.names(), "bad" in r)
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], env={"PYTHONPATH": str(site)}, capture_output=True, text=True, check=True
    )
    assert out.stdout.split("\n")[0] == "from an entry point ['good'] False"


def test_a_missing_dependency_is_reported_by_the_callers_error(monkeypatch) -> None:
    registry: Registry[object] = Registry(
        "backend",
        "pytest_persona.tests.none",
        {"gone": "surely_not_installed_pkg.sub:Thing"},
        missing=Missing,
        unimportable=lambda name, exc: RuntimeError(f"{name} needs {exc.name}"),
    )
    with pytest.raises(RuntimeError, match="gone needs surely_not_installed_pkg"):
        registry.get("gone")


def test_checks_and_backends_share_the_registry() -> None:
    from pytest_persona.backends import BACKENDS, backend_class
    from pytest_persona.checks import CHECKS, UnknownCheckError, get_check

    assert isinstance(CHECKS, Registry) and isinstance(BACKENDS, Registry)
    assert get_check("regex").name == "regex"
    assert backend_class("replay").__name__ == "ReplayBackend"
    with pytest.raises(UnknownCheckError, match="did you mean 'regex'"):
        get_check("regx")
