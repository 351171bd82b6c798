// weft-sdk for JavaScript connectors (`import ... from 'weft-connector'`): StarlingMonkey engine
// only (a file `js-engine` holding `starlingmonkey` in the plugin folder; `weft plugins new --lang
// js --kind connector` writes it). QuickJS cannot build a component that imports wasi:http.
//
// Exports may be async: `pull`, `fetchOne`, `pushOne`, `check` and `parseEvent` can await
// `fetch` (StarlingMonkey runs the event loop until the promise settles).
import { get as secretGet } from 'weft:plugin/secrets@0.2.0';
import { invalid, isPluginError, notFound, page, permanent, rateLimited, retryable, unauthorized } from './weft.js';

/** Credentials by name (declared in plugin.toml and granted by the operator). */
export const secrets = {
  get: (name) => secretGet(name),
  require(name) {
    const value = secretGet(name);
    if (value === undefined || value === null) throw unauthorized(`secret \`${name}\` is not granted or not set`);
    return value;
  },
};

/** A received response: status, lower-case headers, body text. */
export class Response {
  constructor(status, headers, text) {
    this.status = status;
    this.headers = headers;
    this.text = text;
  }
  header(name) {
    return this.headers[name.toLowerCase()];
  }
  json() {
    try {
      return JSON.parse(this.text);
    } catch (e) {
      throw retryable(`response is not the expected JSON: ${e.message}`);
    }
  }
  /** Itself for 2xx; otherwise throw what the status means: 401/403 unauthorized, 404
   *  not-found, 429 rate-limited (Retry-After seconds), 5xx retryable, other 4xx permanent. */
  raiseForStatus() {
    const s = this.status;
    const snippet = this.text.slice(0, 200);
    if (s >= 200 && s < 300) return this;
    if (s === 401 || s === 403) throw unauthorized(`HTTP ${s}`);
    if (s === 429) {
      const after = Number.parseInt(this.header('retry-after') ?? '1', 10);
      throw rateLimited((Number.isFinite(after) ? after : 1) * 1000);
    }
    if (s === 404) throw notFound(`HTTP 404: ${snippet}`);
    if (s >= 500) throw retryable(`HTTP ${s}: ${snippet}`);
    throw permanent(`HTTP ${s}: ${snippet}`);
  }
}

/** HTTP over the host's wasi:http (only hosts in plugin.toml and granted by the operator). */
export const http = {
  /** `await http.request('GET', url, { headers, json, body })` → Response. */
  async request(method, url, { headers = {}, json = undefined, body = undefined } = {}) {
    const h = {};
    for (const [k, v] of Object.entries(headers)) h[k.toLowerCase()] = v;
    if (json !== undefined) {
      body = JSON.stringify(json);
      h['content-type'] ??= 'application/json';
    }
    let response;
    try {
      response = await fetch(url, { method, headers: h, body });
    } catch (e) {
      const text = String(e && e.message ? e.message : e);
      if (/denied/i.test(text)) throw permanent(`HTTP request denied by the host's outbound policy: ${text}`);
      throw retryable(`HTTP transport error: ${text}`);
    }
    const out = {};
    response.headers.forEach((v, k) => {
      out[k.toLowerCase()] = v;
    });
    return new Response(response.status, out, await response.text());
  },
  /** `encodeURIComponent`, for path segments and query values. */
  encode: (text) => encodeURIComponent(text),
};

async function outcome(fn) {
  try {
    return { tag: 'ok', val: await fn() };
  } catch (e) {
    if (isPluginError(e)) return { tag: 'err', val: e };
    throw e;
  }
}

/** The `connector` export from per-record functions: `fetchOne(entity, id)` → record or
 *  undefined, `pushOne(entity, keyed)` → `weft.pushed.created(id)`...; each may throw a plugin
 *  error, which fails that item only. Unsupported calls answer `permanent`. */
