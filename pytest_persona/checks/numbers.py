"""no_invented_numbers: every number in the reply must come from the prompt, the context or an allow list.

The context counts whole: values nested in mappings and lists, and the keys themselves
(``recent_10k: "48:10"`` supplies 10k as well as 48:10).

Small coaching models invent heart rates, paces, power values and dates with total confidence;
this check reads numbers the way people write them ("5k", "5:30/km", "140–150", "4,5", "1,000",
"١٥٠") and fails on any the case never supplied, naming each one.

A value the case gave may be restated: in another unit of the same kind (2 h = 120 minutes,
90 min = 1:30, 10 km = 10,000 m, 2 weeks = 14 days), clock notation (7am = 07:00, 17:30 = 5:30 PM),
glued or set notation (1h30, 6x400m) or a spelled-out number in the source ("three", "cinco",
"half an hour"). Derived values (a pace from a distance and a time, a value inside a range) are
not restatements and fail. A number the case gives only as a label ("zone 2", "Z2", "week 3")
grounds the same label in the reply, not an amount or count ("2 hours"). Literals inside code in
the reply (a call's arguments, inline code with code syntax, a fenced block in a programming
language) are code, not facts, and are not judged.

Thin evidence: a reply without numbers passes with "no numbers in the reply"; when the case
supplies no numbers at all, every number in the reply fails and the detail says "the case
supplies no numbers at all" (nothing could have grounded it, which may be the eval set's gap).
"""

from __future__ import annotations

import functools
import itertools
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

import regex

from . import register_check
from .base import CheckArgError, CheckContext, CheckResult, Param, as_list, failed, passed
from .normalize import composed, find_bounded, fold_text, normalize_digits, unemphasize
from .sources import context_leaves, turn_texts

_W = r"[\p{L}\p{M}\p{N}_]"
# One number-like token, found with the (faster) stdlib engine on digit-normalized text: a
# start that is not inside a word, then a word holding a digit ("5", "5k", "Z7", "mp3"),
# continued through . , : / (and a space before a 3-digit group, "10 000") when a digit follows.
# Every repetition is separated by a non-word character, so matching stays linear.
_BODY = r"(?<!\w)[^\W\d_]*[0-9]\w*(?:(?:[.,:/]|[ \xa0\u202f](?=[0-9]{3}(?!\w)))[0-9]\w*)*"
_TOKEN_RE = re.compile(_BODY)
# The same token with a minus sign that is not after a word, a digit or a separator, so
# "140-150" and "2024-03-15" are not negative but "(-5)" and "-5 °C" are.
_SIGNED_RE = re.compile(r"[-\u2212](?<![\w.,:/\-\u2212].)(?=[0-9])" + _BODY)
_DIGIT_RE = re.compile(r"[0-9]")
_CORE_RE = regex.compile(
    r"(?P<sign>[-\u2212])?(?P<num>[0-9]+(?:[.,:/ \u00a0\u202f][0-9]+)*)"
    r"(?P<suf>[\p{L}\p{M}_][\p{L}\p{M}\p{N}_]*)?"
)
_SETS_RE = regex.compile(r"([0-9]{1,3})[x×]([0-9]{1,5}(?:[.,][0-9]{1,2})?)(?:[\p{L}]{1,4})?", regex.IGNORECASE)
_GLUED_CLOCK_RE = regex.compile(r"([0-9]{1,2})[hH]([0-5][0-9])(?:min|m)?|([0-9]{1,3})m([0-5][0-9])s?")
_PLAIN_RE = regex.compile(
    r"(?<![\w.,:/])(?<!(?<![0-9])[-\u2212])(?P<num>[0-9]{1,6})(?![.,:/]?[0-9])(?![\p{L}\p{N}]*[0-9])"
)
_PREFIXED_RE = regex.compile(r"[zvZV]([0-9]{1,3}(?:\.[0-9]{1,2})?)")
_MARKER_RE = re.compile(r"(?m)^[ \t]*([0-9]{1,3})[.)](?=[ \t]|$)")
_LIST_RE = regex.compile(r"[0-9]+(?:[, \u00a0\u202f][0-9]+)*")
_ISO_T_RE = regex.compile(r"(?<=[0-9])T(?=[0-9]{2}:)")
_PRIME_RE = regex.compile(r"(?<=[0-9])['’′](?=[0-5][0-9](?![0-9]))")  # 5'30" is 5:30
_NON_DIGIT_RE = regex.compile(r"[^0-9]+")
_US_RE = regex.compile(r"[0-9]{1,3}(?:,[0-9]{3})+\.[0-9]+")
_EU_RE = regex.compile(r"[0-9]{1,3}(?:\.[0-9]{3})+,[0-9]+")
_SPACES = frozenset(" \u00a0\u202f")
_MAX_TOKEN = 64  # longer number-like runs are compared verbatim
_MAX_DIGITS = 30
_SHOW = 20

