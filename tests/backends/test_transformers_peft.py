"""transformers and PEFT checkpoints, made for real from the embedded GGUF in a session fixture."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pytest_persona.backends import Checkpoint
from pytest_persona.backends.base import ChatRequest, GenParams
from pytest_persona.backends.fingerprint import artifact_fingerprint
from pytest_persona.backends.transformers import TransformersBackend
from pytest_persona.checks import Message

pytestmark = pytest.mark.slow

EVALSET = """\
evalset: hf-mini
system: You are Josi, a running coach. You never change the athlete's plan.
defaults:
  max_tokens: 24
  checks: [no_template_leak, echo_special_tokens]
cases:
  - id: move
    prompt: Move my long run to Sunday.
  - id: who
    prompt: Who are you?
  - id: easy
    prompt: What is an easy run?
"""

CONFTEST = '''
from pytest_persona.checks import passed, register_check

@register_check("echo_special_tokens")
def echo_special_tokens(reply, args, ctx):
    """Passes, showing which special tokens the backend gave the checks."""
    return passed("special=" + "|".join(ctx.special_tokens) + f" tokens_known={ctx.count_tokens is not None}")
'''


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    (pytester.path / "hf.yaml").write_text(EVALSET)
    pytester.makeconftest(CONFTEST)
    pytester.makeini("[pytest]\npersona_cache_dir = cache\n")
    return pytester


def gate(project: pytest.Pytester, *models: str) -> dict:
    result = project.runpytest_subprocess("hf.yaml", "--persona-report", "r.json", *models)
    assert result.ret in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED), result.stdout.str()[-2000:]
    return json.loads((project.path / "r.json").read_text())


def test_hf_checkpoint_and_adapter_gate_real_replies(
    project: pytest.Pytester, hf_checkpoint: Path, lora_adapter: Path
) -> None:
    report = gate(project, "--model", f"fp16={hf_checkpoint}", "--model", f"lora={lora_adapter}")
    backends = {c["name"]: c["backend"] for c in report["checkpoints"]}
    assert backends == {"fp16": "transformers", "lora": "peft"}
    outputs = {(r["checkpoint"], r["case"]): r["output"] for r in report["results"]}
    assert len(outputs) == 6 and all(outputs.values())
    assert any(outputs[("fp16", case)] != outputs[("lora", case)] for case in ("move", "who", "easy"))
    detail = next(r for r in report["results"] if r["checkpoint"] == "fp16")["checks"][1]["detail"]
    assert "<|im_start|>" in detail and "tokens_known=True" in detail

    warm = gate(project, "--model", f"fp16={hf_checkpoint}", "--model", f"lora={lora_adapter}")
    assert all(r["cached"] for r in warm["results"])
    assert [r["checks"] for r in warm["results"]] == [r["checks"] for r in report["results"]]
    assert {(r["checkpoint"], r["case"]): r["output"] for r in warm["results"]} == outputs


def test_batched_generation_matches_one_at_a_time(hf_checkpoint: Path) -> None:
    backend = TransformersBackend(Checkpoint("fp16", str(hf_checkpoint), "transformers"))
    try:
        prompts = ["Who are you?", "Move my long run to Sunday.", "Name one vegetable."]
        requests = [ChatRequest(messages=(Message("user", p),), params=GenParams(max_tokens=12)) for p in prompts]
        together = [r.text for r in backend.generate(requests)]
        alone = [backend.generate([r])[0].text for r in requests]
        assert all(together)
        # left padding keeps greedy decoding the same for each prompt (small fp32 drift is possible
        # in principle; on this model and these prompts it does not change a token)
        assert together == alone
        assert backend.count_tokens("hello world") == 2
    finally:
        backend.close()


def test_adapter_fingerprint_covers_its_base(hf_checkpoint: Path, lora_adapter: Path, tmp_path: Path) -> None:
    adapter = Checkpoint("lora", str(lora_adapter), "peft")
    before = artifact_fingerprint(adapter)
    moved_base = shutil.copytree(hf_checkpoint, tmp_path / "base")
    (moved_base / "generation_config.json").write_text('{"eos_token_id": 2, "pad_token_id": 2}')
    copy = shutil.copytree(lora_adapter, tmp_path / "lora")
    other = Checkpoint("lora", str(copy), "peft", options={"peft_base": str(moved_base)})
    assert artifact_fingerprint(other) != before
    assert artifact_fingerprint(Checkpoint("fp16", str(hf_checkpoint), "transformers")) != before


def test_pickle_only_checkpoint_is_refused(pytester: pytest.Pytester, hf_checkpoint: Path) -> None:
    (pytester.path / "hf.yaml").write_text(EVALSET)
    pickled = pytester.mkdir("pickled")
    shutil.copy(hf_checkpoint / "config.json", pickled / "config.json")
    (pickled / "pytorch_model.bin").write_bytes(b"\x80\x04not really a pickle")
    result = pytester.runpytest("hf.yaml", "--model", str(pickled))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*pickled*holds only pickle weights (pytorch_model.bin)*--persona-allow-pickle*"])


def test_adapter_whose_base_is_not_local_is_refused(pytester: pytest.Pytester, lora_adapter: Path) -> None:
    (pytester.path / "hf.yaml").write_text(EVALSET)
    adapter = shutil.copytree(lora_adapter, pytester.path / "lora")
    settings = json.loads((adapter / "adapter_config.json").read_text())
    settings["base_model_name_or_path"] = "HuggingFaceTB/SmolLM2-135M-Instruct"
    (adapter / "adapter_config.json").write_text(json.dumps(settings))
    result = pytester.runpytest("hf.yaml", "--model", str(adapter))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*its base 'HuggingFaceTB/SmolLM2-135M-Instruct' is not a local directory*--persona-peft-base*"]
    )
