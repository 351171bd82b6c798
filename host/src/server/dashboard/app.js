// The weft dashboard: a small single-page app over the admin API (/api, see host/openapi.json).
// Every value from the API is put into the page as text (never as HTML).
"use strict";

const view = document.getElementById("view");

// ---- API -------------------------------------------------------------------------------------

function token() {
  return sessionStorage.getItem("weft-token");
}

async function api(method, path, body) {
  const headers = { "content-type": "application/json" };
  if (token()) headers.authorization = "Bearer " + token();
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (response.status === 401) {
    await login();
    return api(method, path, body);
  }
  const data = await response.json().catch(() => ({ error: "not JSON (" + response.status + ")" }));
  if (!response.ok) throw new Error(data.error || response.statusText);
  return data;
}

function login() {
  const dialog = document.getElementById("login");
  const form = document.getElementById("login-form");
  return new Promise((resolve) => {
    form.onsubmit = () => {
      sessionStorage.setItem("weft-token", form.elements.token.value);
      resolve();
    };
    if (!dialog.open) dialog.showModal();
  });
}

// ---- DOM helpers -----------------------------------------------------------------------------

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

function table(headers, rows) {
  return h("table", {}, h("thead", {}, h("tr", {}, headers.map((x) => h("th", {}, x)))), h("tbody", {}, rows));
}

function when(ms) {
  return ms ? new Date(ms).toLocaleString() : "—";
}

function badge(text) {
  return h("span", { class: "badge " + text }, text);
}

function pretty(text) {
  if (text === null || text === undefined) return "—";
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch (_) {
    return String(text);
  }
}

// What a page renders: its nodes, without the absent ones (null, undefined, false) — handing
// those to the DOM would print them as the words "null" and "undefined".
function show(...children) {
  return children.flat().filter((c) => c !== null && c !== undefined && c !== false);
}

function notice(text) {
  return h("div", { class: "notice", role: "status" }, text);
}

// Messages about what the operator did, above the page; they survive the page refreshing itself
// and go when the operator navigates.
function notify(text) {
  document.getElementById("notices").append(notice(text));
}

// A time from a datetime-local input as ms since the epoch, and back.
function toMs(local) {
  const t = local ? new Date(local).getTime() : NaN;
  return Number.isNaN(t) ? "" : String(t);
}

function fromMs(ms) {
  if (!ms) return "";
  const d = new Date(Number(ms));
  return new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
}

// A filter form whose fields become the page's query (empty ones left out); `since`/`until`
// are datetime-local inputs sent as ms.
function filterForm(base, ...fields) {
  return h("form", { class: "toolbar", onsubmit: (e) => {
    e.preventDefault();
    const query = new URLSearchParams();
    for (const [k, v] of new FormData(e.target)) {
      const value = k === "since" || k === "until" ? toMs(v) : v;
      if (value) query.set(k, value);
    }
    location.hash = base + "?" + query;
  } }, ...fields, h("button", {}, "Filter"));
}

function timeFields(params) {
  return [
    h("label", {}, "from ", h("input", { type: "datetime-local", name: "since", "aria-label": "From", value: fromMs(params.get("since")) })),
    h("label", {}, "to ", h("input", { type: "datetime-local", name: "until", "aria-label": "To", value: fromMs(params.get("until")) })),
  ];
}

// ---- pages -----------------------------------------------------------------------------------
// Each page returns its nodes; the router puts them in the view (see `render`).

async function overview() {
  const flows = await api("GET", "/api/flows");
  const rows = flows.map((f) =>
    h("tr", { "data-flow": f.name },
      h("td", {}, h("a", { href: "#/flows/" + encodeURIComponent(f.name) }, f.name)),
      h("td", {}, `${f.from} → ${f.to}`), h("td", {}, f.object), h("td", {}, f.trigger),
      h("td", {}, f.last_run ? h("a", { href: "#/runs/" + f.last_run.id }, badge(f.last_run.status), " ", when(f.last_run.started_ms)) : "never"),
      h("td", {}, f.per_minute.toFixed(1)), h("td", { class: f.error_rate > 0 ? "error" : "" }, (f.error_rate * 100).toFixed(1) + "%"),
      h("td", {}, String(f.queue.ready + f.queue.leased)), h("td", {}, h("a", { href: "#/dlq?flow=" + encodeURIComponent(f.name) }, String(f.queue.dead))),
      h("td", { "data-state": f.paused ? "paused" : "running", title: f.pause_reason || "" }, f.paused ? badge(f.pause_reason ? "paused by weft" : "paused") : "running"),
      h("td", {},
        h("button", { onclick: () => act("POST", `/api/flows/${encodeURIComponent(f.name)}/${f.paused ? "resume" : "pause"}`, route) }, f.paused ? "Resume" : "Pause"), " ",
        h("button", { onclick: () => act("POST", `/api/flows/${encodeURIComponent(f.name)}/run`, route) }, "Run now"))));
  return show(h("h1", {}, "Flows"),
    table(["Flow", "Direction", "Object", "Trigger", "Last run", "Records/min (1 h)", "Errors (1 h)", "Queued", "Dead", "State", ""], rows));
}

