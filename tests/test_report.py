"""The JSON and Markdown reports carry the fields DESIGN.md fixes."""

from __future__ import annotations

import json

import pytest

from conftest import SIMPLE, write_evalset, write_replay


def test_json_report_has_checkpoints_results_and_gates(pytester: pytest.Pytester) -> None:
    write_evalset(pytester, SIMPLE)
    write_replay(
        pytester, [{"case": "greet", "output": "Hi!", "latency_s": 0.25}, {"case": "refuse", "output": "Sure!"}]
    )
    result = pytester.runpytest("persona.yaml", "--model", "q4=replies.jsonl", "--persona-report", "out/r.json")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    report = json.loads((pytester.path / "out" / "r.json").read_text())

    (checkpoint,) = report["checkpoints"]
    assert checkpoint["name"] == "q4"
    assert checkpoint["backend"] == "replay"
    assert checkpoint["path"].endswith("replies.jsonl")
    assert checkpoint["fingerprint"].startswith("sha256:") and len(checkpoint["fingerprint"]) == 7 + 64

    by_case = {r["case"]: r for r in report["results"]}
    assert set(by_case) == {"greet", "refuse"}
    greet, refuse = by_case["greet"], by_case["refuse"]
    assert greet["evalset"] == "coach" and greet["checkpoint"] == "q4" and greet["sample"] == 0
    assert greet["passed"] is True and greet["output"] == "Hi!" and greet["latency_s"] == 0.25
    assert refuse["passed"] is False
    failing = [c for c in refuse["checks"] if not c["passed"]]
    assert [c["name"] for c in failing] == ["contains"]
    assert "coach" in failing[0]["detail"]

    (gate,) = report["gates"]
    assert gate == {
        "evalset": "coach",
        "checkpoint": "q4",
        "passed": False,
        "pass_rate": 0.5,
        "threshold": 1.0,
        "cases": 2,
        "passed_cases": 1,
        "skipped": 0,
        "errors": 0,
        "status": "failed",
    }


def test_markdown_report_escapes_replies(pytester: pytest.Pytester) -> None:
    write_evalset(pytester, SIMPLE)
    write_replay(pytester, {"greet": "Hi!", "refuse": "<script>alert(1)</script> | sure"})
    pytester.runpytest("persona.yaml", "--model", "replies.jsonl", "--persona-report", "r.md")
    text = (pytester.path / "r.md").read_text()
    assert "## pytest-persona gate: FAIL" in text
    assert "| coach | replies | 2 | 50.0% | 100% | ❌ fail |" in text
    assert "<script>" not in text


def test_unknown_report_suffix_is_a_usage_error(pytester: pytest.Pytester) -> None:
    write_evalset(pytester, SIMPLE)
    write_replay(pytester, {"greet": "Hi!"})
    result = pytester.runpytest("persona.yaml", "--model", "replies.jsonl", "--persona-report", "r.xml")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--persona-report*r.xml: unknown format '.xml'; use one of .json, .md, .html*"])


def test_xdist_gives_the_same_results_and_gates(pytester: pytest.Pytester) -> None:
    write_evalset(pytester, SIMPLE)
    write_replay(pytester, {"greet": "Hi!", "refuse": "Sure!"}, "a")
    write_replay(pytester, {"greet": "Hi!", "refuse": "Ask your coach."}, "b")
    reports = {}
    for workers in ("0", "2"):
        result = pytester.runpytest_subprocess(
            "persona.yaml",
            "--model",
            "a.jsonl",
            "--model",
            "b.jsonl",
            "-n",
            workers,
            "--persona-report",
            f"{workers}.json",
        )
        assert result.ret == pytest.ExitCode.TESTS_FAILED
        reports[workers] = json.loads((pytester.path / f"{workers}.json").read_text())

    def key(report: dict) -> tuple:
        results = sorted(
            (r["evalset"], r["case"], r["checkpoint"], r["passed"], r["output"]) for r in report["results"]
        )
        gates = sorted((g["evalset"], g["checkpoint"], g["passed"], g["pass_rate"]) for g in report["gates"])
        return results, gates, [c["fingerprint"] for c in report["checkpoints"]]

    assert key(reports["0"]) == key(reports["2"])
    assert len(reports["2"]["results"]) == 4


def test_html_report_is_written_from_a_real_run(pytester: pytest.Pytester) -> None:
    write_evalset(pytester, SIMPLE)
    write_replay(pytester, {"greet": "Hi!", "refuse": "<script>window.__pwned=1</script>"})
    pytester.runpytest("persona.yaml", "--model", "replies.jsonl", "--persona-report", "out/r.html")
    page = (pytester.path / "out" / "r.html").read_text()
    assert page.startswith("<!DOCTYPE html>") or page.lower().startswith("<!doctype html>")
    assert "FAIL" in page and "coach" in page
    assert "<script>window.__pwned" not in page  # the reply is data, escaped
