"""The HTML report (``--persona-report out.html``): one self-contained page a release manager reads.

The verdict banner, gates, chart, comparisons, baseline and checkpoints are rendered here in
Python (every value through ``html.escape``), so the verdict shows in any viewer. The case ×
checkpoint matrix, its filters and the side-by-side replies are built in the browser from the
report, embedded once as JSON, with ``createElement``/text nodes only: a reply is never markup.
No external URL, font or script: the page works from ``file://`` offline, under a strict CSP.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import math
import re
import shlex
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

__all__ = ["build_html"]

# C0 controls (but tab, newline, carriage return), DEL and lone surrogates: invalid in an HTML text.
_UNSAFE_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
# Characters that could end the JSON <script> block or break a JS parser, plus lone surrogates
# (which cannot be written as UTF-8): written as JSON \\u escapes, which JSON.parse reads back.
_JSON_UNSAFE = re.compile("[<>&\u2028\u2029\ud800-\udfff]")
_MAX_LABEL = 18  # characters of a checkpoint name shown in the chart (the full name is its tooltip)
_MAX_BASELINE_REPLY = 600  # characters of a baseline reply shown in its table


def build_html(report: dict[str, Any]) -> str:
    """The whole page for one JSON report (the dict ``report.build_json`` makes)."""
    gates = _dicts(report.get("gates"))
    comparisons = _dicts(report.get("comparisons"))
    baseline = report.get("baseline") if isinstance(report.get("baseline"), dict) else None
    checkpoints = _checkpoint_order(report)
    evalsets = _evalset_order(report)
    gates = sorted(gates, key=lambda g: (_rank(evalsets, g.get("evalset")), _rank(checkpoints, g.get("checkpoint"))))
    word, _, _ = _verdict(gates, comparisons, baseline)
    script = _SCRIPT
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    csp = (
        f"default-src 'none'; script-src 'sha256-{digest}'; style-src 'unsafe-inline'; img-src data:; "
        "base-uri 'none'; form-action 'none'"
    )
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="color-scheme" content="light">',
        f"<title>pytest-persona report: {word}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        _header(report),
        _banner(gates, comparisons, baseline),
        _nav(bool(comparisons), baseline is not None),
        '<div class="overview">',
        _gates_section(gates),
        _chart_section(gates, evalsets, checkpoints),
        "</div>",
        _comparisons_section(comparisons) if comparisons else "",
        _baseline_section(baseline) if baseline is not None else "",
        '<section id="cases" aria-labelledby="cases-title">',
        '<h2 id="cases-title">Cases × checkpoints</h2>',
        '<noscript><p class="note">The case matrix, its filters and the replies need JavaScript; '
        "the verdict, gates and comparisons above are complete without it.</p></noscript>",
        '<div id="matrix-root"></div>',
        "</section>",
        _checkpoints_section(report),
        f'<script type="application/json" id="persona-data">{_json_block(report)}</script>',
        f"<script>{script}</script>",
        "</body>",
        "</html>",
    ]
    return "\n".join(part for part in parts if part) + "\n"


# ---------------------------------------------------------------------------- data helpers


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _str(value: Any) -> str:
    return "" if value is None else str(value)


def _unique(names: Iterable[Any]) -> list[str]:
    seen: dict[str, None] = {}
    for name in names:
        seen.setdefault(_str(name), None)
    return list(seen)


def _checkpoint_order(report: dict[str, Any]) -> list[str]:
    """Checkpoints as the report lists them, then any only its results or gates name."""
    names = [c.get("name") for c in _dicts(report.get("checkpoints"))]
    names += [r.get("checkpoint") for r in _dicts(report.get("results"))]
    names += [g.get("checkpoint") for g in _dicts(report.get("gates"))]
    return _unique(names)


def _evalset_order(report: dict[str, Any]) -> list[str]:
    """Eval sets in the order they first appear (results, then gates, then comparisons)."""
    names = [r.get("evalset") for r in _dicts(report.get("results"))]
    names += [g.get("evalset") for g in _dicts(report.get("gates"))]
    names += [c.get("evalset") for c in _dicts(report.get("comparisons"))]
    return _unique(names)


def _rank(order: list[str], name: Any) -> int:
    try:
        return order.index(_str(name))
    except ValueError:
        return len(order)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


# ---------------------------------------------------------------------------- escaping


def _clean(text: Any) -> str:
    """Text that can stand in an HTML document: controls and lone surrogates become U+FFFD."""
    return _UNSAFE_TEXT.sub("\ufffd", _str(text))


def _e(text: Any) -> str:
    """Escaped for HTML text and quoted attribute values."""
    return html.escape(_clean(text), quote=True)


def _json_block(report: dict[str, Any]) -> str:
    """The report as JSON that cannot close its <script> element: ``<``, ``>``, ``&``, U+2028/9 escaped."""
    try:
        text = json.dumps(report, ensure_ascii=False, separators=(",", ":"), allow_nan=False, default=str)
    except ValueError:  # NaN or infinity somewhere: JSON.parse would refuse the whole block
        text = json.dumps(_finite(report), ensure_ascii=False, separators=(",", ":"), default=str)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def _case_href(evalset: Any, case: Any, checkpoint: Any = None) -> str:
    """A link the page's script opens (``#case=<evalset>/<case>[/<checkpoint>]``, each part URL-encoded)."""
    parts = [evalset, case] + ([checkpoint] if checkpoint is not None else [])
    return "#case=" + "/".join(quote(_clean(p), safe="") for p in parts)


def _case_link(evalset: Any, case: Any, checkpoint: Any = None) -> str:
    href = _e(_case_href(evalset, case, checkpoint))
    return f'<a class="case-link" href="{href}"><bdi>{_e(case)}</bdi></a>'


def _statistical(gate: dict[str, Any]) -> bool:
    """A sampled gate below a contract: its verdict is the Wilson lower bound against the threshold."""
    threshold = _number(gate.get("threshold"))
    return _number(gate.get("lower_bound")) is not None and threshold is not None and threshold < 1.0


def _pct(value: Any, digits: int = 1) -> str:
    number = _number(value)
    return "—" if number is None else f"{number * 100:.{digits}f}%"


def _badge(passed: bool) -> str:
    return '<span class="badge pass">✓ pass</span>' if passed else '<span class="badge fail">✗ fail</span>'


# ---------------------------------------------------------------------------- sections


