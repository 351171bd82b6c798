//! Order writes: `orderCreate` (lines, shipping lines, tax lines or `taxesIncluded`, a discount
//! code, addresses, note, custom attributes, PO number, currency and presentment currency,
//! company location, transactions, inventoryBehaviour), `orderCancel` and `orderClose`.

use super::customers::upsert_by_email;
use super::order_build::{insert, Claim, NewLine, NewOrder, NewShipping, NewTransaction};
use super::order_payload::order_payload;
use super::{rel, user_errors};
use crate::search::parse_time;
use crate::store::model::UserError;
use crate::store::money::{parse_cents, parse_rate, Bag};
use crate::store::order_detail::Address;
use crate::store::order_pricing::{DiscountSpec, TaxSpec};
use crate::store::{now, parse_gid, Store};
use serde_json::{json, Map, Value as Json};

fn s<'a>(v: &'a Json, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Json::as_str)
}

fn list<'a>(v: &'a Json, key: &str) -> impl Iterator<Item = &'a Json> {
    v.get(key).and_then(Json::as_array).into_iter().flatten()
}

/// Reads `OrderCreateOrderInput` into a new order, collecting every user error.
struct Reader<'a> {
    store: &'a mut Store,
    currency: String,
    presentment: String,
    errors: Vec<UserError>,
}

