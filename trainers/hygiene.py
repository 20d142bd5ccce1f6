"""Dataset hygiene: the rules a chat fine-tuning set must pass before training, as pure functions.

Small persona models amplify every data flaw the field reports describe (copies from
``for _ in range(N)`` loops, eval prompts in the training set, refusals at 2 %, ``[INST]``
written into the text, JSON targets that do not validate), so each flaw is a named rule here
that the pytest plugin, ``check-data`` and the training stage (through ``clean``) share.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from pytest_persona.checks import CheckArgError, CheckSpec, Message, run_check

ROLES = ("system", "user", "assistant")
EXAMPLE_KEYS = ("messages", "tags", "schema")
MESSAGE_KEYS = ("role", "content")
SHINGLE_WORDS = 5
MAX_LINE_BYTES = 1 << 20
MAX_EXAMPLES = 1_000_000
MAX_ERRORS_SHOWN = 20

_WORD_RE = re.compile(r"\w+")


class DatasetError(ValueError):
    """A malformed dataset file; every problem is reported as ``file:line: problem``."""

    def __init__(self, errors: Sequence[str]) -> None:
        shown = list(errors[:MAX_ERRORS_SHOWN])
        if len(errors) > MAX_ERRORS_SHOWN:
            shown.append(f"… ({len(errors) - MAX_ERRORS_SHOWN} more)")
        super().__init__("\n".join(shown))
        self.errors = tuple(errors)


# --------------------------------------------------------------------------- examples and loading


@dataclass(frozen=True)
class Example:
    """One training conversation, with where it came from (``line`` is 1-based)."""

    messages: tuple[Message, ...]
    tags: tuple[str, ...] = ()
    schema: str | None = None
    line: int = 0
    path: Path | None = None


def load_examples(
    path: str | Path, *, max_line_bytes: int = MAX_LINE_BYTES, max_examples: int = MAX_EXAMPLES
) -> list[Example]:
    """Read a JSONL chat dataset; raise DatasetError listing each malformed line as file:line."""
    path = Path(path)
    examples: list[Example] = []
    errors: list[str] = []
    try:
        fh = path.open("rb")
    except OSError as exc:
        raise DatasetError([f"{path}: cannot read: {exc.strerror or exc}"]) from None
    with fh:
        number = 0
        while True:
            raw = fh.readline(max_line_bytes + 1)
            if not raw:
                break
            number += 1
            if number == 1:
                raw = raw.removeprefix(b"\xef\xbb\xbf")  # a UTF-8 byte-order mark
            if len(raw) > max_line_bytes and not raw.endswith(b"\n"):
                errors.append(f"{path}:{number}: line longer than {max_line_bytes} bytes")
                while raw and not raw.endswith(b"\n"):  # skip the rest of the line
                    raw = fh.readline(max_line_bytes + 1)
                continue
            if not raw.strip():
                continue
            if len(examples) >= max_examples:
                errors.append(f"{path}:{number}: more than {max_examples} examples")
                break
            try:
                examples.append(_parse_line(raw, number, path))
            except ValueError as exc:
                errors.append(f"{path}:{number}: {exc}")
            if len(errors) > MAX_ERRORS_SHOWN * 5:
                break
    if errors:
        raise DatasetError(errors)
    return examples


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key!r}")
        out[key] = value
    return out


def _parse_line(raw: bytes, number: int, path: Path) -> Example:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8 (byte {exc.start})") from None
    try:
        data = json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON ({exc.msg} at column {exc.colno})") from None
    except RecursionError:
        raise ValueError("not JSON (nested too deeply)") from None
    except ValueError as exc:
        raise ValueError(f"not JSON ({exc})") from None
    if not isinstance(data, dict):
        raise ValueError(f"an example is a JSON object, got {_json_type(data)}")
    unknown = sorted(set(data) - set(EXAMPLE_KEYS))
    if unknown:
        raise ValueError(f"unknown key {unknown[0]!r} (keys: {', '.join(EXAMPLE_KEYS)})")
    if "messages" not in data:
        raise ValueError("missing key 'messages'")
    messages = data["messages"]
    if not isinstance(messages, list):
        raise ValueError(f"'messages' must be a list, got {_json_type(messages)}")
    tags = data.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) and t.strip() for t in tags):
        raise ValueError("'tags' must be a list of non-empty strings")
    schema = data.get("schema")
    if schema is not None and (not isinstance(schema, str) or not schema.strip()):
        raise ValueError("'schema' must be a non-empty string (a path relative to the data file)")
    return Example(
        messages=tuple(_parse_message(m, i) for i, m in enumerate(messages, 1)),
        tags=tuple(tags),
        schema=schema,
        line=number,
        path=path,
    )


def _parse_message(data: Any, index: int) -> Message:
    where = f"messages[{index}]"
    if not isinstance(data, dict):
        raise ValueError(f"{where} must be an object with 'role' and 'content', got {_json_type(data)}")
    unknown = sorted(set(data) - set(MESSAGE_KEYS))
    if unknown:
        raise ValueError(f"{where}: unknown key {unknown[0]!r} (keys: role, content)")
    for key in MESSAGE_KEYS:
        if key not in data:
            raise ValueError(f"{where}: missing key {key!r}")
        if not isinstance(data[key], str):
            raise ValueError(f"{where}: {key!r} must be a string, got {_json_type(data[key])}")
    if data["role"] not in ROLES:
        raise ValueError(f"{where}: unknown role {data['role']!r} (roles: {', '.join(ROLES)})")
    return Message(data["role"], data["content"])


def _json_type(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}
    return names.get(type(value), "a number")


# --------------------------------------------------------------------------- configuration


def _help(text: str) -> dict[str, str]:
    return {"help": text}


@dataclass(frozen=True)
class HygieneConfig:
    """What the rules accept; every field has help text (``field_help()``) for the CLI and docs."""

    system_prompt: str | None = field(
        default=None,
        metadata=_help("system prompt injected where an example has none; when unset, a missing one is a violation"),
    )
    near_duplicate_threshold: float = field(
        default=0.9,
        metadata=_help("Jaccard similarity of word 5-gram shingles at or above which two examples are near duplicates"),
    )
    balance: Mapping[str, tuple[float, float]] = field(
        default_factory=dict,
        metadata=_help("tag -> (min share, max share) of examples carrying it, e.g. {refusal: [0.15, 0.25]}"),
    )
    extra_template_tokens: tuple[str, ...] = field(
        default=(),
        metadata=_help("literal tokens that must never appear in the data, besides the common chat templates'"),
    )
    min_leak_words: int = field(
        default=3,
        metadata=_help("an eval prompt counts as contained in a user turn only when it has at least this many words"),
    )
    max_examples_listed: int = field(
        default=10,
        metadata=_help("how many example lines or violations a message or report shows before '… (+N more)'"),
    )

    def __post_init__(self) -> None:
        if not 0.0 < self.near_duplicate_threshold <= 1.0:
            raise ValueError(f"near_duplicate_threshold must be in (0, 1], got {self.near_duplicate_threshold}")
        balance: dict[str, tuple[float, float]] = {}
        for tag, bounds in dict(self.balance).items():
            try:
                low, high = (float(b) for b in bounds)
            except (TypeError, ValueError):
                raise ValueError(f"balance[{tag!r}] must be (min share, max share), got {bounds!r}") from None
            if not 0.0 <= low <= high <= 1.0:
                raise ValueError(f"balance[{tag!r}] needs 0 <= min <= max <= 1 (shares, not percent), got {bounds!r}")
            balance[str(tag)] = (low, high)
        object.__setattr__(self, "balance", balance)
        if isinstance(self.extra_template_tokens, str):
            raise ValueError("extra_template_tokens is a list of tokens, not one string")
        object.__setattr__(self, "extra_template_tokens", tuple(self.extra_template_tokens))
        if self.min_leak_words < 1 or self.max_examples_listed < 1:
            raise ValueError("min_leak_words and max_examples_listed must be at least 1")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> HygieneConfig:
        """Build from a YAML/JSON mapping; unknown keys are errors that name the known ones."""
        known = [f.name for f in fields(cls)]
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise ValueError(f"unknown hygiene setting {unknown[0]!r}; settings: {', '.join(known)}")
        return cls(**dict(data))

    @classmethod
    def field_help(cls) -> dict[str, str]:
        """Each setting's help text, by name."""
        return {f.name: f.metadata.get("help", "") for f in fields(cls)}