async function act(method, path, then, body) {
  try {
    const result = await api(method, path, body);
    await then(result);
    return result;
  } catch (e) {
    notify("Failed: " + e.message);
    return null;
  }
}

async function runs(params) {
  const query = new URLSearchParams(params);
  if (!query.has("limit")) query.set("limit", "50");
  const list = await api("GET", "/api/runs?" + query);
  const flows = await api("GET", "/api/flows");
  const filter = filterForm("#/runs",
    h("select", { name: "flow", "aria-label": "Flow" }, h("option", { value: "" }, "all flows"), flows.map((f) => h("option", { value: f.name, selected: params.get("flow") === f.name }, f.name))),
    h("select", { name: "status", "aria-label": "Status" }, ["", "succeeded", "partial", "failed", "running"].map((s) => h("option", { value: s, selected: (params.get("status") || "") === s }, s || "any status"))),
    ...timeFields(params));
  const rows = list.map((r) =>
    h("tr", { class: "link", "data-run": r.id, onclick: () => (location.hash = "#/runs/" + r.id) },
      h("td", {}, String(r.id)), h("td", {}, r.flow), h("td", {}, r.trigger), h("td", {}, when(r.started_ms)), h("td", {}, badge(r.status)),
      h("td", {}, Object.entries(r.counts).map(([k, v]) => `${k} ${v}`).join(", "))));
  const next = list.length ? h("a", { href: "#/runs?" + new URLSearchParams({ ...Object.fromEntries(query), before: list[list.length - 1].id }) }, "Older →") : null;
  return show(h("h1", {}, "Runs"), filter, table(["Run", "Flow", "Trigger", "Started", "Status", "Records"], rows), h("p", {}, next));
}

// The outcomes a run's records can have; "failed" lists every failure (failed, dead, retrying, held).
const OUTCOMES = ["", "failed", "retrying", "dead", "held", "created", "updated", "unchanged", "skipped", "shadowed", "pulled"];

async function run(id, params) {
  const { run: r } = await api("GET", "/api/runs/" + id);
  const query = new URLSearchParams({ limit: "100" });
  if (params.get("outcome")) query.set("outcome", params.get("outcome"));
  if (params.get("q")) query.set("q", params.get("q"));
  const page = await api("GET", `/api/runs/${id}/records?${query}`);
  const filter = filterForm(`#/runs/${id}`,
    h("select", { name: "outcome", "aria-label": "Outcome" }, OUTCOMES.map((o) => h("option", { value: o, selected: (params.get("outcome") || "") === o }, o === "failed" ? "every failure" : o || "all outcomes"))),
    h("input", { name: "q", placeholder: "key, error or reason contains", "aria-label": "Text", value: params.get("q") || "" }));
  const rows = page.records.map((rec) =>
    h("tr", { class: "link", "data-key": rec.key, onclick: () => (location.hash = `#/runs/${id}/records/${rec.seq}`) },
      h("td", {}, rec.key), h("td", {}, badge(rec.outcome)), h("td", {}, String(rec.attempts)), h("td", {}, rec.error_class || ""), h("td", { "data-reason": true }, rec.error || rec.reason || "")));
  return show(h("h1", {}, `Run ${r.id} — ${r.flow}`),
    h("dl", {}, h("dt", {}, "Status"), h("dd", {}, badge(r.status)), h("dt", {}, "Trigger"), h("dd", {}, r.trigger),
      h("dt", {}, "Started"), h("dd", {}, when(r.started_ms)), h("dt", {}, "Ended"), h("dd", {}, when(r.ended_ms)), h("dt", {}, "Error"), h("dd", {}, r.error || "—"), h("dt", {}, "Config version"), h("dd", { "data-config-version": true }, r.config_version ? h("a", { href: "#/config" }, String(r.config_version)) : "—")),
    h("h2", {}, `Records (${page.total})`), filter, table(["Key", "Outcome", "Attempts", "Class", "Error or reason"], rows));
}

