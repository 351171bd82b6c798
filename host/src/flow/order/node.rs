//! Shopify's `Order` (as `OrderDetail` reads it) as a canonical order: every amount in shop and
//! presentment money, lines with their taxes and discount allocations, shipping lines,
//! discount applications, addresses, the buyer and the B2B company. Nothing is guessed: a field
//! Shopify leaves out stays empty, an unknown payment state is refused.

use crate::model::{
    Address, Amount, CompanyLocation, Customer, DiscountAllocation, DiscountApplication, DiscountKind,
    DiscountValueType, FinancialStatus, Money, Order, OrderLine, ShippingLine, StockEffect, TaxLine,
};
use serde_json::Value;

/// A non-empty string field.
pub fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_owned)
}

/// The nodes of a connection (`{nodes: [...]}`) or the items of a list.
pub fn nodes(v: &Value) -> impl Iterator<Item = &Value> {
    v.get("nodes").unwrap_or(v).as_array().into_iter().flatten()
}

fn money(v: &Value) -> Option<Money> {
    Some(Money { amount: text(v, "amount")?, currency: text(v, "currencyCode")? })
}

/// A `MoneyBag` as an amount; the presentment side only when its currency differs from the shop's.
pub fn amount(bag: &Value, currency: &str) -> Amount {
    let shop = money(&bag["shopMoney"]).unwrap_or_else(|| Money::new("0.00", currency));
    let presentment = money(&bag["presentmentMoney"]).filter(|p| p.currency != shop.currency);
    Amount { shop, presentment }
}

fn tax_lines(v: &Value, currency: &str) -> Vec<TaxLine> {
    nodes(v)
        .map(|t| TaxLine {
            title: text(t, "title").unwrap_or_default(),
            rate: t["rate"].as_f64().map(rate).or_else(|| text(t, "rate")).unwrap_or_else(|| "0".into()),
            amount: amount(&t["priceSet"], currency),
        })
        .collect()
}

/// A rate as Shopify gives it (a float, `0.19`) as a decimal string without float noise.
fn rate(r: f64) -> String {
    let text = format!("{:.6}", r);
    let text = text.trim_end_matches('0');
    text.strip_suffix('.').map(|t| format!("{t}.0")).unwrap_or_else(|| text.to_owned())
}

fn allocations(v: &Value, currency: &str) -> Vec<DiscountAllocation> {
    nodes(v)
        .map(|a| DiscountAllocation {
            application: a["discountApplication"]["index"].as_u64().unwrap_or(0).try_into().unwrap_or(u32::MAX),
            amount: amount(&a["allocatedAmountSet"], currency),
        })
        .collect()
}

fn attributes(v: &Value) -> Vec<(String, String)> {
    nodes(v).filter_map(|a| Some((text(a, "key")?, a["value"].as_str().unwrap_or_default().to_owned()))).collect()
}

fn address(v: &Value) -> Option<Address> {
    v.is_object().then(|| Address {
        first_name: text(v, "firstName"),
        last_name: text(v, "lastName"),
        company: text(v, "company"),
        address1: text(v, "address1"),
        address2: text(v, "address2"),
        city: text(v, "city"),
        province_code: text(v, "provinceCode"),
        zip: text(v, "zip"),
        country_code: text(v, "countryCodeV2"),
        phone: text(v, "phone"),
    })
}

fn count(v: &Value) -> u32 {
    v.as_u64().unwrap_or(0).try_into().unwrap_or(u32::MAX)
}

/// A `LineItem` node as an order line.
pub fn line(l: &Value, currency: &str) -> OrderLine {
    OrderLine {
        external_id: text(l, "id").unwrap_or_default(),
        sku: text(l, "sku"),
        title: text(l, "title").unwrap_or_default(),
        quantity: count(&l["quantity"]),
        current_quantity: count(&l["currentQuantity"]),
        unit_price: amount(&l["originalUnitPriceSet"], currency),
        discount_allocations: allocations(&l["discountAllocations"], currency),
        tax_lines: tax_lines(&l["taxLines"], currency),
        requires_shipping: l["requiresShipping"].as_bool().unwrap_or(true),
        custom_attributes: attributes(&l["customAttributes"]),
        extra: "{}".into(),
    }
}

fn discount(d: &Value) -> DiscountApplication {
    let kind = match d["__typename"].as_str() {
        Some("DiscountCodeApplication") => DiscountKind::Code,
        Some("AutomaticDiscountApplication" | "ScriptDiscountApplication") => DiscountKind::Automatic,
        _ => DiscountKind::Manual,
    };
    let (value_type, value) = match d["value"]["__typename"].as_str() {
        Some("PricingPercentageValue") => {
            (DiscountValueType::Percentage, d["value"]["percentage"].as_f64().map(rate).unwrap_or_default())
        }
        _ => (DiscountValueType::FixedAmount, text(&d["value"], "amount").unwrap_or_default()),
    };
    DiscountApplication { kind, code: text(d, "code"), title: text(d, "title"), value_type, value }
}

