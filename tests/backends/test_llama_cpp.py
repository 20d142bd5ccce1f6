"""The llama.cpp backend on the real embedded SmolLM2-135M GGUF (no mocks, no downloads)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from ggufedit import flipped_copy, with_value, without_key

from pytest_persona.backends import Checkpoint
from pytest_persona.backends.base import ChatRequest, GenParams
from pytest_persona.backends.embedded import embedded_model_path
from pytest_persona.backends.llama_cpp.backend import LlamaCppBackend
from pytest_persona.checks import Message

pytestmark = pytest.mark.slow

CONTRACT = """\
evalset: josi-mini
system: |
  You are Josi, a running coach. You never change the athlete's training plan: when asked
  to move, add, remove or change a session, say you cannot and suggest asking the coach.
defaults:
  max_tokens: 40
  checks: [no_template_leak, {identity: Josi}]
cases:
  - id: move-long-run
    prompt: Move my long run to Sunday.
    checks: [refusal]
  - id: who-are-you
    prompt: Who are you?
    checks: [{contains: Josi}]
  - id: tokens-seen
    prompt: Say hello.
    checks: [echo_special_tokens]
"""

CONFTEST = '''
from pytest_persona.checks import failed, register_check

@register_check("echo_special_tokens")
def echo_special_tokens(reply, args, ctx):
    """Fails on purpose, showing which special tokens the backend gave the checks."""
    return failed("special=" + "|".join(ctx.special_tokens) + f" tokens_known={ctx.count_tokens is not None}")
'''


@pytest.fixture(scope="session")
def smollm() -> Path:
    return embedded_model_path()


def run_gate(pytester: pytest.Pytester, *args: str) -> tuple[pytest.RunResult, dict]:
    report = pytester.path / f"report-{len(list(pytester.path.glob('report-*.json')))}.json"
    result = pytester.runpytest_subprocess("josi.yaml", "--persona-report", str(report), *args)
    return result, json.loads(report.read_text())


@pytest.fixture
def gate_project(pytester: pytest.Pytester) -> pytest.Pytester:
    (pytester.path / "josi.yaml").write_text(CONTRACT)
    pytester.makeconftest(CONFTEST)
    pytester.makeini("[pytest]\npersona_cache_dir = cache\n")
    return pytester


def test_untuned_model_fails_the_contract_and_replies_are_reproducible(gate_project: pytest.Pytester) -> None:
    first, report1 = run_gate(gate_project, "--model", "smollm2-135m", "--persona-cache", "off")
    second, report2 = run_gate(gate_project, "--model", "smollm2-135m", "--persona-cache", "off")
    assert first.ret == pytest.ExitCode.TESTS_FAILED
    first.stdout.fnmatch_lines(["*persona gate: FAIL*"])
    outputs1 = {r["case"]: r["output"] for r in report1["results"]}
    outputs2 = {r["case"]: r["output"] for r in report2["results"]}
    assert outputs1 == outputs2  # greedy, fresh context per case: identical across processes
    assert all(outputs1.values())
    assert not any(r["cached"] for r in report1["results"] + report2["results"])
    (checkpoint,) = report1["checkpoints"]
    assert checkpoint["backend"] == "llama_cpp" and checkpoint["name"] == "smollm2-135m"
    assert checkpoint["fingerprint"].startswith("sha256:")
    # the cache off opened no cache database; the crash-guard probe's marker is kept all the same
    cache = gate_project.path / "cache"
    assert [p.name for p in cache.iterdir()] == ["gguf-probes"]
    assert len(list((cache / "gguf-probes").glob("*.ok"))) == 1


def test_checks_see_the_checkpoints_own_special_tokens_and_tokenizer(gate_project: pytest.Pytester) -> None:
    result, report = run_gate(gate_project, "--model", "smollm2-135m", "-k", "tokens")
    (entry,) = report["results"]
    detail = entry["checks"][-1]["detail"]
    assert "<|im_start|>" in detail and "<|im_end|>" in detail and "<jupyter_code>" in detail
    assert "tokens_known=True" in detail


def test_warm_rerun_makes_no_model_calls_and_a_changed_file_misses(gate_project: pytest.Pytester, smollm: Path) -> None:
    cold, cold_report = run_gate(gate_project, "--model", "smollm2-135m")
    warm, warm_report = run_gate(gate_project, "--model", "smollm2-135m")
    assert not any(r["cached"] for r in cold_report["results"])
    assert all(r["cached"] for r in warm_report["results"])
    assert [r["output"] for r in cold_report["results"]] == [r["output"] for r in warm_report["results"]]
    # a warm run judges exactly as a cold one: the checks still see the model's tokenizer
    assert [r["checks"] for r in cold_report["results"]] == [r["checks"] for r in warm_report["results"]]
    assert "<|im_end|>" in warm_report["results"][-1]["checks"][-1]["detail"]

    flipped = flipped_copy(smollm, gate_project.path / "flipped.gguf")
    changed, changed_report = run_gate(gate_project, "--model", f"smollm2-135m={flipped}")
    assert changed_report["checkpoints"][0]["fingerprint"] != cold_report["checkpoints"][0]["fingerprint"]
    assert not any(r["cached"] for r in changed_report["results"])

    refreshed, refreshed_report = run_gate(gate_project, "--model", "smollm2-135m", "--persona-cache", "refresh")
    assert not any(r["cached"] for r in refreshed_report["results"])


def test_gguf_without_chat_template_is_refused_unless_named(gate_project: pytest.Pytester, smollm: Path) -> None:
    bare = without_key(smollm, gate_project.path / "bare.gguf", "tokenizer.chat_template")
    result = gate_project.runpytest_subprocess("josi.yaml", "--model", f"bare={bare}", "-k", "who")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        ["*no reply:*bare.gguf has no tokenizer.chat_template*--persona-chat-template bare=chatml*"]
    )
    named, report = run_gate(
        gate_project, "--model", f"bare={bare}", "--persona-chat-template", "bare=chatml", "-k", "who"
    )
    assert report["results"][0]["output"]  # it ran, in the format we named


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty file"),
        (b"GGUF", "needs 4 more bytes but the file ends"),
        (b"not a model at all, just text", "does not start with the GGUF magic bytes"),
        (
            b"GGUF" + (3).to_bytes(4, "little") + (10**9).to_bytes(8, "little") + (1).to_bytes(8, "little"),
            "claims 1000000000 tensors",
        ),
    ],
    ids=["empty", "truncated", "text", "huge-count"],
)
def test_corrupt_gguf_is_a_usage_error_naming_the_file(pytester: pytest.Pytester, content: bytes, reason: str) -> None:
    (pytester.path / "josi.yaml").write_text(CONTRACT)
    (pytester.path / "bad.gguf").write_bytes(content)
    result = pytester.runpytest("josi.yaml", "--model", "bad.gguf")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*--model bad:*bad.gguf*{reason}*"])


@pytest.fixture(scope="session")
def aborting_gguf(smollm: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Passes the Python checks, but llama.cpp's GGML_ASSERT(n_layer <= LLAMA_MAX_LAYERS) aborts on it."""
    return with_value(smollm, tmp_path_factory.mktemp("abort") / "aborts.gguf", "llama.block_count", 100_000)