impl Reader<'_> {
    fn error(&mut self, path: &[&str], message: String) {
        self.error_code(path, message, "INVALID");
    }

    fn error_code(&mut self, path: &[&str], message: String, code: &str) {
        let field: Vec<&str> = std::iter::once("order").chain(path.iter().copied()).collect();
        self.errors.push(UserError::new(&field, message, Some(code)));
    }

    /// A `MoneyBagInput` in the order's currencies (presentment defaults to the shop amount).
    fn bag(&mut self, v: Option<&Json>, path: &[&str]) -> Option<Bag> {
        let v = v?;
        let shop = self.money(v, "shopMoney", path)?;
        let presentment = self.money(v, "presentmentMoney", path).unwrap_or(shop);
        Some(Bag { shop, presentment })
    }

    /// One `MoneyInput` of a bag, checking its currency.
    fn money(&mut self, bag: &Json, key: &str, path: &[&str]) -> Option<i64> {
        let m = bag.get(key).filter(|m| !m.is_null())?;
        let (kind, currency) = if key == "shopMoney" {
            ("shop", self.currency.clone())
        } else {
            ("presentment", self.presentment.clone())
        };
        let code = s(m, "currencyCode").unwrap_or("");
        if code != currency {
            let at: Vec<&str> = path.iter().copied().chain([key, "currencyCode"]).collect();
            self.error(&at, format!("Currency code {code} does not match the order's {kind} currency {currency}"));
        }
        parse_cents(m.get("amount")?)
    }

    fn taxes(&mut self, v: &Json, path: &[&str]) -> Vec<TaxSpec> {
        let mut out = Vec::new();
        for (i, t) in list(v, "taxLines").enumerate() {
            let idx = i.to_string();
            let at: Vec<&str> = path.iter().copied().chain(["taxLines", idx.as_str()]).collect();
            let Some(rate) = t.get("rate").and_then(parse_rate) else {
                self.error_code(
                    &[&at[..], &["rate"]].concat(),
                    "Tax line rate is missing".into(),
                    "TAX_LINE_RATE_MISSING",
                );
                continue;
            };
            let amount = self.bag(t.get("priceSet"), &[&at[..], &["priceSet"]].concat());
            out.push(TaxSpec {
                title: s(t, "title").unwrap_or("Tax").to_string(),
                rate,
                amount,
                channel_liable: t.get("channelLiable").and_then(Json::as_bool).unwrap_or(false),
            });
        }
        out
    }

    fn line(&mut self, l: &Json, i: usize) -> Option<NewLine> {
        let idx = i.to_string();
        let quantity = l.get("quantity").and_then(Json::as_i64).unwrap_or(0);
        if quantity < 1 {
            self.errors.push(UserError::new(
                &["order", "lineItems", &idx, "quantity"],
                "Quantity must be greater than 0",
                Some("INVALID"),
            ));
            return None;
        }
        let given = self.bag(l.get("priceSet"), &["lineItems", &idx, "priceSet"]);
        let mut line = NewLine {
            quantity,
            taxable: l.get("taxable").and_then(Json::as_bool).unwrap_or(true),
            requires_shipping: l.get("requiresShipping").and_then(Json::as_bool).unwrap_or(false),
            properties: list(l, "properties")
                .map(|p| (s(p, "name").unwrap_or("").to_string(), s(p, "value").unwrap_or("").to_string()))
                .collect(),
            taxes: self.taxes(l, &["lineItems", &idx]),
            vendor: s(l, "vendor").map(str::to_string),
            variant_title: s(l, "variantTitle").map(str::to_string),
            ..NewLine::default()
        };
        match s(l, "variantId") {
            Some(raw) => {
                let Some(v) = parse_gid("ProductVariant", raw).and_then(|id| self.store.variants.get(&id)) else {
                    self.errors.push(UserError::new(
                        &["order", "lineItems", &idx, "variantId"],
                        "Variant does not exist",
                        Some("INVALID"),
                    ));
                    return None;
                };
                let base = crate::store::model::money_cents(&v.price);
                line.variant_id = Some(v.id);
                line.product_id = Some(v.product_id);
                line.sku = Some(v.sku.clone());
                line.variant_title = line.variant_title.or_else(|| Some(v.title()));
                line.title = self.store.products.get(&v.product_id).map(|p| p.title.clone()).unwrap_or_default();
                line.unit = given
                    .unwrap_or(Bag { shop: base, presentment: self.store.pricing.convert(base, &self.presentment) });
            }
            None => {
                let Some(title) = s(l, "title") else {
                    self.errors.push(UserError::new(
                        &["order", "lineItems", &idx, "title"],
                        "Title can't be blank for a custom line item",
                        Some("INVALID"),
                    ));
                    return None;
                };
                line.title = title.to_string();
                line.sku = s(l, "sku").map(str::to_string);
                line.unit = given.unwrap_or_default();
            }
        }
        Some(line)
    }

    fn discount(&mut self, d: &Json) -> Option<DiscountSpec> {
        let given: Vec<&str> = ["itemFixedDiscountCode", "itemPercentageDiscountCode", "freeShippingDiscountCode"]
            .into_iter()
            .filter(|k| d.get(*k).is_some_and(|v| !v.is_null()))
            .collect();
        if given.len() != 1 {
            self.error(&["discountCode"], "Exactly one discount code type must be given".into());
            return None;
        }
        let body = &d[given[0]];
        let code = s(body, "code").unwrap_or("").to_string();
        match given[0] {
            "itemFixedDiscountCode" => {
                match self.bag(body.get("amountSet"), &["discountCode", "itemFixedDiscountCode", "amountSet"]) {
                    Some(amount) => Some(DiscountSpec::CodeFixed { code, amount }),
                    None => {
                        self.error(
                            &["discountCode", "itemFixedDiscountCode", "amountSet"],
                            "A fixed discount code needs an amount".into(),
                        );
                        None
                    }
                }
            }
            "itemPercentageDiscountCode" => {
                match body.get("percentage").and_then(parse_rate).filter(|p| (0..=100_000_000).contains(p)) {
                    Some(p) => Some(DiscountSpec::CodePercentage { code, percentage: p / 100 }),
                    None => {
                        self.error(
                            &["discountCode", "itemPercentageDiscountCode", "percentage"],
                            "Percentage must be between 0 and 100".into(),
                        );
                        None
                    }
                }
            }
            _ => Some(DiscountSpec::CodeFreeShipping { code }),
        }
    }
}

/// Reads a `MailingAddressInput`.
pub fn address(v: &Json) -> Option<Address> {
    let f = |k: &str| s(v, k).map(str::to_string);
    v.is_object().then(|| Address {
        first_name: f("firstName"),
        last_name: f("lastName"),
        company: f("company"),
        address1: f("address1"),
        address2: f("address2"),
        city: f("city"),
        province_code: f("provinceCode"),
        country_code: f("countryCode"),
        zip: f("zip"),
        phone: f("phone"),
    })
}