def _header(report: dict[str, Any]) -> str:
    tool = report.get("tool") if isinstance(report.get("tool"), dict) else {}
    name = _str(tool.get("name")) or "pytest-persona"
    meta = [f"{_e(name)} {_e(tool.get('version'))}".strip()]
    if report.get("created"):
        meta.append(f'<time datetime="{_e(report["created"])}">{_e(report["created"])}</time>')
    if report.get("python"):
        meta.append(f"Python {_e(report['python'])}")
    if report.get("platform"):
        meta.append(_e(report["platform"]))
    command = report.get("command")
    shown = ""
    if isinstance(command, list) and command:
        shown = f'<p class="command"><code>{_e(shlex.join(_str(c) for c in command))}</code></p>'
    return (
        '<header class="top"><h1>pytest-persona release report</h1>'
        f'<p class="meta">{" · ".join(meta)}</p>{shown}</header>'
    )


def _verdict(
    gates: list[dict[str, Any]], comparisons: list[dict[str, Any]], baseline: dict[str, Any] | None
) -> tuple[str, str, list[str]]:
    """(``PASS``/``FAIL``/``NO RESULTS``, one sentence, the reasons as HTML list items)."""
    reasons = []
    for g in gates:
        if g.get("passed") is True:
            continue
        rate = f"pass rate {_pct(g.get('pass_rate'))} ({_e(g.get('passed_cases'))}/{_e(g.get('cases'))} cases)"
        if _statistical(g):  # judged by the Wilson lower bound of the sample pass rate
            rate = f"lower bound {_pct(g.get('lower_bound'))} of the sample pass rate ({rate})"
        reasons.append(
            f"<li>Gate <b><bdi>{_e(g.get('evalset'))}</bdi></b> on <b><bdi>{_e(g.get('checkpoint'))}</bdi></b>: "
            f"{rate} below the threshold {_pct(g.get('threshold'), 0)}</li>"
        )
    for c in comparisons:
        if c.get("passed") is True:
            continue
        regressions = [_str(r) for r in c.get("regressions") or []]
        why = [f"{len(regressions)} regression{'s' if len(regressions) != 1 else ''}"]
        if c.get("max_regressions") is not None:
            why[0] += f" ({_e(c.get('max_regressions'))} allowed)"
        p_value, alpha = _number(c.get("p_value")), _number(c.get("alpha"))
        if p_value is not None and alpha is not None and p_value < alpha:
            why.append(f"a significant drop (McNemar p = {p_value:.3g} &lt; α {alpha:g})")
        cases = ", ".join(_case_link(c.get("evalset"), r, c.get("checkpoint")) for r in regressions[:8])
        more = f", … {len(regressions) - 8} more" if len(regressions) > 8 else ""
        reasons.append(
            f"<li>Comparison <b><bdi>{_e(c.get('checkpoint'))}</bdi></b> against "
            f"<b><bdi>{_e(c.get('reference'))}</bdi></b> on <b><bdi>{_e(c.get('evalset'))}</bdi></b>: "
            f"{' and '.join(why)}{': ' + cases + more if cases else ''}</li>"
        )
    regressed = _dicts(baseline.get("regressions")) if baseline else []
    if regressed:
        reasons.append(
            f"<li>Baseline: {len(regressed)} result{'s' if len(regressed) != 1 else ''} passed in "
            f"<code>{_e(baseline.get('path') if baseline else '')}</code> and fail now "
            '(<a href="#baseline">see below</a>)</li>'
        )
    if reasons:
        return "FAIL", "This build must not ship:", reasons
    if not gates and not comparisons:
        return "NO RESULTS", "No gate was evaluated: nothing here says this build may ship.", []
    counted = f"{len(gates)} gate{'s' if len(gates) != 1 else ''}"
    if comparisons:
        counted += f" and {len(comparisons)} comparison{'s' if len(comparisons) != 1 else ''}"
    return "PASS", f"All {counted} passed: this build may ship.", []


def _banner(gates: list[dict[str, Any]], comparisons: list[dict[str, Any]], baseline: dict[str, Any] | None) -> str:
    word, sentence, reasons = _verdict(gates, comparisons, baseline)
    kind = {"PASS": "pass", "FAIL": "fail"}.get(word, "none")
    symbol = {"PASS": "✓ ", "FAIL": "✗ "}.get(word, "")
    items = f"<ul>{''.join(reasons)}</ul>" if reasons else ""
    return (
        f'<section class="banner {kind}" id="verdict" aria-label="Verdict">'
        f'<p class="verdict-word">{symbol}{word}</p><div class="verdict-text"><p>{sentence}</p>{items}</div></section>'
    )


def _nav(comparisons: bool, baseline: bool) -> str:
    links = [("gates", "Gates"), ("chart", "Chart")]
    links += [("comparisons", "Comparisons")] if comparisons else []
    links += [("baseline", "Baseline")] if baseline else []
    links += [("cases", "Cases"), ("checkpoints", "Checkpoints")]
    return '<nav class="toc" aria-label="Sections">' + "".join(f'<a href="#{a}">{t}</a>' for a, t in links) + "</nav>"


def _gates_section(gates: list[dict[str, Any]]) -> str:
    head = '<section id="gates" aria-labelledby="gates-title"><h2 id="gates-title">Gates</h2>'
    if not gates:
        return head + '<p class="note">No gate was evaluated.</p></section>'
    bounded = any(_number(g.get("lower_bound")) is not None for g in gates)
    rows = []
    previous = None
    for g in gates:
        evalset = _str(g.get("evalset"))
        first = evalset != previous
        previous = evalset
        lower = ""
        if bounded:
            conf = _number(g.get("confidence"))
            note = f"Wilson lower bound of the sample pass rate at {conf:.0%} confidence" if conf is not None else ""
            if _number(g.get("lower_bound")) is not None and not _statistical(g):
                note += "; not used: a contract (threshold 100%) is judged by its pass rate"
            muted = "" if _statistical(g) else " muted"
            lower = f'<td class="num{muted}" title="{_e(note)}">{_pct(g.get("lower_bound"))}</td>'
        rows.append(
            f'<tr class="{"first" if first else ""}"><th scope="row"><bdi>{_e(evalset) if first else ""}</bdi></th>'
            f"<td><bdi>{_e(g.get('checkpoint'))}</bdi></td>"
            f'<td class="num">{_e(g.get("passed_cases"))}/{_e(g.get("cases"))}</td>'
            f'<td class="num">{_pct(g.get("pass_rate"))}</td>{lower}'
            f'<td class="num">{_pct(g.get("threshold"), 0)}</td>'
            f'<td class="num">{_e(g.get("skipped") or 0)}</td>'
            f'<td class="{"pass" if g.get("passed") is True else "fail"}">{_badge(g.get("passed") is True)}</td></tr>'
        )
    lower_head = '<th scope="col" class="num">lower bound</th>' if bounded else ""
    return (
        head + '<table class="data gates"><thead><tr><th scope="col">eval set</th><th scope="col">checkpoint</th>'
        '<th scope="col" class="num">passed</th><th scope="col" class="num">pass rate</th>'
        f'{lower_head}<th scope="col" class="num">threshold</th><th scope="col" class="num">skipped</th>'
        f'<th scope="col">verdict</th></tr></thead><tbody>{"".join(rows)}</tbody></table></section>'
    )


