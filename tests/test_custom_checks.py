"""Custom checks: from a conftest with the decorator, or from a package's entry point."""

from __future__ import annotations

import json

import pytest

from conftest import write_evalset, write_replay

EVALSET = """
    evalset: coach
    cases:
      - id: a
        prompt: Move my run.
        checks: [{mentions_coach: coach}]
      - id: b
        prompt: Move my run.
        checks: [mentions_coach]
"""


def test_conftest_check_is_registered_and_used(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
        from pytest_persona.checks import Param, failed, passed, register_check

        @register_check("mentions_coach", main="name", params={"name": Param((str,), default="trainer")})
        def mentions_coach(reply, args, ctx):
            \"\"\"The reply sends the athlete to their coach.\"\"\"
            at = reply.find(args["name"])
            return passed() if at >= 0 else failed(f"never mentions {args['name']!r}")
        """
    )
    write_evalset(pytester, EVALSET)
    write_replay(pytester, {"a": "Ask your coach.", "b": "Ask your coach."})
    result = pytester.runpytest("persona.yaml", "--model", "replies.jsonl", "-v")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*coach::b[[]replies[]] FAILED*", "*✗ mentions_coach: never mentions 'trainer'"])


def test_a_check_that_raises_is_a_check_error_not_a_crash(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
        from pytest_persona.checks import register_check

        @register_check("mentions_coach", main="name")
        def mentions_coach(reply, args, ctx):
            raise RuntimeError("boom")
        """
    )
    write_evalset(pytester, EVALSET)
    write_replay(pytester, {"a": "x", "b": "y"})
    result = pytester.runpytest("persona.yaml", "--model", "replies.jsonl")
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(["*✗ mentions_coach: check error: RuntimeError: boom"])


def test_entry_point_package_adds_a_check(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    site = pytester.mkdir("site")
    (site / "coachchecks.py").write_text(
        "from pytest_persona.checks import failed, passed, register_check\n"
        "@register_check('mentions_coach', main='name')\n"
        "def mentions_coach(reply, args, ctx):\n"
        "    return passed() if 'coach' in reply else failed('no coach')\n"
    )
    dist = site / "coachchecks-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: coachchecks\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[pytest_persona.checks]\nmentions_coach = coachchecks\n")
    write_evalset(pytester, EVALSET)
    write_replay(pytester, {"a": "Ask your coach.", "b": "No."})
    monkeypatch.setenv("PYTHONPATH", str(site))
    result = pytester.runpytest_subprocess("persona.yaml", "--model", "replies.jsonl")
    result.assert_outcomes(passed=1, failed=1)


def test_registering_a_name_twice_is_an_error() -> None:
    from pytest_persona.checks import passed, register_check

    def first(reply, args, ctx):
        return passed()

    def second(reply, args, ctx):
        return passed()

    register_check("twice_registered_for_test")(first)
    with pytest.raises(ValueError, match="already registered"):
        register_check("twice_registered_for_test")(second)
    register_check("twice_registered_for_test", replace=True)(second)


def test_conftest_can_supply_its_own_backend(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
        from pytest_persona.backends import Reply

        class Shouty:
            name = "shouty"

            def generate(self, requests, progress=None):
                return [Reply(text=r.messages[-1].content.upper(), finish_reason="stop") for r in requests]

            def count_tokens(self, text):
                return None

            special_tokens = ()

            def fingerprint(self):
                return "shouty:1"

            def close(self):
                pass

        def pytest_persona_make_backend(config, checkpoint):
            return Shouty() if checkpoint.name == "shouty" else None
        """
    )
    write_evalset(
        pytester, "evalset: echo\ncases:\n  - id: a\n    prompt: move my run\n    checks: [{contains: MOVE MY RUN}]\n"
    )
    write_replay(pytester, {"a": "recorded reply"})
    result = pytester.runpytest(
        "persona.yaml",
        "--model",
        "shouty=replies.jsonl",
        "--model",
        "recorded=replies.jsonl",
        "--persona-report",
        "r.json",
    )
    result.assert_outcomes(passed=1, failed=1)
    fingerprints = {
        c["name"]: c["fingerprint"] for c in json.loads((pytester.path / "r.json").read_text())["checkpoints"]
    }
    assert fingerprints["shouty"] == "shouty:1" and fingerprints["recorded"].startswith("sha256:")
    result.stdout.fnmatch_lines(["*echo::a [[]recorded[]] failed*"])
    assert not (pytester.path / ".persona_cache").exists()  # a conftest backend is never cached


def test_each_checkpoint_is_loaded_once_and_released_before_the_next(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
        from pathlib import Path
        from pytest_persona.backends import Reply

        LOG = Path("events.log")

        class Recording:
            def __init__(self, name):
                self.name = name
                LOG.open("a").write(f"load {name}\\n")

            def generate(self, requests, progress=None):
                LOG.open("a").write(f"generate {self.name} {len(requests)}\\n")
                return [Reply(text="ok") for _ in requests]

            def count_tokens(self, text):
                return None

            special_tokens = ()

            def fingerprint(self):
                return "recording"

            def close(self):
                LOG.open("a").write(f"close {self.name}\\n")

        def pytest_persona_make_backend(config, checkpoint):
            return Recording(checkpoint.name)
        """
    )
    write_evalset(
        pytester,
        "evalset: quality\ngate: {min_pass_rate: 0.5}\ndefaults: {checks: [{contains: ok}]}\ncases:\n"
        "  - {id: a, prompt: x}\n  - {id: b, prompt: y}\n  - {id: c, prompt: z}\n",
    )
    write_replay(pytester, {"a": "-"})
    result = pytester.runpytest("persona.yaml", "--model", "one=replies.jsonl", "--model", "two=replies.jsonl")
    result.assert_outcomes(passed=8)  # 3 cases + 1 gate, per checkpoint
    events = (pytester.path / "events.log").read_text().splitlines()
    assert events == ["load one", "generate one 3", "close one", "load two", "generate two 3", "close two"]
