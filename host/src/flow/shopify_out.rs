//! Flows whose destination is Shopify: dispatch by object to the module that writes it.
//! Each returns one outcome per record, in order, like a connector's `push`.

use super::journal::{record_fields, Gate, Journal};
use super::{catalog, customers, inventory, orders};
use crate::config::{Config, FlowConfig, ObjectKind};
use crate::plugin::bindings::types::{KeyedRecord, PluginError, Pushed};
use crate::shopify::ShopifyClient;
use crate::store::Store;

/// What a Shopify writer can reach.
pub struct ShopifyContext<'a> {
    /// The shop's client (one cost budget for every flow).
    pub client: &'a ShopifyClient,
    /// The store (id map, ledger, last pushed values).
    pub store: &'a Store,
    /// The flow's name.
    pub flow_name: &'a str,
    /// The flow.
    pub flow: &'a FlowConfig,
    /// The whole config.
    pub config: &'a Config,
    /// The run the writes belong to (0 outside a run).
    pub run_id: u64,
    /// Undo entries and shadow intents collected while writing.
    pub journal: Journal,
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

/// Write `records` to Shopify according to the flow's object. In shadow mode, inventory,
/// catalog and price writers journal the exact values they would set; orders, fulfillments and
/// customers are journalled here as whole records.
pub fn push(ctx: &ShopifyContext<'_>, records: &[KeyedRecord]) -> Vec<Result<Pushed, PluginError>> {
    let whole_records = matches!(ctx.flow.object, ObjectKind::Order | ObjectKind::Fulfillment | ObjectKind::Customer);
    if whole_records && ctx.gate() == Gate::Shadow {
        return records
            .iter()
            .map(|k| {
                ctx.intend(k.record.entity().name(), k.record.external_id(), None, record_fields(&k.record));
                Ok(Pushed { external_id: format!("shadow:{}", k.record.external_id()), created: false })
            })
            .collect();
    }
    match ctx.flow.object {
        ObjectKind::Product | ObjectKind::Price => catalog::push(ctx, records),
        ObjectKind::Inventory => inventory::push(ctx, records),
        ObjectKind::Order | ObjectKind::Fulfillment => orders::push(ctx, records),
        ObjectKind::Customer => customers::push(ctx, records),
    }
}
