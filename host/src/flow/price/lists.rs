//! Prices of markets, B2B catalogs and company locations: each scoped price record goes to the
//! price list of its scope's catalog as a fixed price, with its quantity price breaks and (B2B)
//! quantity rule. The scope is resolved once per run from every catalog (paged, cached by run);
//! a price in another currency than its list's is a per-record error naming both. Records whose
//! list already holds what they carry are unchanged without a write; the rest go out in batches
//! of at most 250: `priceListFixedPricesAdd` for plain prices, `quantityPricingByVariantUpdate`
//! where breaks or rules are involved (a variant Shopify refuses there fails alone).

use super::list_state::{desired, ListPrice};
use super::write::priced_sku;
use crate::flow::base::{
    block_on, dry_run, limits, request_error, settled, write_error, Gate, ShopifyContext, Slots, Target, Written,
};
use crate::model::{KeyedRecord, Money, PluginError, Price, PriceScope};
use crate::shopify::price_lists::{self, FixedPrice, Held, ListRef, QuantityPricing, Targets, MAX_PER_CALL};
use crate::shopify::products::variants_by_sku;
use crate::shopify::ShopifyClient;
use crate::store::JournalObject;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// Whether a record's scope is a Shopify price list's (not the variant's own price).
pub fn is_list_scope(scope: &PriceScope) -> bool {
    matches!(scope, PriceScope::Market(_) | PriceScope::Catalog(_) | PriceScope::CompanyLocation(_))
}

/// The catalogs read for one run of one shop: (endpoint, run id, targets).
type Cached = (String, u64, Arc<Targets>);
static TARGETS: Mutex<Option<Cached>> = Mutex::new(None);

/// The shop's catalogs and price lists, read once per run (run 0, outside a run: every call).
pub async fn targets(client: &ShopifyClient, run_id: u64, fresh: bool) -> Result<Arc<Targets>, PluginError> {
    let endpoint = client.config().endpoint.clone();
    if run_id != 0 && !fresh {
        let cached = TARGETS.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, _, t)) = cached.as_ref().filter(|(e, r, _)| *e == endpoint && *r == run_id) {
            return Ok(t.clone());
        }
    }
    let read = Arc::new(price_lists::targets(client).await.map_err(|e| request_error(&e))?);
    *TARGETS.lock().unwrap_or_else(|e| e.into_inner()) = Some((endpoint, run_id, read.clone()));
    Ok(read)
}

/// The price list a scope uses, or why there is none.
pub fn resolve(targets: &Targets, scope: &PriceScope) -> Result<ListRef, String> {
    let (map, what, name) = match scope {
        PriceScope::Market(m) => (&targets.markets, "market", m),
        PriceScope::Catalog(c) => (&targets.catalogs, "catalog", c),
        PriceScope::CompanyLocation(l) => (&targets.company_locations, "company location", l),
        PriceScope::Base | PriceScope::Channel(_) => return Err("not a price list scope".into()),
    };
    map.get(name).cloned().ok_or_else(|| {
        if matches!(scope, PriceScope::Catalog(_)) && targets.without_list.contains(name) {
            format!("catalog `{name}` has no price list in Shopify")
        } else {
            format!("{what} `{name}` has no active catalog with a price list in Shopify")
        }
    })
}

/// Every amount of a price (price, compare-at, breaks) with its field name.
fn amounts(p: &Price) -> Vec<(String, &Money)> {
    let mut out = vec![("price".to_owned(), &p.price)];
    out.extend(p.compare_at_price.as_ref().map(|m| ("compare_at_price".to_owned(), m)));
    out.extend(p.quantity_breaks.iter().enumerate().map(|(i, b)| (format!("quantity_breaks[{i}].price"), &b.price)));
    out
}

/// Checks a record against its list: currencies, amounts, breaks and rule.
pub fn check(p: &Price, list: &ListRef, b2b: bool) -> Result<(), PluginError> {
    for (field, m) in amounts(p) {
        if !m.currency.eq_ignore_ascii_case(&list.currency) {
            return Err(PluginError::invalid(
                &field,
                format!(
                    "{} {} is not in the currency of price list {} (catalog `{}`), which is {}",
                    m.amount, m.currency, list.id, list.catalog, list.currency
                ),
            ));
        }
        limits::check_money(&field, &m.amount, &list.currency)?;
    }
    let mut minimums: Vec<u32> = p.quantity_breaks.iter().map(|b| b.minimum).collect();
    minimums.sort_unstable();
    if minimums.iter().any(|m| *m < 2) || minimums.windows(2).any(|w| w[0] == w[1]) {
        return Err(PluginError::invalid(
            "quantity_breaks",
            format!("quantity breaks need distinct minimums of 2 or more, got {minimums:?}"),
        ));
    }
    if let Some(r) = &p.quantity_rule {
        if !b2b {
            return Err(PluginError::invalid(
                "quantity_rule",
                format!("quantity rules apply to B2B catalogs only; catalog `{}` is a market's", list.catalog),
            ));
        }
        let max = r.maximum.unwrap_or(r.minimum.max(r.increment));
        let bad = r.minimum < 1
            || r.increment < 1
            || r.increment > r.minimum
            || r.minimum > max
            || r.minimum % r.increment != 0
            || max % r.increment != 0;
        if bad {
            return Err(PluginError::invalid(
                "quantity_rule",
                format!(
                    "minimum {} / maximum {:?} / increment {}: the minimum must be at least 1, a multiple of the \
                     increment and at most the maximum (a multiple of the increment too)",
                    r.minimum, r.maximum, r.increment
                ),
            ));
        }
        if let Some(b) = p
            .quantity_breaks
            .iter()
            .find(|b| b.minimum < r.minimum || r.maximum.is_some_and(|m| b.minimum > m) || b.minimum % r.increment != 0)
        {
            return Err(PluginError::invalid(
                "quantity_breaks",
                format!("the break from {} units does not fit the quantity rule", b.minimum),
            ));
        }
    }
    Ok(())
}

