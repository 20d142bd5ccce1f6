"""Collection: ids, markers, checkpoints, what is and is not an eval set."""

from __future__ import annotations

import pytest

from conftest import SIMPLE, write_evalset, write_replay

GOOD = {"greet": "Hi! Ready to run?", "refuse": "I can't change the plan; ask your coach."}


def test_one_item_per_case_and_checkpoint_with_documented_ids(pytester: pytest.Pytester) -> None:
    write_evalset(pytester, SIMPLE)
    write_replay(pytester, GOOD, "a")
    write_replay(pytester, GOOD, "b")
    result = pytester.runpytest("--collect-only", "-q", "persona.yaml", "--model", "a.jsonl", "--model", "q4=b.jsonl")
    result.stdout.fnmatch_lines(
        [
            "persona.yaml::coach::greet[[]a[]]",
            "persona.yaml::coach::refuse[[]a[]]",
            "persona.yaml::coach::greet[[]q4[]]",
            "persona.yaml::coach::refuse[[]q4[]]",
        ]
    )
    assert result.ret == 0


def test_passing_replies_exit_zero_and_print_the_gate_table(pytester: pytest.Pytester) -> None:
    write_evalset(pytester, SIMPLE)
    write_replay(pytester, GOOD)
    result = pytester.runpytest("persona.yaml", "--model", "replies.jsonl")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*persona gate*", "coach*replies*2*2*100.0%*100%*PASS", "persona gate: PASS*"])
    assert result.ret == 0


def test_tags_become_markers(pytester: pytest.Pytester) -> None:
    write_evalset(pytester, SIMPLE)
    write_replay(pytester, GOOD)
    result = pytester.runpytest("persona.yaml", "--model", "replies.jsonl", "-m", "i6", "--strict-markers", "-v")
    result.assert_outcomes(passed=1, deselected=1)
    result.stdout.fnmatch_lines(["*coach::refuse[[]replies[]] PASSED*"])


def test_k_selects_by_case_id_and_checkpoint(pytester: pytest.Pytester) -> None:
    write_evalset(pytester, SIMPLE)
    write_replay(pytester, GOOD, "fp16")
    write_replay(pytester, GOOD, "q4")
    result = pytester.runpytest("persona.yaml", "--model", "fp16.jsonl", "--model", "q4.jsonl", "-k", "greet and q4")
    result.assert_outcomes(passed=1, deselected=4)  # 3 other cases and compare[q4] (fp16 is the reference)


def test_last_failed_reruns_only_the_failing_case(pytester: pytest.Pytester) -> None:
    write_evalset(pytester, SIMPLE)
    write_replay(pytester, {"greet": "Hi!", "refuse": "Sure, moved it."})
    pytester.runpytest("persona.yaml", "--model", "replies.jsonl").assert_outcomes(passed=1, failed=1)
    result = pytester.runpytest("persona.yaml", "--model", "replies.jsonl", "--lf", "-v")
    result.assert_outcomes(failed=1, deselected=1)
    result.stdout.fnmatch_lines(["*coach::refuse[[]replies[]] FAILED*"])


