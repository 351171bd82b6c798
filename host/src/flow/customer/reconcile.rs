//! Customer reconciliation: how many customers each side has.

use crate::model::Record;
use crate::store::FlowReconcile;

/// The bulk query of Shopify's side.
pub const SHOPIFY_QUERY: &str = "{ customers { edges { node { id } } } }";

/// The ERP's customer count against Shopify's.
pub fn compare(name: &str, shopify_count: usize, erp: &[Record]) -> FlowReconcile {
    let erp = erp.iter().filter(|r| matches!(r, Record::Customer(_))).count();
    FlowReconcile {
        flow: name.to_owned(),
        object: "customer".into(),
        customers: Some((erp, shopify_count)),
        ..Default::default()
    }
}
