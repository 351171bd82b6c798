//! Every object's decision in every role, in one place: how it is written to Shopify and
//! previewed, whether and how it is read from Shopify, reconciled, compared by `weft shadow
//! diff` and reverted. Each function matches every [`ObjectKind`] (or [`JournalObject`]) with no
//! catch-all, so a new object kind does not compile until each decision is made here; the
//! drivers (`flow::engine`, `flow::preview`, `shadow`, `revert`, `reconcile`) only follow them.

use super::base::revert::RevertReport;
use super::base::shadow::Difference;
use super::base::{ShopifyContext, Written};
use super::{catalog, customer, fulfillment, inventory, order, price};
use crate::config::{FlowConfig, ObjectKind};
use crate::model::{KeyedRecord, Page, PluginError, Record};
use crate::shopify::ShopifyClient;
use crate::store::{Intent, JournalObject, Store, UndoEntry};
use serde_json::Value;

/// Write records of the flow's object to Shopify; one outcome per record.
pub fn write(ctx: &ShopifyContext<'_>, records: &[KeyedRecord]) -> Vec<Result<Written, PluginError>> {
    match ctx.flow.object {
        ObjectKind::Product => catalog::write(ctx, records),
        ObjectKind::Inventory => inventory::write(ctx, records),
        ObjectKind::Price => price::write(ctx, records),
        ObjectKind::Order => order::write(ctx, records),
        ObjectKind::Customer => customer::write(ctx, records),
        ObjectKind::Fulfillment => fulfillment::write(ctx, records),
    }
}

/// What the flow would write to Shopify for `record`, without writing.
pub fn preview(ctx: &ShopifyContext<'_>, record: &Record) -> Result<Value, PluginError> {
    match ctx.flow.object {
        ObjectKind::Product => catalog::preview(ctx, record),
        ObjectKind::Inventory => inventory::preview(ctx, record),
        ObjectKind::Price => price::preview(ctx, record),
        ObjectKind::Order => order::preview(ctx, record),
        ObjectKind::Customer => customer::preview(ctx, record),
        ObjectKind::Fulfillment => fulfillment::preview(ctx, record),
    }
}

/// Whether a shadow-mode flow into Shopify journals whole records (its writer computes nothing
/// worth comparing field by field) rather than the values its writer would set.
pub fn shadows_whole_records(object: ObjectKind) -> bool {
    match object {
        ObjectKind::Order | ObjectKind::Fulfillment | ObjectKind::Customer => true,
        ObjectKind::Product | ObjectKind::Inventory | ObjectKind::Price => false,
    }
}

/// How a flow from Shopify gets its records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShopifySource {
    /// Webhooks whose topic starts with one of these prefixes; polling as the safety net when
    /// `poll`.
    Webhooks {
        /// Topic prefixes (`orders/`).
        topics: &'static [&'static str],
        /// The topics `weft serve` subscribes for it (GraphQL `WebhookSubscriptionTopic` names).
        subscribe: &'static [&'static str],
        /// Whether a schedule polls too.
        poll: bool,
    },
    /// Not read from Shopify, and why.
    Unsupported(&'static str),
}

/// How `object` is read from Shopify.
pub fn shopify_source(object: ObjectKind) -> ShopifySource {
    match object {
        // An order's refunds and returns have topics of their own; each is read as the order.
        ObjectKind::Order => ShopifySource::Webhooks {
            topics: &["orders/", "refunds/", "returns/"],
            subscribe: &[
                "ORDERS_CREATE",
                "ORDERS_UPDATED",
                "ORDERS_PAID",
                "ORDERS_CANCELLED",
                "ORDERS_EDITED",
                "ORDERS_FULFILLED",
                "ORDERS_PARTIALLY_FULFILLED",
                "REFUNDS_CREATE",
                "RETURNS_REQUEST",
                "RETURNS_APPROVE",
                "RETURNS_CLOSE",
                "RETURNS_CANCEL",
                "RETURNS_DECLINE",
            ],
            poll: true,
        },
        ObjectKind::Customer => ShopifySource::Webhooks {
            topics: &["customers/"],
            subscribe: &["CUSTOMERS_CREATE", "CUSTOMERS_UPDATE"],
            poll: false,
        },
        ObjectKind::Product => {
            ShopifySource::Unsupported("the ERP owns the catalog; products are not read from Shopify")
        }
        ObjectKind::Inventory => ShopifySource::Unsupported("inventory flows run from the ERP to Shopify"),
        ObjectKind::Price => ShopifySource::Unsupported("prices come from the ERP"),
        ObjectKind::Fulfillment => ShopifySource::Unsupported("shipments come from the ERP"),
    }
}