# Glued suffixes that keep a token a number ("10km", "2nd", "75bpm"); anything else glued to
# digits makes an identifier ("3050Ti", "4o") that must appear verbatim.
_UNITS = frozenset(
    """
    km m mi mile miles mm cm kg g lb lbs kcal cal s sec secs min mins h hr hrs ms bpm w kw kwh wh
    v mah hz khz mhz ghz kb mb gb tb x st nd rd th am pm d wk wks y yr yrs l ml c f kmh kph mph rpm
    spm pct k b bn كم م ث د س كغ كجم
    """.split()
)
_MULTIPLIERS = {"k": 1_000, "K": 1_000, "M": 1_000_000, "b": 1_000_000_000, "B": 1_000_000_000}
_MULTIPLIERS.update({"bn": 1_000_000_000, "Bn": 1_000_000_000, "BN": 1_000_000_000})
_NUMBER_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
    "hundred": 100, "thousand": 1000, "twice": 2, "thrice": 3, "dozen": 12, "fortnight": 14,
    "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6, "siete": 7, "ocho": 8, "nueve": 9, "diez": 10,
    "quince": 15, "veinte": 20, "treinta": 30, "dois": 2, "duas": 2, "três": 3, "quatro": 4, "sete": 7,
    "oito": 8, "nove": 9, "dez": 10, "quinze": 15, "vinte": 20, "trinta": 30, "iki": 2, "üç": 3, "dört": 4,
    "beş": 5, "altı": 6, "yedi": 7, "sekiz": 8, "dokuz": 9, "yirmi": 20, "otuz": 30, "kırk": 40,
    "اثنين": 2, "ثلاث": 3, "ثلاثه": 3, "اربع": 4, "خمس": 5, "عشر": 10, "عشرين": 20, "ثلاثين": 30,
}  # fmt: skip
_WORDS = "|".join(_NUMBER_WORDS)
_NUMBER_WORD_RE = regex.compile(r"(?<!" + _W + r")(?:" + _WORDS + r")(?!" + _W + r")")

Number = int | Decimal
# A key is a number (int/Decimal, compared numerically), a clock time (tuple of ints) or an
# identifier (str, casefolded, looked up verbatim in the sources).
Key = int | Decimal | tuple | str


@dataclass(frozen=True)
class Reading:
    """How a token may be read: any one alternative (all of its keys grounded) grounds it."""

    alternatives: tuple[tuple[Key, ...], ...]
    loose: tuple[Number, ...] = ()  # numbers a *source* token also supplies ("5kms" -> 5)


def _prep_text(text: str) -> str:
    """ASCII digits everywhere; letters composed (NFC); markdown emphasis markers and an ISO "T"
    between date and time become spaces (same length, so spans still point into the reply)."""
    return _PRIME_RE.sub(":", _ISO_T_RE.sub(" ", normalize_digits(unemphasize(composed(text)))))


def _grouped(runs: list[str]) -> bool:
    return len(runs) >= 2 and 1 <= len(runs[0]) <= 3 and all(len(r) == 3 for r in runs[1:])


