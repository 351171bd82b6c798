//! Price reconciliation: the ERP's price records, read from scratch one page at a time, against
//! what Shopify holds — the variant's price and compare-at price for the records a flow that
//! writes the base price sends there (the base list, or the flow's channel list where it
//! overrides), and the fixed price, compare-at price, quantity breaks and rule of the price list
//! of a market, B2B catalog or company location for scoped records. The writer's own decisions
//! apply (mapping, ownership, overrides, `base_price`); a record the writer refuses (no SKU, a
//! scope without a price list, a currency the list does not use) is rejected, not drift: it is a
//! dead letter already. Memory holds one page and the drift found.

use super::list_state::{desired, ListPrice};
use super::lists::{self, is_list_scope};
use super::write::mapped;
use crate::config::FlowConfig;
use crate::domain::mapping::Mapping;
use crate::domain::ownership::Field;
use crate::flow::base::idempotency_key;
use crate::flow::base::{RecordWork, Work};
use crate::model::{Price, PriceScope, Record};
use crate::shopify::price_lists::{self, Held, ListRef, Targets};
use crate::shopify::products::variants_by_sku;
use crate::shopify::ShopifyClient;
use crate::store::{NewJob, PriceDrift, StateTable, Store};
use rust_decimal::Decimal;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::str::FromStr;

/// What a flow's reconciliation needs besides the records: read once per reconciliation.
pub struct Setup<'a> {
    /// The flow.
    pub name: &'a str,
    /// Its config.
    pub flow: &'a FlowConfig,
    /// Its mapping (the base price's).
    pub mapping: Mapping,
    /// The shop's catalogs and price lists.
    pub targets: Targets,
}

/// What one page compared.
#[derive(Debug, Default)]
pub struct Compared {
    /// Records compared with Shopify.
    pub compared: usize,
    /// Records the writer would refuse.
    pub rejected: usize,
    /// Records whose Shopify side differs.
    pub drift: Vec<PriceDrift>,
    /// Their positions in the page (what `--heal` sends again).
    pub to_heal: Vec<usize>,
}

/// One record to compare: where the price goes and what it asks for.
struct Wanted {
    at: usize,
    sku: String,
    scope: String,
    list: Option<(ListRef, bool)>,
    want: ListPrice,
}

/// The scope as the report names it.
pub(super) fn scope_name(scope: &PriceScope) -> String {
    match scope {
        PriceScope::Base => "base".into(),
        PriceScope::Channel(c) => format!("channel list {c}"),
        PriceScope::Market(m) => format!("market {m}"),
        PriceScope::Catalog(c) => format!("catalog {c}"),
        PriceScope::CompanyLocation(l) => format!("company location {l}"),
    }
}

/// Whether the flow priced `sku` from its channel's list (a base record then does not count).
fn overridden(store: &Store, flow: &str, sku: &str) -> bool {
    store.state_get(StateTable::PriceOverrides, &format!("{flow}\u{1f}{sku}")).ok().flatten().is_some()
}

/// What the variant's own price should be per `p`, or `None` when this flow does not set it.
fn base_wanted(setup: &Setup<'_>, store: &Store, p: &Price, sku: &str) -> Result<Option<ListPrice>, ()> {
    let flow = setup.flow;
    if !flow.base_price {
        return Ok(None);
    }
    let list = flow.channel.as_ref().and_then(|c| flow.channels.get(c)).and_then(|c| c.price_list.clone());
    match &p.scope {
        PriceScope::Channel(c) if list.as_deref() != Some(c.as_str()) => return Ok(None),
        PriceScope::Base if list.is_some() && overridden(store, setup.name, sku) => return Ok(None),
        _ => {}
    }
    let owners = flow.ownership();
    if !owners.erp_may_write(Field::Price, setup.name, sku) {
        return Ok(None);
    }
    match mapped(&setup.mapping, p) {
        Ok(Ok(m)) => {
            let compare_at =
                if owners.erp_may_write(Field::CompareAtPrice, setup.name, "") { m.compare_at } else { None };
            Ok(Some(ListPrice { price: m.price, compare_at, breaks: Vec::new(), rule: None }))
        }
        Ok(Err(_skipped)) => Ok(None),
        Err(_) => Err(()),
    }
}

/// Two amounts are the same number.
fn same(a: &str, b: &str) -> bool {
    match (Decimal::from_str(a.trim()), Decimal::from_str(b.trim())) {
        (Ok(x), Ok(y)) => x == y,
        _ => a.trim() == b.trim(),
    }
}

