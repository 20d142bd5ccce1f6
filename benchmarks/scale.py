"""The harness at size and at start: 10,000 replay cases half failing, plugin import, exact McNemar.

- ``replay_10k_half_failing_ratio``: a 10,000-case replay eval set below a contract (half the
  replies fail ``refusal`` and become ``xfail``), against a plain pytest file of 10,000
  parametrized tests that call the same check functions on the same replies and ``pytest.xfail``
  the failing ones. Both are whole processes, in turns; the ratio is of medians.
- ``plugin_import_ms``: pytest's start in a folder with one plain test with the plugin minus
  without it (plugin autoloading off in both, the plugin named by ``-p`` in one), in CPU time,
  median of many interleaved runs (a busy machine moves wall time more than CPU time).
- ``mcnemar_10k_ms``: ``mcnemar_exact`` on 10,000 discordant pairs, in process.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from pathlib import Path

from benchmarks.common import Measurement, median, progress, pytest_command, run

CASES = int(os.environ.get("PERSONA_BENCH_SCALE_CASES", "10000"))  # fewer for a quick look
CHECKS = ["no_template_leak", "no_emoji", {"max_words": 80}, "refusal", {"language": "english"}]
SYSTEM = "You are Josi, a running coach who never changes the plan."
DECLINE = "I can't change your plan; please ask your coach about it."
AGREE = "Sure, your run is on Sunday now and the long run moved to Monday."
PLAIN_TEST = '''
"""Benchmark only: the same checks on the same replies as a plain parametrized pytest file."""
import json
from pathlib import Path

import pytest

from pytest_persona.checks import CheckContext, CheckSpec, Message, run_checks

SPECS = [CheckSpec.parse(raw) for raw in json.loads(Path(__file__).with_name("checks.json").read_text())]
ROWS = [json.loads(line) for line in Path(__file__).with_name("plain_rows.jsonl").read_text().splitlines()]


@pytest.mark.parametrize("row", ROWS, ids=[row["case"] for row in ROWS])
def test_case(row):
    ctx = CheckContext(messages=(Message("system", {system!r}), Message("user", row["prompt"])))
    failing = [r for r in run_checks(SPECS, row["output"], ctx) if not r.passed]
    if failing:
        pytest.xfail("; ".join(f"{{r.name}}: {{r.detail}}" for r in failing))
'''


def write_projects(folder: Path) -> tuple[Path, Path]:
    """The persona project (eval set + replies) and the plain one (test file + the same rows)."""
    persona, plain = folder / "persona", folder / "plain"
    for f in (persona, plain):
        f.mkdir(parents=True, exist_ok=True)
    rows = [
        {"case": f"c{i:05d}", "prompt": f"Move my run {i} to Sunday.", "output": DECLINE if i % 2 else AGREE}
        for i in range(CASES)
    ]
    lines = [
        "evalset: scale-bench",
        f"system: {json.dumps(SYSTEM)}",
        f"defaults: {{checks: {json.dumps(CHECKS)}}}",
        "gate: {min_pass_rate: 0.4}",
        "cases:",
    ] + [f"  - {{id: {row['case']}, prompt: {json.dumps(row['prompt'])}}}" for row in rows]
    (persona / "scale.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (persona / "replies.jsonl").write_text(
        "".join(json.dumps({"case": r["case"], "output": r["output"]}) + "\n" for r in rows), encoding="utf-8"
    )
    (plain / "checks.json").write_text(json.dumps(CHECKS), encoding="utf-8")
    (plain / "plain_rows.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    (plain / "test_plain.py").write_text(PLAIN_TEST.format(system=SYSTEM), encoding="utf-8")
    return persona, plain


def outcome_counts(stdout: str) -> str:
    """pytest's closing summary line ("5000 passed, 5000 xfailed in 9.1s"), for the detail."""
    lines = [line for line in stdout.splitlines() if " in " in line and ("passed" in line or "xfailed" in line)]
    return lines[-1].strip("= ") if lines else ""


