//! Price flows (`object = "price"`): ERP price records → variant price and compare-at price,
//! grouped per product into `productVariantsBulkUpdate` (records of a price list scope go to
//! [`super::lists`]). Channel override: with
//! `channel = "online"` and `[channels.online] price_list = "WEB"`, prices of ERP list WEB win
//! over the default list (records without a channel) for the SKUs that have one; records of
//! other lists are skipped.

use super::lists;
use crate::domain::mapping::{source_json, Mapping};
use crate::domain::ownership::Field;
use crate::flow::base::{
    block_on, dry_run, identity, in_shop_currency, limits, request_error, settled, write_error, Gate, ShopifyContext,
    Slots, Target, Written,
};
use crate::model::{KeyedRecord, PluginError, Price, PriceScope, Record};
use crate::shopify::products::{set_prices, variants_by_sku};
use crate::store::{JournalObject, StateTable};
use std::collections::BTreeMap;

/// One variant whose prices change.
struct Line {
    index: usize,
    variant: String,
    sku: String,
    is_override: bool,
    price: String,
    compare_at: Option<String>,
    before_price: String,
    before_compare_at: Option<String>,
}

impl Line {
    /// Journal the prices a shadow-mode flow would set.
    fn intend(&self, ctx: &ShopifyContext<'_>) {
        let values = serde_json::json!({"sku": self.sku, "price": self.price, "compare_at_price": self.compare_at});
        ctx.intend(
            JournalObject::VariantPrice,
            &self.sku,
            Some(&self.variant),
            values.as_object().cloned().unwrap_or_default(),
        );
    }

    /// Remember the prices a write replaced.
    fn undo(&self, ctx: &ShopifyContext<'_>) {
        use serde_json::json;
        let target = Target { object: JournalObject::VariantPrice, key: &self.sku, id: &self.variant, location: None };
        if self.before_price != self.price {
            ctx.undo(target, "price", json!(self.before_price), json!(self.price));
        }
        if self.before_compare_at != self.compare_at {
            ctx.undo(target, "compare_at_price", json!(self.before_compare_at), json!(self.compare_at));
        }
    }
}

/// Write price records; one outcome per record. Records of a market, B2B catalog or company
/// location go to that scope's price list ([`super::lists`]), the others to variant prices.
pub fn write(ctx: &ShopifyContext<'_>, records: &[KeyedRecord]) -> Vec<Result<Written, PluginError>> {
    let mut out: Slots = vec![None; records.len()];
    let other_scope = |k: &KeyedRecord| match &k.record {
        Record::Price(p) if !ctx.flow.writes_price_scope(&p.scope) => Some(format!(
            "{} is not one of flows.{}.price_scopes (another flow's or shop's price list)",
            super::reconcile::scope_name(&p.scope),
            ctx.flow_name
        )),
        _ => None,
    };
    let mine: Vec<usize> = (0..records.len())
        .filter(|&i| match other_scope(&records[i]) {
            Some(why) => {
                out[i] = Some(Ok(Written::Skipped(why)));
                false
            }
            None => true,
        })
        .collect();
    let listed = |k: &KeyedRecord| matches!(&k.record, Record::Price(p) if lists::is_list_scope(&p.scope));
    let (to_lists, to_variants): (Vec<usize>, Vec<usize>) = mine.into_iter().partition(|i| listed(&records[*i]));
    for (indices, results) in [
        (&to_lists, lists::write(ctx, &to_lists.iter().map(|i| &records[*i]).collect::<Vec<_>>())),
        (&to_variants, block_on(write_async(ctx, &to_variants.iter().map(|i| &records[*i]).collect::<Vec<_>>()))),
    ] {
        for (i, r) in indices.iter().zip(results) {
            out[*i] = Some(r);
        }
    }
    settled(out)
}

