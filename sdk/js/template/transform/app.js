// {{id}}: a weft transform in JavaScript (QuickJS engine by default).
//
// Build: plugins/build.sh OUT_DIR PARENT_DIR   (jco componentize; `weft-sdk` is sdk/js)
// Test:  weft plugins test OUT_DIR/{{id}} --spec {{id}}/weft-test.toml
import * as weft from 'weft-sdk';

export const transform = weft.transform({
  describe: () =>
    weft.pluginInfo('{{id}}', '0.1.0', 'Upper-cases SKUs and tags products', {
      entities: ['product'],
      configKeys: [['tag', false, 'tag added to every product']],
    }),
  // Return the output records for one input; `throw weft.invalid(...)` fails it alone.
  applyOne(record) {
    weft.mapSkus(record, (sku) => sku.trim().toUpperCase());
    if (record.tag === 'product') record.val.tags.push(weft.config.get('tag') ?? '{{id}}');
    return [record];
  },
});