def _part_readings(part: str) -> list[tuple[Key, ...]] | None:
    """Readings of one '/'-free numeric part; None when it is not a number (a version "1.2.3")."""
    if part.isdigit():
        return [(int(part),)]
    if ":" in part:
        pieces = part.split(":")
        if len(pieces) > 3 or not all(p.isdigit() for p in pieces):
            return [tuple(int(r) for r in _NON_DIGIT_RE.split(part) if r)]
        clock = tuple(int(p) for p in pieces)
        alts: list[tuple[Key, ...]] = [(clock,)]
        if len(clock) == 3 and clock[2] == 0:
            alts.append((clock[:2],))
        if len(clock) == 3 and clock[0] == 0:
            alts.append((clock[1:],))
        return alts
    runs = _NON_DIGIT_RE.split(part)
    seps = set(_NON_DIGIT_RE.findall(part))
    separate = tuple(int(r) for r in runs)
    joined = int("".join(runs))
    if seps == {"."}:
        if len(runs) == 2:
            return [(Decimal(part),), (joined,)] if len(runs[1]) == 3 else [(Decimal(part),)]
        if _grouped(runs):
            return [(joined,)]
        return [separate] if len(runs) == 3 and len(runs[0]) <= 2 >= len(runs[1]) and len(runs[2]) in (2, 4) else None
    if seps == {","}:
        if _grouped(runs):
            return [(joined,)]
        if len(runs) == 2:
            return [(Decimal(f"{runs[0]}.{runs[1]}"),), separate]  # 4,5 = 4.5, or a list "3,4"
        return [separate]
    if all(s in _SPACES for s in seps):
        return [(joined,), separate] if _grouped(runs) else [separate]
    if _US_RE.fullmatch(part):
        return [(Decimal(part.replace(",", "")),), separate]
    if _EU_RE.fullmatch(part):
        return [(Decimal(part.replace(".", "").replace(",", ".")),), separate]
    return [separate]


def _negate(alt: tuple[Key, ...]) -> tuple[Key, ...]:
    if alt and isinstance(alt[0], (int, Decimal)):
        return (-alt[0],) + alt[1:]
    return alt


@functools.lru_cache(maxsize=65536)
def read_token(token: str) -> Reading:
    """Parse one token from ``_TOKEN_RE`` into its possible readings."""
    if token.isdecimal() and len(token) <= _MAX_DIGITS:
        return Reading(((int(token),),))
    ident = fold_text(token.lstrip("-\u2212"), case=True)
    as_identifier = Reading(((ident,),))
    if len(token) > _MAX_TOKEN:
        if _LIST_RE.fullmatch(token):  # a long run of numbers ("150 150 150 …"): each one counts
            runs = _NON_DIGIT_RE.split(token)
            if all(len(r) <= _MAX_DIGITS for r in runs):
                return Reading((tuple(int(r) for r in runs),))
        return as_identifier
    clock = _GLUED_CLOCK_RE.fullmatch(token)  # "1h30", "17h30", "5m30s": hours or minutes and the rest
    if clock is not None:
        first, rest = (clock[1], clock[2]) if clock[1] else (clock[3], clock[4])
        return Reading((((int(first), int(rest)),),))
    sets = _SETS_RE.fullmatch(token)  # "6x400m", "5x3min": repeats times an amount
    if sets is not None:
        return Reading(((int(sets[1]), Decimal(sets[2].replace(",", ".")).normalize()),))
    m = _CORE_RE.fullmatch(token)
    if m is None:
        label = _PREFIXED_RE.fullmatch(token)  # "Z2", "v2.3": a label that also names its number
        if label is not None:
            value = label[1]
            return Reading(as_identifier.alternatives, (Decimal(value) if "." in value else int(value),))
        return as_identifier  # letters first ("mp3") or digits mixed with letters ("3050Ti")
    num, suffix = m["num"], m["suf"]
    if any(len(run) > _MAX_DIGITS for run in _NON_DIGIT_RE.split(num)):
        return as_identifier
    parts = num.split("/")
    per_part = [_part_readings(p) for p in parts] if len(parts) <= 4 else [None]
    if any(p is None for p in per_part):
        return as_identifier
    readings: list[list[tuple[Key, ...]]] = [list(p) for p in per_part if p is not None]
    if m["sign"]:
        readings[0] = [_negate(alt) for alt in readings[0]]
    if suffix is not None:
        mult = _MULTIPLIERS.get(suffix)
        if mult is None and suffix.casefold() not in _UNITS:
            loose = tuple(k for alts in readings for alt in alts for k in alt if isinstance(k, (int, Decimal)))
            return Reading(as_identifier.alternatives, loose)
        if mult is not None:
            last = readings[-1]
            extra = [(alt[-1] * mult,) for alt in last if len(alt) == 1 and isinstance(alt[0], (int, Decimal))]
            readings[-1] = last + extra
    combos = itertools.islice(itertools.product(*readings), 32)
    return Reading(tuple(tuple(itertools.chain.from_iterable(c)) for c in combos))


