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
from importlib import resources
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
    """The whole page for one JSON report (the dict ``reports.json_report.build_json`` makes)."""
    gates = _dicts(report.get("gates"))
    comparisons = _dicts(report.get("comparisons"))
    baseline = report.get("baseline") if isinstance(report.get("baseline"), dict) else None
    checkpoints = _checkpoint_order(report)
    evalsets = _evalset_order(report)
    gates = sorted(gates, key=lambda g: (_rank(evalsets, g.get("evalset")), _rank(checkpoints, g.get("checkpoint"))))
    word, _, _ = _verdict(report)
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
        _banner(report),
        _nav(bool(comparisons), baseline is not None),
        '<div class="overview">',
        _gates_section(gates),
        _chart_section(gates, evalsets, checkpoints),
        "</div>",
        _comparisons_section(comparisons) if comparisons else "",
        _drift_section(comparisons),
        _baseline_section(baseline) if baseline is not None else "",
        _decoding_section(_dicts(report.get("decoding"))),
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


def _badge(passed: bool, verdict: dict[str, Any] | None = None) -> str:
    if verdict is not None and verdict.get("status") == "error":
        return '<span class="badge fail">⚠ no reply</span>'
    return '<span class="badge pass">✓ pass</span>' if passed else '<span class="badge fail">✗ fail</span>'


def _no_reply(gate: dict[str, Any]) -> str:
    """Cases without a reply: left out of the pass rate, shown beside it."""
    errors = _number(gate.get("errors"))
    return f' <span class="muted">(+{int(errors)} no reply)</span>' if errors else ""


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


def _reason_items(report: dict[str, Any]) -> list[str]:
    """The release's reasons as HTML list items, with links: every gate, comparison and baseline
    flip the core marked as not passed, and the checkpoints and cases that got no reply."""
    gates, comparisons = _dicts(report.get("gates")), _dicts(report.get("comparisons"))
    baseline = report.get("baseline") if isinstance(report.get("baseline"), dict) else None
    verdict = report.get("verdict") if isinstance(report.get("verdict"), dict) else {}
    never_ran = verdict.get("never_ran") if isinstance(verdict.get("never_ran"), dict) else {}
    reasons = [
        f"<li>Checkpoint <b><bdi>{_e(name)}</bdi></b> never ran: {_e(why)}</li>" for name, why in never_ran.items()
    ]
    errors = [e for e in _dicts(verdict.get("errors")) if e.get("checkpoint") not in never_ran]
    if errors:
        first = errors[0]
        reasons.append(
            f"<li>{len(errors)} case{'s' if len(errors) != 1 else ''} got no reply (first: "
            f"{_case_link(first.get('evalset'), first.get('case'), first.get('checkpoint'))}: "
            f"{_e(first.get('error'))})</li>"
        )
    for g in gates:
        if g.get("passed") is True or g.get("status") == "error":  # errors: listed above
            continue
        rate = f"pass rate {_pct(g.get('pass_rate'))} ({_e(g.get('passed_cases'))}/{_e(g.get('cases'))} cases)"
        if _statistical(g):  # judged by the Wilson lower bound of the sample pass rate
            rate = f"lower bound {_pct(g.get('lower_bound'))} of the sample pass rate ({rate})"
        reasons.append(
            f"<li>Gate <b><bdi>{_e(g.get('evalset'))}</bdi></b> on <b><bdi>{_e(g.get('checkpoint'))}</bdi></b>: "
            f"{rate} below the threshold {_pct(g.get('threshold'), 0)}</li>"
        )
    for c in comparisons:
        if c.get("passed") is True or c.get("status") == "error":
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
    return reasons


