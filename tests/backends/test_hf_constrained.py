"""Decoding as deployed on transformers and PEFT: the real SmolLM2 weights held to the LLMIntent
schema and to GBNF grammars through llguidance, batched, cached apart, and refused clearly."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from pytest_persona.backends import Checkpoint
from pytest_persona.backends.base import ChatRequest, Constraint, GenParams
from pytest_persona.backends.transformers import TransformersBackend
from pytest_persona.checks import Message

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "evalsets" / "schemas" / "llm_intent.json"
YES_NO = Constraint("grammar", 'root ::= ("yes" | "no") "."', "yes-no.gbnf")
POEM = "Write a long poem about running in the rain."


@pytest.fixture(scope="module")
def hf(hf_checkpoint: Path):
    loaded = TransformersBackend(Checkpoint("fp16", str(hf_checkpoint), "transformers"))
    yield loaded
    loaded.close()


def ask(backend, prompts: list[str], constraint: Constraint | None, max_tokens: int = 64, **params):
    requests = [
        ChatRequest((Message("user", p),), GenParams(max_tokens=max_tokens, constraint=constraint, **params))
        for p in prompts
    ]
    return backend.generate(requests)


def test_a_gbnf_grammar_holds_the_hf_model_to_its_language(hf) -> None:
    (reply,) = ask(hf, [POEM], YES_NO)
    assert reply.error is None and reply.text in ("yes.", "no."), reply
    assert reply.finish_reason == "stop"
    (free,) = ask(hf, [POEM], None, max_tokens=12)
    assert free.error is None and free.text not in ("yes.", "no.")


def test_constrained_rows_batch_together_and_greedy_stays_deterministic(hf) -> None:
    """Two schema-held prompts in one batch (a matcher per row), twice: the same replies, and each
    one the model ends parses and validates (an untuned reply may loop in its message to max_tokens)."""
    schema = Constraint("json_schema", SCHEMA.read_text("utf-8"), "llm_intent.json")
    prompts = [
        "Reply only with an LLMIntent JSON object explaining today's easy run.",
        "Give the LLMIntent JSON for a red readiness day.",
    ]
    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text("utf-8")))
    first = ask(hf, prompts, schema, max_tokens=100)
    assert all(r.error is None and r.text.startswith("{") for r in first), first
    ended = [r for r in first if r.finish_reason == "stop"]
    assert ended, first
    for reply in ended:
        validator.validate(json.loads(reply.text))
    again = ask(hf, prompts, schema, max_tokens=100)
    assert [r.text for r in again] == [r.text for r in first]


def test_sampling_under_a_grammar_stays_in_it_and_follows_the_seed(hf) -> None:
    counting = Constraint("grammar", 'root ::= [1-9] [0-9]? " laps"', "laps.gbnf")
    replies = [ask(hf, ["How many laps should I run?"], counting, temperature=1.0, seed=s)[0] for s in (1, 2, 1)]
    for reply in replies:
        assert reply.error is None and reply.text.endswith(" laps") and reply.text[0].isdigit(), reply
    assert replies[0].text == replies[2].text


def test_a_constraint_llguidance_cannot_build_fails_its_case_naming_the_file(hf) -> None:
    broken = ask(hf, ["hi"], Constraint("grammar", "root ::= (", "broken.gbnf"))[0]
    assert broken.text == "" and "response_format grammar broken.gbnf: llguidance cannot build" in broken.error
    conditional = Constraint(
        "json_schema", json.dumps({"type": "object", "if": {"required": ["a"]}, "then": {"required": ["b"]}}), "c.json"
    )
    (reply,) = ask(hf, ["hi"], conditional)
    assert "response_format json_schema c.json" in reply.error and '"if"' in reply.error, reply.error
    (free,) = ask(hf, ["hi"], None, max_tokens=4)
    assert free.error is None  # a refused constraint does not break the checkpoint's other requests


def test_the_peft_adapter_decodes_under_the_grammar_too(lora_adapter: Path) -> None:
    from pytest_persona.backends.peft import PeftBackend

    adapter = PeftBackend(Checkpoint("lora", str(lora_adapter), "peft"))
    try:
        (reply,) = ask(adapter, [POEM], YES_NO)
    finally:
        adapter.close()
    assert reply.error is None and reply.text in ("yes.", "no."), reply


JOSI_JSON = """\
evalset: josi-json-as-deployed
system: >
  You are Josi, a warm and direct running coach. You never change the training plan.