def _chart_section(gates: list[dict[str, Any]], evalsets: list[str], checkpoints: list[str]) -> str:
    """Pass rate per checkpoint, grouped by eval set, as inline SVG (threshold as a dashed tick)."""
    head = '<section id="chart" aria-labelledby="chart-title"><h2 id="chart-title">Pass rate</h2>'
    if not gates:
        return head + '<p class="note">Nothing to chart.</p></section>'
    label_w, bar_x, bar_w, row_h, title_h = 112, 120, 280, 22, 22
    width = bar_x + bar_w + 76
    y = 4
    body = []
    groups: dict[str, list[dict[str, Any]]] = {}
    for g in gates:
        groups.setdefault(_str(g.get("evalset")), []).append(g)
    for evalset in sorted(groups, key=lambda name: _rank(evalsets, name)):
        body.append(f'<text class="group" x="0" y="{y + 15}">{_e(evalset)}</text>')
        y += title_h
        for g in sorted(groups[evalset], key=lambda g: _rank(checkpoints, g.get("checkpoint"))):
            name = _clean(g.get("checkpoint"))
            label = name if len(name) <= _MAX_LABEL else name[: _MAX_LABEL - 1] + "…"
            rate = min(max(_number(g.get("pass_rate")) or 0.0, 0.0), 1.0)
            threshold = _number(g.get("threshold"))
            ok = g.get("passed") is True
            tip = f"{evalset} on {name}: pass rate {_pct(g.get('pass_rate'))}, threshold {_pct(threshold, 0)}"
            tick = ""
            if threshold is not None and 0.0 <= threshold <= 1.0:
                x = bar_x + bar_w * threshold
                tick = f'<line class="threshold" x1="{x:.1f}" x2="{x:.1f}" y1="{y + 1}" y2="{y + row_h - 3}"/>'
            body.append(
                f'<g class="bar {"pass" if ok else "fail"}"><title>{_e(tip)}</title>'
                f'<text class="label" x="{label_w}" y="{y + 15}" text-anchor="end">{_e(label)}</text>'
                f'<rect class="track" x="{bar_x}" y="{y + 3}" width="{bar_w}" height="{row_h - 7}" rx="2"/>'
                f'<rect class="fill" x="{bar_x}" y="{y + 3}" width="{bar_w * rate:.1f}" height="{row_h - 7}" rx="2"/>'
                f"{tick}"
                f'<text class="value" x="{bar_x + bar_w + 8}" y="{y + 15}">{"✓" if ok else "✗"} '
                f"{_pct(g.get('pass_rate'), 0)}</text></g>"
            )
            y += row_h
        y += 6
    svg = (
        f'<svg class="chart" role="img" aria-labelledby="chart-svg-title" viewBox="0 0 {width} {y}" '
        f'width="{width}" height="{y}"><title id="chart-svg-title">Pass rate per checkpoint and eval set; '
        f"the dashed tick is the gate threshold</title>{''.join(body)}</svg>"
    )
    legend = '<p class="note">Bar: share of cases passed. Dashed tick: the gate threshold.</p>'
    return head + svg + legend + "</section>"


def _comparisons_section(comparisons: list[dict[str, Any]]) -> str:
    rows = []
    for c in comparisons:
        regressions = [_str(r) for r in c.get("regressions") or []]
        improvements = [_str(r) for r in c.get("improvements") or []]

        def cases(ids: list[str], checkpoint: Any, c: dict[str, Any] = c) -> str:
            if not ids:
                return '<span class="muted">none</span>'
            return ", ".join(_case_link(c.get("evalset"), i, checkpoint) for i in ids)

        allowed = "any" if c.get("max_regressions") is None else _e(c.get("max_regressions"))
        p_value, alpha = _number(c.get("p_value")), _number(c.get("alpha"))
        p_text = "—" if p_value is None else f"{p_value:.3g}"
        alpha_text = "" if alpha is None else f' <span class="muted">(α {alpha:g})</span>'
        rows.append(
            f"<tr><td><bdi>{_e(c.get('checkpoint'))}</bdi></td><td><bdi>{_e(c.get('reference'))}</bdi></td>"
            f"<td><bdi>{_e(c.get('evalset'))}</bdi></td>"
            f'<td class="{"fail" if regressions else ""}"><b>{len(regressions)}</b>'
            f' <span class="muted">(allowed: {allowed})</span><br>{cases(regressions, c.get("checkpoint"))}</td>'
            f"<td><b>{len(improvements)}</b><br>{cases(improvements, c.get('checkpoint'))}</td>"
            f'<td class="num">{_e(c.get("both_pass"))}</td><td class="num">{_e(c.get("both_fail"))}</td>'
            f'<td class="num">{p_text}{alpha_text}</td>'
            f'<td class="{"pass" if c.get("passed") is True else "fail"}">{_badge(c.get("passed") is True)}</td></tr>'
        )
    return (
        '<section id="comparisons" aria-labelledby="comparisons-title"><h2 id="comparisons-title">Comparisons</h2>'
        '<p class="note">Each checkpoint against its reference, case by case: a regression passed on the reference '
        "and fails here; an improvement is the reverse. The p-value is the exact McNemar test of the flips.</p>"
        '<table class="data comparisons"><thead><tr><th scope="col">checkpoint</th><th scope="col">reference</th>'
        '<th scope="col">eval set</th><th scope="col">regressions</th><th scope="col">improvements</th>'
        '<th scope="col" class="num">both pass</th><th scope="col" class="num">both fail</th>'
        '<th scope="col" class="num">McNemar p</th><th scope="col">verdict</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></section>"
    )


