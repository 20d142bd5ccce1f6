"""pytest-persona's hooks and fixtures. Thin: the work lives in small modules beside this one.

No model library is imported here; backends load their dependencies when a checkpoint runs.
"""

from __future__ import annotations

import sys
from collections.abc import Generator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from . import hookspecs
from .api import PersonaModel
from .backends import Checkpoint
from .core.evalset import looks_like_evalset
from .adapter.items import CaseItem, CompareItem, EvalSetFile, GateItem, PersonaItem, persona_key
from .core.engine import RunState
from .adapter.progress import ProgressLine
from .reports.build import RunResults, write_reports
from .adapter.settings import Settings, add_options, resolve_settings, settings_key
from .adapter.terminal import comparison_lines, format_table, gate_rows, verdict_line


@dataclass
class PersonaSession:
    """Per-process plugin state, kept in ``config.stash``."""

    settings: Settings
    state: RunState
    results: RunResults = field(default_factory=RunResults)
    usage_errors: list[str] = field(default_factory=list)
    evalset_files: int = 0
    wants_model: bool = False

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Gather case results here, on the controller, from every worker's reports."""
        payload = getattr(report, "persona", None)
        if payload is not None:
            self.results.add(payload)
        comparison = getattr(report, "persona_comparison", None)
        if comparison is not None:
            self.results.comparisons.append(comparison)


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
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
    settings = resolve_settings(config)
    config.stash[settings_key] = settings
    progress = ProgressLine(config)
    hook = config.hook.pytest_persona_make_backend
    state = RunState(
        checkpoints={c.name: c for c in settings.checkpoints},
        make_backend=lambda checkpoint: hook(config=config, checkpoint=checkpoint),
        on_progress=progress.update,
        cache_dir=settings.cache_dir,
        cache_mode=settings.cache,
        # asked when generation starts, after every conftest is loaded: replies of a
        # conftest-supplied backend are never cached (its code is not in the key)
        custom_backends=lambda: bool(hook.get_hookimpls()),
        per_evalset=hasattr(config, "workerinput"),
    )
    persona = PersonaSession(settings=settings, state=state)
    config.stash[persona_key] = persona
    config.pluginmanager.register(persona, "persona-session")
    if settings.evalset_paths and config.args_source != pytest.Config.ArgsSource.ARGS:
        config.args = [*config.args, *(str(p) for p in settings.evalset_paths)]
    if settings.datasets:
        config.args = [*config.args, *(str(p) for p in settings.datasets)]


