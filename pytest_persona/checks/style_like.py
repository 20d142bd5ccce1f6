"""``style_like``: does the reply sound like the persona's reference replies, not a generic assistant?

The reply, the persona's ``references`` and the ``generic`` assistant replies are embedded with
wordllama's in-wheel 256-d model (``embedding``). The reply is read sentence by sentence: each
sentence's lead is its cosine to the nearest reference minus its cosine to the nearest generic
reply, and the reply's lead is that of its most generic sentence ("Certainly!", "I hope this
helps!"), so on-topic content in a generic voice does not carry the reply. It passes when that
lead is at least ``margin``. Surface form is read away first (NFKC, quotes, markdown emphasis,
spacing) and only the first ``MAX_CHARS`` characters (at most ``MAX_SENTENCES`` sentences) are
read, so a 1 MB reply costs what a long one does. A reply of at most ``THIN_WORDS`` words, or a
lead within ``CLOSE`` of the margin, is reported as thin evidence.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import regex

from . import register_check
from .base import CheckArgError, CheckContext, CheckResult, Param, failed, passed, str_list
from .embedding import MODEL_NAME, EmbeddingUnavailable, embed, model_dir
from .normalize import fold_text, unemphasize

MAX_CHARS = 2000  # characters of the (normalised) reply that are read
MAX_SENTENCES = 50  # sentences of the reply that are compared
MIN_SENTENCE_WORDS = 5  # a shorter sentence is read with the next one
MAX_REFERENCES = 5000  # texts per side
# Tuned on the dev split of the validity corpus (benchmarks/validity/corpora/style_like.jsonl):
# dev accuracy 0.884-0.895 for every margin from -0.05 to 0.00 (this one: the middle); a terse
# persona sentence sits a little nearer the generic set than a long reference does.
DEFAULT_MARGIN = -0.02
THIN_WORDS = 3
CLOSE = 0.03
_WORD = regex.compile(r"\w+")
_SPACE = regex.compile(r"[^\S\n]+")
_SENTENCE = regex.compile(r"[^.!?؟…\n]+[.!?؟…]*")
_LETTERS = regex.compile(r"\p{L}{2}")

# What a generic assistant sounds like, in the five languages of the shipped eval sets.
GENERIC: tuple[str, ...] = (
    "As an AI language model, I don't have personal opinions, but I can provide some general information.",
    "Certainly! Here are some tips that can help you:\n\n1. Start slowly.\n2. Stay consistent.\n3. Ask a professional.",
    "Great question! There are several factors to consider. Let me break it down for you step by step.",
    "I'd be happy to help! Here's a comprehensive overview of the topic, with the key points summarised.",
    "I hope this helps! If you have any other questions, feel free to ask. I'm always here to help.",
    "I'm sorry, but I'm not able to do that. Is there anything else I can help you with today?",
    "It's important to remember that everyone is different, so it's always best to consult a qualified expert.",
    "Hello! I'm an AI assistant designed to help you with a wide range of tasks. How can I assist you today?",
    "Como modelo de linguagem de IA, não tenho opiniões pessoais, mas posso fornecer algumas informações gerais.",
    "Claro! Aqui estão algumas dicas que podem ajudar você:\n\n1. Comece devagar.\n2. Seja consistente.",
    "Ótima pergunta! Existem vários fatores a considerar. Vou explicar passo a passo.",
    "Espero ter ajudado! Se tiver mais alguma dúvida, fique à vontade para perguntar.",
    "Como modelo de lenguaje de IA, no tengo opiniones personales, pero puedo ofrecerte información general.",
    "¡Por supuesto! Aquí tienes algunos consejos que pueden ayudarte:\n\n1. Empieza despacio.\n2. Sé constante.",
    "¡Excelente pregunta! Hay varios factores a tener en cuenta. Te lo explico paso a paso.",
    "¡Espero que esto te sea útil! Si tienes alguna otra pregunta, no dudes en consultarme.",
    "Bir yapay zeka dil modeli olarak kişisel görüşlerim yok, ancak bazı genel bilgiler verebilirim.",
    "Elbette! İşte size yardımcı olabilecek bazı ipuçları:\n\n1. Yavaş başlayın.\n2. Tutarlı olun.",
    "Harika bir soru! Dikkate alınması gereken birkaç faktör var. Adım adım açıklayayım.",
    "Umarım bu yardımcı olur! Başka sorularınız varsa sormaktan çekinmeyin.",
    "بصفتي نموذج ذكاء اصطناعي، ليست لدي آراء شخصية، لكن يمكنني تقديم بعض المعلومات العامة.",
    "بالتأكيد! إليك بعض النصائح التي يمكن أن تساعدك:\n\n1. ابدأ ببطء.\n2. حافظ على الاستمرارية.",
    "سؤال رائع! هناك عدة عوامل يجب مراعاتها. دعني أشرح لك خطوة بخطوة.",
    "آمل أن يكون هذا مفيدًا! إذا كان لديك أي أسئلة أخرى، فلا تتردد في طرحها.",
)


def read_texts(value: Any, base_dir: Path | None, what: str) -> tuple[str, ...]:
    """A list of replies, or a file of them (relative to the eval set): ``.jsonl`` chat records
    (their assistant turns; JSON-object replies are skipped) or JSON strings, else one reply a
    line (``#`` lines and blank lines skipped)."""
    if isinstance(value, str):
        path = Path(value)
        if not path.is_absolute() and base_dir is not None:
            path = base_dir / path
        if not path.is_file():
            raise CheckArgError(f"style_like `{what}`: no file {str(path)!r}")
        texts = _texts_of_jsonl(path, what) if path.suffix == ".jsonl" else _texts_of_lines(path)
    else:
        texts = str_list(value, f"style_like `{what}` entries")
    texts = tuple(t for t in texts if t.strip())
    if not texts:
        raise CheckArgError(f"style_like `{what}` holds no reply")
    if len(texts) > MAX_REFERENCES:
        raise CheckArgError(f"style_like `{what}` holds {len(texts)} replies; at most {MAX_REFERENCES}")
    return texts


def _texts_of_lines(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def _texts_of_jsonl(path: Path, what: str) -> list[str]:
    out = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise CheckArgError(f"style_like `{what}`: {path}:{lineno}: not JSON ({exc.msg})") from None
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, dict) and isinstance(item.get("messages"), list):
            for message in item["messages"]:
                content = message.get("content") if isinstance(message, dict) else None
                if message.get("role") == "assistant" and isinstance(content, str) and not _is_json_object(content):
                    out.append(content)
        else:
            raise CheckArgError(f"style_like `{what}`: {path}:{lineno}: expected a string or {{messages: [...]}}")
    return out


def _is_json_object(text: str) -> bool:
    text = text.strip()
    if not text.startswith("{"):
        return False
    try:
        return isinstance(json.loads(text), dict)
    except json.JSONDecodeError:
        return False


def _prepare(args: dict[str, Any], base_dir: Path | None) -> dict[str, Any]:
    margin = args["margin"]
    if not -1.0 <= margin <= 1.0:
        raise CheckArgError(f"style_like `margin` must be between -1 and 1, got {margin}")
    try:
        model_dir()
    except EmbeddingUnavailable as exc:
        raise CheckArgError(f"style_like: {exc}") from None
    generic = GENERIC if args["generic"] is None else read_texts(args["generic"], base_dir, "generic")
    return {
        "references": tuple(normalise(t) for t in read_texts(args["references"], base_dir, "references")),
        "generic": tuple(normalise(t) for t in generic),
        "margin": float(margin),
    }


def normalise(text: str) -> str:
    """What is embedded: emphasis, quotes, Unicode forms and spacing read away, at most MAX_CHARS."""
    folded = fold_text(without_emphasis(text[: 4 * MAX_CHARS]))
    lines = (_SPACE.sub(" ", line).strip() for line in folded.split("\n"))
    return "\n".join(line for line in lines if line)[:MAX_CHARS]


def without_emphasis(text: str) -> str:
    """``text`` with markdown emphasis markers deleted ("**Rest**." reads "Rest.", not "Rest .")."""
    marked = unemphasize(text)
    if marked is text:
        return text
    return "".join(c for c, m in zip(text, marked, strict=True) if not (m == " " and c in "*_"))


def sentences(text: str) -> list[str]:
    """The sentences (and list lines) of a normalised text that hold a word of two letters; one
    of fewer than ``MIN_SENTENCE_WORDS`` words is read with the next ("Amber today. Keep it easy.")."""
    out: list[str] = []
    carry = ""
    for found in _SENTENCE.findall(text):
        if not _LETTERS.search(found):
            continue
        current = f"{carry} {found.strip()}" if carry else found.strip()
        if len(_WORD.findall(current)) < MIN_SENTENCE_WORDS:
            carry = current
            continue
        out.append(current)
        carry = ""
        if len(out) == MAX_SENTENCES:
            return out
    if carry:
        if out:
            out[-1] = f"{out[-1]} {carry}"
        else:
            out.append(carry)
    return out or [text]


@functools.lru_cache(maxsize=32)
def _reference_vectors(texts: tuple[str, ...]) -> Any:
    """Each reference set is embedded once per process."""
    return embed(list(texts))


def _nearest(vectors: Any, texts: tuple[str, ...]) -> Any:
    """Each row's cosine to its nearest text."""
    return (vectors @ _reference_vectors(texts).T).max(axis=1)


@register_check(
    "style_like",
    main="references",
    params={
        "references": Param(
            (list, str), required=True, help="the persona's replies: a list, or a file relative to the eval set"
        ),
        "generic": Param((list, str, type(None)), help="generic-assistant replies (default: a shipped set)"),
        "margin": Param((int, float), DEFAULT_MARGIN, help="how far ahead the persona side must be"),
    },
    prepare=_prepare,
)
def check_style_like(reply: str, args: Mapping, ctx: CheckContext) -> CheckResult:
    """Every sentence nearer the persona's `references` than generic-assistant replies, by `margin` (wordllama)."""
    text = normalise(reply)
    words = len(_WORD.findall(text))
    if not words:
        return failed("no words to compare with the persona's references")
    parts = sentences(text)
    vectors = embed(parts)
    persona = _nearest(vectors, args["references"])
    generic = _nearest(vectors, args["generic"])
    leads = persona - generic
    worst = int(leads.argmin())
    lead = float(leads[worst])
    ok = lead >= args["margin"]
    shown = parts[worst] if len(parts[worst]) <= 80 else parts[worst][:77] + "..."
    which = "the reply" if len(parts) == 1 else f"most generic of {len(parts)} sentences {shown!r}"
    detail = (
        f"{which}: persona {float(persona[worst]):.3f} vs generic {float(generic[worst]):.3f}, "
        f"lead {lead:+.3f}, needs {args['margin']:+.3f}"
    )
    notes = []
    if words <= THIN_WORDS:
        notes.append(f"a {words}-word reply")
    if abs(lead - args["margin"]) < CLOSE:
        notes.append(f"within {CLOSE} of the margin")
    if notes:
        detail += f"; thin evidence: {', '.join(notes)}"
    if len(reply) > MAX_CHARS:
        detail += f"; read the first {MAX_CHARS:,} of {len(reply):,} characters"
    detail += f" ({MODEL_NAME})"
    return passed(detail) if ok else failed(detail)