/// The access scopes a flow needs on the shop's token (a `write_` scope grants its `read_`).
pub fn access_scopes(flow: &FlowConfig) -> &'static [&'static str] {
    match (flow.object, flow.to.is_shopify()) {
        // Variants it creates are stocked at the inventory flows' locations in the same write.
        (ObjectKind::Product, true) => &["write_products", "write_inventory", "read_locations"],
        (ObjectKind::Inventory, true) => &["write_inventory", "read_products", "read_locations"],
        (ObjectKind::Price, true) => &["write_products"],
        // Lines resolve to variants by SKU.
        (ObjectKind::Order, true) => &["write_orders", "read_products"],
        (ObjectKind::Customer, true) => &["write_customers"],
        (ObjectKind::Fulfillment, true) => &["write_merchant_managed_fulfillment_orders", "read_orders"],
        (ObjectKind::Order, false) => &["read_orders"],
        (ObjectKind::Customer, false) => &["read_customers"],
        // Not read from Shopify (see `shopify_source`).
        (ObjectKind::Product | ObjectKind::Inventory | ObjectKind::Price | ObjectKind::Fulfillment, false) => &[],
    }
}

/// The records a Shopify webhook of `topic` carries for the flow (none: nothing for it), in the
/// order they are written.
pub fn read_webhook(ctx: &ShopifyContext<'_>, topic: &str, body: &Value) -> Result<Vec<Record>, PluginError> {
    match ctx.flow.object {
        ObjectKind::Order => order::read::from_webhook(ctx, body),
        ObjectKind::Customer => Ok(customer::read::from_webhook(body)?.into_iter().collect()),
        ObjectKind::Product | ObjectKind::Inventory | ObjectKind::Price | ObjectKind::Fulfillment => {
            tracing::debug!(flow = ctx.flow_name, topic, "the flow does not read webhooks");
            Ok(Vec::new())
        }
    }
}

/// One page of the flow's records changed since `cursor`, polled from Shopify.
pub fn poll(ctx: &ShopifyContext<'_>, cursor: Option<&str>, limit: u32) -> Result<Page, PluginError> {
    match (ctx.flow.object, shopify_source(ctx.flow.object)) {
        (ObjectKind::Order, _) => order::read::poll(ctx, cursor, limit),
        (object, ShopifySource::Webhooks { .. }) => Err(PluginError::Permanent(format!(
            "flow {}: {} records come from Shopify by webhook only; remove the schedule",
            ctx.flow_name,
            object.name()
        ))),
        (_, ShopifySource::Unsupported(why)) => Err(PluginError::Permanent(format!("flow {}: {why}", ctx.flow_name))),
    }
}

/// How `weft reconcile` compares a flow's object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reconcile {
    /// Every level the flow computes against Shopify's available (flows into Shopify).
    Levels,
    /// Order counts and totals per day (either direction).
    OrderTotals,
    /// Customer counts (either direction).
    CustomerCounts,
    /// Each ERP price record against the variant price or the price list it sets (into Shopify).
    Prices,
    /// Not reconciled, and why.
    No(&'static str),
}

/// How a flow's object is reconciled.
pub fn reconcile(flow: &FlowConfig) -> Reconcile {
    let with_shopify = flow.from.is_shopify() || flow.to.is_shopify();
    match flow.object {
        ObjectKind::Inventory if flow.to.is_shopify() => Reconcile::Levels,
        ObjectKind::Inventory => Reconcile::No("inventory is reconciled only into Shopify"),
        ObjectKind::Order if with_shopify => Reconcile::OrderTotals,
        ObjectKind::Customer if with_shopify => Reconcile::CustomerCounts,
        ObjectKind::Order | ObjectKind::Customer => Reconcile::No("neither side is Shopify"),
        ObjectKind::Product => Reconcile::No("products are not reconciled; `weft shadow diff` compares product fields"),
        ObjectKind::Price if flow.to.is_shopify() => Reconcile::Prices,
        ObjectKind::Price => Reconcile::No("prices are reconciled only into Shopify"),
        ObjectKind::Fulfillment => Reconcile::No("shipments are not reconciled"),
    }
}