/// Checks that the shop takes `currency` (`INVALID` naming it and the currencies it takes).
fn check_currency(store: &Store, currency: &str, field: &str) -> Option<UserError> {
    let taken = store.pricing.currencies();
    (!taken.iter().any(|c| c == currency)).then(|| {
        UserError::new(
            &["order", field],
            format!("The shop does not take {currency}; it takes {}", taken.join(", ")),
            Some("INVALID"),
        )
    })
}

/// Reads an `OrderCreateOrderInput` into a new order.
fn read_order(store: &mut Store, input: &Json, claim: Claim) -> Result<NewOrder, Vec<UserError>> {
    let currency = s(input, "currency").map_or_else(|| store.pricing.shop_currency.clone(), str::to_string);
    let presentment = s(input, "presentmentCurrency").unwrap_or(&currency).to_string();
    let errors: Vec<UserError> =
        [check_currency(store, &currency, "currency"), check_currency(store, &presentment, "presentmentCurrency")]
            .into_iter()
            .flatten()
            .collect();
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut r = Reader { store, currency: currency.clone(), presentment: presentment.clone(), errors: Vec::new() };
    let mut new = NewOrder::new(&currency, s(input, "sourceName").unwrap_or("api"));
    new.presentment_currency = presentment;
    new.claim = claim;
    new.lines = list(input, "lineItems").enumerate().filter_map(|(i, l)| r.line(l, i)).collect();
    if new.lines.is_empty() && r.errors.is_empty() {
        r.error(&["lineItems"], "Line items can't be blank".into());
    }
    new.order_taxes = r.taxes(input, &[]);
    if !new.order_taxes.is_empty() && new.lines.iter().any(|l| !l.taxes.is_empty()) {
        r.error(&["taxLines"], "Tax lines can be given on the order or on its line items, not both".into());
    }
    for (i, sl) in list(input, "shippingLines").enumerate() {
        let idx = i.to_string();
        let price = r.bag(sl.get("priceSet"), &["shippingLines", &idx, "priceSet"]).unwrap_or_default();
        let taxes = r.taxes(sl, &["shippingLines", &idx]);
        new.shipping.push(NewShipping {
            title: s(sl, "title").unwrap_or("").to_string(),
            code: s(sl, "code").map(str::to_string),
            source: s(sl, "source").map(str::to_string),
            price,
            taxes,
        });
    }
    if let Some(d) = input.get("discountCode").filter(|d| !d.is_null()) {
        new.discounts.extend(r.discount(d));
    }
    for (i, tx) in list(input, "transactions").enumerate() {
        let amount = r.bag(tx.get("amountSet"), &["transactions", &i.to_string(), "amountSet"]).unwrap_or_default();
        new.transactions.push(NewTransaction {
            kind: s(tx, "kind").unwrap_or("SALE").into(),
            status: s(tx, "status").unwrap_or("SUCCESS").into(),
            amount,
            gateway: s(tx, "gateway").unwrap_or("manual").into(),
        });
    }
    if let Some(raw) = s(input, "companyLocationId") {
        match parse_gid("CompanyLocation", raw).filter(|id| r.store.pricing.company_locations.contains_key(id)) {
            Some(id) => new.company_location_id = Some(id),
            None => r.error(&["companyLocationId"], "Company location does not exist".into()),
        }
    }
    if !r.errors.is_empty() {
        return Err(r.errors);
    }
    let store = r.store;
    let customer = input.get("customer").and_then(|c| {
        c.get("toAssociate")
            .and_then(|a| s(a, "id"))
            .and_then(|id| parse_gid("Customer", id))
            .or_else(|| c.get("toUpsert").and_then(|u| s(u, "email")).map(|e| upsert_by_email(store, e)))
    });
    new.customer_id = customer.or_else(|| s(input, "email").map(|e| upsert_by_email(store, e)));
    let text = |k: &str| s(input, k).map(str::to_string);
    new.name = text("name");
    new.email = text("email");
    new.phone = text("phone");
    new.note = text("note");
    new.po_number = text("poNumber");
    new.source_identifier = text("sourceIdentifier");
    new.financial_status = text("financialStatus");
    new.taxes_included = input.get("taxesIncluded").and_then(Json::as_bool).unwrap_or(false);
    new.test = input.get("test").and_then(Json::as_bool).unwrap_or(false);
    new.processed_at = s(input, "processedAt").and_then(parse_time);
    new.tags = list(input, "tags").filter_map(Json::as_str).map(str::to_string).collect();
    new.shipping_address = input.get("shippingAddress").and_then(address);
    new.billing_address = input.get("billingAddress").and_then(address);
    new.custom_attributes = list(input, "customAttributes")
        .map(|a| (s(a, "key").unwrap_or("").to_string(), s(a, "value").unwrap_or("").to_string()))
        .collect();
    Ok(new)
}

