//! The host's own model of what moves between systems: canonical records, the errors plugins
//! report, and what connectors say about themselves.
//!
//! These types belong to the host. Each supported WIT version converts its generated bindings
//! into them at the plugin seam (`plugin::wit::v0_1_0`, ...), so no other module imports
//! generated code and a new contract version is added beside the old one without touching the
//! rest of the tree. Their JSON form (queued jobs, run records, `weft mapping preview --record`)
//! is the same as the 0.1.0 bindings': field names in snake_case, variants externally tagged.

mod catalog;
mod orders;
mod plugin;
mod record;

pub use catalog::{InventoryLevel, Money, Price, Product, ProductStatus, Variant};
pub use orders::{Address, Customer, FinancialStatus, Fulfillment, Order, OrderLine};
pub use plugin::{
    ChangeEvent, ConfigKey, Direction, EntitySupport, FieldError, KeyedRecord, Level, Page, PluginError, PluginInfo,
    Pushed,
};
pub use record::{Entity, Record};
