"""The OpenAI-compatible backend against real servers on loopback: llama-cpp-python's own
server running the embedded model, and small misbehaving servers."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from pytest_persona.backends.embedded import embedded_model_path

pytestmark = pytest.mark.slow

EVALSET = """\
evalset: server-mini
system: You are Josi, a running coach.
defaults:
  max_tokens: 24
  checks: [no_template_leak]
cases:
  - id: hello
    prompt: Say hello in one short sentence.
  - id: plan
    prompt: What is an easy run?
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from start_llama_server(tmp_path_factory)


@pytest.fixture(scope="module")
def second_llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from start_llama_server(tmp_path_factory)


def start_llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from benchmarks.fleet import servers  # the benchmark's own loopback servers, one thread each

    with servers(embedded_model_path(), [1], tmp_path_factory.mktemp("server")) as (url,):
        yield url


def test_gates_a_real_llama_cpp_server(pytester: pytest.Pytester, llama_server: str) -> None:
    (pytester.path / "server.yaml").write_text(EVALSET)
    result = pytester.runpytest("server.yaml", "--model", f"srv={llama_server}", "--persona-report", "r.json", "-v")
    result.stdout.fnmatch_lines(["*server-mini::hello[[]srv[]]*", "*server-mini::plan[[]srv[]]*"])
    report = json.loads((pytester.path / "r.json").read_text())
    assert report["checkpoints"][0]["backend"] == "openai"
    outputs = [r["output"] for r in report["results"]]
    assert len(outputs) == 2 and all(outputs)
    assert all(r["latency_s"] and r["latency_s"] > 0 for r in report["results"])
    assert all(r["error"] is None for r in report["results"])


def test_server_that_is_down_fails_each_case_and_the_run_goes_on(pytester: pytest.Pytester) -> None:
    (pytester.path / "server.yaml").write_text(EVALSET)
    url = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there
    result = pytester.runpytest("server.yaml", "--model", f"down={url}")
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(["*no reply:*cannot reach the server*after 3 attempts*"])


class _Misbehaving(BaseHTTPRequestHandler):
    mode = "500"
    calls = 0

    def do_GET(self) -> None:  # /v1/models
        self._send(200, b'{"data": [{"id": "tiny"}]}')

    def do_POST(self) -> None:
        type(self).calls += 1
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.mode == "500":
            self._send(500, b"internal error")
        elif self.mode == "garbage":
            self._send(200, b"<html>not json</html>")
        elif self.mode == "shape":
            self._send(200, b'{"choices": []}')

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        return


@pytest.mark.parametrize(
    ("mode", "message", "calls"),
    [
        ("500", "*HTTP 500 Internal Server Error: internal error after 3 attempts*", 6),  # the server's own text
        ("garbage", "*the response is not JSON*", 2),
        ("shape", "*unexpected response shape*", 2),
    ],
)
def test_misbehaving_server_gives_one_clear_failure_per_case(
    pytester: pytest.Pytester, mode: str, message: str, calls: int
) -> None:
    handler = type("Handler", (_Misbehaving,), {"mode": mode, "calls": 0})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        (pytester.path / "server.yaml").write_text(EVALSET)
        url = f"http://127.0.0.1:{server.server_address[1]}/v1"
        result = pytester.runpytest("server.yaml", "--model", f"bad={url}")
        result.assert_outcomes(failed=2)
        result.stdout.fnmatch_lines([message])
        assert handler.calls == calls  # retries are bounded
    finally:
        server.shutdown()
        server.server_close()


def test_embedded_model_path_is_a_gguf() -> None:
    assert embedded_model_path().suffix == ".gguf" and embedded_model_path().stat().st_size > 50_000_000
    assert Path(embedded_model_path()).is_file()


def test_a_real_server_decodes_under_the_response_format(pytester: pytest.Pytester, llama_server: str) -> None:
    """llama-cpp-python's server refuses OpenAI's json_schema form (422): the backend falls back to
    json_object with the schema, and the server's grammar holds every reply to it."""
    (pytester.path / "intent.json").write_text(
        json.dumps(
            {
                "type": "object",
                "required": ["intent", "modifies_plan"],
                "additionalProperties": False,
                "properties": {"intent": {"enum": ["answer", "refuse"]}, "modifies_plan": {"const": False}},
            }
        )
    )
    (pytester.path / "server.yaml").write_text(
        EVALSET.replace("max_tokens: 24", "max_tokens: 48\n  response_format: {schema: intent.json}").replace(
            "[no_template_leak]", "[json_valid, {json_schema: intent.json}]"
        )
    )
    pytester.runpytest("server.yaml", "--model", f"srv={llama_server}", "--persona-report", "r.json")
    results = json.loads((pytester.path / "r.json").read_text())["results"]
    assert len(results) == 2 and all(r["error"] is None for r in results), results
    assert all(r["passed"] for r in results), [r["output"] for r in results]
    assert all(r["decoding"] == "json_schema intent.json" for r in results)


def test_two_real_servers_as_one_fleet_give_the_replies_of_one(
    pytester: pytest.Pytester, llama_server: str, second_llama_server: str
) -> None:
    """Same engine build and flags on both replicas: greedy replies do not depend on the topology."""
    (pytester.path / "server.yaml").write_text(
        EVALSET + "  - {id: why, prompt: Why do easy runs help?}\n  - {id: rest, prompt: When should I rest?}\n"
    )
    outputs = {}
    for name, extra in (("one", []), ("fleet", ["--persona-replicas", f"srv={second_llama_server}"])):
        pytester.runpytest("server.yaml", "--model", f"srv={llama_server}", "--persona-report", f"{name}.json", *extra)
        report = json.loads((pytester.path / f"{name}.json").read_text())
        outputs[name] = [(r["case"], r["output"]) for r in report["results"]]
        if name == "fleet":
            counts = {row["url"]: row["requests"] for row in report["checkpoints"][0]["replicas"]}
            assert counts[llama_server] >= 1 and counts[second_llama_server] >= 1, counts
    assert all(text for _, text in outputs["one"]) and outputs["fleet"] == outputs["one"]
