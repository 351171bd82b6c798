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

function show(...children) {
  view.replaceChildren(...children);
}

function notice(text) {
  return h("div", { class: "notice", role: "status" }, text);
}

// ---- pages -----------------------------------------------------------------------------------

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
        h("button", { onclick: () => act("POST", `/api/flows/${encodeURIComponent(f.name)}/${f.paused ? "resume" : "pause"}`, overview) }, f.paused ? "Resume" : "Pause"), " ",
        h("button", { onclick: () => act("POST", `/api/flows/${encodeURIComponent(f.name)}/run`, overview) }, "Run now"))));
  show(h("h1", {}, "Flows"),
    table(["Flow", "Direction", "Object", "Trigger", "Last run", "Records/min (1 h)", "Errors (1 h)", "Queued", "Dead", "State", ""], rows));
}

async function act(method, path, then, body) {
  try {
    const result = await api(method, path, body);
    await then(result);
  } catch (e) {
    view.prepend(notice("Failed: " + e.message));
  }
}

async function runs(params) {
  const query = new URLSearchParams(params);
  if (!query.has("limit")) query.set("limit", "50");
  const list = await api("GET", "/api/runs?" + query);
  const flows = await api("GET", "/api/flows");
  const filter = h("form", { class: "toolbar", onsubmit: (e) => { e.preventDefault(); location.hash = "#/runs?" + new URLSearchParams(new FormData(e.target)); } },
    h("select", { name: "flow", "aria-label": "Flow" }, h("option", { value: "" }, "all flows"), flows.map((f) => h("option", { value: f.name, selected: params.get("flow") === f.name }, f.name))),
    h("select", { name: "status", "aria-label": "Status" }, ["", "succeeded", "partial", "failed", "running"].map((s) => h("option", { value: s, selected: (params.get("status") || "") === s }, s || "any status"))),
    h("button", {}, "Filter"));
  for (const [k, v] of [...new URLSearchParams(new FormData(filter))]) if (!v) query.delete(k);
  const rows = list.map((r) =>
    h("tr", { class: "link", "data-run": r.id, onclick: () => (location.hash = "#/runs/" + r.id) },
      h("td", {}, String(r.id)), h("td", {}, r.flow), h("td", {}, r.trigger), h("td", {}, when(r.started_ms)), h("td", {}, badge(r.status)),
      h("td", {}, Object.entries(r.counts).map(([k, v]) => `${k} ${v}`).join(", "))));
  const next = list.length ? h("a", { href: "#/runs?" + new URLSearchParams({ ...Object.fromEntries(query), before: list[list.length - 1].id }) }, "Older →") : null;
  show(h("h1", {}, "Runs"), filter, table(["Run", "Flow", "Trigger", "Started", "Status", "Records"], rows), h("p", {}, next));
}

async function run(id, params) {
  const { run: r } = await api("GET", "/api/runs/" + id);
  const query = new URLSearchParams({ limit: "100" });
  if (params.get("outcome")) query.set("outcome", params.get("outcome"));
  if (params.get("q")) query.set("q", params.get("q"));
  const page = await api("GET", `/api/runs/${id}/records?${query}`);
  const filter = h("form", { class: "toolbar", onsubmit: (e) => { e.preventDefault(); location.hash = `#/runs/${id}?` + new URLSearchParams(new FormData(e.target)); } },
    h("select", { name: "outcome", "aria-label": "Outcome" }, ["", "failed", "created", "updated", "unchanged", "skipped", "shadowed", "pulled"].map((o) => h("option", { value: o, selected: (params.get("outcome") || "") === o }, o || "all outcomes"))),
    h("input", { name: "q", placeholder: "key contains", value: params.get("q") || "" }), h("button", {}, "Filter"));
  const rows = page.records.map((rec) =>
    h("tr", { class: "link", "data-key": rec.key, onclick: () => (location.hash = `#/runs/${id}/records/${rec.seq}`) },
      h("td", {}, rec.key), h("td", {}, badge(rec.outcome)), h("td", {}, String(rec.attempts)), h("td", {}, rec.error_class || ""), h("td", { "data-reason": true }, rec.error || rec.reason || "")));
  show(h("h1", {}, `Run ${r.id} — ${r.flow}`),
    h("dl", {}, h("dt", {}, "Status"), h("dd", {}, badge(r.status)), h("dt", {}, "Trigger"), h("dd", {}, r.trigger),
      h("dt", {}, "Started"), h("dd", {}, when(r.started_ms)), h("dt", {}, "Ended"), h("dd", {}, when(r.ended_ms)), h("dt", {}, "Error"), h("dd", {}, r.error || "—")),
    h("h2", {}, `Records (${page.total})`), filter, table(["Key", "Outcome", "Attempts", "Class", "Error or reason"], rows));
}

