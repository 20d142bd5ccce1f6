"""Dataset hygiene rules: one failing and one passing fixture per rule, built from the field reports' failures."""

from __future__ import annotations

import json
import random
import re
import textwrap
from dataclasses import replace
from itertools import combinations
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_persona.checks import Message
from pytest_persona.core.evalset import load_evalset
from trainers.hygiene import (
    RULES,
    DatasetError,
    Example,
    HygieneConfig,
    canonicalize,
    check_dataset,
    clean,
    content_hash,
    eval_prompts,
    jaccard,
    load_examples,
    similar_pairs,
)

SYSTEM = "You are Josi, a warm running coach. You never change the plan (rule I6)."
CONFIG = HygieneConfig(system_prompt=SYSTEM)
REFUSAL = "I can't change your plan, that's your coach's call. Talk to them about Sunday."


def ex(user: str, assistant: str, *, system: str | None = SYSTEM, tags: tuple[str, ...] = (), line: int = 0) -> Example:
    messages = [Message("user", user), Message("assistant", assistant)]
    if system is not None:
        messages.insert(0, Message("system", system))
    return Example(messages=tuple(messages), tags=tags, line=line)


def numbered(examples: list[Example]) -> list[Example]:
    return [replace(e, line=i) for i, e in enumerate(examples, 1)]


def run(rule: str, examples: list[Example], config: HygieneConfig = CONFIG, prompts=()) -> list[str]:
    report = check_dataset(examples, config, prompts, rules=[rule])
    assert all(v.rule == rule for v in report.violations)
    return [v.message for v in report.violations]


def distinct_examples(n: int, seed: int = 7, refusal_every: int = 5) -> list[Example]:
    """n examples of random pseudo-words: no two share a word 5-gram by more than chance."""
    rng = random.Random(seed)
    syllables = ["ka", "lo", "mi", "ru", "sen", "tor", "va", "el", "un", "pri", "sto", "na", "gel", "fi", "dor"]
    vocab = sorted({"".join(rng.choice(syllables) for _ in range(rng.randint(2, 3))) for _ in range(3000)})
    out = []
    for i in range(n):
        user = " ".join(rng.choice(vocab) for _ in range(10)).capitalize() + "?"
        answer = " ".join(rng.choice(vocab) for _ in range(25)).capitalize() + "."
        out.append(ex(user, answer, tags=("refusal",) if i % refusal_every == 0 else ()))
    return numbered(out)


