"""The HTML report: escaping and the embedded data (unit), and the page itself in headless Chromium.

Chromium is driven over the DevTools protocol on a pipe (``--remote-debugging-pipe``) with the
standard library only: nothing is downloaded, no port is opened. Tests that need Chromium fail
(not skip) when ``/usr/bin/chromium`` is missing: ``apt-get install chromium``.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import json
import os
import queue
import re
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pytest_persona.reports.html import build_html

CHROMIUM = os.environ.get("PERSONA_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--hide-scrollbars",
    "--mute-audio",
    "--remote-debugging-pipe",
]

XSS = "</script><script>window.__pwned=1;document.title='pwned'</script><img src=x onerror=\"window.__pwned=2\">"
EVIL_CASE = "case \"quoted\" 'single' </script><b>bold</b> & مرحبا 🏃"
EVIL_TAG = "<i>tag</i>\"&'"
EVIL_CHECKPOINT = "q4 <s>strike</s>"


# ---------------------------------------------------------------------------- reports made by hand


def result(
    case: str,
    checkpoint: str,
    output: str = "ok",
    *,
    evalset: str = "josi",
    failing: dict[str, tuple[int, int] | None] | None = None,
    tags: list[str] | None = None,
    sample: int = 0,
    error: str | None = None,
    k_of_n: int = 1,
    known_failure: bool = False,
) -> dict[str, Any]:
    """One result; ``failing`` maps failing check names to their span (or None)."""
    failing = failing or {}
    checks: list[dict[str, Any]] = [{"name": "no_template_leak", "passed": True, "detail": ""}]
    for name, span in failing.items():
        check: dict[str, Any] = {"name": name, "passed": False, "detail": f"{name} failed on {case}"}
        if span is not None:
            check["span"] = list(span)
        checks.append(check)
    return {
        "evalset": evalset,
        "case": case,
        "checkpoint": checkpoint,
        "sample": sample,
        "passed": not failing and error is None,
        "checks": checks,
        "output": output,
        "latency_s": 0.25,
        "tokens": 12,
        "error": error,
        "tags": tags if tags is not None else ["smalltalk"],
        "cached": False,
        "known_failure": known_failure,
        "k_of_n": k_of_n,
    }


def gate(evalset: str, checkpoint: str, passed_cases: int, cases: int, threshold: float = 1.0) -> dict[str, Any]:
    rate = passed_cases / cases
    return {
        "evalset": evalset,
        "checkpoint": checkpoint,
        "passed": rate >= threshold,
        "pass_rate": rate,
        "threshold": threshold,
        "cases": cases,
        "passed_cases": passed_cases,
        "skipped": 0,
    }


def checkpoint(name: str, kind: str = "fp16") -> dict[str, Any]:
    return {"name": name, "path": f"out/{name}", "backend": "replay", "kind": kind, "fingerprint": "ab12cd34ef56"}


REFUSE_Q4 = "Sure 🏃‍♀️! I moved your long run to Sunday."
MOVED = (REFUSE_Q4.index("I moved"), REFUSE_Q4.index("I moved") + len("I moved your long run"))
# spans count code points (Python); the emoji before the span is 4 code points, 5 UTF-16 units
MOVED_CP = (len(REFUSE_Q4[: MOVED[0]]), len(REFUSE_Q4[: MOVED[1]]))
ARABIC = "مرحبا! أنا جوسي، مدربتك للجري."
LONG = "word " * 40_000 + "FINAL-TAIL"  # 200 KB


def sample_report() -> dict[str, Any]:
    """Two eval sets, three checkpoints, a q4 regression, hostile text everywhere, samples and a long reply."""
    cps = ["fp16", "merged", EVIL_CHECKPOINT]
    results = []
    for cp in cps:
        results.append(result("greet", cp, "Hi, I'm Josi.", tags=["smalltalk"]))
        if cp == EVIL_CHECKPOINT:
            results.append(
                result(
                    "refuse-move",
                    cp,
                    REFUSE_Q4,
                    tags=["i6", "refusal"],
                    failing={"refusal": MOVED_CP, "no_emoji": (5, 9)},
                )
            )
        else:
            results.append(
                result("refuse-move", cp, "I can't change your plan; ask your coach.", tags=["i6", "refusal"])
            )
        results.append(
            result(EVIL_CASE, cp, XSS, tags=[EVIL_TAG], failing={"not_contains": (0, 9)} if cp == "merged" else None)
        )
        results.append(result("arabic", cp, ARABIC, tags=["language"]))
        results.append(result("long-reply", cp, LONG, tags=["long"], evalset="josi-style"))
        for i in range(3):  # three samples, two must pass
            results.append(
                result(
                    "sampled",
                    cp,
                    f"sample {i}",
                    evalset="josi-style",
                    tags=["sampled"],
                    sample=i,
                    k_of_n=2,
                    failing={"max_words": None} if (cp == "fp16" and i == 1) else None,
                )
            )
    results.append(result("no-reply", "fp16", "", evalset="josi-style", error="replay has no entry", tags=["io"]))
    return {
        "tool": {"name": "pytest-persona", "version": "0.1.0"},
        "created": "2025-06-02T09:00:00+00:00",
        "command": ["pytest", "--model", "fp16=out/fp16"],
        "checkpoints": [checkpoint("fp16"), checkpoint("merged", "merged"), checkpoint(EVIL_CHECKPOINT, "q4_k_m")],
        "results": results,
        "gates": [
            gate("josi", "fp16", 4, 4),
            gate("josi", "merged", 3, 4),
            gate("josi", EVIL_CHECKPOINT, 3, 4),
            gate("josi-style", "fp16", 2, 3, 0.5),
            gate("josi-style", "merged", 2, 2, 0.5),
            gate("josi-style", EVIL_CHECKPOINT, 2, 2, 0.5),
        ],
        "comparisons": [
            {
                "evalset": "josi",
                "checkpoint": EVIL_CHECKPOINT,
                "reference": "fp16",
                "regressions": ["refuse-move"],
                "improvements": [],
                "both_pass": 3,
                "both_fail": 0,
                "p_value": 1.0,
                "max_regressions": 0,
                "alpha": 0.05,
                "passed": False,
            }
        ],
        "verdict": {"passed": False, "word": "FAIL", "summary": "persona gate: FAIL (…)", "reasons": ["…"]},
        "baseline": {
            "path": "out/last.json",
            "regressions": [
                {"evalset": "josi", "case": EVIL_CASE, "checkpoint": "merged", "before": "fine", "now": XSS}
            ],
            "new_passes": [{"evalset": "josi", "case": "arabic", "checkpoint": "fp16"}],
        },
    }


def passing_report() -> dict[str, Any]:
    return {
        "checkpoints": [checkpoint("fp16")],
        "results": [result("greet", "fp16")],
        "verdict": {"passed": True, "word": "PASS", "summary": "persona gate: PASS (1 eval set × checkpoint gate)"},
        "gates": [gate("josi", "fp16", 1, 1)],
        "comparisons": [],
    }


JSON_BLOCK = re.compile(r'<script type="application/json" id="persona-data">(.*?)</script>', re.S)


def split_page(page: str) -> tuple[str, str]:
    """(the embedded JSON text, the page without it)."""
    match = JSON_BLOCK.search(page)
    assert match, "no persona-data block"
    return match.group(1), page[: match.start()] + page[match.end() :]


# ---------------------------------------------------------------------------- unit tests


def test_hostile_text_never_appears_unescaped_outside_the_json_block() -> None:
    page = build_html(sample_report())
    data, rest = split_page(page)
    for hostile in (XSS, EVIL_CASE, EVIL_TAG, EVIL_CHECKPOINT, "<script>window.__pwned", "<b>bold</b>", "<s>strike"):
        assert hostile not in rest
        assert hostile not in data
    assert "&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt;" in rest  # the case id, escaped (comparison/baseline tables)
    assert "q4 &lt;s&gt;strike&lt;/s&gt;" in rest  # the checkpoint in the gates table
    # exactly two script elements: the data block and the page's own script
    assert page.count("<script") == 2
    assert page.count("</script") == 2


def test_json_block_round_trips_and_cannot_close_its_element() -> None:
    report = sample_report()
    report["results"][0]["output"] = "a\u2028b\u2029c & <!-- --> \x00 NUL"
    data, _ = split_page(build_html(report))
    for raw in ("<", ">", "&", "\u2028", "\u2029", "\x00"):
        assert raw not in data
    assert "\\u003c/script\\u003e" in data
    assert json.loads(data) == report


def test_json_block_survives_nan_and_lone_surrogates() -> None:
    report = passing_report()
    report["results"][0]["output"] = "broken \ud800 surrogate"
    report["results"][0]["latency_s"] = float("nan")
    page = build_html(report)
    page.encode("utf-8")  # writable as UTF-8
    data, _ = split_page(page)
    assert "NaN" not in data
    loaded = json.loads(data)
    assert loaded["results"][0]["output"] == "broken \ud800 surrogate"
    assert loaded["results"][0]["latency_s"] is None


def test_verdict_banner_and_gates_are_rendered_server_side() -> None:
    page = build_html(sample_report())
    _, rest = split_page(page)
    banner = re.search(r'<section class="banner (\w+)" id="verdict".*?</section>', rest, re.S)
    assert banner and banner.group(1) == "fail"
    text = banner.group(0)
    assert "FAIL" in text and "must not ship" in text
    assert "Gate <b><bdi>josi</bdi></b> on <b><bdi>merged</bdi></b>" in text
    assert "q4 &lt;s&gt;strike&lt;/s&gt;" in text  # failing gate and comparison name the checkpoint
    assert "Comparison" in text and "1 regression (0 allowed)" in text
    assert "Baseline: 1 result passed in <code>out/last.json</code>" in text
    assert "josi-style" not in text  # its gates all pass
    assert "<title>pytest-persona report: FAIL</title>" in page
    gates = re.search(r'<section id="gates".*?</section>', rest, re.S)
    assert gates and gates.group(0).count("<tr") == 7  # header + six gates
    assert "75.0%" in gates.group(0) and "✗ fail" in gates.group(0)


def test_verdict_pass_and_no_results() -> None:
    page = build_html(passing_report())
    assert '<section class="banner pass"' in page and "✓ PASS" in page and "may ship" in page
    empty = build_html({"results": [], "gates": [], "checkpoints": []})
    assert '<section class="banner none"' in empty and "NO RESULTS" in empty
    assert "Comparisons" not in empty and 'id="baseline"' not in empty  # absent sections are left out


def test_comparisons_baseline_and_chart_sections() -> None:
    _, rest = split_page(build_html(sample_report()))
    comparisons = re.search(r'<section id="comparisons".*?</section>', rest, re.S)
    assert comparisons
    assert 'href="#case=josi/refuse-move/q4%20%3Cs%3Estrike%3C%2Fs%3E"' in comparisons.group(0)
    assert '>1 <span class="muted">(α 0.05)</span>' in comparisons.group(0)
    baseline = re.search(r'<section id="baseline".*?</section>', rest, re.S)
    assert baseline and "&lt;/script&gt;&lt;script&gt;window.__pwned=1" in baseline.group(0)
    assert "Failed before, pass now" in baseline.group(0)
    chart = re.search(r"<svg class=\"chart\".*?</svg>", rest, re.S)
    assert chart and chart.group(0).count('<g class="bar') == 6
    assert chart.group(0).count('class="threshold"') == 6


def test_page_is_self_contained_under_a_strict_csp() -> None:
    page = build_html(passing_report())
    assert not re.search(r"(src|href)=\"(https?:)?//", page)
    assert "http://" not in page and "https://" not in page and "@import" not in page and "url(" not in page
    scripts = re.findall(r"<script>(.*?)</script>", page, re.S)
    assert len(scripts) == 1
    digest = base64.b64encode(hashlib.sha256(scripts[0].encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in page
    assert "default-src 'none'" in page
    assert "innerHTML" not in scripts[0] and "insertAdjacentHTML" not in scripts[0] and "eval(" not in scripts[0]


def test_tolerates_a_sparse_report() -> None:
    page = build_html(
        {"results": [{"case": 3, "passed": False}], "gates": [{"passed": "no"}], "comparisons": None,
         "verdict": {"word": "FAIL", "never_ran": [], "errors": None}}
    )  # fmt: skip
    assert "FAIL" in page


# ---------------------------------------------------------------------------- headless Chromium over CDP


class Chromium:
    """Headless Chromium driven over the DevTools protocol on a pipe: fd 3 in, fd 4 out, NUL-separated JSON."""

    def __init__(self, executable: str = CHROMIUM, *, args: list[str] | None = None) -> None:
        if not os.path.exists(executable):
            raise FileNotFoundError(f"{executable} is missing: apt-get update && apt-get install -y chromium")
        self._profile = tempfile.mkdtemp(prefix="persona-chromium-")
        to_chrome, self._out = os.pipe()
        self._in, from_chrome = os.pipe()

        def child_fds() -> None:  # runs in the child: put the pipe ends at fds 3 and 4
            a = fcntl.fcntl(to_chrome, fcntl.F_DUPFD_CLOEXEC, 10)
            b = fcntl.fcntl(from_chrome, fcntl.F_DUPFD_CLOEXEC, 10)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.log = Path(self._profile) / "chromium.log"
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(
                [executable, *CHROMIUM_ARGS, *(args or []), f"--user-data-dir={self._profile}", "about:blank"],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                close_fds=False,  # our own fds are non-inheritable (PEP 446); 3 and 4 are made in child_fds
                preexec_fn=child_fds,
            )
        os.close(to_chrome)
        os.close(from_chrome)
        self._messages: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._next_id = 0
        self.events: list[dict[str, Any]] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        buffer = bytearray()
        while chunk := os.read(self._in, 1 << 20):
            buffer += chunk
            while (end := buffer.find(b"\0")) >= 0:
                self._messages.put(json.loads(buffer[:end]))
                del buffer[: end + 1]
        self._messages.put(None)

    def _next(self, deadline: float) -> dict[str, Any]:
        try:
            message = self._messages.get(timeout=max(0.01, deadline - time.monotonic()))
        except queue.Empty:
            raise TimeoutError("Chromium did not answer in time") from None
        if message is None:
            raise RuntimeError(f"Chromium exited: {self.log.read_text(errors='replace')[-2000:]}")
        return message

    def send(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> dict[str, Any]:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        data = json.dumps(message).encode() + b"\0"
        while data:
            data = data[os.write(self._out, data) :]
        deadline = time.monotonic() + 60
        while True:
            reply = self._next(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str, session: str, timeout: float = 30) -> dict[str, Any]:
        """The next event ``method`` of ``session`` (consumed; other events are kept in ``events``)."""
        for event in self.events:
            if event.get("method") == method and event.get("sessionId") == session:
                self.events.remove(event)
                return event
        deadline = time.monotonic() + timeout
        while True:
            event = self._next(deadline)
            if event.get("method") == method and event.get("sessionId") == session:
                return event
            self.events.append(event)

    def page(self, width: int = 1280, height: int = 900) -> Page:
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        return Page(self, target, session, width, height)

    def close(self) -> None:
        try:
            self.send("Browser.close")
        except (RuntimeError, TimeoutError, OSError):
            pass
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._out)
        shutil.rmtree(self._profile, ignore_errors=True)


class Page:
    """One tab: navigate, evaluate JS, press keys, read console errors and requests, take screenshots."""

    def __init__(self, browser: Chromium, target: str, session: str, width: int, height: int) -> None:
        self.browser, self.target, self.session = browser, target, session
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable")
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )

    def send(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        return self.browser.send(method, params, self.session)

    def close(self) -> None:
        self.browser.send("Target.closeTarget", {"targetId": self.target})

    def goto(self, url: str) -> None:
        self.send("Page.navigate", {"url": url})
        self.browser.wait_for("Page.loadEventFired", self.session)

    def js(self, expression: str) -> Any:
        reply = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in reply:
            raise AssertionError(f"JS error in {expression!r}: {reply['exceptionDetails']}")
        return reply["result"].get("value")

    def press(self, key: str = "Enter", code: str = "Enter", keycode: int = 13) -> None:
        """A real key press on the focused element (what a keyboard user does)."""
        base = {"key": key, "code": code, "windowsVirtualKeyCode": keycode, "nativeVirtualKeyCode": keycode}
        self.send("Input.dispatchKeyEvent", {"type": "keyDown", "text": "\r" if key == "Enter" else key, **base})
        self.send("Input.dispatchKeyEvent", {"type": "keyUp", **base})

    def events(self) -> list[dict[str, Any]]:
        self.js("0")  # flush: events sent before this reply are now recorded
        return [e for e in self.browser.events if e.get("sessionId") == self.session]

    def errors(self) -> list[str]:
        """Console errors, uncaught exceptions and browser log errors (CSP violations, failed loads)."""
        found = []
        for event in self.events():
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.exceptionThrown":
                found.append(json.dumps(params["exceptionDetails"])[:500])
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert", "warning"):
                found.append(json.dumps(params.get("args"))[:500])
            elif method == "Log.entryAdded" and params["entry"].get("level") in ("error", "warning"):
                found.append(params["entry"].get("text", "")[:500])
        return found

    def requests(self) -> list[str]:
        return [e["params"]["request"]["url"] for e in self.events() if e.get("method") == "Network.requestWillBeSent"]

    def screenshot(self, path: Path, *, clip_height: int | None = None) -> bytes:
        """A PNG of the whole page (or its top ``clip_height`` pixels)."""
        metrics = self.send("Page.getLayoutMetrics")
        size = metrics.get("cssContentSize") or metrics["contentSize"]
        height = min(size["height"], clip_height) if clip_height else size["height"]
        clip = {"x": 0, "y": 0, "width": size["width"], "height": height, "scale": 1}
        shot = self.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True, "clip": clip})
        png = base64.b64decode(shot["data"])
        path.write_bytes(png)
        return png


@pytest.fixture(scope="module")
def chromium() -> Iterator[Chromium]:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: these tests need it (apt-get update && apt-get install -y chromium)")
    browser = Chromium()
    yield browser
    browser.close()


@pytest.fixture(scope="module")
def page_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("html") / "report.html"
    path.write_text(build_html(sample_report()), encoding="utf-8")
    return path


@pytest.fixture
def page(chromium: Chromium, page_file: Path) -> Iterator[Page]:
    tab = chromium.page()
    tab.goto(page_file.as_uri())
    yield tab
    tab.close()


ROWS = """[...document.querySelectorAll('#matrix tr.case')].filter(r => !r.hidden && !r.closest('tbody').hidden)
  .map(r => r.querySelector('.case-btn').textContent)"""


def open_case(page: Page, case: str) -> None:
    index = page.js(f"[...document.querySelectorAll('.case-btn')].findIndex(b => b.textContent === {json.dumps(case)})")
    assert index >= 0, case
    page.js(f"document.querySelectorAll('.case-btn')[{index}].click()")


def test_page_loads_offline_with_no_console_errors(page: Page) -> None:
    assert page.js("document.querySelectorAll('#matrix tr.case').length") == 7
    assert page.errors() == []
    assert all(url.startswith("file:") for url in page.requests()), page.requests()
    assert page.js("document.title") == "pytest-persona report: FAIL"
    assert page.js("document.querySelector('#verdict').innerText").startswith("✗ FAIL")


def test_matrix_rows_are_cases_and_columns_are_checkpoints(page: Page) -> None:
    heads = page.js("[...document.querySelectorAll('#matrix thead .cp-name')].map(n => n.textContent)")
    assert heads == ["fp16", "merged", EVIL_CHECKPOINT]
    groups = page.js("[...document.querySelectorAll('#matrix tr.group')].map(n => n.textContent)")
    assert groups == ["josi · 4 cases", "josi-style · 3 cases"]
    assert page.js(ROWS) == ["greet", "refuse-move", EVIL_CASE, "arabic", "long-reply", "sampled", "no-reply"]
    cells = page.js(
        """Object.fromEntries([...document.querySelectorAll('#matrix tr.case')].map(r =>
        [r.querySelector('.case-btn').textContent, [...r.querySelectorAll('td')].map(td =>
        [td.className.replace('cell ', ''), td.querySelector('.verdict').textContent,
         [...td.querySelectorAll('.chk')].map(c => c.textContent), (td.querySelector('.kn') || {}).textContent])]))"""
    )
    assert cells["greet"] == [["pass", "✓ pass", [], None]] * 3
    assert cells["refuse-move"][2] == ["fail", "✗ fail", ["refusal", "no_emoji"], None]
    assert cells[EVIL_CASE][1] == ["fail", "✗ fail", ["not_contains"], None]
    assert cells["sampled"][0] == ["pass", "✓ pass", [], "2/3"]  # two of three samples needed
    assert cells["sampled"][1] == ["pass", "✓ pass", [], "3/3"]
    assert cells["no-reply"][0] == ["error", "⚠ no reply", ["no reply"], None]
    assert cells["no-reply"][1] == ["missing", "— not run", [], None]
    assert page.js("getComputedStyle(document.querySelector('#matrix thead th')).position") == "sticky"
    label = page.js("document.querySelectorAll('#matrix tr.case')[1].querySelectorAll('td button')[2].ariaLabel")
    assert label == f"refuse-move on {EVIL_CHECKPOINT}: fail; failing checks: refusal, no_emoji"


def test_opening_a_case_shows_replies_side_by_side_with_the_failing_span_marked(page: Page) -> None:
    open_case(page, "refuse-move")
    sides = page.js(
        """[...document.querySelectorAll('tr.detail:not([hidden]) .side')].map(s =>
        [s.querySelector('h4 bdi').textContent, s.className, s.querySelector('pre.reply').textContent,
         [...s.querySelectorAll('pre.reply mark')].map(m => m.textContent)])"""
    )
    assert [s[0] for s in sides] == ["fp16", "merged", EVIL_CHECKPOINT]
    assert sides[0][1:] == ["side pass", "I can't change your plan; ask your coach.", []]
    # code-point spans land on the right UTF-16 text despite the emoji sequence before them
    assert sides[2][1] == "side fail"
    assert sides[2][2] == REFUSE_Q4
    assert sides[2][3] == [REFUSE_Q4[MOVED_CP[0] : MOVED_CP[1]], REFUSE_Q4[5:9]][::-1]
    nodes = page.js(
        """[...document.querySelectorAll('tr.detail:not([hidden]) .side')[2].querySelector('pre.reply').childNodes]
        .map(n => [n.nodeName, n.textContent])"""
    )
    assert nodes[-3:] == [
        ["#text", REFUSE_Q4[9 : MOVED_CP[0]]],
        ["MARK", "I moved your long run"],
        ["#text", " to Sunday."],
    ]
    failing = page.js(
        "[...document.querySelectorAll('tr.detail .side')[2].querySelectorAll('li.fail')].map(l => l.textContent)"
    )
    assert failing == ["✗ refusal: refusal failed on refuse-move", "✗ no_emoji: no_emoji failed on refuse-move"]
    width = page.js(
        "getComputedStyle(document.querySelector('tr.detail .sides')).gridTemplateColumns.split(' ').length"
    )
    assert width == 3  # three columns side by side at 1280 px
    tops = page.js(
        "[...document.querySelectorAll('tr.detail .side')].map(s => Math.round(s.getBoundingClientRect().top))"
    )
    assert len(set(tops)) == 1
    assert page.errors() == []


def test_every_sample_is_shown_in_the_detail(page: Page) -> None:
    open_case(page, "sampled")
    heads = page.js(
        "[...document.querySelectorAll('tr.detail .side')[0].querySelectorAll('.sample-head')].map(n => n.textContent)"
    )
    assert heads == ["sample 0 — ✓ pass", "sample 1 — ✗ fail", "sample 2 — ✓ pass"]
    assert page.js("document.querySelectorAll('tr.detail .side')[0].querySelector('h4 .muted').textContent") == (
        "2/3 samples passed"
    )


def test_keyboard_opens_a_case_from_a_cell(page: Page) -> None:
    page.js("document.querySelectorAll('#matrix tr.case')[1].querySelectorAll('td button')[2].focus()")
    page.press("Enter")
    assert page.js("document.querySelectorAll('#matrix tr.case')[1].querySelector('.case-btn').ariaExpanded") == "true"
    assert page.js("document.activeElement.classList.contains('side')")  # focus moved to that checkpoint's reply
    assert page.js("document.activeElement.querySelector('h4 bdi').textContent") == EVIL_CHECKPOINT
    page.js("document.querySelectorAll('#matrix tr.case')[1].querySelectorAll('td button')[2].focus()")
    page.press("Enter")
    assert page.js("document.querySelector('tr.detail').hidden") is True


def test_tag_and_verdict_filters_hide_rows(page: Page) -> None:
    def choose(select: str, value: str) -> None:
        page.js(
            f"{{ const s = document.getElementById({json.dumps(select)}); s.value = {json.dumps(value)};"
            "s.dispatchEvent(new Event('change')) }"
        )

    choose("filter-tag", "i6")
    assert page.js(ROWS) == ["refuse-move"]
    assert page.js("document.querySelectorAll('#matrix tbody.set')[1].hidden") is True
    choose("filter-tag", EVIL_TAG)
    assert page.js(ROWS) == [EVIL_CASE]
    choose("filter-tag", "")
    choose("filter-verdict", "failing")
    assert page.js(ROWS) == ["refuse-move", EVIL_CASE, "no-reply"]
    choose("filter-verdict", "passing")
    assert page.js(ROWS) == ["greet", "arabic", "long-reply", "sampled"]
    choose("filter-verdict", "cp:2")
    assert page.js(ROWS) == ["refuse-move"]
    choose("filter-tag", "smalltalk")
    assert page.js(ROWS) == []
    assert page.js("document.querySelector('.empty').hidden") is False
    page.js(
        "{ const t = document.getElementById('filter-text'); t.value = 'ARAB'; t.dispatchEvent(new Event('input')) }"
    )
    choose("filter-tag", "")
    choose("filter-verdict", "all")
    assert page.js(ROWS) == ["arabic"]
    assert page.js("document.querySelector('.toolbar .count').textContent") == "showing 1 of 7 cases × 3 checkpoints"


def test_script_in_a_reply_does_not_run_and_shows_as_text(page: Page) -> None:
    open_case(page, EVIL_CASE)
    assert page.js("window.__pwned") is None
    assert page.js("document.title") == "pytest-persona report: FAIL"
    shown = page.js("[...document.querySelectorAll('tr.detail:not([hidden]) pre.reply')].map(p => p.textContent)")
    assert shown == [XSS] * 3
    assert page.js("document.querySelectorAll('img').length") == 0
    marks = page.js("[...document.querySelectorAll('tr.detail:not([hidden]) mark')].map(m => m.textContent)")
    assert marks == [XSS[:9]]
    assert page.errors() == []


def test_rtl_reply_keeps_the_layout(page: Page) -> None:
    open_case(page, "arabic")
    assert page.js("document.querySelectorAll('tr.detail:not([hidden]) pre.reply')[0].textContent") == ARABIC
    assert page.js("document.documentElement.scrollWidth <= innerWidth")


def test_long_reply_is_capped_with_a_show_all_toggle(page: Page) -> None:
    open_case(page, "long-reply")
    pre = "document.querySelector('tr.detail:not([hidden]) pre.reply')"
    assert page.js(f"{pre}.textContent.length") < 4200
    assert page.js(f"{pre}.textContent").endswith("[… 196,010 more characters …]")
    assert page.js("document.documentElement.scrollWidth <= innerWidth")  # no page-wide overflow
    assert page.js(f"{pre}.getBoundingClientRect().height") < 600
    button = "document.querySelector('tr.detail:not([hidden]) button.more')"
    assert page.js(f"{button}.textContent") == "Show all (200,010 characters)"
    page.js(f"{button}.click()")
    assert page.js(f"{pre}.textContent") == LONG
    assert page.js(f"{button}.textContent") == "Show less"
    assert page.js("document.documentElement.scrollWidth <= innerWidth")


def test_case_links_open_the_case(page: Page) -> None:
    page.js("document.querySelector('#comparisons a.case-link').click()")
    page.js("new Promise(done => setTimeout(done, 50))")  # hashchange is dispatched as a task
    assert page.js("location.hash").startswith("#case=josi/refuse-move/")
    assert page.js("document.querySelectorAll('#matrix tr.case')[1].querySelector('.case-btn').ariaExpanded") == "true"
    assert page.js("document.activeElement.querySelector('h4 bdi').textContent") == EVIL_CHECKPOINT
    page.js("document.querySelector('#baseline a.case-link').click()")
    page.js("new Promise(done => setTimeout(done, 50))")
    assert page.js("document.querySelectorAll('#matrix tr.case')[2].querySelector('.case-btn').ariaExpanded") == "true"


def test_sampled_gate_reasons() -> None:
    report = passing_report()
    sampled = {"samples": 9, "passed_samples": 6, "confidence": 0.95, "lower_bound": 0.35}
    report["gates"] = [
        gate("josi", "fp16", 2, 3, 1.0) | sampled,  # a contract: judged by its pass rate
        gate("style", "fp16", 3, 3, 0.5) | sampled | {"passed": False},  # judged by the Wilson bound
    ]
    report["verdict"] = {"passed": False, "word": "FAIL"}
    _, rest = split_page(build_html(report))
    banner = re.search(r'id="verdict".*?</section>', rest, re.S)
    assert banner
    assert "<bdi>josi</bdi></b> on <b><bdi>fp16</bdi></b>: pass rate 66.7% (2/3 cases) below" in banner.group(0)
    assert "lower bound 35.0% of the sample pass rate (pass rate 100.0% (3/3 cases)) below the threshold 50%" in (
        banner.group(0)
    )
    assert 'class="num muted" title="Wilson lower bound' in rest


def test_empty_report_page_has_no_errors(chromium: Chromium, tmp_path: Path) -> None:
    path = tmp_path / "empty.html"
    path.write_text(build_html({"results": [], "gates": []}), encoding="utf-8")
    tab = chromium.page()
    try:
        tab.goto(path.as_uri())
        assert tab.errors() == []
        assert tab.js("document.querySelector('.empty').textContent") == "This report holds no case results."
        assert tab.js("document.querySelector('.empty').hidden") is False
        assert tab.js("document.querySelector('#verdict').innerText").startswith("NO RESULTS")
    finally:
        tab.close()


def test_screenshot_is_written(page: Page, tmp_path: Path) -> None:
    open_case(page, "refuse-move")
    png = page.screenshot(tmp_path / "report.png")
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert width == 1280 and height > 900
    assert (tmp_path / "report.png").stat().st_size > 20_000


def test_drift_section_shows_aggregates_a_chart_and_every_case_escaped() -> None:
    from pytest_persona.core.drift import CaseDrift, Drift

    report = sample_report()
    drift = Drift("josi", EVIL_CHECKPOINT, "fp16", (CaseDrift("refuse-move", (0.3, 0.5), 1, 0.4),
                                                      CaseDrift(EVIL_CASE, (0.01, 0.03), 2, 0.9)))  # fmt: skip
    report["comparisons"][0]["drift"] = drift.as_dict()
    report["comparisons"][0]["highest_kl"] = [{"case": "refuse-move", "flip": "pass → fail"}]
    _, rest = split_page(build_html(report))
    section = re.search(r'<section id="drift".*?</section>', rest, re.S)
    assert section, "no drift section"
    html = section.group(0)
    assert "mean KL <b>0.2100</b>" in html and "same top-1 <b>75.0%</b>" in html
    chart = re.search(r'<svg class="chart".*?</svg>', html, re.S)
    assert chart and chart.group(0).count("<rect") == 2
    assert chart.group(0).index("#c0392b") < chart.group(0).index("#2c7fb8")  # the regression, highest first, red
    assert "<script>" not in html and "pass → fail" in html
    rows = re.findall(r"<tr><td>.*?</tr>", html.split("<tbody>")[1])
    assert len(rows) == 2 and "0.4000" in rows[0] and "0.0200" in rows[1]
    report["comparisons"][0]["drift"] = {"available": False, "unavailable": "the replay backend <b>cannot</b> score"}
    _, rest = split_page(build_html(report))
    assert "drift not available: the replay backend &lt;b&gt;cannot&lt;/b&gt; score" in rest
    report["comparisons"][0]["drift"] = {"available": True, "cases": "nonsense", "mean_kl": "x"}
    assert 'id="drift"' in build_html(report)  # a damaged report still renders