/// One record headed for a list.
struct Line<'a> {
    index: usize,
    sku: String,
    price: &'a Price,
    list: ListRef,
    b2b: bool,
}

/// The records headed for one list: the list, whether it is B2B, each record with its variant.
type ByList<'a> = (ListRef, bool, Vec<(Line<'a>, String)>);

/// What one record changes on its list.
struct Change {
    index: usize,
    sku: String,
    variant: String,
    before: Held,
    after: ListPrice,
}

impl Change {
    fn created(&self) -> bool {
        self.before.price.is_none()
    }

    fn needs_quantity_pricing(&self) -> bool {
        !self.after.breaks.is_empty()
            || !self.before.breaks.is_empty()
            || self.after.rule.is_some()
            || self.before.rule.is_some()
    }

    fn item(&self) -> QuantityPricing {
        QuantityPricing {
            price: self.after.fixed(&self.variant),
            breaks: self.after.breaks.clone(),
            rule: self.after.rule,
            had_rule: self.before.rule.is_some(),
            had_breaks: !self.before.breaks.is_empty(),
        }
    }
}

/// Write price records scoped to price lists; one outcome per record.
pub fn write(ctx: &ShopifyContext<'_>, records: &[&KeyedRecord]) -> Vec<Result<Written, PluginError>> {
    block_on(write_async(ctx, records))
}

async fn write_async(ctx: &ShopifyContext<'_>, records: &[&KeyedRecord]) -> Vec<Result<Written, PluginError>> {
    if records.is_empty() {
        return Vec::new();
    }
    let mut out: Slots = vec![None; records.len()];
    let mut targets_read = match targets(ctx.client, ctx.run_id, false).await {
        Ok(t) => t,
        Err(e) => return records.iter().map(|_| Err(e.clone())).collect(),
    };
    let mut fresh = ctx.run_id == 0;
    let mut lines: Vec<Line<'_>> = Vec::new();
    for (i, keyed) in records.iter().enumerate() {
        let (p, sku) = match priced_sku(ctx, &keyed.record) {
            Ok(found) => found,
            Err(e) => {
                out[i] = Some(Err(e));
                continue;
            }
        };
        let mut list = resolve(&targets_read, &p.scope);
        if list.is_err() && !fresh {
            // A catalog made since the run began: read once more.
            fresh = true;
            match targets(ctx.client, ctx.run_id, true).await {
                Ok(t) => targets_read = t,
                Err(e) => {
                    out[i] = Some(Err(e));
                    continue;
                }
            }
            list = resolve(&targets_read, &p.scope);
        }
        let list = match list {
            Ok(l) => l,
            Err(why) => {
                out[i] = Some(Err(PluginError::invalid("scope", why)));
                continue;
            }
        };
        let b2b = matches!(p.scope, PriceScope::CompanyLocation(_))
            || targets_read.company_locations.values().any(|l| l.id == list.id);
        if let Err(e) = check(p, &list, b2b) {
            out[i] = Some(Err(e));
            continue;
        }
        // A later record of the same SKU and list in this batch wins.
        if let Some(prev) = lines.iter().position(|l| l.sku == sku && l.list.id == list.id) {
            let earlier = lines.remove(prev);
            out[earlier.index] =
                Some(Ok(Written::Skipped(format!("a later record of this batch prices {sku} on the same list"))));
        }
        lines.push(Line { index: i, sku, price: p, list, b2b });
    }
    let skus: Vec<String> = lines.iter().map(|l| l.sku.clone()).collect();
    let found = match variants_by_sku(ctx.client, &skus).await {
        Ok(f) => f,
        Err(e) => {
            for l in &lines {
                out[l.index] = Some(Err(request_error(&e)));
            }
            return settled(out);
        }
    };
    let mut by_list: BTreeMap<String, ByList<'_>> = BTreeMap::new();
    for l in lines {
        let Some(v) = found.iter().find(|v| v.sku == l.sku) else {
            out[l.index] = Some(Err(PluginError::Retryable(format!(
                "no Shopify variant with SKU {:?} yet (the catalog flow creates it)",
                l.sku
            ))));
            continue;
        };
        let entry = by_list.entry(l.list.id.clone()).or_insert_with(|| (l.list.clone(), false, Vec::new()));
        entry.1 |= l.b2b;
        entry.2.push((l, v.id.clone()));
    }
    for (_, (list, b2b, lines)) in by_list {
        let variants: Vec<String> = lines.iter().map(|(_, v)| v.clone()).collect();
        let held = match price_lists::held(ctx.client, &list.id, &variants, b2b).await {
            Ok(h) => h,
            Err(e) => {
                for (l, _) in &lines {
                    out[l.index] = Some(Err(request_error(&e)));
                }
                continue;
            }
        };
        let mut changes = Vec::new();
        for (l, variant) in lines {
            let before = held.get(&variant).cloned().unwrap_or_default();
            let after = desired(l.price);
            if after.matches(&before, b2b) {
                out[l.index] = Some(Ok(Written::Unchanged(Some(variant))));
                continue;
            }
            changes.push(Change { index: l.index, sku: l.sku, variant, before, after });
        }
        apply(ctx, &list, changes, &mut out).await;
    }
    settled(out)
}

