"""The harness alone: a 1,000-case replay run (collection, checks, reports), per case, with a profile."""

from __future__ import annotations

import cProfile
import io
import json
import pstats
import time
from pathlib import Path

from benchmarks.common import ROOT, Measurement, median, progress

CASES = 1000


def write_project(folder: Path, count: int) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    lines = [
        "evalset: replay-bench",
        "system: You are Josi, a running coach.",
        "defaults: {checks: [no_template_leak, no_emoji, {max_words: 80}, refusal, {language: english}]}",
        "cases:",
    ] + [f"  - {{id: c{i:04d}, prompt: 'Move my run {i} to Sunday.'}}" for i in range(count)]
    (folder / f"bench_{count}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    replies = [
        {"case": f"c{i:04d}", "output": "I can't change your plan; please ask your coach about it."}
        for i in range(count)
    ]
    (folder / f"replies_{count}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in replies), encoding="utf-8")
    return [
        f"bench_{count}.yaml",
        "--model",
        f"replies_{count}.jsonl",
        "-p",
        "no:cacheprovider",
        "-q",
        "--persona-report",
        f"report_{count}.json",
    ]


def timed_run(folder: Path, args: list[str], profile: cProfile.Profile | None = None) -> float:
    import os

    import pytest

    here = Path.cwd()
    os.chdir(folder)
    try:
        started = time.perf_counter()
        if profile is not None:
            profile.enable()
        code = pytest.main(args, plugins=[])
        if profile is not None:
            profile.disable()
        elapsed = time.perf_counter() - started
    finally:
        os.chdir(here)
    if code not in (0, 1):
        raise RuntimeError(f"the replay run exited {code}")
    return elapsed


def checks_per_case_ms(repeats: int) -> float:
    """The shipped Josi eval set's checks on its recorded tuned replies, per case (median of runs)."""
    from pytest_persona.checks import run_checks
    from pytest_persona.checks.base import CheckContext
    from pytest_persona.core.evalset import load_evalset

    evalset = load_evalset(ROOT / "evalsets" / "josi.yaml")
    lines = (ROOT / "examples" / "josi" / "replies-tuned.jsonl").read_text("utf-8").splitlines()
    replies = {r["case"]: r["output"] for r in map(json.loads, lines)}
    work = [
        (
            case,
            replies[case.id],
            CheckContext(messages=case.messages, context=case.context, base_dir=evalset.path.parent),
        )
        for case in evalset.cases
        if case.id in replies
    ]
    rounds = max(1, CASES // len(work))
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        for _ in range(rounds):
            for case, reply, ctx in work:
                run_checks(case.checks, reply, ctx)
        times.append((time.perf_counter() - started) / (rounds * len(work)) * 1000)
    return median(times)


def measure(work: Path, repeats: int) -> list[Measurement]:
    folder = work / "replay"
    small, large = write_project(folder, 10), write_project(folder, CASES)
    collect_small, collect_large = [*small, "--collect-only"], [*large, "--collect-only"]
    times: dict[str, list[float]] = {"run_10": [], "run_1000": [], "collect_10": [], "collect_1000": []}
    timed_run(folder, small)  # imports and first-use caches: not what a case costs
    for repeat in range(repeats):
        progress(f"replay run of {CASES} cases: repeat {repeat + 1}/{repeats}")
        times["run_10"].append(timed_run(folder, small))
        times["run_1000"].append(timed_run(folder, large))
        times["collect_10"].append(timed_run(folder, collect_small))
        times["collect_1000"].append(timed_run(folder, collect_large))
    profile = cProfile.Profile()
    timed_run(folder, large, profile)
    text = io.StringIO()
    pstats.Stats(profile, stream=text).sort_stats("cumulative").print_stats(40)
    (work / "replay-profile.txt").write_text(text.getvalue(), encoding="utf-8")

    def per_case(key: str) -> float:
        return (median(times[f"{key}_1000"]) - median(times[f"{key}_10"])) / (CASES - 10) * 1000

    checks = checks_per_case_ms(repeats)
    collect = per_case("collect")
    value = checks + collect
    return [
        Measurement(
            "checks_collection_ms_per_case",
            value,
            "< 1 ms",
            value < 1.0,
            {
                "collection_ms_per_case": collect,
                "checks_ms_per_case_josi": checks,
                "whole_replay_run_ms_per_case": per_case("run"),
                "run_1000_cases_s": median(times["run_1000"]),
                "profile": "benchmarks/.work/replay-profile.txt",
            },
        ),
    ]