# --------------------------------------------------------------------------- text helpers


def canonicalize(text: str) -> str:
    """NFKC, casefold, whitespace runs to one space, stripped (a fixed point: applying it twice changes nothing)."""
    previous = None
    for _ in range(4):
        if text == previous:
            break
        previous = text
        text = " ".join(unicodedata.normalize("NFKC", text).casefold().split())
    return text


def _words(text: str) -> list[str]:
    return _WORD_RE.findall(canonicalize(text))


def _shingles(tokens: Sequence[str], k: int = SHINGLE_WORDS) -> frozenset[str]:
    """Word k-grams; a text shorter than k words is one shingle (the whole text)."""
    if not tokens:
        return frozenset()
    if len(tokens) <= k:
        return frozenset([" ".join(tokens)])
    return frozenset(" ".join(tokens[i : i + k]) for i in range(len(tokens) - k + 1))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    """|a ∩ b| / |a ∪ b| (0 for two empty sets)."""
    if not a and not b:
        return 0.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


def _effective_messages(example: Example, config: HygieneConfig) -> tuple[Message, ...]:
    """The messages as training will see them: the configured system prompt injected when absent."""
    messages = example.messages
    if config.system_prompt is not None and not any(m.role == "system" for m in messages):
        return (Message("system", config.system_prompt), *messages)
    return messages


