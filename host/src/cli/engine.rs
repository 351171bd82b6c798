//! A flow engine in this process, for the commands that read or write the systems directly
//! (`run`, `mapping preview`, `reconcile`, `shadow diff`, `runs revert`): not while `weft serve`
//! holds the database.

use crate::clock::SystemClock;
use crate::config::Config;
use crate::flow::FlowEngine;
use crate::plugin::{HostOptions, PluginHost};
use crate::queue::Queue;
use crate::redact::Redactor;
use crate::store::Store;
use std::sync::Arc;

/// The engine and the runtime its Shopify calls run on.
pub struct LocalEngine {
    /// Multi-threaded runtime (enter it before using the engine).
    pub runtime: tokio::runtime::Runtime,
    /// The engine.
    pub engine: FlowEngine,
}

/// Open the store, load the plugins and build the engine.
pub fn open(config: Config) -> Result<LocalEngine, String> {
    let store = super::open_store(&config)
        .map_err(|e| format!("{e} (stop `weft serve` first: the database admits one process)"))?;
    with_store(config, store)
}

/// Load the plugins and build the engine over an open store.
pub fn with_store(config: Config, store: Store) -> Result<LocalEngine, String> {
    let plugins = PluginHost::load(HostOptions::from_config(&config, Some(store.clone()), Redactor::new()))?;
    let queue = Queue::new(store, Arc::new(SystemClock));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let engine = {
        let _guard = runtime.enter();
        FlowEngine::new(Arc::new(config), Arc::new(plugins), queue)?
    };
    Ok(LocalEngine { runtime, engine })
}