/// `orderCreate(order:, options:)`.
pub fn order_create(store: &mut Store, a: &Map<String, Json>) -> Json {
    let input = a.get("order").cloned().unwrap_or(Json::Null);
    let limit_errors = crate::limits::order_create(&input);
    if !limit_errors.is_empty() {
        return json!({"order": null, "userErrors": user_errors(&limit_errors)});
    }
    let claim = match a.get("options").and_then(|o| s(o, "inventoryBehaviour")) {
        Some("DECREMENT_IGNORING_POLICY") => Claim::IgnorePolicy,
        Some("DECREMENT_OBEYING_POLICY") => Claim::ObeyPolicy,
        _ => Claim::Bypass,
    };
    match read_order(store, &input, claim).and_then(|new| insert(store, new)) {
        Ok(id) => json!({"order": rel("Order", id), "userErrors": []}),
        Err(errors) => json!({"order": null, "userErrors": user_errors(&errors)}),
    }
}

/// The `OrderInput` fields `orderUpdate` applies here; any other is refused as not implemented
/// rather than ignored.
const UPDATABLE: &[&str] = &["id", "tags", "note", "customAttributes", "poNumber", "email"];

/// `orderUpdate(input:)`: tags, note, custom attributes, PO number and e-mail as given (a list
/// replaces the stored one, `null` clears), then `orders/updated`.
pub fn order_update(store: &mut Store, a: &Map<String, Json>) -> Json {
    let input = a.get("input").cloned().unwrap_or(Json::Null);
    if let Some(other) = input.as_object().into_iter().flat_map(|o| o.keys()).find(|k| !UPDATABLE.contains(&k.as_str()))
    {
        let e = UserError::new(
            &["input", other.as_str()],
            format!("shopify-sim does not implement orderUpdate.{other}"),
            None,
        );
        return json!({"order": null, "userErrors": user_errors(&[e])});
    }
    let id = s(&input, "id").and_then(|s| parse_gid("Order", s)).filter(|id| store.orders.contains_key(id));
    let Some(id) = id else {
        let e = UserError::new(&["id"], "Order does not exist", None);
        return json!({"order": null, "userErrors": user_errors(&[e])});
    };
    let limit_errors = crate::limits::order_create(&input);
    if !limit_errors.is_empty() {
        return json!({"order": null, "userErrors": user_errors(&limit_errors)});
    }
    let given = |k: &str| input.get(k).is_some();
    let text = |k: &str| s(&input, k).map(str::to_string);
    if let Some(o) = store.orders.get_mut(&id) {
        if given("tags") {
            o.tags = list(&input, "tags").filter_map(Json::as_str).map(str::to_string).collect();
        }
        if given("note") {
            o.note = text("note");
        }
        if given("email") {
            o.email = text("email");
        }
        if given("poNumber") {
            o.detail.po_number = text("poNumber");
        }
        if given("customAttributes") {
            o.detail.custom_attributes = list(&input, "customAttributes")
                .map(|a| (s(a, "key").unwrap_or("").to_string(), s(a, "value").unwrap_or("").to_string()))
                .collect();
        }
    }
    touch_and_emit(store, id, "orders/updated");
    json!({"order": rel("Order", id), "userErrors": []})
}

