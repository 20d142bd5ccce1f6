"""The release verdict: typed results and the pure functions that compute them.

sample → case → gate (eval set × checkpoint) → comparison (checkpoint × reference) →
baseline → release. The pytest items, the exit status, the terminal summary and every report
render these objects; none of them decides anything of its own. Each type has one serialised
form (``as_dict``/``from_dict``) so that xdist workers' results reach the controller intact.

The rule for a release, in one place (``Release.passed``): every gate passes, every comparison
passes, no case that passed in the baseline fails now, and every case got a reply. A case
without a reply (a checkpoint that did not load, a backend or server error, a missing replay
entry, a refused chat template) is an *error*: it is not the model's failure, so it never
counts toward a pass rate, but a release with errors is not a release anyone tested.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from ..checks.base import CheckResult
from .drift import Drift
from .stats import mcnemar_exact, wilson_lower

Status = Literal["passed", "failed", "error"]
CaseKey = tuple[str, str, str]  # evalset, case, checkpoint


@dataclass(frozen=True)
class Policy:
    """An eval set's release rule, carried with each of its results (xdist controllers never
    read the YAML)."""

    threshold: float = 1.0  # min_pass_rate; 1.0 makes a contract
    confidence: float = 0.95  # of the Wilson lower bound, for sampled eval sets
    max_regressions: int | None = None  # None: 0 for a contract, any number otherwise
    alpha: float = 0.05  # of the exact McNemar test against the reference
    max_mean_kl: float | None = None  # drift against the reference: mean KL(ref‖ckpt) per token, nats
    min_top1_agreement: float | None = None  # drift: share of reply tokens with the reference's top-1

    @property
    def gates_drift(self) -> bool:
        return self.max_mean_kl is not None or self.min_top1_agreement is not None

    @property
    def contract(self) -> bool:
        return self.threshold >= 1.0

    @property
    def allowed_regressions(self) -> int | None:
        if self.max_regressions is not None:
            return self.max_regressions
        return 0 if self.contract else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "threshold": self.threshold,
            "confidence": self.confidence,
            "max_regressions": self.max_regressions,
            "alpha": self.alpha,
            "max_mean_kl": self.max_mean_kl,
            "min_top1_agreement": self.min_top1_agreement,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Policy:
        return cls(
            threshold=float(data["threshold"]),
            confidence=float(data.get("confidence", 0.95)),
            max_regressions=data.get("max_regressions"),
            alpha=float(data.get("alpha", 0.05)),
            max_mean_kl=data.get("max_mean_kl"),
            min_top1_agreement=data.get("min_top1_agreement"),
        )


@dataclass(frozen=True)
class CaseOutcome:
    """One case × checkpoint × sample: the reply and every check's verdict."""

    checkpoint: str
    evalset: str
    case: str
    sample: int
    output: str
    checks: tuple[CheckResult, ...]
    latency_s: float | None = None
    tokens: int | None = None
    error: str | None = None  # no reply at all: see the module docstring
    tags: tuple[str, ...] = ()
    cached: bool = False  # answered by the generation cache, not the model
    decoding: str | None = None  # the response_format it was decoded under ("json_schema FILE"), None: free
    free: CaseOutcome | None = None  # --persona-decoding both: the same case decoded freely (reported only)

    @property
    def status(self) -> Status:
        if self.error is not None:
            return "error"
        return "passed" if all(result.passed for result in self.checks) else "failed"

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    @property
    def failing(self) -> tuple[CheckResult, ...]:
        return tuple(result for result in self.checks if not result.passed)

    def reason(self) -> str:
        """One line: why this sample did not pass."""
        if self.error is not None:
            return f"no reply: {self.error}"
        return "; ".join(f"{r.name}: {r.detail}" if r.detail else r.name for r in self.failing)

    def as_dict(self) -> dict[str, Any]:
        return {
            "evalset": self.evalset,
            "case": self.case,
            "checkpoint": self.checkpoint,
            "sample": self.sample,
            "passed": self.passed,
            "status": self.status,
            "checks": [result.as_dict() for result in self.checks],
            "output": self.output,
            "latency_s": self.latency_s,
            "tokens": self.tokens,
            "error": self.error,
            "tags": list(self.tags),
            "cached": self.cached,
            "decoding": self.decoding,
            "free": self.free.as_dict() if self.free is not None else None,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CaseOutcome:
        checks = tuple(
            CheckResult(
                name=c["name"],
                passed=bool(c["passed"]),
                detail=c.get("detail", ""),
                span=tuple(c["span"]) if c.get("span") is not None else None,  # type: ignore[arg-type]
                error=bool(c.get("error", False)),
            )
            for c in data.get("checks", ())
        )
        return cls(
            checkpoint=data["checkpoint"],
            evalset=data["evalset"],
            case=data["case"],
            sample=int(data.get("sample", 0)),
            output=data.get("output", ""),
            checks=checks,
            latency_s=data.get("latency_s"),
            tokens=data.get("tokens"),
            error=data.get("error"),
            tags=tuple(data.get("tags", ())),
            cached=bool(data.get("cached", False)),
            decoding=data.get("decoding"),
            free=cls.from_dict(data["free"]) if isinstance(data.get("free"), Mapping) else None,
        )


@dataclass(frozen=True)
class CaseVerdict:
    """Every sample of one case on one checkpoint. It passes when ``needed`` samples pass; it is
    an error when a sample has no reply and the others cannot make up the count."""

    samples: tuple[CaseOutcome, ...]
    needed: int = 1
    policy: Policy = field(default_factory=Policy)
    known_failure: bool = False  # marked xfail in the eval set: reported, never counted

    @property
    def key(self) -> CaseKey:
        first = self.samples[0]
        return (first.evalset, first.case, first.checkpoint)

    @property
    def evalset(self) -> str:
        return self.samples[0].evalset

    @property
    def case(self) -> str:
        return self.samples[0].case

    @property
    def checkpoint(self) -> str:
        return self.samples[0].checkpoint

    @property
    def passed_samples(self) -> int:
        return sum(o.passed for o in self.samples)

    @property
    def errors(self) -> int:
        return sum(o.error is not None for o in self.samples)

    @property
    def status(self) -> Status:
        if self.passed_samples >= self.needed:
            return "passed"
        if self.errors and self.passed_samples + self.errors >= self.needed:
            return "error"  # the missing replies could have carried it: undecided
        return "failed"

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    @property
    def shown(self) -> CaseOutcome:
        """The sample to show: the first that did not pass, else the first."""
        return next((o for o in self.samples if not o.passed), self.samples[0])

    @property
    def output(self) -> str:
        return self.shown.output

    @property
    def error(self) -> str | None:
        return next((o.error for o in self.samples if o.error is not None), None)

    def reason(self) -> str:
        if len(self.samples) == 1:
            return self.samples[0].reason()
        shown = self.shown
        return (
            f"{self.passed_samples}/{len(self.samples)} samples passed, {self.needed} needed; "
            f"sample {shown.sample}: {shown.reason()}"
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "needed": self.needed,
            "policy": self.policy.as_dict(),
            "known_failure": self.known_failure,
            "samples": [o.as_dict() for o in self.samples],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CaseVerdict:
        return cls(
            samples=tuple(CaseOutcome.from_dict(s) for s in data["samples"]),
            needed=int(data.get("needed", 1)),
            policy=Policy.from_dict(data["policy"]),
            known_failure=bool(data.get("known_failure", False)),
        )


@dataclass(frozen=True)
class SkippedCase:
    """A case that did not run (``skip:`` in the eval set, or a skip mark)."""

    evalset: str
    case: str
    checkpoint: str
    policy: Policy = field(default_factory=Policy)

    @property
    def key(self) -> CaseKey:
        return (self.evalset, self.case, self.checkpoint)

    def as_dict(self) -> dict[str, Any]:
        return {
            "evalset": self.evalset,
            "case": self.case,
            "checkpoint": self.checkpoint,
            "policy": self.policy.as_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SkippedCase:
        return cls(data["evalset"], data["case"], data["checkpoint"], Policy.from_dict(data["policy"]))


@dataclass(frozen=True)
class GateVerdict:
    """One eval set × checkpoint. Without repeats: the share of passing cases against the
    threshold. With repeats (below a contract): the Wilson lower bound of the share of passing
    samples, so that a lucky draw cannot carry a release. Cases with errors are left out of
    both shares and make the gate an error: a gate cannot pass on cases that never ran."""

    evalset: str
    checkpoint: str
    policy: Policy
    cases: int  # counted: passed or failed
    passed_cases: int
    skipped: int = 0  # skipped or known failures: not counted
    errors: int = 0  # cases without a reply: not counted, and the gate cannot pass
    samples: int = 0
    passed_samples: int = 0
    sampled: bool = False

    @property
    def threshold(self) -> float:
        return self.policy.threshold

    @property
    def pass_rate(self) -> float | None:
        """Share of counted cases that passed; None when no case was counted."""
        return self.passed_cases / self.cases if self.cases else None

    @property
    def statistical(self) -> bool:
        """Judged by the Wilson bound (sampled, below a contract) rather than the plain rate."""
        return self.sampled and not self.policy.contract

    @property
    def lower_bound(self) -> float | None:
        if not self.sampled:
            return None
        return wilson_lower(self.passed_samples, self.samples, self.policy.confidence)

    @property
    def status(self) -> Status:
        if self.errors:
            return "error"
        if self.statistical:
            return "passed" if (self.lower_bound or 0.0) >= self.threshold else "failed"
        rate = 1.0 if self.pass_rate is None else self.pass_rate  # all skipped: nothing failed
        return "passed" if rate >= self.threshold else "failed"

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    def describe(self) -> str:
        """Why the gate did not pass, in one sentence."""
        if self.errors:
            return (
                f"{self.errors} case(s) of {self.evalset} got no reply from {self.checkpoint}; "
                "a gate cannot pass on cases that never ran"
            )
        if self.statistical:
            measured = (
                f"the {self.policy.confidence:.0%} Wilson lower bound of the sample pass rate is "
                f"{self.lower_bound or 0.0:.1%} ({self.passed_samples}/{self.samples} samples)"
            )
        else:
            measured = f"pass rate {self.pass_rate or 0.0:.1%} ({self.passed_cases}/{self.cases})"
        return f"{self.evalset} × {self.checkpoint}: {measured} is below the threshold {self.threshold:.1%}"

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "evalset": self.evalset,
            "checkpoint": self.checkpoint,
            "passed": self.passed,
            "status": self.status,
            "pass_rate": None if self.pass_rate is None else round(self.pass_rate, 6),
            "threshold": self.threshold,
            "cases": self.cases,
            "passed_cases": self.passed_cases,
            "skipped": self.skipped,
            "errors": self.errors,
        }
        if self.sampled:
            data.update(
                samples=self.samples,
                passed_samples=self.passed_samples,
                confidence=self.policy.confidence,
                lower_bound=round(self.lower_bound or 0.0, 6),
            )
        return data


def judge_gate(
    evalset: str, checkpoint: str, policy: Policy, verdicts: Iterable[CaseVerdict], skipped: int = 0
) -> GateVerdict:
    """The gate of one eval set × checkpoint over its case verdicts (known failures excluded)."""
    counted, errors, known = [], 0, 0
    for verdict in verdicts:
        if verdict.known_failure:
            known += 1
        elif verdict.status == "error":
            errors += 1
        else:
            counted.append(verdict)
    samples = [o for v in counted for o in v.samples]
    return GateVerdict(
        evalset=evalset,
        checkpoint=checkpoint,
        policy=policy,
        cases=len(counted),
        passed_cases=sum(v.passed for v in counted),
        skipped=skipped + known,
        errors=errors,
        samples=len(samples),
        passed_samples=sum(o.passed for o in samples),
        sampled=any(len(v.samples) > 1 for v in counted),
    )


@dataclass(frozen=True)
class ComparisonVerdict:
    """A checkpoint against the reference on one eval set, case by case: flips and exact McNemar,
    and the drift of its token distributions (``drift``, when measured). Cases where either side
    has no reply are left out (``errors``) and make it an error; so does drift that a ``gate:``
    key asks for but that could not be measured."""

    evalset: str
    checkpoint: str
    reference: str
    policy: Policy
    regressions: tuple[str, ...]
    improvements: tuple[str, ...]
    both_pass: int
    both_fail: int
    errors: tuple[str, ...] = ()
    drift: Drift | None = None

    @property
    def drift_unmeasured(self) -> bool:
        """A drift gate key is set, and drift could not be measured."""
        return self.policy.gates_drift and (self.drift is None or not self.drift.available)

    @property
    def drift_exceeded(self) -> list[str]:
        """Each drift gate key the measured drift breaks, as a phrase."""
        drift, policy, out = self.drift, self.policy, []
        if drift is None or not drift.available:
            return out
        if policy.max_mean_kl is not None and drift.mean_kl > policy.max_mean_kl:
            out.append(f"mean KL {drift.mean_kl:.4g} nats/token > max_mean_kl {policy.max_mean_kl:g}")
        if policy.min_top1_agreement is not None and drift.top1_agreement < policy.min_top1_agreement:
            out.append(f"same top-1 {drift.top1_agreement:.1%} < min_top1_agreement {policy.min_top1_agreement:.1%}")
        return out

    def flip(self, case: str) -> str | None:
        """``pass → fail``, ``fail → pass`` or None (no flip) for one case of this comparison."""
        if case in self.regressions:
            return "pass → fail"
        if case in self.improvements:
            return "fail → pass"
        return None

    def highest_drift(self) -> list[dict[str, Any]]:
        """The cases of highest KL next to their behavioural flips (what every renderer lists)."""
        if self.drift is None or not self.drift.available:
            return []
        return [
            {"case": c.case, "mean_kl": round(c.mean_kl, 6), "max_kl": round(c.max_kl, 6),
             "top1_agreement": round(c.top1_agreement, 6), "flip": self.flip(c.case)}
            for c in self.drift.highest()
        ]  # fmt: skip

    @property
    def p_value(self) -> float:
        return mcnemar_exact(len(self.regressions), len(self.improvements))

    @property
    def too_many(self) -> bool:
        allowed = self.policy.allowed_regressions
        return allowed is not None and len(self.regressions) > allowed

    @property
    def significant(self) -> bool:
        return self.p_value < self.policy.alpha and len(self.regressions) > len(self.improvements)

    @property
    def status(self) -> Status:
        if self.errors or self.drift_unmeasured:
            return "error"
        return "failed" if self.too_many or self.significant or self.drift_exceeded else "passed"

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    def describe(self) -> str:
        """Why the comparison did not pass, in one sentence."""
        if self.errors:
            return (
                f"{self.checkpoint} vs {self.reference} on {self.evalset}: {len(self.errors)} case(s) without a "
                "reply on one side cannot be compared"
            )
        if self.drift_unmeasured:
            unmeasured = self.drift.unavailable if self.drift is not None else "it was not measured"
            return f"{self.checkpoint} vs {self.reference} on {self.evalset}: the gate asks for drift, and {unmeasured}"
        why = []
        if self.too_many:
            why.append(f"{len(self.regressions)} regression(s), {self.policy.allowed_regressions} allowed")
        if self.significant:
            why.append(f"a significant drop (exact McNemar p = {self.p_value:.4g} < alpha {self.policy.alpha})")
        why += [f"drift: {phrase}" for phrase in self.drift_exceeded]
        return f"{self.checkpoint} regresses against {self.reference} on {self.evalset}: {' and '.join(why)}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "evalset": self.evalset,
            "checkpoint": self.checkpoint,
            "reference": self.reference,
            "regressions": list(self.regressions),
            "improvements": list(self.improvements),
            "both_pass": self.both_pass,
            "both_fail": self.both_fail,
            "errors": list(self.errors),
            "p_value": self.p_value,
            "max_regressions": self.policy.allowed_regressions,
            "alpha": self.policy.alpha,
            "max_mean_kl": self.policy.max_mean_kl,
            "min_top1_agreement": self.policy.min_top1_agreement,
            "drift": self.drift.as_dict() if self.drift is not None else None,
            "highest_kl": self.highest_drift(),
            "passed": self.passed,
            "status": self.status,
        }


def compare(
    evalset: str,
    checkpoint: str,
    reference: str,
    policy: Policy,
    ours: Mapping[str, CaseVerdict],
    theirs: Mapping[str, CaseVerdict],
    drift: Drift | None = None,
) -> ComparisonVerdict:
    """Pair the two checkpoints' verdicts by case id (cases only one side ran are not paired);
    ``drift`` is the measured drift of the same pair on this eval set, when there is one."""
    regressions, improvements, errors = [], [], []
    both_pass = both_fail = 0
    for case, mine in ours.items():
        other = theirs.get(case)
        if other is None or mine.known_failure:
            continue
        if mine.status == "error" or other.status == "error":
            errors.append(case)
        elif other.passed and not mine.passed:
            regressions.append(case)
        elif mine.passed and not other.passed:
            improvements.append(case)
        elif mine.passed:
            both_pass += 1
        else:
            both_fail += 1
    return ComparisonVerdict(
        evalset, checkpoint, reference, policy, tuple(regressions), tuple(improvements), both_pass, both_fail,
        tuple(errors), drift,
    )  # fmt: skip


@dataclass(frozen=True)
class BaselineFlip:
    evalset: str
    case: str
    checkpoint: str
    before: str = ""  # the baseline's reply
    now: str = ""

    def as_dict(self, replies: bool = True) -> dict[str, Any]:
        data = {"evalset": self.evalset, "case": self.case, "checkpoint": self.checkpoint}
        return data | ({"before": self.before, "now": self.now} if replies else {})


@dataclass(frozen=True)
class BaselineVerdict:
    """This run against an earlier one: cases that passed then and fail now, and new passes."""

    path: str
    regressions: tuple[BaselineFlip, ...] = ()
    new_passes: tuple[BaselineFlip, ...] = ()

    @property
    def passed(self) -> bool:
        return not self.regressions

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "passed": self.passed,
            "regressions": [r.as_dict() for r in self.regressions],
            "new_passes": [r.as_dict(replies=False) for r in self.new_passes],
        }


