//! External orders (marketplace, phone, B2B) into Shopify with `orderCreate`, idempotent by
//! `sourceIdentifier` = `{from connection}:{external id}` (looked up before every create, see
//! `shopify::orders::create_order_once`). Every cent goes as the record has it: lines resolve to
//! variants by SKU with their prices, taxes and properties; shipping lines with their taxes; the
//! discounts as one fixed-amount code (Shopify takes one); addresses, note, attributes, PO
//! number, the company location; amounts in the shop's currency and the presentment currency.
//! Nothing is re-denominated: an amount in another currency than the order's is invalid input,
//! and a currency the shop does not take is Shopify's per-record refusal naming both. The order
//! fields the ERP owns (tags, note, custom attributes by default; `ownership.order_tags`, `note`,
//! `attributes`) follow the ERP on an order it sent before, with `orderUpdate`; those given to
//! Shopify are never sent. The flow's managed metafields are set on the order once it exists
//! (`metafieldsSet`, not `orderCreate`'s input: a refused value then fails the record without
//! keeping the order out of Shopify).

use super::totals::number;
use crate::config::flow::InventoryBehaviour;
use crate::config::metafields::MetafieldOwner;
use crate::config::ownership::field_targets;
use crate::config::ObjectKind;
use crate::domain::decimal::{self, Decimal};
use crate::domain::mapping::Mapping;
use crate::domain::ownership::{Field, Owner, Ownership};
use crate::flow::base::mapped::MappedInput;
use crate::flow::base::metafields;
use crate::flow::base::{block_on, identity, limits, request_error, write_error, ShopifyContext, Written};
use crate::model::{Address, Amount, FinancialStatus, KeyedRecord, Order, PluginError, Record, TaxLine};
use crate::shopify::orders::{create_order_once, update_order};
use crate::shopify::search::any_sku;
use crate::shopify::{queries, Priority};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Write external orders to Shopify; one outcome per record.
pub fn write(ctx: &ShopifyContext<'_>, records: &[KeyedRecord]) -> Vec<Result<Written, PluginError>> {
    let mapping = match ctx.mapping() {
        Ok(m) => m,
        Err(e) => return records.iter().map(|_| Err(e.clone())).collect(),
    };
    let mut out: Vec<Result<Written, PluginError>> = records
        .iter()
        .map(|keyed| match &keyed.record {
            Record::Order(o) => external_order(ctx, &mapping, o),
            _ => Err(PluginError::invalid("record", format!("flow {} writes only orders", ctx.flow_name))),
        })
        .collect();
    let values = records.iter().map(|keyed| match &keyed.record {
        Record::Order(o) => Some((o.external_id.as_str(), o.metafields.as_slice())),
        _ => None,
    });
    metafields::write_owners(ctx, MetafieldOwner::Order, values, &mut out);
    out
}

/// Variant ids by SKU, for the SKUs of `order`.
pub fn variants(ctx: &ShopifyContext<'_>, order: &Order) -> Result<BTreeMap<String, String>, PluginError> {
    let mut skus: Vec<&str> = order.lines.iter().filter_map(|l| l.sku.as_deref()).collect();
    skus.sort_unstable();
    skus.dedup();
    let mut found = BTreeMap::new();
    // A search takes a bounded number of alternatives: large orders are looked up in chunks.
    for chunk in skus.chunks(50) {
        let vars = json!({"query": any_sku(chunk), "first": 250});
        let data = block_on(ctx.client.execute(&queries::VARIANTS_BY_SKU, vars, Priority::Orders))
            .map_err(|e| request_error(&e))?
            .data;
        found.extend(
            data["productVariants"]["nodes"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|v| Some((v["sku"].as_str()?.to_owned(), v["id"].as_str()?.to_owned()))),
        );
    }
    Ok(found)
}

/// The canonical payment state as Shopify's `OrderCreateFinancialStatus`, with the transaction
/// that records the money where one applies.
fn payment(order: &Order) -> (&'static str, Option<(&'static str, &'static str)>) {
    match order.financial_status {
        FinancialStatus::Pending => ("PENDING", None),
        FinancialStatus::Authorized => ("AUTHORIZED", Some(("AUTHORIZATION", "SUCCESS"))),
        FinancialStatus::PartiallyPaid => ("PARTIALLY_PAID", None),
        FinancialStatus::Paid => ("PAID", Some(("SALE", "SUCCESS"))),
        FinancialStatus::PartiallyRefunded => ("PARTIALLY_REFUNDED", None),
        FinancialStatus::Refunded => ("REFUNDED", None),
        FinancialStatus::Voided => ("VOIDED", None),
    }
}

