"""The gate as a whole: its overhead over a bare llama-cpp-python loop, a warm Josi re-run (against
cold and --collect-only), and -n 2.

Every variant runs as its own process (Python start, imports, model load included), in turns,
``repeats`` times; the ratios are of medians. Processes may write bytecode, as in a user's
environment (this project's sandboxes set PYTHONDONTWRITEBYTECODE, which makes pytest rewrite
every plugin module's assertions on every start). The overhead run loads pytest-persona as the
only plugin, as a gate's own environment has it; the same run with this checkout's development
plugins (hypothesis, xdist, anyio) is recorded beside it.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

from benchmarks.common import ROOT, Measurement, median, progress, pytest_command, report_outputs, run, session_seconds
from benchmarks.workload import bare_requests, write_evalsets

CASES = 50
USER_ENV = {"PYTHONDONTWRITEBYTECODE": ""}  # empty: unset for Python
ONLY_PERSONA = {**USER_ENV, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
NO_REUSE_CONFTEST = '''
"""Benchmark only: the gate with llama.cpp prefix reuse off, to compare like with like."""
from pytest_persona.backends.llama_cpp.backend import LlamaCppBackend


def pytest_persona_make_backend(config, checkpoint):
    return LlamaCppBackend(checkpoint.with_options(prefix_reuse=False))
'''


def measure(work: Path, model: Path, repeats: int) -> list[Measurement]:
    plain, no_reuse = work / "gate", work / "gate-no-reuse"
    for folder in (plain, no_reuse):
        shutil.rmtree(folder, ignore_errors=True)
        write_evalsets(folder, CASES)
    (no_reuse / "conftest.py").write_text(NO_REUSE_CONFTEST, encoding="utf-8")
    requests = work / "bare-requests.json"
    requests.write_text(json.dumps(bare_requests(CASES)), encoding="utf-8")
    evalsets = sorted(p.name for p in plain.glob("*.yaml"))
    gate = [*evalsets, "--model", str(model)]
    josi = [str(ROOT / "evalsets" / "josi.yaml"), "--model", str(model)]
    times: dict[str, list[float]] = {
        k: []
        for k in (
            "bare", "gate_no_reuse", "gate_no_reuse_dev_plugins", "gate_cold", "gate_warm", "xdist_2", "josi_cold",
            "josi_warm",
        )
    }  # fmt: skip
    times["josi_collect"] = []
    sessions: dict[str, list[float]] = {"cold": [], "warm": []}
    for repeat in range(repeats):
        progress(f"gate: repeat {repeat + 1}/{repeats} (bare loop, gate, warm re-run, -n 2)")
        elapsed, _ = run(
            [
                sys.executable,
                str(ROOT / "benchmarks" / "bare_llama.py"),
                str(model),
                str(requests),
                str(work / "bare-replies.json"),
            ],
            cwd=work,
            env=USER_ENV,
        )
        times["bare"].append(elapsed)
        no_cache = (*gate, "--persona-cache", "off", "--persona-report")
        elapsed, _ = run(pytest_command(*no_cache, "r.json", "-p", "pytest_persona.plugin"), no_reuse, env=ONLY_PERSONA)
        times["gate_no_reuse"].append(elapsed)
        elapsed, _ = run(pytest_command(*no_cache, "r-dev.json"), no_reuse, env=USER_ENV)
        times["gate_no_reuse_dev_plugins"].append(elapsed)
        cache = f"persona_cache_dir={plain / f'cache-{repeat}'}"
        elapsed, out = run(pytest_command(*gate, "-o", cache, "--persona-report", "cold.json"), plain, env=USER_ENV)
        times["gate_cold"].append(elapsed)
        sessions["cold"].append(session_seconds(out))
        elapsed, out = run(pytest_command(*gate, "-o", cache, "--persona-report", "warm.json"), plain, env=USER_ENV)
        times["gate_warm"].append(elapsed)
        sessions["warm"].append(session_seconds(out))
        cache = f"persona_cache_dir={plain / f'cache-xdist-{repeat}'}"
        elapsed, _ = run(
            pytest_command(*gate, "-n", "2", "-o", cache, "--persona-report", "xdist.json"), plain, env=USER_ENV
        )
        times["xdist_2"].append(elapsed)
        cache = f"persona_cache_dir={plain / f'cache-josi-{repeat}'}"
        for name, extra in (("josi_cold", ()), ("josi_warm", ()), ("josi_collect", ("--collect-only",))):
            elapsed, _ = run(
                pytest_command(*josi, "-o", cache, *extra, "--persona-report", f"{name}.json"), plain, env=USER_ENV
            )
            times[name].append(elapsed)

    bare = json.loads((work / "bare-replies.json").read_text("utf-8"))
    no_reuse_out = report_outputs(no_reuse / "r.json")
    dev_plugins_out = report_outputs(no_reuse / "r-dev.json")
    cold, warm, xdist = (report_outputs(plain / f"{name}.json") for name in ("cold", "warm", "xdist"))
    same_as_bare = sum(bare[case] == out for (_, case, _), (out, _, _) in no_reuse_out.items())
    verdicts = {key: passed for key, (_, passed, _) in cold.items()}
    t = {key: median(values) for key, values in times.items()}
    overhead = t["gate_no_reuse"] / t["bare"]
    josi_cold, josi_warm = (report_outputs(plain / f"{name}.json") for name in ("josi_cold", "josi_warm"))
    # whole processes on the Josi eval set: the warm run against the cold one and against --collect-only
    warm_ratio = t["josi_warm"] / t["josi_cold"]
    warm_vs_collect = t["josi_warm"] / t["josi_collect"]
    josi_calls_warm = sum(not cached for _, _, cached in josi_warm.values())
    speedup = t["gate_cold"] / t["xdist_2"]
    model_calls_warm = sum(not cached for _, _, cached in warm.values())
    return [
        Measurement(
            "overhead_ratio",
            overhead,
            "<= 1.05",
            overhead <= 1.05,
            {
                "cases": CASES,
                "bare_s": t["bare"],
                "gate_s": t["gate_no_reuse"],
                "gate_with_dev_plugins_s": t["gate_no_reuse_dev_plugins"],
                "gate_with_dev_plugins_ratio": t["gate_no_reuse_dev_plugins"] / t["bare"],
                "replies_identical_with_dev_plugins": dev_plugins_out == no_reuse_out,
                "gate_with_prefix_reuse_s": t["gate_cold"],
                "gate_with_prefix_reuse_ratio": t["gate_cold"] / t["bare"],
                "replies_identical_to_bare": f"{same_as_bare}/{len(no_reuse_out)}",
                "replies_identical_with_and_without_prefix_reuse": sum(cold[k][0] == no_reuse_out[k][0] for k in cold)
                == len(cold),
            },
        ),
        Measurement(
            "warm_cache_ratio",
            warm_ratio,
            "<= 0.02 of cold and <= 1.3x --collect-only, 0 model calls",
            warm_ratio <= 0.02 and warm_vs_collect <= 1.3 and josi_calls_warm == 0,
            {
                "evalset": "evalsets/josi.yaml",
                "josi_cases": len(josi_cold),
                "josi_cold_wall_s": t["josi_cold"],
                "josi_warm_wall_s": t["josi_warm"],
                "josi_collect_only_wall_s": t["josi_collect"],
                "warm_vs_collect_only": warm_vs_collect,
                "josi_model_calls_on_warm_run": josi_calls_warm,
                "josi_verdicts_equal": {k: v[1] for k, v in josi_warm.items()}
                == {k: v[1] for k, v in josi_cold.items()},
                "workload": f"{CASES} cases of benchmarks/workload.py",
                "cold_session_s": median(sessions["cold"]),
                "warm_session_s": median(sessions["warm"]),
                "cold_wall_s": t["gate_cold"],
                "warm_wall_s": t["gate_warm"],
                "workload_wall_ratio": t["gate_warm"] / t["gate_cold"],
                "model_calls_on_warm_run": model_calls_warm,
                "verdicts_equal": {k: v[1] for k, v in warm.items()} == verdicts,
            },
        ),
        Measurement(
            "xdist_speedup",
            speedup,
            ">= 1.0",
            speedup >= 1.0 and {k: v[1] for k, v in xdist.items()} == verdicts,
            {
                "n0_s": t["gate_cold"],
                "n2_s": t["xdist_2"],
                "verdicts_equal": {k: v[1] for k, v in xdist.items()} == verdicts,
            },
        ),
    ]