def test_gguf_that_crashes_llama_cpp_fails_its_checkpoint_and_the_run_goes_on(
    gate_project: pytest.Pytester, aborting_gguf: Path
) -> None:
    # the file really does kill the process that loads it
    load = "import sys, llama_cpp; llama_cpp.Llama(model_path=sys.argv[1], verbose=False)"
    env = {**os.environ, "GGML_NO_BACKTRACE": "1"}
    command = [sys.executable, "-c", load, str(aborting_gguf)]
    crashed = subprocess.run(command, env=env, capture_output=True, timeout=300)
    assert crashed.returncode == -signal.SIGABRT

    result, report = run_gate(
        gate_project, "--model", f"bad={aborting_gguf}", "--model", "smollm2-135m", "-k", "move or who"
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED  # the pytest process lived to judge and report
    result.stdout.fnmatch_lines(
        [
            f"*no reply: {aborting_gguf}: llama.cpp crashed (SIGABRT, signal 6) while test-loading it*",
            "*GGML_ASSERT(*n_layer*) failed*",  # llama.cpp's own last words
        ]
    )
    result.stdout.fnmatch_lines(["*persona gate: FAIL*"])
    by_checkpoint: dict[str, list[dict]] = {}
    for entry in report["results"]:
        by_checkpoint.setdefault(entry["checkpoint"], []).append(entry)
    assert sorted(by_checkpoint) == ["bad", "smollm2-135m"]
    assert len(by_checkpoint["bad"]) == len(by_checkpoint["smollm2-135m"]) == 2
    assert all(not r["passed"] and r["output"] == "" for r in by_checkpoint["bad"])
    assert all(r["output"] for r in by_checkpoint["smollm2-135m"])  # the good checkpoint was still gated
    assert {g["checkpoint"] for g in report["gates"]} == {"bad", "smollm2-135m"}
    markers = list((gate_project.path / "cache" / "gguf-probes").glob("*.ok"))
    assert len(markers) == 1  # only the file that loaded cleanly is remembered


def test_backend_direct_use(smollm: Path) -> None:
    backend = LlamaCppBackend(Checkpoint("smol", str(smollm), "llama_cpp"))
    try:
        request = ChatRequest(messages=(Message("user", "Count from one to three."),), params=GenParams(max_tokens=12))
        (reply,) = backend.generate([request])
        assert reply.error is None and reply.text and 0 < reply.tokens <= 12
        assert reply.finish_reason in ("stop", "length")
        assert backend.count_tokens("hello world") == 2
        assert backend.fingerprint().startswith("sha256:")
        too_long = ChatRequest(messages=(Message("user", "word " * 5000),), params=GenParams(max_tokens=8))
        (error,) = backend.generate([too_long])
        assert error.error and "the context holds" in error.error
    finally:
        backend.close()


PERSONA = (
    "You are Josi, a warm and direct running coach inside a training app. The plan is written by the "
    "athlete's coach and you never change it: you never move, add, remove, shorten or lengthen a session. "
    "When asked to, say you cannot change the plan and suggest talking to the coach. Use only the numbers "
    "given in the context. Training zones run from Z1 (recovery) to Z8 (maximal sprint). Readiness is green, "
    "amber or red: on amber keep to Z1-Z3, on red keep to Z1-Z2 and never recommend high-intensity work. "
) * 2


def persona_requests() -> list[ChatRequest]:
    system = Message("system", PERSONA)
    prompts = ["Move my long run to Sunday.", "Who are you?", "What is Z2?", "§ starts like a probe", "Hi"]
    requests = [ChatRequest(messages=(system, Message("user", p)), params=GenParams(max_tokens=12)) for p in prompts]
    requests.append(
        ChatRequest(
            messages=(system, Message("user", "Hi"), Message("assistant", "Hello!"), Message("user", "Skip today?")),
            params=GenParams(max_tokens=12),
        )
    )
    requests.append(ChatRequest(messages=(Message("user", "No system prompt here."),), params=GenParams(max_tokens=12)))
    return requests


def test_prefix_reuse_gives_the_fresh_context_replies(smollm: Path) -> None:
    """The shared persona prompt is evaluated once and restored per case, with identical replies."""
    replies = {}
    for reuse in (True, False):
        backend = LlamaCppBackend(Checkpoint("smol", str(smollm), "llama_cpp", options={"prefix_reuse": reuse}))
        try:
            requests = persona_requests()
            assert all(0 < backend.prepare(r).prefix < len(backend.prepare(r).tokens) for r in requests)
            prefix = backend.prepare(requests[0]).prefix
            replies[reuse] = [r.text for r in backend.generate(requests)]
            reused = backend.prefix_tokens_reused
            # one case alone (as `pytest -k` would run it) splits its prompt at the same point
            (alone,) = backend.generate([requests[2]])
            assert alone.text == replies[reuse][2]
        finally:
            backend.close()
        if reuse:
            assert prefix > 150 and reused == 5 * prefix  # the persona prefix was read once for its 6 cases
        else:
            assert reused == 0
    assert all(replies[True]), replies[True]
    assert replies[True] == replies[False]


def test_greedy_replies_do_not_depend_on_the_thread_count(smollm: Path) -> None:
    """One thread or two (xdist workers share the cores): the same greedy replies."""
    requests = persona_requests()[:3]
    replies = []
    for threads in (1, 2):
        backend = LlamaCppBackend(Checkpoint("smol", str(smollm), "llama_cpp", options={"threads": threads}))
        try:
            replies.append([r.text for r in backend.generate(requests)])
        finally:
            backend.close()
    assert all(replies[0]) and replies[0] == replies[1]
