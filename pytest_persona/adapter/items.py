"""Collection nodes: an eval-set file → its eval set → one item per case × checkpoint (+ a gate).

Test ids read ``<yaml>::<evalset>::<case>[<checkpoint>]``; the gate item of a non-contract
eval set is ``<yaml>::<evalset>::gate[<checkpoint>]``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from ..core.evalset import COMPARE_ID, Case, EvalSet, EvalSetError, load_evalset
from ..core.evalset import RESERVED_ID as GATE
from ..core.verdicts import CaseVerdict, SkippedCase, compare, judge_gate
from .session import persona_key

if TYPE_CHECKING:
    from .session import PersonaSession

MAX_REPLY_SHOWN = 800


class EvalSetFile(pytest.File):
    """A YAML file with a top-level ``evalset:`` key."""

    def collect(self) -> Iterator[pytest.Collector]:
        persona: PersonaSession = self.config.stash[persona_key]
        try:
            display = str(self.path.relative_to(self.config.rootpath))
        except ValueError:
            display = str(self.path)
        try:
            evalset = load_evalset(self.path, display)
        except EvalSetError as exc:
            if exc.usage:
                persona.usage_errors.append(str(exc))
                return
            raise
        other = persona.state.evalsets.get(evalset.name)
        if other is not None and other.path != self.path:
            raise EvalSetError(
                f"{display}:{evalset.line}: evalset: name {evalset.name!r} is already used by {other.path}"
            )
        persona.state.evalsets[evalset.name] = evalset
        persona.evalset_files += 1
        yield EvalSetNode.from_parent(self, name=evalset.name, evalset=evalset)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, EvalSetError):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)  # type: ignore[arg-type]


class EvalSetNode(pytest.Collector):
    def __init__(self, *, evalset: EvalSet, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.evalset = evalset

    def collect(self) -> Iterator[pytest.Item]:
        persona: PersonaSession = self.config.stash[persona_key]
        for checkpoint in persona.settings.checkpoints:
            for case in self.evalset.cases:
                yield CaseItem.from_parent(
                    self, **_named(self, case.id, checkpoint.name), case=case, checkpoint=checkpoint.name
                )
            if not self.evalset.is_contract:
                yield GateItem.from_parent(self, **_named(self, GATE, checkpoint.name), checkpoint=checkpoint.name)
            reference = persona.settings.reference
            if reference is not None and checkpoint.name != reference:
                yield CompareItem.from_parent(
                    self, **_named(self, COMPARE_ID, checkpoint.name), checkpoint=checkpoint.name, reference=reference
                )


def _named(parent: pytest.Collector, base: str, checkpoint: str) -> dict[str, str]:
    """Name and node id of a parametrized item; the id is given whole so that pytest reads
    ``[<checkpoint>]`` as parameters, as for ``@pytest.mark.parametrize`` (``--lf`` relies on it)."""
    name = f"{base}[{checkpoint}]"
    return {"name": name, "nodeid": f"{parent.nodeid}::{name}"}


class PersonaItem(pytest.Item):
    """Common ground of case and gate items: the checkpoint they judge."""

    checkpoint: str

    @property
    def persona(self) -> PersonaSession:
        return self.config.stash[persona_key]

    @property
    def evalset(self) -> EvalSet:
        parent = self.parent
        assert isinstance(parent, EvalSetNode)
        return parent.evalset


class CaseFailed(Exception):
    def __init__(self, verdict: CaseVerdict, case: Case, note: str = "") -> None:
        super().__init__(verdict.reason())
        self.verdict = verdict
        self.case = case
        self.note = note


class GateFailed(Exception):
    pass


class PersonaOutcomeItem(PersonaItem):
    """Failures of these items are verdicts, not bugs: reported as text, without a traceback
    (pytest's default formatting parses the source of every frame, ~0.6 s a case)."""

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        value = excinfo.value
        if isinstance(value, CaseFailed):
            text = describe_failure(value.case, value.verdict)
            return text + (f"\n  regression: {value.note}" if value.note else "")
        if isinstance(value, GateFailed | pytest.xfail.Exception | pytest.fail.Exception):
            return str(value)
        return super().repr_failure(excinfo, style)  # type: ignore[arg-type]

    def reportinfo(self) -> tuple[Any, int, str]:
        line = self.case.line if isinstance(self, CaseItem) else self.evalset.line
        return self.path, line - 1, f"{self.evalset.name}::{self.name}"


class CaseItem(PersonaOutcomeItem):
    def __init__(self, *, case: Case, checkpoint: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.case = case
        self.checkpoint = checkpoint
        self.verdict: CaseVerdict | None = None
        for tag in case.tags:
            self.config.addinivalue_line("markers", f"{tag}: eval-set tag")
            self.add_marker(tag)
        self.add_marker("persona")
        if case.skip:
            self.add_marker(pytest.mark.skip(reason=case.skip))
        if case.xfail:
            self.add_marker(pytest.mark.xfail(reason=case.xfail, strict=False))

    def runtest(self) -> None:
        self.verdict = verdict = self.persona.state.verdict(self.checkpoint, self.case)
        if verdict.status == "passed":
            return
        if verdict.status == "error":  # not the model's failure, but nothing was tested: fail loudly
            raise CaseFailed(verdict, self.case)
        baseline = self.persona.settings.baseline
        if baseline is not None and baseline.regressed(self.case.evalset, self.case.id, self.checkpoint):
            before = baseline.outputs[(self.case.evalset, self.case.id, self.checkpoint)]
            note = f"passed in the baseline {baseline.path}, whose reply was: {_quote(before)}"
            raise CaseFailed(verdict, self.case, note=note)
        if self.evalset.is_contract or self.case.xfail:
            raise CaseFailed(verdict, self.case)
        pytest.xfail(f"below-contract case failed ({verdict.reason()[:300]})")


class GateItem(PersonaOutcomeItem):
    def __init__(self, *, checkpoint: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.checkpoint = checkpoint
        self.add_marker("persona")

    def runtest(self) -> None:
        evalset = self.evalset
        verdicts = self.persona.state.gate_verdicts(self.checkpoint, evalset)
        skipped = sum(1 for case in evalset.cases if case.skip or case.xfail)
        gate = judge_gate(evalset.name, self.checkpoint, evalset.policy, verdicts, skipped)
        if gate.status == "error":
            raise GateFailed(f"gate not decided: {gate.describe()}")
        if gate.status == "failed":
            failing = [v.case for v in verdicts if v.status == "failed" and not v.known_failure]
            raise GateFailed(f"gate failed for {gate.describe()}\nfailing cases: {', '.join(failing) or 'none'}")


class CompareItem(PersonaOutcomeItem):
    """This checkpoint against the reference, case by case: flips and an exact McNemar test."""

    def __init__(self, *, checkpoint: str, reference: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.checkpoint = checkpoint
        self.reference = reference
        self.add_marker("persona")

    def runtest(self) -> None:
        state, evalset = self.persona.state, self.evalset
        ours = {v.case: v for v in state.gate_verdicts(self.checkpoint, evalset)}
        theirs = {v.case: v for v in state.gate_verdicts(self.reference, evalset)}
        drift = state.drift(self.checkpoint, self.reference, evalset)
        found = compare(evalset.name, self.checkpoint, self.reference, evalset.policy, ours, theirs, drift)
        if found.passed:
            return
        lines = [found.describe()]
        if found.drift_exceeded:
            lines.append(f"  {drift.describe()}")
            lines += [f"  highest KL: {c.case}: mean {c.mean_kl:.4f}, max {c.max_kl:.4f}" for c in drift.highest()]
        for case in found.regressions:
            lines.append(f"  pass → fail: {case}: {ours[case].reason()[:300]}")
            lines.append(f"    {self.reference}: {_quote(theirs[case].output)}")
            lines.append(f"    {self.checkpoint}: {_quote(ours[case].output)}")
        if found.improvements:
            lines.append(f"  fail → pass: {', '.join(found.improvements)}")
        for case in found.errors:
            lines.append(f"  no reply: {case}: {(ours[case].error or theirs[case].error or '')[:300]}")
        raise GateFailed("\n".join(lines))


def payload_of(item: PersonaItem, when: str, report: pytest.TestReport, case_items: set[Any]) -> dict[str, Any] | None:
    """The plain data an item's report carries to the controller (see session.PersonaSession.add):
    a case item's verdict (or its skip), and for gate and comparison items the verdicts of cases
    with no item of their own in this run (deselected), so the release judges what they judged."""
    state = item.persona.state
    payload: dict[str, Any] = {}
    if isinstance(item, CaseItem):
        if item.verdict is not None and when == "call":
            payload["verdicts"] = [item.verdict.as_dict()]
        elif when == "setup" and report.skipped:
            skip = SkippedCase(item.case.evalset, item.case.id, item.checkpoint, item.evalset.policy)
            payload["skipped"] = [skip.as_dict()]
        else:
            return None
    elif when == "call":
        checkpoints = [item.checkpoint] + ([item.reference] if isinstance(item, CompareItem) else [])
        if isinstance(item, CompareItem):
            drift = state.drifts.get((item.evalset.name, item.checkpoint, item.reference))
            if drift is not None:
                payload["drift"] = [drift.as_dict()]
        payload["verdicts"] = [
            state.verdict(checkpoint, case).as_dict()
            for checkpoint in checkpoints
            for case in item.evalset.cases
            if not (case.skip or case.xfail) and (case.evalset, case.id, checkpoint) not in case_items
        ]
    else:
        return None
    load_errors = state.pool.load_errors
    if item.checkpoint in load_errors:
        payload["never_ran"] = {item.checkpoint: load_errors[item.checkpoint]}
    elif payload.get("verdicts"):
        payload["fingerprints"] = {item.checkpoint: state.pool.fingerprint(item.checkpoint)}
        stats = state.pool.replica_stats(item.checkpoint)
        if stats:
            payload["replicas"] = {item.checkpoint: stats}
    return payload


def _quote(text: str) -> str:
    return repr(shorten(text, 300))


def describe_failure(case: Case, verdict: CaseVerdict) -> str:
    """What a reviewer needs: the case, the prompt, the reply, and each failing check's span."""
    outcome = verdict.shown
    lines = [f"{case.evalset}::{case.id} [{outcome.checkpoint}]"]
    if len(verdict.samples) > 1:
        lines[0] += f" {verdict.passed_samples}/{len(verdict.samples)} samples passed, {verdict.needed} needed;"
        lines[0] += f" sample {outcome.sample}"
    if outcome.error is not None:
        lines.append(f"  no reply: {outcome.error}")
        return "\n".join(lines)
    failing = outcome.failing
    if failing:
        lines[0] += f" failed {len(failing)} of {len(outcome.checks)} checks"
    lines.append(f"  prompt: {shorten(case.prompt.strip(), 300)}")
    lines.append("  reply:  " + shorten(outcome.output, MAX_REPLY_SHOWN).replace("\n", "\n          "))
    for result in outcome.checks:
        mark = "✓" if result.passed else "✗"
        lines.append(f"  {mark} {result.name}" + (f": {result.detail}" if not result.passed and result.detail else ""))
    return "\n".join(lines)


def shorten(text: str, limit: int) -> str:
    """Printable and bounded: control characters escaped, long text cut with a count."""
    cleaned = "".join(ch if ch == "\n" or ch.isprintable() else repr(ch)[1:-1] for ch in text[: limit + 1])
    if len(text) > limit:
        return cleaned[:limit] + f"… ({len(text) - limit} more characters)"
    return cleaned or "(empty)"
