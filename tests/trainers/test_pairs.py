"""persona-train pairs: preference pairs from a replay-made gate report; leakage refused; hostile files named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trainers.cli import main as persona_train
from trainers.pairs import PairsError, load_pairs

DEV = """\
evalset: josi-dev
system: You are Josi, a running coach.
defaults:
  checks: [{max_words: 14}]
cases:
  - id: move
    tags: [refusal]
    prompt: Could you push my tempo session to Thursday?
    checks: [{contains: coach}]
  - id: who
    tags: [identity]
    prompt: Tell me who built you.
    checks: [{contains: Josi}]
  - id: drop
    tags: [refusal]
    prompt: Please drop the hill repeats this week.
    checks: [{contains: coach}]
  - id: hello
    tags: [smalltalk]
    prompt: Hey there!
"""
RELEASE = """\
evalset: josi-release
system: You are Josi, a running coach.
defaults:
  checks: [{contains: coach}]
cases:
  - id: shift
    prompt: Shift my Saturday long run to next week.
"""
CHECKPOINT = {
    "move": "Sure, tempo moved to Thursday.",
    "who": "I was built by OpenAI.",
    "drop": "Done, no hills this week.",
    "hello": "Hi! Ready to run?",
}
REFERENCE = {
    "move": "Sorry, no.",  # fails contains: coach, so it cannot be chosen
    "who": "I am Josi, your running coach.",
    "drop": "Okay.",
    "hello": "Hello!",
}
TRAIN = [
    {
        "messages": [
            {"role": "user", "content": "Please move my long run to Monday."},
            {"role": "assistant", "content": "I can't change your plan. Ask your coach."},
        ],
        "tags": ["refusal"],
    },
    {
        "messages": [
            {"role": "user", "content": "What is a tempo run for?"},
            {"role": "assistant", "content": "It builds your threshold pace."},
        ],
        "tags": ["answer"],
    },
]


def replay(path: Path, replies: dict[str, str]) -> None:
    path.write_text("".join(json.dumps({"case": c, "output": o}) + "\n" for c, o in replies.items()))


@pytest.fixture
def project(pytester: pytest.Pytester) -> Path:
    """A dev eval set gated with the replay backend (the checkpoint and a reference) into a JSON report."""
    root = pytester.path
    (root / "dev.yaml").write_text(DEV)
    (root / "release.yaml").write_text(RELEASE)
    (root / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in TRAIN))
    replay(root / "ckpt.jsonl", CHECKPOINT)
    replay(root / "ref.jsonl", REFERENCE)
    result = pytester.runpytest_subprocess(
        "dev.yaml", "--model", "ckpt.jsonl", "--model", "ref.jsonl", "--persona-report", "report.json"
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED, result.stdout.str()[-2000:]
    (root / "train.yaml").write_text(
        "data:\n  train: train.jsonl\n  system_prompt: You are Josi, a running coach.\n  eval_sets: [release.yaml]\n"
        "prefer:\n  pairs: pairs.jsonl\n  dev_eval_sets: [dev.yaml]\n  checkpoint: ckpt\n  reference: ref\n"
    )
    return root


def test_pairs_from_a_replay_report(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert persona_train(["pairs", str(project / "report.json"), "--config", str(project / "train.yaml")]) == 0
    summary = json.loads(capsys.readouterr().out)
    pairs = {p.id: p for p in load_pairs(project / "pairs.jsonl")}
    assert set(pairs) == {"josi-dev::move", "josi-dev::who", "josi-dev::drop"}  # the failing cases, not hello
    move = pairs["josi-dev::move"]
    assert move.rejected == CHECKPOINT["move"]  # the checkpoint's own failing reply
    assert move.chosen == "I can't change your plan. Ask your coach."  # from training data tagged refusal
    assert move.source == "train:train.jsonl:1"
    assert [(m.role, m.content) for m in move.prompt] == [
        ("system", "You are Josi, a running coach."),
        ("user", "Could you push my tempo session to Thursday?"),
    ]
    assert pairs["josi-dev::who"].chosen == REFERENCE["who"]
    assert pairs["josi-dev::who"].source == "reference:ref"
    assert summary["pairs"] == 3 and summary["sources"] == {"reference": 1, "train": 2}


def test_chosen_written_in_the_config_comes_first_and_failing_ones_are_dropped(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = project / "train.yaml"
    config.write_text(
        config.read_text()
        + "  chosen:\n    move: I can't move it. Your coach decides.\n"
        + "    who: Built by a lab somewhere, I think.\n"  # fails contains: Josi
        + "    drop: Fine, skip them.\n"  # fails contains: coach, and the reference failed drop too
    )
    (project / "train.jsonl").write_text(json.dumps(TRAIN[1]) + "\n")  # nothing tagged refusal left
    assert persona_train(["pairs", str(project / "report.json"), "--config", str(config)]) == 0
    summary = json.loads(capsys.readouterr().out)
    pairs = {p.id: p for p in load_pairs(project / "pairs.jsonl")}
    assert pairs["josi-dev::move"].chosen == "I can't move it. Your coach decides."
    assert pairs["josi-dev::move"].source == "config:move"
    assert pairs["josi-dev::who"].source == "reference:ref"  # the config's reply failed its check
    dropped = {d["id"]: d["reason"] for d in summary["dropped"]}
    assert set(dropped) == {"josi-dev::drop"}
    assert "no chosen reply passes its checks: config:drop fails contains" in dropped["josi-dev::drop"]


def test_a_prompt_near_a_release_prompt_is_refused(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "dev.yaml").write_text(
        DEV.replace("Could you push my tempo session to Thursday?", "Shift my Saturday long run to next week!")
    )
    assert persona_train(["pairs", str(project / "report.json"), "--config", str(project / "train.yaml")]) == 1
    err = capsys.readouterr().err
    assert "touch a release eval set" in err
    assert "josi-dev::move" in err and "josi-release::shift" in err
    assert not (project / "pairs.jsonl").exists()


def test_a_report_on_the_release_eval_set_is_refused(
    project: Path, pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    replay(project / "rel.jsonl", {"shift": "Sure, moved."})
    pytester.runpytest_subprocess("release.yaml", "--model", "rel.jsonl", "--persona-report", "rel.json")
    assert persona_train(["pairs", str(project / "rel.json"), "--config", str(project / "train.yaml")]) == 1
    assert "made on the release eval set 'josi-release'" in capsys.readouterr().err
    config = project / "train.yaml"
    config.write_text(config.read_text().replace("dev_eval_sets: [dev.yaml]", "dev_eval_sets: [release.yaml]"))
    assert persona_train(["pairs", str(project / "report.json"), "--config", str(config)]) == 1
    assert "is a release eval set" in capsys.readouterr().err


def test_report_and_checkpoint_errors_are_named(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = str(project / "train.yaml")
    assert persona_train(["pairs", str(project / "report.json"), "--config", config, "--checkpoint", "nope"]) == 2
    assert "no checkpoint 'nope' (prefer.checkpoint); the report has ckpt, ref" in capsys.readouterr().err
    (project / "bad.json").write_text("{not json")
    assert persona_train(["pairs", str(project / "bad.json"), "--config", config]) == 2
    assert "bad.json: not JSON" in capsys.readouterr().err
    assert persona_train(["pairs", str(project / "report.json")]) == 2  # no dev eval set named anywhere
    assert "prefer.dev_eval_sets or --evalset" in capsys.readouterr().err


GOOD = {
    "id": "a",
    "prompt": [{"role": "system", "content": "S"}, {"role": "user", "content": "Move it."}],
    "chosen": "Ask your coach.",
    "rejected": "Moved.",
}


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("not json", "pairs.jsonl:2: not JSON"),
        ('["a"]', "pairs.jsonl:2: a pair is a JSON object, got a list"),
        (json.dumps({k: v for k, v in GOOD.items() if k != "chosen"}), "pairs.jsonl:2: missing key 'chosen'"),
        (json.dumps({**GOOD, "id": "b", "chosen": "  "}), "pairs.jsonl:2: 'chosen' is empty"),
        (json.dumps({**GOOD, "id": "b", "rejected": 3}), "pairs.jsonl:2: 'rejected' must be a string, got a number"),
        (
            json.dumps({**GOOD, "id": "b", "prompt": [{"role": "bot", "content": "x"}]}),
            "pairs.jsonl:2: 'prompt': messages[1]: unknown role 'bot'",
        ),
        (
            json.dumps({**GOOD, "id": "b", "prompt": [{"role": "assistant", "content": "x"}]}),
            "pairs.jsonl:2: 'prompt': message 1 is assistant, expected user",
        ),
        (
            json.dumps({**GOOD, "id": "b", "prompt": [*GOOD["prompt"], {"role": "assistant", "content": "x"}]}),
            "pairs.jsonl:2: 'prompt': the last message is not a user turn",
        ),
        (json.dumps({**GOOD, "id": "b", "chosen": "Moved."}), "pairs.jsonl:2: 'chosen' and 'rejected' are the same"),
        (json.dumps({**GOOD, "id": "b", "score": 1}), "pairs.jsonl:2: unknown key 'score'"),
        (json.dumps(GOOD), "pairs.jsonl:2: pair id 'a' already used at line 1"),
    ],
    ids=[
        "not-json",
        "not-object",
        "no-chosen",
        "empty",
        "not-string",
        "role",
        "order",
        "last-turn",
        "same",
        "unknown-key",
        "duplicate-id",
    ],  # fmt: skip
)
def test_hostile_pair_files_name_file_and_line(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "pairs.jsonl"
    path.write_text(json.dumps(GOOD) + "\n" + line + "\n")
    with pytest.raises(PairsError) as info:
        load_pairs(path)
    assert message in str(info.value)


def test_prefer_stage_refuses_a_bad_pair_file_naming_the_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "pairs.jsonl").write_text(json.dumps(GOOD) + "\n{}\n")
    (tmp_path / "adapter").mkdir()
    (tmp_path / "adapter" / "adapter_config.json").write_text("{}")
    config = tmp_path / "train.yaml"
    config.write_text("data:\n  train: t.jsonl\nprefer:\n  pairs: pairs.jsonl\n")
    assert persona_train(["prefer", str(config), "--out", str(tmp_path)]) == 2
    assert "pairs.jsonl:2: missing key 'prompt'" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("prefer", "message"),
    [
        ("  betta: 0.1\n", "train.yaml:4: prefer.betta: unknown key 'betta'"),
        ("  max_steps: many\n", "train.yaml:4: prefer.max_steps: expected int, got 'many'"),
        ("  trainer: ppo\n", "train.yaml:4: prefer.trainer: 'ppo'; use one of dpo, orpo"),
        ("  beta: -1\n", "train.yaml:4: prefer.beta: must be > 0"),
        ("  chosen:\n    move: ''\n", "train.yaml:5: prefer.chosen.move: an empty reply"),
        ("  chosen: [a]\n", "train.yaml:4: prefer.chosen: expected a mapping"),
    ],
    ids=["unknown", "ill-typed", "trainer", "beta", "empty-chosen", "chosen-list"],
)
def test_bad_prefer_config_names_file_line_and_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], prefer: str, message: str
) -> None:
    config = tmp_path / "train.yaml"
    config.write_text("data:\n  train: t.jsonl\nprefer:\n" + prefer)
    assert persona_train(["prefer", str(config), "--out", str(tmp_path / "o")]) == 2
    assert message in capsys.readouterr().err


def test_prefer_stage_refuses_pairs_that_leak_a_release_prompt(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "release.yaml").write_text(RELEASE)
    leaking = {**GOOD, "prompt": [{"role": "user", "content": "shift my saturday long run to next week"}]}
    (tmp_path / "pairs.jsonl").write_text(json.dumps(GOOD) + "\n" + json.dumps({**leaking, "id": "edited"}) + "\n")
    (tmp_path / "adapter").mkdir()
    (tmp_path / "adapter" / "adapter_config.json").write_text("{}")
    config = tmp_path / "train.yaml"
    config.write_text("data:\n  train: t.jsonl\n  eval_sets: [release.yaml]\nprefer:\n  pairs: pairs.jsonl\n")
    assert persona_train(["prefer", str(config), "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "1 pair(s) touch a release eval set" in err and "edited: " in err and "josi-release::shift" in err
    assert not (tmp_path / "sft-merged").exists()  # refused before anything was trained or merged
