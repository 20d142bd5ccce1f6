"""Docs that match the code: the README's check table is the registry's own catalog."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_persona.checks import BUILTIN_MODULES, get_check
from pytest_persona.checks.catalog import catalog_markdown

README = Path(__file__).resolve().parents[1] / "README.md"
ROOT = README.parent


def test_readme_check_table_matches_the_registry() -> None:
    text = README.read_text("utf-8")
    start = text.index("-->\n", text.index("<!-- checks:start")) + len("-->\n")
    end = text.index("<!-- checks:end -->")
    assert text[start:end] == catalog_markdown(), "regenerate the table with catalog_markdown()"


@pytest.mark.parametrize("name", sorted(BUILTIN_MODULES))
def test_every_builtin_check_is_documented(name: str) -> None:
    definition = get_check(name)
    assert definition.doc, f"{name} needs a one-line docstring"
    for key, param in (definition.params or {}).items():
        assert param.help, f"{name}: argument {key!r} needs help text"


def test_persona_checks_lists_builtin_and_conftest_checks(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        "from pytest_persona.checks import passed, register_check\n"
        "@register_check('house_style')\n"
        "def house_style(reply, args, ctx):\n"
        "    '''Replies follow the house style.'''\n"
        "    return passed()\n"
    )
    result = pytester.runpytest("--persona-checks")
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        ["house_style *", "*Replies follow the house style.", "json_schema*{schema, allow_fence: false}"]
    )


def test_readme_validity_table_is_the_benchmarks_results() -> None:
    import json

    from benchmarks.validity.__main__ import RESULTS, readme_summary

    text = README.read_text("utf-8")
    start = text.index("-->\n", text.index("<!-- validity:start")) + len("-->\n")
    end = text.index("<!-- validity:end -->")
    assert text[start:end] == readme_summary(json.loads(RESULTS.read_text("utf-8"))), (
        "regenerate it with python -m benchmarks.validity --readme"
    )


def test_readme_performance_table_is_the_benchmarks_results() -> None:
    import json

    from benchmarks.__main__ import RESULTS, markdown_table

    text = README.read_text("utf-8")
    start = text.index("-->\n", text.index("<!-- bench:start")) + len("-->\n")
    end = text.index("<!-- bench:end -->")
    assert text[start:end] == markdown_table(json.loads(RESULTS.read_text("utf-8"))) + "\n", (
        "regenerate it with python -m benchmarks --table"
    )


def test_readme_persona_table_is_the_committed_results() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("summarize", ROOT / "examples" / "summarize.py")
    summarize = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(summarize)
    text = README.read_text("utf-8")
    start = text.index("-->\n", text.index("<!-- personas:start")) + len("-->\n")
    end = text.index("<!-- personas:end -->")
    assert text[start:end] == summarize.persona_table(), "regenerate it with python examples/summarize.py --table"