def against_baseline(
    path: str, before: Mapping[CaseKey, bool], outputs: Mapping[CaseKey, str], verdicts: Iterable[CaseVerdict]
) -> BaselineVerdict:
    """A case regresses when it passed in the baseline and failed now (an error is not a flip:
    it is reported as an error of the release)."""
    regressions, new_passes = [], []
    for verdict in verdicts:
        then = before.get(verdict.key)
        if then is True and verdict.status == "failed":
            regressions.append(BaselineFlip(*verdict.key, before=outputs.get(verdict.key, ""), now=verdict.output))
        elif then is False and verdict.passed:
            new_passes.append(BaselineFlip(*verdict.key))
    return BaselineVerdict(path, tuple(regressions), tuple(new_passes))


@dataclass(frozen=True)
class DecodingPair:
    """``--persona-decoding both`` on one eval set × checkpoint: its constrained cases decoded as
    deployed and freely. Reported, never gating: the release is decided on decoding as deployed."""

    evalset: str
    checkpoint: str
    cases: int
    deployed_passed: int
    free_passed: int
    only_constrained: tuple[str, ...]  # pass as deployed, fail freely: the constraint carries the format
    only_free: tuple[str, ...]  # fail as deployed, pass freely

    def describe(self) -> str:
        line = (
            f"decoding on {self.evalset} [{self.checkpoint}]: {self.deployed_passed} of {self.cases} constrained "
            f"case(s) pass as deployed, {self.free_passed} decoded freely"
        )
        if self.only_constrained:
            line += f"; only under the constraint: {', '.join(self.only_constrained)}"
        if self.only_free:
            line += f"; only freely: {', '.join(self.only_free)}"
        return line

    def as_dict(self) -> dict[str, Any]:
        return {
            "evalset": self.evalset,
            "checkpoint": self.checkpoint,
            "cases": self.cases,
            "deployed_passed": self.deployed_passed,
            "free_passed": self.free_passed,
            "only_constrained": list(self.only_constrained),
            "only_free": list(self.only_free),
            "summary": self.describe(),
        }


