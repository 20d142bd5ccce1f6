"""Run pytest in this process and write its peak resident memory (KiB) to a file.

VmHWM, not ru_maxrss: a forked child starts with its parent's ru_maxrss, which survives exec.

python benchmarks/peak_rss.py OUT.txt PYTEST-ARGS...
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

if __name__ == "__main__":
    code = pytest.main(sys.argv[2:])
    with open(sys.argv[1], "w", encoding="utf-8") as out:
        status = Path("/proc/self/status").read_text().splitlines()
        out.write(next(line.split()[1] for line in status if line.startswith("VmHWM:")))
    sys.exit(int(code))
