// weft-sdk for JavaScript: helpers over the jco bindings of weft:plugin@0.2.0.
//
// Works in both worlds (transform and connector). Conventions of the bindings (jco):
// records are `{ tag: 'product', val: {...} }`, fields are camelCase (`externalId`), optional
// fields are `undefined` when absent, s64 fields are BigInt, enums are kebab-case strings.
import { log as hostLog } from 'weft:plugin/log@0.2.0';
import { get as configGet } from 'weft:plugin/config@0.2.0';
import * as hostKv from 'weft:plugin/kv@0.2.0';

/** Plugin errors: `throw weft.invalid('sku', 'empty')`. Each returns a `plugin-error` value. */
export const retryable = (message) => ({ tag: 'retryable', val: message });
export const rateLimited = (retryAfterMs) => ({ tag: 'rate-limited', val: BigInt(retryAfterMs) });
export const unauthorized = (message) => ({ tag: 'unauthorized', val: message });
export const invalid = (field, message) => ({ tag: 'invalid-input', val: { field, message } });
export const notFound = (message) => ({ tag: 'not-found', val: message });
export const conflict = (message) => ({ tag: 'conflict', val: message });
export const permanent = (message) => ({ tag: 'permanent', val: message });
export const needsPerson = (message) => ({ tag: 'needs-person', val: message });

const ERROR_TAGS = new Set(['retryable', 'rate-limited', 'unauthorized', 'invalid-input', 'not-found', 'conflict', 'permanent', 'needs-person']);

/** What a push did with one record: `weft.pushed.created(id)`, `.updated(id)`, `.unchanged(id)`,
 *  `.skipped(id, reason)`. */
export const pushed = {
  created: (externalId) => ({ externalId, outcome: { tag: 'created' } }),
  updated: (externalId) => ({ externalId, outcome: { tag: 'updated' } }),
  unchanged: (externalId) => ({ externalId, outcome: { tag: 'unchanged' } }),
  skipped: (externalId, reason) => ({ externalId, outcome: { tag: 'skipped', val: reason } }),
};

/** Whether `e` is a thrown plugin error (as opposed to a bug, which traps the call). */
export const isPluginError = (e) => e !== null && typeof e === 'object' && ERROR_TAGS.has(e.tag);

/** Run `fn()` and wrap it as a per-item outcome: `{tag:'ok'}` or `{tag:'err'}` for a plugin error. */
export function outcome(fn) {
  try {
    return { tag: 'ok', val: fn() };
  } catch (e) {
    if (isPluginError(e)) return { tag: 'err', val: e };
    throw e;
  }
}

/** The batch-shaped `transform` export from `describe()` and `applyOne(record) -> record[]`. */
export function transform({ describe, applyOne }) {
  return { describe, apply: (records) => records.map((r) => outcome(() => applyOne(r))) };
}

/** Logging into the host's log (tagged with the plugin id; secrets are redacted by the host). */
export const log = {
  at: (level, message, fields = {}) => hostLog(level, String(message), Object.entries(fields).map(([k, v]) => [String(k), String(v)])),
  debug: (message, fields) => log.at('debug', message, fields),
  info: (message, fields) => log.at('info', message, fields),
  warn: (message, fields) => log.at('warn', message, fields),
  error: (message, fields) => log.at('error', message, fields),
};

/** Operator configuration (only keys declared in plugin.toml `capabilities.config`). */
export const config = {
  get: (key) => configGet(key),
  require(key) {
    const value = configGet(key);
    if (value === undefined || value === null) throw invalid(key, 'required config key is not set');
    return value;
  },
  json(key, fallback = undefined) {
    const value = configGet(key);
    if (value === undefined || value === null) return fallback;
    try {
      return JSON.parse(value);
    } catch (e) {
      throw invalid(key, `not valid JSON for this key: ${e.message}`);
    }
  },
};

// QuickJS has no TextEncoder/TextDecoder; StarlingMonkey has them.
const hasCodec = typeof TextEncoder !== 'undefined';

