"""``no_template_leak``: no chat-template tokens or turn markers in the reply.

A reply that contains ``<|user|>``, ``<|im_end|>`` or a "User:" line means the chat template
used in training (or at inference) does not match the model's own, or generation ran past the
end of the turn. The checkpoint's own special tokens come from the backend (ctx.special_tokens).
"""

from __future__ import annotations

import functools
import itertools
from bisect import bisect_right
from collections.abc import Mapping

import regex

from . import register_check
from .base import CheckContext, CheckResult, Param, check_error, failed, passed, str_list
from .normalize import PATTERN_TIMEOUT_S, SCAN_LIMIT

# Literal markers of the common chat templates (matched case-sensitively, anywhere).
KNOWN_MARKERS = (
    # ChatML (Qwen, SmolLM2) and the Phi / Zephyr / TinyLlama / Llama 3 families: all <|word|>-shaped,
    # also caught by the generic shape below; listed for documentation.
    "<|im_start|>",
    "<|im_end|>",
    "<|endoftext|>",
    "<|begin_of_text|>",
    "<|end_of_text|>",
    "<|start_header_id|>",
    "<|end_header_id|>",
    "<|eot_id|>",
    "<|eom_id|>",
    "<|user|>",
    "<|assistant|>",
    "<|system|>",
    "<|end|>",
    # Llama 2 / Mistral
    "[INST]",
    "[/INST]",
    "<<SYS>>",
    "<</SYS>>",
    "</s>",
    "[SYSTEM_PROMPT]",
    "[/SYSTEM_PROMPT]",
    "[TOOL_CALLS]",
    "[AVAILABLE_TOOLS]",
    "[/AVAILABLE_TOOLS]",
    "[TOOL_RESULTS]",
    # Gemma
    "<start_of_turn>",
    "<end_of_turn>",
    "<bos>",
    "<eos>",
    # generic tokenizer specials
    "<unk>",
    "<pad>",
    "<|pad|>",
)
_SHAPES = (
    r"<\|[\w.:/ -]{1,40}\|>",  # any <|word|> token
    r"<｜[^｜<>\n]{1,40}｜>",  # DeepSeek's full-width bars <｜begin▁of▁sentence｜>
    r"\A\s*<s>|<s>(?=\s*\[INST\])",  # Llama 2 BOS (a bare <s> elsewhere may be HTML)
    r"\b(?:im_start|im_end|start_header_id|end_header_id|eot_id|begin_of_text|start_of_turn|end_of_turn)\b",
)
# Turn markers at a line start: "User:", "Assistant:", "### Instruction:", "### Response", "<human>:".
_ROLE_LINES = (
    r"^[ \t]*(?:>[ \t]*)?(?:\*\*|__)?(?:user|assistant|system|human)(?:\*\*|__)?[ \t]*[:：]"
    r"|^[ \t]*#{1,4}[ \t]*(?:instruction|response|input|system|user|assistant|human)\b[ \t]*:?"
    r"|^[ \t]*<(?:human|bot|user|assistant)>[ \t]*:?"
)
_FENCE = regex.compile(r"^[ \t]*```", regex.MULTILINE)
_STATIC = regex.compile(
    "|".join([*(regex.escape(m) for m in sorted(KNOWN_MARKERS, key=len, reverse=True)), *_SHAPES]),
)
_ROLE_RE = regex.compile(_ROLE_LINES, regex.IGNORECASE | regex.MULTILINE)
MAX_LISTED = 10
_END = float("inf")


@functools.lru_cache(maxsize=64)
def _literal_re(tokens: tuple[str, ...]) -> regex.Pattern[str] | None:
    """One pattern for the checkpoint's own special tokens and the user's `tokens`."""
    usable = sorted({t for t in tokens if t.strip()}, key=len, reverse=True)
    if not usable:
        return None
    return regex.compile("|".join(regex.escape(t) for t in usable))


def _code_ranges(text: str) -> list[tuple[int, int]]:
    """Character ranges inside ``` fences (an unclosed fence runs to the end)."""
    marks = [m.start() for m in itertools.islice(_FENCE.finditer(text), 10_000)]
    if len(marks) % 2:
        marks.append(len(text))
    return list(zip(marks[0::2], marks[1::2], strict=True))


def _inside(pos: int, ranges: list[tuple[int, int]]) -> bool:
    k = bisect_right(ranges, (pos, _END)) - 1
    return k >= 0 and ranges[k][0] <= pos < ranges[k][1]


def _prepare(args: dict, _base_dir: object) -> dict:
    tokens = str_list(args.get("tokens"), "no_template_leak tokens")
    return {"tokens": list(tokens)}


@register_check(
    "no_template_leak",
    main="tokens",
    params={"tokens": Param((list, str), default=[], help="extra literal tokens that must never appear")},
    prepare=_prepare,
)
def check_no_template_leak(reply: str, args: Mapping, ctx: CheckContext) -> CheckResult:
    """No chat-template tokens (the checkpoint's own, common templates' markers) or role-prefixed lines."""
    text = reply[:SCAN_LIMIT]
    leaks: list[tuple[int, int]] = []
    try:
        own = _literal_re(tuple(ctx.special_tokens) + tuple(args.get("tokens", ())))
        for pattern in (own, _STATIC):
            if pattern is not None:
                leaks.extend(
                    m.span() for m in itertools.islice(pattern.finditer(text, timeout=PATTERN_TIMEOUT_S), 1000)
                )
        code = _code_ranges(text)
        for m in itertools.islice(_ROLE_RE.finditer(text, timeout=PATTERN_TIMEOUT_S), 1000):
            if not _inside(m.start(), code):  # "user:" inside a code block is data, not a turn
                start = m.start() + len(m.group()) - len(m.group().lstrip())
                leaks.append((start, m.end()))
    except TimeoutError:
        return check_error("template patterns took too long on this reply")
    if not leaks:
        return passed()
    leaks = _outermost(leaks)
    counts: dict[str, int] = {}
    for a, b in leaks:
        counts[text[a:b]] = counts.get(text[a:b], 0) + 1
    listed = ", ".join(f"{tok!r}" + (f" ×{n}" if n > 1 else "") for tok, n in list(counts.items())[:MAX_LISTED])
    if len(counts) > MAX_LISTED:
        listed += f", … ({len(counts) - MAX_LISTED} more)"
    return failed(f"template leak: {listed}; first", reply, leaks[0])


def _outermost(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted spans without those overlapping an earlier (or longer, same-start) one."""
    kept: list[tuple[int, int]] = []
    for a, b in sorted(set(spans), key=lambda s: (s[0], -s[1])):
        if not kept or a >= kept[-1][1]:
            kept.append((a, b))
    return kept
