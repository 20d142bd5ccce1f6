"""Decoding as deployed (``response_format``): eval-set errors, the cache key, and the real model
held to a GBNF grammar and to the LLMIntent JSON Schema, in-process and behind a real server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytest_persona.backends.base import ChatRequest, Constraint, GenParams
from pytest_persona.backends.caching import request_key
from pytest_persona.backends.checkpoint import Checkpoint
from pytest_persona.backends.embedded import embedded_model_path
from pytest_persona.checks import Message
from pytest_persona.core.evalset import EvalSetError, load_evalset

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "evalsets" / "schemas" / "llm_intent.json"


def write_evalset(folder: Path, response_format: str, case_extra: str = "") -> Path:
    path = folder / "rf.yaml"
    path.write_text(
        "evalset: rf\n"
        "defaults:\n"
        f"  response_format: {response_format}\n"
        "  checks: [json_valid]\n"
        "cases:\n"
        "  - {id: a, prompt: hi}\n"
        f"  - {{id: b, prompt: hi{case_extra}}}\n",
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(
    ("response_format", "files", "message"),
    [
        ("{schemaa: s.json}", {}, r"rf.yaml:3: defaults.response_format: give exactly one of \{schema"),
        ("{schema: s.json, grammar: g.gbnf}", {}, "give exactly one of"),
        ("{schema: missing.json}", {}, r"schema: file .*missing.json not found \(from 'missing.json'\)"),
        ("{schema: s.json}", {"s.json": "{not json"}, "schema: s.json is not valid JSON"),
        ("{schema: s.json}", {"s.json": "[1, 2]"}, "schema: s.json must be a JSON object"),
        ("{schema: s.json}", {"s.json": '{"type": 5}'}, "schema: s.json: invalid JSON Schema at"),
        ("{grammar: g.gbnf}", {"g.gbnf": "  \n"}, "grammar: g.gbnf is empty"),
        ("{grammar: ''}", {}, "grammar: a path to a GBNF file"),
        ("[schema]", {}, "defaults.response_format"),
    ],
)
def test_a_bad_response_format_names_the_file_line_and_key(
    tmp_path: Path, response_format: str, files: dict[str, str], message: str
) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    with pytest.raises(EvalSetError, match=message):
        load_evalset(write_evalset(tmp_path, response_format))


def test_a_case_can_decode_freely_and_the_default_is_read_once(tmp_path: Path) -> None:
    (tmp_path / "s.json").write_text(SCHEMA.read_text("utf-8"), encoding="utf-8")
    evalset = load_evalset(write_evalset(tmp_path, "{schema: s.json}", ", response_format: null"))
    first, second = evalset.cases
    assert first.params.constraint is not None and first.params.constraint.label == "json_schema s.json"
    assert json.loads(first.params.constraint.text) == json.loads(SCHEMA.read_text("utf-8"))
    assert second.params.constraint is None


def test_the_constraint_is_in_the_cache_key_and_free_keys_are_unchanged() -> None:
    messages = (Message("user", "hi"),)
    free = ChatRequest(messages, GenParams())
    schema = ChatRequest(messages, GenParams(constraint=Constraint("json_schema", '{"type": "object"}', "a.json")))
    other = ChatRequest(messages, GenParams(constraint=Constraint("json_schema", '{"type": "array"}', "a.json")))
    keys = {request_key("f", "llama_cpp", "v", r) for r in (free, schema, other)}
    assert len(keys) == 3  # the schema's content, not its file name, tells replies apart
    assert "constraint" not in free.params.as_dict()  # keys written before response_format still answer


def test_multi_type_nodes_become_one_branch_per_type_for_the_grammar_converter() -> None:
    from pytest_persona.backends.llama_cpp.constrained import split_type_unions

    schema = json.loads(SCHEMA.read_text("utf-8"))
    zone = split_type_unions(schema)["properties"]["zone"]
    assert zone == {"anyOf": [{"type": "string", "pattern": "^Z[1-8]$"}, {"type": "null", "pattern": "^Z[1-8]$"}]}
    assert split_type_unions({"enum": [{"type": ["a", "b"]}]}) == {"enum": [{"type": ["a", "b"]}]}  # data, not schema


@pytest.fixture(scope="module")
def backend():
    from pytest_persona.backends.llama_cpp.backend import LlamaCppBackend

    loaded = LlamaCppBackend(Checkpoint("smol", str(embedded_model_path()), "llama_cpp"))
    yield loaded
    loaded.close()


def ask(backend, prompt: str, constraint: Constraint | None, max_tokens: int = 64):
    request = ChatRequest((Message("user", prompt),), GenParams(max_tokens=max_tokens, constraint=constraint))
    return backend.generate([request])[0]


@pytest.mark.slow
def test_a_gbnf_grammar_holds_the_real_model_to_its_language(backend) -> None:
    grammar = Constraint("grammar", 'root ::= ("yes" | "no") "."', "yes-no.gbnf")
    reply = ask(backend, "Write a long poem about running in the rain.", grammar)
    assert reply.error is None and reply.text in ("yes.", "no."), reply
    free = ask(backend, "Write a long poem about running in the rain.", None, max_tokens=12)
    assert free.text not in ("yes.", "no.")


@pytest.mark.slow
def test_a_grammar_llama_cpp_cannot_build_fails_its_cases_naming_the_file(backend) -> None:
    remote = Constraint("json_schema", '{"type": "object", "properties": {"a": {"$ref": "other.json"}}}', "x.json")
    reply = ask(backend, "hi", remote)
    assert reply.text == "" and "response_format json_schema x.json: llama.cpp cannot build a grammar" in reply.error
    broken = ask(backend, "hi", Constraint("grammar", "root ::= (", "broken.gbnf"))
    assert "response_format grammar broken.gbnf" in broken.error


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


@pytest.mark.slow
def test_constrained_llm_intent_parses_on_the_untuned_model_and_content_still_fails(
    pytester: pytest.Pytester,
) -> None:
    """Every JSON case of the Josi eval set, decoded under its schema: every reply parses, and the
    content checks (the intent and readiness the case asks for) still fail where the content is wrong.

    max_tokens is 320, room for the longest reply the schema allows (a 600-character message): a
    grammar cannot make a reply cut off by max_tokens parse (at Josi's 160, two of the seven
    untuned replies looped inside their message until the budget ran out)."""
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
        "josi_json.yaml", "--model", "smollm2-135m", "--persona-cache", "off", "--persona-report", "r.json"
    )
    results = json.loads((pytester.path / "r.json").read_text("utf-8"))["results"]
    assert len(results) == 7 and all(r["error"] is None for r in results)
    assert all(r["decoding"] == "json_schema schemas/llm_intent.json" for r in results)
    verdicts = {r["case"]: {c["name"]: c["passed"] for c in r["checks"]} for r in results}
    assert all(v["json_valid"] for v in verdicts.values()), verdicts  # every reply parses
    assert all(v["json_schema"] for v in verdicts.values()), verdicts  # zone held to ^Z[1-8]$ too
    assert not all(v["json_fields"] for v in verdicts.values()), verdicts  # wrong content still fails


@pytest.mark.slow
def test_the_fast_greedy_grammar_path_gives_the_replies_of_llama_cpp_pythons_sampler_chain(backend) -> None:
    """Checking the best token first must not change a reply: same text, token count and finish."""
    schema = Constraint("json_schema", SCHEMA.read_text("utf-8"), "llm_intent.json")
    stop_at_message = Constraint("grammar", 'root ::= "The plan stays as it is. " [a-z ]+ "."', "plan.gbnf")
    asks = [
        ("Reply only with an LLMIntent JSON object explaining today's easy run.", schema, 80, ()),
        ("Can you move my long run to Sunday?", schema, 60, ()),
        ("Say why the plan stays.", stop_at_message, 24, ()),
        ("Give the LLMIntent JSON for a red readiness day.", schema, 60, ('"readiness"',)),
    ]
    replies = {}
    for fast in (True, False):
        backend.grammar_fast_path = fast
        requests = [
            ChatRequest((Message("user", p),), GenParams(max_tokens=n, constraint=c, stop=stop))
            for p, c, n, stop in asks
        ]
        replies[fast] = [(r.text, r.tokens, r.finish_reason, r.error) for r in backend.generate(requests)]
    backend.grammar_fast_path = True
    assert replies[True] == replies[False]
    assert all(error is None and text for text, _, _, error in replies[True]), replies[True]
    assert json.loads(replies[True][0][0]) if replies[True][0][2] == "stop" else True
    assert replies[True][3][2] == "stop" and '"readiness"' not in replies[True][3][0]  # cut at the stop string


@pytest.mark.slow
def test_free_decoding_ignores_the_response_format_and_says_so(pytester: pytest.Pytester) -> None:
    """--persona-decoding free: the same case decoded without its grammar, reported as free."""
    (pytester.path / "yes.gbnf").write_text('root ::= ("yes" | "no") "."\n', encoding="utf-8")
    (pytester.path / "rf.yaml").write_text(
        "evalset: rf\n"
        "defaults: {max_tokens: 12, response_format: {grammar: yes.gbnf}, checks: [{regex: '^(yes|no)\\.$'}]}\n"
        "cases:\n  - {id: poem, prompt: Write a long poem about running in the rain.}\n",
        encoding="utf-8",
    )
    outcomes = {}
    for mode in ("deployed", "free"):
        result = pytester.runpytest_subprocess(
            "rf.yaml", "--model", "smollm2-135m", "--persona-decoding", mode, "--persona-report", f"{mode}.json"
        )
        (outcomes[mode],) = json.loads((pytester.path / f"{mode}.json").read_text("utf-8"))["results"]
        assert result.ret == (0 if mode == "deployed" else 1)
    assert outcomes["deployed"]["passed"] and outcomes["deployed"]["decoding"] == "grammar yes.gbnf"
    assert not outcomes["free"]["passed"] and outcomes["free"]["decoding"] is None
    result = pytester.runpytest_subprocess("rf.yaml", "--model", "smollm2-135m", "--persona-decoding", "sometimes")
    assert result.ret == 4 and "sometimes" in result.stderr.str()


@pytest.mark.slow
def test_both_gates_the_deployed_decoding_and_reports_the_free_one_beside_it(pytester: pytest.Pytester) -> None:
    """--persona-decoding both: the verdict is decoding as deployed; every report pairs the free reply."""
    (pytester.path / "yes.gbnf").write_text('root ::= ("yes" | "no") "."\n', encoding="utf-8")
    (pytester.path / "rf.yaml").write_text(
        "evalset: rf\n"
        "defaults: {max_tokens: 12, response_format: {grammar: yes.gbnf}, checks: [{regex: '^(yes|no)\\.$'}]}\n"
        "cases:\n"
        "  - {id: poem, prompt: Write a long poem about running in the rain.}\n"
        "  - {id: plain, prompt: Say hi., response_format: null, checks: [{regex: '.'}]}\n",
        encoding="utf-8",
    )
    reports = ("--persona-report", "r.json", "--persona-report", "r.md", "--persona-report", "r.html")
    result = pytester.runpytest_subprocess("rf.yaml", "--model", "smollm2-135m", "--persona-decoding", "both", *reports)
    assert result.ret == 0  # the free reply fails its check, but it does not decide the release
    result.stdout.fnmatch_lines(
        [
            "*decoding on rf [[]smollm2-135m[]]: 1 of 1 constrained case(s) pass as deployed, 0 decoded freely; "
            "only under the constraint: poem*"
        ]  # fmt: skip
    )
    report = json.loads((pytester.path / "r.json").read_text("utf-8"))
    by_case = {r["case"]: r for r in report["results"]}
    assert by_case["poem"]["passed"] and by_case["poem"]["decoding"] == "grammar yes.gbnf"
    free = by_case["poem"]["free"]
    assert free["decoding"] is None and not free["passed"] and free["output"] not in ("yes.", "no.")
    assert by_case["plain"]["free"] is None  # a case decoded freely anyway has no twin
    assert report["decoding"] == [
        {
            "evalset": "rf",
            "checkpoint": "smollm2-135m",
            "cases": 1,
            "deployed_passed": 1,
            "free_passed": 0,
            "only_constrained": ["poem"],
            "only_free": [],
            "summary": report["decoding"][0]["summary"],
        }
    ]
    assert "| rf | smollm2-135m | 1 | 1 | 0 | poem |" in (pytester.path / "r.md").read_text("utf-8")
    assert 'id="decoding"' in (pytester.path / "r.html").read_text("utf-8")