/// What `weft shadow diff` made of the intents of one journal object.
#[derive(Debug)]
pub enum Compared {
    /// Compared with Shopify: the fields that differ.
    Differences(Vec<Difference>),
    /// Not compared, and why.
    NotCompared(&'static str),
}

/// Compare the intents of one journal object of a flow into Shopify with what Shopify holds.
pub fn shadow_compare(
    client: &ShopifyClient,
    flow: &FlowConfig,
    object: JournalObject,
    intents: &[&Intent],
) -> Result<Compared, String> {
    Ok(match object {
        JournalObject::InventoryLevel => Compared::Differences(inventory::shadow::compare(client, intents)?),
        JournalObject::VariantPrice => Compared::Differences(price::shadow::compare(client, intents)?),
        JournalObject::ListPrice => Compared::Differences(price::list_roles::compare(client, intents)?),
        JournalObject::Product => Compared::Differences(catalog::shadow::compare(client, intents)?),
        JournalObject::Order => Compared::Differences(order::shadow::compare(client, flow, intents)?),
        JournalObject::Customer => Compared::NotCompared("customers written to Shopify are not compared"),
        JournalObject::Fulfillment => Compared::NotCompared("shipments written to Shopify are not compared"),
        JournalObject::Price | JournalObject::OrderChange | JournalObject::InventoryAdjustment => {
            Compared::NotCompared("these records are journalled for ERP destinations only")
        }
    })
}

/// Put back the values of one journal object a run changed in Shopify.
pub fn revert(
    client: &ShopifyClient,
    store: &Store,
    run_id: u64,
    object: JournalObject,
    entries: &[&UndoEntry],
    report: &mut RevertReport,
) -> Result<(), String> {
    match object {
        JournalObject::InventoryLevel => inventory::revert::revert(client, store, run_id, entries, report),
        JournalObject::VariantPrice => price::revert::revert(client, entries, report),
        JournalObject::ListPrice => price::list_roles::revert(client, entries, report),
        JournalObject::Product => catalog::revert::revert(client, entries, report),
        JournalObject::Order
        | JournalObject::Customer
        | JournalObject::Price
        | JournalObject::Fulfillment
        | JournalObject::OrderChange
        | JournalObject::InventoryAdjustment => {
            Err(format!("the undo log has {object} changes; only levels, prices and product fields are reverted"))
        }
    }
}

/// Whether a revert lists the records a run of this object created (for a person to decide on;
/// they are never deleted by a machine).
pub fn lists_created(object: ObjectKind) -> bool {
    match object {
        ObjectKind::Order | ObjectKind::Customer => true,
        // Their changes are in the undo log (products created are listed from it).
        ObjectKind::Product | ObjectKind::Inventory | ObjectKind::Price => false,
        ObjectKind::Fulfillment => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flow(from: &str, to: &str, object: &str) -> FlowConfig {
        toml::from_str(&format!("from = \"{from}\"\nto = \"{to}\"\nobject = \"{object}\"")).expect("a flow")
    }

    #[test]
    fn the_decisions_per_object() {
        let read: Vec<(ObjectKind, bool)> = ObjectKind::ALL
            .into_iter()
            .map(|k| (k, matches!(shopify_source(k), ShopifySource::Webhooks { .. })))
            .collect();
        assert_eq!(
            read.iter().filter(|(_, r)| *r).map(|(k, _)| *k).collect::<Vec<_>>(),
            [ObjectKind::Order, ObjectKind::Customer]
        );
        assert_eq!(reconcile(&flow("erp", "shopify", "inventory")), Reconcile::Levels);
        assert!(matches!(reconcile(&flow("shopify", "erp", "inventory")), Reconcile::No(_)));
        assert_eq!(reconcile(&flow("shopify", "erp", "order")), Reconcile::OrderTotals);
        assert_eq!(reconcile(&flow("erp", "shopify", "customer")), Reconcile::CustomerCounts);
        assert_eq!(reconcile(&flow("erp", "shopify", "price")), Reconcile::Prices);
        for object in ["product", "fulfillment"] {
            assert!(matches!(reconcile(&flow("erp", "shopify", object)), Reconcile::No(_)), "{object}");
        }
        assert_eq!(
            ObjectKind::ALL.into_iter().filter(|k| lists_created(*k)).collect::<Vec<_>>(),
            [ObjectKind::Order, ObjectKind::Customer]
        );
    }
}