/// Checks the amounts of one order against its currencies, then builds Shopify's inputs.
struct Input<'a> {
    order: &'a Order,
}

impl Input<'_> {
    /// `amount` as a `MoneyBagInput`, after checking it is in the order's currencies.
    fn bag(&self, field: &str, amount: &Amount) -> Result<Value, PluginError> {
        let o = self.order;
        let check = |m: &crate::model::Money, want: &str, side: &str| -> Result<(), PluginError> {
            decimal::parse(&m.amount).map_err(|e| PluginError::invalid(field, e))?;
            if m.currency != want {
                return Err(PluginError::invalid(
                    field,
                    format!(
                        "{} {} is not in the order's {side} currency {want}; amounts are never converted",
                        m.amount, m.currency
                    ),
                ));
            }
            Ok(())
        };
        check(&amount.shop, &o.currency, "shop")?;
        let mut bag = json!({"shopMoney": {"amount": amount.shop.amount, "currencyCode": amount.shop.currency}});
        match (&amount.presentment, &o.presentment_currency) {
            (Some(p), Some(want)) => {
                check(p, want, "presentment")?;
                bag["presentmentMoney"] = json!({"amount": p.amount, "currencyCode": p.currency});
            }
            (None, None) => {}
            (Some(p), None) => {
                return Err(PluginError::invalid(
                    field,
                    format!(
                        "{} {} is a presentment amount but the order names no presentment currency",
                        p.amount, p.currency
                    ),
                ))
            }
            (None, Some(want)) => {
                return Err(PluginError::invalid(
                    field,
                    format!("the amount in the presentment currency {want} is missing"),
                ))
            }
        }
        Ok(bag)
    }

    fn taxes(&self, field: &str, lines: &[TaxLine]) -> Result<Vec<Value>, PluginError> {
        lines
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let at = format!("{field}.tax_lines[{i}]");
                decimal::parse(&t.rate).map_err(|e| PluginError::invalid(&format!("{at}.rate"), e))?;
                Ok(json!({"title": t.title, "rate": t.rate, "priceSet": self.bag(&format!("{at}.amount"), &t.amount)?}))
            })
            .collect()
    }

    /// The sum of allocations, as an amount in the order's currencies.
    fn allocated<'a>(&self, amounts: impl Iterator<Item = &'a Amount> + Clone) -> Amount {
        let o = self.order;
        let shop: Decimal = amounts.clone().map(|a| number(&a.shop)).sum();
        let presentment = o.presentment_currency.as_ref().map(|c| {
            let p: Decimal = amounts.filter_map(|a| a.presentment.as_ref()).map(number).sum();
            crate::model::Money::new(decimal::text(p), c.clone())
        });
        Amount { shop: crate::model::Money::new(decimal::text(shop), o.currency.clone()), presentment }
    }
}

fn address(a: &Address) -> Value {
    json!({
        "firstName": a.first_name, "lastName": a.last_name, "company": a.company, "address1": a.address1, "address2": a.address2,
        "city": a.city, "provinceCode": a.province_code, "countryCode": a.country_code, "zip": a.zip, "phone": a.phone,
    })
}

fn pairs(items: &[(String, String)], name: &str) -> Vec<Value> {
    items.iter().map(|(k, v)| json!({name: k, "value": v})).collect()
}