def _verdict(report: dict[str, Any]) -> tuple[str, str, list[str]]:
    """(``PASS``/``FAIL``/``NO RESULTS``, one sentence, the reasons as HTML list items). The word
    is the release core's (the report's ``verdict``): this page judges nothing itself."""
    verdict = report.get("verdict") if isinstance(report.get("verdict"), dict) else {}
    word = verdict.get("word") if verdict.get("word") in ("PASS", "FAIL") else "NO RESULTS"
    if word == "FAIL":
        return word, "This build must not ship:", _reason_items(report)
    if word == "PASS":
        counted = _str(verdict.get("summary")).removeprefix("persona gate: PASS").strip()
        return word, f"Everything passed {_e(counted)}: this build may ship.", []
    return word, "No verdict was recorded: nothing here says this build may ship.", []


def _banner(report: dict[str, Any]) -> str:
    word, sentence, reasons = _verdict(report)
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
            f'<td class="num">{_e(g.get("passed_cases"))}/{_e(g.get("cases"))}{_no_reply(g)}</td>'
            f'<td class="num">{_pct(g.get("pass_rate"))}</td>{lower}'
            f'<td class="num">{_pct(g.get("threshold"), 0)}</td>'
            f'<td class="num">{_e(g.get("skipped") or 0)}</td>'
            f'<td class="{"pass" if g.get("passed") is True else "fail"}">'
            f"{_badge(g.get('passed') is True, g)}</td></tr>"
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


def _drift_section(comparisons: list[dict[str, Any]]) -> str:
    """Quantization drift per comparison: aggregates, a bar chart of each case's mean KL (flipped
    cases marked) and the per-case table, highest KL first."""
    measured = [c for c in comparisons if isinstance(c.get("drift"), dict)]
    if not measured:
        return ""
    parts = [
        '<section id="drift" aria-labelledby="drift-title"><h2 id="drift-title">Quantization drift</h2>'
        '<p class="note">KL(ref‖ckpt) per reply token, teacher-forced on the reference\'s own replies (each side '
        "prompted with its own chat template); same top-1 is the share of tokens where both rank the same token "
        "first. A red bar is a case that flipped pass → fail.</p>"
    ]
    for c in measured:
        d = c["drift"]
        title = f"{_e(c.get('checkpoint'))} vs {_e(c.get('reference'))} on {_e(c.get('evalset'))}"
        if not d.get("available"):
            parts.append(f"<h3><bdi>{title}</bdi></h3><p>drift not available: {_e(d.get('unavailable'))}</p>")
            continue
        cases = sorted(_dicts(d.get("cases")), key=lambda x: -(_number(x.get("mean_kl")) or 0.0))
        highest = ", ".join(
            _case_link(c.get("evalset"), h.get("case"), c.get("checkpoint"))
            + (f' <span class="fail">{_e(h.get("flip"))}</span>' if h.get("flip") else "")
            for h in _dicts(c.get("highest_kl"))
        )
        parts.append(
            f"<h3><bdi>{title}</bdi></h3><p>mean KL <b>{_number(d.get('mean_kl')) or 0.0:.4f}</b> nats/token "
            f"(median {_number(d.get('median_kl')) or 0.0:.4f}, p99 {_number(d.get('p99_kl')) or 0.0:.4f}), "
            f"same top-1 <b>{_pct(d.get('top1_agreement'))}</b>, p(ref token) "
            f"{_number(d.get('p_ref_token')) or 0.0:.3f}, {_e(d.get('tokens'))} tokens. Highest KL: "
            f"{highest or '—'}</p>"
        )
        regressions = c.get("regressions") if isinstance(c.get("regressions"), list) else []
        parts.append(_drift_chart(cases, set(map(_str, regressions)), title))
        rows = "".join(
            f"<tr><td>{_case_link(c.get('evalset'), x.get('case'), c.get('checkpoint'))}</td>"
            f'<td class="num">{_e(x.get("tokens"))}</td><td class="num">{_number(x.get("mean_kl")) or 0.0:.4f}</td>'
            f'<td class="num">{_number(x.get("max_kl")) or 0.0:.4f}</td>'
            f'<td class="num">{_pct(x.get("top1_agreement"))}</td>'
            f'<td class="num">{_number(x.get("p_ref_token")) or 0.0:.3f}</td>'
            f"<td>{_e(_flip(c, x.get('case')))}</td></tr>"
            for x in cases
        )
        parts.append(
            '<table class="data drift"><thead><tr><th scope="col">case</th><th scope="col" class="num">tokens</th>'
            '<th scope="col" class="num">mean KL</th><th scope="col" class="num">max KL</th>'
            '<th scope="col" class="num">same top-1</th><th scope="col" class="num">p(ref token)</th>'
            f'<th scope="col">flip</th></tr></thead><tbody>{rows}</tbody></table>'
        )
    return "".join(parts) + "</section>"


