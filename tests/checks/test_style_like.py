"""Tests for ``style_like``: persona voice vs generic-assistant voice with the in-wheel wordllama model."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pytest_persona.checks import CheckArgError, CheckSpec, run_check
from pytest_persona.checks import embedding as embedding_module
from pytest_persona.checks.style_like import MAX_CHARS, normalise, sentences

ROOT = Path(__file__).resolve().parents[2]
JOSI = ROOT / "examples" / "josi"
REFERENCES = [
    "No. Red is a recovery day, full stop. Keep it easy and tell your coach.",
    "Green. Run the interval session as written.",
    "Your easy pace is 5:54-6:16 per km. On a tired day, slower is fine.",
    "I can't, even once. The plan works as a system, so changes belong with your coach.",
    "Easy is about effort, not speed.",
]


def spec(**args: object) -> CheckSpec:
    return CheckSpec.parse({"style_like": {"references": REFERENCES, **args}})


def test_a_persona_reply_passes_and_a_generic_one_fails() -> None:
    persona = run_check(spec(), "Amber today. Keep it at Z3 or below and tell your coach.")
    generic = run_check(
        spec(),
        "Certainly! Here are some tips for an amber day: 1. Listen to your body. 2. Stay hydrated. "
        "I hope this helps! Feel free to ask if you have any other questions.",
    )
    assert persona.passed, persona.detail
    assert not generic.passed, generic.detail
    assert "persona " in generic.detail and "vs generic " in generic.detail and "lead " in generic.detail
    assert "most generic of" in generic.detail  # names the sentence that decided


def test_the_margin_decides() -> None:
    reply = "Keep it easy today and tell your coach."
    lenient, strict = run_check(spec(margin=-1.0), reply), run_check(spec(margin=1.0), reply)
    assert lenient.passed and not strict.passed


def test_references_from_the_training_data_skip_json_replies(tmp_path: Path) -> None:
    checked = CheckSpec.parse({"style_like": "train.jsonl"}, JOSI)
    assert checked.args["references"]
    assert not any(text.startswith("{") for text in checked.args["references"])
    assert run_check(checked, "No. I can't move it. Your coach wrote the plan, so talk to them.").passed


def test_references_from_a_text_file_skip_comments_and_blank_lines(tmp_path: Path) -> None:
    (tmp_path / "refs.txt").write_text("# Josi\n\nGreen. Go.\nRed. Rest.\n", encoding="utf-8")
    checked = CheckSpec.parse({"style_like": {"references": "refs.txt", "generic": ["Sure! Happy to help!"]}}, tmp_path)
    assert checked.args["references"] == ("Green. Go.", "Red. Rest.")
    assert checked.args["generic"] == ("Sure! Happy to help!",)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({}, "needs argument 'references'"),
        ({"references": "missing.txt"}, "style_like `references`: no file"),
        ({"references": []}, "style_like `references` holds no reply"),
        ({"references": ["ok"], "margin": 2}, "`margin` must be between -1 and 1"),
        ({"references": ["ok"], "generic": [3]}, "style_like `generic` entries must be strings"),
        ({"references": ["ok"], "tone": "warm"}, "has no argument 'tone'"),
    ],
)
def test_bad_arguments_are_load_time_errors(tmp_path: Path, args: dict, message: str) -> None:
    with pytest.raises(CheckArgError, match=message.replace("(", r"\(")):
        CheckSpec.parse({"style_like": args}, tmp_path)


def test_a_bad_jsonl_line_names_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "refs.jsonl").write_text('"Green. Go."\n{not json\n', encoding="utf-8")
    with pytest.raises(CheckArgError, match=r"refs.jsonl:2: not JSON"):
        CheckSpec.parse({"style_like": "refs.jsonl"}, tmp_path)


def test_a_missing_embedding_package_is_named_at_load_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embedding_module, "PACKAGE", "wordllama_not_installed_here")
    with pytest.raises(CheckArgError, match=r"style_like: the wordllama_not_installed_here package is not installed"):
        spec()
    with pytest.raises(embedding_module.EmbeddingUnavailable, match=r"pip install wordllama"):
        embedding_module.model_dir()


def test_thin_evidence_is_said() -> None:
    short = run_check(spec(), "Green. Go.")
    assert "thin evidence: a 2-word reply" in short.detail
    long = run_check(spec(), "No. Red is for recovery, so keep it easy in Z1 to Z2 and tell your coach today.")
    assert "a 16-word reply" not in long.detail and "-word reply" not in long.detail


def test_an_empty_reply_fails_with_a_reason() -> None:
    result = run_check(spec(), " \n ** ")
    assert not result.passed and not result.error
    assert result.detail == "no words to compare with the persona's references"


def test_a_1_mb_reply_is_read_only_in_part_and_says_so() -> None:
    run_check(spec(), "warm the model up")
    reply = "Certainly! I hope this helps. " * 35_000
    start = time.perf_counter()
    result = run_check(spec(), reply)
    elapsed = time.perf_counter() - start
    assert not result.passed and not result.error
    assert f"read the first {MAX_CHARS:,} of {len(reply):,} characters" in result.detail
    assert elapsed < 2.0, elapsed
    assert len(normalise(reply)) <= MAX_CHARS


def test_the_verdict_and_detail_are_deterministic() -> None:
    reply = "Claro! Aqui estão algumas dicas para o seu treino de hoje. Espero ter ajudado!"
    first = run_check(spec(), reply)
    assert all(run_check(spec(), reply) == first for _ in range(3))


def test_sentences_split_on_punctuation_and_lines() -> None:
    text = normalise("Sure! Here are some tips for you:\n1. **Rest** well tonight, really.\nمرحبا؟ Olá… Go.")
    assert sentences(text) == ["Sure! Here are some tips for you:", "Rest well tonight, really. مرحبا؟ Olá... Go."]


def test_importing_and_loading_the_check_imports_nothing_heavy() -> None:
    """numpy, tokenizers and safetensors come with the first run; no hub client ever."""
    code = (
        "import sys, json\n"
        "from pytest_persona.checks import CheckSpec, run_check\n"
        "spec = CheckSpec.parse({'style_like': ['Green. Go.']})\n"
        "heavy = ('numpy', 'tokenizers', 'safetensors', 'wordllama', 'huggingface_hub')\n"
        "before = [m for m in heavy if m in sys.modules]\n"
        "result = run_check(spec, 'Red. Rest today.')\n"
        "after = [m for m in heavy if m in sys.modules]\n"
        "print(json.dumps([before, after, result.error]))\n"
    )
    env = {"HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    before, after, error = json.loads(out.stdout.strip().splitlines()[-1])
    assert before == []
    assert error is False
    assert {"numpy", "tokenizers", "safetensors"} <= set(after)
    assert "wordllama" not in after and "huggingface_hub" not in after


def test_an_eval_set_gates_on_style_with_references_beside_it(pytester: pytest.Pytester) -> None:
    """The reference file is found relative to the eval set; the generic reply fails, naming its sentence."""
    (pytester.path / "voice.txt").write_text("\n".join(REFERENCES) + "\n", encoding="utf-8")
    (pytester.path / "persona.yaml").write_text(
        "evalset: coach\ndefaults:\n  checks:\n    - style_like: voice.txt\n"
        "cases:\n  - id: terse\n    prompt: Amber today?\n  - id: chatty\n    prompt: Amber today?\n",
        encoding="utf-8",
    )
    replies = {
        "terse": "Amber. Keep it at Z3 or below and tell your coach.",
        "chatty": "Great question! Here are some tips for an amber day. I hope this helps, feel free to ask more!",
    }
    (pytester.path / "replies.jsonl").write_text(
        "".join(json.dumps({"case": c, "output": o}) + "\n" for c, o in replies.items()), encoding="utf-8"
    )
    result = pytester.runpytest("persona.yaml", "--model", "replies.jsonl", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*chatty*", "*style_like*most generic of*"])


def test_an_eval_set_with_a_missing_reference_file_names_file_and_line(pytester: pytest.Pytester) -> None:
    (pytester.path / "persona.yaml").write_text(
        "evalset: coach\ncases:\n  - id: a\n    prompt: Hi\n    checks:\n      - style_like: nowhere.txt\n",
        encoding="utf-8",
    )
    (pytester.path / "replies.jsonl").write_text('{"case": "a", "output": "Hi."}\n', encoding="utf-8")
    result = pytester.runpytest("persona.yaml", "--model", "replies.jsonl", "-p", "no:cacheprovider")
    text = result.stdout.str() + result.stderr.str()
    assert result.ret != 0
    assert "persona.yaml:6" in text and "style_like `references`: no file" in text and "nowhere.txt" in text
    assert "Traceback" not in text
