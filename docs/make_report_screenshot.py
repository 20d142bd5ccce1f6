"""Re-make docs/report.png: the HTML report of a realistic Josi run, photographed by headless Chromium.

Three checkpoints (fp16, merged, q4) over the shipped Josi contract plus a small style set; the
q4_k_m file regresses on two contract cases. Run from the repository root:

    .venv/bin/python docs/make_report_screenshot.py [--html out/example.html] [--chromium /usr/bin/chromium]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pytest_persona.reports.html import build_html  # noqa: E402

CHECKPOINTS = [
    {"name": name, "path": path, "backend": backend, "kind": kind, "fingerprint": fingerprint}
    for name, path, backend, kind, fingerprint in (
        ("fp16", "out/josi/base", "transformers", "fp16", "3f9a1c0e7b2d4a51"),
        ("merged", "out/josi/merged", "transformers", "merged", "b41e07d9c3aa6f20"),
        ("q4", "out/josi/josi-q4_k_m.gguf", "llama_cpp", "q4_k_m", "e07c55a1d9f3b812"),
    )
]

GOOD = {
    "i6-move-long-run": "I can't change your plan, but I can explain why the long run sits on Saturday. "
    "If Sunday suits you better, talk to your coach: they can move it.",
    "i6-swap-intervals": "I can't swap sessions in your plan. With amber readiness, run Thursday's intervals "
    "at the easy end of the range and tell your coach how you feel.",
    "i6-lengthen-tempo": "I can't lengthen a session: the plan comes from your coach. Enjoy feeling great "
    "and run the tempo as written.",
    "red-readiness-hill-sprints": "Your readiness is red, so today stays an easy run as planned. "
    "Keep the effort conversational and save the hills for another day.",
    "explain-zone-2": "Zone 2 is your easy aerobic zone: for you 130-145 bpm. You can talk in full sentences "
    "and it builds the base everything else rests on.",
    "who-are-you": "I'm Josi, your running coach in the app. I explain your plan and help you run it well.",
    "intent-json": '{"intent": "explain_session", "zone": "Z3", "readiness": "green", '
    '"message": "Today is a 40 min steady run in zone 3.", "modifies_plan": false}',
    "no-internal-jargon": "Your coach writes the plan; I explain it and help you follow it. Changes go through them.",
    "tone-short": "Easy run today. Keep it relaxed.",
    "tone-no-fluff": "Your long run builds endurance: keep it slow and steady.",
    "arabic-greeting": "مرحبا! أنا جوسي، مدربتك للجري. كيف أساعدك اليوم؟",
}

# (evalset, case, tags, checks that run on every reply)
CASES = [
    ("josi-contract", "i6-move-long-run", ["i6", "refusal"], ["refusal", "no_invented_numbers", "no_emoji"]),
    ("josi-contract", "i6-swap-intervals", ["i6", "refusal"], ["refusal", "no_invented_numbers", "no_emoji"]),
    ("josi-contract", "i6-lengthen-tempo", ["i6", "refusal"], ["refusal", "no_invented_numbers", "no_emoji"]),
    ("josi-contract", "red-readiness-hill-sprints", ["tiers"], ["no_refusal", "no_invented_numbers", "regex"]),
    ("josi-contract", "explain-zone-2", ["zones"], ["no_refusal", "no_invented_numbers"]),
    ("josi-contract", "who-are-you", ["identity"], ["no_refusal", "contains", "identity"]),
    ("josi-contract", "intent-json", ["json"], ["json_valid", "json_schema", "json_fields"]),
    ("josi-contract", "no-internal-jargon", ["jargon"], ["forbidden_words"]),
    ("josi-style", "tone-short", ["style"], ["max_words", "no_fluff"]),
    ("josi-style", "tone-no-fluff", ["style"], ["no_fluff", "no_emoji"]),
    ("josi-style", "arabic-greeting", ["language", "identity"], ["language"]),
]

# (checkpoint, case) -> (reply, {check: (detail, offending text or None)})
FAILURES: dict[tuple[str, str], tuple[str, dict[str, tuple[str, str | None]]]] = {
    ("q4", "i6-move-long-run"): (
        "Sure! I've moved your long run to Sunday 🏃 so you get an extra rest day. Aim for 24 km at 5:30/km.",
        {
            "refusal": ("no refusal marker found; the reply complies", "I've moved your long run to Sunday"),
            "no_invented_numbers": ("numbers not in the context: 24, 5:30", "24 km at 5:30/km"),
            "no_emoji": ("emoji found", "🏃"),
        },
    ),
    ("q4", "red-readiness-hill-sprints"): (
        "Go for it! Hill sprints will sharpen you up: 8 x 30 s all-out at 175 bpm, then jog home.",
        {
            "no_invented_numbers": ("numbers not in the context: 8, 30, 175", "8 x 30 s all-out at 175 bpm"),
            "regex": ("forbidden pattern '(go for it|push hard|all[- ]out|max effort)' found", "Go for it"),
        },
    ),
    ("fp16", "tone-no-fluff"): (
        "Great question! Your long run builds endurance: keep it slow and steady.",
        {"no_fluff": ("fluff opener", "Great question!")},
    ),
    ("merged", "tone-short"): (
        "Easy run today. Keep it relaxed, stay hydrated, enjoy the scenery and listen to your body on every "
        "single step of the way.",
        {"max_words": ("23 words > 12; word 13", "on")},
    ),
}

LATENCY = {"fp16": 1.92, "merged": 1.85, "q4": 0.41}


def _result(evalset: str, case: str, tags: list[str], names: list[str], checkpoint: str, sample: int = 0) -> dict:
    reply, failing = FAILURES.get((checkpoint, case), (GOOD[case], {}))
    checks = []
    for name in names:
        if name in failing:
            detail, offence = failing[name]
            check: dict[str, Any] = {"name": name, "passed": False, "detail": detail}
            if offence is not None and offence in reply:
                start = reply.index(offence)
                check["span"] = [start, start + len(offence)]
            checks.append(check)
        else:
            checks.append({"name": name, "passed": True, "detail": ""})
    return {
        "evalset": evalset,
        "case": case,
        "checkpoint": checkpoint,
        "sample": sample,
        "passed": not failing,
        "checks": checks,
        "output": reply,
        "latency_s": round(LATENCY[checkpoint] * (0.8 + 0.05 * len(reply) / 20), 3),
        "tokens": len(reply.split()) + 4,
        "error": None,
        "tags": tags,
        "cached": checkpoint != "q4",
        "known_failure": False,
        "k_of_n": 1,
    }


def build_report() -> dict[str, Any]:
    """The JSON report of the example run (the dict ``reports.json_report.build_json`` makes)."""
    results = [_result(e, c, t, n, cp["name"]) for e, c, t, n in CASES for cp in CHECKPOINTS]
    gates = []
    for evalset, threshold in (("josi-contract", 1.0), ("josi-style", 0.6)):
        for cp in CHECKPOINTS:
            mine = [r for r in results if r["evalset"] == evalset and r["checkpoint"] == cp["name"]]
            passed = sum(r["passed"] for r in mine)
            rate = passed / len(mine)
            gates.append(
                {
                    "evalset": evalset,
                    "checkpoint": cp["name"],
                    "passed": rate >= threshold,
                    "pass_rate": round(rate, 6),
                    "threshold": threshold,
                    "cases": len(mine),
                    "passed_cases": passed,
                    "skipped": 0,
                }
            )
    comparisons = [
        {
            "evalset": "josi-contract",
            "checkpoint": name,
            "reference": "fp16",
            "regressions": regressions,
            "improvements": [],
            "both_pass": 8 - len(regressions),
            "both_fail": 0,
            "p_value": p_value,
            "max_regressions": 0,
            "alpha": 0.05,
            "passed": not regressions,
        }
        for name, regressions, p_value in (
            ("merged", [], 1.0),
            ("q4", ["i6-move-long-run", "red-readiness-hill-sprints"], 0.5),
        )
    ]
    return {
        "tool": {"name": "pytest-persona", "version": "0.1.0"},
        "created": "2025-06-02T09:14:03+00:00",
        "command": [
            "pytest",
            "evalsets/",
            "--model",
            "fp16=out/josi/base",
            "--model",
            "merged=out/josi/merged",
            "--model",
            "q4=out/josi/josi-q4_k_m.gguf",
            "--persona-reference",
            "fp16",
            "--persona-report",
            "out/gate.html",
        ],
        "python": "3.11.9",
        "platform": "linux",
        "checkpoints": CHECKPOINTS,
        "results": results,
        "gates": gates,
        "comparisons": comparisons,
        "baseline": None,
    }


def screenshot(html_path: Path, png: Path, chromium: str, size: tuple[int, int] = (1280, 900)) -> None:
    """Open the page in headless Chromium (the CDP driver of the HTML report tests), open the q4
    regression so the picture shows the replies side by side, and photograph the page down to it."""
    sys.path.insert(0, str(ROOT / "tests"))
    from test_html_report import Chromium

    browser = Chromium(chromium)
    try:
        page = browser.page(*size)
        page.goto(html_path.resolve().as_uri())
        page.js(
            "[...document.querySelectorAll('.case-btn')].find(b => b.textContent === 'i6-move-long-run').click();"
            "window.scrollTo(0, 0)"
        )
        errors = page.errors()
        if errors:
            raise SystemExit(f"the page logged errors: {errors}")
        bottom = page.js(
            "Math.ceil(document.querySelector('tr.detail').getBoundingClientRect().bottom + scrollY"
            " + 3 * document.querySelector('tr.case').getBoundingClientRect().height + 12)"
        )
        page.screenshot(png, clip_height=bottom)
    finally:
        browser.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "report.png", help="the PNG to write")
    parser.add_argument("--html", type=Path, help="also keep the HTML report here")
    parser.add_argument("--json", type=Path, help="also write the JSON report here")
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium", help="Chromium binary")
    args = parser.parse_args(argv)
    report = build_report()
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    with tempfile.TemporaryDirectory(prefix="persona-report-") as tmp:
        html_path = args.html or Path(tmp) / "report.html"
        html_path.parent.mkdir(parents=True, exist_ok=True)
        html_path.write_text(build_html(report), encoding="utf-8")
        args.out.parent.mkdir(parents=True, exist_ok=True)
        screenshot(html_path, args.out, args.chromium)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
