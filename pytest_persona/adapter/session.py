"""The one session object: gathers case verdicts from every worker's reports, decides the
release once in ``finish()``, sets pytest's exit status from it and writes the reports.

Registered as a plugin (for ``pytest_runtest_logreport``), so it is a plain class: pytest keeps
plugins in a set, and a dataclass with ``eq`` is unhashable there (pytest 8.0–9.0).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from ..core.drift import Drift
from ..core.verdicts import CaseKey, CaseVerdict, Release, SkippedCase, decide
from ..reports import RunRecord
from .junit import junit_properties, junit_verdict

if TYPE_CHECKING:
    from ..core.engine import RunState
    from .settings import Settings


class PersonaSession:
    """Per-process plugin state, kept in ``config.stash[persona_key]``."""

    def __init__(self, settings: Settings, state: RunState) -> None:
        self.settings = settings
        self.state = state
        self.verdicts: dict[CaseKey, CaseVerdict] = {}
        self.skipped: dict[CaseKey, SkippedCase] = {}
        self.never_ran: dict[str, str] = {}
        self.fingerprints: dict[str, str] = {}
        self.replicas: dict[str, list[dict[str, Any]]] = {}
        self.usage_errors: list[str] = []
        self.evalset_files = 0
        self.wants_model = False
        self.release: Release | None = None
        self.case_items: set[CaseKey] = set()  # cases with an item of their own in this run
        self.drifts: dict[tuple[str, str], Drift] = {}  # (evalset, checkpoint) against the reference

    # -- collection and running (on each worker)

    def order_items(self, items: list[pytest.Item]) -> None:
        """Refuse a run without checkpoints; one checkpoint at a time, the reference first, so each
        is loaded once and released before the next."""
        if self.usage_errors:
            raise pytest.UsageError(*self.usage_errors)
        # eval sets given with --persona-dataset and no model only feed the leakage rule
        needs_model = self.wants_model or (self.evalset_files and not self.settings.datasets)
        if needs_model and not self.settings.checkpoints:
            raise pytest.UsageError(
                "eval sets (or tests using persona_model) were collected but no checkpoint was given: "
                "pass --model PATH (a .gguf file, an HF directory, an http(s)://…/v1 server, a .jsonl replay "
                "file or smollm2-135m), --model-manifest manifest.json, or set persona_models in the ini file"
            )
        names = [c.name for c in self.settings.checkpoints]
        reference = self.settings.reference
        if reference is not None:
            names.remove(reference)
            names.insert(0, reference)
        order = {name: i for i, name in enumerate(names)}
        items.sort(key=lambda item: order.get(getattr(item, "checkpoint", ""), -1))

    def export_batches(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        """``--persona-export-batch DIR``: every selected case's requests, one batch file per
        checkpoint, then the persona items are deselected (nothing is generated)."""
        from ..backends.batch import write_batch
        from ..core.engine import request_for
        from .items import CaseItem, GateItem, PersonaItem

        directory = self.settings.export_batch
        assert directory is not None
        wanted: dict[str, dict[tuple[str, str], Any]] = {}
        for item in items:
            if isinstance(item, CaseItem) and not item.case.skip:
                wanted.setdefault(item.checkpoint, {})[(item.case.evalset, item.case.id)] = item.case
            elif isinstance(item, GateItem):
                for case in item.evalset.cases:
                    if not (case.skip or case.xfail):
                        wanted.setdefault(item.checkpoint, {})[(case.evalset, case.id)] = case
        free = self.settings.decoding == "free"
        terminal = config.pluginmanager.get_plugin("terminalreporter")
        for checkpoint in self.settings.checkpoints:
            cases = wanted.get(checkpoint.name, {}).values()
            requests = [request_for(case, sample, free) for case in cases for sample in range(case.samples)]
            path = directory / f"{checkpoint.name}.batch.jsonl"
            count = write_batch(path, requests, checkpoint.options.server_model or checkpoint.name)
            if terminal is not None:
                terminal.write_line(f"[persona] {checkpoint.name}: {count} requests written to {path}")
        persona = [item for item in items if isinstance(item, PersonaItem)]
        if persona:
            config.hook.pytest_deselected(items=persona)
            items[:] = [item for item in items if not isinstance(item, PersonaItem)]

    def plan(self, items: list[pytest.Item]) -> None:
        """Tell the engine which cases each checkpoint must answer (after selection)."""
        from .items import CaseItem, CompareItem, GateItem, PersonaItem

        needed, own_items = [], set()
        for item in items:
            if isinstance(item, CaseItem):
                own_items.add((item.case.evalset, item.case.id, item.checkpoint))
                if not item.case.skip:  # a skipped case is never judged: never generate it
                    needed.append((item.checkpoint, item.case))
            elif isinstance(item, GateItem | CompareItem):
                needed.extend((item.checkpoint, case) for case in item.evalset.cases if not (case.skip or case.xfail))
        self.case_items = own_items
        self.state.plan(needed, (item.checkpoint for item in items if isinstance(item, PersonaItem)))

    def before_item(self, item: pytest.Item) -> None:
        from .items import PersonaItem

        if isinstance(item, PersonaItem):
            self.state.prepare(item.checkpoint, item.evalset.name)

    def after_item(self, item: pytest.Item, nextitem: pytest.Item | None) -> None:
        from .items import PersonaItem

        if isinstance(item, PersonaItem):
            following = nextitem.checkpoint if isinstance(nextitem, PersonaItem) else None
            self.state.item_done(item.checkpoint, following)

    def annotate(self, item: pytest.Item, when: str, report: pytest.TestReport) -> None:
        """Attach the item's results to its report as plain data (it survives xdist's
        serialisation), and JUnit properties."""
        from .items import PersonaItem, payload_of

        if not isinstance(item, PersonaItem):
            return
        payload = payload_of(item, when, report, self.case_items)
        if payload is not None:
            report.persona = payload  # type: ignore[attr-defined]
        if when == "call":
            case = getattr(item, "case", None)
            properties = junit_properties(
                item.checkpoint, item.evalset.name, case.tags if case else None, getattr(item, "verdict", None)
            )
            item.user_properties.extend(properties)  # JUnit XML reads them at teardown

    # -- gathering (on the controller, from every worker's reports)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        payload = getattr(report, "persona", None)
        if payload is not None:
            self.add(payload)

    def add(self, payload: dict[str, Any]) -> None:
        """One item's payload (plain data, see ``payload_of``); each case is kept once."""
        for data in payload.get("verdicts", ()):
            verdict = CaseVerdict.from_dict(data)
            self.verdicts[verdict.key] = verdict
            self.skipped.pop(verdict.key, None)
        for data in payload.get("skipped", ()):
            skip = SkippedCase.from_dict(data)
            if skip.key not in self.verdicts:
                self.skipped[skip.key] = skip
        for data in payload.get("drift", ()):
            drift = Drift.from_dict(data)
            self.drifts[(drift.evalset, drift.checkpoint)] = drift
        self.never_ran.update(payload.get("never_ran", {}))
        self.fingerprints.update(payload.get("fingerprints", {}))
        self.replicas.update(payload.get("replicas", {}))  # the latest counts of each server fleet

    @property
    def has_results(self) -> bool:
        return bool(self.verdicts or self.skipped or self.never_ran)

    # -- deciding

    def decide(self) -> Release:
        return decide(
            list(self.verdicts.values()),
            list(self.skipped.values()),
            reference=self.settings.reference,
            baseline=self.settings.baseline,
            never_ran=self.never_ran,
            drifts=self.drifts,
        )

    def finish(self, session: pytest.Session) -> None:
        """Decide the release, fail the run when it fails, write the reports (controller only)."""
        self.state.close()
        exported = self.settings.export_batch is not None
        if exported and session.exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED:
            session.exitstatus = pytest.ExitCode.OK  # writing the batch files was the whole job
        if hasattr(session.config, "workerinput") or not self.has_results:
            return
        self.release = release = self.decide()
        if not release.passed and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
        junit_verdict(session.config, release)
        paths = self.settings.reports + ((self.settings.save_baseline,) if self.settings.save_baseline else ())
        if paths:
            from ..reports import write_reports

            write_reports(paths, self.record(list(session.config.invocation_params.args)))

    def record(self, command: list[str]) -> RunRecord:
        assert self.release is not None
        return RunRecord(
            release=self.release,
            verdicts=list(self.verdicts.values()),
            skipped=list(self.skipped.values()),
            checkpoints=self.settings.checkpoints,
            fingerprints=self.fingerprints,
            command=command,
            replicas=self.replicas,
        )


persona_key = pytest.StashKey[PersonaSession]()