async function record(id, seq) {
  const rec = await api("GET", `/api/runs/${id}/records/${seq}`);
  show(h("h1", {}, `Record ${rec.key}`), h("p", {}, h("a", { href: "#/runs/" + id }, "← run " + id), " · ", h("a", { href: "#/lineage/" + encodeURIComponent(rec.key) }, "lineage")),
    h("dl", { "data-record": rec.key },
      h("dt", {}, "Outcome"), h("dd", {}, badge(rec.outcome)), h("dt", {}, "Attempts"), h("dd", {}, String(rec.attempts)),
      rec.reason ? [h("dt", {}, "Reason"), h("dd", { "data-reason": true }, rec.reason)] : null,
      rec.enqueued !== undefined ? [h("dt", {}, "Enqueued"), h("dd", {}, String(rec.enqueued))] : null,
      h("dt", {}, "Source"), h("dd", {}, rec.source || "—"), h("dt", {}, "Job"), h("dd", {}, rec.job_id === null ? "—" : String(rec.job_id)),
      h("dt", {}, "Plugin"), h("dd", {}, rec.plugin || "—"), h("dt", {}, "Error"), h("dd", { class: rec.error ? "error" : "", "data-error": true }, rec.error ? `${rec.error_class}: ${rec.error}` : "—")),
    h("div", { class: "grid" },
      h("div", {}, h("h2", {}, "Request"), h("pre", { "data-request": true }, pretty(rec.request))),
      h("div", {}, h("h2", {}, "Response"), h("pre", { "data-response": true }, pretty(rec.response)))));
}

async function lineage(key) {
  const l = await api("GET", "/api/lineage?key=" + encodeURIComponent(key));
  const steps = l.steps.map((s) =>
    h("tr", { class: "link", onclick: () => (location.hash = `#/runs/${s.record.run_id}/records/${s.record.seq}`) },
      h("td", {}, s.record.source || "—"), h("td", {}, s.record.job_id === null ? "—" : String(s.record.job_id)),
      h("td", {}, s.run ? `${s.run.id} (${s.run.flow}, ${when(s.run.started_ms)})` : "—"), h("td", {}, s.record.plugin || "—"),
      h("td", {}, badge(s.record.outcome)), h("td", {}, s.record.error || s.record.response || "")));
  show(h("h1", {}, "Lineage of " + key),
    table(["Came from", "Job", "Run", "Plugin", "Outcome", "Result"], steps),
    h("h2", {}, "Queued"), l.queued.length ? table(["Job", "Flow", "Attempts", "Last error"], l.queued.map((j) => h("tr", {}, h("td", {}, String(j.id)), h("td", {}, j.flow), h("td", {}, String(j.attempts)), h("td", {}, j.last_error ? j.last_error.message : "")))) : h("p", { class: "muted" }, "none"),
    h("h2", {}, "Dead-lettered"), l.dead.length ? deadTable(l.dead, () => lineage(key)) : h("p", { class: "muted" }, "none"));
}

