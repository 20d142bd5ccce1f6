"""Is this YAML file an eval set? A cheap look at its text, run on every ``.yaml`` pytest meets:
standard library only, a bounded read, never a parse."""

from __future__ import annotations

import re
from pathlib import Path

_PEEK_BYTES = 1024 * 1024

_KEY = r"""(?:evalset|"evalset"|'evalset')[ \t]*:"""

_FLOW_KEY = re.compile(r"""(?:"evalset"|'evalset'|evalset(?=\s*:))\s*:""")

# flow-style tokens, covering every character: blanks, a comment, a quoted scalar (maybe cut off
# by the peek), an indicator, or a plain run (which may hold quotes and colons after its start)
_FLOW_TOKEN = re.compile(r"""\s+|#[^\n]*|"(?:[^"\\]|\\.)*"?|'(?:[^']|'')*'?|[{}\[\],:]|[^\s"'{}\[\],:#][^\s{}\[\],]*""")


def looks_like_evalset(path: Path) -> bool:
    """True when a YAML file has a top-level ``evalset`` key: a bounded text peek, never a parse.

    It runs on every ``.yaml`` under the test paths, so it reads at most ``_PEEK_BYTES`` and
    looks no further unless they contain "evalset". Block style (``evalset: x``, the key maybe
    quoted, after comments, directives or ``---``) and flow style (``{"evalset": "x", ...}``,
    JSON written as YAML) are both recognised; a nested ``evalset`` key is not.
    """
    try:
        with path.open("rb") as fh:
            head = fh.read(_PEEK_BYTES)
    except OSError:
        return False
    last = head.rfind(b"evalset")
    if last < 0:
        return False
    text = head[: last + 64].decode("utf-8", errors="replace").removeprefix("\ufeff")
    start = _content_start(text)
    if start is None:
        return False
    if text.startswith("{", start):
        return _flow_has_key(text, start)
    line = text.rfind("\n", 0, start) + 1
    return re.compile(rf"^{' ' * (start - line)}{_KEY}", re.MULTILINE).search(text, line) is not None


def _content_start(text: str) -> int | None:
    """Offset of the first document's content: past blank lines, comments, ``%`` directives and
    ``---`` (content on the ``---`` line itself counts only when it opens a flow mapping)."""
    pos = 0
    while pos < len(text):
        end = text.find("\n", pos)
        end = len(text) if end < 0 else end
        line = text[pos:end]
        body = line.lstrip(" \t")
        if line.startswith("---") and (len(line) == 3 or line[3] in " \t\r"):
            rest = line[3:].lstrip(" \t")
            if rest.startswith("{"):
                return end - len(rest)
        elif body.strip() and not body.startswith("#") and not line.startswith("%"):
            return pos + len(line) - len(body)
        pos = end + 1
    return None


def _flow_has_key(text: str, start: int) -> bool:
    """Whether the flow mapping opening at ``text[start]`` has an ``evalset`` key at its own level."""
    depth, expect_key = 0, False
    for match in _FLOW_TOKEN.finditer(text, start):
        token = match.group()
        if token[0].isspace() or token[0] == "#":
            continue
        if depth == 1 and expect_key:
            if _FLOW_KEY.match(text, match.start()):
                return True
            expect_key = False
        if token in ("{", "["):
            depth += 1
            expect_key = depth == 1
        elif token in ("}", "]"):
            depth -= 1
            if depth <= 0:
                return False
        elif token == "," and depth == 1:
            expect_key = True
    return False