defaults:
  max_tokens: 320
  response_format: {schema: schemas/llm_intent.json}
  checks: [json_valid, {json_schema: schemas/llm_intent.json}]
gate: {min_pass_rate: 0.0}
cases:
"""


def test_constrained_llm_intent_parses_on_the_untuned_hf_model_and_content_still_fails(
    pytester: pytest.Pytester, hf_checkpoint: Path
) -> None:
    """The seven Josi JSON cases on the fp16 HF weights, decoded under LLMIntent: every reply
    parses and validates, and the content checks still fail where the content is wrong."""
    import yaml

    josi = yaml.safe_load((ROOT / "evalsets" / "josi.yaml").read_text("utf-8"))
    cases = [c for c in josi["cases"] if "json" in (c.get("tags") or [])]
    assert len(cases) == 7
    lines = [JOSI_JSON]
    for case in cases:
        fields = next(c["json_fields"] for c in case["checks"] if isinstance(c, dict) and "json_fields" in c)
        entry = {"id": case["id"], "prompt": case["prompt"], "checks": [{"json_fields": fields}]}
        if case.get("context"):
            entry["context"] = case["context"]
        lines.append("  - " + json.dumps(entry, ensure_ascii=False) + "\n")
    (pytester.path / "schemas").mkdir()
    (pytester.path / "schemas" / "llm_intent.json").write_text(SCHEMA.read_text("utf-8"), encoding="utf-8")
    (pytester.path / "josi_json.yaml").write_text("".join(lines), encoding="utf-8")
    pytester.runpytest_subprocess(
        "josi_json.yaml", "--model", f"fp16={hf_checkpoint}", "--persona-cache", "off", "--persona-report", "r.json"
    )
    results = json.loads((pytester.path / "r.json").read_text("utf-8"))["results"]
    assert len(results) == 7 and all(r["error"] is None for r in results), results
    assert all(r["decoding"] == "json_schema schemas/llm_intent.json" for r in results)
    verdicts = {r["case"]: {c["name"]: c["passed"] for c in r["checks"]} for r in results}
    assert all(v["json_valid"] for v in verdicts.values()), verdicts  # every reply parses
    assert all(v["json_schema"] for v in verdicts.values()), verdicts  # zone held to ^Z[1-8]$ too
    assert not all(v["json_fields"] for v in verdicts.values()), verdicts  # wrong content still fails


def test_another_constraint_is_another_cache_entry(pytester: pytest.Pytester, hf_checkpoint: Path) -> None:
    """Same case, same weights: a changed grammar file is generated afresh, an unchanged one is cached."""
    grammar = pytester.path / "answer.gbnf"
    (pytester.path / "rf.yaml").write_text(
        "evalset: rf\n"
        "defaults: {max_tokens: 12, response_format: {grammar: answer.gbnf}, checks: [{regex: '\\.$'}]}\n"
        f"cases:\n  - {{id: poem, prompt: {POEM}}}\n",
        encoding="utf-8",
    )
    pytester.makeini("[pytest]\npersona_cache_dir = cache\n")

    def run() -> dict:
        pytester.runpytest_subprocess("rf.yaml", "--model", f"fp16={hf_checkpoint}", "--persona-report", "r.json")
        (result,) = json.loads((pytester.path / "r.json").read_text("utf-8"))["results"]
        return result

    grammar.write_text('root ::= ("yes" | "no") "."\n', encoding="utf-8")
    yes_no = run()
    grammar.write_text('root ::= "maybe."\n', encoding="utf-8")
    maybe = run()
    again = run()
    assert yes_no["output"] in ("yes.", "no.") and not yes_no["cached"]
    assert maybe["output"] == "maybe." and not maybe["cached"]  # not the yes/no reply from the cache
    assert again["output"] == "maybe." and again["cached"]