/** UTF-8 bytes of a string. */
export function encodeUtf8(text) {
  if (hasCodec) return new TextEncoder().encode(text);
  const bin = unescape(encodeURIComponent(text));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** A string from UTF-8 bytes. */
export function decodeUtf8(bytes) {
  if (hasCodec) return new TextDecoder().decode(bytes);
  let bin = '';
  for (let i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
  return decodeURIComponent(escape(bin));
}

/** Plugin-scoped persistent key-value state (plugin.toml `capabilities.kv = true`). */
export const kv = {
  get: (key) => hostKv.get(key),
  set: (key, bytes) => hostKv.set(key, bytes),
  delete: (key) => hostKv.delete(key),
  keys: (prefix, limit = 1000) => hostKv.listKeys(prefix, limit),
  getJson(key, fallback = undefined) {
    const raw = hostKv.get(key);
    if (raw === undefined || raw === null) return fallback;
    try {
      return JSON.parse(decodeUtf8(raw));
    } catch {
      return fallback;
    }
  },
  setJson: (key, value) => hostKv.set(key, encodeUtf8(JSON.stringify(value))),
};

/** Replace every SKU a record carries (its own, variants', order, shipment, refund, return and
 *  edit lines') with fn(sku). */
export function mapSkus(record, fn) {
  const v = record.val;
  const each = (items) => {
    for (const item of items) if (item.sku !== undefined && item.sku !== null) item.sku = fn(item.sku);
  };
  if (typeof v.sku === 'string') v.sku = fn(v.sku);
  if (record.tag === 'product') each(v.variants);
  else if (record.tag === 'order' || record.tag === 'fulfillment') each(v.lines);
  else if (record.tag === 'order-change') {
    const c = v.change;
    if (c.tag === 'refund' || c.tag === 'return') each(c.val.lines);
    else if (c.tag === 'edit') each(c.val);
  }
  return record;
}

/** A `plugin-info`. `entities`: entity names (direction both) or `{entity, direction}`;
 *  `configKeys`: `[name, required, description]` or `{name, required, description}`. */
export function pluginInfo(id, version, description, { entities = [], configKeys = [], secrets = [] } = {}) {
  return {
    id,
    version,
    description,
    entities: entities.map((e) => (typeof e === 'string' ? { entity: e, direction: 'both' } : e)),
    configKeys: configKeys.map((k) => (Array.isArray(k) ? { name: k[0], required: k[1], description: k[2] } : k)),
    secrets,
  };
}

// ---- record builders -------------------------------------------------------------------------
// Required fields are arguments; everything else starts empty (undefined options, [] lists,
// false, 0n, extra '{}', a product 'active') and is set through `fields`. Entity builders
// (product, inventoryLevel, customer, price, order, fulfillment) return records
// (`{ tag, val }`); the parts (variant, money, amount, address, orderLine) plain values.

const EMPTY = {
  product: () => ({ sku: undefined, description: undefined, vendor: undefined, productType: undefined, tags: [], status: 'active', options: [], variants: [], media: [], collections: [], metafields: [], deleted: false, updatedAt: undefined, extra: '{}' }),
  variant: () => ({ sku: undefined, barcode: undefined, optionValues: [], price: undefined, compareAtPrice: undefined, cost: undefined, weightGrams: undefined, media: [], metafields: [], updatedAt: undefined, extra: '{}' }),
  'inventory-level': () => ({ reserved: 0n, incoming: 0n, safetyStock: 0n, updatedAt: undefined, extra: '{}' }),
  customer: () => ({ sku: undefined, email: undefined, firstName: undefined, lastName: undefined, phone: undefined, company: undefined, addresses: [], tags: [], metafields: [], updatedAt: undefined, extra: '{}' }),
  address: () => ({ firstName: undefined, lastName: undefined, company: undefined, address1: undefined, address2: undefined, city: undefined, provinceCode: undefined, zip: undefined, countryCode: undefined, phone: undefined }),
  price: () => ({ scope: { tag: 'base' }, compareAtPrice: undefined, quantityBreaks: [], quantityRule: undefined, updatedAt: undefined, extra: '{}' }),
  fulfillment: () => ({ lines: [], tracking: [], location: undefined, shippedAt: undefined, extra: '{}' }),
  'order-line': () => ({ discountAllocations: [], taxLines: [], requiresShipping: true, customAttributes: [], extra: '{}' }),
  order: () => ({ source: 'erp', email: undefined, phone: undefined, customer: undefined, companyLocation: undefined, presentmentCurrency: undefined, lines: [], shippingLines: [], discounts: [], taxLines: [], taxesIncluded: false, financialStatus: 'pending', cancelled: false, stockEffect: 'move-stock', shippingAddress: undefined, billingAddress: undefined, tags: [], note: undefined, customAttributes: [], poNumber: undefined, metafields: [], updatedAt: undefined, extra: '{}' }),
};

function fill(kind, required, fields) {
  const value = { ...EMPTY[kind](), ...required };
  for (const [k, v] of Object.entries(fields || {})) {
    if (!(k in value)) throw new TypeError(`${kind} has no field ${k}; its fields: ${Object.keys(value).join(', ')}`);
    value[k] = v;
  }
  return value;
}

/** `amount` (a decimal string) in an ISO 4217 currency. */
export const money = (amount, currency) => ({ amount: String(amount), currency });
/** An order amount in the shop's currency (and the buyer's, when it differs). */
export const amount = (value, currency, presentment = undefined) => ({ shop: money(value, currency), presentment });
/** A product record (active, no variants unless given). */
export const product = (externalId, title, fields) => ({ tag: 'product', val: fill('product', { externalId, title }, fields) });
/** A variant (plain: goes in a product's `variants`). */
export const variant = (externalId, fields) => fill('variant', { externalId }, fields);
/** A stock level record of `sku` at `location`, id `sku@location`. */
export function inventoryLevel(sku, location, onHand, fields = {}) {
  const big = {};
  for (const [k, v] of Object.entries(fields)) big[k] = ['reserved', 'incoming', 'safetyStock'].includes(k) ? BigInt(v) : v;
  const val = fill('inventory-level', { externalId: `${sku}@${location}`, sku, location, onHand: BigInt(onHand) }, {});
  for (const [k, v] of Object.entries(big)) {
    if (!(k in val)) throw new TypeError(`inventory-level has no field ${k}; its fields: ${Object.keys(val).join(', ')}`);
    val[k] = v;
  }
  return { tag: 'inventory-level', val };
}
/** A customer record. */
export const customer = (externalId, fields) => ({ tag: 'customer', val: fill('customer', { externalId }, fields) });
/** A postal address (plain). */
export const address = (fields) => fill('address', {}, fields);
/** A metafield value (`type` is Shopify's type name; lists and objects as JSON text). */
export const metafield = (namespace, key, type, value) => ({ namespace, key, type, value: String(value) });
/** An image: an `https://` URL or `file:PATH` in the connector's directory; `contentHash` (SHA-256 hex) when known. */
export const media = (source, { alt = undefined, contentHash = undefined } = {}) => ({ source, alt, contentHash });
/** The base price record of `sku` (id = the SKU). */
export const price = (sku, value, fields) => ({ tag: 'price', val: fill('price', { externalId: sku, sku, price: value }, fields) });
/** A shipment record of an order. */
export const fulfillment = (externalId, orderExternalId, orderName, fields) =>
  ({ tag: 'fulfillment', val: fill('fulfillment', { externalId, orderExternalId, orderName }, fields) });
/** An order line (plain; title = SKU, shipped). */
export const orderLine = (externalId, sku, quantity, unitPrice, fields) =>
  fill('order-line', { externalId, sku, title: sku, quantity, currentQuantity: quantity, unitPrice: { shop: unitPrice, presentment: undefined } }, fields);
/** An order record of `lines`; subtotal and total are their sum (to the cent), the rest 0. */
export function order(externalId, name, currency, createdAt, lines = [], fields = {}) {
  const cents = lines.reduce((sum, l) => sum + Math.round(Number(l.unitPrice.shop.amount) * 100) * l.quantity, 0);
  const total = amount((cents / 100).toFixed(2), currency);
  const zero = () => amount('0.00', currency);
  return { tag: 'order', val: fill('order', { externalId, name, currency, createdAt, subtotal: total, shipping: zero(), tax: zero(), discount: zero(), total: { ...total } }, { lines, ...fields }) };
}
/** A pull page of records. */
export const page = (records, nextCursor = undefined, hasMore = false) => ({ records, nextCursor, hasMore });