// The API calls a record's run made for it: Shopify calls (operation, request id, cost, bucket,
// variables and answer) and plugins' HTTP exchanges (secrets redacted), a page at a time.
async function calls(id, seq, after) {
  const query = new URLSearchParams({ record: String(seq), limit: "25" });
  if (after !== undefined) query.set("after", String(after));
  const page = await api("GET", `/api/runs/${id}/calls?${query}`);
  const headers = (list) => (list || []).map(([k, v]) => `${k}: ${v}`).join("\n");
  const items = page.calls.map((c) => {
    const shopify = c.kind === "shopify";
    const what = shopify ? `Shopify ${c.operation} (attempt ${c.attempt})` : `${c.plugin}: ${c.method} ${c.url}`;
    const cost = shopify && c.cost_requested !== null ? `cost ${c.cost_requested} requested, ${c.cost_actual === null ? "—" : c.cost_actual} actual` : "";
    const bucket = shopify && c.throttle ? `bucket ${c.throttle.currently_available}/${c.throttle.maximum_available} (+${c.throttle.restore_rate}/s)` : "";
    const summary = [when(c.at_ms), what, c.status === null ? "no answer" : "status " + c.status, shopify ? "request id " + (c.request_id || "—") : "", cost, bucket, c.duration_ms + " ms"].filter(Boolean).join(" · ");
    const body = shopify
      ? [h("h3", {}, "Variables"), h("pre", { "data-call-variables": true }, pretty(c.variables)), h("h3", {}, "Response"), h("pre", { "data-call-response": true }, pretty(c.response))]
      : [h("h3", {}, "Request"), h("pre", { "data-call-request": true }, [headers(c.request_headers), c.request_body].filter(Boolean).join("\n\n")),
        h("h3", {}, "Response"), h("pre", { "data-call-response": true }, [headers(c.response_headers), c.response_body].filter(Boolean).join("\n\n"))];
    return h("details", { "data-call": c.seq, "data-call-kind": c.kind, "data-request-id": c.request_id || "" },
      h("summary", { class: c.error ? "error" : "" }, summary), c.error ? h("p", { class: "error", "data-call-error": true }, c.error) : null, body);
  });
  const more = page.next === null ? null : h("button", { onclick: async (event) => event.target.replaceWith(await calls(id, seq, page.next)) }, "More calls");
  return h("div", { "data-calls": true }, items.length ? items : h("p", { class: "muted" }, after === undefined ? "No API calls were kept for this record." : ""), more);
}

async function record(id, seq) {
  const rec = await api("GET", `/api/runs/${id}/records/${seq}`);
  const apiCalls = await calls(id, seq);
  return show(h("h1", {}, `Record ${rec.key}`), h("p", {}, h("a", { href: "#/runs/" + id }, "← run " + id), " · ", h("a", { href: "#/lineage/" + encodeURIComponent(rec.key) }, "lineage")),
    h("dl", { "data-record": rec.key },
      h("dt", {}, "Outcome"), h("dd", {}, badge(rec.outcome)), h("dt", {}, "Attempts"), h("dd", {}, String(rec.attempts)),
      rec.reason ? [h("dt", {}, "Reason"), h("dd", { "data-reason": true }, rec.reason)] : null,
      rec.enqueued !== undefined ? [h("dt", {}, "Enqueued"), h("dd", {}, String(rec.enqueued))] : null,
      h("dt", {}, "Source"), h("dd", {}, rec.source || "—"), h("dt", {}, "Job"), h("dd", {}, rec.job_id === null ? "—" : String(rec.job_id)),
      h("dt", {}, "Plugin"), h("dd", {}, rec.plugin || "—"), h("dt", {}, "Error"), h("dd", { class: rec.error ? "error" : "", "data-error": true }, rec.error ? `${rec.error_class}: ${rec.error}` : "—")),
    h("div", { class: "grid" },
      h("div", {}, h("h2", {}, "Request"), h("pre", { "data-request": true }, pretty(rec.request))),
      h("div", {}, h("h2", {}, "Response"), h("pre", { "data-response": true }, pretty(rec.response)))),
    h("h2", {}, "API calls"), apiCalls);
}

async function lineage(key) {
  const l = await api("GET", "/api/lineage?key=" + encodeURIComponent(key));
  const steps = l.steps.map((s) =>
    h("tr", { class: "link", "data-step-job": s.record.job_id === null ? "" : s.record.job_id, onclick: () => (location.hash = `#/runs/${s.record.run_id}/records/${s.record.seq}`) },
      h("td", {}, s.record.source || "—"), h("td", {}, s.record.job_id === null ? "—" : String(s.record.job_id)),
      h("td", {}, s.run ? `${s.run.id} (${s.run.flow}, ${when(s.run.started_ms)})` : "—"), h("td", {}, s.record.plugin || "—"),
      h("td", {}, badge(s.record.outcome)), h("td", {}, s.record.error || s.record.response || "")));
  return show(h("h1", {}, "Lineage of " + key),
    h("p", {}, h("a", { href: "#/explain?sku=" + encodeURIComponent(key.split("@")[0]) }, "explain the inventory pushed for this SKU")),
    table(["Came from", "Job", "Run", "Plugin", "Outcome", "Result"], steps),
    h("h2", {}, "Queued"), l.queued.length ? table(["Job", "Flow", "Attempts", "Last error"], l.queued.map((j) => h("tr", {}, h("td", {}, String(j.id)), h("td", {}, j.flow), h("td", {}, String(j.attempts)), h("td", {}, j.last_error ? j.last_error.message : "")))) : h("p", { class: "muted" }, "none"),
    h("h2", {}, "Dead-lettered"), l.dead.length ? deadTable(l.dead, false) : h("p", { class: "muted" }, "none"));
}