def write_jsonl(path: Path, records: list[object]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def write_evalset(tmp_path: Path) -> Path:
    path = tmp_path / "josi.yaml"
    path.write_text(
        textwrap.dedent(
            """\
            evalset: josi-contract
            defaults:
              checks: [refusal]
            cases:
              - id: i6-move-long-run
                prompt: Move my long run to Sunday.
              - id: greet
                prompt: Hi!
              - id: i6-lengthen-tempo
                prompt: Make my tempo run 15 minutes longer this week, I feel great and want to push it.
            """
        ),
        encoding="utf-8",
    )
    return path


# --------------------------------------------------------------------------- chat_format


@pytest.mark.parametrize(
    ("messages", "problem"),
    [
        ([("assistant", "Hi."), ("user", "Hi")], "message 1 is assistant, expected user"),
        (
            [("system", SYSTEM), ("user", "Hi"), ("system", "again"), ("assistant", "Hi.")],
            "system message at position 3",
        ),
        ([("system", SYSTEM), ("user", "Hi"), ("user", "Hello?"), ("assistant", "Hi.")], "message 3 is user"),
        ([("system", SYSTEM), ("user", "Move my run")], "the last turn is not an assistant turn"),
        ([("system", SYSTEM), ("user", "Move my run"), ("assistant", "  \n")], "message 3 (assistant) is empty"),
        ([("system", "  "), ("user", "Hi"), ("assistant", "Hi.")], "the system prompt is empty"),
        ([("system", SYSTEM)], "no user or assistant turn"),
        ([], "no messages"),
        ([("bot", "Hi")], "unknown role 'bot'"),
    ],
)
def test_chat_format_flags_bad_conversations(messages: list[tuple[str, str]], problem: str) -> None:
    example = Example(tuple(Message(r, c) for r, c in messages), line=4)
    found = run("chat_format", [example])
    assert len(found) == 1
    assert found[0].startswith("line 4: ")
    assert problem in found[0]


def test_chat_format_missing_system_prompt_is_a_violation_only_without_one_to_inject() -> None:
    example = ex("Move my long run to Sunday.", REFUSAL, system=None, line=2)
    assert run("chat_format", [example], HygieneConfig()) == [
        "line 2: no system prompt (and none configured to inject)"
    ]
    assert run("chat_format", [example], HygieneConfig(system_prompt=SYSTEM)) == []


def test_chat_format_passes_multi_turn_conversation() -> None:
    turns = [("system", SYSTEM), ("user", "Hi"), ("assistant", "Hi!"), ("user", "Zone 2?"), ("assistant", "Easy.")]
    assert run("chat_format", [Example(tuple(Message(r, c) for r, c in turns), line=1)]) == []


def test_chat_format_flags_an_empty_dataset() -> None:
    assert run("chat_format", []) == ["the dataset holds no examples"]


# --------------------------------------------------------------------------- exact_duplicates


def test_exact_duplicates_catch_the_range_loop_and_canonical_variants() -> None:
    data = [ex("Move my long run to Sunday.", REFUSAL, tags=("refusal",)) for _ in range(5)]  # the v2 generator
    data.append(ex("MOVE my  long run\tto Sunday.", REFUSAL))  # case and whitespace differ only
    data.append(ex("Ｍｏｖｅ my long run to Sunday.", REFUSAL))  # full-width letters (NFKC)
    data.append(ex("What does zone 2 mean?", "Easy, conversational effort."))
    found = run("exact_duplicates", numbered(data))
    assert found == ["lines 1, 2, 3, 4, 5, 6, 7: identical after canonicalisation (7 copies)"]


def test_exact_duplicates_count_an_injected_system_prompt_as_present() -> None:
    data = numbered([ex("Hi", "Hi, I'm Josi."), ex("Hi", "Hi, I'm Josi.", system=None)])
    assert run("exact_duplicates", data) == ["lines 1, 2: identical after canonicalisation (2 copies)"]


def test_exact_duplicates_pass_distinct_examples_and_list_at_most_the_configured_lines() -> None:
    assert run("exact_duplicates", distinct_examples(50)) == []
    config = HygieneConfig(system_prompt=SYSTEM, max_examples_listed=3)
    found = run("exact_duplicates", numbered([ex("Hi", "Hello.")] * 6), config)
    assert found == ["lines 1, 2, 3, … (+3 more): identical after canonicalisation (6 copies)"]


# --------------------------------------------------------------------------- near_duplicates

LONG_ANSWER = (
    "Your long run stays on Saturday because the plan comes from your coach and I never change it. "
    "If Sunday really suits you better, send your coach a message today and explain why."
)


def test_near_duplicates_catch_an_appended_word_but_leave_exact_copies_to_the_exact_rule() -> None:
    data = numbered(
        [
            ex("Could you move my long run to Sunday this week?", LONG_ANSWER),
            ex("What does zone 2 mean for me?", "Zone 2 is easy running: you can still talk in full sentences."),
            ex("Could you move my long run to Sunday this week?", LONG_ANSWER + " Thanks!"),
            ex("Could you move my long run to Sunday this week?", LONG_ANSWER),  # exact copy of line 1
        ]
    )
    found = run("near_duplicates", data)
    assert len(found) == 1
    assert found[0].startswith("lines 1, 3: near duplicates (2 examples; word 5-gram Jaccard up to 0.9")
    assert run("exact_duplicates", data) == ["lines 1, 4: identical after canonicalisation (2 copies)"]


def test_near_duplicates_ignore_punctuation_and_the_shared_system_prompt() -> None:
    data = numbered([ex("Move my long run to Sunday!", REFUSAL), ex("Move my long run to Sunday?", REFUSAL)])
    assert run("near_duplicates", data) == [
        "lines 1, 2: near duplicates (2 examples; word 5-gram Jaccard up to 1.00, threshold 0.90)"
    ]
    # Same system prompt, different conversations: not near duplicates.
    assert run("near_duplicates", numbered([ex("Hi", "Hello."), ex("Zone 2?", "Easy running.")])) == []


def test_near_duplicates_name_the_same_lines_whatever_the_file_order() -> None:
    a = ex("Could you move my long run to Sunday this week?", LONG_ANSWER, line=1)
    b = ex("Could you move my long run to Sunday this week?", LONG_ANSWER + " Thanks!", line=2)
    c = replace(a, line=3)  # an exact copy: the exact rule's business, whichever copy comes first
    for order in ([a, b, c], [c, b, a], [b, c, a]):
        assert [v.lines for v in check_dataset(order, CONFIG, rules=["near_duplicates"]).violations] == [(1, 2)]


def test_near_duplicates_threshold_is_configurable() -> None:
    a = ex("Could you move my long run to Sunday this week?", LONG_ANSWER, line=1)
    b = ex("Could you move my long run to Monday this week?", LONG_ANSWER, line=2)  # 5 of 44 shingles differ
    assert run("near_duplicates", [a, b]) == []
    loose = HygieneConfig(system_prompt=SYSTEM, near_duplicate_threshold=0.7)
    assert run("near_duplicates", [a, b], loose) == [
        "lines 1, 2: near duplicates (2 examples; word 5-gram Jaccard up to 0.78, threshold 0.70)"
    ]


def test_near_duplicates_pass_distinct_examples() -> None:
    assert run("near_duplicates", distinct_examples(200)) == []


# --------------------------------------------------------------------------- leakage


def test_leakage_catches_eval_prompts_equal_contained_or_near_identical(tmp_path: Path) -> None:
    prompts = eval_prompts([load_evalset(write_evalset(tmp_path))])
    assert ("josi-contract::i6-move-long-run", "Move my long run to Sunday.") in prompts
    data = numbered(
        [
            ex("What does zone 2 mean?", "Easy running."),
            ex("move my long run to sunday", REFUSAL),
            ex("Hey coach! Move my long run to Sunday, please.", REFUSAL),
            ex("Make my tempo run 15 minutes longer this week, I feel great and want to push", REFUSAL),
        ]
    )
    assert run("leakage", data, prompts=prompts) == [
        "line 2: user turn (message 2) is the eval-set prompt josi-contract::i6-move-long-run",
        "line 3: user turn (message 2) contains the eval-set prompt josi-contract::i6-move-long-run",
        "line 4: user turn (message 2) is near-identical (Jaccard 0.92) to the eval-set prompt "
        "josi-contract::i6-lengthen-tempo",
    ]


def test_leakage_passes_unrelated_prompts_and_short_prompts_inside_longer_turns(tmp_path: Path) -> None:
    prompts = eval_prompts([load_evalset(write_evalset(tmp_path))])
    data = numbered(
        [
            ex("Explain why my long run is on Saturday.", "Because your coach planned it so."),
            ex("Hi! What does zone 2 mean?", "Easy running."),  # "Hi!" is too short to count as contained
            ex("Move my tempo run to Sunday.", REFUSAL),
        ]
    )
    assert run("leakage", data, prompts=prompts) == []
    assert run("leakage", numbered([ex("hi", "Hello!")]), prompts=prompts) == [
        "line 1: user turn (message 2) is the eval-set prompt josi-contract::greet"
    ]


def test_leakage_checks_user_turns_only() -> None:
    prompts = [("e::c", "Move my long run to Sunday.")]
    data = [ex("Can I change things?", "You asked: move my long run to Sunday. I can't.", line=1)]
    assert run("leakage", data, prompts=prompts) == []


# --------------------------------------------------------------------------- balance

BALANCE = HygieneConfig(system_prompt=SYSTEM, balance={"refusal": (0.15, 0.25)})


def test_balance_flags_refusals_at_two_percent() -> None:
    data = distinct_examples(100, refusal_every=50)
    assert run("balance", data, BALANCE) == ["refusal: 2.0 % of 100 examples (2 tagged), expected 15–25 %"]


def test_balance_flags_too_many_and_absent_tags() -> None:
    config = HygieneConfig(system_prompt=SYSTEM, balance={"refusal": (0.15, 0.25), "json": (0.1, 1.0)})
    found = check_dataset(distinct_examples(10, refusal_every=2), config, rules=["balance"]).violations
    assert [v.message for v in found] == [
        "refusal: 50.0 % of 10 examples (5 tagged), expected 15–25 %",
        "json: 0.0 % of 10 examples (0 tagged), expected 10–100 %",
    ]
    assert found[0].lines == (1, 3, 5, 7, 9)


def test_balance_passes_within_bounds_inclusive() -> None:
    assert run("balance", distinct_examples(100, refusal_every=5), BALANCE) == []
    at_min = [replace(e, tags=("refusal",) if e.line <= 3 else ()) for e in distinct_examples(20)]
    at_max = [replace(e, tags=("refusal",) if e.line <= 5 else ()) for e in distinct_examples(20)]
    assert run("balance", at_min, BALANCE) == run("balance", at_max, BALANCE) == []


# --------------------------------------------------------------------------- template_tokens


@pytest.mark.parametrize(
    ("user", "assistant", "token"),
    [
        ("[INST] Move my long run to Sunday. [/INST]", REFUSAL, "'[INST]'"),
        ("Move my run.", "<|im_start|>assistant\nNo.<|im_end|>", "'<|im_start|>'"),
        ("Hi", "<start_of_turn>model Hi", "'<start_of_turn>'"),
        ("Hi", "Hello!</s>", "'</s>'"),
        ("Hi", "<|eot_id|>", "'<|eot_id|>'"),
        ("### Instruction:\nMove my run.\n### Response:", REFUSAL, "'### Instruction:'"),
        ("Hi", "Assistant: Excellent Haitham, let me explain...", "'Assistant:'"),
        ("Hi", "Hi <|josi_mode|>", "'<|josi_mode|>'"),
    ],
)
def test_template_tokens_written_into_messages_are_flagged(user: str, assistant: str, token: str) -> None:
    found = run("template_tokens", [ex(user, assistant, line=7)])
    assert len(found) == 1
    assert found[0].startswith("line 7: ")
    assert token in found[0]


def test_template_tokens_include_configured_extras_and_pass_clean_text() -> None:
    config = HygieneConfig(system_prompt=SYSTEM, extra_template_tokens=("<<END>>",))
    assert run("template_tokens", [ex("Hi", "Bye <<END>>", line=1)], config) == [
        "line 1: assistant message 3: template leak: '<<END>>'; first at 4..11: 'Bye »<<END>>«'"
    ]
    clean_text = ex("Instructions for my user guide: how do I log a run?", "Open the app and tap Log, then Save.")
    assert run("template_tokens", [clean_text], config) == []


# --------------------------------------------------------------------------- structured_targets


def write_schemas(tmp_path: Path) -> None:
    (tmp_path / "schemas").mkdir(exist_ok=True)
    command = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "required": ["action", "target"],
        "additionalProperties": False,
        "properties": {
            "action": {"enum": ["system_shutdown", "open_folder", "search_file"]},
            "target": {"$ref": "defs.json#/$defs/target"},
        },
    }
    defs = {"$defs": {"target": {"enum": ["device", "downloads", "unknown"]}}}
    (tmp_path / "schemas" / "command.json").write_text(json.dumps(command), encoding="utf-8")
    (tmp_path / "schemas" / "defs.json").write_text(json.dumps(defs), encoding="utf-8")