def pair_decodings(verdicts: Sequence[CaseVerdict]) -> tuple[DecodingPair, ...]:
    """Per eval set × checkpoint, the cases that were also decoded freely (first sample each)."""
    groups: dict[tuple[str, str], list[CaseOutcome]] = {}
    for verdict in verdicts:
        first = verdict.samples[0]
        if first.free is not None:
            groups.setdefault((verdict.evalset, verdict.checkpoint), []).append(first)
    return tuple(
        DecodingPair(
            evalset,
            checkpoint,
            len(outcomes),
            sum(o.passed for o in outcomes),
            sum(o.free.passed for o in outcomes if o.free is not None),
            tuple(o.case for o in outcomes if o.passed and o.free is not None and not o.free.passed),
            tuple(o.case for o in outcomes if not o.passed and o.free is not None and o.free.passed),
        )
        for (evalset, checkpoint), outcomes in groups.items()
    )


@dataclass(frozen=True)
class Release:
    """The one verdict of a run. ``passed`` is the rule stated in the module docstring."""

    gates: tuple[GateVerdict, ...] = ()
    comparisons: tuple[ComparisonVerdict, ...] = ()
    baseline: BaselineVerdict | None = None
    never_ran: Mapping[str, str] = field(default_factory=dict)  # checkpoint -> why it did not load
    errors: tuple[CaseVerdict, ...] = ()  # cases without a reply
    decoding: tuple[DecodingPair, ...] = ()  # --persona-decoding both: reported beside the verdict

    @property
    def empty(self) -> bool:
        return not self.gates and not self.comparisons and not self.never_ran

    @property
    def passed(self) -> bool:
        return (
            not self.empty
            and not self.never_ran
            and not self.errors
            and all(g.passed for g in self.gates)
            and all(c.passed for c in self.comparisons)
            and (self.baseline is None or self.baseline.passed)
        )

    @property
    def word(self) -> str:
        if self.empty:
            return "NO RESULTS"
        return "PASS" if self.passed else "FAIL"

    def reasons(self) -> list[str]:
        """Every reason this build may not ship, most fundamental first."""
        out = [f"checkpoint {name} never ran: {why}" for name, why in self.never_ran.items()]
        loaded_errors = [v for v in self.errors if v.checkpoint not in self.never_ran]
        if loaded_errors:
            first = loaded_errors[0]
            out.append(
                f"{len(loaded_errors)} case(s) got no reply (first: {first.evalset}::{first.case}[{first.checkpoint}]: "
                f"{first.error})"
            )
        out += [f"gate {g.describe()}" for g in self.gates if g.status == "failed"]
        out += [c.describe() for c in self.comparisons if c.status == "failed"]
        if self.baseline is not None and self.baseline.regressions:
            out.append(
                f"{len(self.baseline.regressions)} case(s) passed in the baseline {self.baseline.path} and fail now"
            )
        return out

    def summary(self) -> str:
        """The verdict line every renderer shows."""
        if self.empty:
            return "persona gate: NO RESULTS (no gate was evaluated: nothing says this build may ship)"
        if self.passed:
            counted = f"{len(self.gates)} eval set × checkpoint gate{'s' if len(self.gates) != 1 else ''}"
            if self.comparisons:
                counted += f", {len(self.comparisons)} comparison{'s' if len(self.comparisons) != 1 else ''}"
            if self.baseline is not None:
                counted += ", no baseline regression"
            return f"persona gate: PASS ({counted})"
        counts = []
        if self.never_ran:
            counts.append(f"{len(self.never_ran)} checkpoint(s) never ran")
        if self.errors:
            counts.append(f"{len(self.errors)} case(s) without a reply")
        failed = [g for g in self.gates if g.status == "failed"]
        if failed:
            counts.append(f"{len(failed)} of {len(self.gates)} eval set × checkpoint gates below threshold")
        regressed = [c for c in self.comparisons if c.status == "failed"]
        if regressed:
            counts.append(f"{len(regressed)} of {len(self.comparisons)} comparisons regressed")
        if self.baseline is not None and self.baseline.regressions:
            counts.append(f"{len(self.baseline.regressions)} baseline regression(s)")
        return f"persona gate: FAIL ({'; '.join(counts)})"

    def as_dict(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "word": self.word,
            "summary": self.summary(),
            "reasons": self.reasons(),
            "never_ran": dict(self.never_ran),
            "errors": [
                {"evalset": v.evalset, "case": v.case, "checkpoint": v.checkpoint, "error": v.error}
                for v in self.errors
            ],
        }


