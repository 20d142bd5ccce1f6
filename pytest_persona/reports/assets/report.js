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