@dataclass
class Sources:
    """What the case supplied: numbers, clock times and the casefolded text for identifiers."""

    numbers: set[Number] = field(default_factory=set)
    times: set[tuple[int, ...]] = field(default_factory=set)
    texts: list[str] = field(default_factory=list)
    context_ints: set[int] = field(default_factory=set)  # for the YAML base-60 hint

    quantities: set[Number] = field(default_factory=set)  # numbers supplied other than as labels

    def add_text(self, text: str) -> None:
        prepared = _prep_text(text)
        numbers, times = _scan_source(prepared)
        self.numbers |= numbers
        self.times |= times
        self.quantities |= _quantities(prepared, numbers)
        self.texts.append(fold_text(prepared, case=True))

    def label_only(self, value: Number) -> bool:
        """``value`` was supplied only as the label of something ("zone 2", "week 3", "v2")."""
        return value in self.numbers and value not in self.quantities

    def add_number(self, value: Any) -> None:
        if isinstance(value, bool):
            return
        if isinstance(value, (int, float, Decimal)):
            self.quantities.add(value if not isinstance(value, float) else Decimal(repr(value)))
        if isinstance(value, int):
            self.numbers.add(value)
            self.context_ints.add(value)
        elif isinstance(value, float) and math.isfinite(value):
            self.numbers.add(Decimal(repr(value)))
        elif isinstance(value, Decimal) and value.is_finite():
            self.numbers.add(value)
        share = Decimal(repr(value)) if isinstance(value, float) and math.isfinite(value) else value
        if isinstance(share, Decimal) and share.is_finite() and 0 < share < 1:
            percent: set[Number] = set()
            _add_exact(percent, Fraction(share) * 100)  # a share 0.8 is 80 (%)
            self.numbers |= percent
            self.quantities |= percent

    @functools.cached_property
    def blob(self) -> str:
        return "\n".join(self.texts)

    def grounds_key(self, key: Key) -> bool:
        if isinstance(key, str):
            return find_bounded(self.blob, key) >= 0
        if isinstance(key, tuple):
            return key in self.times
        return key in self.numbers or (key >= 0 and -key in self.numbers)

    def grounds(self, reading: Reading) -> bool:
        for alt in reading.alternatives:
            keys = alt if len(alt) == 1 else set(alt) - self.numbers
            if all(self.grounds_key(k) for k in keys):
                return True
        return False


@functools.lru_cache(maxsize=1024)
def _scan_source(prepared: str) -> tuple[frozenset[Number], frozenset[tuple[int, ...]]]:
    numbers: set[Number] = set()
    times: set[tuple[int, ...]] = set()
    tokens = _TOKEN_RE.findall(prepared) + _SIGNED_RE.findall(prepared)
    for token in dict.fromkeys(tokens):
        reading = read_token(token)
        numbers.update(reading.loose)
        for alt in reading.alternatives:
            for key in alt:
                if isinstance(key, tuple):
                    times.add(key)
                elif isinstance(key, (int, Decimal)):
                    numbers.add(key)
    folded = fold_text(prepared, case=True)  # Arabic ة/ه, أ/ا alike, as in the word lists
    for word in _NUMBER_WORD_RE.findall(folded):
        numbers.add(_NUMBER_WORDS[word])
    _derive(prepared, folded, numbers, times)
    return frozenset(numbers), frozenset(times)


