"""Surface form does not change a verdict (issue 13, item 4).

A reply re-rendered the way chat front-ends and models vary it — straight or curly quotes and
apostrophes, NFC or NFD, whitespace and newlines around it, markdown emphasis (``**…**``,
``*…*``, ``_…_``) around some of its words — must get the same verdict (passed or not) from every
built-in check that judges prose. Replies are drawn from the validity corpora's dev records of
each check (held-out records are never read here) and from text that hypothesis builds out of
the corpora's words; draws are deterministic (``derandomize=True``, no example database).
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable
from functools import cache
from typing import Any

import pytest
import regex
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.validity.corpus import CORPORA, load
from pytest_persona.checks import CheckContext, CheckSpec, Message, run_check
from pytest_persona.checks.normalize import unemphasize

Item = tuple[str, dict[str, Any], CheckContext]  # reply, the check's arguments, the case

# Checks whose corpus records are their own; the others (no corpus) judge every dev reply with
# fixed arguments.
CORPUS_CHECKS = ("refusal", "language", "identity", "no_parroting", "no_repetition", "no_fluff",
                 "no_invented_numbers", "no_invented_entities", "style_like")  # fmt: skip
FIXED_ARGS: dict[str, dict[str, Any]] = {
    "no_refusal": {},  # the refusal records, judged the other way round
    "no_emoji": {},
    "forbidden_words": {"words": ["can't", "as an AI", "não posso", "asistente", "yapamam", "لا أستطيع"]},
    "contains": {"text": ["coach", "plan", "treinador", "plan", "koç", "الخطة"], "any": True},
    "not_contains": {"text": ["I'm sorry", "lo siento", "üzgünüm", "desculpe", "آسف"], "ignore_case": True},
    "max_words": {"max": 25},
    "no_template_leak": {},
}
CHECKS = (*CORPUS_CHECKS, *FIXED_ARGS)
PER_CASE = 50  # examples per check and transform: 200 per check, the file in well under a minute
# (check, transform) -> a known bug, run as a strict xfail until it is fixed (none open)
KNOWN_BUGS: dict[tuple[str, str], str] = {}


def _context(rec: Any) -> CheckContext:
    messages = [Message("system", rec.system)] if rec.system else []
    messages += [Message(m["role"], m["content"]) for m in rec.messages]
    if rec.prompt is not None:
        messages.append(Message("user", rec.prompt))
    return CheckContext(messages=tuple(messages), context=rec.context)


@cache
def _dev() -> tuple[Any, ...]:
    return tuple(r for r in load() if r.split == "dev")


@cache
def items(check: str) -> tuple[Item, ...]:
    """Dev replies for ``check``, every n-th of a long list (deterministic), with their cases."""
    source = "refusal" if check == "no_refusal" else check
    records = [r for r in _dev() if r.check == source] if source in CORPUS_CHECKS else list(_dev())
    step = max(1, len(records) // 400)
    args = FIXED_ARGS.get(check)
    return tuple((r.reply, r.args if args is None else args, _context(r)) for r in records[::step])


@cache
def words() -> tuple[str, ...]:
    seen = dict.fromkeys(w for r in _dev()[::5] for w in r.reply.split() if len(w) < 30)
    return tuple(seen)


def item_strategy(check: str) -> st.SearchStrategy[Item]:
    corpus = st.sampled_from(items(check))
    # hypothesis text: words of the corpora, and arbitrary letters, in a case of this check
    built = st.builds(
        lambda ws, base: (" ".join(ws), base[1], base[2]),
        st.lists(
            st.sampled_from(words()) | st.text(st.characters(categories=("L", "N", "P", "Zs")), max_size=8),
            min_size=1,
            max_size=30,
        ),  # fmt: skip
        corpus,
    )
    return st.one_of(corpus, corpus, built)


# --------------------------------------------------------------------------- re-renderings

_CURLY = str.maketrans({"'": "\u2019"})
_STRAIGHT = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})
_DOUBLE_RE = regex.compile(r'"([^"\n]*)"')
# A word that emphasis may wrap: letters (an inner apostrophe too), not glued to other word
# characters, markers, quotes or hyphens (emphasis inside a word or a code token is not prose).
_WORD_RE = regex.compile(r"(?<![\w*_'’\-.@/`])\p{L}+(?:['’]\p{L}+)*(?![\w*_'’\-@/`]|\.\w)")


def curly(text: str) -> str:
    return _DOUBLE_RE.sub("\u201c\\1\u201d", text).translate(_CURLY)


def straight(text: str) -> str:
    return text.translate(_STRAIGHT)


def quotes(text: str, data: st.DataObject) -> str:
    return curly(text) if data.draw(st.booleans(), label="curly") else straight(text)


def normal_form(text: str, data: st.DataObject) -> str:
    return unicodedata.normalize(data.draw(st.sampled_from(("NFC", "NFD")), label="form"), text)


def whitespace(text: str, data: st.DataObject) -> str:
    pads = st.sampled_from(("", " ", "\n", "\n\n", "  \t", " \n "))
    return data.draw(pads, label="lead") + text + data.draw(pads, label="trail")


def emphasis(text: str, data: st.DataObject) -> str:
    spans = [m.span() for m in _WORD_RE.finditer(text[:2000])]
    if not spans:
        return text
    chosen = data.draw(st.sets(st.integers(0, len(spans) - 1), min_size=1, max_size=4), label="words")
    marker = data.draw(st.sampled_from(("**", "*", "_")), label="marker")
    out = text
    for i in sorted(chosen, reverse=True):
        start, end = spans[i]
        out = f"{out[:start]}{marker}{out[start:end]}{marker}{out[end:]}"
    return out


TRANSFORMS: dict[str, Callable[[str, st.DataObject], str]] = {
    "quotes": quotes,
    "normal_form": normal_form,
    "whitespace": whitespace,
    "emphasis": emphasis,
}


def _cases() -> list[Any]:
    out = []
    for check in CHECKS:
        for name in TRANSFORMS:
            bug = KNOWN_BUGS.get((check, name))
            marks = [pytest.mark.xfail(strict=True, reason=bug)] if bug else []
            out.append(pytest.param(check, name, id=f"{check}-{name}", marks=marks))
    return out


_SPECS: dict[str, CheckSpec] = {}


def verdict(check: str, reply: str, args: dict[str, Any], ctx: CheckContext) -> bool:
    key = check + json.dumps(args, sort_keys=True, default=str)
    if key not in _SPECS:
        _SPECS[key] = CheckSpec.parse({check: args} if args else check, CORPORA)  # style_like's reference files
    result = run_check(_SPECS[key], reply, ctx)
    assert not result.error, result.detail
    return result.passed


@pytest.mark.parametrize(("check", "transform"), _cases())
def test_surface_form_does_not_change_the_verdict(check: str, transform: str) -> None:
    render = TRANSFORMS[transform]

    @settings(max_examples=PER_CASE, derandomize=True, database=None, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])  # fmt: skip
    @given(item=item_strategy(check), data=st.data())
    def prop(item: Item, data: st.DataObject) -> None:
        reply, args, ctx = item
        before = verdict(check, reply, args, ctx)
        rendered = render(reply, data)
        after = verdict(check, rendered, args, ctx)
        assert after == before, f"{check}: {reply!r} -> {rendered!r} changed the verdict from {before} to {after}"

    prop()


def test_the_re_renderings_change_the_text() -> None:
    """The transforms do what they say (else the property above would hold vacuously)."""
    assert curly('I can\'t say "no"') == "I can\u2019t say \u201cno\u201d"
    assert straight("I can\u2019t say \u201cno\u201d") == 'I can\'t say "no"'
    assert unicodedata.normalize("NFD", "Não") != "Não"
    assert [m.group() for m in _WORD_RE.finditer("I can't do items.reduce(x) at a@b.c")] == [
        "I",
        "can't",
        "do",
        "x",
        "at",
    ]
    assert all(len(items(check)) >= 20 for check in CHECKS)


@pytest.mark.parametrize(
    ("text", "read"),
    [
        pytest.param("I **can't** do _that_", "I   can't   do  that ", id="bold-and-italic"),
        pytest.param("**Assistant:** hi", "  Assistant:   hi", id="bold-label"),
        pytest.param("5*3*2, snake_case_name, 2 * 3", "5*3*2, snake_case_name, 2 * 3", id="not-emphasis"),
        pytest.param("* one\n* two", "* one\n* two", id="bullets"),
        pytest.param("*open\nclose*", "*open\nclose*", id="not-across-lines"),
    ],
)
def test_unemphasize_keeps_length_and_words(text: str, read: str) -> None:
    assert unemphasize(text) == read and len(read) == len(text)


def test_unemphasize_is_bounded() -> None:
    for hostile in ("*a " * 300_000, "_" * 1_000_000, "**" * 500_000, "*a*" * 300_000):
        out = unemphasize(hostile)
        assert len(out) == len(hostile)