function deadTable(letters, refresh) {
  return table(["Job", "Flow", "Key", "Attempts", "Error", ""], letters.map((d) =>
    h("tr", { "data-job": d.job.id },
      h("td", {}, String(d.job.id)), h("td", {}, d.job.flow), h("td", {}, h("a", { href: "#/lineage/" + encodeURIComponent(d.job.key) }, d.job.key)),
      h("td", {}, String(d.job.attempts)), h("td", { class: "error" }, `${d.error.class}: ${d.error.message}`),
      h("td", {}, d.discarded !== null ? h("span", { class: "muted" }, "discarded: " + d.discarded) : [
        h("button", { onclick: () => act("POST", `/api/dlq/${d.job.id}/retry`, async (r) => { await refresh(); view.prepend(notice(`Requeued ${r.requeued} job(s).`)); }) }, "Retry"), " ",
        h("button", { onclick: () => { const reason = prompt("Why discard this job?"); if (reason) act("POST", `/api/dlq/${d.job.id}/discard`, refresh, { reason }); } }, "Discard"),
      ]))));
}

async function dlq(params) {
  const flow = params.get("flow");
  const letters = await api("GET", "/api/dlq" + (flow ? "?flow=" + encodeURIComponent(flow) : ""));
  const refresh = () => dlq(params);
  const open = letters.filter((d) => d.discarded === null);
  show(h("h1", {}, "Dead letters" + (flow ? " of " + flow : "")),
    flow && open.length ? h("p", {}, h("button", { onclick: () => act("POST", "/api/dlq/retry?flow=" + encodeURIComponent(flow), refresh) }, `Retry all ${open.length}`)) : null,
    letters.length ? deadTable(letters, refresh) : h("p", { class: "muted", "data-empty": true }, "No dead letters."));
}

async function flow(name) {
  const m = await api("GET", `/api/flows/${encodeURIComponent(name)}/mapping`);
  const input = h("textarea", { "aria-label": "Record JSON", placeholder: "A canonical record as JSON; empty: the first record from the source" });
  const output = h("div", { "data-preview": true });
  const renderPreview = (p) => {
    if (!input.value.trim()) input.value = JSON.stringify(p.record, null, 2);
    output.replaceChildren(
      p.error ? h("p", { class: "error", "data-preview-error": true }, `${p.error.class} (at ${p.error.at}): ${p.error.message}`) : null,
      ...p.writes.map((w) => h("div", {},
        h("h2", {}, w.operation ? "Would write: " + w.operation : "No write"),
        w.skipped ? h("p", {}, w.skipped) : null,
        w.dropped && w.dropped.length ? h("p", { "data-dropped": true }, "Not sent (owned by Shopify): " + w.dropped.join(", ")) : null,
        w.explain ? h("pre", {}, w.explain.join("\n")) : null,
        h("pre", { "data-output": true }, JSON.stringify(w.input !== undefined ? w.input : w.record, null, 2)))));
  };
  const tryIt = (useText) => act("POST", `/api/flows/${encodeURIComponent(name)}/preview`, renderPreview,
    useText && input.value.trim() ? { record: JSON.parse(input.value) } : {}).catch((e) => output.replaceChildren(notice(e.message)));
  show(h("h1", {}, `Flow ${name}: ${m.from} → ${m.to} (${m.object})`),
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
  show(h("h1", {}, "Plugins"), table(["Plugin", "Version", "Kind", "Status", "sha256", "Used by"], list.map((p) =>
    h("tr", {}, h("td", {}, p.id), h("td", {}, p.version || "—"), h("td", {}, p.kind || "—"),
      h("td", {}, badge(p.status), p.reason ? " " + p.reason : ""), h("td", {}, p.sha256 ? p.sha256.slice(0, 16) : "—"), h("td", {}, (p.used_by || []).join(", "))))));
}

async function shop() {
  // Each half stands alone: Shopify unreachable still shows the stored onboarding reports.
  const [hooks, reports] = await Promise.allSettled([api("GET", "/api/webhooks"), api("GET", "/api/onboard")]);
  const what = { kept: "in line", moved: "delivers elsewhere: moved at the next sync", removed: "no flow consumes it: removed at the next sync", foreign: "not weft's: left alone", missing: "consumed by a flow, subscribed nowhere: created at the next sync" };
  const subscriptions = hooks.status === "rejected" ? [notice("Webhook subscriptions not read: " + hooks.reason.message)] : [
    h("p", {}, hooks.value.address ? "weft's subscriptions deliver to " + hooks.value.address + "; weft serve keeps them in line." : "No [server] public_url: weft serve manages no subscriptions, and orders arrive by polling only."),
    hooks.value.subscriptions.length ? table(["Topic", "State", "Delivers to", "Name"], hooks.value.subscriptions.map((s) =>
      h("tr", { "data-topic": s.topic }, h("td", {}, s.topic), h("td", { "data-state": s.state }, badge(s.state), " ", what[s.state] || ""), h("td", {}, s.uri || "—"), h("td", {}, s.name || "—"))))
      : h("p", { class: "muted" }, "No subscriptions, and no flow consumes a webhook topic.")];
  const read = h("button", { onclick: (e) => { e.target.disabled = true; e.target.textContent = "Reading the shop…"; act("POST", "/api/onboard", () => shop(), {}); } }, "Read the shop now");
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
  show(h("h1", {}, "Shop"), h("h2", {}, "Webhook subscriptions"), ...subscriptions,
    h("h2", {}, "Onboarding an existing catalog"), h("p", { class: "toolbar" }, read), ...onboarding);
}

async function reconcile(id) {
  const reports = await api("GET", "/api/reconcile/reports");
  const chosen = id ? await api("GET", "/api/reconcile/reports/" + id) : reports[0] ? await api("GET", "/api/reconcile/reports/" + reports[0].id) : null;
  const now = h("button", { onclick: (e) => { e.target.disabled = true; e.target.textContent = "Reconciling…"; act("POST", "/api/reconcile", (r) => { location.hash = "#/reconcile/" + r.id; return reconcile(r.id); }, {}); } }, "Reconcile now");
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
    h("h2", {}, `Report ${chosen.id} · flow ${f.flow} (${f.object}): ${f.compared} compared, ${f.drift.length} drifted` + (f.error ? ` — ${f.error}` : "")),
    levels("Drift per SKU × location", f.drift), levels("Only in the ERP", f.erp_only), levels("Only in Shopify", f.shopify_only),
    f.erp_only_skus.length ? h("p", {}, "SKUs Shopify does not know: " + f.erp_only_skus.join(", ")) : null,
    f.order_days.length ? table(["Day", "Detail"], f.order_days.map((d) => h("tr", {}, h("td", {}, d.day), h("td", {}, JSON.stringify(d))))) : null,
    f.customers ? h("p", {}, `Customers: ERP ${f.customers[0]}, Shopify ${f.customers[1]}`) : null)) : [];
  show(h("h1", {}, "Reconciliation"), h("p", { class: "toolbar" }, now),
    reports.length ? list : h("p", { class: "muted" }, "No reports yet: reconcile now, run `weft reconcile`, or set [reconcile] schedule."), ...detail);
}