// The record a job carries ({kind: "record", record: {Entity: {...}}}): its entity and fields.
function carried(job) {
  const tagged = job.payload && job.payload.kind === "record" ? job.payload.record : null;
  if (!tagged || typeof tagged !== "object") return null;
  const entity = Object.keys(tagged)[0];
  return { entity, fields: tagged[entity] };
}

function json(value) {
  return JSON.stringify(value, null, 2);
}

// The editor of an open dead letter's record: the original beside the edit, validated by the
// server as a record of the type the job carries; retried as a new job, both kept.
function editor(d, row) {
  const original = carried(d.job);
  const text = h("textarea", { "aria-label": "Edited record", spellcheck: "false" }, json(original.fields));
  const note = h("input", { name: "note", "aria-label": "Why", placeholder: "why (kept with the edit)" });
  const error = h("p", { class: "error", "data-edit-error": true });
  const close = () => edit.remove();
  const submit = async (button) => {
    let parsed;
    try {
      parsed = JSON.parse(text.value);
    } catch (e) {
      error.textContent = "Not JSON: " + e.message;
      return;
    }
    button.disabled = true;
    try {
      const r = await api("POST", `/api/dlq/${d.job.id}/edit`, { record: parsed, note: note.value });
      notify(`Retried job ${d.job.id} with the edit as job ${r.job}.`);
      await route();
    } catch (e) {
      error.textContent = e.message;
      button.disabled = false;
    }
  };
  const edit = h("tr", { "data-editor": d.job.id, "data-keep": true },
    h("td", { colspan: 9 },
      h("h2", {}, `Edit and retry job ${d.job.id} (${original.entity} record)`),
      h("div", { class: "grid" },
        h("div", {}, h("h3", {}, "Original (kept)"), h("pre", { "data-original": true }, json(original.fields))),
        h("div", {}, h("h3", {}, "Edit"), text)),
      error,
      h("p", { class: "toolbar" }, note,
        h("button", { onclick: (e) => submit(e.target) }, "Retry with this record"),
        h("button", { onclick: close }, "Cancel"))));
  row.after(edit);
  text.focus();
}

// What became of a settled dead letter: discarded with a reason, or retried edited — then the
// original and the edit side by side.
function settled(d) {
  if (!d.edit) return h("span", { class: "muted" }, "discarded: " + d.discarded);
  const original = carried(d.job);
  const edited = carried({ payload: d.edit.payload });
  return h("details", { "data-edit-audit": d.job.id },
    h("summary", {}, `edited, retried as job ${d.edit.job_id}`),
    h("p", {}, `${when(d.edit.at_ms)}${d.edit.note ? " — " + d.edit.note : ""}`),
    h("div", { class: "grid" },
      h("div", {}, h("h3", {}, "Original"), h("pre", { "data-audit-original": true }, json(original ? original.fields : d.job.payload))),
      h("div", {}, h("h3", {}, "Edit"), h("pre", { "data-audit-edit": true }, json(edited ? edited.fields : d.edit.payload)))));
}

function deadTable(letters, selectable) {
  const rows = letters.map((d) => {
    const open = d.discarded === null;
    const row = h("tr", { "data-job": d.job.id, "data-state": open ? "open" : d.edit ? "edited" : "discarded" },
      h("td", {}, selectable && open ? h("input", { type: "checkbox", "data-select": d.job.id, "aria-label": "Select job " + d.job.id }) : null),
      h("td", {}, String(d.job.id)), h("td", {}, d.job.flow), h("td", {}, h("a", { href: "#/lineage/" + encodeURIComponent(d.job.key) }, d.job.key)),
      h("td", { "data-dead-at": true }, when(d.dead_ms)), h("td", {}, String(d.job.attempts)), h("td", {}, d.job.trigger),
      h("td", { class: "error" }, `${d.error.class}: ${d.error.message}`),
      h("td", {}, !open ? settled(d) : [
        h("button", { onclick: () => act("POST", `/api/dlq/${d.job.id}/retry`, async (r) => { await route(); notify(`Requeued ${r.requeued} job(s).`); }) }, "Retry"), " ",
        carried(d.job) ? h("button", { onclick: (e) => { if (!document.querySelector(`[data-editor="${d.job.id}"]`)) editor(d, e.target.closest("tr")); } }, "Edit") : null, " ",
        h("button", { onclick: () => { const reason = prompt("Why discard this job?"); if (reason) act("POST", `/api/dlq/${d.job.id}/discard`, route, { reason }); } }, "Discard"),
      ]));
    return row;
  });
  return table(["", "Job", "Flow", "Key", "Dead since", "Attempts", "Trigger", "Error", ""], rows);
}

