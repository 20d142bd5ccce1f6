"""A server checkpoint over several replicas: routing, concurrency, failover, refusals, the report.

The servers are real HTTP servers on 127.0.0.1 speaking the OpenAI chat API, each answering
with its own name and the prompt, so every test can see which replica answered which case."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

EVALSET = """\
evalset: fleet
defaults: {max_tokens: 8, checks: [{regex: 'case'}]}
cases:
"""


class Replica:
    """One fake OpenAI-compatible server: its model id, delay, failure mode and what it saw."""

    def __init__(
        self,
        name: str,
        model: str = "tiny",
        delay: float = 0.0,
        status: int = 200,
        slots: int = 1,
        dies_after: int | None = None,
    ):
        self.name, self.model, self.delay, self.status, self.slots = name, model, delay, status, slots
        self.dies_after = dies_after  # answer this many requests, then drop the next one and stop serving
        self.build = "b1"
        self.prompts: list[str] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.lock = threading.Lock()
        replica = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path.endswith("/models"):
                    self._send(200, {"data": [{"id": replica.model}]})
                elif self.path == "/props":
                    self._send(200, {"total_slots": replica.slots, "build_info": replica.build})
                else:
                    self._send(404, {"error": {"message": "no such path"}})

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                prompt = body["messages"][-1]["content"]
                with replica.lock:
                    replica.in_flight += 1
                    replica.max_in_flight = max(replica.max_in_flight, replica.in_flight)
                    replica.prompts.append(prompt)
                    dying = replica.dies_after is not None and len(replica.prompts) > replica.dies_after
                if dying:  # killed mid-request: no answer, the connection drops, the port closes
                    threading.Thread(target=replica.close, daemon=True).start()
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                time.sleep(replica.delay)
                with replica.lock:
                    replica.in_flight -= 1
                if replica.status != 200:
                    self._send(replica.status, {"error": {"message": f"{replica.name} is broken"}})
                    return
                text = f"{replica.name} answers {prompt}"
                self._send(200, {"choices": [{"message": {"content": text}, "finish_reason": "stop"}],
                                 "usage": {"completion_tokens": 3}})  # fmt: skip

            def _send(self, status: int, payload: dict) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.closed = threading.Event()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        if not self.closed.is_set():
            self.closed.set()
            self.server.shutdown()
            self.server.server_close()


@pytest.fixture
def replicas() -> Iterator[list[Replica]]:
    made: list[Replica] = []
    yield made
    for replica in made:
        replica.close()


def write_evalset(pytester: pytest.Pytester, cases: int) -> None:
    lines = [EVALSET] + [f"  - {{id: c{i:02d}, prompt: 'case {i:02d}'}}\n" for i in range(cases)]
    (pytester.path / "fleet.yaml").write_text("".join(lines))


def run(pytester: pytest.Pytester, first: Replica, others: list[Replica], *extra: str) -> tuple[object, dict]:
    args = ["fleet.yaml", "--model", f"srv={first.url}", "--persona-report", "r.json", "-p", "no:cacheprovider"]
    for other in others:
        args += ["--persona-replicas", f"srv={other.url}"]
    result = pytester.runpytest(*args, *extra)
    report = json.loads((pytester.path / "r.json").read_text()) if (pytester.path / "r.json").exists() else {}
    return result, report


def test_requests_are_spread_over_replicas_each_case_once_in_case_order(
    pytester: pytest.Pytester, replicas: list[Replica]
) -> None:
    replicas += [Replica("a", delay=0.05), Replica("b", delay=0.05)]
    write_evalset(pytester, 12)
    result, report = run(pytester, replicas[0], replicas[1:], "--persona-concurrency", "2")
    result.assert_outcomes(passed=12)
    seen = Counter(p for r in replicas for p in r.prompts)
    assert sorted(seen) == [f"case {i:02d}" for i in range(12)] and set(seen.values()) == {1}  # each case once
    assert all(r.prompts for r in replicas)  # both replicas served
    assert max(r.max_in_flight for r in replicas) == 2  # concurrency per replica, never more
    outputs = [(r["case"], r["output"].split(" answers ")[1]) for r in report["results"]]
    assert outputs == [(f"c{i:02d}", f"case {i:02d}") for i in range(12)]
    (checkpoint,) = report["checkpoints"]
    counts = {row["url"]: row["requests"] for row in checkpoint["replicas"]}
    assert counts == {r.url: len(r.prompts) for r in replicas}


def test_concurrency_alone_keeps_n_requests_in_flight_on_one_server(
    pytester: pytest.Pytester, replicas: list[Replica]
) -> None:
    replicas.append(Replica("a", delay=0.1))
    write_evalset(pytester, 8)
    result, _ = run(pytester, replicas[0], [], "--persona-concurrency", "4")
    result.assert_outcomes(passed=8)
    assert replicas[0].max_in_flight == 4


def test_a_failing_replica_is_set_aside_and_its_requests_move(
    pytester: pytest.Pytester, replicas: list[Replica]
) -> None:
    replicas += [Replica("good"), Replica("broken", status=503)]
    write_evalset(pytester, 10)
    result, report = run(pytester, replicas[0], replicas[1:])
    result.assert_outcomes(passed=10)
    assert all(r["output"].startswith("good answers") for r in report["results"])
    broken = next(row for row in report["checkpoints"][0]["replicas"] if row["url"] == replicas[1].url)
    assert broken["errors"] == broken["requests"] and 1 <= broken["requests"] <= 3  # set aside after 3 in a row


def test_a_replica_killed_mid_run_loses_no_case(pytester: pytest.Pytester, replicas: list[Replica]) -> None:
    replicas += [Replica("a", delay=0.02, dies_after=3), Replica("b", delay=0.02)]
    write_evalset(pytester, 12)
    result, report = run(pytester, replicas[0], replicas[1:])
    result.assert_outcomes(passed=12)
    assert replicas[0].closed.is_set() and len(replicas[0].prompts) == 4  # three answered, the fourth dropped
    answered = [(r["case"], r["output"]) for r in report["results"]]
    assert [case for case, _ in answered] == [f"c{i:02d}" for i in range(12)]  # every case, once, in order
    assert sum(output.startswith("a answers") for _, output in answered) == 3
    killed = next(row for row in report["checkpoints"][0]["replicas"] if row["url"] == replicas[0].url)
    assert killed["answered"] == 3 and killed["errors"] >= 1


TIMEOUT_CONFTEST = """
from pytest_persona.backends.openai import OpenAIBackend