// ---- router ----------------------------------------------------------------------------------

async function route() {
  const [path, search] = location.hash.replace(/^#/, "").split("?");
  const params = new URLSearchParams(search || "");
  const parts = (path || "/").split("/").filter(Boolean).map(decodeURIComponent);
  for (const a of document.querySelectorAll("[data-nav]")) a.classList.toggle("active", a.dataset.nav === (parts[0] || "overview"));
  try {
    if (parts.length === 0) await overview();
    else if (parts[0] === "runs" && parts.length === 1) await runs(params);
    else if (parts[0] === "runs" && parts.length === 2) await run(parts[1], params);
    else if (parts[0] === "runs" && parts[2] === "records") await record(parts[1], parts[3]);
    else if (parts[0] === "dlq") await dlq(params);
    else if (parts[0] === "lineage") await lineage(parts[1]);
    else if (parts[0] === "flows") await flow(parts[1]);
    else if (parts[0] === "plugins") await plugins();
    else if (parts[0] === "reconcile") await reconcile(parts[1]);
    else if (parts[0] === "shop") await shop();
    else show(h("p", {}, "No such page."));
  } catch (e) {
    show(notice("Could not load: " + e.message));
  }
}

document.getElementById("search").addEventListener("submit", (e) => {
  e.preventDefault();
  const key = e.target.elements.key.value.trim();
  if (key) location.hash = "#/lineage/" + encodeURIComponent(key);
});
window.addEventListener("hashchange", route);
route();