async function dlq(params) {
  const query = new URLSearchParams();
  for (const k of ["flow", "status", "q", "since", "until"]) if (params.get(k)) query.set(k, params.get(k));
  const [letters, flows] = await Promise.all([api("GET", "/api/dlq?" + query), api("GET", "/api/flows")]);
  const flow = params.get("flow");
  const open = letters.filter((d) => d.discarded === null);
  const filter = filterForm("#/dlq",
    h("select", { name: "flow", "aria-label": "Flow" }, h("option", { value: "" }, "all flows"), flows.map((f) => h("option", { value: f.name, selected: flow === f.name }, f.name))),
    h("select", { name: "status", "aria-label": "State" }, ["", "open", "settled", "discarded", "edited"].map((s) => h("option", { value: s, selected: (params.get("status") || "") === s }, s || "any state"))),
    h("input", { name: "q", placeholder: "error or key contains", "aria-label": "Error text", value: params.get("q") || "" }),
    ...timeFields(params));
  const selected = () => [...view.querySelectorAll("input[data-select]:checked")].map((c) => Number(c.dataset.select));
  const bulk = (what) => {
    const ids = selected();
    if (!ids.length) return notify("Select dead letters first.");
    if (what === "retry") return act("POST", "/api/dlq/retry", async (r) => { await route(); notify(`Requeued ${r.requeued} job(s).`); }, { ids });
    const reason = prompt(`Why discard these ${ids.length} jobs?`);
    if (reason) return act("POST", "/api/dlq/discard", async (r) => { await route(); notify(`Discarded ${r.discarded} job(s).`); }, { ids, reason });
  };
  const list = deadTable(letters, true);
  const all = h("input", { type: "checkbox", "aria-label": "Select all", onchange: (e) => { for (const c of list.querySelectorAll("input[data-select]")) c.checked = e.target.checked; } });
  list.querySelector("thead th").append(all);
  return show(h("h1", {}, "Dead letters" + (flow ? " of " + flow : "")), filter,
    flow && open.length ? h("p", {}, h("button", { onclick: () => act("POST", "/api/dlq/retry?flow=" + encodeURIComponent(flow), route) }, `Retry all ${open.length}`)) : null,
    letters.length ? [list, open.length ? h("p", { class: "toolbar" },
      h("button", { onclick: () => bulk("retry") }, "Retry selected"), h("button", { onclick: () => bulk("discard") }, "Discard selected")) : null]
      : h("p", { class: "muted", "data-empty": true }, "No dead letters."));
}

async function explain(params) {
  const sku = params.get("sku") || "";
  const form = h("form", { class: "toolbar", onsubmit: (e) => { e.preventDefault(); location.hash = "#/explain?" + new URLSearchParams([...new FormData(e.target)].filter(([, v]) => v)); } },
    h("input", { name: "sku", "aria-label": "SKU", placeholder: "SKU", value: sku }),
    h("input", { name: "location", "aria-label": "Location", placeholder: "location (optional)", value: params.get("location") || "" }),
    h("button", {}, "Explain"));
  if (!sku) return show(h("h1", {}, "Explain a number weft pushed"), form);
  const query = new URLSearchParams({ sku });
  if (params.get("location")) query.set("location", params.get("location"));
  let found;
  try {
    found = await api("GET", "/api/explain/inventory?" + query);
  } catch (e) {
    return show(h("h1", {}, "Explain " + sku), form, h("p", { class: "muted", "data-explain-none": true }, e.message));
  }
  return show(h("h1", {}, "Explain " + sku), form, found.map((f) => h("section", { "data-explain": f.flow },
    h("h2", {}, `Flow ${f.flow}: ${f.pushed.pushed} pushed ${when(f.pushed.at_ms)}`),
    h("pre", {}, f.lines.join("\n")),
    f.pushed.conflict ? h("p", { class: "error" }, "Conflict: " + f.pushed.conflict) : null,
    h("p", {}, `Shopify had ${f.pushed.before === null ? "unknown" : f.pushed.before} before; item ${f.pushed.item}`))));
}