def pytest_persona_make_backend(config, checkpoint):
    return OpenAIBackend(checkpoint.with_options(timeout_s=0.3, retries=0))
"""


def test_a_replica_that_times_out_hands_its_requests_to_another(
    pytester: pytest.Pytester, replicas: list[Replica]
) -> None:
    replicas += [Replica("fast"), Replica("slow", delay=1.5)]
    pytester.makeconftest(TIMEOUT_CONFTEST)
    write_evalset(pytester, 6)
    result, report = run(pytester, replicas[0], replicas[1:], "--persona-concurrency", "2")
    result.assert_outcomes(passed=6)
    assert all(r["output"].startswith("fast answers") for r in report["results"])
    slow = next(row for row in report["checkpoints"][0]["replicas"] if row["url"] == replicas[1].url)
    assert slow["answered"] == 0 and slow["errors"] == slow["requests"] >= 1


def test_a_lone_server_that_times_out_fails_its_cases_saying_so(
    pytester: pytest.Pytester, replicas: list[Replica]
) -> None:
    replicas.append(Replica("slow", delay=1.5))
    pytester.makeconftest(TIMEOUT_CONFTEST)
    write_evalset(pytester, 1)
    result, _ = run(pytester, replicas[0], [])
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*cannot reach the server (*timed out*"])


def test_a_case_fails_only_when_every_replica_failed(pytester: pytest.Pytester, replicas: list[Replica]) -> None:
    replicas += [Replica("x", status=500), Replica("y", status=502)]
    write_evalset(pytester, 2)
    result, _ = run(pytester, replicas[0], replicas[1:])
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(["*every replica failed:*x is broken*y is broken*"])


def test_replicas_serving_different_models_are_refused(pytester: pytest.Pytester, replicas: list[Replica]) -> None:
    replicas += [Replica("a", model="josi-q4"), Replica("b", model="josi-f16")]
    write_evalset(pytester, 2)
    result, _ = run(pytester, replicas[0], replicas[1:])
    result.stdout.fnmatch_lines(["*serve different models or engine builds:*model josi-q4*model josi-f16*"])
    assert result.ret == 1 and not any(r.prompts for r in replicas)


def test_a_server_with_batched_slots_is_named_in_a_warning(pytester: pytest.Pytester, replicas: list[Replica]) -> None:
    replicas += [Replica("a", slots=4), Replica("b")]
    write_evalset(pytester, 2)
    result, _ = run(pytester, replicas[0], replicas[1:])
    result.assert_outcomes(passed=2, warnings=1)
    result.stdout.fnmatch_lines([f"*{replicas[0].url} serves 4 parallel slots*"])


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--persona-replicas", "nope=http://127.0.0.1:1/v1"], "*'nope' is not a server checkpoint*"),
        (["--persona-replicas", "srv=ftp://x"], "*expected NAME=http(s)://host:port/v1*"),
        (["--persona-concurrency", "0"], "*N from 1 to 256*"),
        (["--persona-concurrency", "srv=many"], "*expected N or NAME=N*"),
    ],
)
def test_bad_fleet_options_are_usage_errors(
    pytester: pytest.Pytester, replicas: list[Replica], extra: list[str], message: str
) -> None:
    replicas.append(Replica("a"))
    write_evalset(pytester, 1)
    result, _ = run(pytester, replicas[0], [], *extra)
    assert result.ret == 4
    result.stderr.fnmatch_lines([message])


def test_a_server_bound_to_its_artifact_is_cached_and_judged_with_its_tokenizer(
    pytester: pytest.Pytester, replicas: list[Replica]
) -> None:
    from pytest_persona.backends.embedded import embedded_model_path

    replicas.append(Replica("a"))
    (pytester.path / "fleet.yaml").write_text(
        EVALSET.replace("checks: [{regex: 'case'}]", "checks: [{max_tokens: 3}, no_template_leak]")
        + "  - {id: c00, prompt: 'case 00'}\n  - {id: c01, prompt: 'case 01 <|im_end|>'}\n"
    )
    serves = ["--persona-serves", f"srv={embedded_model_path()}", "--persona-report", "r.json"]
    reports = []
    for _ in range(2):
        pytester.runpytest_subprocess("fleet.yaml", "--model", f"srv={replicas[0].url}", *serves)
        reports.append(json.loads((pytester.path / "r.json").read_text()))
    assert len(replicas[0].prompts) == 2  # the second run was answered from the cache
    assert [r["cached"] for r in reports[1]["results"]] == [True, True]
    checks = {r["case"]: {c["name"]: c for c in r["checks"]} for r in reports[1]["results"]}
    assert "checkpoint tokenizer" in checks["c00"]["max_tokens"]["detail"]  # SmolLM2's own count, not a guess
    assert not checks["c01"]["no_template_leak"]["passed"]  # the artifact's special tokens are known
    assert reports[1]["checkpoints"][0]["fingerprint"].startswith("serves:sha256:")
    replicas[0].build = "b2"  # the server restarted on another engine build: nothing stored answers it
    third = pytester.runpytest_subprocess("fleet.yaml", "--model", f"srv={replicas[0].url}", *serves)
    assert len(replicas[0].prompts) == 4, third.stdout.str()[-2000:]


@pytest.mark.parametrize(
    ("serves", "message"),
    [
        ("srv=missing.gguf", "*missing.gguf does not exist*"),
        ("srv=fleet.yaml", "*not a GGUF file or a model directory*"),
    ],
)
def test_bad_serves_options_are_usage_errors(
    pytester: pytest.Pytester, replicas: list[Replica], serves: str, message: str
) -> None:
    replicas.append(Replica("a"))
    write_evalset(pytester, 1)
    result, _ = run(pytester, replicas[0], [], "--persona-serves", serves)
    assert result.ret == 4
    result.stderr.fnmatch_lines([message])
