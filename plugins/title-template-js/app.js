// title-template-js: rewrites product titles and tags from templates.
//
// Config:
// - `title`: a template such as "{vendor} {title} ({product_type|lower})". Placeholders name
//   product fields (title, vendor, product_type, sku, status, external_id) or `option:NAME`
//   (the first variant's value of option NAME); filters after `|`: lower, upper, slug, trim.
//   Missing values are empty; runs of spaces and empty brackets "()" are collapsed.
// - `add_tags`: list of templates; empty results are skipped, duplicates kept once.
// - `remove_tags`: list of tags removed (compared case-insensitively).
// A template with an unknown placeholder or filter fails the record (invalid-input).
import * as weft from 'weft-sdk';

const FIELDS = ['title', 'vendor', 'product_type', 'sku', 'status', 'external_id'];
const camel = { product_type: 'productType', external_id: 'externalId' };

const FILTERS = {
  lower: (s) => s.toLowerCase(),
  upper: (s) => s.toUpperCase(),
  trim: (s) => s.trim(),
  slug: (s) =>
    s
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, ''),
};

function value(product, name, key) {
  if (name.startsWith('option:')) {
    const index = product.options.indexOf(name.slice(7));
    const variant = product.variants[0];
    return index >= 0 && variant ? variant.optionValues[index] ?? '' : '';
  }
  if (!FIELDS.includes(name)) throw weft.invalid(key, `unknown placeholder {${name}}`);
  const v = product[camel[name] ?? name];
  return v === undefined || v === null ? '' : String(v);
}

function render(template, product, key) {
  const text = template.replace(/\{([^{}|]+)((?:\|[a-z]+)*)\}/g, (_, name, filters) => {
    let out = value(product, name.trim(), key);
    for (const f of filters.split('|').filter(Boolean)) {
      if (!FILTERS[f]) throw weft.invalid(key, `unknown filter |${f}`);
      out = FILTERS[f](out);
    }
    return out;
  });
  return text.replace(/\(\s*\)|\[\s*\]/g, '').replace(/\s+/g, ' ').trim();
}

let settings;
function config() {
  if (settings === undefined) {
    settings = {
      title: weft.config.get('title'),
      addTags: weft.config.json('add_tags', []),
      removeTags: new Set(weft.config.json('remove_tags', []).map((t) => String(t).toLowerCase())),
    };
  }
  return settings;
}

export const transform = weft.transform({
  describe: () =>
    weft.pluginInfo('title-template-js', '0.1.0', 'Rewrites product titles and tags from templates', {
      entities: ['product'],
      configKeys: [
        ['title', false, 'title template, e.g. "{vendor} {title}"'],
        ['add_tags', false, 'list of tag templates to add'],
        ['remove_tags', false, 'list of tags to remove'],
      ],
    }),
  applyOne(record) {
    if (record.tag !== 'product') return [record];
    const { title, addTags, removeTags } = config();
    const p = record.val;
    const original = { ...p };
    if (title) {
      const rendered = render(title, original, 'title');
      if (rendered.length === 0) throw weft.invalid('title', 'the title template renders an empty title');
      p.title = rendered;
    }
    const tags = p.tags.filter((t) => !removeTags.has(t.toLowerCase()));
    for (const [i, template] of addTags.entries()) {
      const tag = render(String(template), original, `add_tags[${i}]`);
      if (tag && !tags.includes(tag)) tags.push(tag);
    }
    p.tags = tags;
    weft.log.debug('templated', { product: p.externalId, tags: tags.length });
    return [record];
  },
});
