"""Run pytest in this process and write its peak resident memory (KiB) to a file.

python benchmarks/peak_rss.py OUT.txt PYTEST-ARGS...
"""

from __future__ import annotations

import resource
import sys

import pytest

if __name__ == "__main__":
    code = pytest.main(sys.argv[2:])
    with open(sys.argv[1], "w", encoding="utf-8") as out:
        out.write(str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))
    sys.exit(int(code))