export function defineConnector({ describe, check = () => undefined, pull, fetchOne, pushOne, parseEvent = () => [] }) {
  const unsupported = (what) => (entity) => {
    throw permanent(`${what} of ${entity} is not supported`);
  };
  pull ??= unsupported('pull');
  fetchOne ??= unsupported('fetch');
  pushOne ??= unsupported('push');
  return {
    describe,
    check,
    pull,
    async fetch(entity, ids) {
      const out = [];
      for (const id of ids) out.push(await outcome(() => fetchOne(entity, id)));
      return out;
    },
    async push(entity, records) {
      const out = [];
      for (const keyed of records) out.push(await outcome(() => pushOne(entity, keyed)));
      return out;
    },
    parseEvent,
  };
}

// ---- cursors (same as the Rust and Python SDKs' `cursor`) -----------------------------------

/** One weft page of at most `limit` records from an API paged by its own cursor:
 *  `await fetchPage(apiCursor)` → `[records, nextApiCursor or undefined]`. May end in the middle
 *  of an API page; resuming from the last page's cursor returns only what was added since. */
export async function paged(cursor, limit, fetchPage) {
  limit = Math.max(1, Number(limit));
  let api;
  let skip = 0;
  if (cursor !== undefined && cursor !== null) {
    try {
      ({ api, skip } = JSON.parse(cursor));
      api = api ?? undefined;
    } catch {
      throw permanent(`cursor \`${cursor}\` was not written by paged()`);
    }
  }
  const state = (a, s) => JSON.stringify({ api: a ?? null, skip: s });
  const out = [];
  for (;;) {
    const [items, next] = await fetchPage(api);
    const fresh = items.slice(skip);
    const room = limit - out.length;
    if (fresh.length > room) {
      out.push(...fresh.slice(0, room));
      return page(out, state(api, skip + room), true);
    }
    out.push(...fresh);
    if (next === undefined || next === null) return page(out, state(api, items.length), false);
    api = next;
    skip = 0;
    if (out.length === limit) return page(out, state(api, 0), true);
  }
}

/** `paged` over numbered API pages (`await fetchNumber(n)`, 1-based); a short page is the last. */
export const pageNumbers = (cursor, limit, perPage, fetchNumber) =>
  paged(cursor, limit, async (api) => {
    const n = api ? Number(api) : 1;
    const items = await fetchNumber(n);
    return [items, items.length >= Math.max(1, perPage) ? String(n + 1) : undefined];
  });

/** The cursor of an `updated_since` API: the change time and id of the last record delivered. */
export class UpdatedSince {
  constructor(cursor) {
    const [since, last] = cursor ? cursor.split('|') : [undefined, undefined];
    this.since = since || undefined;
    this.lastId = last;
  }
  seen(updated, id) {
    if (this.since === undefined) return false;
    if (this.lastId === undefined) return updated < this.since;
    return updated < this.since || (updated === this.since && id <= this.lastId);
  }
  after(updated, id) {
    this.since = updated;
    this.lastId = id;
  }
  cursor() {
    if (this.since === undefined) return undefined;
    return this.lastId === undefined ? this.since : `${this.since}|${this.lastId}`;
  }
}

/** A stable hash of any value (FNV-1a over its JSON): a change detector, not a security measure. */
export function contentHash(value) {
  const text = JSON.stringify(value, (k, v) => (typeof v === 'bigint' ? v.toString() : v));
  let h = 0xcbf29ce484222325n;
  for (let i = 0; i < text.length; i++) {
    h ^= BigInt(text.charCodeAt(i));
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, '0');
}

/** One page of an API that returns everything every time: the same snapshot again gives an
 *  empty page; a changed one is delivered from the start. */
export function snapshot(cursor, limit, records) {
  const hash = contentHash(records);
  let offset = 0;
  if (cursor) {
    const [seen, n] = cursor.split(':');
    if (seen === hash) offset = Math.min(Number(n) || 0, records.length);
  }
  const end = Math.min(offset + Math.max(1, Number(limit)), records.length);
  return page(records.slice(offset, end), `${hash}:${end}`, end < records.length);
}

export { invalid };
