"""`make test-compat`: prove the plugin works on every pytest series that pyproject declares.

For each pytest series (default 8.0, 8.4, 9.0 and the newest on the pip index) this makes a
throwaway venv under out/compat/, installs the project editable without its extras (only the
core requirements, with that pytest pinned), and runs, outside the repository:

- plain: a folder holding only ``def test_x(): assert 1`` — exit 0, no INTERNALERROR, and the
  plugin listed in pytest's header (so a pass means the plugin was loaded); again with
  ``-p no:cacheprovider`` and under ``-n 2`` when pytest-xdist installs;
- gate: a two-case contract eval set replayed from a .jsonl file — passing replies exit 0,
  one broken case exits 1.

It prints a table of pytest version x check, writes each run's output to out/compat/logs/,
and exits 1 when any check (or the declared range) fails, 2 when a venv could not be built.
Only the standard library is needed to run it (Python >= 3.11, or pip's vendored tomli).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
DEFAULT_SERIES = ("8.0", "8.4", "9.0", "latest")
RUN_TIMEOUT_S = 300
PIP_TIMEOUT_S = 900


@dataclass(frozen=True)
class Check:
    """One pytest run in a fresh copy of a fixture folder, and what must come of it."""

    name: str
    folder: str  # under tests/compat/
    args: tuple[str, ...]
    expect_rc: int
    expect_summary: str  # regex the final summary line must match
    needs_xdist: bool = False


CHECKS = (
    Check("plain", "plain", (), 0, r"\b1 passed\b"),
    Check("plain no:cacheprovider", "plain", ("-p", "no:cacheprovider"), 0, r"\b1 passed\b"),
    Check("plain -n 2", "plain", ("-n", "2"), 0, r"\b1 passed\b", needs_xdist=True),
    Check("gate pass->0", "gate", ("evalset.yaml", "--model", "pass.jsonl"), 0, r"\b2 passed\b"),
    Check("gate fail->1", "gate", ("evalset.yaml", "--model", "fail.jsonl"), 1, r"\b1 failed\b"),
)


@dataclass
class Outcome:
    status: str  # "pass", "FAIL", "skip"
    why: str = ""
    log: Path | None = None


@dataclass
class Env:
    """One throwaway venv with one pytest series installed."""

    series: str
    path: Path
    version: str = "?"
    xdist: str | None = None
    error: str = ""
    results: dict[str, Outcome] = field(default_factory=dict)

    @property
    def python(self) -> Path:
        return self.path / "bin" / "python"


def core_requirements() -> tuple[str, list[str]]:
    """pyproject's pytest requirement, and its other core requirements (no extras)."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        from pip._vendor import tomli as tomllib  # type: ignore[no-redef]
    with (ROOT / "pyproject.toml").open("rb") as fh:
        deps = tomllib.load(fh)["project"]["dependencies"]
    pytest_req = [d for d in deps if re.match(r"pytest\s*[<>=!~]", d)]
    if len(pytest_req) != 1:
        raise SystemExit(f"pyproject.toml: expected one pytest requirement, found {pytest_req}")
    return pytest_req[0], [d for d in deps if d not in pytest_req]


