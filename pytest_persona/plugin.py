"""pytest-persona's hooks and fixture. Each hook is a line or two handing work to the session
object (adapter/session.py) or the collection nodes (adapter/items.py).

Inert until asked for: this module imports only pytest and the option table, and the session
(settings, engine, backends, checks) is built only when a persona option or ini value is set,
an eval set is collected, or a test uses ``persona_model``. A project that runs no eval set
pays for none of it.
"""

from __future__ import annotations

import sys
from collections.abc import Generator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from .adapter.options import add_options, persona_requested

if TYPE_CHECKING:
    from .adapter.session import PersonaSession
    from .api import PersonaModel

SESSION_PLUGIN = "persona-session"


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    from . import hookspecs

    pluginmanager.add_hookspecs(hookspecs)


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> int | None:
    if config.option.persona_list_checks:
        from .checks.catalog import catalog_text

        sys.stdout.write(catalog_text())
        return 0
    return None


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "persona: an eval-set case or gate run by pytest-persona")
    if config.option.help or config.option.version or config.option.persona_list_checks:
        return
    if persona_requested(config):
        _persona(config)


def _persona(config: pytest.Config) -> PersonaSession:
    """The session, built on first need (see the module docstring)."""
    persona = _active(config)
    if persona is None:
        from .adapter.startup import start_session

        persona = start_session(config, SESSION_PLUGIN)
    return persona


def _active(config: pytest.Config) -> PersonaSession | None:
    """The session when it has been built (it registers itself as a plugin by that name)."""
    return config.pluginmanager.get_plugin(SESSION_PLUGIN)


@pytest.hookimpl(tryfirst=True, optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Under ``-n N`` (``--dist load``), keep each eval set × checkpoint on one worker."""
    persona = _active(config)
    if persona is None or config.getvalue("dist") != "load":
        return None
    from .adapter.scheduling import make_scheduler

    return make_scheduler(config, log, compared=persona.settings.reference is not None)


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    persona = _active(parent.config)
    if file_path.suffix in (".yaml", ".yml"):
        from .core.peek import looks_like_evalset

        if looks_like_evalset(file_path):
            from .adapter.items import EvalSetFile

            _persona(parent.config)
            return EvalSetFile.from_parent(parent, path=file_path)
    if persona is not None and persona.settings.datasets:
        hygiene = persona.settings.datasets.get(file_path.resolve())
        if hygiene is not None:
            from .adapter.dataset_items import DatasetFile

            return DatasetFile.from_parent(parent, path=file_path, hygiene=hygiene)
    return None


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "persona_model" in metafunc.fixturenames:
        from .adapter.startup import parametrize_persona_model

        parametrize_persona_model(metafunc, _persona(metafunc.config))


@pytest.fixture
def persona_model(request: pytest.FixtureRequest) -> PersonaModel:
    """The checkpoint under test, once per ``--model``: ``persona_model.chat("…")``."""
    from .api import PersonaModel

    persona = _persona(request.config)
    return PersonaModel(request.param, persona.state.pool, base_dir=Path(request.node.path).parent)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    persona = _active(config)
    if persona is not None:
        persona.order_items(items)
        if persona.settings.export_batch is not None:
            persona.export_batches(config, items)


def pytest_collection_finish(session: pytest.Session) -> None:
    persona = _active(session.config)
    if persona is not None:
        persona.plan(session.items)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None, Any, Any]:
    """Generate a checkpoint's replies before its first item starts, so progress lines stand alone."""
    persona = _active(item.config)
    if persona is not None:
        persona.before_item(item)
    return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
    report = yield
    persona = _active(item.config)
    if persona is not None:
        persona.annotate(item, call.when, report)
    return report


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None, None, None]:
    try:
        return (yield)
    finally:
        persona = _active(item.config)
        if persona is not None:
            persona.after_item(item, nextitem)


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    persona = _active(session.config)
    if persona is not None:
        persona.finish(session)


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    persona = _active(config)
    if persona is not None and persona.release is not None:
        from .adapter.terminal import write_summary

        write_summary(terminalreporter, persona.release, persona.settings.reports)