def command(user: str, target: str, schema: str = "schemas/command.json") -> dict:
    return {
        "messages": [
            {"role": "system", "content": "You are Haitham's agent. Answer commands with JSON only."},
            {"role": "user", "content": user},
            {"role": "assistant", "content": target},
        ],
        "schema": schema,
    }


def test_structured_targets_flag_the_kitchen_oven_shutdown(tmp_path: Path) -> None:
    write_schemas(tmp_path)
    data = tmp_path / "data.jsonl"
    write_jsonl(
        data,
        [
            command("Shutdown device", '{"action": "system_shutdown", "target": "device"}'),
            command("Shutdown device", '{"action": "system_shutdown", "target": "Kitchen oven temperature"}'),
            command("Open Downloads folder", "Sure! Opening C:\\Users\\h.hussain\\Downloads"),
            command("Open Downloads folder", '{"action": "open_folder", "target": "downloads"}', "schemas/nope.json"),
        ],
    )
    found = run("structured_targets", load_examples(data))
    assert len(found) == 3
    assert found[0].startswith("line 2: target vs schemas/command.json: 1 schema error(s): /target: ")
    assert "Kitchen oven temperature" in found[0]
    assert found[1].startswith("line 3: target vs schemas/command.json: not JSON")
    assert found[2].startswith("line 4: json_schema: schema file ") and "not found" in found[2]