def _baseline_section(baseline: dict[str, Any]) -> str:
    regressions = _dicts(baseline.get("regressions"))
    new_passes = _dicts(baseline.get("new_passes"))
    parts = [
        '<section id="baseline" aria-labelledby="baseline-title"><h2 id="baseline-title">Baseline</h2>',
        f'<p class="note">Compared with <code>{_e(baseline.get("path"))}</code>: '
        f"{len(regressions)} regression{'s' if len(regressions) != 1 else ''}, "
        f"{len(new_passes)} new pass{'es' if len(new_passes) != 1 else ''}.</p>",
    ]
    if regressions:
        rows = "".join(
            f"<tr><td><bdi>{_e(r.get('evalset'))}</bdi></td>"
            f"<td>{_case_link(r.get('evalset'), r.get('case'), r.get('checkpoint'))}</td>"
            f"<td><bdi>{_e(r.get('checkpoint'))}</bdi></td>"
            f'<td><div class="snippet" dir="auto">{_e(_snip(r.get("before")))}</div></td>'
            f'<td><div class="snippet" dir="auto">{_e(_snip(r.get("now")))}</div></td></tr>'
            for r in regressions
        )
        parts.append(
            '<h3>Passed before, fail now</h3><table class="data baseline"><thead><tr><th scope="col">eval set</th>'
            '<th scope="col">case</th><th scope="col">checkpoint</th><th scope="col">reply before</th>'
            f'<th scope="col">reply now</th></tr></thead><tbody>{rows}</tbody></table>'
        )
    if new_passes:
        items = "".join(
            f"<li><bdi>{_e(p.get('evalset'))}</bdi> · "
            f"{_case_link(p.get('evalset'), p.get('case'), p.get('checkpoint'))}"
            f" on <bdi>{_e(p.get('checkpoint'))}</bdi></li>"
            for p in new_passes
        )
        parts.append(f'<h3>Failed before, pass now</h3><ul class="plain">{items}</ul>')
    parts.append("</section>")
    return "".join(parts)


def _snip(text: Any) -> str:
    text = _str(text)
    if len(text) <= _MAX_BASELINE_REPLY:
        return text
    return f"{text[:_MAX_BASELINE_REPLY]}… ({len(text) - _MAX_BASELINE_REPLY:,} more characters)"


def _checkpoints_section(report: dict[str, Any]) -> str:
    checkpoints = _dicts(report.get("checkpoints"))
    if not checkpoints:
        return ""
    rows = "".join(
        f"<tr><th scope='row'><bdi>{_e(c.get('name'))}</bdi></th><td>{_e(c.get('kind'))}</td>"
        f"<td>{_e(c.get('backend'))}</td><td class='path'><code>{_e(c.get('path'))}</code></td>"
        f"<td class='path'><code title='{_e(c.get('fingerprint'))}'>{_e(_str(c.get('fingerprint'))[:16])}</code>"
        "</td></tr>"
        for c in checkpoints
    )
    return (
        '<section id="checkpoints" aria-labelledby="checkpoints-title"><h2 id="checkpoints-title">Checkpoints</h2>'
        '<table class="data"><thead><tr><th scope="col">name</th><th scope="col">kind</th><th scope="col">backend</th>'
        '<th scope="col">path</th><th scope="col">fingerprint</th></tr></thead>'
        f"<tbody>{rows}</tbody></table></section>"
    )


# ---------------------------------------------------------------------------- page assets

