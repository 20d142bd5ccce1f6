"""Preference pairs: made from a gate report on a development eval set, written and read as JSONL.

A pair is a failing case's prompt (chat messages), the checkpoint's own failing reply
(``rejected``) and a reply that passes the same checks (``chosen``), with where it came from.
Pair files are reviewed and edited by hand, so reading one checks every line.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pytest_persona.checks import CheckContext, Message, run_checks
from trainers.hygiene import (
    DatasetError,
    Example,
    HygieneConfig,
    RuleContext,
    _json_type,
    _parse_message,
    _unique_keys,
    eval_prompts,
    rule_leakage,
)

PAIR_KEYS = ("id", "prompt", "chosen", "rejected", "source", "tags")


class PairsError(ValueError):
    """A report, pair file or chosen-reply file that cannot be used; the message names file and line."""


class LeakageError(PairsError):
    """Pairs (or a report) that touch a release eval set; the message lists every offending case."""


@dataclass(frozen=True)
class Pair:
    """One preference pair; ``source`` says where ``chosen`` came from (config, train:FILE:LINE, reference:NAME)."""

    id: str
    prompt: tuple[Message, ...]
    chosen: str
    rejected: str
    source: str
    tags: tuple[str, ...] = ()
    line: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "prompt": [{"role": m.role, "content": m.content} for m in self.prompt],
            "chosen": self.chosen,
            "rejected": self.rejected,
            "source": self.source,
            "tags": list(self.tags),
        }

    def as_trl(self) -> dict[str, list[dict[str, str]]]:
        """trl's conversational preference row: the prompt turns, then one assistant turn each."""
        return {
            "prompt": [{"role": m.role, "content": m.content} for m in self.prompt],
            "chosen": [{"role": "assistant", "content": self.chosen}],
            "rejected": [{"role": "assistant", "content": self.rejected}],
        }

    @property
    def source_kind(self) -> str:
        return self.source.split(":", 1)[0]


@dataclass(frozen=True)
class Dropped:
    id: str
    reason: str


@dataclass
class PairSet:
    pairs: list[Pair] = field(default_factory=list)
    dropped: list[Dropped] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {
            "pairs": len(self.pairs),
            "sources": dict(sorted(Counter(p.source_kind for p in self.pairs).items())),
            "dropped": [{"id": d.id, "reason": d.reason} for d in self.dropped],
        }


# --------------------------------------------------------------------------- pair files


def write_pairs(path: Path, pairs: Sequence[Pair]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(p.as_dict(), ensure_ascii=False) + "\n" for p in pairs), encoding="utf-8")
    return path


def pairs_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_pairs(path: Path) -> list[Pair]:
    """Read a pair file; every malformed line is an error ``file:line: problem`` (all of them listed)."""
    try:
        raw_lines = path.read_bytes().splitlines()
    except OSError as exc:
        raise PairsError(f"{path}: cannot read: {exc.strerror or exc}") from None
    pairs: list[Pair] = []
    errors: list[str] = []
    for number, raw in enumerate(raw_lines, 1):
        if not raw.strip():
            continue
        try:
            pairs.append(_parse_pair(raw, number))
        except ValueError as exc:
            errors.append(f"{path}:{number}: {exc}")
    if errors:
        raise PairsError(str(DatasetError(errors)))
    if not pairs:
        raise PairsError(f"{path}: holds no pairs")
    seen: dict[str, int] = {}
    for pair in pairs:
        if pair.id in seen:
            raise PairsError(f"{path}:{pair.line}: pair id {pair.id!r} already used at line {seen[pair.id]}")
        seen[pair.id] = pair.line
    return pairs