/// The `OrderCreateOrderInput` for `order`, lines resolved through `variants`.
pub fn order_input(order: &Order, variants: &BTreeMap<String, String>) -> Result<Value, PluginError> {
    let input = Input { order };
    let line_taxes = order.lines.iter().any(|l| !l.tax_lines.is_empty());
    let mut lines = Vec::new();
    for (i, line) in order.lines.iter().enumerate() {
        let at = format!("lines[{i}]");
        let sku = line
            .sku
            .as_deref()
            .ok_or_else(|| PluginError::invalid(&format!("{at}.sku"), "an external order line needs a SKU"))?;
        let variant = variants.get(sku).ok_or_else(|| {
            PluginError::invalid(&format!("{at}.sku"), format!("no variant with SKU `{sku}` in Shopify"))
        })?;
        if line.quantity == 0 {
            return Err(PluginError::invalid(&format!("{at}.quantity"), "quantity must be at least 1"));
        }
        let mut item = json!({
            "variantId": variant, "quantity": line.quantity, "priceSet": input.bag(&format!("{at}.unit_price"), &line.unit_price)?,
            "requiresShipping": line.requires_shipping, "properties": pairs(&line.custom_attributes, "name"),
        });
        if line_taxes {
            item["taxLines"] = json!(input.taxes(&at, &line.tax_lines)?);
        }
        lines.push(item);
    }
    let mut shipping = Vec::new();
    for (i, s) in order.shipping_lines.iter().enumerate() {
        let at = format!("shipping_lines[{i}]");
        // Shopify takes one discount code, on the lines: a shipping discount lowers its price.
        let discount = input.allocated(s.discount_allocations.iter().map(|a| &a.amount));
        let price = net(&s.price, &discount);
        shipping.push(json!({
            "title": s.title, "code": s.code, "priceSet": input.bag(&format!("{at}.price"), &price)?,
            "taxLines": input.taxes(&at, &s.tax_lines)?,
        }));
    }
    let (status, transaction) = payment(order);
    let mut out = json!({
        "name": order.name, "sourceName": order.source, "currency": order.currency, "lineItems": lines, "shippingLines": shipping,
        "financialStatus": status, "tags": order.tags, "taxesIncluded": order.taxes_included, "note": order.note,
        "poNumber": order.po_number, "phone": order.phone, "customAttributes": pairs(&order.custom_attributes, "key"),
    });
    if let Some(p) = &order.presentment_currency {
        out["presentmentCurrency"] = json!(p);
    }
    if !line_taxes && !order.tax_lines.is_empty() {
        out["taxLines"] = json!(input.taxes("order", &order.tax_lines)?);
    }
    let line_discount = input.allocated(order.lines.iter().flat_map(|l| &l.discount_allocations).map(|a| &a.amount));
    if !number(&line_discount.shop).is_zero() {
        let used: Vec<u32> = order.lines.iter().flat_map(|l| &l.discount_allocations).map(|a| a.application).collect();
        let mut names: Vec<String> = order
            .discounts
            .iter()
            .enumerate()
            .filter(|(i, _)| used.contains(&(*i as u32)))
            .filter_map(|(_, d)| d.code.clone().or_else(|| d.title.clone()))
            .collect();
        names.dedup();
        let code = if names.is_empty() { "discount".to_owned() } else { names.join("+") };
        out["discountCode"] =
            json!({"itemFixedDiscountCode": {"code": code, "amountSet": input.bag("discount", &line_discount)?}});
    }
    if let Some((kind, tx_status)) = transaction {
        out["transactions"] = json!([{"kind": kind, "status": tx_status, "gateway": order.source, "amountSet": input.bag("total", &order.total)?}]);
    }
    if !order.created_at.is_empty() {
        out["processedAt"] = json!(order.created_at);
    }
    if let Some(a) = &order.shipping_address {
        out["shippingAddress"] = address(a);
    }
    if let Some(a) = &order.billing_address {
        out["billingAddress"] = address(a);
    }
    if let Some(location) = &order.company_location {
        if !location.location_id.starts_with("gid://shopify/CompanyLocation/") {
            return Err(PluginError::invalid(
                "company_location.location_id",
                format!(
                    "`{}` is not a Shopify company location id (gid://shopify/CompanyLocation/…)",
                    location.location_id
                ),
            ));
        }
        out["companyLocationId"] = json!(location.location_id);
    }
    let email = order.email.clone().or_else(|| order.customer.as_ref().and_then(|c| c.email.clone()));
    if let Some(email) = email {
        out["email"] = json!(email);
        let mut upsert = json!({"email": email});
        if let Some(c) = &order.customer {
            upsert["firstName"] = json!(c.first_name);
            upsert["lastName"] = json!(c.last_name);
        }
        out["customer"] = json!({"toUpsert": upsert});
    }
    Ok(out)
}

/// The `orderCreate` input of `order` (see [`order_input`]) completed by the flow's mapping and
/// its rules (`lineItems.FIELD` per line with `line` bound, `shippingLines.FIELD` per shipping
/// line with `shipping`), without the order fields Shopify owns (`ownership.order_tags`, `note`,
/// `attributes`), with the names of those dropped; `Ok(Err(why))` when the mapping skips the
/// order.
pub fn mapped_order_input(
    mapping: &Mapping,
    flow: (&str, &Ownership),
    order: &Order,
    variants: &BTreeMap<String, String>,
) -> Result<Result<MappedInput, String>, PluginError> {
    let mut input = order_input(order, variants)?;
    let applied = mapping.apply_to_input(order, &mut input).map_err(|e| PluginError::invalid("mapping", e))?;
    if let Some(why) = applied.skipped {
        return Ok(Err(why));
    }
    Ok(Ok(MappedInput::owned(input, applied, field_targets(ObjectKind::Order, true), flow, &order.external_id)))
}

