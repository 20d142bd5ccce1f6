"""One verdict everywhere: the exit status, the terminal line, JSON, Markdown, HTML and JUnit all
render the same Release; a checkpoint that never ran is loud and never passes."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import write_evalset, write_replay

BELOW = """
    evalset: quality
    gate: {min_pass_rate: 0.5}
    defaults:
      checks: [{contains: ok}]
    cases:
      - id: c1
        prompt: one
      - id: c2
        prompt: two
      - id: c3
        prompt: three
"""


def verdicts_of(pytester: pytest.Pytester, result: pytest.RunResult) -> dict[str, str]:
    """The word each renderer shows."""
    line = next(line for line in result.outlines if line.startswith("persona gate: "))
    data = json.loads((pytester.path / "r.json").read_text("utf-8"))
    markdown = (pytester.path / "r.md").read_text("utf-8")
    page = (pytester.path / "r.html").read_text("utf-8")
    suite = ET.parse(pytester.path / "junit.xml").getroot().find("testsuite")
    assert suite is not None
    props = {p.get("name"): p.get("value") for p in suite.iter("property")}
    title = re.search(r"<title>pytest-persona report: (\w[\w ]*)</title>", page)
    banner = re.search(r'<p class="verdict-word">(?:[✓✗] )?([A-Z ]+)</p>', page)
    return {
        "exit": "PASS" if result.ret == 0 else "FAIL",
        "terminal": line.split()[2],
        "json": data["verdict"]["word"],
        "markdown": markdown.splitlines()[0].removeprefix("## pytest-persona gate: "),
        "html title": title.group(1) if title else "?",
        "html banner": banner.group(1) if banner else "?",
        "junit": props.get("persona_verdict", "?"),
    }


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest(
        "persona.yaml", *args, "--persona-report", "r.json", "--persona-report", "r.md",
        "--persona-report", "r.html", "--junitxml", "junit.xml", "-p", "no:cacheprovider",
    )  # fmt: skip


def test_a_baseline_regression_below_a_contract_fails_in_every_renderer(pytester: pytest.Pytester) -> None:
    """The issue's case: terminal and Markdown said PASS, the HTML title FAIL, pytest exited 1."""
    write_evalset(pytester, BELOW)
    write_replay(pytester, {"c1": "ok", "c2": "ok", "c3": "ok"}, "before")
    first = pytester.runpytest("persona.yaml", "--model", "m=before.jsonl", "--persona-save-baseline", "base.json")
    assert first.ret == 0
    write_replay(pytester, {"c1": "ok", "c2": "ok", "c3": "no"}, "after")  # gate 2/3 ≥ 0.5, but c3 regressed
    result = run(pytester, "--model", "m=after.jsonl", "--persona-baseline", "base.json")
    words = verdicts_of(pytester, result)
    assert set(words.values()) == {"FAIL"}, words
    markdown = (pytester.path / "r.md").read_text("utf-8")
    assert "1 regression(s)" in markdown and "pass → fail: `quality::c3[m]`" in markdown


def test_a_passing_below_contract_run_passes_in_every_renderer(pytester: pytest.Pytester) -> None:
    write_evalset(pytester, BELOW)
    write_replay(pytester, {"c1": "ok", "c2": "ok", "c3": "no"})
    words = verdicts_of(pytester, run(pytester, "--model", "replies.jsonl"))
    assert set(words.values()) == {"PASS"}, words


def test_a_checkpoint_that_never_ran_is_loud_fails_and_counts_nowhere(pytester: pytest.Pytester) -> None:
    """A GGUF without a chat template is refused; below a contract this used to show `xx.` and PASS."""
    from ggufedit import without_key

    from pytest_persona.backends.embedded import embedded_model_path

    gguf = without_key(embedded_model_path(), pytester.path / "bare.gguf", "tokenizer.chat_template")
    write_evalset(pytester, BELOW)
    write_replay(pytester, {"c1": "ok", "c2": "ok", "c3": "ok"})
    result = run(pytester, "--model", "good=replies.jsonl", "--model", f"bare={gguf}", "--persona-cache", "off")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        ["*checkpoint bare never ran: *chat_template*", "persona gate: FAIL (1 checkpoint(s) never ran*"]
    )
    result.assert_outcomes(passed=4, failed=4)  # good: 3 cases + gate; bare: 3 cases (no reply) + gate
    words = verdicts_of(pytester, result)
    assert set(words.values()) == {"FAIL"}, words
    data = json.loads((pytester.path / "r.json").read_text("utf-8"))
    gate = {g["checkpoint"]: g for g in data["gates"]}["bare"]
    assert (gate["status"], gate["cases"], gate["errors"], gate["pass_rate"]) == ("error", 0, 3, None)
    assert {c["name"]: c["ran"] for c in data["checkpoints"]} == {"good": True, "bare": False}
    assert "never ran" in (pytester.path / "r.md").read_text("utf-8")
    assert "Checkpoint <b><bdi>bare</bdi></b> never ran" in (pytester.path / "r.html").read_text("utf-8")


def test_the_plugin_is_inert_without_eval_sets(pytester: pytest.Pytester) -> None:
    """pytest 8.0–9.0 keep plugins in a set: an unhashable session object ended every run in
    INTERNALERROR. Without eval sets nothing of the plugin's machinery is even built."""
    pytester.makepyfile(test_plain="def test_x():\n    assert 1\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    assert result.ret == 0 and "INTERNALERROR" not in result.stdout.str() + result.stderr.str()
    assert "persona gate" not in result.stdout.str()


def test_the_session_object_is_hashable_when_persona_runs(pytester: pytest.Pytester) -> None:
    write_evalset(pytester, BELOW)
    write_replay(pytester, {"c1": "ok", "c2": "ok", "c3": "ok"})
    result = pytester.runpytest_subprocess("persona.yaml", "--model", "replies.jsonl", "-p", "no:cacheprovider")
    assert result.ret == 0 and "INTERNALERROR" not in result.stdout.str() + result.stderr.str()


def test_a_plain_run_imports_nothing_heavy(pytester: pytest.Pytester) -> None:
    """Hypothesis-style laziness: only the option table is imported until persona is needed."""
    pytester.makeconftest(
        "import sys\n"
        "def pytest_sessionfinish(session):\n"
        "    heavy = sorted(m for m in sys.modules if m.startswith('pytest_persona.') and m not in\n"
        "                   ('pytest_persona.plugin', 'pytest_persona.hookspecs', 'pytest_persona.adapter',\n"
        "                    'pytest_persona.adapter.options'))\n"
        "    print('HEAVY=' + ','.join(heavy))\n"
        "    print('YAML=' + str('yaml' in sys.modules) + ' JSONSCHEMA=' + str('jsonschema' in sys.modules))\n"
    )
    pytester.makepyfile(test_plain="def test_x():\n    assert 1\n")
    result = pytester.runpytest_subprocess("-s", "-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(["*HEAVY=", "YAML=False JSONSCHEMA=False"])


def test_reports_written_only_by_the_controller_agree_under_xdist(pytester: pytest.Pytester) -> None:
    write_evalset(pytester, BELOW)
    write_replay(pytester, {"c1": "ok", "c2": "no", "c3": "no"})  # 1/3 < 0.5
    result = run(pytester, "--model", "replies.jsonl", "-n", "2")
    words = verdicts_of(pytester, result)
    assert set(words.values()) == {"FAIL"}, words
    assert Path(pytester.path / "r.json").exists()
