"""The peek that decides which ``.yaml`` files are eval sets: block and flow (JSON) style, top level only."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from conftest import write_replay
from pytest_persona.core import peek
from pytest_persona.core.peek import looks_like_evalset

CASES = [{"id": "greet", "prompt": "Hi!"}, {"id": "refuse", "prompt": "Move my long run.", "checks": ["refusal"]}]

EVAL_SETS = {
    "block": "evalset: coach\ncases: []\n",
    "block, key after others": "description: the coach\nsystem: You are Josi.\nevalset: coach\n",
    "block, double-quoted key": '"evalset": coach\n',
    "block, single-quoted key": "'evalset': coach\n",
    "block, space before colon": "evalset : coach\n",
    "block, comments first": "# Josi's contract\n\n  # more notes\nevalset: coach\n",
    "block, --- first": "---\nevalset: coach\n",
    "block, directive and --- first": "%YAML 1.1\n---\nevalset: coach\n",
    "block, --- with a comment": "--- # the contract\nevalset: coach\n",
    "block, indented top level": "  evalset: coach\n  cases: []\n",
    "block, CRLF and BOM": "\ufeff# notes\r\nevalset: coach\r\n",
    "flow, double quotes": json.dumps({"evalset": "coach", "cases": CASES}),
    "flow, double quotes, indented JSON": json.dumps({"evalset": "coach", "cases": CASES}, indent=2),
    "flow, single quotes": "{'evalset': 'coach', 'cases': []}\n",
    "flow, no quotes": "{evalset: coach, cases: []}\n",
    "flow, space before colon": '{ "evalset" : "coach" }\n',
    "flow, not the first key": json.dumps({"description": "a, b: {c}", "cases": CASES, "evalset": "coach"}),
    "flow, comments first": '# exported by our pipeline\n{"evalset": "coach"}\n',
    "flow, --- first": '---\n{"evalset": "coach"}\n',
    "flow, on the --- line": '--- {"evalset": "coach"}\n',
    "flow, key on its own line": '{\n  # the name\n  "evalset":\n    "coach"\n}\n',
}

NOT_EVAL_SETS = {
    "unrelated": "name: not an eval set\nitems: [1, 2]\n",
    "empty": "",
    "only comments": "# evalset: coach\n",
    "nested, block": "config:\n  evalset: coach\n",
    "nested, block list": "- evalset: coach\n",
    "nested, flow": json.dumps({"config": {"evalset": "coach"}, "cases": [{"evalset": "x"}]}),
    "nested, flow in a block key": "config: {evalset: coach}\n",
    "in a value, block": "description: |\n  evalset: coach\n",
    "in a value, flow": json.dumps({"description": "evalset: coach", "note": "'evalset': x"}),
    "in a key, flow": json.dumps({"evalsets": ["coach"], "my_evalset": 1}),
    "a longer key, block": "evalsets: [coach]\nevalset_name: coach\n",
    "flow sequence": json.dumps([{"evalset": "coach"}]),
    "template": "{{- if .Values.evalset }}\nname: {{ .Values.evalset }}\n{{- end }}\n",
}


def parsed_has_top_level_key(text: str) -> bool:
    data = yaml.safe_load(text)
    return isinstance(data, dict) and "evalset" in data


@pytest.mark.parametrize("text", EVAL_SETS.values(), ids=EVAL_SETS.keys())
def test_eval_sets_are_recognised(text: str, tmp_path: Path) -> None:
    path = tmp_path / "e.yaml"
    path.write_text(text, encoding="utf-8", newline="")
    assert parsed_has_top_level_key(text)  # the peek agrees with a full parse
    assert looks_like_evalset(path)


@pytest.mark.parametrize("text", NOT_EVAL_SETS.values(), ids=NOT_EVAL_SETS.keys())
def test_other_yaml_is_not(text: str, tmp_path: Path) -> None:
    path = tmp_path / "other.yaml"
    path.write_text(text, encoding="utf-8")
    if not text.startswith("{{"):  # a template is not YAML until rendered
        assert not parsed_has_top_level_key(text)
    assert not looks_like_evalset(path)


def test_missing_file_is_not_an_eval_set(tmp_path: Path) -> None:
    assert not looks_like_evalset(tmp_path / "gone.yaml")


def test_huge_unrelated_yaml_is_rejected_without_reading_it_all(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    with path.open("w") as fh:
        fh.write("items:\n")
        fh.writelines(f"  - {{id: {i}, name: item {i}}}\n" for i in range(400_000))  # ~13 MB
    assert not looks_like_evalset(path)  # bounded: only the first MiB is read


def test_flow_key_past_the_peek_is_not_seen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The peek is bounded: a key that only comes after it is not looked for (documented cost)."""
    monkeypatch.setattr(peek, "_PEEK_BYTES", 200)
    path = tmp_path / "late.yaml"
    path.write_text(json.dumps({"cases": [{"id": f"c{i}", "prompt": "x" * 20} for i in range(20)], "evalset": "e"}))
    assert not looks_like_evalset(path)
    path.write_text(json.dumps({"evalset": "e", "cases": [{"id": f"c{i}", "prompt": "x" * 20} for i in range(20)]}))
    assert looks_like_evalset(path)


def test_json_style_eval_set_is_collected_and_run_against_a_replay(pytester: pytest.Pytester) -> None:
    spec = {
        "evalset": "coach",
        "system": "You are Josi, a running coach.",
        "defaults": {"checks": [{"max_words": 12}]},
        "cases": [
            {"id": "greet", "prompt": "Hi!"},
            {"id": "refuse", "prompt": "Move my long run to Sunday.", "checks": [{"contains": "coach"}]},
        ],
    }
    (pytester.path / "persona.yaml").write_text(json.dumps(spec, indent=2), encoding="utf-8")
    write_replay(pytester, {"greet": "Hi! Ready to run?", "refuse": "I can't change the plan; ask your coach."})
    write_replay(pytester, {"greet": "Hi!", "refuse": "Sure, moved it."}, "broken")

    result = pytester.runpytest("--model", "replies.jsonl", "-v")  # found by the directory walk
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*persona.yaml::coach::greet[[]replies[]] PASSED*", "persona gate: PASS*"])
    assert result.ret == 0

    result = pytester.runpytest("persona.yaml", "--model", "broken.jsonl")
    result.assert_outcomes(passed=1, failed=1)
    assert result.ret == 1
