//! The host's own model of what moves between systems: canonical records, the errors plugins
//! report, and what connectors say about themselves.
//!
//! These types belong to the host. Each supported WIT version converts its generated bindings
//! into them at the plugin seam (`plugin::wit::v0_1_0`, ...), so no other module imports
//! generated code and a new contract version is added beside the old one without touching the
//! rest of the tree. The model has the shape of the newest contract (0.2.0); older versions
//! convert at the seam. Their JSON form (queued jobs, run records, `weft mapping preview
//! --record`) has field names in snake_case and variants externally tagged.

mod catalog;
mod changes;
mod fulfillment;
mod money;
mod orders;
mod plugin;
mod price;
mod record;
mod stock;

pub use catalog::{Media, Metafield, Product, ProductStatus, Variant};
pub use changes::{
    Cancellation, LineEdit, LineEditKind, OrderChange, OrderChangeKind, OrderReturn, Refund, RefundLine,
    RefundTransaction, RestockType, ReturnLine, ReturnStatus,
};
pub use fulfillment::{Fulfillment, FulfillmentLine, Tracking};
pub use money::{Amount, Money};
pub use orders::{
    Address, CompanyLocation, Customer, DiscountAllocation, DiscountApplication, DiscountKind, DiscountValueType,
    FinancialStatus, Order, OrderLine, ShippingLine, StockEffect, TaxLine,
};
pub use plugin::{
    ChangeEvent, ConfigKey, Direction, EntitySupport, FieldError, KeyedRecord, Level, Page, PluginError, PluginInfo,
    Pushed, WriteOutcome,
};
pub use price::{Price, PriceScope, QuantityBreak, QuantityRule};
pub use record::{Entity, Record};
pub use stock::{AdjustmentReason, InventoryAdjustment, InventoryLevel};
