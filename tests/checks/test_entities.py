"""no_invented_entities: names in a reply must come from the case; the v2.3 failures are caught."""

from __future__ import annotations

import time
import unicodedata

import pytest
from helpers import span_text

from pytest_persona.checks import CheckArgError, CheckContext, CheckSpec, Message, run_check

CLAUDIO = CheckContext(
    messages=(
        Message("system", "Você é o Cláudio, um desenvolvedor direto e técnico. Use apenas os fatos do contexto."),
        Message("user", "Quem é o João?"),
    ),
    context={
        "works_with": "João, a designer who runs the Cláudio fine-tuning experiments",
        "company": "Softtor, where João and Cláudio build software",
        "projects": ["Molting", {"crm": "a CRM built at Softtor"}],
        "stack": "TypeScript, Next.js, Prisma",
    },
)


def check(reply: str, ctx: CheckContext = CLAUDIO, **args):
    result = run_check("no_invented_entities", reply, ctx, **args)
    assert not result.error, result.detail
    return result


# --------------------------------------------------------------------------- the v2.3 failures


def test_an_invented_person_fails_with_its_span() -> None:
    reply = "Quem revisa é o Gabriel, ele cuida do code review na Softtor."
    result = check(reply)
    assert not result.passed
    assert span_text(reply, result) == "Gabriel"
    assert "'Gabriel' at 16..23" in result.detail


def test_an_invented_documentary_and_its_channel_both_fail() -> None:
    reply = 'Sim, o Molting virou tema do documentário "Peixes do Abismo" na Netflix.'
    result = check(reply)
    assert not result.passed
    assert "'Peixes do Abismo'" in result.detail and "'Netflix'" in result.detail
    assert span_text(reply, result) == '"Peixes do Abismo"'


def test_an_invented_role_title_fails_but_a_role_in_plain_words_is_not_judged() -> None:
    assert span_text("João, the CTO of Softtor.", check("João, the CTO of Softtor.")) == "CTO"
    assert not check("João is an ADRP agent at Softtor.").passed
    assert check("João é o gerente de produto da Softtor.").passed  # a claim, not a name


def test_every_invented_name_is_listed_once_in_order() -> None:
    reply = "Gabriel? Ask Priya Nair and Priya Nair again, or Dr. Hughes."
    result = check(reply)
    assert not result.passed
    detail = result.detail
    assert detail.index("'Priya Nair'") < detail.index("'Hughes'")
    assert detail.count("'Priya Nair'") == 1


# --------------------------------------------------------------------------- what grounds a name


@pytest.mark.parametrize(
    "reply",
    [
        "O João é designer na Softtor.",
        "A SOFTTOR é pequena, o joao decide.",  # case and accents
        "Joao decide, e a Softtor's CRM usa Prisma.",  # no accent, possessive
        "Uso TypeScript, Next.js e Prisma no CRM.",  # CamelCase, dotted, acronym
        "Sou o Cláudio e trabalho no Molting.",  # the persona's own name; a context list
        "Jo\u0061\u0303o e a Softtor.",  # NFD
        "Ask **João**, he runs _Molting_.",  # markdown emphasis
    ],
)
def test_names_the_case_gives_pass(reply: str) -> None:
    result = check(reply)
    assert result.passed, result.detail


def test_a_name_from_an_earlier_turn_of_either_side_passes() -> None:
    ctx = CheckContext(
        messages=(
            Message("user", "Minha colega Carla quer conhecer o projeto."),
            Message("assistant", "Posso mostrar o Moltbook pra ela."),
            Message("user", "E ela já testou?"),
        )
    )
    assert check("A Carla ainda não testou o Moltbook.", ctx).passed
    assert not check("A Fernanda ainda não testou o Moltbook.", ctx).passed


def test_turkish_suffixes_and_honorifics() -> None:
    ctx = CheckContext(
        messages=(Message("system", "Sen JESSY'sin."),), context={"komşu": "Mehmet Bey", "film": "Kış Uykusu"}
    )
    assert check("Mehmet Bey'e sor, ELİF! JESSY'nin fikri bu.", ctx, allow=["Elif"]).passed
    result = check("Ahmet Bey yardım eder.", ctx)
    assert not result.passed and span_text("Ahmet Bey yardım eder.", result) == "Ahmet"
    assert check('"Kış Uykusu" izle, Pazartesi olur mu?', ctx).passed
    assert not check('Bence "Sessiz Dağlar" izle.', ctx).passed


def test_a_several_word_name_needs_each_word() -> None:
    reply = "João Pereira decide."
    result = check(reply)
    assert not result.passed and span_text(reply, result) == "Pereira"


def test_the_allow_list_grounds_names_and_checks_its_entries() -> None:
    assert not check("O CRM roda na Vercel.").passed
    assert check("O CRM roda na Vercel.", allow=["Vercel"]).passed
    assert check("GitHub Actions roda os testes.", allow="GitHub Actions").passed
    with pytest.raises(CheckArgError, match="no_invented_entities allow entries must be non-empty strings"):
        CheckSpec.parse({"no_invented_entities": {"allow": ["ok", 3]}})
    with pytest.raises(CheckArgError, match="has no argument 'names'"):
        CheckSpec.parse({"no_invented_entities": {"names": ["x"]}})


