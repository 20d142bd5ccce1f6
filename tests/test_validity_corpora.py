"""The validity corpora (benchmarks/validity/corpora) are well-formed; no accuracy is asserted here."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from benchmarks.validity.corpus import CORPORA, LANGS, MINIMUM, OPTIONAL, REQUIRED, SPLITS, corpus_files, split_for
from pytest_persona.checks import BUILTIN_MODULES, get_check

FILES = corpus_files()


def _records() -> list[tuple[Path, int, dict]]:
    out = []
    for path in FILES:
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            assert line.strip(), f"{path.name}:{lineno}: blank line"
            out.append((path, lineno, json.loads(line)))
    return out


RECORDS = _records()


def test_there_are_corpora():
    assert len(FILES) >= 5
    assert all(path.parent == CORPORA for path in FILES)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_records_have_the_fields(path: Path):
    for p, lineno, rec in RECORDS:
        if p != path:
            continue
        where = f"{path.name}:{lineno}"
        missing = [key for key in REQUIRED if key not in rec]
        assert not missing, f"{where}: missing {missing}"
        unknown = sorted(set(rec) - set(REQUIRED) - set(OPTIONAL))
        assert not unknown, f"{where}: unknown fields {unknown}"
        assert isinstance(rec["id"], str) and rec["id"], where
        assert rec["check"] in BUILTIN_MODULES, f"{where}: unknown check {rec['check']!r}"
        assert isinstance(rec["args"], dict), where
        assert isinstance(rec["reply"], str), where
        assert isinstance(rec["label"], bool), f"{where}: label must be true/false"
        assert isinstance(rec["source"], str) and rec["source"], where
        assert isinstance(rec["lang"], str) and 2 <= len(rec["lang"]) <= 3 and rec["lang"].islower(), where
        assert rec["split"] in SPLITS, f"{where}: split {rec['split']!r}"
        for key in ("prompt", "note", "system", "group"):
            assert rec.get(key) is None or isinstance(rec[key], str), f"{where}: {key}"
        assert isinstance(rec.get("context", {}), dict), where
        assert isinstance(rec.get("tags", []), list) and all(isinstance(t, str) for t in rec.get("tags", [])), where
        for message in rec.get("messages", []):
            assert set(message) == {"role", "content"} and message["role"] in ("user", "assistant"), where


def test_ids_are_unique_across_corpora():
    counts = Counter(rec["id"] for _, _, rec in RECORDS)
    assert [i for i, n in counts.items() if n > 1] == []


def test_split_is_the_hash_of_group_or_id():
    """The split is fixed by the id (or group), never chosen by hand."""
    wrong = [rec["id"] for _, _, rec in RECORDS if rec["split"] != split_for(rec.get("group") or rec["id"])]
    assert wrong == []


def test_groups_do_not_straddle_splits():
    splits: dict[str, set[str]] = {}
    for _, _, rec in RECORDS:
        if rec.get("group"):
            splits.setdefault(rec["group"], set()).add(rec["split"])
    assert [g for g, s in splits.items() if len(s) > 1] == []


def test_args_are_accepted_by_the_check():
    for _, _, rec in RECORDS:
        definition = get_check(rec["check"])
        definition.normalize(rec["args"] or None, CORPORA)  # raises CheckArgError on bad args


def test_refusal_replies_are_not_empty():
    """refusal records are also scored as no_refusal with the opposite label; an empty reply breaks that."""
    assert [rec["id"] for _, _, rec in RECORDS if rec["check"] == "refusal" and not rec["reply"].strip()] == []


def test_minimum_counts_per_check():
    counts = Counter("refusal" if rec["check"] == "no_refusal" else rec["check"] for _, _, rec in RECORDS)
    short = {check: (counts[check], need) for check, need in MINIMUM.items() if counts[check] < need}
    assert short == {}


@pytest.mark.parametrize("check", ["refusal", "language"])
def test_every_language_is_covered(check: str):
    seen = Counter(rec["lang"] for _, _, rec in RECORDS if rec["check"] == check)
    for lang in LANGS:
        assert seen[lang] >= 20, f"{check}: only {seen[lang]} {lang} records"


def test_both_labels_and_both_splits_per_check():
    for check in MINIMUM:
        pairs = {(rec["label"], rec["split"]) for _, _, rec in RECORDS if rec["check"] == check}
        assert pairs == {(a, b) for a in (True, False) for b in SPLITS}, check


def test_language_corpus_has_short_and_long_replies_and_both_arabics():
    recs = [rec for _, _, rec in RECORDS if rec["check"] == "language"]
    words = [len(rec["reply"].split()) for rec in recs]
    assert sum(w <= 3 for w in words) >= 50
    assert sum(w > 30 for w in words) >= 20
    tags = Counter(t for rec in recs if rec["lang"] == "ar" for t in rec.get("tags", []))
    assert tags["msa"] >= 10 and tags["gulf"] >= 10
