//! A catalog write through the gate ([`Gate`]): printed in a dry run, journalled in shadow
//! mode, or made — after reading the fields it replaces, kept in the undo log (product fields
//! under the product, variant prices under each variant).

use crate::flow::base::{dry_run, write_error, Gate, ShopifyContext, Target};
use crate::model::PluginError;
use crate::shopify::products::{product_set_json, ProductKey, ProductRef, StoredProduct};
use crate::store::JournalObject;
use serde_json::{json, Map, Value as Json};

/// What became of a product write.
pub enum Set {
    /// Made: the product as Shopify returned it.
    Made(ProductRef),
    /// Printed (dry run) or journalled (shadow mode) instead.
    Withheld,
}

/// The fields a `productSet` input sets, keyed like [`product_fields`] reads them.
pub fn intended(input: &Json) -> Map<String, Json> {
    let mut out = Map::new();
    for key in ["title", "descriptionHtml", "vendor", "productType", "status", "tags"] {
        if let Some(v) = input.get(key) {
            out.insert(key.to_owned(), v.clone());
        }
    }
    for v in input["variants"].as_array().into_iter().flatten() {
        if let (Some(sku), Some(price)) = (v["sku"].as_str(), v.get("price")) {
            out.insert(format!("price[{sku}]"), price.clone());
        }
    }
    out
}

/// Set `input` on the product `key` names unless the gate says otherwise. `before` is the
/// product as read just before (`None`: it is created now): the fields the write replaces are
/// recorded from it; a product created is recorded as such, for a person to decide on. Undo
/// entries and intents are keyed by the product's handle (people look it up by that).
pub async fn set_product(
    ctx: &ShopifyContext<'_>,
    key: ProductKey<'_>,
    input: Json,
    before: Option<&StoredProduct>,
) -> Result<Set, PluginError> {
    let (label, id) = match key {
        ProductKey::Id(id) => (before.map_or(id, |p| p.handle.as_str()), Some(id)),
        ProductKey::Handle(handle) => (handle, None),
    };
    match ctx.gate() {
        Gate::DryRun => {
            dry_run::print(ctx.flow_name, "productSet", &format!("{label}: {input}"));
            return Ok(Set::Withheld);
        }
        Gate::Shadow => {
            ctx.intend(JournalObject::Product, label, id, intended(&input));
            return Ok(Set::Withheld);
        }
        Gate::Write => {}
    }
    let want = intended(&input);
    let set = product_set_json(ctx.client, key, input).await.map_err(|e| write_error(&e, "product"))?;
    undo(ctx, label, &want, before, &set);
    Ok(Set::Made(set))
}

/// Keep in the undo log what a made write (`want`, as [`intended`] lists it) replaced of the
/// product as it was `before` (`None`: the write created `set`), under its handle (`label` when
/// Shopify reported none).
pub fn undo(
    ctx: &ShopifyContext<'_>,
    label: &str,
    want: &Map<String, Json>,
    before: Option<&StoredProduct>,
    set: &ProductRef,
) {
    let label = if set.handle.is_empty() { label } else { set.handle.as_str() };
    let Some(before) = before.map(|p| &p.fields) else {
        ctx.undo(
            Target { object: JournalObject::Product, key: label, id: &set.id, location: None },
            "created",
            Json::Null,
            json!(true),
        );
        return;
    };
    for (field, after) in want {
        let old = before.get(field).cloned().unwrap_or(Json::Null);
        if &old == after {
            continue;
        }
        match field.strip_prefix("price[").and_then(|f| f.strip_suffix(']')) {
            Some(sku) => {
                if let Some(v) = set.variants.iter().find(|v| v.sku == sku) {
                    ctx.undo(
                        Target { object: JournalObject::VariantPrice, key: sku, id: &v.id, location: None },
                        "price",
                        old,
                        after.clone(),
                    );
                }
            }
            None => ctx.undo(
                Target { object: JournalObject::Product, key: label, id: &set.id, location: None },
                field,
                old,
                after.clone(),
            ),
        }
    }
}