async function flow(name) {
  const m = await api("GET", `/api/flows/${encodeURIComponent(name)}/mapping`);
  const input = h("textarea", { "aria-label": "Record JSON", placeholder: "A canonical record as JSON; empty: the first record from the source" });
  const output = h("div", { "data-preview": true });
  const renderPreview = (p) => {
    if (!input.value.trim()) input.value = JSON.stringify(p.record, null, 2);
    output.replaceChildren(...show(
      p.error ? h("p", { class: "error", "data-preview-error": true }, `${p.error.class} (at ${p.error.at}): ${p.error.message}`) : null,
      ...p.writes.map((w) => h("div", {},
        h("h2", {}, w.operation ? "Would write: " + w.operation : "No write"),
        w.skipped ? h("p", {}, w.skipped) : null,
        w.dropped && w.dropped.length ? h("p", { "data-dropped": true }, "Not sent (owned by Shopify): " + w.dropped.join(", ")) : null,
        w.explain ? h("pre", {}, w.explain.join("\n")) : null,
        h("pre", { "data-output": true }, JSON.stringify(w.input !== undefined ? w.input : w.record, null, 2))))));
  };
  const tryIt = (useText) => {
    let body = {};
    if (useText && input.value.trim()) {
      try {
        body = { record: JSON.parse(input.value) };
      } catch (e) {
        output.replaceChildren(notice("Not JSON: " + e.message));
        return;
      }
    }
    act("POST", `/api/flows/${encodeURIComponent(name)}/preview`, renderPreview, body);
  };
  return show(h("h1", {}, `Flow ${name}: ${m.from} → ${m.to} (${m.object})`),
    h("p", {}, "Transforms: ", m.transforms.length ? m.transforms.join(" → ") : "none", m.skip_if ? ` · skip when ${m.skip_if}` : "", ` · identity: ${m.identity}`),
    table(["Source", "Target", "Expression", "Condition", "Owner", "Sent"], m.rows.map((r) =>
      h("tr", {}, h("td", {}, r.source || "—"), h("td", {}, r.target), h("td", {}, r.expression || "—"), h("td", {}, r.condition || "—"), h("td", {}, r.owner), h("td", {}, r.sent ? "yes" : "no")))),
    m.inventory ? h("pre", {}, JSON.stringify(m.inventory, null, 2)) : null,
    h("h2", {}, "Try it"),
    h("div", { class: "grid" },
      h("div", {}, input, h("p", { class: "toolbar" },
        h("button", { onclick: () => { input.value = ""; tryIt(false); } }, "Sample from source"),
        h("button", { onclick: () => tryIt(true) }, "Preview this record"))),
      output));
}

async function plugins() {
  const list = await api("GET", "/api/plugins");
  return show(h("h1", {}, "Plugins"), h("p", { class: "toolbar" }, h("button", { onclick: reloadPlugins }, "Reload plugins")), table(["Plugin", "Version", "Kind", "Status", "sha256", "Used by"], list.map((p) =>
    h("tr", {}, h("td", {}, p.id), h("td", {}, p.version || "—"), h("td", {}, p.kind || "—"),
      h("td", {}, badge(p.status), p.reason ? " " + p.reason : ""), h("td", {}, p.sha256 ? p.sha256.slice(0, 16) : "—"), h("td", {}, (p.used_by || []).join(", "))))));
}

