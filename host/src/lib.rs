//! weft: keeps a Shopify store and an ERP in sync through sandboxed Wasm plugins.

pub mod cli;
pub mod conformance;
pub mod config;
pub mod plugin;
pub mod redact;
pub mod shopify;
pub mod store;
