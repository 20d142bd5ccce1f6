"""Data mixing by source (data.sources): shares met without repeating an example, seeded, recorded
in the hygiene report; impossible shares, bad sums and missing files refused naming the key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trainers.cli import main as persona_train
from trainers.config import ConfigError, load_config
from trainers.hygiene import content_hash
from trainers.mixing import MixError, apportion, mix_sources
from trainers.pipeline import training_examples

SHARES = {"synthetic": 0.5, "natural": 0.3, "cognitive": 0.2}  # the Haitham v3 plan's mix


def write_source(folder: Path, name: str, count: int, repeats: int = 0) -> Path:
    rows = [
        {"messages": [{"role": "user", "content": f"{name} command {i}"},
                      {"role": "assistant", "content": f'{{"source": "{name}", "n": {i}}}'}]}
        for i in range(count)
    ]  # fmt: skip
    rows += rows[:repeats]
    path = folder / f"{name}.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def write_config(folder: Path, sources: str, extra: str = "") -> Path:
    path = folder / "train.yaml"
    path.write_text(f"data:\n  system_prompt: You are Haitham.\n  sources:\n{sources}{extra}", encoding="utf-8")
    return path


def plan_sources(folder: Path, counts: dict[str, int]) -> str:
    for name, count in counts.items():
        write_source(folder, name, count)
    return "".join(f"    - {{path: {name}.jsonl, share: {SHARES[name]}}}\n" for name in counts)


def test_apportion_sums_to_the_total_by_largest_remainder() -> None:
    assert apportion([0.5, 0.3, 0.2], 10) == [5, 3, 2]
    assert apportion([0.5, 0.3, 0.2], 7) == [4, 2, 1]  # 3.5, 2.1, 1.4: the .5 gets the spare one
    assert apportion([1 / 3, 1 / 3, 1 / 3], 100) == [34, 33, 33]
    assert all(sum(apportion([0.5, 0.3, 0.2], n)) == n for n in range(50))


def test_the_largest_mix_meets_the_shares_exactly(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, plan_sources(tmp_path, {"synthetic": 100, "natural": 100,
                                                                         "cognitive": 100})))  # fmt: skip
    examples, mix = training_examples(config)
    assert [(m.taken, m.available, m.achieved) for m in mix] == [(100, 100, 0.5), (60, 100, 0.3), (40, 100, 0.2)]
    assert len(examples) == 200
    assert len({content_hash(e.messages) for e in examples}) == 200  # nothing repeated
    by_source = [sum(1 for e in examples if e.path == tmp_path / f"{n}.jsonl") for n in SHARES]
    assert by_source == [100, 60, 40]


def test_sampling_is_seeded(tmp_path: Path) -> None:
    sources = [(write_source(tmp_path, "a", 50), 0.5), (write_source(tmp_path, "b", 50), 0.5)]
    first, _ = mix_sources(sources, seed=0, size=40)
    again, _ = mix_sources(sources, seed=0, size=40)
    other, _ = mix_sources(sources, seed=1, size=40)
    lines = [(e.path, e.line) for e in first]
    assert lines == [(e.path, e.line) for e in again]
    assert lines != [(e.path, e.line) for e in other]
    from_a = [e.line for e in first if e.path == sources[0][0]]
    assert from_a == sorted(from_a)  # file order within a source


def test_repeats_inside_a_source_count_once(tmp_path: Path) -> None:
    sources = [(write_source(tmp_path, "a", 10, repeats=5), 0.5), (write_source(tmp_path, "b", 40), 0.5)]
    examples, mix = mix_sources(sources, seed=0)
    assert [(m.available, m.repeats_skipped, m.taken) for m in mix] == [(10, 5, 10), (40, 0, 10)]
    assert len({content_hash(e.messages) for e in examples}) == len(examples) == 20


def test_a_share_that_would_need_repeats_is_refused(tmp_path: Path) -> None:
    sources = plan_sources(tmp_path, {"synthetic": 500, "natural": 100, "cognitive": 200})
    config = load_config(write_config(tmp_path, sources, "  mix_size: 1000\n"))
    with pytest.raises(Exception, match=r"data\.sources\[1\]\.share: 0\.3 of data\.mix_size 1000 needs 300 examples"
                       r".*natural\.jsonl, which has 100 distinct examples.*at most 333"):  # fmt: skip
        training_examples(config)
    with pytest.raises(MixError, match="no examples"):
        mix_sources([(write_source(tmp_path, "empty", 0), 1.0)], seed=0)


def test_check_data_records_the_achieved_mix(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sources = plan_sources(tmp_path, {"synthetic": 60, "natural": 60, "cognitive": 60})
    config = write_config(tmp_path, sources, "  mix_size: 100\n")
    assert persona_train(["check-data", str(config), "--out", str(tmp_path / "out")]) == 0
    table = capsys.readouterr().out
    assert "mixed from (target share → achieved):" in table
    assert "natural.jsonl: 30 % → 30.0 % (30 of 60 distinct examples)" in table
    report = json.loads((tmp_path / "out" / "data" / "hygiene.json").read_text("utf-8"))
    assert [(s["taken"], s["achieved_share"]) for s in report["stats"]["sources"]] == [(50, 0.5), (30, 0.3), (20, 0.2)]
    assert report["stats"]["examples"] == 100


def test_the_cli_refuses_an_impossible_mix_with_the_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sources = plan_sources(tmp_path, {"synthetic": 10, "natural": 10, "cognitive": 10})
    config = write_config(tmp_path, sources, "  mix_size: 50\n")
    assert persona_train(["check-data", str(config)]) == 3
    assert "data.sources[0].share: 0.5 of data.mix_size 50 needs 25 examples" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("sources", "extra", "message"),
    [
        ("    - {path: a.jsonl, share: 0.5}\n    - {path: b.jsonl, share: 0.3}\n    - {path: c.jsonl, share: 0.3}\n",
         "", r"train.yaml:4: data.sources: the shares sum to 1.1 \(0.5 \+ 0.3 \+ 0.3\), not 1"),
        ("    - {path: a.jsonl, share: 50}\n    - {path: b.jsonl, share: 50}\n", "",
         r"train.yaml:4: data.sources\[0\].share: a share is in \(0, 1\] \(not percent\), got 50"),
        ("    - {path: a.jsonl, share: 0.5}\n    - {path: missing.jsonl, share: 0.5}\n", "",
         r"train.yaml:5: data.sources\[1\].path: .*missing.jsonl does not exist"),
        ("    - {path: a.jsonl, share: 0.5}\n    - {path: ./a.jsonl, share: 0.5}\n", "",
         r"data.sources\[1\].path: the same file as data.sources\[0\]"),
        ("    - {path: a.jsonl}\n", "", r"data.sources\[0\]: 'share' is required"),
        ("    - {path: a.jsonl, share: 1.0}\n", "  train: a.jsonl\n", "give data.train or data.sources, not both"),
        ("    - {path: a.jsonl, share: 1.0}\n", "  mix_size: 0\n", "data.mix_size: a positive number"),
    ],
)  # fmt: skip
def test_bad_sources_are_refused_naming_the_key(tmp_path: Path, sources: str, extra: str, message: str) -> None:
    for name in "abc":
        write_source(tmp_path, name, 4)
    with pytest.raises(ConfigError, match=message):
        load_config(write_config(tmp_path, sources, extra))


def test_shares_within_the_tolerance_pass_and_no_data_at_all_is_named(tmp_path: Path) -> None:
    for name in "abc":
        write_source(tmp_path, name, 4)
    close = (
        "    - {path: a.jsonl, share: 0.5}\n    - {path: b.jsonl, share: 0.3}\n"
        "    - {path: c.jsonl, share: 0.2000004}\n"
    )
    assert len(load_config(write_config(tmp_path, close)).data.sources) == 3
    (tmp_path / "none.yaml").write_text("data:\n  system_prompt: x\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"none.yaml:\d+: data: give the training data: data.train, or data.sources"):
        load_config(tmp_path / "none.yaml")