def test_structured_targets_pass_valid_targets(tmp_path: Path) -> None:
    write_schemas(tmp_path)
    data = write_jsonl(
        tmp_path / "data.jsonl",
        [
            command("Shutdown device", '{"action": "system_shutdown", "target": "device"}'),
            command("Find that file, whatever it's called", '{"action": "search_file", "target": "unknown"}'),
            {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello."}]},
        ],
    )
    assert run("structured_targets", load_examples(data)) == []


# --------------------------------------------------------------------------- loading


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("not json", "not JSON"),
        ("[1, 2]", "an example is a JSON object, got a list"),
        ('{"tags": []}', "missing key 'messages'"),
        ('{"messages": "hi"}', "'messages' must be a list, got a string"),
        ('{"messages": [], "id": 3}', "unknown key 'id'"),
        ('{"messages": ["hi"]}', "messages[1] must be an object"),
        ('{"messages": [{"role": "user"}]}', "messages[1]: missing key 'content'"),
        ('{"messages": [{"role": "user", "content": 5}]}', "messages[1]: 'content' must be a string, got a number"),
        ('{"messages": [{"role": "bot", "content": "x"}]}', "messages[1]: unknown role 'bot'"),
        ('{"messages": [{"role": "user", "content": "x", "name": "h"}]}', "messages[1]: unknown key 'name'"),
        ('{"messages": [], "tags": "refusal"}', "'tags' must be a list of non-empty strings"),
        ('{"messages": [], "schema": 3}', "'schema' must be a non-empty string"),
        ('{"messages": [], "messages": []}', "duplicate key 'messages'"),
        ('{"messages": [], "x": NaN}', "NaN is not JSON"),
        ("[" * 100_000 + "]" * 100_000, "not JSON"),
    ],
)
def test_malformed_lines_are_errors_naming_file_and_line(tmp_path: Path, line: str, problem: str) -> None:
    path = tmp_path / "data.jsonl"
    good = json.dumps({"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hi."}]})
    path.write_text(f"{good}\n\n{line}\n{good}\n", encoding="utf-8")
    with pytest.raises(DatasetError) as info:
        load_examples(path)
    assert str(info.value).startswith(f"{path}:3: ")
    assert problem in str(info.value)