# Units a supplied amount may be restated in: "2 h" is also 120 min, "10 km" 10,000 m, "7am" 07:00.
_HOUR = r"h|hrs?|hours?|horas?|saat|ساعه|ساعات|ساعتين"
_MINUTE = r"min|mins|minutes?|minutos?|dakika|dk|دقيقه|دقايق|دقائق"
_SECOND = r"s|secs?|seconds?|segundos?|saniye|sn|ثانيه|ثواني"
_KM = r"km|kms|kilomet(?:er|re)s?|quil[oô]metros?|kil[oó]metros?|kilometre|كم|كيلو(?:متر)?"
_METRE = r"m|met(?:er|re)s?|metros?|metre|متر"
_DAY = r"days?|días?|dias?|gün|يوم|ايام|يومين"
_WEEK = r"weeks?|wks?|semanas?|hafta|اسبوع|اسابيع"
_KG = r"kg|kgs|kilos?|kilograms?|quilos?|kilogramos?|كيلو(?:جرام)?"
_GRAM = r"g|grams?|gramas?|gramos?|gram|جرام|غرام"
_CONVERSIONS: dict[str, tuple[Fraction, ...]] = {  # unit group -> factors to the other units of its kind
    "week": (Fraction(7),),
    "day": (Fraction(24), Fraction(1440)),
    "hour": (Fraction(60), Fraction(3600), Fraction(1, 24)),
    "minute": (Fraction(60), Fraction(1, 60)),
    "second": (Fraction(1, 60), Fraction(1, 3600)),
    "km": (Fraction(1000),),
    "metre": (Fraction(1, 1000),),
    "kg": (Fraction(1000),),
    "gram": (Fraction(1, 1000),),
}
# Amounts said in words: "half an hour" is 30 minutes.
_WORD_AMOUNTS = {
    "half an hour": 30, "half hour": 30, "quarter of an hour": 15, "an hour": 60, "one hour": 60,
    "meia hora": 30, "uma hora": 60, "media hora": 30, "una hora": 60, "cuarto de hora": 15,
    "yarım saat": 30, "bir saat": 60, "çeyrek saat": 15, "نص ساعه": 30, "نصف ساعه": 30, "ربع ساعه": 15,
}  # fmt: skip
_WORD_AMOUNT_RE = regex.compile(r"\b(?:" + "|".join(map(regex.escape, _WORD_AMOUNTS)) + r")\b")
_QUANTITY_RE = regex.compile(
    rf"(?<![\w.,:])(?P<num>[0-9]+(?:[.,][0-9]+)?|{_WORDS})\s?(?:(?P<hour>{_HOUR})|(?P<minute>{_MINUTE})|(?P<second>{_SECOND})"
    rf"|(?P<km>{_KM})|(?P<metre>{_METRE})|(?P<day>{_DAY})|(?P<week>{_WEEK})|(?P<kg>{_KG})|(?P<gram>{_GRAM}))(?![\p{{L}}\p{{N}}])",
    regex.IGNORECASE,
)
_PERCENT_RE = regex.compile(
    r"(?<![\w.,])(?P<num>[0-9]{1,3}(?:[.,][0-9]{1,2})?)\s?(?:%|percent|per\s+cent|por\s+ciento|por\s+cento|yüzde)"
)
_AMPM_RE = regex.compile(r"(?<![\w:])([0-9]{1,2})(?::([0-9]{2}))?\s?([ap])\.?m\b\.?", regex.IGNORECASE)
# Words that make the number after them a name, not an amount ("zone 2", "week 3", "Z2", "v2",
# "zones 1-3"), unless a unit follows ("week 20 km" is an amount).
_UNIT_WORDS = (
    rf"{_HOUR}|{_MINUTE}|{_SECOND}|{_KM}|{_METRE}|{_DAY}|{_WEEK}|{_KG}|{_GRAM}|bpm|w|watts?|x|times|reps?|sets?"
    r"|veces|vezes|kez|tekrar|mi|miles?|beats|strides|%"
)
_NOT_UNIT = rf"(?![0-9.,:]?[0-9])(?!\s?(?:{_UNIT_WORDS})(?![\p{{L}}\p{{N}}]))"
_LABEL_RE = regex.compile(
    r"(?:\b(?:zones?|zonas?|bölge|منطقه|week|semana|hafta|day|día|dia|gün|level|nivel|nível|seviye|step|paso"
    r"|passo|adım|version|versión|versão|sürüm|phase|fase|round|lap|volta|vuelta|tur|chapter|capítulo|bölüm"
    r"|room|sala|oda|gate|platform|number|número|nº|#)\.?\s{0,4}|(?<![\w])[zv])"
    rf"(?P<num>[0-9]+){_NOT_UNIT}"
    rf"(?:\s?(?:-|to|a|e|y|ve|and|و)\s?(?:[zv])?(?P<num2>[0-9]+){_NOT_UNIT})?",
    regex.IGNORECASE,
)


