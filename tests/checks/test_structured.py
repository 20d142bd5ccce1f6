"""json_valid, json_schema and json_fields on replies drawn from the field reports' JSON failures."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from helpers import assert_bounded, shows, span_text
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_persona.checks import CheckArgError, CheckContext, Message, run_check
from pytest_persona.checks.structured import (
    format_pointer,
    json_equal,
    locate_pointer,
    parse_pointer,
    parse_reply_json,
)


def ctx(user: str = "", system: str = "", base_dir: Path | None = None) -> CheckContext:
    messages = []
    if system:
        messages.append(Message("system", system))
    if user:
        messages.append(Message("user", user))
    return CheckContext(messages=tuple(messages), base_dir=base_dir)


SHUTDOWN = '{"action": "system_shutdown", "target": "device"}'
KITCHEN = '{"action": "system_shutdown", "target": "Kitchen oven temperature"}'
WINDOWS = '{"action": "open_folder", "target": "C:\\\\Users\\\\h.hussain\\\\OneDrive\\\\Downloads"}'

# --------------------------------------------------------------------------- json_valid


@pytest.mark.parametrize(
    "reply",
    [
        pytest.param(SHUTDOWN, id="agent-command"),
        pytest.param(KITCHEN, id="invented-content-is-still-valid-syntax"),
        pytest.param(f"\n  {SHUTDOWN}\n\n", id="surrounding-whitespace"),
        pytest.param('{"action": "search_file", "query": "مدري وينه"}', id="arabic-content"),
        pytest.param("[1, 2, 3]", id="array"),
        pytest.param('"just a string"', id="string-value"),
        pytest.param("42", id="number-value"),
        pytest.param("null", id="null"),
        pytest.param('{"big": 1e400}', id="huge-exponent-is-json"),
        pytest.param('{"s": "\\ud800"}', id="escaped-lone-surrogate"),
        pytest.param("1" * 5000, id="integer-longer-than-python-converts"),
    ],
)
def test_json_valid_accepts(reply: str) -> None:
    result = run_check("json_valid", reply, ctx())
    assert result.passed, result.detail


@pytest.mark.parametrize(
    ("reply", "offending", "words"),
    [
        pytest.param(f"Sure! Here is the JSON: {SHUTDOWN}", "Sure! Here is the JSON:", "prose before", id="preamble"),
        pytest.param(f"Assistant: {SHUTDOWN}", "Assistant:", "prose before", id="identity-drift-prefix"),
        pytest.param(
            f"{SHUTDOWN}\nLet me know if you need anything else!",
            "Let me know if you need anything else!",
            "text after",
            id="trailing-fluff",
        ),
        pytest.param(f"{SHUTDOWN} {SHUTDOWN}", SHUTDOWN, "text after", id="two-values"),
        pytest.param(f"```json\n{SHUTDOWN}\n```", "```json", "fence", id="fenced-without-allow-fence"),
        pytest.param('{"temperature": NaN}', "NaN", "NaN is not JSON", id="nan"),
        pytest.param('{"x": Infinity}', "Infinity", "Infinity is not JSON", id="infinity"),
        pytest.param("[-Infinity]", "-Infinity", "-Infinity is not JSON", id="minus-infinity"),
        pytest.param('{"action": "open", "target": "Down', '"', "not JSON", id="truncated-output"),
        pytest.param("{'action': 'open'}", "'", "not JSON", id="python-dict-quotes"),
        pytest.param("Open the Downloads folder.", "O", "not JSON", id="plain-prose"),
        pytest.param('{"a": 1,}', "}", "not JSON", id="trailing-comma"),
    ],
)
def test_json_valid_rejects_with_span(reply: str, offending: str, words: str) -> None:
    result = run_check("json_valid", reply, ctx())
    assert not result.passed
    assert words in result.detail
    assert span_text(reply, result) == offending
    assert shows(result.detail, offending)


def test_json_valid_empty_reply_fails() -> None:
    for reply in ("", "   \n\t"):
        result = run_check("json_valid", reply, ctx())
        assert not result.passed
        assert "empty" in result.detail


@pytest.mark.parametrize(
    "reply",
    [
        pytest.param(f"```json\n{SHUTDOWN}\n```", id="json-fence"),
        pytest.param(f"```\n{SHUTDOWN}\n```", id="bare-fence"),
        pytest.param(f"  ```JSON\n  {SHUTDOWN}  \n```\n", id="upper-case-and-padding"),
        pytest.param(SHUTDOWN, id="no-fence-still-fine"),
        pytest.param('{"code": "```py"}', id="backticks-inside-a-string"),
    ],
)
def test_json_valid_allow_fence_accepts(reply: str) -> None:
    result = run_check("json_valid", reply, ctx(), allow_fence=True)
    assert result.passed, result.detail


@pytest.mark.parametrize(
    ("reply", "offending", "words"),
    [
        pytest.param(f"Here you go:\n```json\n{SHUTDOWN}\n```", "Here you go:", "prose before", id="prose-before"),
        pytest.param(f"```json\n{SHUTDOWN}\n```\nDone!", "Done!", "text after", id="prose-after"),
        pytest.param(f"```python\n{SHUTDOWN}\n```", "```python", "not json", id="wrong-language"),
        pytest.param(f"```json\n{SHUTDOWN}", "```json", "never closed", id="unclosed"),
        pytest.param(f"```json\n{SHUTDOWN}\n```\n```json\n{SHUTDOWN}\n```", "```json", "text after", id="two-blocks"),
        pytest.param("```json\n{'a': 1}\n```", "'", "not JSON", id="bad-json-inside"),
        pytest.param('{"a": 1} see ```x```', "see ```x```", "text after the JSON value", id="json-then-backticks"),
        pytest.param("```json\n\n```", "```json", "empty", id="empty-fence"),
    ],
)
def test_json_valid_allow_fence_rejects(reply: str, offending: str, words: str) -> None:
    result = run_check("json_valid", reply, ctx(), allow_fence=True)
    assert not result.passed
    assert words in result.detail
    assert span_text(reply, result).startswith(offending)


def test_json_valid_shorthand_is_allow_fence() -> None:
    from pytest_persona.checks import CheckSpec

    assert CheckSpec.parse({"json_valid": True}).args == {"allow_fence": False}
    assert CheckSpec.parse({"json_valid": {"allow_fence": True}}).args == {"allow_fence": True}
    with pytest.raises(CheckArgError):
        CheckSpec.parse({"json_valid": {"allow_fences": True}})


@pytest.mark.parametrize(
    "reply",
    [
        pytest.param("[" * 100_000 + "]" * 100_000, id="deep-array"),
        pytest.param('{"a":' * 100_000 + "1" + "}" * 100_000, id="deep-object"),
        pytest.param("[" * 100_000, id="deep-unclosed"),
    ],
)
def test_json_valid_deep_nesting_fails_quickly(reply: str) -> None:
    started = time.process_time()
    result = run_check("json_valid", reply, ctx())
    assert_bounded(started)
    assert not result.passed and not result.error
    assert "nested too deeply" in result.detail


@pytest.mark.parametrize(
    "reply",
    [
        pytest.param("\x00" * 1_000_000, id="nul-bytes"),
        pytest.param("\ud800" * 1_000_000, id="lone-surrogates"),
        pytest.param("\u202e\u0651" * 500_000, id="rtl-combining"),
        pytest.param('{"t": "' + "x" * 1_000_000 + '"} trailing', id="megabyte-then-prose"),
        pytest.param("Sure: " + "{" * 500_000, id="many-braces"),
    ],
)
def test_json_valid_hostile_replies_get_a_quick_verdict(reply: str) -> None:
    started = time.process_time()
    result = run_check("json_valid", reply, ctx(), allow_fence=True)
    assert_bounded(started)
    assert not result.passed
    assert len(result.detail) < 1000  # a long offending span is cut in the detail


def test_parse_reply_json_returns_the_value() -> None:
    value, failure = parse_reply_json(f"```json\n{SHUTDOWN}\n```", allow_fence=True)
    assert failure is None and value == {"action": "system_shutdown", "target": "device"}
    value, failure = parse_reply_json("nope")
    assert value is None and failure is not None and not failure.passed


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**12), max_value=10**12)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(value=json_values, pad=st.sampled_from(["", " ", "\n", "\t \n"]), indent=st.sampled_from([None, 2]))
def test_property_any_serialized_json_value_is_valid(value: Any, pad: str, indent: int | None) -> None:
    reply = pad + json.dumps(value, indent=indent, ensure_ascii=False) + pad
    assert run_check("json_valid", reply, ctx()).passed
    fenced = f"```json\n{json.dumps(value, indent=indent)}\n```"
    assert run_check("json_valid", fenced, ctx(), allow_fence=True).passed
    assert not run_check("json_valid", fenced, ctx()).passed


@settings(max_examples=150, deadline=None)
@given(
    value=st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
    prose=st.text(alphabet="abcdefghij XYZ!.:", min_size=1, max_size=30).filter(lambda s: s.strip()),
)
def test_property_prose_before_json_is_pointed_at(value: dict[str, int], prose: str) -> None:
    reply = f"{prose} {json.dumps(value)}"
    result = run_check("json_valid", reply, ctx())
    assert not result.passed
    assert result.span is not None
    assert result.span[0] == len(reply) - len(reply.lstrip())
    assert reply[result.span[0] : result.span[1]] == prose.strip()


# --------------------------------------------------------------------------- json_schema


@pytest.fixture
def schemas(tmp_path: Path) -> Path:
    (tmp_path / "schemas" / "defs").mkdir(parents=True)
    intent = {
        "type": "object",
        "required": ["action", "target"],
        "additionalProperties": False,
        "properties": {
            "action": {"$ref": "defs/actions.json#/$defs/action"},
            "target": {"type": "string", "minLength": 1},
            "confidence": {"type": "number", "minimum": 0, "maximum": 1},
        },
    }
    (tmp_path / "schemas" / "llm_intent.json").write_text(json.dumps(intent))
    (tmp_path / "schemas" / "defs" / "actions.json").write_text(
        json.dumps({"$defs": {"action": {"$ref": "enum.json"}}})
    )
    (tmp_path / "schemas" / "defs" / "enum.json").write_text(
        json.dumps({"enum": ["system_shutdown", "open_folder", "search_file"]})
    )
    (tmp_path / "schemas" / "intent.yaml").write_text(
        "type: object\nrequired: [action]\nproperties:\n  action: {type: string}\n"
    )
    return tmp_path


@pytest.mark.parametrize(
    "reply",
    [
        pytest.param(SHUTDOWN, id="shutdown"),
        pytest.param(WINDOWS, id="schema-cannot-see-invented-paths"),
        pytest.param('{"action": "search_file", "target": "unknown", "confidence": 0.4}', id="optional-field"),
    ],
)
def test_json_schema_accepts(schemas: Path, reply: str) -> None:
    result = run_check("json_schema", reply, ctx(base_dir=schemas), schema="schemas/llm_intent.json")
    assert result.passed, result.detail


@pytest.mark.parametrize(
    ("reply", "expected", "offending"),
    [
        pytest.param(
            '{"action": "preheat_oven", "target": "Kitchen oven temperature"}',
            "/action: 'preheat_oven' is not one of",
            '"preheat_oven"',
            id="invented-action-via-ref-chain",
        ),
        pytest.param('{"action": "open_folder"}', "/: 'target' is a required property", None, id="missing-field"),
        pytest.param(
            '{"action": "open_folder", "target": "x", "confidence": 7}',
            "/confidence: 7 is greater than the maximum of 1",
            "7",
            id="out-of-range",
        ),
        pytest.param(
            '{"action": "open_folder", "target": "", "note": "hi"}',
            "Additional properties are not allowed",
            None,
            id="extra-field",
        ),
        pytest.param("[]", "/: [] is not of type 'object'", "[]", id="wrong-type"),
    ],
)
def test_json_schema_rejects_with_pointer(schemas: Path, reply: str, expected: str, offending: str | None) -> None:
    result = run_check("json_schema", reply, ctx(base_dir=schemas), schema="schemas/llm_intent.json")
    assert not result.passed
    assert expected in result.detail
    if offending is not None:
        assert span_text(reply, result) == offending


def test_json_schema_lists_errors_capped(schemas: Path) -> None:
    schema = {"type": "array", "items": {"type": "string"}}
    reply = json.dumps(list(range(12)))
    result = run_check("json_schema", reply, ctx(base_dir=schemas), schema=schema)
    assert result.detail.startswith("12 schema error(s): /0: 0 is not of type 'string'; /1:")
    assert result.detail.count("is not of type") == 5
    assert "(+7 more)" in result.detail
    assert span_text(reply, result) == "0"


def test_json_schema_syntax_failure_comes_first(schemas: Path) -> None:
    result = run_check("json_schema", f"Sure! {SHUTDOWN}", ctx(base_dir=schemas), schema="schemas/llm_intent.json")
    assert not result.passed and "prose before" in result.detail
    fenced = f"```json\n{SHUTDOWN}\n```"
    assert not run_check("json_schema", fenced, ctx(base_dir=schemas), schema="schemas/llm_intent.json").passed
    assert run_check(
        "json_schema", fenced, ctx(base_dir=schemas), schema="schemas/llm_intent.json", allow_fence=True
    ).passed


def test_json_schema_yaml_file_and_inline_schema(schemas: Path) -> None:
    c = ctx(base_dir=schemas)
    assert run_check("json_schema", '{"action": "x"}', c, schema="schemas/intent.yaml").passed
    assert not run_check("json_schema", '{"action": 1}', c, schema="schemas/intent.yaml").passed
    inline = {"type": "object", "properties": {"action": {"$ref": "schemas/defs/enum.json"}}}
    assert run_check("json_schema", '{"action": "open_folder"}', c, schema=inline).passed
    result = run_check("json_schema", '{"action": "bake"}', c, schema=inline)
    assert not result.passed and "/action" in result.detail


def test_json_schema_respects_its_own_dialect(schemas: Path) -> None:
    draft7 = {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "properties": {"n": {"$ref": "#/definitions/n"}},
        "definitions": {"n": {"type": "integer", "exclusiveMaximum": 10}},
    }
    c = ctx(base_dir=schemas)
    assert run_check("json_schema", '{"n": 9}', c, schema=draft7).passed
    assert not run_check("json_schema", '{"n": 10}', c, schema=draft7).passed


def test_json_schema_checks_formats(schemas: Path) -> None:
    schema = {"type": "object", "properties": {"day": {"type": "string", "format": "date"}}}
    c = ctx(base_dir=schemas)
    assert run_check("json_schema", '{"day": "2024-03-15"}', c, schema=schema).passed
    assert not run_check("json_schema", '{"day": "March 15th"}', c, schema=schema).passed


@pytest.mark.parametrize(
    ("schema", "files", "message"),
    [
        pytest.param("schemas/nope.json", {}, "not found", id="missing-file"),
        pytest.param("bad.json", {"bad.json": "{not json"}, "not valid JSON", id="bad-json"),
        pytest.param("invalid.json", {"invalid.json": '{"type": 12}'}, "invalid JSON Schema at /type", id="invalid"),
        pytest.param(
            "remote.json",
            {"remote.json": '{"$ref": "https://example.com/schema.json"}'},
            "remote $ref https://example.com/schema.json refused",
            id="remote-ref",
        ),
        pytest.param(
            "dangling.json", {"dangling.json": '{"$ref": "gone.json"}'}, "cannot be loaded", id="dangling-ref"
        ),
        pytest.param(
            "dialect.json", {"dialect.json": '{"$schema": "https://example.com/mine"}'}, "unknown $schema", id="dialect"
        ),
        pytest.param("schemas", {}, "not a file", id="directory"),
    ],
)
def test_json_schema_bad_schema_is_a_load_time_error(
    schemas: Path, schema: str, files: dict[str, str], message: str
) -> None:
    for name, text in files.items():
        (schemas / name).write_text(text)
    with pytest.raises(CheckArgError) as info:
        run_check("json_schema", "{}", ctx(base_dir=schemas), schema=schema)
    assert message in str(info.value)
    assert str(schemas) in str(info.value)


def test_json_schema_dangling_pointer_is_a_load_time_error(schemas: Path) -> None:
    with pytest.raises(CheckArgError) as info:
        run_check("json_schema", "{}", ctx(base_dir=schemas), schema={"properties": {"a": {"$ref": "#/$defs/x"}}})
    assert "#/$defs/x cannot be resolved" in str(info.value)
    (schemas / "one.json").write_text('{"$ref": "schemas/defs/enum.json#/nothing"}')
    with pytest.raises(CheckArgError) as info:
        run_check("json_schema", "{}", ctx(base_dir=schemas), schema="one.json")
    assert "enum.json#/nothing cannot be resolved" in str(info.value)


def test_json_schema_ref_to_a_declared_id_is_not_remote(schemas: Path) -> None:
    schema = {
        "$id": "https://example.com/root.json",
        "$defs": {"a": {"$id": "https://example.com/a.json", "type": "integer"}},
        "properties": {"n": {"$ref": "a.json"}},
    }
    c = ctx(base_dir=schemas)
    assert run_check("json_schema", '{"n": 1}', c, schema=schema).passed
    assert not run_check("json_schema", '{"n": "1"}', c, schema=schema).passed


def test_json_schema_hostile_replies_are_bounded(schemas: Path) -> None:
    c = ctx(base_dir=schemas)
    started = time.process_time()
    result = run_check("json_schema", "[" * 100_000 + "]" * 100_000, c, schema={"type": "array"})
    assert_bounded(started)
    assert not result.passed and "nested too deeply" in result.detail

    started = time.process_time()
    result = run_check("json_schema", "[" * 900 + "]" * 900, c, schema={"items": {"$ref": "#"}})
    assert_bounded(started)
    assert not result.passed and "too deeply" in result.detail

    started = time.process_time()
    reply = json.dumps("a" * 100_000 + "!")
    result = run_check("json_schema", reply, c, schema={"type": "string", "pattern": "^(a+)+$"})
    assert_bounded(started)
    assert not result.passed and "timed out" in result.detail

    started = time.process_time()
    reply = "[" + ",".join(["1"] * 400_000) + "]"
    result = run_check("json_schema", reply, c, schema={"type": "array", "items": {"type": "integer"}})
    assert_bounded(started)
    assert result.error and "exceeded" in result.detail


# --------------------------------------------------------------------------- json_fields


@pytest.mark.parametrize(
    ("prompt", "reply", "fields"),
    [
        pytest.param("Shutdown device", SHUTDOWN, {"/action": "system_shutdown"}, id="literal"),
        pytest.param(
            "Open Downloads folder",
            '{"action": "open_folder", "target": "Downloads"}',
            {"/action": {"enum": ["open_folder", "search_file"]}, "/target": {"in_prompt": True}},
            id="enum-and-in-prompt",
        ),
        pytest.param(
            "open the   downloads\nFOLDER please",
            '{"target": "Downloads folder"}',
            {"/target": {"in_prompt": True}},
            id="in-prompt-case-and-whitespace",
        ),
        pytest.param(
            "افتح ملف التقارير",
            '{"action": "search_file", "target": "ملف التقارير"}',
            {"/target": {"in_prompt": True}},
            id="arabic-target",
        ),
        pytest.param(
            "Set a timer for ٥ minutes", '{"minutes": 5}', {"/minutes": {"in_prompt": True}}, id="arabic-digit"
        ),
        pytest.param("x", '{"a/b": {"m~n": [10, 20]}}', {"/a~1b/m~0n/1": 20}, id="escaped-pointer-and-index"),
        pytest.param("x", '{"n": 1.0, "ok": true}', {"/n": 1, "/ok": True}, id="json-number-equality"),
        pytest.param("x", '{"id": "A-17"}', {"/id": {"regex": "^[A-Z]-[0-9]+$"}}, id="regex"),
        pytest.param("x", '{"n": 42}', {"/n": {"regex": "^4"}}, id="regex-on-number"),
        pytest.param("x", '{"p": {"x": 1, "y": [2]}}', {"/p": {"equals": {"y": [2], "x": 1}}}, id="equals-object"),
        pytest.param("x", '{"v": null}', {"/v": None}, id="null"),
        pytest.param("x", '{"a": 1, "a": 2}', {"/a": 2}, id="duplicate-key-last-wins"),
        pytest.param("Open Downloads", f"```json\n{SHUTDOWN}\n```", {"/target": "device"}, id="fenced-reply"),
    ],
)
def test_json_fields_accepts(prompt: str, reply: str, fields: dict[str, Any]) -> None:
    result = run_check("json_fields", reply, ctx(user=prompt), **fields)
    assert result.passed, result.detail


@pytest.mark.parametrize(
    ("prompt", "reply", "fields", "message", "offending"),
    [
        pytest.param(
            "Shutdown device",
            KITCHEN,
            {"/action": "system_shutdown", "/target": {"in_prompt": True}},
            '/target: "Kitchen oven temperature" does not appear in the user\'s message',
            '"Kitchen oven temperature"',
            id="haitham-kitchen-oven",
        ),
        pytest.param(
            "Open Downloads folder",
            WINDOWS,
            {"/target": {"in_prompt": True}},
            "does not appear in the user's message",
            '"C:\\\\Users\\\\h.hussain\\\\OneDrive\\\\Downloads"',
            id="haitham-invented-windows-path",
        ),
        pytest.param(
            "Open Downloads folder",
            '{"target": "Down"}',
            {"/target": {"in_prompt": True}},
            "does not appear",
            '"Down"',
            id="in-prompt-needs-whole-words",
        ),
        pytest.param(
            "Shutdown device",
            '{"action": "open_folder"}',
            {"/action": "system_shutdown"},
            '/action: expected "system_shutdown", got "open_folder"',
            '"open_folder"',
            id="wrong-literal",
        ),
        pytest.param(
            "x",
            '{"action": "preheat"}',
            {"/action": {"enum": ["open", "close"]}},
            '/action: "preheat" is not one of ["open", "close"]',
            '"preheat"',
            id="enum",
        ),
        pytest.param(
            "x",
            '{"args": {"path": "a"}}',
            {"/args/target": "a"},
            "/args/target: missing (nothing at /args/target under /args)",
            '{"path": "a"}',
            id="missing-key-points-at-parent",
        ),
        pytest.param("x", '{"list": [1]}', {"/list/3": 1}, "/list/3: missing", "[1]", id="index-out-of-range"),
        pytest.param("x", '{"ok": 1}', {"/ok": True}, "expected true, got 1", "1", id="true-is-not-1"),
        pytest.param(
            "x", '{"id": "a17"}', {"/id": {"regex": "^[A-Z]"}}, "does not match /^[A-Z]/", '"a17"', id="regex"
        ),
        pytest.param("x", '{"id": ["A"]}', {"/id": {"regex": "A"}}, "is not a string", '["A"]', id="regex-on-list"),
        pytest.param(
            "Open Downloads", '{"target": ""}', {"/target": {"in_prompt": True}}, "is blank", '""', id="blank-target"
        ),
        pytest.param(
            "Open Downloads", '{"target": true}', {"/target": {"in_prompt": True}}, "not a string", "true", id="bool"
        ),
    ],
)
def test_json_fields_rejects_with_span(
    prompt: str, reply: str, fields: dict[str, Any], message: str, offending: str
) -> None:
    result = run_check("json_fields", reply, ctx(user=prompt), **fields)
    assert not result.passed
    assert message in result.detail
    assert span_text(reply, result) == offending
    assert shows(result.detail, offending)


def test_json_fields_reports_every_wrong_field() -> None:
    fields = {"/action": "system_shutdown", "/target": {"in_prompt": True}, "/extra": 1}
    result = run_check("json_fields", '{"action": "reboot", "target": "oven"}', ctx(user="shutdown device"), **fields)
    assert result.detail.startswith("3 field(s) wrong: /action:")
    assert "/target:" in result.detail and "/extra: missing" in result.detail


def test_json_fields_only_user_turns_count_for_in_prompt() -> None:
    c = CheckContext(
        messages=(
            Message("system", "Known folders: Documents, Downloads"),
            Message("user", "Open my documents"),
            Message("assistant", "Which one?"),
            Message("user", "the Desktop one"),
        )
    )
    assert run_check("json_fields", '{"t": "Desktop"}', c, **{"/t": {"in_prompt": True}}).passed
    assert run_check("json_fields", '{"t": "documents"}', c, **{"/t": {"in_prompt": True}}).passed
    assert not run_check("json_fields", '{"t": "Downloads"}', c, **{"/t": {"in_prompt": True}}).passed


def test_json_fields_in_prompt_checks_each_leaf_of_a_list() -> None:
    c = ctx(user="copy report.pdf and notes.txt")
    assert run_check("json_fields", '{"f": ["report.pdf", "notes.txt"]}', c, **{"/f": {"in_prompt": True}}).passed
    result = run_check("json_fields", '{"f": ["report.pdf", "secret.key"]}', c, **{"/f": {"in_prompt": True}})
    assert not result.passed and '"secret.key" does not appear' in result.detail


def test_json_fields_syntax_failure_is_reported() -> None:
    result = run_check("json_fields", f"Assistant: {SHUTDOWN}", ctx(user="Shutdown"), **{"/action": "x"})
    assert not result.passed and "prose before" in result.detail


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        pytest.param({"action": "x"}, "must be a JSON pointer starting with '/'", id="no-slash"),
        pytest.param({"/a~2": 1}, "'~' not followed by 0 or 1", id="bad-escape"),
        pytest.param({"/a": {"in_list": [1]}}, "takes only enum, regex, in_prompt, equals", id="unknown-matcher"),
        pytest.param({"/a": {}}, "takes only", id="empty-matcher"),
        pytest.param({"/a": {"regex": "("}}, "does not compile", id="bad-regex"),
        pytest.param({"/a": {"enum": "x"}}, "enum must be a list", id="enum-not-list"),
        pytest.param({"/a": {"in_prompt": "yes"}}, "in_prompt must be true or false", id="in-prompt-not-bool"),
    ],
)
def test_json_fields_bad_mapping_is_a_load_time_error(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(CheckArgError) as info:
        run_check("json_fields", "{}", ctx(), **fields)
    assert message in str(info.value)


def test_json_fields_yaml_shape() -> None:
    from pytest_persona.checks import CheckSpec

    spec = CheckSpec.parse({"json_fields": {"/action": "system_shutdown", "/target": {"in_prompt": True}}})
    assert spec.args["fields"] == {"/action": "system_shutdown", "/target": {"in_prompt": True}}
    with pytest.raises(CheckArgError):
        CheckSpec.parse({"json_fields": "/action"})


def test_json_fields_hostile_reply_is_bounded() -> None:
    reply = '{"target": "' + "x" * 1_000_000 + '", "action": "' + "a" * 50_000 + '!"}'
    started = time.process_time()
    result = run_check(
        "json_fields", reply, ctx(user="open"), **{"/target": {"in_prompt": True}, "/action": {"regex": "^(a+)+$"}}
    )
    assert_bounded(started)
    assert not result.passed
    assert len(result.detail) < 2000


@settings(max_examples=150, deadline=None)
@given(
    value=st.dictionaries(
        st.text(alphabet="ab/~ cé", max_size=6),
        st.none() | st.booleans() | st.integers() | st.text(max_size=10),
        min_size=1,
        max_size=5,
    )
)
def test_property_pointer_to_each_key_finds_its_value(value: dict[str, Any]) -> None:
    reply = json.dumps({"outer": value}, ensure_ascii=False, indent=1)
    fields = {format_pointer(("outer", key)): {"equals": item} for key, item in value.items()}
    result = run_check("json_fields", reply, ctx(), **fields)
    assert result.passed, result.detail
    for key, item in value.items():
        tokens = parse_pointer(format_pointer(("outer", key)))
        assert tokens == ("outer", key)
        span = locate_pointer(reply, 0, tokens)
        assert span is not None
        assert json.loads(reply[span[0] : span[1]]) == item


@settings(max_examples=150, deadline=None)
@given(a=json_values, b=json_values)
def test_property_json_equal_agrees_with_canonical_json(a: Any, b: Any) -> None:
    assert json_equal(a, a)
    canonical_same = json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
    if canonical_same:
        assert json_equal(a, b)