/// Bumps `updated_at` and raises `topic` (if not `orders/updated`) and `orders/updated`.
pub fn touch_and_emit(store: &mut Store, id: u64, topic: &'static str) {
    if let Some(o) = store.orders.get_mut(&id) {
        o.updated_at = now();
    }
    let body = order_payload(store, &store.orders[&id]);
    if topic != "orders/updated" {
        store.emit(topic, body.clone());
    }
    store.emit("orders/updated", body);
}

/// Puts the order's unfulfilled units back: `committed` to `available` where they were claimed.
fn restock_unfulfilled(store: &mut Store, id: u64) {
    let lines = store.orders[&id].line_items.clone();
    for l in &lines {
        let Some(item) = l.variant_id.and_then(|v| store.variants.get(&v)).map(|v| v.inventory_item_id) else {
            continue;
        };
        let Some(loc) = l.detail.location_id.or_else(|| super::order_build::first_stocking_location(store, item))
        else {
            continue;
        };
        let Some(level) = store.levels.get_mut(&(item, loc)) else { continue };
        let back = l.remaining_quantity();
        if l.detail.location_id.is_some() {
            *level.quantities.entry("committed".into()).or_insert(0) -= back;
        }
        *level.quantities.entry("available".into()).or_insert(0) += back;
        level.updated_at = now();
        store.emit_level_update(item, loc);
    }
}

/// `orderCancel(orderId:, reason:, restock:, refundMethod:, ...)`: with
/// `refundMethod.originalPaymentMethodsRefund` the money kept is refunded (a refund of every line).
pub fn order_cancel(store: &mut Store, a: &Map<String, Json>) -> Json {
    let fail = |code: &str, msg: &str| {
        let e = UserError::new(&["orderId"], msg, Some(code));
        json!({"job": null, "orderCancelUserErrors": user_errors(&[e]), "userErrors": []})
    };
    let Some(id) = a
        .get("orderId")
        .and_then(Json::as_str)
        .and_then(|s| parse_gid("Order", s))
        .filter(|id| store.orders.contains_key(id))
    else {
        return fail("NOT_FOUND", "Order does not exist");
    };
    if store.orders[&id].cancelled_at.is_some() {
        return fail("INVALID", "Order has already been cancelled");
    }
    let restock = a.get("restock").and_then(Json::as_bool).unwrap_or(false);
    let refund = a
        .get("refundMethod")
        .and_then(|m| m.get("originalPaymentMethodsRefund"))
        .and_then(Json::as_bool)
        .unwrap_or(false);
    if refund {
        super::refunds::refund_everything(store, id, restock);
    } else if restock {
        restock_unfulfilled(store, id);
    }
    if let Some(o) = store.orders.get_mut(&id) {
        o.cancelled_at = Some(now());
        o.closed_at = Some(now());
        o.cancel_reason = a.get("reason").and_then(Json::as_str).map(str::to_string);
        for l in &mut o.line_items {
            l.detail.unfulfillable_quantity += l.remaining_quantity();
        }
        if o.financial_status == "AUTHORIZED" || o.financial_status == "PENDING" {
            o.financial_status = "VOIDED".into();
        }
    }
    touch_and_emit(store, id, "orders/cancelled");
    let job = store.next_id();
    json!({"job": {"id": crate::store::gid("Job", job), "done": true}, "orderCancelUserErrors": [], "userErrors": []})
}

/// `orderClose(input: {id})`.
pub fn order_close(store: &mut Store, a: &Map<String, Json>) -> Json {
    let id = a
        .get("input")
        .and_then(|i| s(i, "id"))
        .and_then(|s| parse_gid("Order", s))
        .filter(|id| store.orders.contains_key(id));
    let Some(id) = id else {
        let e = UserError::new(&["id"], "Order does not exist", None);
        return json!({"order": null, "userErrors": user_errors(&[e])});
    };
    if let Some(o) = store.orders.get_mut(&id) {
        o.closed_at = Some(now());
    }
    touch_and_emit(store, id, "orders/updated");
    json!({"order": rel("Order", id), "userErrors": []})
}
