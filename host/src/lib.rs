//! weft: keeps a Shopify store and an ERP in sync through sandboxed Wasm plugins.

pub mod alerts;
pub mod breaker;
pub mod check;
pub mod cli;
pub mod clock;
pub mod config;
pub mod conformance;
pub mod domain;
pub mod flow;
pub mod metrics;
pub mod model;
pub mod ops;
pub mod plugin;
pub mod queue;
pub mod reconcile;
pub mod redact;
pub mod retention;
pub mod revert;
pub mod scheduler;
pub mod serve;
pub mod server;
pub mod shadow;
pub mod shopify;
pub mod signals;
pub mod store;
pub mod workers;
