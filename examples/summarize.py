"""Turn a gate's JSON report into a small, committed results summary (pass rate per checkpoint and eval set).

python examples/summarize.py out/josi-smollm2-135m/gate.json examples/josi/results-smollm2-135m.json \
    -- <the command that ran>
python examples/summarize.py --table   # every committed examples/<persona>/results-<base>.json as the README table
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def commit() -> str:
    try:
        done = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True)
        dirty = subprocess.run(["git", "status", "--porcelain"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return done.stdout.strip() + ("+uncommitted-changes" if dirty.strip() else "")


def summarize(report: dict, command: list[str]) -> dict:
    checkpoints = {c["name"]: {"backend": c["backend"], "fingerprint": c["fingerprint"]} for c in report["checkpoints"]}
    for gate in report["gates"]:
        entry = checkpoints[gate["checkpoint"]].setdefault("evalsets", {})
        entry[gate["evalset"]] = {
            "pass_rate": gate["pass_rate"],
            "passed_cases": gate["passed_cases"],
            "cases": gate["cases"],
            "gate_passed": gate["passed"],
        }
    comparisons = [
        {k: c[k] for k in ("evalset", "checkpoint", "reference", "regressions", "improvements", "p_value", "passed")}
        for c in report.get("comparisons") or []
    ]
    return {"command": command, "commit": commit(), "created": report["created"], "checkpoints": checkpoints,
            "comparisons": comparisons}  # fmt: skip


EXAMPLES = Path(__file__).resolve().parent


def persona_table(examples: Path = EXAMPLES) -> str:
    """The README's persona x base table: one row per committed results file and checkpoint."""
    rows = ["| persona | base | checkpoint | pass rate | gate | made by |", "|---|---|---|--:|---|---|"]
    for path in sorted(examples.glob("*/results-*.json")):
        summary = json.loads(path.read_text("utf-8"))
        persona, base = path.parent.name, path.stem.removeprefix("results-")
        command = " ".join(summary["command"])
        for name, checkpoint in summary["checkpoints"].items():
            for result in checkpoint.get("evalsets", {}).values():
                rate = f"{result['pass_rate']:.1%} ({result['passed_cases']}/{result['cases']})"
                verdict = "pass" if result["gate_passed"] else "fail"
                rows.append(f"| {persona} | {base} | {name} | {rate} | {verdict} | `{command}` |")
    return "\n".join(rows) + "\n"


def main(argv: list[str]) -> int:
    if argv == ["--table"]:
        print(persona_table(), end="")
        return 0
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    source, target, command = Path(argv[0]), Path(argv[1]), argv[3:] if argv[2:3] == ["--"] else argv[2:]
    summary = summarize(json.loads(source.read_text("utf-8")), command)
    target.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
