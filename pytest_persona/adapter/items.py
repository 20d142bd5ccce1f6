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
from ..core.engine import CaseVerdict

if TYPE_CHECKING:
    from ..plugin import PersonaSession

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


class CaseItem(PersonaItem):
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
        if verdict.passed:
            return
        baseline = self.persona.settings.baseline
        if baseline is not None and baseline.regressed(self.case.evalset, self.case.id, self.checkpoint):
            before = baseline.outputs[(self.case.evalset, self.case.id, self.checkpoint)]
            note = f"passed in the baseline {baseline.path}, whose reply was: {_quote(before)}"
            raise CaseFailed(verdict, self.case, note=note)
        if self.evalset.is_contract or self.case.xfail:
            raise CaseFailed(verdict, self.case)
        pytest.xfail(f"below-contract case failed ({verdict.reason()[:300]})")

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, CaseFailed):
            text = describe_failure(excinfo.value.case, excinfo.value.verdict)
            return text + (f"\n  regression: {excinfo.value.note}" if excinfo.value.note else "")
        return super().repr_failure(excinfo, style)  # type: ignore[arg-type]

    def reportinfo(self) -> tuple[Any, int, str]:
        return self.path, self.case.line - 1, f"{self.evalset.name}::{self.name}"


class GateItem(PersonaItem):
    def __init__(self, *, checkpoint: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.checkpoint = checkpoint
        self.add_marker("persona")

    def runtest(self) -> None:
        from ..reports.build import GateVerdict

        verdicts = self.persona.state.gate_verdicts(self.checkpoint, self.evalset)
        gate = GateVerdict(
            evalset=self.evalset.name,
            checkpoint=self.checkpoint,
            threshold=self.evalset.min_pass_rate,
            cases=len(verdicts),
            passed_cases=sum(v.passed for v in verdicts),
            skipped=len(self.evalset.cases) - len(verdicts),
            samples=sum(len(v.samples) for v in verdicts),
            passed_samples=sum(v.passed_samples for v in verdicts),
            sampled=any(len(v.samples) > 1 for v in verdicts),
            confidence=self.evalset.confidence,
        )
        if not gate.passed:
            failing = [v.case for v in verdicts if not v.passed]
            if gate.statistical:
                measured = (
                    f"the {gate.confidence:.0%} Wilson lower bound of the sample pass rate is {gate.lower_bound:.1%} "
                    f"({gate.passed_samples}/{gate.samples} samples)"
                )
            else:
                measured = f"pass rate {gate.pass_rate:.1%} ({gate.passed_cases}/{gate.cases})"
            raise GateFailed(
                f"gate failed for {self.evalset.name} × {self.checkpoint}: {measured} is below the threshold "
                f"{gate.threshold:.1%}\nfailing cases: {', '.join(failing) or 'none'}"
            )

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, GateFailed):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)  # type: ignore[arg-type]

    def reportinfo(self) -> tuple[Any, int, str]:
        return self.path, self.evalset.line - 1, f"{self.evalset.name}::{self.name}"


class CompareItem(PersonaItem):
    """This checkpoint against the reference, case by case: flips and an exact McNemar test."""

    def __init__(self, *, checkpoint: str, reference: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.checkpoint = checkpoint
        self.reference = reference
        self.comparison: dict[str, Any] | None = None
        self.add_marker("persona")

    def runtest(self) -> None:
        from ..core.stats import mcnemar_exact

        state, evalset = self.persona.state, self.evalset
        ours = {v.case: v for v in state.gate_verdicts(self.checkpoint, evalset)}
        theirs = {v.case: v for v in state.gate_verdicts(self.reference, evalset)}
        regressions = [case for case, o in ours.items() if theirs[case].passed and not o.passed]
        improvements = [case for case, o in ours.items() if o.passed and not theirs[case].passed]
        p_value = mcnemar_exact(len(regressions), len(improvements))
        allowed = evalset.allowed_regressions
        too_many = allowed is not None and len(regressions) > allowed
        significant = p_value < evalset.alpha and len(regressions) > len(improvements)
        self.comparison = {
            "evalset": evalset.name,
            "checkpoint": self.checkpoint,
            "reference": self.reference,
            "regressions": regressions,
            "improvements": improvements,
            "both_pass": sum(o.passed and theirs[c].passed for c, o in ours.items()),
            "both_fail": sum(not o.passed and not theirs[c].passed for c, o in ours.items()),
            "p_value": p_value,
            "max_regressions": allowed,
            "alpha": evalset.alpha,
            "passed": not (too_many or significant),
        }
        if too_many or significant:
            lines = [f"{self.checkpoint} regresses against {self.reference} on {evalset.name}:"]
            if too_many:
                lines.append(f"{len(regressions)} regression(s), {allowed} allowed")
            if significant:
                lines.append(f"a significant drop (exact McNemar p = {p_value:.4g} < alpha {evalset.alpha})")
            for case in regressions:
                lines.append(f"  pass → fail: {case}: {ours[case].reason()[:300]}")
                lines.append(f"    {self.reference}: {_quote(theirs[case].output)}")
                lines.append(f"    {self.checkpoint}: {_quote(ours[case].output)}")
            if improvements:
                lines.append(f"  fail → pass: {', '.join(improvements)}")
            raise GateFailed("\n".join(lines))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, GateFailed):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)  # type: ignore[arg-type]

    def reportinfo(self) -> tuple[Any, int, str]:
        return self.path, self.evalset.line - 1, f"{self.evalset.name}::{self.name}"


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


persona_key = pytest.StashKey["PersonaSession"]()