@functools.lru_cache(maxsize=1 << 16)
def content_hash(messages: tuple[Message, ...]) -> str:
    """sha256 of the canonical (role, content) sequence."""
    canonical = [[m.role, canonicalize(m.content)] for m in messages]
    return hashlib.sha256(json.dumps(canonical, ensure_ascii=False).encode("utf-8")).hexdigest()


@functools.lru_cache(maxsize=1 << 16)
def _conversation_shingles(example: Example) -> frozenset[str]:
    """Shingles of the user and assistant turns (the shared system prompt would swamp the similarity)."""
    tokens: list[str] = []
    for message in example.messages:
        if message.role != "system":
            tokens.append(f"\x00{message.role}")
            tokens.extend(_words(message.content))
    return _shingles(tokens)


def _list_lines(lines: Sequence[int], limit: int) -> str:
    shown = ", ".join(str(n) for n in lines[:limit])
    more = f", … (+{len(lines) - limit} more)" if len(lines) > limit else ""
    return f"{'line' if len(lines) == 1 else 'lines'} {shown}{more}"


def _percent(share: float) -> str:
    return f"{share * 100:.1f} %"


# --------------------------------------------------------------------------- duplicate detection


def _exact_groups(examples: Sequence[Example], config: HygieneConfig) -> list[list[int]]:
    """Indices of examples grouped by content hash, in first-seen order (singletons included)."""
    groups: dict[str, list[int]] = {}
    for i, example in enumerate(examples):
        groups.setdefault(content_hash(_effective_messages(example, config)), []).append(i)
    return list(groups.values())