/// Shopify's `OrderDisplayFinancialStatus` as the canonical payment state (explicit, no fallback
/// for unknown values: they are refused so a new state is noticed, not mis-booked).
pub fn financial_status(display: &str) -> Result<FinancialStatus, String> {
    Ok(match display {
        "PENDING" | "EXPIRED" => FinancialStatus::Pending,
        "AUTHORIZED" => FinancialStatus::Authorized,
        "PARTIALLY_PAID" => FinancialStatus::PartiallyPaid,
        "PAID" => FinancialStatus::Paid,
        "PARTIALLY_REFUNDED" => FinancialStatus::PartiallyRefunded,
        "REFUNDED" => FinancialStatus::Refunded,
        "VOIDED" => FinancialStatus::Voided,
        other => return Err(format!("unknown financial status `{other}`")),
    })
}

/// An `OrderDetail` node, with all its lines (`lines`: the first page and the rest), as a
/// canonical order.
pub fn order(node: &Value, lines: &[Value]) -> Result<Order, String> {
    let id = text(node, "id").ok_or("order without id")?;
    let currency = text(node, "currencyCode").ok_or_else(|| format!("order {id} without currencyCode"))?;
    let presentment = text(node, "presentmentCurrencyCode").filter(|p| *p != currency);
    let customer = node.get("customer").filter(|c| c.is_object()).map(|c| Customer {
        external_id: text(c, "id").unwrap_or_default(),
        email: text(c, "email").map(|e| e.to_ascii_lowercase()),
        first_name: text(c, "firstName"),
        last_name: text(c, "lastName"),
        phone: text(c, "phone"),
        extra: "{}".into(),
        ..Customer::default()
    });
    let buyer = &node["purchasingEntity"];
    let company_location = (buyer["__typename"] == "PurchasingCompany").then(|| CompanyLocation {
        company_id: text(&buyer["company"], "id").unwrap_or_default(),
        company_name: text(&buyer["company"], "name").unwrap_or_default(),
        location_id: text(&buyer["location"], "id").unwrap_or_default(),
        location_name: text(&buyer["location"], "name").unwrap_or_default(),
    });
    let shipping_lines = nodes(&node["shippingLines"])
        .map(|s| ShippingLine {
            external_id: text(s, "id").unwrap_or_default(),
            title: text(s, "title").unwrap_or_default(),
            code: text(s, "code"),
            price: amount(&s["originalPriceSet"], &currency),
            discount_allocations: allocations(&s["discountAllocations"], &currency),
            tax_lines: tax_lines(&s["taxLines"], &currency),
        })
        .collect();
    let mut discounts: Vec<(u64, DiscountApplication)> =
        nodes(&node["discountApplications"]).map(|d| (d["index"].as_u64().unwrap_or(0), discount(d))).collect();
    discounts.sort_by_key(|(i, _)| *i);
    let display = text(node, "displayFinancialStatus").unwrap_or_else(|| "PENDING".into());
    let bag = |key: &str| amount(&node[key], &currency);
    // A line's quantity as the order stands after its edits: what is left plus what was refunded.
    let mut refunded: std::collections::BTreeMap<String, u32> = Default::default();
    for l in nodes(&node["refunds"]).flat_map(|r| nodes(&r["refundLineItems"])) {
        *refunded.entry(text(&l["lineItem"], "id").unwrap_or_default()).or_default() += count(&l["quantity"]);
    }
    let lines = lines
        .iter()
        .map(|l| {
            let mut line = line(l, &currency);
            let kept = line.current_quantity.saturating_add(refunded.get(&line.external_id).copied().unwrap_or(0));
            line.quantity = line.quantity.min(kept);
            line
        })
        .collect();
    Ok(Order {
        name: text(node, "name").ok_or_else(|| format!("order {id} without name"))?,
        source: text(node, "sourceName").unwrap_or_else(|| "web".into()),
        email: text(node, "email").map(|e| e.to_ascii_lowercase()),
        phone: text(node, "phone"),
        customer,
        company_location,
        presentment_currency: presentment,
        lines,
        shipping_lines,
        discounts: discounts.into_iter().map(|(_, d)| d).collect(),
        tax_lines: tax_lines(&node["taxLines"], &currency),
        taxes_included: node["taxesIncluded"].as_bool().unwrap_or(false),
        subtotal: bag("subtotalPriceSet"),
        shipping: bag("totalShippingPriceSet"),
        tax: bag("totalTaxSet"),
        discount: bag("totalDiscountsSet"),
        total: bag("totalPriceSet"),
        financial_status: financial_status(&display)?,
        cancelled: node.get("cancelledAt").is_some_and(|c| !c.is_null()),
        // The orders flow says it from its `stock_counted_by` (`changes::records`).
        stock_effect: StockEffect::MoveStock,
        shipping_address: address(&node["shippingAddress"]),
        billing_address: address(&node["billingAddress"]),
        tags: node["tags"].as_array().into_iter().flatten().filter_map(Value::as_str).map(str::to_owned).collect(),
        note: text(node, "note"),
        custom_attributes: attributes(&node["customAttributes"]),
        po_number: text(node, "poNumber"),
        metafields: Vec::new(),
        created_at: text(node, "createdAt").unwrap_or_default(),
        updated_at: text(node, "updatedAt"),
        extra: "{}".into(),
        currency,
        external_id: id,
    })
}
