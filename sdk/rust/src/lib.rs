//! # weft-sdk — write weft plugins in Rust
//!
//! A weft plugin is a WebAssembly component that implements one of two worlds of the
//! `weft:plugin@0.2.0` WIT package: a **connector** (moves records in and out of an ERP) or a
//! **transform** (reshapes records between source and sink). This crate gives you the generated
//! bindings, two traits with sensible defaults, export macros, and helpers for config, secrets,
//! kv, logs, JSON over HTTP and errors.
//!
//! A complete transform:
//!
//! ```ignore
//! use weft_sdk::prelude::*;
//!
//! struct Upper;
//!
//! impl Transform for Upper {
//!     fn describe() -> PluginInfo {
//!         PluginInfo::new("upper", env!("CARGO_PKG_VERSION"), "Upper-cases SKUs")
//!     }
//!     fn apply_one(record: Record) -> Result<Vec<Record>, PluginError> {
//!         let mut record = record;
//!         if let Some(sku) = record.sku_mut() {
//!             *sku = sku.to_uppercase();
//!         }
//!         Ok(vec![record])
//!     }
//! }
//!
//! weft_sdk::export_transform!(Upper);
//! ```
//!
//! Records have builders (`Product::new(id, title).sku("T1").variant(Variant::new("V1"))`:
//! required fields as arguments, the rest optional), connectors implement `fetch_one` /
//! `push_one` per record, and [`cursor`] has pulls for the common ERP API shapes. The crate's
//! README has a complete connector and transform.
//!
//! Build it with `cargo build --target wasm32-wasip2 --release`; the `.wasm` is already a
//! component. Put it in `<plugins dir>/<id>/plugin.wasm` next to a `plugin.toml`.

#![allow(missing_docs)] // generated bindings
pub mod bindings;
mod builders;
pub mod cursor;
mod errors;
pub mod http;
mod records;

/// Logging into the host's log (tagged with the plugin id; secrets are redacted by the host).
pub mod log {
    use crate::bindings::connector::weft::plugin::log::log;
    pub use crate::bindings::connector::weft::plugin::types::Level;

    /// Log at `level` with structured fields.
    pub fn with_fields(level: Level, message: &str, fields: &[(&str, &str)]) {
        let fields: Vec<(String, String)> = fields.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        log(level, message, &fields);
    }
    /// Log at debug level.
    pub fn debug(message: &str) {
        log(Level::Debug, message, &[]);
    }
    /// Log at info level.
    pub fn info(message: &str) {
        log(Level::Info, message, &[]);
    }
    /// Log at warn level.
    pub fn warn(message: &str) {
        log(Level::Warn, message, &[]);
    }
    /// Log at error level.
    pub fn error(message: &str) {
        log(Level::Error, message, &[]);
    }
}

/// Operator configuration (only keys declared in `plugin.toml` are visible).
pub mod config {
    use crate::bindings::connector::weft::plugin::config::get as host_get;
    use crate::PluginError;

    /// The value of `key`, if set.
    pub fn get(key: &str) -> Option<String> {
        host_get(key)
    }
    /// The value of `key`, or an `invalid-input` error naming it.
    pub fn require(key: &str) -> Result<String, PluginError> {
        get(key).ok_or_else(|| PluginError::invalid(key, "required config key is not set"))
    }
    /// The value of `key` parsed from JSON (tables and arrays in the operator's TOML arrive as JSON).
    pub fn json<T: serde::de::DeserializeOwned>(key: &str) -> Result<Option<T>, PluginError> {
        match get(key) {
            None => Ok(None),
            Some(text) => serde_json::from_str(&text)
                .map(Some)
                .map_err(|e| PluginError::invalid(key, &format!("not valid JSON for this key: {e}"))),
        }
    }
}

/// Credentials by name (declared in `plugin.toml` and granted by the operator).
/// Never log them: the host redacts them anyway, but keep them out of errors too.
pub mod secrets {
    use crate::PluginError;

    /// The secret's value, if granted.
    pub fn get(name: &str) -> Option<String> {
        crate::bindings::connector::weft::plugin::secrets::get(name)
    }
    /// The secret's value, or an `unauthorized` error naming it.
    pub fn require(name: &str) -> Result<String, PluginError> {
        get(name).ok_or_else(|| PluginError::Unauthorized(format!("secret `{name}` is not granted or not set")))
    }
}