async fn write_async(ctx: &ShopifyContext<'_>, records: &[&KeyedRecord]) -> Vec<Result<Written, PluginError>> {
    if records.is_empty() {
        return Vec::new();
    }
    let mut out: Slots = vec![None; records.len()];
    let list = ctx.flow.channel.as_ref().and_then(|c| ctx.flow.channels.get(c)).and_then(|c| c.price_list.clone());
    let owners = ctx.flow.ownership();
    let overrides = Overrides(ctx);
    let skipped = |why: String| Ok(Written::Skipped(why));
    let mapping = match ctx.mapping() {
        Ok(m) => m,
        Err(e) => return records.iter().map(|_| Err(e.clone())).collect(),
    };
    let mut todo: Vec<(usize, Mapped, String, bool)> = Vec::new();
    for (i, keyed) in records.iter().enumerate() {
        let (p, sku) = match priced_sku(ctx, &keyed.record) {
            Ok(found) => found,
            Err(e) => {
                out[i] = Some(Err(e));
                continue;
            }
        };
        let mapped = match mapped(&mapping, p) {
            Ok(Ok(mapped)) => mapped,
            Ok(Err(why)) => {
                out[i] = Some(skipped(why));
                continue;
            }
            Err(e) => {
                out[i] = Some(Err(e));
                continue;
            }
        };
        let amounts = [Some(("price", &mapped.price)), mapped.compare_at.as_ref().map(|m| ("compare_at_price", m))];
        if let Some(Err(e)) = amounts
            .into_iter()
            .flatten()
            .map(|(f, amount)| limits::check_money(f, amount, &p.price.currency))
            .find(Result::is_err)
        {
            out[i] = Some(Err(e));
            continue;
        }
        let is_override = match (&p.scope, &list) {
            (PriceScope::Base, _) => false,
            (PriceScope::Channel(c), Some(l)) if c == l => true,
            (PriceScope::Channel(c), _) => {
                out[i] = Some(skipped(format!("price list {c} does not feed this flow")));
                continue;
            }
            (PriceScope::Market(s) | PriceScope::Catalog(s) | PriceScope::CompanyLocation(s), _) => {
                out[i] =
                    Some(Err(PluginError::Permanent(format!("{s}: a price list scope reached the variant writer"))));
                continue;
            }
        };
        if !ctx.flow.base_price {
            out[i] = Some(skipped(format!(
                "the base price of {sku} comes from another flow (base_price = false: this flow writes price lists only)"
            )));
            continue;
        }
        if !is_override && overrides.has(&sku) {
            out[i] = Some(skipped(format!("{sku} is priced by list {}", list.clone().unwrap_or_default())));
            continue;
        }
        if !owners.erp_may_write(Field::Price, ctx.flow_name, &sku) {
            out[i] = Some(skipped("price is owned by Shopify".into()));
            continue;
        }
        if let Err(e) = in_shop_currency(ctx, std::iter::once(&p.price).chain(&p.compare_at_price), "price").await {
            out[i] = Some(Err(e));
            continue;
        }
        todo.push((i, mapped, sku, is_override));
    }
    let skus: Vec<String> = todo.iter().map(|(_, _, s, _)| s.clone()).collect();
    let found = match variants_by_sku(ctx.client, &skus).await {
        Ok(f) => f,
        Err(e) => {
            for (i, ..) in &todo {
                out[*i] = Some(Err(request_error(&e)));
            }
            return settled(out);
        }
    };
    let send_cmp = owners.erp_may_write(Field::CompareAtPrice, ctx.flow_name, "");
    let mut by_product: BTreeMap<String, Vec<Line>> = BTreeMap::new();
    for (i, p, sku, is_override) in todo {
        let Some(v) = found.iter().find(|v| v.sku == sku) else {
            out[i] = Some(Err(PluginError::Retryable(format!(
                "no Shopify variant with SKU {sku:?} yet (the catalog flow creates it)"
            ))));
            continue;
        };
        let cmp = if send_cmp { p.compare_at.clone() } else { v.compare_at_price.clone() };
        if v.price == p.price && v.compare_at_price == cmp {
            out[i] = Some(Ok(Written::Unchanged(Some(v.id.clone()))));
            if is_override {
                overrides.remember(&sku);
            }
            continue;
        }
        by_product.entry(v.product_id.clone()).or_default().push(Line {
            index: i,
            variant: v.id.clone(),
            sku,
            is_override,
            price: p.price.clone(),
            compare_at: cmp,
            before_price: v.price.clone(),
            before_compare_at: v.compare_at_price.clone(),
        });
    }
    for (product, lines) in by_product {
        let prices: Vec<(String, String, Option<String>)> =
            lines.iter().map(|l| (l.variant.clone(), l.price.clone(), l.compare_at.clone())).collect();
        let gate = ctx.gate();
        let result = match gate {
            Gate::DryRun => {
                dry_run::print(ctx.flow_name, "productVariantsBulkUpdate", &format!("{product}: {prices:?}"));
                Ok(())
            }
            Gate::Shadow => {
                lines.iter().for_each(|l| l.intend(ctx));
                Ok(())
            }
            Gate::Write => set_prices(ctx.client, &product, &prices).await,
        };
        for l in lines {
            out[l.index] = Some(match (&result, gate) {
                (Ok(()), Gate::Write) => {
                    l.undo(ctx);
                    if l.is_override {
                        overrides.remember(&l.sku);
                    }
                    Ok(Written::Updated(l.variant))
                }
                (Ok(()), Gate::DryRun | Gate::Shadow) => Ok(Written::Shadowed),
                (Err(e), _) => Err(write_error(e, "price")),
            });
        }
    }
    settled(out)
}