# --------------------------------------------------------------------------- what is not a name


@pytest.mark.parametrize(
    "reply",
    [
        "Demorou uns 9 minutos. Piorou a nota. Hoje eu voltaria para os dados curados.",
        "Badly. Honestly, curated data was better. I do. OK, not always.",
        "Sunday, then Monday easy; the race is in April.",
        "Falo Português e Inglês. Uso uma API REST que devolve JSON na GPU.",
        'Ele disse "vamos voltar pros dados curados" e foi o que fizemos.',
        "- **Hardware**: uma RTX 3050\n- **Método**: simples",
        "Sim. Não. Talvez.",
        "## Key Points\n\nKeep it simple.",  # a markdown heading is title case by convention
    ],
)
def test_ordinary_words_are_not_names(reply: str) -> None:
    result = check(reply, CheckContext(context={"gpu": "RTX 3050"}))
    assert result.passed, result.detail


def test_a_sentence_opener_is_a_name_when_something_says_so() -> None:
    empty = CheckContext()
    assert not check("Gabriel e o João.", CheckContext(context={"a": "João"})).passed  # joined to a name
    assert not check("Priya Nair handles it.", empty).passed  # a second name follows
    assert not check("Strava's app is fine.", empty).passed  # an apostrophe suffix
    assert not check("GitHub runs it.", empty).passed  # not title case
    assert not check("## Notes\n\nAsk Priya Nair.", empty).passed  # a heading does not hide the text below
    assert check("Strava is fine.", empty).passed  # read as a word: the detail says so
    assert "1 sentence opener(s) read as words" in check("Strava is fine.", empty).detail


def test_code_and_urls_are_not_read() -> None:
    assert check("Use `React.useState(0)` or see https://Example.com/Docs.").passed


def test_thin_evidence_a_reply_without_names_passes_and_says_so() -> None:
    result = check("gosto de testes.")
    assert result.passed and result.detail == "thin evidence: no names in the reply"
    assert check("").passed


# --------------------------------------------------------------------------- Arabic


AR = CheckContext(
    messages=(Message("system", "أنت هيثم، النسخة الرقمية من هيثم."),),
    context={"doctor": "الدكتور سالم", "show": 'مسلسل "درب الزلق"', "company": "شركة نور للتقنية"},
)


@pytest.mark.parametrize(
    ("reply", "passes", "offending"),
    [
        ("راجع الدكتور سالم، هو أعرف.", True, None),
        ("تكلمت مع الدكتور سالِم وبالدكتور سالم وثقت.", True, None),  # harakat, clitics
        ("راجع الدكتور فهد، هو أعرف.", False, "فهد"),
        ('تفرج على "درب الزلق".', True, None),
        ('تفرج على فيلم "رمال الصمت".', False, '"رمال الصمت"'),
        ("اقرأ كتاب ظلال المدينة.", False, "ظلال المدينة"),
        ("تشتغل في شركة نور للتقنية.", True, None),
        ("هذا كتاب مفيد.", True, None),  # an adjective after the marker
        ("استخدم Notion، مرتب.", False, "Notion"),
        ('قال "ما أقدر" وراح.', True, None),  # quoted speech
        ("فيصل يساعدك.", True, None),  # an unmarked Arabic name: not judged (documented)
    ],
)
def test_arabic_names_by_quotes_and_markers(reply: str, passes: bool, offending: str | None) -> None:
    result = check(reply, AR)
    assert result.passed is passes, result.detail
    if offending is not None:
        assert span_text(reply, result) == offending


# --------------------------------------------------------------------------- surface form, bounds


def test_the_span_points_into_the_reply_whatever_its_form() -> None:
    reply = unicodedata.normalize("NFD", "Ação: o **João** e a Fernanda Ávila.")
    result = check(reply)
    assert not result.passed
    assert unicodedata.normalize("NFC", span_text(reply, result)) == "Fernanda Ávila"


HOSTILE = {
    "repeated-name": "Gabriel " * 130_000,
    "unique-capitalised-words": " ".join(f"Xq{i:06d}z".replace("0", "a") for i in range(110_000)),
    "sentence-openers": "Abcdefg. " * 120_000,
    "quoted-titles": '"Deep Molt" ' * 90_000,
    "arabic-markers": "الدكتور فهد " * 80_000,
    "one-word": "A" * 1_000_000,
}


@pytest.mark.parametrize("reply", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_megabyte_reply_finishes_well_under_a_second(reply: str) -> None:
    check("warm up")
    started = time.process_time()
    result = check(reply)
    spent = time.process_time() - started
    assert spent < 1.0, f"{spent:.2f} s of CPU time"
    assert len(result.detail) < 5_000


def test_a_megabyte_reply_is_still_judged() -> None:
    assert not check("Gabriel " * 130_000).passed
    assert check("João " * 200_000).passed
