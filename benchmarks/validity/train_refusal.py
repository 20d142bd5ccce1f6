"""Train the ``refusal`` scorer's weights on the DEV split of the validity corpora (never held-out).

    python -m benchmarks.validity.train_refusal            # writes pytest_persona/checks/refusal_model.json.gz
    python -m benchmarks.validity.train_refusal --cv 5     # grouped 5-fold cross-validation on dev, writes nothing
    python -m benchmarks.validity.train_refusal --cv 5 --errors   # ... and lists the cross-validated errors

Logistic regression over ``refusal_model.features``, fitted by seeded SGD (AdaGrad steps, L2) in
pure Python, so the same corpora give byte-identical weights. Corpora are weighted so the few
hundred persona replies in five languages count as much as the many English XSTest ones. XSTest
partial refusals are left out of training (they are neither a full decline nor an answer).
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import math
import random
import sys
import zlib
from collections import defaultdict
from pathlib import Path

from benchmarks.validity.corpus import Record, load
from pytest_persona.checks.normalize import SCAN_LIMIT, fold
from pytest_persona.checks.refusal_model import MODEL_PATH, features

CORPUS_WEIGHT = {"xstest": 1.0, "hand_refusal": 3.0, "hand_refusal_extra": 3.0, "peers": 2.0, "smollm2": 2.0}
EPOCHS, RATE, L2, MIN_WEIGHT, SEED = 20, 0.1, 1e-4, 1e-3, 0


def dev_records() -> list[Record]:
    """Every dev-split refusal record but XSTest's partial refusals (held-out ones are never read)."""
    return [r for r in load() if r.split == "dev" and r.check == "refusal" and "partial" not in r.tags]


def encode(records: list[Record]) -> list[tuple[list[str], float, float]]:
    """(features, label 0/1, sample weight) per record."""
    out = []
    for rec in records:
        feats = features(fold(rec.reply[:SCAN_LIMIT]).text, rec.prompt or "")[0]
        out.append((feats, 1.0 if rec.label else 0.0, CORPUS_WEIGHT.get(rec.corpus, 1.0)))
    return out


def fit(data: list[tuple[list[str], float, float]], seed: int = SEED) -> dict[str, float]:
    """Seeded SGD logistic regression with per-feature AdaGrad steps and L2."""
    w: dict[str, float] = defaultdict(float)
    g2: dict[str, float] = defaultdict(lambda: 1e-8)
    order = list(range(len(data)))
    rng = random.Random(seed)
    for _ in range(EPOCHS):
        rng.shuffle(order)
        for i in order:
            feats, y, sw = data[i]
            z = max(-30.0, min(30.0, sum(w[f] for f in feats)))
            grad = (1.0 / (1.0 + math.exp(-z)) - y) * sw
            for f in feats:
                g = grad + L2 * w[f]
                g2[f] += g * g
                w[f] -= RATE * g / math.sqrt(g2[f])
    return {f: round(v, 4) for f, v in sorted(w.items()) if abs(v) >= MIN_WEIGHT}


def probability(weights: dict[str, float], feats: list[str]) -> float:
    z = max(-30.0, min(30.0, sum(weights.get(f, 0.0) for f in feats)))
    return 1.0 / (1.0 + math.exp(-z))


def cross_validate(records: list[Record], k: int, show_errors: bool = False) -> dict[str, list[int]]:
    """Grouped k-fold on dev: accuracy, precision and recall per corpus and language of the held-back folds."""
    # a group's fold comes from its name alone, so adding records does not reshuffle the others
    fold_of = {g: zlib.crc32(g.encode("utf-8")) % k for g in {r.group or r.id for r in records}}
    data = encode(records)
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # tp fp tn fn
    errors = []
    for part in range(k):
        train = [d for d, r in zip(data, records, strict=True) if fold_of[r.group or r.id] != part]
        weights = fit(train)
        for d, r in zip(data, records, strict=True):
            if fold_of[r.group or r.id] != part:
                continue
            p = probability(weights, d[0])
            pred, label = p >= 0.5, bool(d[1])
            cell = 0 if pred and label else 1 if pred else 3 if label else 2
            for key in (r.corpus, f"lang:{r.lang}", "ALL"):
                counts[key][cell] += 1
            if pred != label:
                errors.append((r, p))
    for key, (tp, fp, tn, fn) in sorted(counts.items()):
        n = tp + fp + tn + fn
        prec = tp / (tp + fp) if tp + fp else float("nan")
        rec = tp / (tp + fn) if tp + fn else float("nan")
        print(f"cv {key:<14} n={n:<5} acc={(tp + tn) / n:.3f}  P={prec:.3f}  R={rec:.3f}  fp={fp} fn={fn}")
    if show_errors:
        for r, p in sorted(errors, key=lambda e: (e[0].corpus, e[0].lang, e[0].label)):
            kind = "MISS" if r.label else "FALSE"
            print(f"\n[{kind} p={p:.2f}] {r.corpus} {r.lang} {r.id} prompt={(r.prompt or '')[:100]!r}")
            print("   ", r.reply[:300].replace("\n", " | "))
    return counts


def write(weights: dict[str, float], path: Path = MODEL_PATH) -> None:
    buf = io.BytesIO()
    body = json.dumps({"format": 1, "trained_on": "benchmarks/validity dev split", "weights": weights},
                      ensure_ascii=False, sort_keys=True, separators=(",", ":"))  # fmt: skip
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0) as f:
        f.write(body.encode("utf-8"))
    path.write_bytes(buf.getvalue())
    print(f"wrote {path} ({len(weights)} weights, {path.stat().st_size:,} bytes)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.validity.train_refusal", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--cv", type=int, default=0, metavar="K", help="grouped K-fold cross-validation on dev; no file"
    )
    parser.add_argument("--errors", action="store_true", help="with --cv: list the cross-validated errors")
    args = parser.parse_args(argv)
    records = dev_records()
    if args.cv:
        cross_validate(records, args.cv, args.errors)
        return 0
    write(fit(encode(records)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