/// Make (or print, or journal) the changes of one list and settle their records.
async fn apply(ctx: &ShopifyContext<'_>, list: &ListRef, changes: Vec<Change>, out: &mut Slots) {
    let gate = ctx.gate();
    if gate != Gate::Write {
        for c in &changes {
            match gate {
                Gate::DryRun => dry_run::print(
                    ctx.flow_name,
                    if c.needs_quantity_pricing() {
                        "quantityPricingByVariantUpdate"
                    } else {
                        "priceListFixedPricesAdd"
                    },
                    &format!("{} {}: {}", list.id, c.sku, c.after.to_json()),
                ),
                _ => {
                    let mut values = c.after.to_json().as_object().cloned().unwrap_or_default();
                    values.insert("sku".into(), serde_json::json!(c.sku));
                    values.insert("price_list".into(), serde_json::json!(list.id));
                    ctx.intend(JournalObject::ListPrice, &format!("{}@{}", c.sku, list.id), Some(&c.variant), values);
                }
            }
            out[c.index] = Some(Ok(Written::Shadowed));
        }
        return;
    }
    let (quantity, plain): (Vec<Change>, Vec<Change>) = changes.into_iter().partition(Change::needs_quantity_pricing);
    for chunk in plain.chunks(MAX_PER_CALL) {
        let prices: Vec<FixedPrice> = chunk.iter().map(|c| c.after.fixed(&c.variant)).collect();
        let result = price_lists::add_fixed(ctx.client, &list.id, &list.currency, &prices).await;
        for c in chunk {
            out[c.index] = Some(match &result {
                Ok(()) => Ok(done(ctx, list, c)),
                Err(e) => Err(write_error(e, "price")),
            });
        }
    }
    let mut pending: Vec<&Change> = quantity.iter().collect();
    while !pending.is_empty() {
        // Chunks whose longest input list stays within Shopify's limit.
        let mut chunk = Vec::new();
        let mut weight = 0;
        while let Some(c) = pending.first() {
            let w = c.item().weight();
            if !chunk.is_empty() && weight + w > MAX_PER_CALL {
                break;
            }
            weight += w;
            chunk.push(pending.remove(0));
        }
        let items: Vec<QuantityPricing> = chunk.iter().map(|c| c.item()).collect();
        match price_lists::quantity_pricing(ctx.client, &list.id, &list.currency, &items).await {
            Ok(()) => {
                for c in chunk {
                    out[c.index] = Some(Ok(done(ctx, list, c)));
                }
            }
            // Shopify names the variant it refused: that record fails, the others go again.
            Err((Some(variant), e)) if chunk.len() > 1 => {
                for c in chunk {
                    if c.variant == variant {
                        out[c.index] = Some(Err(write_error(&e, "price")));
                    } else {
                        pending.push(c);
                    }
                }
            }
            Err((_, e)) => {
                for c in chunk {
                    out[c.index] = Some(Err(write_error(&e, "price")));
                }
            }
        }
    }
}

/// A change made: its undo entry, and its outcome.
fn done(ctx: &ShopifyContext<'_>, list: &ListRef, c: &Change) -> Written {
    let target = Target { object: JournalObject::ListPrice, key: &c.sku, id: &c.variant, location: Some(&list.id) };
    ctx.undo(target, "list_price", ListPrice::held_json(&c.before), c.after.to_json());
    if c.created() {
        Written::Created(c.variant.clone())
    } else {
        Written::Updated(c.variant.clone())
    }
}
