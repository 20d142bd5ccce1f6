"""Bad eval sets: the message names file, line and key; never a traceback."""

from __future__ import annotations

import pytest

from conftest import write_evalset, write_replay


def run(pytester: pytest.Pytester, yaml_text: str) -> pytest.RunResult:
    write_evalset(pytester, yaml_text)
    write_replay(pytester, {"a": "hello"})
    return pytester.runpytest("persona.yaml", "--model", "replies.jsonl")


def assert_no_traceback(result: pytest.RunResult) -> None:
    text = result.stdout.str() + result.stderr.str()
    assert "Traceback" not in text
    assert "site-packages" not in text


def test_unknown_check_is_a_usage_error_with_line_and_known_names(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        evalset: coach
        cases:
          - id: a
            prompt: Hi
            checks:
              - no_emoji
              - refusl
        """,
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*persona.yaml:7: cases[[]0[]].checks[[]1[]]: unknown check 'refusl' (did you mean 'refusal'?); known: *"]
    )
    assert "json_schema" in result.stderr.str()  # the list of known checks
    assert_no_traceback(result)


def test_unknown_key_names_line_and_suggests(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        evalset: coach
        cases:
          - id: a
            promt: Hi
            checks: [no_emoji]
        """,
    )
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(["*persona.yaml:4: cases[[]0[]].promt: unknown key 'promt' (did you mean 'prompt'?)*"])
    assert_no_traceback(result)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("evalset: coach\ncases: []\n", "*persona.yaml:2: cases: [[]] should be non-empty*"),
        ("evalset: coach\n", "*persona.yaml:1: (top level): 'cases' is required*"),
        (
            "evalset: coach\ncases:\n  - id: a\n    checks: [no_emoji]\n",
            "*persona.yaml:3: cases[[]0[]]: a case needs exactly one of `prompt:`*",
        ),
        (
            "evalset: coach\ncases:\n  - id: a\n    prompt: x\n    checks: [no_emoji]\n  - id: a\n    prompt: y\n"
            "    checks: [no_emoji]\n",
            "*persona.yaml:6: cases[[]1[]].id: duplicate case id 'a' (first at line 3)*",
        ),
        (
            "evalset: coach\ncases:\n  - id: a\n    prompt: x\n",
            "*persona.yaml:3: cases[[]0[]]: case has no checks*",
        ),
        (
            "evalset: coach\ncases:\n  - id: a b\n    prompt: x\n    checks: [no_emoji]\n",
            "*persona.yaml:3: cases[[]0[]].id: 'a b' may not contain whitespace*",
        ),
        (
            "evalset: coach\ncases:\n  - id: a\n    prompt: x\n    max_tokens: lots\n    checks: [no_emoji]\n",
            "*persona.yaml:5: cases[[]0[]].max_tokens: 'lots' is not of type 'integer'*",
        ),
        (
            "evalset: coach\ncases:\n  - id: a\n    prompt: x\n    checks:\n      - max_words: {maximum: 3}\n",
            "*persona.yaml:6: cases[[]0[]].checks[[]0[]]: check 'max_words' has no argument 'maximum'*",
        ),
        (
            "evalset: coach\ncases:\n  - id: a\n    messages:\n      - {role: user, content: hi}\n"
            "      - {role: assistant, content: hello}\n    checks: [no_emoji]\n",
            "*persona.yaml:6: cases[[]0[]].messages[[]1[]]: the conversation must end with a user turn*",
        ),
        (
            "evalset: coach\ncases:\n  - id: gate\n    prompt: x\n    checks: [no_emoji]\n",
            "*persona.yaml:3: cases[[]0[]].id: 'gate' is reserved for the eval set's gate item*",
        ),
        (
            "evalset: coach\ndefaults: {checks: [no_emoji]}\ncases:\n  - id: a\n    prompt: x\n"
            "    drop_checks: [refusal]\n",
            "*persona.yaml:6: cases[[]0[]].drop_checks[[]0[]]: 'refusal' is not a default check*",
        ),
        ("evalset: coach\ncases: [\n", "*persona.yaml:3: invalid YAML: *"),
        (
            "evalset: coach\ncases:\n  - !!python/object/apply:os.system [echo hacked]\n",
            "*persona.yaml:3: invalid YAML: *no python/object tags*",
        ),
        (
            "evalset: coach\ngate: {min_pass_rate: 1.5}\ncases:\n  - id: a\n    prompt: x\n    checks: [no_emoji]\n",
            "*persona.yaml:2: gate.min_pass_rate: 1.5 is greater than the maximum of 1*",
        ),
    ],
    ids=[
        "empty-cases",
        "no-cases",
        "no-prompt",
        "duplicate-id",
        "no-checks",
        "bad-id",
        "bad-type",
        "bad-check-arg",
        "ends-with-assistant",
        "reserved-id",
        "drop-unknown-default",
        "broken-yaml",
        "python-tag",
        "bad-threshold",
    ],
)
def test_format_errors_are_collection_errors_naming_line_and_key(
    pytester: pytest.Pytester, body: str, expected: str
) -> None:
    result = run(pytester, body)
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines([expected])
    assert_no_traceback(result)


def test_alias_bomb_is_refused(pytester: pytest.Pytester) -> None:
    lines = ["evalset: coach", "a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 10)}]")
    lines += ["cases:", "  - id: a", "    prompt: x", "    checks: [no_emoji]"]
    result = run(pytester, "\n".join(lines) + "\n")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(["*persona.yaml:*: document expands to more than * values*"])


def test_schema_path_that_does_not_exist_names_the_file(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        evalset: coach
        cases:
          - id: a
            prompt: x
            checks:
              - json_schema: {schema: schemas/missing.json}
        """,
    )
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(["*persona.yaml:6: cases[[]0[]].checks[[]0[]]:*missing.json*"])


def test_a_tag_named_like_pytests_own_markers_is_refused(pytester: pytest.Pytester) -> None:
    """A tag becomes a marker: `tags: [xfail]` would silently turn a failing case into an xfail."""
    result = run(
        pytester,
        """
        evalset: coach
        cases:
          - id: a
            prompt: Hi
            tags: [i6, xfail]
            checks: [no_emoji]
        """,
    )
    assert result.ret != pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["*persona.yaml:5: cases[[]0[]].tags[[]1[]]: tag 'xfail' is reserved*skip:*xfail:*"])
    assert_no_traceback(result)


@pytest.mark.parametrize(
    ("gate", "expected"),
    [
        ("{max_mean_kl: -0.1}", "*persona.yaml:2: gate.max_mean_kl: -0.1 is less than the minimum of 0*"),
        ("{max_mean_kl: small}", "*persona.yaml:2: gate.max_mean_kl: 'small' is not of type 'number'*"),
        (
            "{min_top1_agreement: 1.5}",
            "*persona.yaml:2: gate.min_top1_agreement: 1.5 is greater than the maximum of 1*",
        ),
        ("{max_mean_kll: 0.1}", "*persona.yaml:2: gate.max_mean_kll: unknown key 'max_mean_kll' (did you mean*"),
    ],
)
def test_bad_drift_gate_keys_name_file_line_and_key(pytester: pytest.Pytester, gate: str, expected: str) -> None:
    result = run(pytester, f"evalset: coach\ngate: {gate}\ncases:\n  - id: a\n    prompt: Hi\n    checks: [no_emoji]\n")
    assert result.ret != pytest.ExitCode.OK
    (result.stdout if result.ret == pytest.ExitCode.INTERRUPTED else result.stderr).fnmatch_lines([expected])
    assert_no_traceback(result)
