"""Under xdist each eval set × checkpoint runs whole on one worker: every case is generated once."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from conftest import write_evalset, write_replay
from pytest_persona.adapter.scheduling import persona_scope

RECORDING = """
import os
from pathlib import Path
from pytest_persona.backends import Reply

LOG = Path("events.log")

class Recording:
    def __init__(self, name):
        self.name = name

    def generate(self, requests, progress=None):
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        with LOG.open("a") as log:
            for r in requests:
                log.write(f"{worker} {self.name} {r.evalset} {r.case}\\n")
        return [Reply(text="ok " + r.case) for r in requests]

    def count_tokens(self, text):
        return None

    special_tokens = ()

    def fingerprint(self):
        return "recording:" + self.name

    def close(self):
        pass

def pytest_persona_make_backend(config, checkpoint):
    return Recording(checkpoint.name)
"""


def evalset(name: str, cases: int) -> str:
    lines = [f"evalset: {name}", "defaults: {checks: [{contains: ok}]}", "cases:"]
    lines += [f"  - {{id: c{i}, prompt: p{i}}}" for i in range(cases)]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("reference", [None, "one"])
def test_xdist_generates_each_case_once_and_keeps_eval_sets_whole(pytester: pytest.Pytester, reference) -> None:
    pytester.makeconftest(RECORDING)
    write_evalset(pytester, evalset("alpha", 6), "alpha")
    write_evalset(pytester, evalset("beta", 5), "beta")
    write_replay(pytester, {"c0": "-"})
    args = ["alpha.yaml", "beta.yaml", "--model", "one=replies.jsonl", "--model", "two=replies.jsonl"]
    args += ["-n", "2", "--persona-report", "r.json"] + (["--persona-reference", reference] if reference else [])
    result = pytester.runpytest_subprocess(*args)
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    events = [line.split() for line in (pytester.path / "events.log").read_text().splitlines()]
    generated = Counter((checkpoint, evalset, case) for _, checkpoint, evalset, case in events)
    assert len(generated) == 2 * (6 + 5)
    assert set(generated.values()) == {1}, generated  # nothing generated twice
    workers_per_unit = Counter()
    for worker, checkpoint, evalset_name, _ in {tuple(e) for e in events}:
        workers_per_unit[(evalset_name if reference else (evalset_name, checkpoint), worker)] += 1
    units = {unit for unit, _ in workers_per_unit}
    assert len(workers_per_unit) == len(units)  # each unit of work ran on exactly one worker
    assert {w for _, w in workers_per_unit} == {"gw0", "gw1"}  # and both workers had work
    report = json.loads((pytester.path / "r.json").read_text())
    assert len(report["results"]) == 22 and all(g["passed"] for g in report["gates"])


def test_the_scope_of_an_eval_set_item() -> None:
    assert persona_scope("evalsets/josi.yaml::josi::move-run[q4]", compared=False) == "evalsets/josi.yaml::josi[q4]"
    assert persona_scope("evalsets/josi.yaml::josi::gate[q4]", compared=True) == "evalsets/josi.yaml::josi"
    assert persona_scope("tests/test_api.py::test_reply[q4]", compared=False) is None
    assert persona_scope("data.jsonl::hygiene::duplicates", compared=False) is None