/// The prices a record sets, after the flow's mapping.
pub(super) struct Mapped {
    /// The price.
    pub(super) price: String,
    /// The compare-at price (none: cleared).
    pub(super) compare_at: Option<String>,
}

/// The price and compare-at price `p` sets once the flow's mapping (`price`, `compareAtPrice`,
/// its rules and `skip_if`) is applied; `Ok(Err(why))` when the mapping skips it.
pub(super) fn mapped(mapping: &Mapping, p: &Price) -> Result<Result<Mapped, String>, PluginError> {
    let mut input =
        serde_json::json!({"price": p.price.amount, "compareAtPrice": p.compare_at_price.as_ref().map(|m| &m.amount)});
    let source = source_json(&serde_json::to_value(p).unwrap_or_default(), &[]);
    let applied = mapping.apply(&source, &mut input).map_err(|e| PluginError::invalid("mapping", e))?;
    if let Some(why) = applied.skipped {
        return Ok(Err(why));
    }
    let price = input["price"]
        .as_str()
        .ok_or_else(|| PluginError::invalid("price", "the mapping leaves the variant without a price"))?
        .to_owned();
    Ok(Ok(Mapped { price, compare_at: input["compareAtPrice"].as_str().map(str::to_owned) }))
}

/// A price record and its SKU, claimed by one ERP product only; else the record's error.
pub(super) fn priced_sku<'r>(ctx: &ShopifyContext<'_>, record: &'r Record) -> Result<(&'r Price, String), PluginError> {
    let Record::Price(p) = record else {
        return Err(PluginError::invalid("record", "a price flow takes price records"));
    };
    let Some(sku) = p.sku.clone().filter(|s| !s.trim().is_empty()) else {
        return Err(PluginError::invalid("sku", format!("price {} has no SKU", p.external_id)));
    };
    identity::check(ctx.store, "sku", &sku)?;
    Ok((p, sku))
}

/// The SKUs this flow priced from the channel's list: a default-list price never replaces them.
struct Overrides<'a>(&'a ShopifyContext<'a>);

impl Overrides<'_> {
    fn key(&self, sku: &str) -> String {
        format!("{}\u{1f}{sku}", self.0.flow_name)
    }

    fn has(&self, sku: &str) -> bool {
        self.0.store.state_get(StateTable::PriceOverrides, &self.key(sku)).ok().flatten().is_some()
    }

    fn remember(&self, sku: &str) {
        if let Err(e) = self.0.store.state_write(StateTable::PriceOverrides, &[(self.key(sku), Some(b"1".to_vec()))]) {
            tracing::warn!(flow = self.0.flow_name, sku, "price override not remembered: {e}");
        }
    }
}
