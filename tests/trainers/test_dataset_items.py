"""``pytest --persona-dataset``: the hygiene rules as pytest tests, with eval sets feeding leakage."""

from __future__ import annotations

import json

import pytest

EVALSET = """\
evalset: josi-contract
cases:
  - id: i6-move-long-run
    prompt: Move my long run to Sunday.
    checks: [refusal]
"""


def example(user: str, reply: str, tags: list[str] | None = None) -> dict:
    return {
        "messages": [
            {"role": "system", "content": "You are Josi."},
            {"role": "user", "content": user},
            {"role": "assistant", "content": reply},
        ],
        "tags": tags or ["answer"],
    }


CLEAN = [example(f"Question number {i} about pacing zone {i}?", f"Answer {i}: keep zone {i} easy.") for i in range(6)]


def write(pytester: pytest.Pytester, rows: list[dict]) -> None:
    (pytester.path / "data.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (pytester.path / "josi.yaml").write_text(EVALSET)


def test_clean_data_passes_every_rule_without_a_model(pytester: pytest.Pytester) -> None:
    write(pytester, CLEAN)
    result = pytester.runpytest("--persona-dataset", "data.jsonl", "josi.yaml", "-v")
    result.assert_outcomes(passed=7)
    result.stdout.fnmatch_lines(
        ["*data.jsonl::hygiene::exact_duplicates PASSED*", "*data.jsonl::hygiene::leakage PASSED*"]
    )


def test_duplicates_leakage_and_template_tokens_fail_their_rules(pytester: pytest.Pytester) -> None:
    rows = CLEAN + [CLEAN[0]] * 2  # the `for _ in range(N)` duplication
    rows.append(example("Move my long run to Sunday.", "I can't change the plan."))
    rows.append(example("[INST] How far today? [/INST]", "Five easy kilometres."))
    write(pytester, rows)
    result = pytester.runpytest("--persona-dataset", "data.jsonl", "josi.yaml")
    result.assert_outcomes(passed=4, failed=3)
    result.stdout.fnmatch_lines(
        [
            "*breaks the exact_duplicates rule:*",
            "*lines 1, 7, 8*3 copies*",
            "*breaks the leakage rule:*",
            "*josi-contract::i6-move-long-run*",
            "*breaks the template_tokens rule:*",
        ]
    )


def test_a_training_config_brings_its_balance_bounds(pytester: pytest.Pytester) -> None:
    write(pytester, CLEAN + [example("Please move my tempo run.", "I can't change it.", ["refusal"])])
    (pytester.path / "train.yaml").write_text("data:\n  train: data.jsonl\n  balance: {refusal: [0.15, 0.25]}\n")
    result = pytester.runpytest("--persona-dataset", "train.yaml", "-k", "balance")
    result.assert_outcomes(failed=1, deselected=6)
    result.stdout.fnmatch_lines(["*refusal: 14.3 % of 7 examples*expected 15*25 %*"])


def test_malformed_data_is_a_collection_error_naming_the_line(pytester: pytest.Pytester) -> None:
    write(pytester, CLEAN)
    with (pytester.path / "data.jsonl").open("a") as fh:
        fh.write("{not json\n")
    result = pytester.runpytest("--persona-dataset", "data.jsonl")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(["*data.jsonl:7:*"])
    assert "Traceback" not in result.stdout.str()


def test_missing_dataset_is_a_usage_error(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--persona-dataset", "nope.jsonl")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--persona-dataset*nope.jsonl: no such file*"])
