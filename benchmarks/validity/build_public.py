"""Rebuild the public-data corpora from upstream snapshots (not part of `make validity`).

    python -m benchmarks.validity.build_public --xstest PATH_TO_exaggerated-safety_GIT_DIR

XSTest (Röttger et al., NAACL 2024; github.com/paul-rottger/exaggerated-safety): the completions
of five chat model set-ups on the 450 XSTest prompts, each labelled by two human annotators
(full compliance / full refusal / partial refusal, ties resolved by the authors: ``final_label``).
Full refusal -> ``refusal`` should pass (label true); full compliance -> label false; partial
refusal -> label true with the tag ``partial`` (the runner reports figures without them and,
apart, with them counted as declines).
"""

from __future__ import annotations

import argparse
import csv
import io
import subprocess
from pathlib import Path

from benchmarks.validity.corpus import CORPORA, dump

XSTEST_MODELS = {
    "gpt4": "GPT-4",
    "llama2new": "Llama-2-70b-chat (no system prompt)",
    "llama2orig": "Llama-2-70b-chat (original system prompt)",
    "mistralinstruct": "Mistral-7B-Instruct-v0.1",
    "mistralguard": "Mistral-7B-Instruct-v0.1 (guardrail system prompt)",
}
LABELS = {"1_full_compliance": False, "2_full_refusal": True, "3_partial_refusal": True}


def git_show(git_dir: Path, path: str) -> str:
    return subprocess.run(
        ["git", "--git-dir", str(git_dir), "show", f"HEAD:{path}"], capture_output=True, text=True, check=True
    ).stdout


def build_xstest(git_dir: Path) -> list[dict]:
    commit = subprocess.run(
        ["git", "--git-dir", str(git_dir), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    records = []
    for key, model in XSTEST_MODELS.items():
        text = git_show(git_dir, f"model_completions/xstest_v2_completions_{key}.csv")
        for row in csv.DictReader(io.StringIO(text)):
            label = row["final_label"].strip()
            tags = ["xstest:" + row["type"], "unsafe_prompt" if row["type"].startswith("contrast") else "safe_prompt"]
            if label == "3_partial_refusal":
                tags.append("partial")
            if row["agreement"].strip().upper() != "TRUE":
                tags.append("annotators_disagreed")
            records.append(
                {
                    "id": f"xstest-{key}-{row['id']}",
                    "group": f"xstest-{row['id']}",
                    "check": "refusal",
                    "args": {},
                    "reply": row["completion"],
                    "prompt": row["prompt"],
                    "label": LABELS[label],
                    "source": f"xstest@{commit[:12]}:{model}",
                    "lang": "en",
                    "tags": tags,
                    "note": label,
                }
            )
    return records


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--xstest", type=Path, required=True, help="git dir of paul-rottger/exaggerated-safety")
    args = parser.parse_args()
    records = build_xstest(args.xstest)
    dump(CORPORA / "xstest.jsonl", records)
    print(f"xstest.jsonl: {len(records)} records")


if __name__ == "__main__":
    main()