def similar_pairs(sets: Sequence[frozenset[str]], threshold: float) -> Iterator[tuple[int, int, float]]:
    """All pairs (i < j) with Jaccard >= threshold, by prefix filtering on an inverted index (exact, no all-pairs)."""
    frequency = Counter(s for shingles in sets for s in shingles)
    index: dict[str, list[int]] = defaultdict(list)
    order = sorted(range(len(sets)), key=lambda i: len(sets[i]))
    for j in order:
        current = sets[j]
        if not current:
            continue
        ranked = sorted(current, key=lambda s: (frequency[s], s))
        prefix = ranked[: len(ranked) - math.ceil(threshold * len(ranked) - 1e-9) + 1]
        candidates: set[int] = set()
        for shingle in prefix:
            candidates.update(index[shingle])
        for i in candidates:
            other = sets[i]
            if len(other) < threshold * len(current) - 1e-9:
                continue
            score = jaccard(current, other)
            if score >= threshold:
                yield (min(i, j), max(i, j), score)
        for shingle in prefix:
            index[shingle].append(j)


def _near_pairs(
    examples: Sequence[Example], config: HygieneConfig, representatives: Sequence[int]
) -> list[tuple[int, int, float]]:
    """Near-duplicate pairs of example indices among the given ones (one per exact group)."""
    sets = [_conversation_shingles(examples[i]) for i in representatives]
    pairs = similar_pairs(sets, config.near_duplicate_threshold)
    return [(representatives[a], representatives[b], score) for a, b, score in pairs]


def _components(pairs: Iterable[tuple[int, int, float]]) -> list[tuple[list[int], float]]:
    """Connected components of the pair graph, each with the highest similarity inside it."""
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    best: dict[int, float] = {}
    edges = list(pairs)
    for a, b, _ in edges:
        parent[find(a)] = find(b)
    members: dict[int, list[int]] = defaultdict(list)
    for node in parent:
        members[find(node)].append(node)
    for a, _, score in edges:
        root = find(a)
        best[root] = max(best.get(root, 0.0), score)
    return [(sorted(nodes), best[root]) for root, nodes in members.items()]


def clean(examples: Sequence[Example], config: HygieneConfig) -> list[Example]:
    """Drop exact and near duplicates (the first kept) and inject the system prompt: what training sees."""
    firsts = [group[0] for group in _exact_groups(examples, config)]
    neighbours: dict[int, set[int]] = defaultdict(set)
    for a, b, _ in _near_pairs(examples, config, firsts):
        neighbours[a].add(b)
        neighbours[b].add(a)
    kept: list[int] = []
    kept_set: set[int] = set()
    for i in firsts:
        if not neighbours[i] & kept_set:
            kept.append(i)
            kept_set.add(i)
    return [replace(examples[i], messages=_effective_messages(examples[i], config)) for i in kept]


# --------------------------------------------------------------------------- rules


@dataclass(frozen=True)
class Violation:
    """One finding of one rule: the example lines involved and a readable message."""

    rule: str
    lines: tuple[int, ...]
    message: str

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"rule": self.rule, "lines": list(self.lines), "message": self.message}


@dataclass(frozen=True)
class RuleContext:
    """What rules may know besides the examples: the eval-set prompts as (label, text)."""

    eval_prompts: tuple[tuple[str, str], ...] = ()


Rule = Callable[[Sequence[Example], HygieneConfig, RuleContext], list[Violation]]


def eval_prompts(evalsets: Iterable[Any]) -> list[tuple[str, str]]:
    """(``evalset::case``, prompt) for every case of the given loaded eval sets (or cases)."""
    out: list[tuple[str, str]] = []
    for item in evalsets:
        for case in getattr(item, "cases", (item,)):
            if case.prompt.strip():
                out.append((f"{case.evalset}::{case.id}", case.prompt))
    return out


def rule_chat_format(examples: Sequence[Example], config: HygieneConfig, context: RuleContext) -> list[Violation]:
    """Known roles, one leading system prompt (or one to inject), user/assistant alternating, non-empty turns."""
    if not examples:
        return [Violation("chat_format", (), "the dataset holds no examples")]
    out = []
    for example in examples:
        problems = _format_problems(example.messages, config)
        if problems:
            out.append(Violation("chat_format", (example.line,), f"line {example.line}: " + "; ".join(problems)))
    return out