/// `price` less `discount`, in both currencies.
fn net(price: &Amount, discount: &Amount) -> Amount {
    let minus = |a: &crate::model::Money, b: Option<&crate::model::Money>| crate::model::Money {
        amount: decimal::text(number(a) - b.map(number).unwrap_or_default()),
        currency: a.currency.clone(),
    };
    Amount {
        shop: minus(&price.shop, Some(&discount.shop)),
        presentment: price.presentment.as_ref().map(|p| minus(p, discount.presentment.as_ref())),
    }
}

fn behaviour(b: InventoryBehaviour) -> &'static str {
    match b {
        InventoryBehaviour::Bypass => "BYPASS",
        InventoryBehaviour::DecrementIgnoringPolicy => "DECREMENT_IGNORING_POLICY",
        InventoryBehaviour::DecrementObeyingPolicy => "DECREMENT_OBEYING_POLICY",
    }
}

/// Create an external order once (found by its `sourceIdentifier` when it exists).
fn external_order(ctx: &ShopifyContext<'_>, mapping: &Mapping, order: &Order) -> Result<Written, PluginError> {
    if order.cancelled {
        return Err(PluginError::invalid(
            "cancelled",
            format!("external order {} is cancelled; it is not created in Shopify", order.name),
        ));
    }
    for (i, sku) in order.lines.iter().enumerate().filter_map(|(i, l)| Some((i, l.sku.as_deref()?))) {
        identity::check(ctx.store, &format!("lines[{i}].sku"), sku)?;
    }
    let owners = ctx.flow.ownership();
    let input = match mapped_order_input(mapping, (ctx.flow_name, &owners), order, &variants(ctx, order)?)? {
        Ok(mapped) => mapped.input,
        Err(why) => return Ok(Written::Skipped(why)),
    };
    limits::check(&input, limits::ORDER_CREATE, &order.currency)?;
    let options = json!({"inventoryBehaviour": behaviour(ctx.flow.inventory_behaviour), "sendReceipt": false, "sendFulfillmentReceipt": false});
    let source_identifier = format!("{}:{}", ctx.flow.from, order.external_id);
    let created = block_on(create_order_once(ctx.client, &source_identifier, input.clone(), options))
        .map_err(|e| write_error(&e, "order"))?;
    if created.created {
        return Ok(Written::Created(created.id));
    }
    match owned_changes(&input, &created.fields, &owners) {
        None => Ok(Written::Unchanged(Some(created.id))),
        Some(changes) => {
            block_on(update_order(ctx.client, &created.id, changes)).map_err(|e| write_error(&e, "order"))?;
            Ok(Written::Updated(created.id))
        }
    }
}

/// What of the order fields the ERP owns (tags, note, custom attributes) `input` has otherwise
/// than the order Shopify has (`current`): the `orderUpdate` input that makes them equal, or
/// `None`. Tags compare as a set, an empty note as none.
fn owned_changes(input: &Value, current: &Value, owners: &Ownership) -> Option<Value> {
    let tags = |v: &Value| -> Vec<String> {
        let mut t: Vec<String> =
            v.as_array().into_iter().flatten().filter_map(|t| t.as_str().map(str::to_owned)).collect();
        t.sort_unstable();
        t.dedup();
        t
    };
    let note = |v: &Value| v.as_str().filter(|n| !n.is_empty()).map(str::to_owned);
    let list = |v: &Value| v.as_array().cloned().unwrap_or_default();
    let mut changes = serde_json::Map::new();
    for (key, field) in field_targets(ObjectKind::Order, true) {
        let (want, have) = (&input[*key], &current[*key]);
        let same = match *field {
            Field::OrderTags => tags(want) == tags(have),
            Field::Note => note(want) == note(have),
            _ => list(want) == list(have),
        };
        if !same && owners.owner(*field) == Owner::Erp {
            changes.insert((*key).to_owned(), want.clone());
        }
    }
    (!changes.is_empty()).then_some(Value::Object(changes))
}