/// Plugin-scoped persistent key-value state.
pub mod kv {
    use crate::bindings::connector::weft::plugin::kv as host;
    use crate::PluginError;

    /// Raw bytes under `key`.
    pub fn get(key: &str) -> Option<Vec<u8>> {
        host::get(key)
    }
    /// Store raw bytes under `key`.
    pub fn set(key: &str, value: &[u8]) -> Result<(), PluginError> {
        host::set(key, value)
    }
    /// Remove `key`.
    pub fn delete(key: &str) -> Result<(), PluginError> {
        host::delete(key)
    }
    /// Keys with `prefix`, at most `limit`.
    pub fn list(prefix: &str, limit: u32) -> Vec<String> {
        host::list_keys(prefix, limit)
    }
    /// A JSON value under `key` (none when absent or unreadable).
    pub fn get_json<T: serde::de::DeserializeOwned>(key: &str) -> Option<T> {
        get(key).and_then(|b| serde_json::from_slice(&b).ok())
    }
    /// Store a value as JSON under `key`.
    pub fn set_json<T: serde::Serialize>(key: &str, value: &T) -> Result<(), PluginError> {
        let bytes =
            serde_json::to_vec(value).map_err(|e| PluginError::Permanent(format!("kv: cannot encode {key}: {e}")))?;
        set(key, &bytes)
    }
}

pub use bindings::connector::weft::plugin::types::{
    Address, AdjustmentReason, Amount, Cancellation, ChangeEvent, CompanyLocation, ConfigKey, Customer, Direction,
    DiscountAllocation, DiscountApplication, DiscountKind, DiscountValueType, Entity, EntitySupport, FieldError,
    FinancialStatus, Fulfillment, FulfillmentLine, InventoryAdjustment, InventoryLevel, KeyedRecord, LineEdit,
    LineEditKind, Media, Metafield, Money, Order, OrderChange, OrderChangeKind, OrderLine, OrderReturn, Page,
    PluginError, PluginInfo, Price, PriceScope, Product, ProductStatus, Pushed, QuantityBreak, QuantityRule, Record,
    Refund, RefundLine, RefundTransaction, RestockType, ReturnLine, ReturnStatus, ShippingLine, StockEffect, TaxLine,
    Tracking, Variant, WriteOutcome,
};

/// An ERP connector. Implement the functions your ERP supports; the defaults answer
/// "not supported" so a pull-only connector stays short.
pub trait Connector {
    /// Id, version, entities, config keys and secrets.
    fn describe() -> PluginInfo;
    /// Check configuration, credentials and reachability.
    fn check() -> Result<(), PluginError>;
    /// One page of `entity` changed since `cursor`.
    fn pull(entity: Entity, cursor: Option<String>, limit: u32) -> Result<Page, PluginError> {
        let _ = (cursor, limit);
        Err(PluginError::Permanent(format!("pull of {entity:?} is not supported")))
    }
    /// One record by external id (`None` when the ERP has no such record). The default
    /// `fetch` calls it for each id.
    fn fetch_one(entity: Entity, id: String) -> Result<Option<Record>, PluginError> {
        let _ = id;
        Err(PluginError::Permanent(format!("fetch of {entity:?} is not supported")))
    }
    /// Write one record; must be idempotent per `keyed.key` (the same key again changes
    /// nothing). The default `push` calls it for each record: an error fails that record only.
    fn push_one(entity: Entity, keyed: KeyedRecord) -> Result<Pushed, PluginError> {
        let _ = keyed;
        Err(PluginError::Permanent(format!("push of {entity:?} is not supported")))
    }
    /// Records by external id, one outcome per id: by default `fetch_one` for each.
    fn fetch(entity: Entity, ids: Vec<String>) -> Vec<Result<Option<Record>, PluginError>> {
        ids.into_iter().map(|id| Self::fetch_one(entity, id)).collect()
    }
    /// Write records, one outcome per record: by default `push_one` for each.
    fn push(entity: Entity, records: Vec<KeyedRecord>) -> Vec<Result<Pushed, PluginError>> {
        records.into_iter().map(|r| Self::push_one(entity, r)).collect()
    }
    /// Decode an ERP webhook.
    fn parse_event(headers: Vec<(String, String)>, body: Vec<u8>) -> Result<Vec<ChangeEvent>, PluginError> {
        let _ = (headers, body);
        Ok(Vec::new())
    }
}