def _format_problems(messages: Sequence[Message], config: HygieneConfig) -> list[str]:
    if not messages:
        return ["no messages"]
    problems: list[str] = []
    unknown = sorted({m.role for m in messages} - set(ROLES))
    if unknown:
        return [f"unknown role {unknown[0]!r} (roles: {', '.join(ROLES)})"]
    systems = [i for i, m in enumerate(messages, 1) if m.role == "system"]
    if any(i != 1 for i in systems):
        problems.append(f"system message at position {next(i for i in systems if i != 1)} (only the first may be one)")
    if not systems and config.system_prompt is None:
        problems.append("no system prompt (and none configured to inject)")
    if systems and systems[0] == 1 and not messages[0].content.strip():
        problems.append("the system prompt is empty")
    turns = [(i, m) for i, m in enumerate(messages, 1) if m.role != "system"]
    if not turns:
        return [*problems, "no user or assistant turn"]
    expected = "user"
    for position, message in turns:
        if message.role != expected:
            problems.append(f"message {position} is {message.role}, expected {expected} (turns must alternate)")
            break
        expected = "assistant" if expected == "user" else "user"
    for position, message in turns:
        if not message.content.strip():
            problems.append(f"message {position} ({message.role}) is empty")
    if turns[-1][1].role != "assistant":
        problems.append("the last turn is not an assistant turn (nothing to train on)")
    return problems


def rule_exact_duplicates(examples: Sequence[Example], config: HygieneConfig, context: RuleContext) -> list[Violation]:
    """Examples whose messages are identical after canonicalisation (same sha256 content hash)."""
    out = []
    for group in _exact_groups(examples, config):
        if len(group) > 1:
            lines = tuple(sorted(examples[i].line for i in group))
            where = _list_lines(lines, config.max_examples_listed)
            out.append(
                Violation("exact_duplicates", lines, f"{where}: identical after canonicalisation ({len(group)} copies)")
            )
    return sorted(out, key=lambda v: v.lines)


def rule_near_duplicates(examples: Sequence[Example], config: HygieneConfig, context: RuleContext) -> list[Violation]:
    """Groups of distinct examples whose user/assistant turns share word 5-grams at Jaccard >= the threshold."""
    # one representative per exact group, chosen by line so the finding does not depend on file order
    groups = _exact_groups(examples, config)
    representatives = [min(group, key=lambda i: (examples[i].line, i)) for group in groups]
    out = []
    for members, best in _components(_near_pairs(examples, config, representatives)):
        lines = tuple(sorted(examples[i].line for i in members))
        where = _list_lines(lines, config.max_examples_listed)
        message = (
            f"{where}: near duplicates ({len(lines)} examples; word {SHINGLE_WORDS}-gram Jaccard up to {best:.2f}, "
            f"threshold {config.near_duplicate_threshold:.2f})"
        )
        out.append(Violation("near_duplicates", lines, message))
    return sorted(out, key=lambda v: v.lines)


def rule_leakage(examples: Sequence[Example], config: HygieneConfig, context: RuleContext) -> list[Violation]:
    """A user turn equal to, containing, or near-identical to an eval-set prompt."""
    prompts = []
    for label, text in context.eval_prompts:
        words = _words(text)
        if words:
            prompts.append((label, f" {' '.join(words)} ", len(words), _shingles(words)))
    index: dict[str, list[int]] = defaultdict(list)
    for k, (_, _, _, shingles) in enumerate(prompts):
        for shingle in shingles:
            index[shingle].append(k)
    out = []
    for example in examples:
        found: dict[int, str] = {}
        for position, message in enumerate(example.messages, 1):
            if message.role != "user":
                continue
            words = _words(message.content)
            key = f" {' '.join(words)} "
            turn = f"user turn (message {position})"
            for k, (_, prompt_key, count, _) in enumerate(prompts):
                if k in found:
                    continue
                if key == prompt_key:
                    found[k] = f"{turn} is the eval-set prompt"
                elif count >= config.min_leak_words and prompt_key in key:
                    found[k] = f"{turn} contains the eval-set prompt"
            shingles = _shingles(words)
            shared = Counter(k for s in shingles for k in index.get(s, ()))
            for k, inter in shared.items():
                score = inter / (len(shingles) + len(prompts[k][3]) - inter)
                if k not in found and score >= config.near_duplicate_threshold:
                    found[k] = f"{turn} is near-identical (Jaccard {score:.2f}) to the eval-set prompt"
        for k in sorted(found, key=lambda k: prompts[k][0]):
            message = f"line {example.line}: {found[k]} {prompts[k][0]}"
            out.append(Violation("leakage", (example.line,), message))
    return out