def clean_env() -> dict[str, str]:
    """The environment for child processes: nothing that changes which plugins pytest loads."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "VIRTUAL_ENV", "PYTHON"))}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def run(cmd: Sequence[str | Path], *, cwd: Path | None = None, timeout: int = RUN_TIMEOUT_S) -> tuple[int, str]:
    try:
        proc = subprocess.run(
            [str(c) for c in cmd],
            cwd=cwd,
            env=clean_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode(errors="replace") if isinstance(exc.stdout, bytes) else exc.stdout or ""
        return 124, out + f"\n[timed out after {timeout} s]"
    return proc.returncode, proc.stdout


def pin(series: str) -> str:
    return "pytest" if series == "latest" else f"pytest=={series}.*"


def build_env(env: Env, python: str, others: list[str], editable_lock: threading.Lock) -> None:
    """Fresh venv; the project editable with --no-deps, then the pinned pytest and core deps."""
    shutil.rmtree(env.path, ignore_errors=True)
    rc, out = run([python, "-m", "venv", env.path], timeout=PIP_TIMEOUT_S)
    if rc:
        env.error = f"python -m venv failed (exit {rc}): {out.strip()[-2000:]}"
        return
    pip = [env.python, "-m", "pip", "install", "--quiet"]
    with editable_lock:  # setuptools writes the egg-info into the source tree: one at a time
        rc, out = run([*pip, "--no-deps", "-e", ROOT], timeout=PIP_TIMEOUT_S)
    if rc:
        env.error = f"pip install -e . failed (exit {rc}): {out.strip()[-2000:]}"
        return
    # pytest-xdist in the same resolve, so that it cannot move the pinned pytest
    rc, out = run([*pip, pin(env.series), *others, "pytest-xdist"], timeout=PIP_TIMEOUT_S)
    if rc:
        rc, out = run([*pip, pin(env.series), *others], timeout=PIP_TIMEOUT_S)
        if rc:
            env.error = f"pip install {pin(env.series)} failed (exit {rc}): {out.strip()[-2000:]}"
            return
    probe = (
        "import importlib.metadata as m, pytest\n"
        "try: x = m.version('pytest-xdist')\n"
        "except m.PackageNotFoundError: x = ''\n"
        "print(pytest.__version__, x)"
    )
    rc, out = run([env.python, "-c", probe])
    if rc:
        env.error = f"pytest does not import (exit {rc}): {out.strip()[-2000:]}"
        return
    version, _, xdist = out.strip().partition(" ")
    env.version, env.xdist = version, xdist or None
    if env.series != "latest" and not (version == env.series or version.startswith(env.series + ".")):
        env.error = f"asked for pytest {env.series}.*, got {version}"


def run_check(env: Env, check: Check, scratch: Path, logs: Path) -> Outcome:
    if check.needs_xdist and not env.xdist:
        return Outcome("skip", "pytest-xdist did not install")
    slug = f"pytest-{env.series}-{re.sub(r'[^a-z0-9]+', '-', check.name).strip('-')}"
    work = scratch / slug
    shutil.copytree(HERE / check.folder, work)  # outside the repo: no root conftest or ini
    rc, out = run([env.python, "-m", "pytest", *check.args], cwd=work)
    log = logs / f"{slug}.log"
    log.write_text(f"$ pytest {' '.join(check.args)}   (in a copy of tests/compat/{check.folder})\n{out}")
    problems = []
    if rc != check.expect_rc:
        problems.append(f"exit {rc}, expected {check.expect_rc}")
    if "INTERNALERROR" in out:
        line = next((ln for ln in out.splitlines() if "INTERNALERROR" in ln and "Error" in ln[14:]), "")
        problems.append("INTERNALERROR" + (f" ({line.removeprefix('INTERNALERROR> ').strip()})" if line else ""))
    if not problems:  # the run ended as expected: was the plugin loaded, did the right tests run?
        if not re.search(r"^plugins:.*\bpersona-", out, re.MULTILINE):
            problems.append("plugin not listed in pytest's header")
        tail = out.strip().splitlines()[-1:] or [""]
        if not re.search(check.expect_summary, tail[0]):
            problems.append(f"summary {tail[0].strip('= ')!r}")
    return Outcome("FAIL" if problems else "pass", "; ".join(problems), log)


def range_problems(envs: list[Env], declared: str) -> tuple[list[str], list[str]]:
    """Problems with the declared pytest range given what was tested, and notes.

    The range must hold every tested series and be no wider than them: the series after the
    newest tested one and the release before the oldest must fall outside it.
    """
    tested = [e for e in envs if not e.error]
    if not tested:
        return [], []
    spec = declared.removeprefix("pytest").strip()
    versions = sorted({e.version for e in tested}, key=lambda v: tuple(int(p) for p in re.findall(r"\d+", v)[:3]))
    oldest, newest = versions[0], versions[-1]
    o_major, o_minor = (int(p) for p in oldest.split(".")[:2])
    n_major, n_minor = (int(p) for p in newest.split(".")[:2])
    below = f"{o_major}.{o_minor - 1}.999" if o_minor else f"{o_major - 1}.999.999"
    above = f"{n_major}.{n_minor + 1}.0"
    code = (
        "import sys\nfrom packaging.specifiers import SpecifierSet\n"
        "s = SpecifierSet(sys.argv[1])\nprint(' '.join('1' if s.contains(v) else '0' for v in sys.argv[2:]))"
    )
    rc, out = run([tested[0].python, "-c", code, spec, *versions, below, above])
    if rc:
        return [f"could not read the declared range {declared!r}: {out.strip()[-500:]}"], []
    flags = dict(zip([*versions, below, above], out.split(), strict=True))
    problems, notes = [], []
    latest = next((e.version for e in tested if e.series == "latest"), None)
    for v in versions:
        if flags[v] == "0":
            if v == latest:
                notes.append(f"the newest pytest, {v}, is outside {declared!r}: widen the range once it passes")
            else:
                problems.append(f"tested pytest {v} is outside the declared {declared!r}")
    if flags[above] == "1" and latest is not None and flags.get(latest) == "1":
        problems.append(f"{declared!r} allows pytest {above}, newer than any tested series")
    if flags[below] == "1":
        problems.append(f"{declared!r} allows pytest {below}, older than any tested series")
    return problems, notes


def table(envs: list[Env], declared: str) -> str:
    header = ["pytest", *[c.name for c in CHECKS]]
    rows = []
    for env in envs:
        label = f"{env.version} ({env.series})" if env.series == "latest" else env.version
        if env.error:
            rows.append([f"{env.series}.x", *["SETUP" for _ in CHECKS]])
        else:
            rows.append([label, *[env.results[c.name].status for c in CHECKS]])
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in [header, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return f"pytest-persona x pytest (declared: {declared})\n" + "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("series", nargs="*", default=list(DEFAULT_SERIES), help="pytest series (8.0) or 'latest'")
    parser.add_argument("--out", type=Path, default=ROOT / "out" / "compat", help="venvs and logs go here")
    parser.add_argument("--python", default=sys.executable, help="interpreter the venvs are made from")
    args = parser.parse_args(argv)

    declared, others = core_requirements()
    out = args.out.resolve()
    logs = out / "logs"
    shutil.rmtree(logs, ignore_errors=True)
    logs.mkdir(parents=True)
    envs = [Env(s, out / "venvs" / f"pytest-{s}") for s in args.series]
    started = time.monotonic()
    lock = threading.Lock()
    with ThreadPoolExecutor(max_workers=len(envs)) as pool:
        list(pool.map(lambda e: build_env(e, args.python, others, lock), envs))
    built = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="persona-compat-") as tmp:
        scratch = Path(tmp)
        jobs = [(e, c) for e in envs if not e.error for c in CHECKS]
        with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 2)) as pool:
            outcomes = list(pool.map(lambda ec: run_check(ec[0], ec[1], scratch, logs), jobs))
        for (env, check), outcome in zip(jobs, outcomes, strict=True):
            env.results[check.name] = outcome
    problems, notes = range_problems(envs, declared)

    print(table(envs, declared))
    print(f"(venvs {built - started:.0f} s, checks {time.monotonic() - built:.0f} s; logs in {logs})")
    for env in envs:
        if env.error:
            print(f"\npytest {env.series}: SETUP {env.error}")
        for name, outcome in env.results.items():
            if outcome.status == "FAIL":
                print(f"\npytest {env.version} {name}: {outcome.why}\n  log: {outcome.log}")
            elif outcome.status == "skip":
                print(f"\npytest {env.version} {name}: skipped, {outcome.why}")
    for line in notes:
        print(f"\nnote: {line}")
    for line in problems:
        print(f"\ndeclared range: FAIL {line}")
    if any(e.error for e in envs):
        return 2
    failed = problems or any(o.status == "FAIL" for e in envs for o in e.results.values())
    print("\nmake test-compat: " + ("FAIL" if failed else "PASS"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