/// A transform. Implement `apply_one` (per record) or override `apply` (per batch).
pub trait Transform {
    /// Id, version, entities accepted, config keys.
    fn describe() -> PluginInfo;
    /// Transform one record into zero, one or several.
    fn apply_one(record: Record) -> Result<Vec<Record>, PluginError>;
    /// Transform a batch; by default `apply_one` for each record.
    fn apply(records: Vec<Record>) -> Vec<Result<Vec<Record>, PluginError>> {
        records.into_iter().map(Self::apply_one).collect()
    }
}

impl<T: Connector> bindings::connector::exports::weft::plugin::connector::Guest for T {
    fn describe() -> PluginInfo {
        <T as Connector>::describe()
    }
    fn check() -> Result<(), PluginError> {
        <T as Connector>::check()
    }
    fn pull(entity: Entity, cursor: Option<String>, limit: u32) -> Result<Page, PluginError> {
        <T as Connector>::pull(entity, cursor, limit)
    }
    fn fetch(entity: Entity, ids: Vec<String>) -> Vec<Result<Option<Record>, PluginError>> {
        <T as Connector>::fetch(entity, ids)
    }
    fn push(entity: Entity, records: Vec<KeyedRecord>) -> Vec<Result<Pushed, PluginError>> {
        <T as Connector>::push(entity, records)
    }
    fn parse_event(headers: Vec<(String, String)>, body: Vec<u8>) -> Result<Vec<ChangeEvent>, PluginError> {
        <T as Connector>::parse_event(headers, body)
    }
}

impl<T: Transform> bindings::transform::exports::weft::plugin::transform::Guest for T {
    fn describe() -> PluginInfo {
        <T as Transform>::describe()
    }
    fn apply(records: Vec<Record>) -> Vec<Result<Vec<Record>, PluginError>> {
        <T as Transform>::apply(records)
    }
}

/// The host hands a transform its batch as one postcard buffer (`transform-batch`): decoded here,
/// given to [`Transform::apply`], and its outcomes encoded back the same way.
impl<T: Transform> bindings::transform::exports::weft::plugin::transform_batch::Guest for T {
    fn apply_encoded(records: Vec<u8>) -> Result<Vec<u8>, PluginError> {
        let decoded: Vec<Record> = postcard::from_bytes(&records).map_err(|e| {
            PluginError::Permanent(format!("the batch does not decode as weft:plugin@0.2.0 records: {e}"))
        })?;
        let outcomes = <T as Transform>::apply(decoded);
        // The answer is usually about the size of the batch: one allocation, not a doubling series.
        postcard::to_extend(&outcomes, Vec::with_capacity(records.len() + records.len() / 4))
            .map_err(|e| PluginError::Permanent(format!("the outcomes do not encode: {e}")))
    }
}

/// Export a [`Connector`] implementation as the component's `weft:plugin/connector`.
#[macro_export]
macro_rules! export_connector {
    ($t:ident) => {
        $crate::bindings::connector::export_connector_world!($t with_types_in $crate::bindings::connector);
    };
}

/// Export a [`Transform`] implementation as the component's `weft:plugin/transform` and
/// `weft:plugin/transform-batch` (world `transform-batch-plugin`).
#[macro_export]
macro_rules! export_transform {
    ($t:ident) => {
        $crate::bindings::transform::export_transform_world!($t with_types_in $crate::bindings::transform);
    };
}

/// Everything a plugin usually needs.
pub mod prelude {
    pub use crate::{
        config, cursor, http, kv, log, secrets, Address, Amount, ChangeEvent, ConfigKey, Connector, Customer,
        Direction, Entity, EntitySupport, FieldError, FinancialStatus, Fulfillment, FulfillmentLine,
        InventoryAdjustment, InventoryLevel, KeyedRecord, Money, Order, OrderChange, OrderChangeKind, OrderLine, Page,
        PluginError, PluginInfo, Price, PriceScope, Product, ProductStatus, Pushed, Record, StockEffect, Tracking,
        Transform, Variant, WriteOutcome,
    };
}