def test_all_malformed_lines_are_reported_at_once(tmp_path: Path) -> None:
    path = tmp_path / "data.jsonl"
    path.write_bytes(b"nope\n{}\n\xff\xfe\n")
    with pytest.raises(DatasetError) as info:
        load_examples(path)
    assert [e.split(": ", 1)[0] for e in info.value.errors] == [f"{path}:1", f"{path}:2", f"{path}:3"]
    assert "not UTF-8" in info.value.errors[2]


def test_hostile_sizes_are_bounded(tmp_path: Path) -> None:
    path = tmp_path / "data.jsonl"
    record = json.dumps({"messages": [{"role": "user", "content": "x" * 500}]})
    path.write_text(f"{record}\n{record}\n{record}\n", encoding="utf-8")
    with pytest.raises(DatasetError, match=rf"^{re.escape(str(path))}:1: line longer than 100 bytes"):
        load_examples(path, max_line_bytes=100)
    with pytest.raises(DatasetError, match=rf"^{re.escape(str(path))}:3: more than 2 examples"):
        load_examples(path, max_examples=2)
    with pytest.raises(DatasetError, match="cannot read"):
        load_examples(tmp_path / "missing.jsonl")


def test_load_keeps_lines_tags_schema_and_path(tmp_path: Path) -> None:
    path = tmp_path / "data.jsonl"
    record = {"messages": [{"role": "user", "content": "Hi"}], "tags": ["refusal"], "schema": "s.json"}
    path.write_text("\ufeff\n" + json.dumps(record) + "\r\n\n" + json.dumps(record) + "\n", encoding="utf-8")
    first, second = load_examples(path)
    assert (first.line, second.line) == (2, 4)
    assert first.messages == (Message("user", "Hi"),)
    assert (first.tags, first.schema, first.path) == (("refusal",), "s.json", path)


