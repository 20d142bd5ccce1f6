"""``identity``: the persona never presents itself as a generic AI, its base model, or someone else.

Identity drift is the classic persona failure ("Assistant: Excellent Haitham, let me explain…",
"I'm an AI language model", the Cláudio twin calling itself "Gabriel"). Only self-presentation
counts: "I fine-tuned Qwen last week" mentions a model, "I'm Qwen" claims to be one.

A claim denied right before its verb ("Não sou o Claude", "No soy un asistente", "ما أنا ChatGPT")
is no claim, unless it is the "nothing but" form ("ما أنا إلا مساعد"); an answer particle with a
comma ("No, I'm ChatGPT") denies nothing. A bare answer that opens a sentence ("Yep, just a bot.")
and a greeting introduction ("Hi, this is Qwen.", "Claude here.") are self-presentation. A role
word opening a line of a "Label: value" list ("Head coach: Ana" / "Assistant: Marco") is a list
entry, not a turn label; beside "User:" lines it is a turn label.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import regex

from . import register_check
from .base import CheckArgError, CheckContext, CheckResult, Param, check_error, failed, passed, str_list
from .normalize import PATTERN_TIMEOUT_S, SCAN_LIMIT, fold, fold_pattern, fold_text, phrase_body, unemphasize

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
    # a bare answer that opens a sentence: "Yep, just a bot.", "Only an AI, sorry."
    rf"(?:^|(?<=[.!?]\s{{0,3}})|(?<=^[ \t]*(?:yes|yep|yeah|yup|sure|honestly|well|nope,?\s+just)[,!.]?\s{{1,3}}))"
    rf"(?:just|only|merely|simply)\s+(?:an?\s+)?(?:{_ADJ}\s+){{0,3}}{_GENERIC}{_NOT_A_JOB}",
    r"(?:^|(?<=[.!?]\s{0,3})|(?<=^[ \t]*(?:s[ií]|sim|claro)[,!.]?\s{1,3}))(?:solo|sólo|só|apenas|somente|solamente)"
    r"\s+(?:un|um|uma|una)\s+(?:bot|chatbot|asistente|assistente|IA|programa)\b",
    # Arabic (folded, so أنا is انا): "أنا مساعد ذكاء اصطناعي", "كنموذج لغوي", "بصفتي مساعداً"
    r"\b[وف]?انا\s+(?:مجرد\s+|الا\s+|غير\s+)?(?:مساعد\w*|نموذج\s+(?:لغوي|لغة|ذكاء)\w*|ذكاء\s+اصطناعي|برنامج(?:\s+(?:حاسوب"
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
    rf"(?<=\b(?:hi|hello|hey|hiya)[,!]?\s{{1,3}})this\s+is\s+(?P<model>{MODELS})(?=\s*[.,!;:—-]|\s*$)",
    rf"(?:^|(?<=[.!?]\s{{0,3}})|(?<=\b(?:hi|hello|hey)[,!]?\s{{1,3}}))(?P<model>{MODELS})\s+here\b(?=\s*[.,!;:—-]|\s*$)",
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
    folded = fold(unemphasize(reply[:SCAN_LIMIT]))  # **I'm** an AI is I'm an AI (same length: spans hold)
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


# A claim denied right before its verb ("Não sou o Claude", "No soy un asistente", "ما أنا ChatGPT",
# "لست مساعداً") is no claim; "ما أنا إلا مساعد" ("I am nothing but an assistant") still is.
_NEGATED_BEFORE_RE = regex.compile(
    fold_pattern(r"(?:\b(?:não|nao|no|nunca|jamás|jamais|ما|مو|مب|مش|لست)\s+(?:(?:eu|yo)\s+)?)\Z"), _I
)
_BUT_AFTER_RE = regex.compile(fold_pattern(r"\A[^.!?؟\n]{0,60}?\b(?:الا|غير|más\s+que|mais\s+(?:do\s+)?que)\b"), _I)
# A "Label: value" line of a list ("Head coach: Ana"); chat roles do not count as list labels.
_LIST_LINE_RE = regex.compile(r"^[ \t]*(?:[-*•][ \t]*)?(?P<label>[\p{L}][\p{L} '’-]{0,30}?)[ \t]*[:：][ \t]*\S", _I)
_CHAT_ROLES = frozenset(
    "user human you me system assistant ai bot chatbot model usuario usuário kullanıcı المستخدم".split()
)


def _negated(text: str, start: int, end: int) -> bool:
    if text[start : start + 1] in "Ii" or not _NEGATED_BEFORE_RE.search(text[max(0, start - 16) : start]):
        return False
    return not _BUT_AFTER_RE.match(text[start : end + 60])  # the "but" may sit inside the claim itself


def _in_a_list(text: str, start: int) -> bool:
    """The role label opens one line of a "Label: value" list whose other labels are not chat roles."""
    line_start = text.rfind("\n", 0, start) + 1
    before = text[max(0, line_start - 200) : max(0, line_start - 1)].split("\n")[-1:]
    line_end = text.find("\n", start)
    after = text[line_end + 1 : line_end + 201].split("\n")[:1] if line_end >= 0 else []
    for line in before + after:
        m = _LIST_LINE_RE.match(line)
        if m is not None and _key(m.group("label")) not in _CHAT_ROLES:
            return True
    return False


def _offences(text: str, args: Mapping) -> list[Offence]:
    accepted: frozenset[str] = args.get("_accepted", frozenset())
    found: list[Offence] = []
    for m in _ROLE_RE.finditer(text, timeout=PATTERN_TIMEOUT_S):
        if not _in_a_list(text, m.start()):
            found.append(Offence(*_strip(text, m.span()), "a line starts a turn with a role label"))
            break
    for m in _GENERIC_RE.finditer(text, timeout=PATTERN_TIMEOUT_S):
        if not _negated(text, *m.span()):
            found.append(Offence(*m.span(), "presents itself as a generic AI/assistant"))
            break
    for pattern in _MODEL_RES:
        for m in pattern.finditer(text, timeout=PATTERN_TIMEOUT_S):
            model = m.groupdict().get("model")
            if model is not None and _key(model) in accepted:
                continue  # a persona may be named like a model ("Gemma")
            if _negated(text, *m.span()):
                continue
            label = f" ({model.strip()})" if model else ""
            found.append(Offence(*m.span(), f"presents itself as a base model{label}"))
            break
    if accepted:
        for pattern in _NAME_RES:
            for m in pattern.finditer(text, timeout=PATTERN_TIMEOUT_S):
                claimed = _key(m.group("name"))
                if len(claimed) < 2 or claimed in accepted or claimed in _NOT_NAMES or _negated(text, *m.span()):
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
