//! 0.2.0 types ⇄ the host's model: the same shapes, converted field by field.

use super::bindings::types as w;
use crate::model as m;
use crate::plugin::wit::lift::{lift_boxed, lift_enums, lift_records, Lift};

lift_records!(w, m;
    Money { amount, currency }
    Amount { shop, presentment }
    Media { source, alt, content_hash }
    Variant { external_id, sku, barcode, option_values, price, compare_at_price, cost, weight_grams, media, metafields, updated_at, extra }
    Product {
        external_id, sku, title, description, vendor, product_type, tags, status, options, variants, media, collections, metafields,
        deleted, updated_at, extra,
    }
    InventoryLevel { external_id, sku, location, on_hand, reserved, incoming, safety_stock, updated_at, extra }
    InventoryAdjustment { external_id, sku, location, delta, reason, source, occurred_at, extra }
    Address { first_name, last_name, company, address1, address2, city, province_code, zip, country_code, phone }
    Customer { external_id, sku, email, first_name, last_name, phone, company, addresses, tags, metafields, updated_at, extra }
    TaxLine { title, rate, amount }
    DiscountApplication { kind, code, title, value_type, value }
    DiscountAllocation { application, amount }
    OrderLine {
        external_id, sku, title, quantity, current_quantity, unit_price, discount_allocations, tax_lines, requires_shipping,
        custom_attributes, extra,
    }
    ShippingLine { external_id, title, code, price, discount_allocations, tax_lines }
    CompanyLocation { company_id, company_name, location_id, location_name }
    Order {
        external_id, name, source, email, phone, customer, company_location, currency, presentment_currency, lines, shipping_lines,
        discounts, tax_lines, taxes_included, subtotal, shipping, tax, discount, total, financial_status, cancelled,
        stock_effect, shipping_address, billing_address, tags, note, custom_attributes, po_number, metafields, created_at, updated_at, extra,
    }
    RefundLine { line_external_id, sku, quantity, restock, location, subtotal, tax }
    RefundTransaction { gateway, amount }
    Refund { lines, shipping, transactions, note }
    ReturnLine { line_external_id, sku, quantity, reason }
    OrderReturn { status, lines }
    LineEdit { line_external_id, sku, kind, quantity_before, quantity_after, unit_price }
    Cancellation { reason, restock, refunded }
    OrderChange { external_id, order_external_id, order_name, occurred_at, change, extra }
    FulfillmentLine { line_external_id, sku, quantity }
    Tracking { number, company, url }
    Fulfillment { external_id, order_external_id, order_name, lines, tracking, location, shipped_at, extra }
    QuantityBreak { minimum, price }
    QuantityRule { minimum, maximum, increment }
    Price { external_id, sku, scope, price, compare_at_price, quantity_breaks, quantity_rule, updated_at, extra }
    FieldError { field, message }
    ConfigKey { name, required, description }
    EntitySupport { entity, direction }
    PluginInfo { id, version, description, entities, config_keys, secrets }
    Page { records, next_cursor, has_more }
    Pushed { external_id, outcome }
    ChangeEvent { entity, external_id, record }
);

lift_enums!(w, m;
    ProductStatus { Active, Archived, Draft }
    AdjustmentReason { Sale, PosSale, RefundRestock, ReturnRestock, Correction, Other(x) }
    FinancialStatus { Pending, Authorized, PartiallyPaid, Paid, PartiallyRefunded, Refunded, Voided }
    StockEffect { MoveStock, AlreadyCounted }
    DiscountValueType { Percentage, FixedAmount }
    DiscountKind { Code, Automatic, Manual }
    RestockType { NoRestock, Cancel, Return }
    ReturnStatus { Requested, Open, Closed, Declined, Cancelled }
    LineEditKind { Added, Removed, QuantityChanged }
    OrderChangeKind { Cancellation(x), Refund(x), Return(x), Edit(x) }
    PriceScope { Base, Channel(x), Market(x), Catalog(x), CompanyLocation(x) }
    Entity { Product, InventoryLevel, Order, Customer, Price, Fulfillment, OrderChange, InventoryAdjustment }
    Direction { Pull, Push, Both }
    Level { Trace, Debug, Info, Warn, Error }
    WriteOutcome { Created, Updated, Unchanged, Skipped(x) }
    Record { Product(x), InventoryLevel(x), Order(x), Customer(x), Price(x), Fulfillment(x), OrderChange(x), InventoryAdjustment(x) }
    PluginError {
        Retryable(x), RateLimited(x), Unauthorized(x), InvalidInput(x), NotFound(x), Conflict(x), Permanent(x), NeedsPerson(x),
    }
);