@pytest.hookimpl(tryfirst=True, optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Under ``-n N`` (``--dist load``), keep each eval set × checkpoint on one worker."""
    persona = config.stash.get(persona_key, None)
    if persona is None or config.getvalue("dist") != "load":
        return None
    from .adapter.scheduling import make_scheduler

    return make_scheduler(config, log, compared=persona.settings.reference is not None)


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    persona = parent.config.stash.get(persona_key, None)
    if persona is None:
        return None
    if file_path.suffix in (".yaml", ".yml") and looks_like_evalset(file_path):
        return EvalSetFile.from_parent(parent, path=file_path)
    hygiene = persona.settings.datasets.get(file_path.resolve())
    if hygiene is not None:
        from .adapter.dataset_items import DatasetFile

        return DatasetFile.from_parent(parent, path=file_path, hygiene=hygiene)
    return None


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "persona_model" not in metafunc.fixturenames:
        return
    persona = metafunc.config.stash[persona_key]
    persona.wants_model = True
    checkpoints = persona.settings.checkpoints
    metafunc.parametrize("persona_model", checkpoints, ids=[c.name for c in checkpoints], indirect=True)


@pytest.fixture
def persona_model(request: pytest.FixtureRequest) -> PersonaModel:
    """The checkpoint under test, once per ``--model``: ``persona_model.chat("…")``."""
    checkpoint: Checkpoint = request.param
    persona = request.config.stash[persona_key]
    return PersonaModel(checkpoint, persona.state, base_dir=Path(request.node.path).parent)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    persona = config.stash.get(persona_key, None)
    if persona is None:
        return
    if persona.usage_errors:
        raise pytest.UsageError(*persona.usage_errors)
    # eval sets given with --persona-dataset and no model only feed the leakage rule
    needs_model = persona.wants_model or (persona.evalset_files and not persona.settings.datasets)
    if needs_model and not persona.settings.checkpoints:
        raise pytest.UsageError(
            "eval sets (or tests using persona_model) were collected but no checkpoint was given: "
            "pass --model PATH (a .gguf file, an HF "
            "directory, an http(s)://…/v1 server, a .jsonl replay file or smollm2-135m), "
            "--model-manifest manifest.json, or set persona_models in the ini file"
        )
    # one checkpoint at a time, the reference first: each is loaded once, released before the next
    names = [c.name for c in persona.settings.checkpoints]
    reference = persona.settings.reference
    if reference is not None:
        names.remove(reference)
        names.insert(0, reference)
    order = {name: i for i, name in enumerate(names)}
    items.sort(key=lambda item: order.get(getattr(item, "checkpoint", ""), -1))


def pytest_collection_finish(session: pytest.Session) -> None:
    persona = session.config.stash.get(persona_key, None)
    if persona is None:
        return
    needed = []
    for item in session.items:
        if isinstance(item, CaseItem):
            needed.append((item.checkpoint, item.case))
        elif isinstance(item, GateItem | CompareItem):
            needed.extend((item.checkpoint, case) for case in item.evalset.cases if not (case.skip or case.xfail))
    persona.state.plan(needed, (item.checkpoint for item in session.items if isinstance(item, PersonaItem)))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None, Any, Any]:
    """Generate a checkpoint's replies before its first item starts, so progress lines stand alone."""
    if isinstance(item, PersonaItem):
        item.persona.state.prepare(item.checkpoint, item.evalset.name)
    return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
    report = yield
    if isinstance(item, CaseItem) and (call.when == "call" or (call.when == "setup" and report.skipped)):
        report.persona = case_payload(item)  # plain data: survives xdist's report serialisation
    if isinstance(item, CompareItem) and call.when == "call" and item.comparison is not None:
        report.persona_comparison = item.comparison
    if isinstance(item, PersonaItem) and call.when == "call":
        _junit_properties(item)
    return report


def case_payload(item: CaseItem) -> list[dict[str, Any]]:
    """One dict per sample for the reports, with what the controller needs to judge gates."""
    common = {
        "threshold": item.evalset.min_pass_rate,
        "confidence": item.evalset.confidence,
        "expected_failure": bool(item.case.xfail),
        "k_of_n": item.case.k_of_n,
    }
    if item.verdict is None:  # skipped before it ran
        return [{"evalset": item.case.evalset, "case": item.case.id, "checkpoint": item.checkpoint, "skipped": True}
                | common]  # fmt: skip
    fingerprint = item.persona.state.fingerprint(item.checkpoint)
    return [outcome.as_dict() | common | {"fingerprint": fingerprint} for outcome in item.verdict.samples]


def _junit_properties(item: PersonaItem) -> None:
    """Checkpoint, eval set, tags and failing checks as JUnit XML properties, for CI dashboards."""
    properties = [("checkpoint", item.checkpoint), ("evalset", item.evalset.name)]
    if isinstance(item, CaseItem):
        properties.append(("tags", ",".join(item.case.tags)))
        if item.verdict is not None and not item.verdict.passed:
            failing = sorted({r.name for o in item.verdict.samples for r in o.failing}) or ["no reply"]
            properties.append(("failing_checks", ",".join(failing)))
    item.user_properties.extend(properties)  # JUnit XML reads them from the teardown report


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None, None, None]:
    try:
        return (yield)
    finally:
        if isinstance(item, PersonaItem):
            following = nextitem.checkpoint if isinstance(nextitem, PersonaItem) else None
            item.persona.state.item_done(item.checkpoint, following)


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    persona = config.stash.get(persona_key, None)
    if persona is None or not (persona.results.results or persona.results.skipped):
        return
    gates = persona.results.gates()
    terminalreporter.section("persona gate")
    for line in format_table(gate_rows(gates)):
        terminalreporter.write_line(line)
    baseline = persona.settings.baseline
    if baseline is not None:
        found = baseline.summary(persona.results.results)
        terminalreporter.write_line("")
        counts = f"{len(found['regressions'])} regression(s), {len(found['new_passes'])} new pass(es)"
        terminalreporter.write_line(f"baseline {baseline.path}: {counts}")
        for r in found["regressions"]:
            terminalreporter.write_line(f"  pass → fail: {r['evalset']}::{r['case']}[{r['checkpoint']}]", red=True)
        for r in found["new_passes"]:
            terminalreporter.write_line(f"  fail → pass: {r['evalset']}::{r['case']}[{r['checkpoint']}]", green=True)
    comparisons = persona.results.comparisons
    if comparisons:
        terminalreporter.write_line("")
        for line in comparison_lines(comparisons):
            terminalreporter.write_line(line)
    passed = all(g.passed for g in gates) and all(c["passed"] for c in comparisons)
    terminalreporter.write_line(verdict_line(gates, comparisons), green=passed, red=not passed, bold=True)
    for path in persona.settings.reports:
        terminalreporter.write_line(f"report written: {path}")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    persona = session.config.stash.get(persona_key, None)
    if persona is None:
        return
    persona.state.close()
    settings = persona.settings
    if hasattr(session.config, "workerinput") or not (persona.results.results or persona.results.skipped):
        return
    reports = settings.reports + ((settings.save_baseline,) if settings.save_baseline else ())
    if reports:
        command = list(session.config.invocation_params.args)
        write_reports(reports, persona.results, settings.checkpoints, command, settings.baseline)