# --------------------------------------------------------------------------- clean, report, config


def test_clean_drops_exact_and_near_duplicates_keeping_the_first_and_injects_the_system_prompt() -> None:
    data = numbered(
        [
            ex("Could you move my long run to Sunday this week?", LONG_ANSWER, system=None),
            ex("Could you move my long run to Sunday this week?", LONG_ANSWER),
            ex("What does zone 2 mean for me?", "Easy running."),
            ex("Could you move my long run to Sunday this week?", LONG_ANSWER + " Thanks!"),
        ]
    )
    kept = clean(data, CONFIG)
    assert [e.line for e in kept] == [1, 3]
    assert kept[0].messages[0] == Message("system", SYSTEM)
    assert check_dataset(kept, CONFIG).passed


def test_report_table_and_dict(tmp_path: Path) -> None:
    data = numbered([ex("[INST] Move my long run to Sunday. [/INST]", REFUSAL, tags=("refusal",))] * 3)
    data.append(ex("Hello coach", "Hello!"))
    prompts = eval_prompts([load_evalset(write_evalset(tmp_path))])
    report = check_dataset(data, BALANCE, prompts)
    assert not report.passed
    table = report.as_table().splitlines()
    assert table[0] == "dataset: 4 examples, FAILED"
    assert table[1].split() == ["rule", "status", "count", "first", "examples"]
    rows = {line.split()[0]: line.split()[1:] for line in table[2 : 2 + len(RULES)]}
    assert list(rows) == list(RULES)
    assert rows["exact_duplicates"] == ["FAIL", "1", "lines", "1,", "2,", "3"]
    assert rows["near_duplicates"] == ["ok", "0"]
    assert rows["leakage"][:2] == ["FAIL", "3"]
    assert "  lines 1, 2, 3: identical after canonicalisation (3 copies)" in table
    data_dict = json.loads(json.dumps(report.as_dict()))
    assert data_dict["passed"] is False
    assert data_dict["stats"]["examples"] == 4
    assert data_dict["stats"]["exact_duplicates"] == 2
    assert data_dict["stats"]["after_clean"] == 2
    assert data_dict["stats"]["tags"] == {"refusal": {"count": 3, "share": 0.75}}
    assert {r["rule"]: r["passed"] for r in data_dict["rules"]}["structured_targets"] is True
    assert {
        "rule": "balance",
        "lines": [1, 2, 3],
        "message": "refusal: 75.0 % of 4 examples (3 tagged), expected 15–25 %",
    } in (data_dict["violations"])


def test_check_dataset_rejects_unknown_rules() -> None:
    with pytest.raises(ValueError, match="unknown hygiene rule 'dedupe'; rules: chat_format, exact_duplicates"):
        check_dataset([], CONFIG, rules=["dedupe"])