def decide(
    verdicts: Sequence[CaseVerdict],
    skipped: Sequence[SkippedCase] = (),
    reference: str | None = None,
    baseline: Any = None,
    never_ran: Mapping[str, str] | None = None,
    drifts: Mapping[tuple[str, str], Drift] | None = None,
) -> Release:
    """The release of a run from its case verdicts (each key once), skips, the reference checkpoint
    for comparisons, an earlier run (``core.baseline.Baseline``), the checkpoints that did not load and
    the drift measured per (eval set, checkpoint) against the reference."""
    groups: dict[tuple[str, str], list[CaseVerdict]] = {}
    policies: dict[tuple[str, str], Policy] = {}
    skips: dict[tuple[str, str], int] = {}
    for verdict in verdicts:
        group = (verdict.evalset, verdict.checkpoint)
        groups.setdefault(group, []).append(verdict)
        policies.setdefault(group, verdict.policy)
    for skip in skipped:
        group = (skip.evalset, skip.checkpoint)
        groups.setdefault(group, [])
        policies.setdefault(group, skip.policy)
        skips[group] = skips.get(group, 0) + 1
    gates = tuple(
        judge_gate(evalset, checkpoint, policies[(evalset, checkpoint)], cases, skips.get((evalset, checkpoint), 0))
        for (evalset, checkpoint), cases in groups.items()
    )
    comparisons = []
    if reference is not None:
        for (evalset, checkpoint), cases in groups.items():
            theirs = groups.get((evalset, reference))
            if checkpoint == reference or theirs is None:
                continue
            comparisons.append(
                compare(
                    evalset,
                    checkpoint,
                    reference,
                    policies[(evalset, checkpoint)],
                    {v.case: v for v in cases},
                    {v.case: v for v in theirs},
                    (drifts or {}).get((evalset, checkpoint)),
                )  # fmt: skip
            )
    found = None
    if baseline is not None:
        found = against_baseline(str(baseline.path), baseline.passed, baseline.outputs, verdicts)
    errors = tuple(v for v in verdicts if v.status == "error" and not v.known_failure)
    return Release(gates, tuple(comparisons), found, dict(never_ran or {}), errors, pair_decodings(verdicts))