def _flip(comparison: dict[str, Any], case: Any) -> str:
    for key, flip in (("regressions", "pass → fail"), ("improvements", "fail → pass")):
        ids = comparison.get(key)
        if isinstance(ids, list) and case in ids:
            return flip
    return "—"


def _drift_chart(cases: list[dict[str, Any]], regressions: set[str], title: str) -> str:
    """Horizontal bars of each case's mean KL, scaled to the highest."""
    shown = cases[:40]
    if not shown:
        return ""
    top = max((_number(x.get("mean_kl")) or 0.0) for x in shown) or 1.0
    width, label, bar, row = 640, 200, 380, 16
    body = []
    for i, x in enumerate(shown):
        value = _number(x.get("mean_kl")) or 0.0
        y = i * row
        colour = "#c0392b" if _str(x.get("case")) in regressions else "#2c7fb8"
        body.append(
            f'<text x="{label - 6}" y="{y + 12}" text-anchor="end" font-size="11">{_e(_str(x.get("case"))[:30])}</text>'
            f'<rect x="{label}" y="{y + 3}" width="{max(1.0, bar * value / top):.1f}" height="{row - 5}" '
            f'fill="{colour}"><title>{_e(x.get("case"))}: {value:.4f}</title></rect>'
            f'<text x="{label + bar * value / top + 4:.1f}" y="{y + 12}" font-size="10">{value:.4f}</text>'
        )
    height = len(shown) * row + 4
    return (
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="{width}" height="{height}">'
        f"<title>Mean KL per case: {title}</title>{''.join(body)}</svg>"
    )


def _decoding_section(pairs: list[dict[str, Any]]) -> str:
    """--persona-decoding both: constrained cases decoded as deployed and freely (reported, not gating)."""
    if not pairs:
        return ""
    rows = "".join(
        f"<tr><td><bdi>{_e(p.get('evalset'))}</bdi></td><td><bdi>{_e(p.get('checkpoint'))}</bdi></td>"
        f'<td class="num">{_e(p.get("cases"))}</td><td class="num">{_e(p.get("deployed_passed"))}</td>'
        f'<td class="num">{_e(p.get("free_passed"))}</td><td>'
        + (
            ", ".join(_case_link(p.get("evalset"), c, p.get("checkpoint")) for c in p.get("only_constrained") or [])
            or '<span class="muted">none</span>'
        )
        + "</td></tr>"
        for p in pairs
    )
    return (
        '<section id="decoding" aria-labelledby="decoding-title"><h2 id="decoding-title">Decoding as deployed and '
        'free</h2><p class="note">Reported beside the verdict, which is decided on decoding as deployed. A case '
        "that passes only under its constraint depends on it for the format.</p>"
        '<table class="data"><thead><tr><th scope="col">eval set</th><th scope="col">checkpoint</th>'
        '<th scope="col">constrained cases</th><th scope="col">pass as deployed</th>'
        '<th scope="col">pass decoded freely</th><th scope="col">only under the constraint</th></tr></thead>'
        f"<tbody>{rows}</tbody></table></section>"
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


def _asset(name: str) -> str:
    """The page's stylesheet and script, kept as package data beside this module."""
    return resources.files(__package__).joinpath("assets", name).read_text("utf-8").strip()


_CSS = _asset("report.css")
_SCRIPT = _asset("report.js")