/// Compare one page of the ERP's price records (after the flow's transforms) with Shopify.
pub async fn compare_page(
    client: &ShopifyClient,
    store: &Store,
    setup: &Setup<'_>,
    records: &[Record],
) -> Result<Compared, String> {
    let mut out = Compared::default();
    let mut wanted = Vec::new();
    for (at, record) in records.iter().enumerate() {
        let Record::Price(p) = record else {
            out.rejected += 1;
            continue;
        };
        let Some(sku) = p.sku.clone().filter(|s| !s.trim().is_empty()) else {
            out.rejected += 1;
            continue;
        };
        if !setup.flow.writes_price_scope(&p.scope) {
            continue;
        }
        if is_list_scope(&p.scope) {
            let Ok(list) = lists::resolve(&setup.targets, &p.scope) else {
                out.rejected += 1;
                continue;
            };
            let b2b = matches!(p.scope, PriceScope::CompanyLocation(_))
                || setup.targets.company_locations.values().any(|l| l.id == list.id);
            if lists::check(p, &list, b2b).is_err() {
                out.rejected += 1;
                continue;
            }
            wanted.push(Wanted { at, sku, scope: scope_name(&p.scope), list: Some((list, b2b)), want: desired(p) });
            continue;
        }
        match base_wanted(setup, store, p, &sku) {
            Ok(Some(want)) => wanted.push(Wanted { at, sku, scope: scope_name(&p.scope), list: None, want }),
            Ok(None) => {}
            Err(()) => out.rejected += 1,
        }
    }
    if wanted.is_empty() {
        return Ok(out);
    }
    let mut skus: Vec<String> = wanted.iter().map(|w| w.sku.clone()).collect();
    skus.sort();
    skus.dedup();
    let variants = variants_by_sku(client, &skus).await.map_err(|e| format!("Shopify: {e}"))?;
    let variant_of: BTreeMap<&str, &crate::shopify::products::VariantPrice> =
        variants.iter().map(|v| (v.sku.as_str(), v)).collect();
    // What each list holds for the page's variants, a list at a time.
    let mut per_list: BTreeMap<String, (bool, Vec<String>)> = BTreeMap::new();
    for w in &wanted {
        if let (Some((list, b2b)), Some(v)) = (&w.list, variant_of.get(w.sku.as_str())) {
            let entry = per_list.entry(list.id.clone()).or_default();
            entry.0 |= *b2b;
            entry.1.push(v.id.clone());
        }
    }
    let mut held: BTreeMap<(String, String), Held> = BTreeMap::new();
    for (list, (b2b, variants)) in per_list {
        let found = price_lists::held(client, &list, &variants, b2b).await.map_err(|e| format!("Shopify: {e}"))?;
        for v in variants {
            let h = found.get(&v).cloned().unwrap_or_default();
            held.insert((list.clone(), v), h);
        }
    }
    for w in wanted {
        out.compared += 1;
        let variant = variant_of.get(w.sku.as_str());
        let (matches, shopify) = match (&w.list, variant) {
            (_, None) => (false, Value::Null),
            (None, Some(v)) => {
                let compare_at_ok = match (&w.want.compare_at, &v.compare_at_price) {
                    (Some(a), Some(b)) => same(a, b),
                    (None, None) => true,
                    _ => false,
                };
                let shopify = json!({"price": v.price, "compare_at_price": v.compare_at_price});
                (same(&w.want.price, &v.price) && compare_at_ok, shopify)
            }
            (Some((list, b2b)), Some(v)) => {
                let h = held.get(&(list.id.clone(), v.id.clone())).cloned().unwrap_or_default();
                (w.want.matches(&h, *b2b), ListPrice::held_json(&h))
            }
        };
        if matches {
            continue;
        }
        let erp = match &w.list {
            Some(_) => w.want.to_json(),
            None => json!({"price": w.want.price, "compare_at_price": w.want.compare_at}),
        };
        out.drift.push(PriceDrift { sku: w.sku, scope: w.scope, price_list: w.list.map(|(l, _)| l.id), erp, shopify });
        out.to_heal.push(w.at);
    }
    Ok(out)
}

/// The corrections of drifted price records (`(as the source sent it, after the transforms)`):
/// their ledger entries forgotten (the flow would find them done), then one job each carrying
/// the source's record, which the flow's writer compares with Shopify again and writes.
pub fn corrections(store: &Store, name: &str, records: &[(Record, Record)]) -> Result<Vec<NewJob>, String> {
    let keys: Vec<String> = records.iter().map(|(_, t)| idempotency_key(name, t)).collect();
    store.forget_writes(&keys).map_err(|e| e.to_string())?;
    records
        .iter()
        .map(|(raw, _)| {
            Ok(NewJob {
                flow: name.to_owned(),
                trigger: "heal".into(),
                key: raw.external_id().to_owned(),
                payload: Work::Record(RecordWork::of(raw.clone())).payload().map_err(|e| e.message)?,
                dedupe_id: None,
            })
        })
        .collect()
}