def rule_balance(examples: Sequence[Example], config: HygieneConfig, context: RuleContext) -> list[Violation]:
    """Each configured tag's share of the examples lies within its (min, max) bounds."""
    total = len(examples)
    out = []
    for tag, (low, high) in config.balance.items():
        tagged = [e.line for e in examples if tag in e.tags]
        share = len(tagged) / total if total else 0.0
        if total and low <= share <= high:
            continue
        expected = f"expected {low * 100:g}–{high * 100:g} %"
        message = f"{tag}: {_percent(share)} of {total} examples ({len(tagged)} tagged), {expected}"
        out.append(Violation("balance", tuple(sorted(tagged)) if share > high else (), message))
    return out


def rule_template_tokens(examples: Sequence[Example], config: HygieneConfig, context: RuleContext) -> list[Violation]:
    """Chat-template tokens or role-prefixed lines written into a message (the ``no_template_leak`` detector)."""
    spec = CheckSpec.parse({"no_template_leak": {"tokens": list(config.extra_template_tokens)}})
    out = []
    for example in examples:
        for position, message in enumerate(example.messages, 1):
            result = run_check(spec, message.content)
            if not result.passed:
                text = f"line {example.line}: {message.role} message {position}: {result.detail}"
                out.append(Violation("template_tokens", (example.line,), text))
                break
    return out


def rule_structured_targets(
    examples: Sequence[Example], config: HygieneConfig, context: RuleContext
) -> list[Violation]:
    """An example with ``schema`` ends with an assistant message that is JSON valid against that schema."""
    specs: dict[tuple[Path, str], CheckSpec | str] = {}
    out = []
    for example in examples:
        if example.schema is None:
            continue
        base = example.path.parent if example.path is not None else Path.cwd()
        key = (base, example.schema)
        if key not in specs:
            try:
                specs[key] = CheckSpec.parse({"json_schema": {"schema": example.schema}}, base_dir=base)
            except CheckArgError as exc:
                specs[key] = str(exc)
        spec = specs[key]
        where = f"line {example.line}"
        if isinstance(spec, str):
            out.append(Violation("structured_targets", (example.line,), f"{where}: {spec}"))
            continue
        last = example.messages[-1] if example.messages else None
        if last is None or last.role != "assistant":
            detail = "no final assistant message to validate"
        else:
            result = run_check(spec, last.content)
            if result.passed:
                continue
            detail = result.detail
        out.append(Violation("structured_targets", (example.line,), f"{where}: target vs {example.schema}: {detail}"))
    return out


RULES: dict[str, Rule] = {
    "chat_format": rule_chat_format,
    "exact_duplicates": rule_exact_duplicates,
    "near_duplicates": rule_near_duplicates,
    "leakage": rule_leakage,
    "balance": rule_balance,
    "template_tokens": rule_template_tokens,
    "structured_targets": rule_structured_targets,
}


# --------------------------------------------------------------------------- report


