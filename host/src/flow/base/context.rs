//! What a Shopify reader or writer can reach, and how it runs Shopify's async calls.

use super::gate::Journal;
use super::work::LevelRead;
use crate::clock::Clock;
use crate::config::{Config, FlowConfig};
use crate::domain::mapping::Mapping;
use crate::model::PluginError;
use crate::shopify::ShopifyClient;
use crate::store::{ShopLinks, Store};
use std::collections::BTreeMap;

/// What a Shopify reader or writer can reach.
pub struct ShopifyContext<'a> {
    /// The shop's client (one cost budget for every flow of the shop).
    pub client: &'a ShopifyClient,
    /// The shop's name (`shopify` for the `[shopify]` section).
    pub shop: &'a str,
    /// The store (id map, ledger, flow state).
    pub store: &'a Store,
    /// The flow's name.
    pub flow_name: &'a str,
    /// The flow.
    pub flow: &'a FlowConfig,
    /// The whole config.
    pub config: &'a Config,
    /// The run the writes belong to (0 outside a run).
    pub run_id: u64,
    /// The time.
    pub clock: &'a dyn Clock,
    /// Undo entries and shadow intents collected while writing.
    pub journal: Journal,
    /// Inventory flows: how each level being written was read by the flow's pull, by record key.
    pub read_stamps: BTreeMap<String, LevelRead>,
}

impl<'a> ShopifyContext<'a> {
    /// The id map of the flow's shop.
    pub fn links(&self) -> ShopLinks<'a> {
        ShopLinks::new(self.store, crate::config::shops::link_scope(self.shop))
    }

    /// The flow's compiled mapping; one that does not compile fails every record of the write
    /// with the key (the config check refuses it first, so this is a safeguard).
    pub fn mapping(&self) -> Result<Mapping, PluginError> {
        self.flow
            .mapping(self.config.lookups.tables())
            .map_err(|e| PluginError::Permanent(format!("flows.{}.{e}", self.flow_name)))
    }
}

/// Run an async Shopify call from a worker thread.
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    match tokio::runtime::Handle::try_current() {
        Ok(handle) => tokio::task::block_in_place(|| handle.block_on(future)),
        Err(_) => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a current-thread runtime for a Shopify call")
            .block_on(future),
    }
}
