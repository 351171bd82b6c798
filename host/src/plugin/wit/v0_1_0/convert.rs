//! 0.1.0 types ⇄ the host's model. The model is, so far, exactly the 0.1.0 contract.

use super::bindings::types as w;
use crate::model as m;
use crate::plugin::wit::lift::{lift_enums, lift_records, Lift};

lift_records!(w, m;
    Money { amount, currency }
    Variant { external_id, sku, barcode, option_values, price, compare_at_price, cost, weight_grams, updated_at, extra }
    Product { external_id, sku, title, description, vendor, product_type, tags, status, options, variants, deleted, updated_at, extra }
    InventoryLevel { external_id, sku, location, on_hand, reserved, incoming, safety_stock, updated_at, extra }
    Address { first_name, last_name, company, address1, address2, city, province_code, zip, country_code, phone }
    Customer { external_id, sku, email, first_name, last_name, phone, company, addresses, tags, updated_at, extra }
    OrderLine { external_id, sku, title, quantity, unit_price, discount, extra }
    Order {
        external_id, sku, name, source, email, customer, currency, lines, shipping, tax, total, financial_status, cancelled,
        shipping_address, billing_address, tags, created_at, updated_at, extra,
    }
    Price { external_id, sku, channel, price, compare_at_price, updated_at, extra }
    Fulfillment { external_id, sku, order_external_id, order_name, lines, tracking_company, tracking_number, tracking_url, shipped_at, extra }
    FieldError { field, message }
    ConfigKey { name, required, description }
    EntitySupport { entity, direction }
    PluginInfo { id, version, description, entities, config_keys, secrets }
    Page { records, next_cursor, has_more }
    KeyedRecord { key, record }
    Pushed { external_id, created }
    ChangeEvent { entity, external_id, record }
);

lift_enums!(w, m;
    ProductStatus { Active, Archived, Draft }
    FinancialStatus { Pending, Authorized, PartiallyPaid, Paid, PartiallyRefunded, Refunded, Voided }
    Entity { Product, InventoryLevel, Order, Customer, Price, Fulfillment }
    Direction { Pull, Push, Both }
    Level { Trace, Debug, Info, Warn, Error }
    Record { Product(x), InventoryLevel(x), Order(x), Customer(x), Price(x), Fulfillment(x) }
);

impl Lift<m::PluginError> for w::PluginError {
    fn lift(self) -> m::PluginError {
        match self {
            w::PluginError::Retryable(x) => m::PluginError::Retryable(x),
            w::PluginError::RateLimited(x) => m::PluginError::RateLimited(x),
            w::PluginError::Unauthorized(x) => m::PluginError::Unauthorized(x),
            w::PluginError::InvalidInput(x) => m::PluginError::InvalidInput(x.lift()),
            w::PluginError::NotFound(x) => m::PluginError::NotFound(x),
            w::PluginError::Conflict(x) => m::PluginError::Conflict(x),
            w::PluginError::Permanent(x) => m::PluginError::Permanent(x),
        }
    }
}

/// 0.1.0 has no `needs-person`: given to a 0.1.0 plugin (a kv call), it is `permanent`.
impl Lift<w::PluginError> for m::PluginError {
    fn lift(self) -> w::PluginError {
        match self {
            m::PluginError::Retryable(x) => w::PluginError::Retryable(x),
            m::PluginError::RateLimited(x) => w::PluginError::RateLimited(x),
            m::PluginError::Unauthorized(x) => w::PluginError::Unauthorized(x),
            m::PluginError::InvalidInput(x) => w::PluginError::InvalidInput(x.lift()),
            m::PluginError::NotFound(x) => w::PluginError::NotFound(x),
            m::PluginError::Conflict(x) => w::PluginError::Conflict(x),
            m::PluginError::Permanent(x) => w::PluginError::Permanent(x),
            m::PluginError::NeedsPerson(x) => w::PluginError::Permanent(format!("needs a person: {x}")),
        }
    }
}

// The model boxes its orders.
impl Lift<Box<m::Order>> for w::Order {
    fn lift(self) -> Box<m::Order> {
        Box::new(self.lift())
    }
}

impl Lift<w::Order> for Box<m::Order> {
    fn lift(self) -> w::Order {
        (*self).lift()
    }
}
