"""``identity``: the persona never presents itself as a generic AI, its base model, or someone else.

Identity drift is the classic persona failure ("Assistant: Excellent Haitham, let me explain…",
"I'm an AI language model", the Cláudio twin calling itself "Gabriel"). Only self-presentation
counts: "I fine-tuned Qwen last week" mentions a model, "I'm Qwen" claims to be one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import regex

from . import register_check
from .base import CheckArgError, CheckContext, CheckResult, Param, check_error, failed, passed, str_list
from .normalize import PATTERN_TIMEOUT_S, SCAN_LIMIT, fold, fold_pattern, fold_text, phrase_body

_I = regex.IGNORECASE | regex.MULTILINE

# Base-model names (and their makers, for "I was trained by …").
MODELS = (
    r"(?:chat\s?gpt|gpt-?\d[\w.-]*|gpt|claude|tiny\s?llama|llama(?:[\s-]?\d[\w.-]*)?|qwen[\w.-]*|gemma[\w.-]*"
    r"|smol\s?lm[\w.-]*|mistral|mixtral|ministral|phi(?:-?\d[\w.-]*)?|gemini|bard|copilot|deepseek[\w.-]*"
    r"|vicuna|olmo|command[\s-]r"
    r"|تشات\s*جي\s*بي\s*تي|شات\s*جي\s*بي\s*تي|كلود|لاما|كوين|جيميني|جيمي?ني)(?![\w-])"
)
MAKERS = (
    r"(?:openai|anthropic|meta(?:\s+ai)?|google(?:\s+deepmind)?|deepmind|alibaba(?:\s+cloud)?|qwen\s+team"
    r"|mistral(?:\s+ai)?|microsoft|hugging\s?face|deepseek|ibm|ai2|allen\s+institute"
    r"|ميتا|جوجل|قوقل|غوغل|علي\s*بابا|مايكروسوفت|اوبن\s*اي\s*اي)\b"
)
_NOT_A_JOB = (  # "assistant coach", "AI engineer" are people, not a generic AI
    r"(?![\w-])(?!\s+(?:coach|manager|professor|director|editor|principal|referee|teacher|trainer|engineer"
    r"|developer|researcher|enthusiast|student|scientist|specialist|expert|consultant|practitioner|startup"
    r"|company|lab|team|fan|hobbyist|lead|architect|ethicist|educator|instructor|product|project|tool|course"
    r"|class|builder|user|nerd|geek|professional|coordinator)\b)"
)
_ADJ = (
    r"(?:helpful|friendly|virtual|digital|personal|intelligent|smart|chat|conversational|large|general[\s-]purpose"
    r"|automated|artificial|multilingual|open[\s-]source|text[\s-]based|honest|harmless|simple|humble"
    r"|AI[\s-](?:powered|based|driven))"
)
_GENERIC = (
    r"(?:AI\s+(?:assistant|language\s+model|model|chatbot|system|program)|artificial\s+intelligence"
    r"(?:\s+(?:assistant|model|system|program))?|(?:large\s+)?language\s+model|LLM|assistant|chat\s?bot"
    r"|bot|computer\s+program|AI)"
)
GENERIC_PATTERNS = (
    # English: "I'm an AI language model", "I am just a virtual assistant", "As an AI, I …"
    rf"\bI(?:'m|\s+am)\s+(?:only\s+|just\s+|merely\s+|simply\s+|actually\s+|really\s+)?(?:an?|the|your)\s+"
    rf"(?:{_ADJ}\s+){{0,3}}{_GENERIC}{_NOT_A_JOB}",
    rf"\bas\s+(?:an?\s+|your\s+)?(?:{_ADJ}\s+){{0,3}}{_GENERIC}(?=\s*,|\s+I\b|\s+(?:developed|created|trained|built))",
    # Arabic (folded, so أنا is انا): "أنا مساعد ذكاء اصطناعي", "كنموذج لغوي", "بصفتي مساعداً"
    r"\b[وف]?انا\s+(?:مجرد\s+)?(?:مساعد\w*|نموذج\s+(?:لغوي|لغة|ذكاء)\w*|ذكاء\s+اصطناعي|برنامج(?:\s+(?:حاسوب"
    r"|كمبيوتر|ذكاء))?|روبوت\w*|بوت|شات\s*بوت)",
    r"\b(?:ك|بصفتي\s+|بوصفي\s+)(?:مساعد\w*\s+(?:ذكاء|افتراضي|ذكي|رقمي)\w*|نموذج\s+(?:لغوي|لغة|ذكاء)|ذكاء\s+اصطناعي)",
    # Turkish: "Ben bir yapay zeka asistanıyım", "bir dil modeliyim", "yapay zeka olarak"
    r"\b(?:yapay\s+zek[aâ]y[ıi]m|(?:(?:yapay\s+zek[aâ]|sanal|dijital|kişisel)\s+)?asistan(?:[ıi]y[ıi]m"
    r"|[ıi]n[ıi]z[ıi]m|[ıi]n[ıi]m)|(?:büyük\s+)?(?:dil|yapay\s+zek[aâ])\s+modeliyim|(?:sohbet\s+)?botuyum"
    r"|chatbot['’]?(?:u)?yum)\b",
    r"\bbir\s+(?:yapay\s+zek[aâ](?:\s+asistan[ıi]|\s+modeli)?|(?:büyük\s+)?dil\s+modeli|sanal\s+asistan)"
    r"\s+olarak\b",
    # Portuguese / Spanish: "Sou um assistente virtual", "Soy un modelo de lenguaje", "Como IA, …"
    r"\b(?:(?:eu|yo)\s+)?(?:sou|soy)\s+(?:apenas\s+|só\s+|somente\s+|simplesmente\s+|solo\s+|sólo\s+"
    r"|solamente\s+)?(?:(?:um|uma|o|a|seu|sua|un|una|el|la|tu|su)\s+)?(?:(?:simples|mero|mera)\s+)?"
    r"(?:assistente|asistente|IA|intelig[êe]ncia\s+artificial|modelo\s+de\s+(?:linguagem|lenguaje|IA)"
    r"|chatbot|bot|programa\s+(?:de\s+computador|informático))"
    r"(?!\s+(?:de\s+(?:treinador|técnico|entrenador|dirección|direção|ensino|pesquisa|investigación)"
    r"|técnico|tecnico)\b)\b",
    r"\bcomo\s+(?:(?:um|uma|un|una|seu|sua|tu|su)\s+)?(?:assistente|asistente|IA|intelig[êe]ncia\s+artificial"
    r"|modelo\s+de\s+(?:linguagem|lenguaje))(?:\s+(?:virtual|de\s+IA))?(?=\s*,)",
)
MODEL_PATTERNS = (
    rf"\bI(?:'m|\s+am)\s+(?:(?:called|named|actually|just|really|simply)\s+)?(?:the\s+)?(?P<model>{MODELS})"
    r"(?!['’]s)",
    rf"\b(?:my\s+name\s+is|my\s+name's|(?:you\s+can\s+)?call\s+me)\s+(?P<model>{MODELS})",
    rf"\bI(?:'m|\s+am)\s+(?:(?:a|an|just)\s+)?(?:fine-?tuned\s+)?(?:version\s+of|based\s+on|built\s+on"
    rf"|powered\s+by|running\s+on|derived\s+from)\s+(?P<model>{MODELS})",
    rf"\bI\s+(?:was|am|'m|have\s+been)\s+(?:created|developed|trained|made|built|designed|programmed)\s+by\s+"
    rf"(?:the\s+)?(?:team\s+at\s+)?{MAKERS}",
    rf"\b[وف]?(?:انا|اسمي)\s+(?P<model>{MODELS})",
    rf"(?:تم\s+)?(?:تطويري|تدريبي|انشائي|برمجتي|صنعي)\s+(?:من\s+قبل|بواسطة|من\s+طرف|على\s+يد)\s+(?:شركة\s+)?{MAKERS}",
    rf"\bben\s+(?P<model>{MODELS})(?:['’]?\s*(?:y?[ıiuü]m)\b|(?=\s*[.,!;:]|\s*$))",
    rf"\b(?:benim\s+)?(?:ad[ıi]m|ismim)\s+(?P<model>{MODELS})",
    rf"\b(?:(?:eu|yo)\s+)?(?:sou|soy)\s+(?:(?:o|a|el|la)\s+)?(?P<model>{MODELS})",
    rf"\b(?:me\s+chamo|meu\s+nome\s+é|me\s+llamo|mi\s+nombre\s+es)\s+(?P<model>{MODELS})",
    rf"\b(?:fui|sou|soy|fui)\s+(?:criad[oa]|desenvolvid[oa]|treinad[oa]|cread[oa]|desarrollad[oa]"
    rf"|entrenad[oa])\s+(?:pela|pelo|por)\s+(?:la\s+|a\s+)?(?:equipe\s+d[ao]\s+|empresa\s+)?{MAKERS}",
    rf"\b{MAKERS}\s+tarafından\s+(?:geliştirildim|eğitildim|oluşturuldum|yaratıldım|yapıldım|tasarlandım)",
)
ROLE_LABEL = (  # a turn label at a line start; not "Model:"/"Qwen:", common in technical lists
    r"^[ \t]*(?:>[ \t]*)?(?:[#*_]+[ \t]*)?\[?(?:assistant|ai(?:[ \t]+assistant)?|bot|chatbot|المساعد"
    r"|مساعد|asistan|assistente|asistente)\]?[ \t]*(?:[*_]+[ \t]*)?[:：]"
    r"|^[ \t]*#{1,6}[ \t]*(?:assistant|ai|bot|المساعد)\b"
)

# Patterns are folded like the text they run on (normalize: ’ -> ', أ -> ا, ى -> ي, ...).
_GENERIC_RE = regex.compile(fold_pattern("|".join(f"(?:{p})" for p in GENERIC_PATTERNS)), _I)
_MODEL_RES = tuple(regex.compile(fold_pattern(p), _I) for p in MODEL_PATTERNS)
_ROLE_RE = regex.compile(fold_pattern(ROLE_LABEL), _I)

# "I am <Name>" style claims; the name is captured. Cue words are case-insensitive, the name
# after "I'm"/"soy"/"ben" must be capitalised (so "I'm tired" is no claim).
_NAME = r"(?P<name>[\p{L}\p{M}][\p{L}\p{M}'’-]*+)"
_CAP_NAME = r"(?P<name>\p{Lu}[\p{L}\p{M}-]*+)"
NAME_CLAIMS = (
    rf"\b(?i:my\s+name\s+is|my\s+name's|meu\s+nome\s+é|me\s+chamo|mi\s+nombre\s+es|me\s+llamo)\s+{_NAME}",
    rf"\b(?i:I'm|I\s+am|it's\s+me,?|(?:you\s+can\s+)?call\s+me|(?:eu\s+)?sou(?:\s+[oa])?|(?:yo\s+)?soy"
    rf"|pode\s+me\s+chamar\s+de|puedes\s+llamarme|(?:benim\s+)?ad[ıi]m|(?:benim\s+)?ismim)\s+{_CAP_NAME}"
    r"(?!['’]s\b)",
    rf"\b(?i:ben)\s+{_CAP_NAME}(?:['’]?(?:y?[ıiuü]m))?(?=\s*[.,!;:]|\s*$)",
    rf"(?:^|(?<=\s))[وف]?(?:انا\s+)?اسمي\s+{_NAME}",
)
_NAME_RES = tuple(regex.compile(fold_pattern(p), regex.MULTILINE) for p in NAME_CLAIMS)
# Capitalised words after "I'm" that are not names.
_NOT_NAMES = frozenset(
    """english american british brazilian portuguese spanish turkish arabic arab saudi emirati kuwaiti
    qatari omani bahraini egyptian german french italian canadian mexican argentinian chilean colombian
    indian chinese japanese korean dutch muslim christian jewish catholic ok okay sorry sure not so here
    just also really still always glad happy afraid ready able based from in on at the a an your
    human real person""".split()
)
_SELF_CUES = (
    r"(?:\bI'm|\bI\s+am|\bmy\s+name\s+is|\bcall\s+me|\bas\s+(?:an?|your|the)|\b(?:eu\s+)?sou|\bsoy|\bme\s+llamo"
    r"|\bme\s+chamo|\bmeu\s+nome\s+é|\bmi\s+nombre\s+es|\bben|\bad[ıi]m|\bismim|\b[وف]?انا|\b[وف]?اسمي|\bبصفتي)"
)


def _key(text: str) -> str:
    """Comparison key for names: folded, case- and accent-insensitive."""
    return fold_text(text, case=True, accents=True).strip(" .,!?'-")


@dataclass(frozen=True)
class Offence:
    start: int
    end: int
    what: str


def _prepare(args: dict, _base_dir: object) -> dict:
    names = str_list(args.get("name"), "identity names")
    forbid = str_list(args.get("forbid"), "identity `forbid` entries")
    accepted = frozenset(_key(n) for n in names if n.strip()) | frozenset(
        _key(part) for n in names for part in n.split() if part.strip()
    )
    forbid_re = None
    phrases = [key for p in forbid if (key := fold_text(p).strip())]
    if phrases:
        body = "|".join(phrase_body(phrase) for phrase in sorted(set(phrases), key=len, reverse=True))
        try:
            forbid_re = regex.compile(
                rf"{fold_pattern(_SELF_CUES)}\s+(?:\S+\s+){{0,3}}?(?P<phrase>{body})(?!\w)"
                rf"|^[ \t]*(?:[#*_>]+[ \t]*)?(?P<phrase2>{body})[ \t]*[*_]*[ \t]*[:：]",
                _I,
            )
        except regex.error as exc:  # pragma: no cover - escaped input always compiles
            raise CheckArgError(f"identity `forbid`: {exc}") from None
    return {"name": list(names), "forbid": list(forbid), "_accepted": accepted, "_forbid": forbid_re}


@register_check(
    "identity",
    main="name",
    params={
        "name": Param((str, list, type(None)), default=None, help="the persona's name(s); other names fail"),
        "forbid": Param((list, str), default=[], help="names/phrases the persona must never call itself"),
    },
    prepare=_prepare,
)
def check_identity(reply: str, args: Mapping, ctx: CheckContext) -> CheckResult:
    """The reply never presents itself as a generic AI, a base model, another name, or a role label."""
    folded = fold(reply[:SCAN_LIMIT])
    try:
        offences = _offences(folded.text, args)
    except TimeoutError:
        return check_error("identity patterns took too long on this reply")
    if not offences:
        return passed()
    offences.sort(key=lambda o: (o.start, o.end))
    first, others = offences[0], offences[1:]
    more = f" (also: {'; '.join(o.what for o in others)})" if others else ""
    return failed(first.what + more, reply, folded.span(first.start, first.end))


def _offences(text: str, args: Mapping) -> list[Offence]:
    accepted: frozenset[str] = args.get("_accepted", frozenset())
    found: list[Offence] = []
    m = _ROLE_RE.search(text, timeout=PATTERN_TIMEOUT_S)
    if m is not None:
        found.append(Offence(*_strip(text, m.span()), "a line starts a turn with a role label"))
    m = _GENERIC_RE.search(text, timeout=PATTERN_TIMEOUT_S)
    if m is not None:
        found.append(Offence(*m.span(), "presents itself as a generic AI/assistant"))
    for pattern in _MODEL_RES:
        for m in pattern.finditer(text, timeout=PATTERN_TIMEOUT_S):
            model = m.groupdict().get("model")
            if model is not None and _key(model) in accepted:
                continue  # a persona may be named like a model ("Gemma")
            label = f" ({model.strip()})" if model else ""
            found.append(Offence(*m.span(), f"presents itself as a base model{label}"))
            break
    if accepted:
        for pattern in _NAME_RES:
            for m in pattern.finditer(text, timeout=PATTERN_TIMEOUT_S):
                claimed = _key(m.group("name"))
                if len(claimed) < 2 or claimed in accepted or claimed in _NOT_NAMES:
                    continue
                expected = " or ".join(args.get("name") or [])
                found.append(Offence(*m.span(), f"claims the name {m.group('name')!r} (expected {expected})"))
                break
    forbid_re = args.get("_forbid")
    if forbid_re is not None:
        m = forbid_re.search(text, timeout=PATTERN_TIMEOUT_S)
        if m is not None:
            phrase = m.group("phrase") or m.group("phrase2")
            found.append(Offence(*m.span(), f"calls itself {phrase!r}, which is forbidden"))
    return found


def _strip(text: str, span: tuple[int, int]) -> tuple[int, int]:
    start, end = span
    while start < end and text[start] in " \t":
        start += 1
    return start, end