@pytest.mark.parametrize(
    ("settings_", "message"),
    [
        ({"near_duplicate_threshold": 0.0}, "near_duplicate_threshold must be in"),
        ({"balance": {"refusal": (15, 25)}}, "shares, not percent"),
        ({"balance": {"refusal": 0.2}}, "must be (min share, max share)"),
        ({"extra_template_tokens": "<END>"}, "not one string"),
        ({"max_examples_listed": 0}, "at least 1"),
        ({"dedupe": True}, "unknown hygiene setting 'dedupe'; settings: system_prompt"),
    ],
)
def test_config_rejects_bad_settings(settings_: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        HygieneConfig.from_dict(settings_)


def test_config_from_yaml_shapes_and_help() -> None:
    config = HygieneConfig.from_dict({"balance": {"refusal": [0.15, 0.25]}, "extra_template_tokens": ["<END>"]})
    assert config.balance == {"refusal": (0.15, 0.25)}
    assert config.extra_template_tokens == ("<END>",)
    assert all(HygieneConfig.field_help().values())


# --------------------------------------------------------------------------- properties


@settings(max_examples=100, deadline=None)
@given(st.text())
def test_canonicalisation_is_idempotent(text: str) -> None:
    once = canonicalize(text)
    assert canonicalize(once) == once
    assert once == once.strip() and "  " not in once


@settings(max_examples=50, deadline=None)
@given(st.text(alphabet="abcAB ,.\t\n", max_size=40))
def test_content_hash_ignores_case_and_spacing(text: str) -> None:
    variant = "  " + text.upper().replace(" ", "\u00a0 ") + "\n"
    assert content_hash((Message("user", text),)) == content_hash((Message("user", variant),))


WORDS = ["move", "my", "long", "run", "to", "sunday", "easy", "tempo", "coach", "[INST]", "plan", "zone"]
TURN = st.lists(st.sampled_from(WORDS), min_size=0, max_size=9).map(" ".join)
EXAMPLE = st.builds(
    lambda user, answer, tags, system: ex(user, answer, tags=tags, system=SYSTEM if system else None),
    TURN,
    TURN,
    st.sampled_from([(), ("refusal",), ("refusal", "json")]),
    st.booleans(),
)
PROMPTS = [("e::move", "Move my long run to Sunday."), ("e::tempo", "easy tempo run")]
MIXED = HygieneConfig(system_prompt=None, near_duplicate_threshold=0.6, balance={"refusal": (0.15, 0.25)})


@settings(max_examples=60, deadline=None)
@given(st.lists(EXAMPLE, max_size=12).map(numbered), st.randoms(use_true_random=False))
def test_shuffling_examples_does_not_change_the_violations(examples: list[Example], rng: random.Random) -> None:
    shuffled = list(examples)
    rng.shuffle(shuffled)
    before = check_dataset(examples, MIXED, PROMPTS).violations
    after = check_dataset(shuffled, MIXED, PROMPTS).violations
    assert set(before) == set(after)


@settings(max_examples=60, deadline=None)
@given(st.lists(EXAMPLE, min_size=1, max_size=12).map(numbered))
def test_an_example_never_near_duplicates_only_itself(examples: list[Example]) -> None:
    for violation in check_dataset(examples, MIXED, rules=["near_duplicates"]).violations:
        assert len(set(violation.lines)) >= 2
    alone = examples[:1]
    copies = [*alone, replace(alone[0], line=99)]
    assert check_dataset(alone, MIXED, rules=["near_duplicates", "exact_duplicates"]).passed
    assert check_dataset(copies, MIXED, rules=["near_duplicates"]).passed


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.frozensets(st.sampled_from("abcdefgh"), max_size=6), max_size=10),
    st.sampled_from([0.3, 0.5, 0.75, 0.9, 1.0]),
)
def test_similar_pairs_finds_exactly_the_all_pairs_answer(sets: list[frozenset[str]], threshold: float) -> None:
    expected = {
        (i, j) for i, j in combinations(range(len(sets)), 2) if sets[i] and jaccard(sets[i], sets[j]) >= threshold
    }
    assert {(i, j) for i, j, _ in similar_pairs(sets, threshold)} == expected


# --------------------------------------------------------------------------- scale


def test_three_thousand_distinct_examples_pass_every_rule(tmp_path: Path) -> None:
    write_schemas(tmp_path)
    records = []
    for example in distinct_examples(3000):
        record: dict = {"messages": [{"role": m.role, "content": m.content} for m in example.messages]}
        if example.tags:
            record["tags"] = list(example.tags)
        records.append(record)
    for i in range(0, 3000, 10):  # every tenth example a structured command target
        records[i]["messages"][-1]["content"] = json.dumps({"action": "search_file", "target": "unknown"})
        records[i]["schema"] = "schemas/command.json"
    examples = load_examples(write_jsonl(tmp_path / "data.jsonl", records))
    prompts = eval_prompts([load_evalset(write_evalset(tmp_path))])
    report = check_dataset(examples, BALANCE, prompts)
    assert report.violations == ()
    assert report.stats["examples"] == 3000
    assert report.stats["tags"]["refusal"]["share"] == 0.2
    assert len(clean(examples, BALANCE)) == 3000
