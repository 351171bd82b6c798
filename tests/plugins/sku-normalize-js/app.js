// sku-normalize in JavaScript: trims and upper-cases every SKU a record carries, then maps
// aliases. Same contract as the Rust plugins/sku-normalize (the equality test compares them).
import * as weft from 'weft-sdk';

const normalize = (sku) => sku.trim().toUpperCase();

let aliasMap;
function aliases() {
  if (aliasMap === undefined) {
    const raw = weft.config.json('aliases', {});
    aliasMap = new Map(Object.entries(raw).map(([k, v]) => [normalize(k), normalize(v)]));
  }
  return aliasMap;
}

function one(sku) {
  const normalized = normalize(sku);
  if (normalized.length === 0) throw weft.invalid('sku', 'SKU is empty after trimming');
  return aliases().get(normalized) ?? normalized;
}

export const transform = weft.transform({
  describe: () =>
    weft.pluginInfo('sku-normalize-js', '0.1.0', 'Trims, upper-cases and de-aliases SKUs', {
      entities: ['product', 'inventory-level', 'order', 'price', 'fulfillment'],
      configKeys: [['aliases', false, 'table mapping an alias SKU to the real SKU']],
    }),
  applyOne(record) {
    aliases();
    return [weft.mapSkus(record, one)];
  },
});
