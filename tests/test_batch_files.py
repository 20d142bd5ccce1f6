"""OpenAI batch files: export a run's requests (the exact bodies a server gets), gate the output."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

EVALSET = """\
evalset: batchy
system: You are Josi.
defaults: {max_tokens: 16, checks: [{contains: plan}]}
cases:
  - {id: move, prompt: Move my run.}
  - {id: json, prompt: Intent as JSON., response_format: {schema: s.json}, stop: ["\\n\\n"]}
  - {id: twice, prompt: Say hi., samples: 2, temperature: 0.7}
  - {id: later, prompt: Skip me., skip: not today}
"""
SCHEMA = {"type": "object", "properties": {"intent": {"enum": ["a", "b"]}}, "required": ["intent"]}


def write_project(folder: Path) -> None:
    (folder / "batchy.yaml").write_text(EVALSET)
    (folder / "s.json").write_text(json.dumps(SCHEMA))


def read_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def test_export_writes_one_batch_file_per_checkpoint_and_runs_nothing(pytester: pytest.Pytester) -> None:
    write_project(pytester.path)
    result = pytester.runpytest(
        "batchy.yaml", "--model", "q4=smollm2-135m", "--model", "srv=http://127.0.0.1:9/v1",
        "--persona-export-batch", "out", "-p", "no:cacheprovider",
    )  # fmt: skip
    assert result.ret == 0
    result.stdout.fnmatch_lines(["*q4: 4 requests written to *out/q4.batch.jsonl*", "*deselected*"])
    for name in ("q4", "srv"):
        lines = read_lines(pytester.path / "out" / f"{name}.batch.jsonl")
        assert [line["custom_id"] for line in lines] == ["batchy::move::0", "batchy::json::0", "batchy::twice::0",
                                                         "batchy::twice::1"]  # fmt: skip
        assert {line["method"] for line in lines} == {"POST"} and {line["url"] for line in lines} == {
            "/v1/chat/completions"
        }
        bodies = {line["custom_id"]: line["body"] for line in lines}
        assert bodies["batchy::move::0"]["model"] == name
        assert bodies["batchy::move::0"]["messages"] == [
            {"role": "system", "content": "You are Josi."},
            {"role": "user", "content": "Move my run."},
        ]
        assert bodies["batchy::json::0"]["response_format"]["json_schema"]["schema"] == SCHEMA
        assert bodies["batchy::json::0"]["stop"] == ["\n\n"]
        assert [bodies[f"batchy::twice::{i}"]["seed"] for i in (0, 1)] == [0, 1]


class _Recorder(BaseHTTPRequestHandler):
    bodies: list[dict] = []

    def do_GET(self) -> None:
        self._send({"data": [{"id": "srv"}]})

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        type(self).bodies.append(body)
        self._send({"choices": [{"message": {"content": "the plan stays"}, "finish_reason": "stop"}]})

    def _send(self, payload: dict) -> None:
        data = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        return


def test_the_exported_bodies_are_the_ones_the_server_backend_sends(pytester: pytest.Pytester) -> None:
    write_project(pytester.path)
    handler = type("Recorder", (_Recorder,), {"bodies": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    try:
        pytester.runpytest("batchy.yaml", "--model", f"srv={url}", "--persona-export-batch", "out")
        pytester.runpytest("batchy.yaml", "--model", f"srv={url}")
    finally:
        server.shutdown()
        server.server_close()
    exported = sorted(
        json.dumps(line["body"], sort_keys=True) for line in read_lines(pytester.path / "out" / "srv.batch.jsonl")
    )
    sent = sorted(json.dumps(body, sort_keys=True) for body in handler.bodies)
    assert len(sent) == 4 and exported == sent


def batch_output(lines: list[dict], failed: str) -> str:
    """What `vllm run-batch` or a provider's batch API writes back for these input lines."""
    out = []
    for i, line in enumerate(lines):
        if line["custom_id"] == failed:
            out.append({"id": f"r{i}", "custom_id": line["custom_id"], "response": None,
                        "error": {"code": "timeout", "message": "request timed out"}})  # fmt: skip
            continue
        text = "the plan stays as it is" if "move" in line["custom_id"] else "hello"
        body = {"choices": [{"message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
                "usage": {"completion_tokens": 6}}  # fmt: skip
        out.append({"id": f"r{i}", "custom_id": line["custom_id"],
                    "response": {"status_code": 200, "request_id": f"q{i}", "body": body}, "error": None})  # fmt: skip
    return "".join(json.dumps(o) + "\n" for o in out)


def test_a_batch_jobs_output_is_gated_like_a_replay_file(pytester: pytest.Pytester) -> None:
    write_project(pytester.path)
    pytester.runpytest("batchy.yaml", "--model", "q4=smollm2-135m", "--persona-export-batch", "out")
    lines = read_lines(pytester.path / "out" / "q4.batch.jsonl")
    (pytester.path / "q4.output.jsonl").write_text(batch_output(lines, failed="batchy::json::0"))
    result = pytester.runpytest("batchy.yaml", "--model", "q4=q4.output.jsonl", "--persona-report", "r.json")
    report = json.loads((pytester.path / "r.json").read_text())
    by_case = {(r["case"], r["sample"]): r for r in report["results"]}
    assert by_case[("move", 0)]["passed"] and by_case[("move", 0)]["tokens"] == 6
    assert not by_case[("twice", 1)]["passed"]  # "hello" lacks "plan": a verdict, not an error
    assert "the batch job failed this request: request timed out" in by_case[("json", 0)]["error"]
    assert result.ret == 1


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ({"custom_id": "no-separators", "response": {"status_code": 200, "body": {}}}, "must be evalset::case::sample"),
        ({"custom_id": "batchy::move::0"}, 'needs "response" (or "error")'),
        (
            {"custom_id": "batchy::move::0", "response": {"status_code": 200, "body": {"choices": []}}},
            "unexpected chat-completion shape",
        ),  # fmt: skip
    ],
)
def test_a_bad_batch_output_line_names_file_and_line(pytester: pytest.Pytester, line: dict, message: str) -> None:
    write_project(pytester.path)
    (pytester.path / "out.jsonl").write_text(json.dumps(line) + "\n")
    result = pytester.runpytest("batchy.yaml", "--model", "out.jsonl")
    assert result.ret == 4
    result.stderr.fnmatch_lines([f"*out.jsonl:1: *{message}*"])


def test_export_refuses_xdist(pytester: pytest.Pytester) -> None:
    write_project(pytester.path)
    result = pytester.runpytest("batchy.yaml", "--model", "smollm2-135m", "--persona-export-batch", "out", "-n", "2")
    assert result.ret == 4
    result.stderr.fnmatch_lines(["*--persona-export-batch writes files and runs nothing: use it without -n*"])