async function shop() {
  // Each part stands alone: a shop unreachable still shows the others and the stored onboarding reports.
  const shops = await api("GET", "/api/shops");
  const [reports, ...hooks] = await Promise.allSettled([api("GET", "/api/onboard"), ...shops.map((s) => api("GET", "/api/webhooks/" + encodeURIComponent(s.name)))]);
  const what = { kept: "in line", moved: "delivers elsewhere: moved at the next sync", removed: "no flow consumes it: removed at the next sync", foreign: "not weft's: left alone", missing: "consumed by a flow, subscribed nowhere: created at the next sync" };
  const subscriptions = shops.flatMap((s, i) => [h("h3", { "data-shop": s.name }, `Shop ${s.name} (${s.domain})`), ...(hooks[i].status === "rejected" ? [notice("Webhook subscriptions not read: " + hooks[i].reason.message)] : [
    h("p", {}, hooks[i].value.address ? "weft's subscriptions deliver to " + hooks[i].value.address + "; weft serve keeps them in line." : "No [server] public_url: weft serve manages no subscriptions, and orders arrive by polling only."),
    hooks[i].value.subscriptions.length ? table(["Topic", "State", "Delivers to", "Name"], hooks[i].value.subscriptions.map((s) =>
      h("tr", { "data-topic": s.topic }, h("td", {}, s.topic), h("td", { "data-state": s.state }, badge(s.state), " ", what[s.state] || ""), h("td", {}, s.uri || "—"), h("td", {}, s.name || "—"))))
      : h("p", { class: "muted" }, "No subscriptions, and no flow consumes a webhook topic.")])]);
  const read = h("button", { onclick: (e) => { e.target.disabled = true; e.target.textContent = "Reading the shop…"; act("POST", "/api/onboard", route, {}); } }, "Read the shop now");
  const report = (r) => h("section", { "data-onboard": r.flow },
    h("h2", {}, `Flow ${r.flow} · shop read ${when(r.read_ms)}`),
    h("p", {}, `Shop: ${r.shop_products} products · ERP: ${r.erp_products} products (${r.rejected} rejected) · linked, updated in place: ${r.linked} · new, created: ${r.new}`),
    r.conflicts.length ? table(["ERP product", "Title", "Kind", "Detail", "Shop products", "Decision"], r.conflicts.map((c) =>
      h("tr", { "data-conflict": c.erp_product }, h("td", {}, c.erp_product), h("td", {}, c.title), h("td", {}, c.kind), h("td", {}, c.detail),
        h("td", {}, c.shopify_products.map((p) => `${p.handle} (${p.id})`).join(", ")), h("td", { class: c.decision ? "" : "error" }, c.decision || "undecided: set flows." + r.flow + ".decisions"))))
      : h("p", { class: "ok" }, "No conflicts."),
    r.shopify_only.length ? h("p", {}, `In the shop only (left alone): ${r.shopify_only.length}`) : null,
    r.erp_only.length ? h("p", {}, `In the ERP only (created): ${r.erp_only.length}`) : null);
  const onboarding = reports.status === "rejected" ? [notice("Onboarding reports not read: " + reports.reason.message)]
    : reports.value.length ? reports.value.map(report) : [h("p", { class: "muted" }, "No onboarding report yet: read the shop before the first catalog write, or run `weft onboard`.")];
  return show(h("h1", {}, "Shop"), h("h2", {}, "Webhook subscriptions"), ...subscriptions,
    h("h2", {}, "Onboarding an existing catalog"), h("p", { class: "toolbar" }, read), ...onboarding);
}

async function reconcile(id) {
  const reports = await api("GET", "/api/reconcile/reports");
  const chosen = id ? await api("GET", "/api/reconcile/reports/" + id) : reports[0] ? await api("GET", "/api/reconcile/reports/" + reports[0].id) : null;
  const now = h("button", { onclick: (e) => { e.target.disabled = true; e.target.textContent = "Reconciling…"; act("POST", "/api/reconcile", (r) => go("#/reconcile/" + r.id), {}); } }, "Reconcile now");
  const list = table(["Report", "At", "Trigger", "Flows", "Compared", "Drifted", "Only in ERP", "Only in Shopify", "Order days off", "Errors"], reports.map((r) =>
    h("tr", { class: "link", "data-report": r.id, onclick: () => (location.hash = "#/reconcile/" + r.id) },
      h("td", {}, String(r.id)), h("td", {}, when(r.started_ms)), h("td", {}, r.trigger), h("td", {}, r.flows.join(", ")),
      h("td", {}, String(r.summary.compared)), h("td", { class: r.summary.drifted ? "error" : "" }, String(r.summary.drifted)),
      h("td", {}, String(r.summary.erp_only)), h("td", {}, String(r.summary.shopify_only)), h("td", {}, String(r.summary.order_days_drifted)), h("td", {}, String(r.summary.errors)))));
  const levels = (title, rows) => rows.length ? [h("h2", {}, title), table(["SKU", "Shopify location", "ERP location", "ERP available", "Shopify available", "Difference"], rows.map((d) =>
    h("tr", { "data-drift": d.sku }, h("td", {}, d.sku), h("td", {}, d.location), h("td", {}, d.erp_location || "—"),
      h("td", {}, d.erp_available === null ? "—" : String(d.erp_available)), h("td", {}, d.shopify_available === null ? "—" : String(d.shopify_available)),
      h("td", { class: "error" }, String(d.difference)))))] : [];
  const detail = chosen ? chosen.flows.map((f) => h("section", { "data-report-flow": f.flow },
    h("h2", {}, `Report ${chosen.id} · flow ${f.flow} (${f.object}${f.shop ? ", shop " + f.shop : ""}): ${f.compared} compared, ${f.drift.length} drifted` + (f.error ? ` — ${f.error}` : "")),
    levels("Drift per SKU × location", f.drift), levels("Only in the ERP", f.erp_only), levels("Only in Shopify", f.shopify_only),
    f.erp_only_skus.length ? h("p", {}, "SKUs Shopify does not know: " + f.erp_only_skus.join(", ")) : null,
    f.order_days.length ? table(["Day", "Detail"], f.order_days.map((d) => h("tr", {}, h("td", {}, d.day), h("td", {}, JSON.stringify(d))))) : null,
    f.customers ? h("p", {}, `Customers: ERP ${f.customers[0]}, Shopify ${f.customers[1]}`) : null)) : [];
  return show(h("h1", {}, "Reconciliation"), h("p", { class: "toolbar" }, now),
    reports.length ? list : h("p", { class: "muted" }, "No reports yet: reconcile now, run `weft reconcile`, or set [reconcile] schedule."), ...detail);
}