def test_yaml_without_evalset_key_is_left_alone(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", config="name: not an eval set\nitems: [1, 2]\n")
    pytester.makepyfile(test_plain="def test_ok():\n    assert True\n")
    result = pytester.runpytest()
    result.assert_outcomes(passed=1)


def test_eval_sets_without_a_model_is_a_usage_error(pytester: pytest.Pytester) -> None:
    write_evalset(pytester, SIMPLE)
    result = pytester.runpytest("persona.yaml")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*no checkpoint was given: pass --model PATH*"])


def test_missing_model_file_is_a_usage_error(pytester: pytest.Pytester) -> None:
    write_evalset(pytester, SIMPLE)
    result = pytester.runpytest("persona.yaml", "--model", "josi-v3.gguf")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--model josi-v3.gguf: no such file or directory:*josi-v3.gguf*"])


def test_unknown_model_kind_is_a_usage_error(pytester: pytest.Pytester) -> None:
    write_evalset(pytester, SIMPLE)
    pytester.makefile(".bin", weights="xx")
    result = pytester.runpytest("persona.yaml", "--model", "weights.bin")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*cannot tell how to run*weights.bin*expected a .gguf file*"])


def test_two_checkpoints_with_one_name_are_a_usage_error(pytester: pytest.Pytester) -> None:
    write_evalset(pytester, SIMPLE)
    write_replay(pytester, GOOD, "a")
    write_replay(pytester, GOOD, "b")
    result = pytester.runpytest("persona.yaml", "--model", "x=a.jsonl", "--model", "x=b.jsonl")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*two checkpoints are named 'x'*"])


def test_ini_twins_supply_models_reports_and_evalset_paths(pytester: pytest.Pytester) -> None:
    pytester.mkdir("sets")
    (pytester.path / "sets" / "persona.yaml").write_text(
        "evalset: coach\ncases:\n  - id: greet\n    prompt: Hi\n    checks: [{max_words: 5}]\n"
    )
    write_replay(pytester, {"greet": "Hello there"})
    pytester.makeini(
        """
        [pytest]
        persona_models = ckpt=replies.jsonl
        persona_reports = out/report.json
        persona_evalsets = sets
        """
    )
    result = pytester.runpytest("-v")
    result.stdout.fnmatch_lines(["*sets/persona.yaml::coach::greet[[]ckpt[]] PASSED*"])
    assert (pytester.path / "out" / "report.json").is_file()


def test_same_evalset_name_in_two_files_is_a_collection_error(pytester: pytest.Pytester) -> None:
    write_evalset(pytester, SIMPLE, "one")
    write_evalset(pytester, SIMPLE, "two")
    write_replay(pytester, GOOD)
    result = pytester.runpytest("one.yaml", "two.yaml", "--model", "replies.jsonl")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(["*two.yaml:1: evalset: name 'coach' is already used by*one.yaml*"])


def test_model_manifest_gates_every_artifact_named_by_kind(pytester: pytest.Pytester) -> None:
    write_evalset(pytester, SIMPLE)
    out = pytester.mkdir("out")
    write_replay(pytester, GOOD, "out/merged")
    write_replay(pytester, {**GOOD, "refuse": "Sure!"}, "out/q4")
    (out / "manifest.json").write_text(
        '{"artifacts": [{"kind": "merged", "path": "merged.jsonl"}, {"kind": "q4_k_m", "path": "q4.jsonl"}]}'
    )
    result = pytester.runpytest("persona.yaml", "--model-manifest", "out/manifest.json", "-v")
    result.stdout.fnmatch_lines(["*coach::greet[[]merged[]] PASSED*", "*coach::refuse[[]q4_k_m[]] FAILED*"])


@pytest.mark.parametrize(
    ("manifest", "message"),
    [
        (
            '{"artifacts": [{"kind": "int3", "path": "merged.jsonl"}]}',
            "*artifacts[[]0[]]: unknown kind 'int3'; known: fp16*",
        ),
        (
            '{"artifacts": [{"kind": "merged", "path": "gone.jsonl"}]}',
            "*artifacts[[]0[]]*no such file or directory*gone.jsonl*",
        ),
        ('{"artifacts": []}', '*expected an object with a non-empty "artifacts" list*'),
        ("not json", "*manifest.json: not JSON*"),
    ],
    ids=["unknown-kind", "missing-file", "empty", "not-json"],
)
def test_bad_manifest_is_a_usage_error(pytester: pytest.Pytester, manifest: str, message: str) -> None:
    write_evalset(pytester, SIMPLE)
    write_replay(pytester, GOOD, "merged")
    (pytester.path / "manifest.json").write_text(manifest)
    result = pytester.runpytest("persona.yaml", "--model-manifest", "manifest.json")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])