lift_boxed!(w, m; Order OrderChange);

// `type` is a keyword: the bindings call the field `type_`.
impl Lift<m::Metafield> for w::Metafield {
    fn lift(self) -> m::Metafield {
        m::Metafield { namespace: self.namespace, key: self.key, r#type: self.type_, value: self.value }
    }
}

impl Lift<w::Metafield> for m::Metafield {
    fn lift(self) -> w::Metafield {
        w::Metafield { namespace: self.namespace, key: self.key, type_: self.r#type, value: self.value }
    }
}

/// Every entity of the model is a 0.2.0 entity.
pub(super) fn entity(e: m::Entity) -> Result<w::Entity, m::PluginError> {
    Ok(e.lift())
}

/// Every record of the model is a 0.2.0 record.
pub(super) fn record(r: m::Record) -> Result<w::Record, m::PluginError> {
    Ok(r.lift())
}

/// Every record of the model goes to a 0.2.0 connector's push (an order says its stock effect).
pub(super) fn push_record(r: m::Record) -> Result<w::Record, m::PluginError> {
    record(r)
}

/// A 0.2.0 transform's output is taken as it is.
pub(super) fn restore(_input: &m::Record, output: m::Record) -> m::Record {
    output
}

/// 0.2.0's records have the model's shape, field by field and case by case in the same order, so
/// a `transform-batch` batch is the model's records in postcard, encoded and decoded directly
/// (`encoded_batches_have_the_contracts_shape` checks the order against the Rust SDK's types).
pub(super) const ENCODED_BATCHES: bool = true;

#[cfg(test)]
mod tests {
    use serde_reflection::{Tracer, TracerConfig};

    /// The serde format of every type reachable from a record and a plugin error, by type name:
    /// fields and cases in order, with their types. Tracing takes one case of an enum inside a
    /// record, so each such enum is traced on its own too (a new one fails with `MissingVariants`
    /// naming it: add it here). bindgen spells the field `type` as `type_`.
    macro_rules! formats {
        (@trace $tracer:ident, $t:ident; $($name:ident)*) => {
            $($tracer.trace_simple_type::<$t::$name>().expect(stringify!($name));)*
        };
        ($types:path) => {{
            use $types as t;
            let mut tracer = Tracer::new(TracerConfig::default());
            formats!(@trace tracer, t; Record PluginError AdjustmentReason DiscountKind DiscountValueType FinancialStatus
                LineEditKind OrderChangeKind PriceScope ProductStatus RestockType ReturnStatus StockEffect);
            let registry = tracer.registry().expect("every type traced");
            serde_json::to_string_pretty(&registry).expect("formats encode").replace("\"type_\"", "\"type\"")
        }};
    }

    #[test]
    fn encoded_batches_have_the_contracts_shape() {
        let model = formats!(crate::model);
        let sdk = formats!(weft_sdk::bindings::connector::weft::plugin::types);
        assert!(
            model.contains("\"InventoryLevel\"") && model.contains("\"RefundLine\""),
            "the trace reached every record: {model}"
        );
        assert_eq!(model, sdk, "the model's serde layout must be 0.2.0's, field by field and case by case");
    }
}
