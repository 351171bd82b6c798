// {{id}}: a weft connector in JavaScript (StarlingMonkey engine: see the `js-engine` file) for an
// HTTP/JSON API.
//
// It pulls products from `GET {base_url}/products?limit=N&after=ID`, which answers
// `{"items": [{"id", "sku", "name"}], "next": ID | null}`, with a bearer token.
//
// Build: plugins/build.sh OUT_DIR PARENT_DIR   (jco componentize; 'weft-sdk' and 'weft-connector' are sdk/js)
// Test:  weft plugins test OUT_DIR/{{id}}      (the conformance suite against weft-test.toml's canned HTTP)
import * as weft from 'weft-sdk';
import { defineConnector, http, paged, secrets } from 'weft-connector';

async function get(path) {
  const base = weft.config.require('base_url').replace(/\/+$/, '');
  const headers = { authorization: `Bearer ${secrets.require('token')}` };
  return (await http.request('GET', base + path, { headers })).raiseForStatus().json();
}

// The canonical record of one API item: required fields as arguments, the rest by name.
const product = (item) =>
  weft.product(item.id, item.name, { sku: item.sku ?? undefined, variants: [weft.variant(item.id, { sku: item.sku ?? undefined })] });

export const connector = defineConnector({
  describe: () =>
    weft.pluginInfo('{{id}}', '0.1.0', 'Pulls products from an HTTP/JSON API', {
      entities: [{ entity: 'product', direction: 'pull' }],
      configKeys: [['base_url', true, 'the API root']],
      secrets: ['token'],
    }),
  async check() {
    await get('/products?limit=1');
  },
  pull(entity, cursor, limit) {
    if (entity !== 'product') throw weft.permanent('only products can be pulled');
    // The API pages by its own `after` token: paged() fills weft pages of at most `limit` from
    // its pages and keeps where it stands in the cursor.
    return paged(cursor, limit, async (after) => {
      const data = await get(`/products?limit=${limit}` + (after ? `&after=${http.encode(after)}` : ''));
      return [data.items.map(product), data.next ?? undefined];
    });
  },
});