_CSS = """
:root{--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--bg:#fff;--soft:#f6f8fa;--pass:#116329;--pass-bg:#dafbe1;
--fail:#a40e26;--fail-bg:#ffebe9;--warn:#7d4e00;--warn-bg:#fff8c5;--known:#57606a;--known-bg:#eaeef2;
--accent:#0550ae;--mark:#ffd33d}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;padding:1.25rem 1.5rem 3rem;color:var(--fg);background:var(--bg);line-height:1.45;font-size:14px;
font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans","Noto Sans Arabic",
"Apple Color Emoji","Segoe UI Emoji",sans-serif}
code,pre,.mono{font-family:ui-monospace,SFMono-Regular,"SF Mono",Menlo,Consolas,"Liberation Mono",monospace;
font-size:12.5px}
h1{font-size:1.35rem;margin:0 0 .2rem}
h2{font-size:1.1rem;margin:1.6rem 0 .6rem}
h3{font-size:.95rem;margin:1rem 0 .4rem}
a{color:var(--accent)}
:focus-visible{outline:3px solid #0969da;outline-offset:1px}
.top .meta,.note,.muted{color:var(--muted)}
.top .meta{margin:0}
.command{margin:.3rem 0 0;overflow-wrap:anywhere}
.command code{background:var(--soft);padding:.1rem .35rem;border-radius:4px}
.banner{display:flex;gap:1.25rem;align-items:flex-start;margin:1rem 0;padding:.9rem 1.2rem;border-radius:8px;
border:2px solid}
.banner.pass{background:var(--pass-bg);border-color:#1a7f37;color:#0a3d1a}
.banner.fail{background:var(--fail-bg);border-color:#cf222e;color:#5c0011}
.banner.none{background:var(--known-bg);border-color:var(--known)}
.verdict-word{margin:0;font-size:1.9rem;font-weight:800;letter-spacing:.02em;white-space:nowrap;line-height:1.1}
.verdict-text p{margin:.15rem 0 .25rem;font-weight:600}
.verdict-text ul{margin:.2rem 0 0;padding-left:1.2rem}
.verdict-text li{margin:.1rem 0}
.banner a{color:inherit}
.toc{display:flex;flex-wrap:wrap;gap:.25rem 1rem;margin:.25rem 0 0}
.overview{display:flex;flex-wrap:wrap;gap:0 2.5rem;align-items:flex-start}
.overview>section{flex:0 1 auto;min-width:0;max-width:100%}
table.data{border-collapse:collapse;font-size:13px}
table.data th,table.data td{border-bottom:1px solid var(--line);padding:.3rem .6rem;text-align:left;
vertical-align:top}
table.data thead th{background:var(--soft);font-weight:600;white-space:nowrap}
table.gates tr.first th,table.gates tr.first td{border-top:2px solid var(--line)}
.num{text-align:right!important;font-variant-numeric:tabular-nums;white-space:nowrap}
td.pass,td.fail{white-space:nowrap}
table.comparisons td.fail{background:var(--fail-bg)}
.badge{display:inline-block;padding:.05rem .45rem;border-radius:999px;font-weight:600;font-size:12px}
.badge.pass{background:var(--pass-bg);color:var(--pass)}
.badge.fail{background:var(--fail-bg);color:var(--fail)}
.badge.error{background:var(--warn-bg);color:var(--warn)}
.badge.known,.badge.missing{background:var(--known-bg);color:var(--known)}
.snippet{white-space:pre-wrap;overflow-wrap:anywhere;max-height:9rem;overflow:auto;max-width:38rem;
font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px}
td.path{overflow-wrap:anywhere;max-width:34rem}
ul.plain{padding-left:1.2rem}
svg.chart{max-width:100%;height:auto;font-family:inherit}
svg.chart text{font-size:12px;fill:var(--fg)}
svg.chart text.group{font-weight:700}
svg.chart .track{fill:#eef1f4}
svg.chart .pass .fill{fill:#2da44e}
svg.chart .fail .fill{fill:#cf222e}
svg.chart .threshold{stroke:#1f2328;stroke-width:2;stroke-dasharray:3 2}
svg.chart .fail .value{fill:var(--fail);font-weight:700}
svg.chart .pass .value{fill:var(--pass)}
.toolbar{display:flex;flex-wrap:wrap;gap:.5rem 1.25rem;align-items:center;margin:0 0 .6rem}
.toolbar label{font-weight:600;margin-right:.35rem}
.toolbar select,.toolbar input{font:inherit;padding:.2rem .4rem;border:1px solid #8c959f;border-radius:5px;
background:#fff;color:var(--fg)}
.toolbar .count{color:var(--muted)}
.legend{display:flex;flex-wrap:wrap;gap:.35rem;margin:0 0 .6rem}
.matrix-wrap{max-height:85vh;overflow:auto;border:1px solid var(--line);border-radius:6px}
table.matrix{border-collapse:separate;border-spacing:0;width:100%;font-size:13px}
table.matrix th,table.matrix td{border-bottom:1px solid var(--line);padding:0;text-align:left;vertical-align:top}
table.matrix thead th{position:sticky;top:0;z-index:3;background:var(--soft);padding:.4rem .6rem;
border-bottom:2px solid var(--line);min-width:9rem}
table.matrix thead th:first-child{left:0;z-index:4}
table.matrix .cp-name{font-weight:700;display:block}
table.matrix .cp-meta{font-weight:400;color:var(--muted);font-size:12px;display:block}
table.matrix tr.case>th{position:sticky;left:0;z-index:2;background:#fff;padding:.35rem .6rem;min-width:14rem;
max-width:26rem;font-weight:400}
table.matrix tr.group>th{position:sticky;left:0;background:#f0f3f6;padding:.35rem .6rem;font-weight:700;
text-align:left;z-index:1}
.case-btn{font:inherit;font-weight:600;color:var(--accent);background:none;border:0;padding:0;text-align:left;
cursor:pointer;overflow-wrap:anywhere;unicode-bidi:plaintext}
.case-btn::before{content:"▸ ";color:var(--muted)}
.case-btn[aria-expanded=true]::before{content:"▾ "}
.tags{display:flex;flex-wrap:wrap;gap:.2rem;margin-top:.2rem}
.tag{font-size:11px;background:#ddf4ff;color:#0a3069;padding:0 .35rem;border-radius:4px;overflow-wrap:anywhere;
unicode-bidi:isolate}
.cell-btn{display:block;width:100%;min-height:2.2rem;font:inherit;text-align:left;border:0;padding:.35rem .6rem;
cursor:pointer;background:transparent;color:inherit}
td.pass .cell-btn{background:var(--pass-bg);color:var(--pass)}
td.fail .cell-btn{background:var(--fail-bg);color:var(--fail)}
td.error .cell-btn{background:var(--warn-bg);color:var(--warn)}
td.known .cell-btn,td.missing .cell-btn{background:var(--known-bg);color:var(--known)}
td.cell{border-left:2px solid #fff}
.cell-btn:hover{filter:brightness(.96)}
.verdict{font-weight:700;white-space:nowrap}
.kn{margin-left:.35rem;font-variant-numeric:tabular-nums;opacity:.85}
.chk{display:block;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:11.5px;
overflow-wrap:anywhere}
tr.detail>td{background:#fbfcfd;padding:.6rem .8rem 1rem;border-bottom:2px solid #8c959f}
.detail-head{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:baseline;margin:0 0 .5rem}
.detail-head h3{margin:0;overflow-wrap:anywhere;unicode-bidi:plaintext}
.close{font:inherit;border:1px solid #8c959f;background:#fff;border-radius:5px;padding:.1rem .5rem;cursor:pointer}
.sides{display:grid;grid-template-columns:repeat(var(--n,3),minmax(18rem,1fr));gap:.75rem}
.side{border:1px solid var(--line);border-radius:6px;background:#fff;padding:.5rem .65rem;min-width:0}
.side.fail{border-top:4px solid #cf222e}.side.pass{border-top:4px solid #2da44e}
.side.error{border-top:4px solid #bf8700}.side.known,.side.missing{border-top:4px solid #8c959f}
.side h4{margin:0 0 .3rem;font-size:.95rem;display:flex;flex-wrap:wrap;gap:.4rem;align-items:center}
.side h4 bdi{overflow-wrap:anywhere}
.side h4 .muted{font-size:12.5px;font-weight:400}
.sample{border-top:1px dashed var(--line);padding-top:.4rem;margin-top:.4rem}
.sample:first-of-type{border-top:0;margin-top:0}
.sample-head{font-weight:600;font-size:12.5px;margin:0 0 .2rem}
.smeta{color:var(--muted);font-size:12px;margin:0 0 .3rem}
ul.checks{list-style:none;margin:0 0 .4rem;padding:0;font-size:12.5px}
ul.checks li{margin:.1rem 0;overflow-wrap:anywhere}
ul.checks li.fail{color:var(--fail)}
ul.checks .cname{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-weight:700}
ul.checks .cdetail{color:var(--fg)}
details.passed{font-size:12.5px;color:var(--pass);margin:0 0 .4rem}
details.passed summary{cursor:pointer}
.noreply{color:var(--warn);background:var(--warn-bg);padding:.3rem .45rem;border-radius:4px;overflow-wrap:anywhere}
pre.reply{margin:0;padding:.5rem .6rem;background:var(--soft);border:1px solid var(--line);border-radius:5px;
white-space:pre-wrap;overflow-wrap:anywhere;word-break:normal;max-height:26rem;overflow:auto;unicode-bidi:plaintext}
pre.reply mark{background:var(--mark);color:#000;border-radius:2px;box-shadow:0 0 0 1px #bf8700}
.elided{color:var(--muted);font-style:italic}
.more{font:inherit;font-size:12px;margin-top:.3rem;border:1px solid #8c959f;background:#fff;border-radius:5px;
padding:.05rem .5rem;cursor:pointer}
.empty{padding:1rem;color:var(--muted)}
[hidden]{display:none!important}
""".strip()

