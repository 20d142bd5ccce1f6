"""Unit tests of the line-aware safe YAML loader and the eval-set builder."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_persona.core.evalset import load_evalset
from pytest_persona.core.peek import looks_like_evalset
from pytest_persona.core.yamlsafe import YamlError, format_path, load_yaml


def test_line_map_knows_values_and_keys(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("a: 1\nb:\n  - x\n  - {c: 2,\n     d: 3}\n")
    data, lines = load_yaml(path)
    assert data == {"a": 1, "b": ["x", {"c": 2, "d": 3}]}
    assert lines.line(("a",)) == 1
    assert lines.line(("b", 1)) == 4
    assert lines.line(("b", 1, "d")) == 5
    assert lines.line(("b", 1, "d"), key=True) == 5
    assert lines.line(("b", 1, "missing")) == 4  # nearest known ancestor


def test_format_path() -> None:
    assert format_path(("cases", 3, "checks", 1)) == "cases[3].checks[1]"
    assert format_path(()) == "(top level)"


def test_invalid_utf8_is_refused_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_bytes(b"a: 1\nb: \xff\n")
    with pytest.raises(YamlError, match=r"x\.yaml:2: not valid UTF-8"):
        load_yaml(path)


def test_oversized_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import pytest_persona.core.yamlsafe as yamlsafe

    monkeypatch.setattr(yamlsafe, "MAX_BYTES", 10)
    path = tmp_path / "x.yaml"
    path.write_text("evalset: a_long_name\n")
    with pytest.raises(YamlError, match="eval sets are limited to 10"):
        load_yaml(path)


def test_looks_like_evalset_only_on_top_level_key(tmp_path: Path) -> None:
    yes, nested, no = tmp_path / "a.yaml", tmp_path / "b.yaml", tmp_path / "c.yaml"
    yes.write_text("# comment\nevalset: x\n")
    nested.write_text("config:\n  evalset: x\n")
    no.write_text("name: x\n")
    assert looks_like_evalset(yes)
    assert not looks_like_evalset(nested)
    assert not looks_like_evalset(no)


def test_defaults_merge_into_cases(tmp_path: Path) -> None:
    path = tmp_path / "e.yaml"
    path.write_text(
        """\
evalset: coach
system: You are Josi.
defaults:
  max_tokens: 64
  tags: [persona]
  context: {readiness: green}
  checks: [no_emoji, {max_words: 50}]
cases:
  - id: a
    prompt: hi
    tags: [i6]
    context: {readiness: red}
    checks: [{max_words: 10}]
    drop_checks: [no_emoji]
    temperature: 0.7
    seed: 3
  - id: b
    messages:
      - {role: system, content: Custom persona.}
      - {role: user, content: one}
      - {role: assistant, content: two}
      - {role: user, content: three}
"""
    )
    evalset = load_evalset(path)
    a, b = evalset.cases
    assert [c.name for c in a.checks] == ["max_words"] and a.checks[0].args["max"] == 10
    assert a.tags == ("persona", "i6")
    assert a.context == {"readiness": "red"}
    assert a.params.max_tokens == 64 and a.params.temperature == 0.7 and a.params.seed == 3
    assert a.messages[0].content == "You are Josi.\n\nContext:\n- readiness: red"
    assert [c.name for c in b.checks] == ["no_emoji", "max_words"] and b.checks[1].args["max"] == 50
    assert b.params.temperature == 0.0 and b.params.seed == 0
    assert [m.role for m in b.messages] == ["system", "user", "assistant", "user"]
    assert b.messages[0].content.startswith("Custom persona.")
    assert b.prompt == "three"
    assert evalset.is_contract and a.line == 9


def test_scalars_follow_yaml_1_2_so_paces_and_words_stay_strings(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(
        "pace: 5:30\nzone: 010\nanswer: no\nok: true\nrate: 1.5\nhex: 0x1F\nnothing: ~\n"
        "big: 1e3\nneg: -4\ndate: 2024-03-15\nbase: &b {a: 1}\nmerged: {<<: *b, c: 2}\n"
    )
    data, _ = load_yaml(path)
    assert data["pace"] == "5:30" and data["answer"] == "no" and data["date"] == "2024-03-15"
    assert data["zone"] == 10 and data["ok"] is True and data["rate"] == 1.5 and data["hex"] == 31
    assert data["nothing"] is None and data["big"] == 1000.0 and data["neg"] == -4
    assert data["merged"] == {"a": 1, "c": 2}