def _parse_pair(raw: bytes, number: int) -> Pair:
    try:
        data = json.loads(raw.decode("utf-8").removeprefix("\ufeff"), object_pairs_hook=_unique_keys)
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8 (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON ({exc.msg} at column {exc.colno})") from None
    except (ValueError, RecursionError) as exc:
        raise ValueError(f"not JSON ({exc})") from None
    if not isinstance(data, dict):
        raise ValueError(f"a pair is a JSON object, got {_json_type(data)}")
    unknown = sorted(set(data) - set(PAIR_KEYS))
    if unknown:
        raise ValueError(f"unknown key {unknown[0]!r} (keys: {', '.join(PAIR_KEYS)})")
    for key in ("prompt", "chosen", "rejected"):
        if key not in data:
            raise ValueError(f"missing key {key!r}")
    for key in ("chosen", "rejected"):
        if not isinstance(data[key], str):
            raise ValueError(f"{key!r} must be a string, got {_json_type(data[key])}")
        if not data[key].strip():
            raise ValueError(f"{key!r} is empty")
    if data["chosen"].strip() == data["rejected"].strip():
        raise ValueError("'chosen' and 'rejected' are the same reply")
    for key in ("id", "source"):
        if key in data and (not isinstance(data[key], str) or not data[key].strip()):
            raise ValueError(f"{key!r} must be a non-empty string")
    tags = data.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) and t.strip() for t in tags):
        raise ValueError("'tags' must be a list of non-empty strings")
    prompt = data["prompt"]
    if not isinstance(prompt, list) or not prompt:
        raise ValueError(f"'prompt' must be a non-empty list of messages, got {_json_type(prompt)}")
    try:
        messages = tuple(_parse_message(m, i) for i, m in enumerate(prompt, 1))
    except ValueError as exc:
        raise ValueError(f"'prompt': {exc}") from None
    problem = prompt_problem(messages)
    if problem:
        raise ValueError(f"'prompt': {problem}")
    return Pair(
        id=data.get("id", f"line-{number}"),
        prompt=messages,
        chosen=data["chosen"],
        rejected=data["rejected"],
        source=data.get("source", "file"),
        tags=tuple(tags),
        line=number,
    )


def prompt_problem(messages: Sequence[Any]) -> str | None:
    """Chat format of a prompt: an optional leading system turn, then user/assistant alternating, ending on user."""
    turns = list(messages)
    if turns and turns[0].role == "system":
        turns = turns[1:]
    for position, message in enumerate(messages, 1):
        if message.role == "system" and position != 1:
            return f"message {position} is a system message (only the first may be one)"
        if not message.content.strip():
            return f"message {position} ({message.role}) is empty"
    if not turns:
        return "no user turn"
    expected = "user"
    for position, message in enumerate(turns, len(messages) - len(turns) + 1):
        if message.role != expected:
            return f"message {position} is {message.role}, expected {expected} (turns must alternate)"
        expected = "assistant" if expected == "user" else "user"
    if turns[-1].role != "user":
        return "the last message is not a user turn (the pair's replies answer it)"
    return None


# --------------------------------------------------------------------------- hygiene


def refuse_leakage(pairs: Sequence[Pair], release: Sequence[Any], threshold: float) -> None:
    """Raise LeakageError listing every pair whose prompt is (or nearly is) a release eval-set prompt."""
    if not release or not pairs:
        return
    examples = [
        Example(messages=(*p.prompt, Message("assistant", p.chosen)), tags=p.tags, line=i)
        for i, p in enumerate(pairs, 1)
    ]
    context = RuleContext(tuple(eval_prompts(release)))
    found = rule_leakage(examples, HygieneConfig(near_duplicate_threshold=threshold), context)
    if found:
        lines = [f"  {pairs[v.lines[0] - 1].id}: {v.message.split(': ', 1)[1]}" for v in found]
        raise LeakageError(
            f"{len(found)} pair(s) touch a release eval set; pairs come from development eval sets only:\n"
            + "\n".join(lines)
        )


# --------------------------------------------------------------------------- pairs from a report