_SCRIPT = r"""
(() => {
  "use strict";
  const CAP = 4000; // UTF-16 units of a reply shown before "show all"
  const BEFORE = 300; // context kept before a highlighted span that lies beyond the cap
  const root = document.getElementById("matrix-root");
  const node = document.getElementById("persona-data");
  if (!root || !node) return;

  function h(tag, props, ...kids) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") el.className = value;
      else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
      else el.setAttribute(key, value === true ? "" : String(value));
    }
    for (const kid of kids.flat(Infinity)) {
      if (kid === null || kid === undefined || kid === false) continue;
      el.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
    }
    return el;
  }
  const str = (v) => (v === null || v === undefined ? "" : String(v));
  const list = (v) => (Array.isArray(v) ? v : []);
  const plural = (n, word, many) => `${n} ${n === 1 ? word : many || word + "s"}`;

  let data;
  try {
    data = JSON.parse(node.textContent);
  } catch (err) {
    root.append(h("p", { class: "note" }, "The embedded report could not be read: " + str(err && err.message)));
    return;
  }

  // ---- model: checkpoints in report order, eval sets and cases in order of first appearance
  const cps = [];
  const cpInfo = new Map();
  const addCp = (name) => {
    if (!cpInfo.has(name)) { cpInfo.set(name, {}); cps.push(name); }
  };
  for (const c of list(data.checkpoints)) {
    if (c && typeof c === "object") { addCp(str(c.name)); cpInfo.set(str(c.name), c); }
  }
  const results = list(data.results).filter((r) => r && typeof r === "object");
  for (const r of results) addCp(str(r.checkpoint));

  const sets = new Map();
  for (const r of results) {
    const setName = str(r.evalset), caseId = str(r.case), cp = str(r.checkpoint);
    if (!sets.has(setName)) sets.set(setName, { name: setName, cases: new Map() });
    const set = sets.get(setName);
    if (!set.cases.has(caseId)) set.cases.set(caseId, { evalset: setName, id: caseId, tags: [], cells: new Map() });
    const c = set.cases.get(caseId);
    for (const t of list(r.tags)) if (!c.tags.includes(str(t))) c.tags.push(str(t));
    if (!c.cells.has(cp)) c.cells.set(cp, []);
    c.cells.get(cp).push(r);
  }

  function summarize(samples) {
    if (!samples || !samples.length) return { state: "missing", n: 0, k: 0, failing: [] };
    samples.sort((a, b) => (Number(a.sample) || 0) - (Number(b.sample) || 0));
    const n = samples.length;
    const k = samples.filter((s) => s.passed === true).length;
    const kOfN = Number(samples[0].k_of_n);
    const needed = Number.isFinite(kOfN) && kOfN >= 1 ? Math.min(kOfN, n) : n;
    const counts = new Map();
    const count = (name) => counts.set(name, (counts.get(name) || 0) + 1);
    for (const s of samples) {
      if (s.passed === true) continue;
      if (s.error) count("no reply");
      for (const chk of list(s.checks)) if (chk && chk.passed === false) count(str(chk.name));
    }
    let state = "fail";
    if (k >= needed) state = "pass";
    else if (samples.some((s) => s.known_failure === true)) state = "known";
    else if (samples.every((s) => s.error)) state = "error";
    const failing = [...counts].map(([name, times]) => (n > 1 && times > 1 ? `${name} ×${times}` : name));
    return { state, n, k, failing };
  }
  const tagList = (tags) =>
    tags.length ? h("span", { class: "tags" }, tags.map((t) => h("span", { class: "tag" }, t))) : null;
  const WORDS = { pass: "✓ pass", fail: "✗ fail", error: "⚠ no reply", known: "✗ known failure", missing: "— not run" };

  // ---- toolbar: filters by tag, verdict and text
  const allTags = new Map();
  const records = [];
  for (const set of sets.values()) {
    for (const c of set.cases.values()) {
      for (const t of c.tags) allTags.set(t, (allTags.get(t) || 0) + 1);
      const cells = cps.map((cp) => summarize(c.cells.get(cp)));
      const ran = cells.filter((s) => s.state !== "missing");
      const failing = ran.some((s) => s.state === "fail" || s.state === "error");
      records.push({
        set, c, cells, open: false, row: null, detail: null, button: null,
        failing,
        passing: ran.length > 0 && ran.every((s) => s.state === "pass"),
        mixed: failing && ran.some((s) => s.state === "pass"),
      });
    }
  }
  const byKey = new Map(records.map((rec) => [rec.set.name + "\u0000" + rec.c.id, rec]));

  const tagSelect = h("select", { id: "filter-tag" },
    h("option", { value: "" }, `all tags (${allTags.size})`),
    [...allTags.keys()].sort().map((t) => {
      const o = h("option", {}, `${t} (${allTags.get(t)})`);
      o.value = t;
      return o;
    }));
  const verdictSelect = h("select", { id: "filter-verdict" },
    h("option", { value: "all" }, "all cases"),
    h("option", { value: "failing" }, "failing on any checkpoint"),
    h("option", { value: "passing" }, "passing on every checkpoint"),
    h("option", { value: "mixed" }, "checkpoints disagree"),
    cps.length > 1 ? h("optgroup", { label: "failing on checkpoint" },
      cps.map((cp, i) => { const o = h("option", {}, `failing on ${cp}`); o.value = "cp:" + i; return o; })) : null);
  const textInput = h("input", { id: "filter-text", type: "search", placeholder: "case id contains…", size: 22 });
  const countNote = h("span", { class: "count", "aria-live": "polite" });
  root.append(
    h("div", { class: "toolbar", role: "group", "aria-label": "Filters" },
      h("span", {}, h("label", { for: "filter-verdict" }, "Verdict"), verdictSelect),
      h("span", {}, h("label", { for: "filter-tag" }, "Tag"), tagSelect),
      h("span", {}, h("label", { for: "filter-text" }, "Find"), textInput),
      countNote),
    h("p", { class: "legend", "aria-label": "Legend" },
      ["pass", "fail", "error", "known", "missing"].map((s) => h("span", { class: "badge " + s }, WORDS[s]))));

  // ---- the matrix
  const table = h("table", { class: "matrix", id: "matrix" });
  const head = h("tr", {}, h("th", { scope: "col" }, "case"));
  cps.forEach((cp, i) => {
    const info = cpInfo.get(cp) || {};
    const ran = records.map((rec) => rec.cells[i]).filter((s) => s.state !== "missing");
    const ok = ran.filter((s) => s.state === "pass").length;
    head.append(h("th", { scope: "col" },
      h("bdi", { class: "cp-name" }, cp),
      h("span", { class: "cp-meta" }, [info.kind, info.backend].filter(Boolean).map(str).join(" · ")),
      h("span", { class: "cp-meta" }, `${ok}/${ran.length} cases pass`)));
  });
  table.append(h("thead", {}, head));
  const groups = [];
  let si = 0;
  for (const set of sets.values()) {
    const body = h("tbody", { class: "set" });
    body.append(h("tr", { class: "group" },
      h("th", { scope: "rowgroup", colspan: cps.length + 1 },
        h("bdi", {}, set.name), ` · ${plural(set.cases.size, "case")}`)));
    const mine = records.filter((rec) => rec.set === set);
    mine.forEach((rec, ci) => {
      const id = `case-${si}-${ci}`;
      rec.detailId = `detail-${si}-${ci}`;
      rec.button = h("button", {
        type: "button", class: "case-btn", "aria-expanded": "false", "aria-controls": rec.detailId,
        onclick: () => toggle(rec),
      }, rec.c.id);
      rec.button.dir = "auto";
      const row = h("tr", { class: "case", id },
        h("th", { scope: "row" }, rec.button, tagList(rec.c.tags)));
      rec.cells.forEach((s, i) => {
        const label = `${rec.c.id} on ${cps[i]}: ${WORDS[s.state].slice(2)}` +
          (s.n > 1 ? `, ${s.k}/${s.n} samples passed` : "") +
          (s.failing.length ? `; failing checks: ${s.failing.join(", ")}` : "");
        row.append(h("td", { class: "cell " + s.state },
          h("button", {
            type: "button", class: "cell-btn", "aria-label": label, title: label, onclick: () => toggle(rec, i),
          },
            h("span", { class: "verdict" }, WORDS[s.state]),
            s.n > 1 ? h("span", { class: "kn" }, `${s.k}/${s.n}`) : null,
            s.state !== "pass" ? s.failing.map((f) => h("span", { class: "chk" }, f)) : null)));
      });
      rec.row = row;
      rec.body = body;
      body.append(row);
    });
    groups.push({ body, recs: mine });
    table.append(body);
    si += 1;
  }
  const empty = h("p", { class: "empty", hidden: true }, "No case matches these filters.");
  if (!records.length) empty.textContent = "This report holds no case results.";
  root.append(h("div", { class: "matrix-wrap" }, table, empty));

  // ---- detail: every checkpoint's reply side by side, failing spans highlighted
  function toggle(rec, cpIndex) {
    if (rec.open && (cpIndex === undefined || rec.focused === cpIndex)) close(rec);
    else open(rec, cpIndex, false);
  }
  function close(rec) {
    rec.open = false;
    rec.button.setAttribute("aria-expanded", "false");
    if (rec.detail) rec.detail.hidden = true;
  }
  function open(rec, cpIndex, scroll) {
    if (!rec.detail) {
      const cell = h("td", { colspan: cps.length + 1 }, detailView(rec));
      rec.detail = h("tr", { class: "detail", id: rec.detailId }, cell);
      rec.row.after(rec.detail);
    }
    rec.open = true;
    rec.focused = cpIndex;
    rec.detail.hidden = rec.row.hidden;
    rec.button.setAttribute("aria-expanded", "true");
    const side = cpIndex === undefined ? null : rec.detail.querySelectorAll(".side")[cpIndex];
    if (side) side.focus({ preventScroll: true });
    if (scroll || side) (side || rec.row).scrollIntoView({ block: "nearest" });
  }

  function detailView(rec) {
    const sides = h("div", { class: "sides" });
    sides.style.setProperty("--n", String(Math.max(1, cps.length)));
    cps.forEach((cp, i) => sides.append(sideView(rec, cp, rec.cells[i])));
    return h("div", {},
      h("div", { class: "detail-head" },
        h("h3", {}, h("bdi", {}, rec.set.name), " › ", h("bdi", {}, rec.c.id)),
        tagList(rec.c.tags),
        h("button", { type: "button", class: "close", onclick: () => { close(rec); rec.button.focus(); } }, "Close")),
      sides);
  }

  function sideView(rec, cp, summary) {
    const samples = rec.c.cells.get(cp) || [];
    const label = `${cp}: ${WORDS[summary.state].slice(2)}`;
    const side = h("section", { class: "side " + summary.state, tabindex: "-1", "aria-label": label },
      h("h4", {}, h("bdi", {}, cp), h("span", { class: "badge " + summary.state }, WORDS[summary.state]),
        summary.n > 1 ? h("span", { class: "muted" }, `${summary.k}/${summary.n} samples passed`) : null));
    if (!samples.length) side.append(h("p", { class: "muted" }, "Not run on this checkpoint."));
    for (const s of samples) side.append(sampleView(s, samples.length > 1));
    return side;
  }

  function sampleView(s, numbered) {
    const box = h("div", { class: "sample" });
    if (numbered) {
      const verdict = s.passed === true ? "✓ pass" : "✗ fail";
      box.append(h("p", { class: "sample-head" }, `sample ${str(s.sample)} — `, verdict));
    }
    const meta = [];
    if (typeof s.latency_s === "number") meta.push(`${s.latency_s.toFixed(2)} s`);
    if (typeof s.tokens === "number") meta.push(plural(s.tokens, "token"));
    if (s.cached === true) meta.push("from cache");
    if (s.known_failure === true) meta.push("known failure (xfail)");
    if (meta.length) box.append(h("p", { class: "smeta" }, meta.join(" · ")));
    if (s.error) box.append(h("p", { class: "noreply" }, "No reply: ", str(s.error)));
    const checks = list(s.checks).filter((c) => c && typeof c === "object");
    const failed = checks.filter((c) => c.passed !== true);
    const okay = checks.filter((c) => c.passed === true);
    if (failed.length) {
      box.append(h("ul", { class: "checks" }, failed.map((c) =>
        h("li", { class: "fail" }, "✗ ", h("span", { class: "cname" }, str(c.name)), c.detail ? ": " : "",
          h("span", { class: "cdetail" }, str(c.detail))))));
    }
    if (okay.length) {
      box.append(h("details", { class: "passed" }, h("summary", {}, `✓ ${plural(okay.length, "check")} passed`),
        h("ul", { class: "checks" }, okay.map((c) =>
          h("li", {}, h("span", { class: "cname" }, str(c.name)), c.detail ? ": " + str(c.detail) : "")))));
    }
    if (!s.error || str(s.output)) box.append(replyView(str(s.output), spansOf(str(s.output), failed)));
    return box;
  }

  // Check spans count code points (Python); JS strings count UTF-16 units.
  function spansOf(text, failed) {
    const raw = [];
    for (const c of failed) {
      const sp = c.span;
      const ok = Array.isArray(sp) && sp.length === 2 && Number.isInteger(sp[0]) && Number.isInteger(sp[1]);
      if (ok && sp[0] >= 0 && sp[1] > sp[0]) raw.push({ start: sp[0], end: sp[1], names: [str(c.name)] });
    }
    if (!raw.length) return [];
    let unit = (i) => Math.min(i, text.length);
    if (/[\uD800-\uDFFF]/.test(text)) {
      const map = [0];
      let u = 0;
      for (const ch of text) { u += ch.length; map.push(u); }
      unit = (i) => map[Math.min(i, map.length - 1)];
    }
    const spans = raw.map((s) => ({ start: unit(s.start), end: unit(s.end), names: s.names }))
      .filter((s) => s.end > s.start).sort((a, b) => a.start - b.start || b.end - a.end);
    const merged = [];
    for (const s of spans) {
      const last = merged[merged.length - 1];
      if (last && s.start < last.end) { last.end = Math.max(last.end, s.end); last.names.push(...s.names); }
      else merged.push({ start: s.start, end: s.end, names: [...s.names] });
    }
    return merged;
  }

  const low = (text, i) => i > 0 && i < text.length && (text.charCodeAt(i) & 0xfc00) === 0xdc00;

  function replyView(text, spans) {
    const wrap = h("div", { class: "reply-wrap" });
    const render = (full) => {
      let a = 0, b = text.length;
      if (!full && text.length > CAP) {
        if (spans.length && spans[0].start > CAP - BEFORE) a = Math.max(0, spans[0].start - BEFORE);
        b = Math.min(text.length, a + CAP);
        if (low(text, a)) a -= 1;
        if (low(text, b)) b -= 1;
      }
      const pre = h("pre", { class: "reply", dir: "auto" });
      if (a > 0) pre.append(h("span", { class: "elided" }, `[… ${a.toLocaleString("en")} characters before …]\n`));
      let at = a;
      for (const s of spans) {
        const from = Math.max(s.start, a), to = Math.min(s.end, b);
        if (to <= from || from < at) continue;
        pre.append(document.createTextNode(text.slice(at, from)));
        pre.append(h("mark", { title: "failing check: " + s.names.join(", ") }, text.slice(from, to)));
        at = to;
      }
      pre.append(document.createTextNode(text.slice(at, b)));
      if (b < text.length) {
        pre.append(h("span", { class: "elided" }, `\n[… ${(text.length - b).toLocaleString("en")} more characters …]`));
      }
      if (!text.length) pre.append(h("span", { class: "elided" }, "(empty reply)"));
      const parts = [pre];
      if (text.length > CAP) {
        parts.push(h("button", { type: "button", class: "more", "aria-expanded": String(full),
          onclick: () => { const focus = render(!full); focus.focus(); } },
          full ? "Show less" : `Show all (${text.length.toLocaleString("en")} characters)`));
      }
      wrap.replaceChildren(...parts);
      return parts[parts.length - 1];
    };
    render(false);
    return wrap;
  }

  // ---- filters
  function apply() {
    const tag = tagSelect.value, verdict = verdictSelect.value, needle = textInput.value.trim().toLowerCase();
    let shown = 0;
    for (const rec of records) {
      let ok = !tag || rec.c.tags.includes(tag);
      if (ok && verdict === "failing") ok = rec.failing;
      else if (ok && verdict === "passing") ok = rec.passing;
      else if (ok && verdict === "mixed") ok = rec.mixed;
      else if (ok && verdict.startsWith("cp:")) {
        const s = rec.cells[Number(verdict.slice(3))];
        ok = !!s && (s.state === "fail" || s.state === "error");
      }
      if (ok && needle) ok = rec.c.id.toLowerCase().includes(needle) || rec.set.name.toLowerCase().includes(needle);
      rec.row.hidden = !ok;
      if (rec.detail) rec.detail.hidden = !ok || !rec.open;
      shown += ok ? 1 : 0;
    }
    for (const g of groups) g.body.hidden = !g.recs.some((rec) => !rec.row.hidden);
    empty.hidden = shown > 0;
    const of = `${plural(records.length, "case")} × ${plural(cps.length, "checkpoint")}`;
    countNote.textContent = `showing ${shown} of ${of}`;
  }
  tagSelect.addEventListener("change", apply);
  verdictSelect.addEventListener("change", apply);
  textInput.addEventListener("input", apply);
  apply();

  // ---- links: #case=<evalset>/<case>[/<checkpoint>] opens that case (comparison and baseline tables use them)
  function follow() {
    const hash = location.hash;
    if (!hash.startsWith("#case=")) return;
    let parts;
    try { parts = hash.slice(6).split("/").map(decodeURIComponent); } catch (err) { return; }
    const rec = byKey.get(parts[0] + "\u0000" + parts[1]);
    if (!rec) return;
    if (rec.row.hidden) {
      tagSelect.value = ""; verdictSelect.value = "all"; textInput.value = "";
      apply();
    }
    const i = parts.length > 2 ? cps.indexOf(parts[2]) : -1;
    open(rec, i >= 0 ? i : undefined, true);
  }
  window.addEventListener("hashchange", follow);
  follow();
})();
""".strip()