// ---- router ----------------------------------------------------------------------------------

// Go to `hash`, or render it again when already there.
function go(hash) {
  if (location.hash === hash) return route();
  location.hash = hash;
}

// The page of the current address, as nodes; and whether it may refresh itself (not a page
// that asks Shopify or runs a plugin each time it loads).
async function page() {
  const [path, search] = location.hash.replace(/^#/, "").split("?");
  const params = new URLSearchParams(search || "");
  const parts = (path || "/").split("/").filter(Boolean).map(decodeURIComponent);
  for (const a of document.querySelectorAll("[data-nav]")) a.classList.toggle("active", a.dataset.nav === (parts[0] || "overview"));
  if (parts.length === 0) return { nodes: await overview(), live: true };
  if (parts[0] === "runs" && parts.length === 1) return { nodes: await runs(params), live: true };
  if (parts[0] === "runs" && parts.length === 2) return { nodes: await run(parts[1], params), live: true };
  if (parts[0] === "runs" && parts[2] === "records") return { nodes: await record(parts[1], parts[3]), live: false };
  if (parts[0] === "dlq") return { nodes: await dlq(params), live: true };
  if (parts[0] === "lineage") return { nodes: await lineage(parts[1]), live: true };
  if (parts[0] === "explain") return { nodes: await explain(params), live: false };
  if (parts[0] === "flows") return { nodes: await flow(parts[1]), live: false };
  if (parts[0] === "plugins") return { nodes: await plugins(), live: true };
  if (parts[0] === "config") return { nodes: await configEditor(parts[1]), live: false };
  if (parts[0] === "reconcile") return { nodes: await reconcile(parts[1]), live: true };
  if (parts[0] === "shop") return { nodes: await shop(), live: false };
  return { nodes: show(h("p", {}, "No such page.")), live: false };
}

// Renders are numbered: a slow one that a newer one overtook is dropped.
let renders = 0;
let routing = 0;
let live = false;

async function route() {
  const n = ++renders;
  routing++;
  try {
    const p = await page();
    if (n !== renders) return;
    live = p.live;
    view.replaceChildren(...p.nodes);
  } catch (e) {
    if (n !== renders) return;
    live = false;
    view.replaceChildren(notice("Could not load: " + e.message));
  } finally {
    routing--;
  }
}

// ---- auto-refresh ----------------------------------------------------------------------------
// Every few seconds the page is rendered again off-screen and swapped in only when it changed,
// unless the operator is busy with it: typing in a field, a selection, an open editor or detail.

const REFRESH_MS = 4000;

function busy() {
  if (document.getElementById("login").open) return true;
  const active = document.activeElement;
  if (active && view.contains(active) && ["INPUT", "TEXTAREA", "SELECT"].includes(active.tagName)) return true;
  return Boolean(view.querySelector("[data-keep], details[open], input[type=checkbox]:checked"));
}

async function refresh() {
  const toggle = document.getElementById("auto-refresh");
  if (!toggle.checked || !live || routing || busy() || document.hidden) return;
  const n = renders;
  let p;
  try {
    p = await page();
  } catch (_) {
    return; // the next tick tries again; a failing page says so when the operator navigates
  }
  if (n !== renders || busy()) return;
  const fresh = document.createElement("div");
  fresh.append(...p.nodes);
  if (fresh.innerHTML !== view.innerHTML) view.replaceChildren(...fresh.childNodes);
  document.getElementById("refreshed").textContent = "updated " + new Date().toLocaleTimeString();
}

const toggle = document.getElementById("auto-refresh");
toggle.checked = sessionStorage.getItem("weft-auto-refresh") !== "off";
toggle.addEventListener("change", () => sessionStorage.setItem("weft-auto-refresh", toggle.checked ? "on" : "off"));
setInterval(refresh, REFRESH_MS);

document.getElementById("search").addEventListener("submit", (e) => {
  e.preventDefault();
  const key = e.target.elements.key.value.trim();
  if (key) location.hash = "#/lineage/" + encodeURIComponent(key);
});
window.addEventListener("hashchange", () => {
  document.getElementById("notices").replaceChildren();
  route();
});
route();
