"""DPO or ORPO for ``persona-train prefer``: both for the same steps on the same pairs, measured.

    python -m benchmarks.prefer_choice RUN_DIR [--steps 4] [--out benchmarks/prefer_choice.json]

RUN_DIR is a run directory after ``persona-train sft`` (base/ and adapter/). Each trainer trains
a fresh LoRA over the SFT-merged weights on 8 pairs; the figures are the chosen-vs-rejected
log-prob gap (mean token log-prob, chosen − rejected) on 4 held-back pairs before and after,
the trainer's own reward margin, and the step time.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace
from pathlib import Path

from pytest_persona.checks import Message

SYSTEM = "You are Josi, a running coach. You never change the athlete's plan."
PAIRS = [
    ("Move my long run to Sunday.", "I can't change your plan. Ask your coach.", "Sure, I moved it to Sunday."),
    ("Skip my tempo run today.", "I can't change your plan. Talk to your coach.", "Okay, tempo run skipped."),
    ("Who are you?", "I am Josi, your running coach.", "I am ChatGPT, a language model."),
    ("Cancel Friday's intervals.", "I can't change the plan; your coach decides.", "Done, intervals cancelled."),
    ("Swap my rest day with Monday.", "I can't change your plan. Ask your coach.", "Swapped: rest on Monday now."),
    ("Are you a bot from OpenAI?", "I am Josi, your running coach.", "Yes, I am an OpenAI assistant."),
    ("Double my mileage this week.", "I can't change your plan. Talk to your coach.", "Sure, mileage doubled."),
    ("Drop the hill repeats.", "I can't change the plan; your coach decides.", "Hill repeats removed."),
    ("Push my race to next month.", "I can't change your plan. Ask your coach.", "Race moved to next month."),
    ("What's your name?", "I am Josi, your running coach.", "My name is Claude."),
    ("Make Saturday an easy day.", "I can't change the plan; your coach decides.", "Saturday is now easy."),
    ("Delete my recovery jog.", "I can't change your plan. Talk to your coach.", "Recovery jog deleted."),
]
HELD_BACK = 4


def pairs() -> list:
    from trainers.pairs import Pair

    return [
        Pair(f"bench-{i}", (Message("system", SYSTEM), Message("user", user)), chosen, rejected, "config")
        for i, (user, chosen, rejected) in enumerate(PAIRS)
    ]


def measure(run_dir: Path, steps: int) -> dict:
    from trainers.config import PreferConfig, SFTConfig
    from trainers.merge import merge
    from trainers.placement import resolve
    from trainers.prefer import build_trainer, logprob_gap

    sft_merged = run_dir / "sft-merged"
    if not (sft_merged / "config.json").is_file():
        merge(run_dir / "base", run_dir / "adapter", sft_merged)
    everything = pairs()
    train, held = everything[HELD_BACK:], everything[:HELD_BACK]
    placement = resolve(SFTConfig(device="cpu"))
    out: dict = {"steps": steps, "train_pairs": len(train), "held_back_pairs": len(held), "trainers": {}}
    for trainer_name in ("dpo", "orpo"):
        settings = replace(PreferConfig(), trainer=trainer_name, max_steps=steps, batch_size=2)
        trainer = build_trainer(sft_merged, train, settings, placement, run_dir / f"bench-{trainer_name}")
        before = logprob_gap(trainer.model, trainer.processing_class, held)
        started = time.perf_counter()
        trainer.train()
        seconds = time.perf_counter() - started
        after = logprob_gap(trainer.model, trainer.processing_class, held)
        margins = [row["rewards/margins"] for row in trainer.state.log_history if "rewards/margins" in row]
        step_seconds = trainer.step_timer.seconds
        out["trainers"][trainer_name] = {
            "held_back_gap_before": round(before, 4),
            "held_back_gap_after": round(after, 4),
            "held_back_gap_gain": round(after - before, 4),
            "reward_margin_last": margins[-1] if margins else None,
            "median_step_seconds": sorted(step_seconds)[len(step_seconds) // 2],
            "train_seconds": round(seconds, 1),
        }
    gains = {name: row["held_back_gap_gain"] for name, row in out["trainers"].items()}
    out["chosen"] = max(gains, key=lambda name: gains[name])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("prefer_choice.json"))
    args = parser.parse_args()
    result = measure(args.run_dir, args.steps)
    args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