def load_report(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text("utf-8"))
    except OSError as exc:
        raise PairsError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise PairsError(f"{path}: not JSON ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("results"), list):
        raise PairsError(f"{path}: not a pytest-persona JSON report (no 'results' list; see --persona-report)")
    for index, result in enumerate(data["results"]):
        if not isinstance(result, dict) or not all(isinstance(result.get(k), str) for k in ("evalset", "case")):
            raise PairsError(f"{path}: results[{index}] has no 'evalset' and 'case' strings")
    return data


def load_chosen_file(path: Path) -> dict[str, str]:
    """A YAML mapping case id -> reply; a bad entry names its line."""
    from pytest_persona.core.yamlsafe import YamlError, load_yaml

    try:
        data, lines = load_yaml(path)
    except YamlError as exc:
        raise PairsError(str(exc)) from None
    if not isinstance(data, dict):
        raise PairsError(f"{path}:1: expected a mapping case id -> chosen reply")
    for key, value in data.items():
        if not isinstance(value, str) or not value.strip():
            raise PairsError(f"{path}:{lines.line((key,))}: {key}: the chosen reply must be a non-empty string")
    return {str(k): v for k, v in data.items()}


def pick_checkpoint(report: Mapping[str, Any], wanted: str | None, reference: str | None, where: Path) -> str:
    names = [c.get("name") for c in report.get("checkpoints", []) if isinstance(c, dict)]
    names = names or sorted({r.get("checkpoint") for r in report["results"]})
    for role, name in (("checkpoint", wanted), ("reference", reference)):
        if name is not None and name not in names:
            raise PairsError(f"{where}: no checkpoint {name!r} (prefer.{role}); the report has {', '.join(names)}")
    if wanted is not None:
        return wanted
    others = [n for n in names if n != reference]
    if len(others) != 1:
        raise PairsError(
            f"{where}: the report gates {', '.join(others)}; name the one to improve with prefer.checkpoint "
            "(or --checkpoint)"
        )
    return others[0]


def build_pairs(
    report: Mapping[str, Any],
    report_path: Path,
    dev: Sequence[Any],
    release: Sequence[Any],
    *,
    checkpoint: str | None = None,
    reference: str | None = None,
    chosen: Mapping[str, str] | None = None,
    training: Sequence[Example] = (),
    threshold: float = 0.9,
) -> PairSet:
    """A pair for each failing case of ``checkpoint`` whose chosen reply passes the case's checks.

    ``dev`` are the loaded development eval sets the report was made on (they give the prompts
    and checks); ``release`` the release eval sets, refused as a report's eval set and as a
    prompt source, exactly or near."""
    _refuse_release_report(report, report_path, dev, release)
    name = pick_checkpoint(report, checkpoint, reference, report_path)
    cases = {(case.evalset, case.id): (evalset, case) for evalset in dev for case in evalset.cases}
    missing = sorted({r["evalset"] for r in report["results"]} - {e.name for e in dev})
    if missing:
        known = ", ".join(sorted(e.name for e in dev)) or "none given"
        raise PairsError(f"{report_path}: eval set {missing[0]!r} is not among the development eval sets ({known})")
    rejected: dict[tuple[str, str], str] = {}
    passing: dict[tuple[str, str], list[str]] = {}
    for result in report["results"]:
        key = (result["evalset"], result["case"])
        output = result.get("output") if isinstance(result.get("output"), str) else ""
        if result.get("checkpoint") == name and result.get("status") == "failed":
            rejected.setdefault(key, output)
        elif reference is not None and result.get("checkpoint") == reference and result.get("status") == "passed":
            passing.setdefault(key, []).append(output)
    written = dict(chosen or {})
    out = PairSet()
    for key, bad in rejected.items():
        if key not in cases:
            out.dropped.append(Dropped(f"{key[0]}::{key[1]}", "the case is not in its eval set any more"))
            continue
        evalset, case = cases[key]
        pair_id = f"{case.evalset}::{case.id}"
        if not bad.strip():
            out.dropped.append(Dropped(pair_id, "the failing reply is empty (nothing to reject)"))
            continue
        candidates = [(f"config:{k}", written[k]) for k in (pair_id, case.id) if k in written]
        candidates += [
            (f"train:{e.path.name if e.path else 'data'}:{e.line}", e.messages[-1].content)
            for e in training
            if set(e.tags) & set(case.tags) and e.messages and e.messages[-1].role == "assistant"
        ]
        candidates += [(f"reference:{reference}", text) for text in passing.get(key, [])]
        pair, reasons = _first_passing(evalset, case, bad, candidates)
        if pair is None:
            why = "; ".join(reasons[:3]) if reasons else "no candidate (prefer.chosen, tagged training data, reference)"
            out.dropped.append(Dropped(pair_id, f"no chosen reply passes its checks: {why}"))
            continue
        out.pairs.append(pair)
    refuse_leakage(out.pairs, release, threshold)
    return out


def _first_passing(evalset: Any, case: Any, bad: str, candidates: Sequence[tuple[str, str]]) -> tuple[Any, list[str]]:
    ctx = CheckContext(messages=case.messages, context=case.context, base_dir=evalset.path.parent)
    reasons = []
    for source, text in candidates:
        if not text.strip() or text.strip() == bad.strip():
            continue
        failing = [r for r in run_checks(case.checks, text, ctx) if not r.passed or r.error]
        if failing:
            reasons.append(f"{source} fails {failing[0].name} ({failing[0].detail})")
            continue
        pair = Pair(f"{case.evalset}::{case.id}", tuple(case.messages), text, bad, source, tuple(case.tags))
        return pair, reasons
    return None, reasons


def _refuse_release_report(report: Mapping[str, Any], where: Path, dev: Sequence[Any], release: Sequence[Any]) -> None:
    release_names = {e.name for e in release}
    release_paths = {Path(e.path).resolve() for e in release}
    on_release = sorted({r["evalset"] for r in report["results"]} & release_names)
    if on_release:
        raise LeakageError(
            f"{where}: this report was made on the release eval set {on_release[0]!r}; "
            "pairs come from a development eval set only (the release set must stay unseen)"
        )
    for evalset in dev:
        if Path(evalset.path).resolve() in release_paths or evalset.name in release_names:
            raise LeakageError(f"{evalset.path}: is a release eval set (data.eval_sets), not a development one")