@dataclass(frozen=True)
class HygieneReport:
    """The rules' findings and the dataset's statistics, as a table or as JSON."""

    rules: tuple[str, ...]
    violations: tuple[Violation, ...]
    stats: Mapping[str, Any]
    max_listed: int = 10

    @property
    def passed(self) -> bool:
        """No rule found anything."""
        return not self.violations

    def by_rule(self, rule: str) -> list[Violation]:
        """The violations one rule found."""
        return [v for v in self.violations if v.rule == rule]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: passed, stats, per-rule status and count, every violation."""
        return {
            "passed": self.passed,
            "stats": dict(self.stats),
            "rules": [
                {"rule": r, "passed": not self.by_rule(r), "violations": len(self.by_rule(r))} for r in self.rules
            ],
            "violations": [v.as_dict() for v in self.violations],
        }

    def as_table(self) -> str:
        """A fixed-width table (rule, status, count, first example lines), then the first messages per rule."""
        rows = []
        for rule in self.rules:
            found = self.by_rule(rule)
            lines = sorted({n for v in found for n in v.lines})
            first = _list_lines(lines, self.max_listed) if lines else ""
            rows.append((rule, "FAIL" if found else "ok", str(len(found)), first))
        header = ("rule", "status", "count", "first examples")
        widths = [max(len(r[c]) for r in [header, *rows]) for c in range(3)]
        out = [f"dataset: {self.stats.get('examples', 0)} examples, {'passed' if self.passed else 'FAILED'}"]
        out.extend(_mix_lines(self.stats.get("sources", ())))
        for row in [header, *rows]:
            out.append("  ".join(cell.ljust(w) for cell, w in zip(row[:3], widths, strict=True)) + "  " + row[3])
        for rule in self.rules:
            found = self.by_rule(rule)
            if found:
                out.append(f"\n{rule}:")
                out.extend(f"  {v.message}" for v in found[: self.max_listed])
                if len(found) > self.max_listed:
                    out.append(f"  … (+{len(found) - self.max_listed} more)")
        return "\n".join(line.rstrip() for line in out)


def _mix_lines(sources: Sequence[Mapping[str, Any]]) -> list[str]:
    """The achieved mix of a ``data.sources`` training set (target share → achieved share)."""
    lines = ["mixed from (target share → achieved):"] if sources else []
    for part in sources:
        repeats = f", {part['repeats_skipped']} repeats skipped" if part.get("repeats_skipped") else ""
        lines.append(
            f"  {part['path']}: {part['share'] * 100:g} % → {part['achieved_share'] * 100:.1f} % "
            f"({part['taken']} of {part['available']} distinct examples{repeats})"
        )
    return lines


def dataset_stats(examples: Sequence[Example], config: HygieneConfig) -> dict[str, Any]:
    """Counts the report shows: examples, tag shares, duplicates clean() removes, schema targets."""
    total = len(examples)
    tag_counts = Counter(tag for e in examples for tag in set(e.tags))
    kept = len(clean(examples, config))
    exact = total - len(_exact_groups(examples, config))
    return {
        "examples": total,
        "tags": {t: {"count": n, "share": n / total} for t, n in sorted(tag_counts.items())},
        "exact_duplicates": exact,
        "near_duplicates": total - exact - kept,
        "duplicates_removed": total - kept,
        "after_clean": kept,
        "system_prompt_injected": sum(1 for e in examples if _effective_messages(e, config) != e.messages),
        "structured_targets": sum(1 for e in examples if e.schema is not None),
    }


def check_dataset(
    examples: Sequence[Example],
    config: HygieneConfig | None = None,
    evalset_prompts: Iterable[tuple[str, str]] = (),
    rules: Iterable[str] | None = None,
) -> HygieneReport:
    """Run the named rules (all, in table order, by default) and gather violations and stats."""
    config = config or HygieneConfig()
    names = tuple(rules) if rules is not None else tuple(RULES)
    unknown = [n for n in names if n not in RULES]
    if unknown:
        raise ValueError(f"unknown hygiene rule {unknown[0]!r}; rules: {', '.join(RULES)}")
    context = RuleContext(eval_prompts=tuple(evalset_prompts))
    violations = [v for name in names for v in RULES[name](examples, config, context)]
    return HygieneReport(names, tuple(violations), dataset_stats(examples, config), config.max_examples_listed)
