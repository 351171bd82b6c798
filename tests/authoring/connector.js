// {{id}}: the author journey's connector in JavaScript (StarlingMonkey; host/tests/integration/
// plugin_journey.rs): products and stock in, orders out, for the HTTP/JSON ERP plugins/http-erp-py
// documents.
import * as weft from 'weft-sdk';
import { defineConnector, http, paged, secrets } from 'weft-connector';

const url = (path) => weft.config.require('base_url').replace(/\/+$/, '') + path;
const api = (method, path, json) =>
  http.request(method, url(path), { headers: { authorization: `Bearer ${secrets.require('token')}` }, json });
const get = async (path) => (await api('GET', path)).raiseForStatus().json();

const product = (p) =>
  weft.product(p.id, p.name, {
    sku: p.code ?? undefined,
    vendor: p.brand ?? undefined,
    productType: p.category ?? undefined,
    updatedAt: p.updated ?? undefined,
    status: p.active === false ? 'archived' : 'active',
    options: (p.variants ?? []).some((v) => v.size) ? ['Size'] : [],
    variants: (p.variants ?? []).map((v) =>
      weft.variant(v.id, {
        sku: v.sku ?? undefined,
        barcode: v.barcode ?? undefined,
        optionValues: v.size ? [v.size] : [],
        price: v.price !== undefined && v.price !== null ? weft.money(v.price, v.currency ?? 'EUR') : undefined,
      }),
    ),
  });

const level = (s) => weft.inventoryLevel(s.sku, s.warehouse, s.on_hand, { reserved: s.reserved ?? 0, incoming: s.incoming ?? 0 });

const pullFrom = (path, cursor, limit, convert) =>
  paged(cursor, limit, async (after) => {
    const data = await get(`${path}?limit=${limit}` + (after ? `&after=${http.encode(after)}` : ''));
    return [data.items.map(convert), data.next ?? undefined];
  });

export const connector = defineConnector({
  describe: () =>
    weft.pluginInfo('{{id}}', '0.1.0', '{{description}}', {
      entities: [
        { entity: 'product', direction: 'pull' },
        { entity: 'inventory-level', direction: 'pull' },
        { entity: 'order', direction: 'push' },
      ],
      configKeys: [['base_url', true, "the ERP's API root"]],
      secrets: ['token'],
    }),
  async check() {
    await get('/api/ping');
  },
  pull(entity, cursor, limit) {
    if (entity === 'product') return pullFrom('/api/products', cursor, limit, product);
    if (entity === 'inventory-level') return pullFrom('/api/stock', cursor, limit, level);
    throw weft.permanent(`pull of ${entity} is not supported`);
  },
  async pushOne(entity, keyed) {
    if (keyed.record.tag !== 'order') throw weft.permanent(`push of ${entity} is not supported`);
    const order = keyed.record.val;
    if (order.lines.length === 0) throw weft.invalid('lines', 'an order needs at least one line');
    const found = (await get(`/api/orders?reference=${http.encode(order.externalId)}`)).items;
    if (found.length > 0) return weft.pushed.unchanged(found[0].id);
    const body = {
      reference: order.externalId,
      email: order.email ?? null,
      currency: order.currency,
      lines: order.lines.map((l) => ({ sku: l.sku, qty: l.quantity, price: l.unitPrice.shop.amount })),
    };
    const resp = await api('POST', '/api/orders', body);
    if (resp.status === 422) {
      const err = resp.json();
      throw weft.invalid(err.field ?? 'order', err.error ?? 'rejected by the ERP');
    }
    return weft.pushed.created(resp.raiseForStatus().json().id);
  },
});