def _derive(prepared: str, folded: str, numbers: set[Number], times: set[tuple[int, ...]]) -> None:
    """Add the values a source states in another unit or clock notation (see the tables above)."""
    shares = [n for n in numbers if isinstance(n, Decimal) and 0 < n < 1]  # as written, not derived
    hour_marks: list[tuple[int, int]] = []
    for m in itertools.islice(_QUANTITY_RE.finditer(folded), 10_000):
        word = _NUMBER_WORDS.get(m["num"].casefold())
        value = Fraction(word if word is not None else m["num"].replace(",", "."))
        for factor in _CONVERSIONS[m.lastgroup or ""]:
            _add_exact(numbers, value * factor)
        if m.lastgroup == "minute" and value.denominator == 1 and value >= 60:
            times.add((int(value) // 60, int(value) % 60))  # 90 min is 1:30
        if m.lastgroup == "minute" and value.denominator == 1 and value < 60:
            times.add((0, int(value)))  # 45 min is 0:45
        if m.lastgroup == "hour" and value.denominator == 1 and value <= 24:
            hour_marks.append((int(value), 0))  # 18h is 18:00, 2 h is 2:00 (added last: no 12-hour reading)
    for m in itertools.islice(_PERCENT_RE.finditer(folded), 10_000):
        _add_exact(numbers, Fraction(m["num"].replace(",", ".")) / 100)  # 25% is 0.25
    for value in shares:
        _add_exact(numbers, Fraction(value) * 100)  # a share 0.25 is 25 (%)
    for phrase in _WORD_AMOUNT_RE.findall(folded):
        minutes = Fraction(_WORD_AMOUNTS[phrase])
        for value in (minutes, minutes / 60, minutes * 60):
            _add_exact(numbers, value)
    for m in itertools.islice(_AMPM_RE.finditer(prepared), 10_000):
        hour, minute = int(m[1]), int(m[2] or 0)
        if 1 <= hour <= 12 and minute < 60:
            day_hour = hour % 12 + (12 if m[3].lower() == "p" else 0)
            times.update({(day_hour, minute), (hour, minute)})
            numbers.add(hour)
    for hour, minute, *_ in [t for t in times if len(t) >= 2]:
        if minute < 60:
            numbers.add(hour * 60 + minute)  # 1:30 is also 90 (minutes)
        if minute == 0:
            numbers.add(hour)
        if 13 <= hour <= 23:
            times.add((hour - 12, minute))
            if minute == 0:
                numbers.add(hour - 12)
    times.update(hour_marks)


def _add_exact(numbers: set[Number], value: Fraction) -> None:
    """Add ``value`` when it is written exactly with at most three decimals (1.5, not 0.0166…)."""
    if value.denominator == 1:
        numbers.add(int(value))
    elif (value * 1000).denominator == 1:
        numbers.add((Decimal(value.numerator) / Decimal(value.denominator)).normalize())


def _quantities(prepared: str, numbers: frozenset[Number]) -> set[Number]:
    """The numbers of a source that occur at least once other than as a label."""
    found = list(itertools.islice(_LABEL_RE.finditer(prepared), 10_000))
    labels = {int(m[g]) for m in found for g in ("num", "num2") if m[g]}
    if not labels:
        return set(numbers)
    labelled = {m.start(g) for m in found for g in ("num", "num2") if m[g]}
    # a number also written outside any label ("5 x 3 min in Z5") is a quantity too
    plain = {
        int(t.group())
        for t in _TOKEN_RE.finditer(prepared)
        if t.group().isdecimal() and len(t.group()) <= _MAX_DIGITS and t.start() not in labelled
    }
    return {n for n in numbers if not (isinstance(n, int) and n in labels and n not in plain)}


def _walk_context(value: Any, sources: Sources) -> None:
    """Every value of the context, nested in mappings and lists, and every key, as a source."""
    for leaf in context_leaves(value):
        if isinstance(leaf, str):
            sources.add_text(leaf)
        else:
            sources.add_number(leaf)


def _allow_text(item: Any) -> str:
    if isinstance(item, float):
        if not math.isfinite(item):
            raise CheckArgError(f"no_invented_numbers allow entry {item!r} is not a finite number")
        text = repr(item)
        return format(Decimal(text), "f") if "e" in text or "E" in text else text
    return str(item)


def _prepare(args: dict[str, Any], base_dir: Any) -> dict[str, Any]:
    texts: list[str] = []
    for item in as_list(args["allow"]):
        if isinstance(item, bool) or not isinstance(item, (int, float, str)):
            raise CheckArgError(f"no_invented_numbers allow entries must be numbers or strings, got {item!r}")
        text = _allow_text(item)
        if not _TOKEN_RE.search(_prep_text(text)):
            raise CheckArgError(f"no_invented_numbers allow entry {item!r} holds no number")
        texts.append(text)
    return {**args, "allow": list(as_list(args["allow"])), "_allow_texts": tuple(texts)}


def case_sources(ctx: CheckContext, extra: Iterable[str] = ()) -> Sources:
    """The numbers a reply may use: system prompt, user turns, case context, ``extra`` texts."""
    sources = Sources()
    for text in (*turn_texts(ctx), *extra):
        if text:
            sources.add_text(text)
    _walk_context(ctx.context, sources)
    return sources


def _marker_only(tokens: list[str], bad: list[str], text: str) -> set[str]:
    """Tokens among ``bad`` that occur only as numbered-list markers ("1. ", "2) ")."""
    candidates = {t for t in bad if t.isdecimal() and len(t) <= 3}
    if not candidates:
        return set()
    markers = Counter(_MARKER_RE.findall(text))
    if not markers:
        return set()
    counts = Counter(t for t in tokens if t in candidates)
    return {t for t in candidates if counts[t] == markers.get(t, 0)}


def _first_bad(text: str, bad: set[str], bad_signed: set[str], marker_starts: set[int]) -> tuple[int, int] | None:
    """The span of the first token of the reply that is not grounded (markers skipped)."""
    for m in _TOKEN_RE.finditer(text):
        start = m.start()
        if start > 0 and text[start - 1] in "-\u2212" and bad_signed:
            signed = _SIGNED_RE.match(text, start - 1)
            if signed is not None and signed.group() in bad_signed:
                return signed.span()
        if m.group() in bad and start not in marker_starts:
            return m.span()
    return None


def _ungrounded(tokens: Iterable[str], sources: Sources) -> list[str]:
    """The tokens the sources do not supply; plain integers take a fast path."""
    allowed = sources.numbers | {-n for n in sources.numbers}  # a positive may be a source's magnitude
    bad = []
    for token in tokens:
        if token.isdecimal() and len(token) <= _MAX_DIGITS:
            if int(token) not in allowed:
                bad.append(token)
        elif not sources.grounds(read_token(token)):
            bad.append(token)
    return bad


def _yaml_hint(bad: list[str], sources: Sources) -> str:
    """YAML 1.1 reads an unquoted 5:30 as the integer 330: say so when that explains a failure."""
    for token in bad[:_SHOW]:
        if ":" not in token:
            continue
        for alt in read_token(token).alternatives:
            for key in alt:
                if isinstance(key, tuple) and len(key) >= 2:
                    value = functools.reduce(lambda acc, part: acc * 60 + part, key, 0)
                    if value in sources.context_ints:
                        shown = ":".join(str(p) for p in key)
                        return (
                            f" (the context holds {value}: YAML reads an unquoted {shown} as {value}; "
                            f"quote it in the eval set)"
                        )
    return ""


# Code in a reply: a call with its arguments ("reduce((acc, x) => acc + x, 0)"), inline code that
# holds code syntax, a fenced block in a programming language. Its literals are code, not facts.
_CALL_RE = regex.compile(r"[A-Za-z_][\w.]*\((?:[^()\n]|\((?:[^()\n]|\([^()\n]*\))*\)){0,300}\)")
_INLINE_RE = regex.compile(r"`([^`\n]{1,300})`")
_FENCE_RE = regex.compile(r"```[ \t]*(\w*)[^\n]*\n(.{0,20000}?)```", regex.DOTALL)
_CODE_SYNTAX = regex.compile(r"[(){};=]|=>|\[\s*\]")
_DATA_FENCES = frozenset({"", "json", "jsonc", "yaml", "yml", "csv", "text", "txt", "toml", "xml", "md", "markdown"})


def _code_literals(text: str) -> set[str]:
    """Number tokens that occur inside code in the reply (see the patterns above)."""
    spans = [m.group() for m in itertools.islice(_CALL_RE.finditer(text), 1_000)]
    spans += [m[1] for m in itertools.islice(_INLINE_RE.finditer(text), 1_000) if _CODE_SYNTAX.search(m[1])]
    spans += [m[2] for m in itertools.islice(_FENCE_RE.finditer(text), 100) if m[1].lower() not in _DATA_FENCES]
    return {token for span in spans for token in _TOKEN_RE.findall(span)}


def _label_as_amount(
    text: str, sources: Sources, skip: set[int], in_code: set[str]
) -> tuple[str, tuple[int, int]] | None:
    """A number the case gave only as a label ("zone 2", "Z2", "week 3") that the reply uses as an
    amount or count ("2 hours", "do 2 of them"): the first such plain number outside a label."""
    if sources.numbers <= sources.quantities:
        return None
    labelled = {m.start(g) for m in itertools.islice(_LABEL_RE.finditer(text), 10_000) for g in ("num", "num2") if m[g]}
    for m in itertools.islice(_PLAIN_RE.finditer(text), 10_000):
        if m.start() in labelled or m.start() in skip or m["num"] in in_code:
            continue
        if sources.label_only(int(m["num"])):
            return m["num"], m.span("num")
    return None


def _show(token: str) -> str:
    return repr(token if len(token) <= 40 else token[:39] + "…")


@register_check(
    "no_invented_numbers",
    main="allow",
    params={
        "allow": Param((list, int, float, str), default=(), help="numbers or identifiers always allowed"),
        "ignore_list_markers": Param((bool,), default=True, help='skip "1. " / "2) " at line starts'),
    },
    prepare=_prepare,
)
def no_invented_numbers(reply: str, args: Mapping[str, Any], ctx: CheckContext) -> CheckResult:
    """Every number in the reply appears in the system prompt, user turns, context (keys too) or allow list."""
    if "_allow_texts" not in args:
        args = _prepare({"allow": (), "ignore_list_markers": True, **args}, None)
    text = _prep_text(reply)
    if not _DIGIT_RE.search(text):
        return passed("no numbers in the reply")
    unsigned = _TOKEN_RE.findall(text)
    signed = _SIGNED_RE.findall(text)
    sources = case_sources(ctx, args["_allow_texts"])
    bad = _ungrounded(dict.fromkeys(unsigned), sources)
    in_code = _code_literals(text) if bad and ("(" in text or "`" in text) else set()
    bad = [t for t in bad if t not in in_code]
    if bad and args["ignore_list_markers"]:
        markers = _marker_only(unsigned, bad, text)
        bad = [t for t in bad if t not in markers]
    bad_signed = _ungrounded(dict.fromkeys(signed), sources)
    if bad_signed:
        # "-5" is reported as itself; drop "5" when every "5" in the reply carries that sign
        only_negative = Counter(t[1:] for t in signed)
        plain = Counter(t for t in unsigned if t in only_negative)
        bad = [t for t in bad if plain[t] != only_negative.get(t, 0)] + bad_signed
    marker_starts: set[int] = set()
    if args["ignore_list_markers"]:
        marker_starts = {m.start(1) for m in _MARKER_RE.finditer(text)}
    misused = _label_as_amount(text, sources, marker_starts, in_code)
    if not bad and misused is None:
        code = f"; {len(in_code)} literal(s) in code not judged as facts" if in_code else ""
        return passed(f"{len(unsigned)} number(s), all from the prompt, context or allow list{code}")
    span = _first_bad(text, set(bad) - set(bad_signed), set(bad_signed), marker_starts)
    label_note = ""
    if misused is not None:
        token, label_span = misused
        label_note = f"; {token!r} is given only as a label (zone {token}, week {token}), not as an amount"
        if token not in bad:
            first_at = {t: i for i, t in reversed(list(enumerate(unsigned)))}
            bad = sorted([*bad, token], key=lambda t: first_at.get(t, len(unsigned)))
        span = label_span if span is None or label_span[0] < span[0] else span
    shown = ", ".join(_show(t) for t in bad[:_SHOW])
    if len(bad) > _SHOW:
        shown += f" (+{len(bad) - _SHOW} more)"
    thin = "" if sources.numbers or sources.times else "; the case supplies no numbers at all"
    detail = (
        f"invented numbers (not in the system prompt, user turns, context or allow list): {shown}"
        f"{label_note}{thin}{_yaml_hint(bad, sources)}; first"
    )
    return failed(detail, reply, span) if span else failed(detail)


__all__ = ["Reading", "Sources", "case_sources", "read_token"]
