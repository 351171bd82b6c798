// The config editor of the weft dashboard (#/config/FLOW): a flow's mapping rows, rules
// (when / set / skip), skip_if, inventory rules and the lookup tables, checked as you type
// (inline errors with their position), previewed on a sampled or pasted record before and after
// the change, diffed against the running version, saved with a comment as a new config version
// that runs without a restart; the history with one-click rollback. Uses app.js's helpers.
"use strict";

// A flow's editable keys and the lookups as plain values, edited in place by the form.
function editorState(running, flowName) {
  const flow = running.editable.flows[flowName] || {};
  const copy = (v, empty) => JSON.parse(JSON.stringify(v === undefined ? empty : v));
  return {
    mapping: Object.entries(copy(flow.mapping, {})),
    rules: copy(flow.rules, []).map((r) => ({ ...r, set: Object.entries(r.set || {}) })),
    skip_if: flow.skip_if || "",
    available: flow.available || "",
    buffer: flow.buffer === undefined ? "" : String(flow.buffer),
    location_overrides: JSON.stringify(flow.location_overrides || {}, null, 2),
    channels: JSON.stringify(flow.channels || {}, null, 2),
    lookups: Object.entries(copy(running.editable.lookups, {})).map(([name, t]) => [name, Object.entries(t)]),
    inventory: flow.object === "inventory",
  };
}

// The edits the state stands for (every editable key of the flow, and the lookups).
function editsOf(state, flowName) {
  const at = (key) => ["flows", flowName, key];
  const pairs = (rows) => Object.fromEntries(rows.filter(([k]) => k.trim()).map(([k, v]) => [k.trim(), v]));
  const parsed = (text, what) => {
    try {
      return text.trim() ? JSON.parse(text) : {};
    } catch (e) {
      throw new Error(`${what} is not JSON: ${e.message}`);
    }
  };
  const number = (text) => (/^-?\d+$/.test(text.trim()) ? Number(text.trim()) : text.trim());
  const rules = state.rules.map((r) => {
    const out = {};
    if (r.name) out.name = r.name;
    if (r.when && r.when.trim()) out.when = r.when;
    const set = pairs(r.set);
    if (Object.keys(set).length) out.set = set;
    if (r.skip) out.skip = true;
    return out;
  });
  const edits = [
    { path: at("mapping"), value: state.mapping.some(([k]) => k.trim()) ? pairs(state.mapping) : null },
    { path: at("rules"), value: rules.length ? rules : null },
    { path: at("skip_if"), value: state.skip_if.trim() || null },
    { path: ["lookups"], value: Object.fromEntries(state.lookups.filter(([n]) => n.trim()).map(([n, rows]) => [n.trim(), pairs(rows)])) },
  ];
  if (state.inventory) {
    edits.push({ path: at("available"), value: state.available.trim() || null });
    edits.push({ path: at("buffer"), value: state.buffer.trim() ? number(state.buffer) : null });
    const overrides = parsed(state.location_overrides, "Location overrides");
    edits.push({ path: at("location_overrides"), value: Object.keys(overrides).length ? overrides : null });
    const channels = parsed(state.channels, "Channels");
    edits.push({ path: at("channels"), value: Object.keys(channels).length ? channels : null });
  }
  return edits;
}

// An input bound to `obj[key]`; `key` names the config key its errors are shown under.
function bound(obj, key, label, onchange, attrs) {
  const input = h(attrs && attrs.multiline ? "textarea" : "input", { "aria-label": label, placeholder: label, ...(attrs || {}), multiline: null });
  input.value = obj[key];
  input.addEventListener("input", () => { obj[key] = input.value; onchange(); });
  return input;
}

// Rows of (target, expression) pairs with add and remove.
function pairRows(rows, keyLabel, valueLabel, errorKey, onchange, redraw) {
  return h("div", {},
    rows.map((row, i) => h("div", { class: "toolbar", "data-pair": `${errorKey}.${row[0]}` },
      bound(row, 0, keyLabel, onchange), bound(row, 1, valueLabel, onchange, { size: 60 }),
      h("button", { onclick: () => { rows.splice(i, 1); redraw(); onchange(); } }, "Remove"),
      h("span", { class: "error", "data-field-error": `${errorKey}.${row[0]}` }))),
    h("button", { onclick: () => { rows.push(["", ""]); redraw(); } }, "Add " + keyLabel.toLowerCase()));
}