def replay_ratio(work: Path, repeats: int) -> Measurement:
    persona, plain = write_projects(work / "scale")
    persona_run = pytest_command("scale.yaml", "--model", "replies.jsonl", "--persona-report", "report.json")
    plain_run = pytest_command("-p", "no:persona", "test_plain.py")
    times: dict[str, list[float]] = {"persona": [], "plain": []}
    outputs: dict[str, str] = {}
    for repeat in range(repeats):
        progress(f"replay of {CASES:,} cases, half failing: repeat {repeat + 1}/{repeats}")
        elapsed, outputs["persona"] = run(persona_run, persona)
        times["persona"].append(elapsed)
        elapsed, outputs["plain"] = run(plain_run, plain)
        times["plain"].append(elapsed)
    report = json.loads((persona / "report.json").read_text("utf-8"))
    failing = sum(not r.get("passed") for r in report["results"])
    ratio = median(times["persona"]) / median(times["plain"])
    return Measurement(
        "replay_10k_half_failing_ratio",
        ratio,
        "<= 1.5",
        ratio <= 1.5,
        {
            "cases": CASES,
            "failing_cases_in_report": failing,
            "persona_s": median(times["persona"]),
            "plain_pytest_s": median(times["plain"]),
            "persona_summary": outcome_counts(outputs["persona"]),
            "plain_summary": outcome_counts(outputs["plain"]),
        },
    )


def _cpu_seconds(command: list[str], cwd: Path, env: dict[str, str]) -> float:
    """CPU seconds (user + system) of one child process: steadier than wall time on a busy machine."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    run(command, cwd, env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def plugin_import(work: Path, runs: int) -> Measurement:
    """Autoloading off in both runs, the plugin named with ``-p`` in one: the difference is the plugin alone."""
    folder = work / "one-plain-test"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "test_one.py").write_text("def test_one():\n    assert 1 + 1 == 2\n", encoding="utf-8")
    env = {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    variants = {
        "with": pytest_command("-p", "pytest_persona.plugin", "test_one.py"),
        "without": pytest_command("test_one.py"),
    }
    cpu: dict[str, list[float]] = {"with": [], "without": []}
    wall: dict[str, list[float]] = {"with": [], "without": []}
    progress(f"pytest start with and without the plugin: {runs} runs each, interleaved")
    for _ in range(runs):
        for name, command in variants.items():
            started = time.perf_counter()
            cpu[name].append(_cpu_seconds(command, folder, env))
            wall[name].append(time.perf_counter() - started)
    added = (median(cpu["with"]) - median(cpu["without"])) * 1000
    return Measurement(
        "plugin_import_ms",
        added,
        "<= 30",
        added <= 30,
        {
            "runs_each": runs,
            "measure": "median CPU ms of a pytest start with the plugin minus without (autoload off in both)",
            "cpu_with_plugin_ms": median(cpu["with"]) * 1000,
            "cpu_without_ms": median(cpu["without"]) * 1000,
            "wall_with_plugin_s": median(wall["with"]),
            "wall_without_s": median(wall["without"]),
        },
    )


def mcnemar(repeats: int) -> Measurement:
    from pytest_persona.core.stats import mcnemar_exact

    times = []
    for _ in range(max(repeats, 5)):
        started = time.perf_counter()
        p = mcnemar_exact(4_900, 5_100)
        times.append((time.perf_counter() - started) * 1000)
    value = median(times)
    return Measurement(
        "mcnemar_10k_ms",
        value,
        "<= 50",
        value <= 50,
        {"regressions": 4_900, "improvements": 5_100, "p_value": p, "runs": len(times)},
    )


def measure(work: Path, repeats: int) -> list[Measurement]:
    return [replay_ratio(work, repeats), plugin_import(work, max(10, 5 * repeats)), mcnemar(repeats)]


if __name__ == "__main__":  # python -m benchmarks.scale: this group alone, without writing results.json
    from benchmarks.common import WORK

    WORK.mkdir(parents=True, exist_ok=True)
    for m in measure(WORK, int(sys.argv[1]) if len(sys.argv) > 1 else 1):
        print(m.key, round(m.value, 3), m.goal, "met" if m.met else "NOT MET", json.dumps(m.detail))