async function configEditor(flowName) {
  const running = await api("GET", "/api/config");
  const history = await api("GET", "/api/config/versions");
  const flows = Object.keys(running.editable.flows);
  flowName = flowName || flows[0];
  const state = editorState(running, flowName);
  const form = h("div", { "data-keep": true });
  const findingsBox = h("div", { "data-findings": true });
  const diffBox = h("pre", { "data-diff": true });
  const previewBox = h("div", { "data-preview": true });
  const record = h("textarea", { "aria-label": "Record JSON", placeholder: "A canonical record as JSON; empty: a record sampled from the source" });
  let timer = null;
  let lastEdits = [];

  const check = async () => {
    let edits;
    try {
      edits = editsOf(state, flowName);
    } catch (e) {
      findingsBox.replaceChildren(h("p", { class: "error" }, e.message));
      return;
    }
    lastEdits = edits;
    try {
      const c = await api("POST", "/api/config/check", { edits });
      for (const el of form.querySelectorAll("[data-field-error]")) el.textContent = "";
      const errors = c.findings.filter((f) => f.level === "error");
      for (const f of errors) {
        const field = [...form.querySelectorAll("[data-field-error]")].find((el) => f.key === el.dataset.fieldError || f.key.startsWith(el.dataset.fieldError + "."));
        if (field) field.textContent = f.message;
      }
      findingsBox.replaceChildren(...(errors.length
        ? [h("p", { class: "error" }, `${errors.length} error(s): the change cannot be saved yet`), h("ul", {}, errors.map((f) => h("li", { class: "error", "data-finding": f.key }, `${f.key}: ${f.message}`)))]
        : [h("p", { class: "ok", "data-valid": true }, "Checks: no errors")]));
      diffBox.replaceChildren(...c.diff.filter((l) => l.op !== " ").map((l) => h("span", { class: l.op === "+" ? "ok" : "error" }, l.op + " " + l.text + "\n")));
      if (!c.diff.some((l) => l.op !== " ")) diffBox.textContent = "No change from the running version.";
    } catch (e) {
      findingsBox.replaceChildren(h("p", { class: "error" }, e.message));
    }
  };
  const changed = () => {
    clearTimeout(timer);
    timer = setTimeout(check, 300);
  };

  const writes = (p) => show(
    p.error ? h("p", { class: "error" }, `${p.error.class} (at ${p.error.at}): ${p.error.message}`) : null,
    ...p.writes.map((w) => h("div", {},
      w.skipped ? h("p", {}, w.skipped) : null,
      w.dropped && w.dropped.length ? h("p", { "data-dropped": true }, "Not sent (owned by Shopify): " + w.dropped.join(", ")) : null,
      h("pre", { "data-output": true }, JSON.stringify(w.input !== undefined ? w.input : w.record, null, 2)))));
  const preview = async (sample) => {
    let body = { flow: flowName, edits: lastEdits };
    if (!sample && record.value.trim()) {
      try {
        body.record = JSON.parse(record.value);
      } catch (e) {
        previewBox.replaceChildren(notice("Not JSON: " + e.message));
        return;
      }
    }
    try {
      const p = await api("POST", "/api/config/preview", body);
      record.value = JSON.stringify(p.before.record, null, 2);
      previewBox.replaceChildren(h("div", { class: "grid" },
        h("div", { "data-before": true }, h("h3", {}, "Running version"), ...writes(p.before)),
        h("div", { "data-after": true }, h("h3", {}, "With your change"), ...writes(p.after))));
    } catch (e) {
      previewBox.replaceChildren(h("p", { class: "error" }, "Preview failed: " + e.message));
    }
  };

  const draw = () => {
    const rule = (r, i) => h("fieldset", { "data-rule": i },
      h("legend", {}, `Rule ${i + 1}`),
      h("div", { class: "toolbar" }, bound(r, "name", "Rule name", changed),
        h("label", {}, h("input", { type: "checkbox", "aria-label": "Skip the record", checked: r.skip ? true : null, onchange: (e) => { r.skip = e.target.checked; changed(); } }), " skip the record"),
        h("button", { onclick: () => { state.rules.splice(i, 1); draw(); changed(); } }, "Remove rule")),
      h("div", { class: "toolbar" }, bound(r, "when", "When (CEL)", changed, { size: 80 }),
        h("span", { class: "error", "data-field-error": `flows.${flowName}.rules[${i}].when` })),
      pairRows(r.set, "Target", "Expression (CEL)", `flows.${flowName}.rules[${i}].set`, changed, draw),
      h("span", { class: "error", "data-field-error": `flows.${flowName}.rules[${i}]` }));
    const addRule = () => {
      // A rule without `when` is the default and stays last.
      const last = state.rules[state.rules.length - 1];
      const at = last && !last.when ? state.rules.length - 1 : state.rules.length;
      state.rules.splice(at, 0, { name: "", when: "", set: [["", ""]] });
      draw();
    };
    const lookup = ([name, rows], i) => h("fieldset", { "data-lookup": i },
      h("legend", {}, "Lookup table"),
      h("div", { class: "toolbar" }, bound(state.lookups[i], 0, "Table name", changed),
        h("button", { onclick: () => { state.lookups.splice(i, 1); draw(); changed(); } }, "Remove table")),
      pairRows(rows, "Key", "Value", `lookups.${name}`, changed, draw));
    form.replaceChildren(...show(
      h("h2", {}, "Mapping"),
      pairRows(state.mapping, "Target", "Expression (CEL)", `flows.${flowName}.mapping`, changed, draw),
      h("div", { class: "toolbar" }, bound(state, "skip_if", "Skip when (CEL)", changed, { size: 80 }), h("span", { class: "error", "data-field-error": `flows.${flowName}.skip_if` })),
      h("h2", {}, "Rules (first match wins; a rule without a condition is the default, last)"),
      ...state.rules.map(rule),
      h("button", { onclick: addRule }, "Add rule"),
      state.inventory ? h("h2", {}, "Inventory rules") : null,
      state.inventory ? h("div", {},
        h("div", { class: "toolbar" }, bound(state, "available", "Available formula (CEL)", changed, { size: 80 }), h("span", { class: "error", "data-field-error": `flows.${flowName}.available` })),
        h("div", { class: "toolbar" }, bound(state, "buffer", "Buffer", changed), h("span", { class: "error", "data-field-error": `flows.${flowName}.buffer` })),
        h("h3", {}, "Per ERP location (JSON: location → {available, buffer})"), bound(state, "location_overrides", "Location overrides", changed, { multiline: true }),
        h("span", { class: "error", "data-field-error": `flows.${flowName}.location_overrides` }),
        h("h3", {}, "Per channel (JSON: channel → {locations, available, buffer})"), bound(state, "channels", "Channels", changed, { multiline: true }),
        h("span", { class: "error", "data-field-error": `flows.${flowName}.channels` })) : null,
      h("h2", {}, "Lookup tables"),
      ...state.lookups.map(lookup),
      h("button", { onclick: () => { state.lookups.push(["", [["", ""]]]); draw(); } }, "Add lookup table")));
  };
  draw();

  const comment = h("input", { "aria-label": "Comment", placeholder: "Why this change (kept in the history)", size: 60 });
  // Who saves: one admin token is shared, so the operator says who they are (kept in this browser).
  const author = h("input", { "aria-label": "Your name", placeholder: "Your name (kept in the history)", size: 24, value: localStorage.getItem("weft-author") || "" });
  author.addEventListener("change", () => localStorage.setItem("weft-author", author.value.trim()));
  const save = async () => {
    await check();
    if (!comment.value.trim()) return notify("Saving needs a comment.");
    const saved = await act("POST", "/api/config", async () => {}, { edits: lastEdits, comment: comment.value, base: running.version, author: author.value });
    if (saved) {
      await route();
      notify(`Saved version ${saved.version}: it runs now.`);
    }
  };
  const rollback = async (number) => {
    const why = prompt(`Roll back to version ${number}: why?`, `rollback to version ${number}`);
    if (why === null) return;
    const done = await act("POST", `/api/config/versions/${number}/rollback`, async () => {}, { comment: why, author: author.value });
    if (done) {
      await route();
      notify(`Rolled back: version ${done.version} (version ${number}'s mapping, rules and lookups) runs now.`);
    }
  };
  const historyRows = history.versions.map((v) => h("tr", { "data-version": v.number },
    h("td", {}, String(v.number), v.number === history.running ? " " : "", v.number === history.running ? badge("running") : ""),
    h("td", {}, when(v.saved_ms)), h("td", {}, v.author), h("td", {}, v.comment + (v.restores ? ` (restores version ${v.restores})` : "")),
    h("td", {}, v.number === history.running ? "" : h("button", { onclick: () => rollback(v.number) }, "Roll back to this"))));
  check();
  return show(
    h("h1", {}, `Config version ${running.version}`),
    h("p", { class: "muted" }, `Saved ${when(running.saved_ms)} by ${running.author}: ${running.comment}`),
    h("p", { class: "toolbar" }, "Flow: ", flows.map((f) => h("a", { href: "#/config/" + encodeURIComponent(f), class: f === flowName ? "active" : "" }, f, " "))),
    h("h2", {}, `Editing flow ${flowName}`),
    form,
    h("h2", {}, "Check"), findingsBox,
    h("h2", {}, "Preview"),
    h("div", { class: "grid" }, h("div", {}, record, h("p", { class: "toolbar" },
      h("button", { onclick: () => { record.value = ""; preview(true); } }, "Sample a record"),
      h("button", { onclick: () => preview(false) }, "Preview this record"))), previewBox),
    h("h2", {}, "Change against the running version"), diffBox,
    h("p", { class: "toolbar" }, author, comment, h("button", { onclick: save }, "Save version")),
    h("h2", {}, "History"),
    table(["Version", "Saved", "By", "Why", ""], historyRows));
}

async function reloadPlugins() {
  const r = await act("POST", "/api/plugins/reload", async () => {}, {});
  if (!r) return;
  await route();
  notify(r.changed.length ? "Reloaded: " + r.changed.map((c) => `${c.id} ${c.before || "(new)"} → ${c.after || "(gone)"}`).join("; ") : "No plugin changed.");
}
