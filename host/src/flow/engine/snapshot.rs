//! Reading a connection from scratch (for `weft reconcile`): every record of an entity, pulled
//! without a cursor on a session whose plugin state is a throw-away store, so neither the
//! flow's cursor nor the connector's own state (e.g. the file feed's "processed" marks) moves;
//! then the flow's transforms, as the flow would apply them.

use super::{FlowEngine, Item};
use crate::config::{Endpoint, FlowConfig};
use crate::flow::base::ToJobError;
use crate::flow::inventory::reconcile::ErpLevel;
use crate::flow::inventory::{self, Computed};
use crate::model::{Entity, PluginError, Record};
use crate::plugin::PluginSession;
use crate::store::Store;
use std::collections::BTreeMap;

/// Records asked for per page.
const PAGE: u32 = 250;
/// Bad rows skipped in a row before the read is given up (a connector that keeps failing).
const MAX_BAD_IN_A_ROW: usize = 1_000;

/// What a read from scratch found.
#[derive(Debug, Default)]
pub struct Snapshot {
    /// The records as the source sent them, by position.
    pub raw: Vec<Record>,
    /// The records after the flow's transforms, with the position of the source record.
    pub transformed: Vec<(usize, Record)>,
    /// Records the connector reported as bad, or the transforms refused.
    pub rejected: usize,
}

impl FlowEngine {
    /// A session on `connection` whose plugin state lives in a throw-away store: what it reads
    /// moves nothing the flows rely on (a feed's consumed files, a connector's own cursors).
    pub(crate) fn scratch_session(&self, endpoint: &Endpoint) -> Result<PluginSession, String> {
        let Endpoint::Connection(connection) = endpoint else {
            return Err("Shopify is spoken natively, not through a plugin".into());
        };
        let conn = self.config.connections.get(connection).ok_or_else(|| format!("no connection {connection}"))?;
        let grant = self.grants.get(connection).cloned().unwrap_or_default();
        let scratch = Store::in_memory().map_err(|e| e.to_string())?;
        self.plugins.session_on(&conn.plugin, &grant, Some(&scratch)).map_err(|e| e.to_string())
    }

    /// Every `entity` record of `connection`, read from scratch and transformed by `flow`'s
    /// transforms; `progress` is told the number of records read after each page.
    pub fn read_from_scratch(
        &self,
        flow: &FlowConfig,
        connection: &Endpoint,
        entity_kind: Entity,
        progress: &mut dyn FnMut(usize),
    ) -> Result<Snapshot, String> {
        let mut snapshot = Snapshot::default();
        self.pages_from_scratch(flow, connection, entity_kind, &mut |page| {
            let offset = snapshot.raw.len();
            snapshot.rejected += page.rejected;
            snapshot.transformed.extend(page.transformed.into_iter().map(|(i, r)| (offset + i, r)));
            snapshot.raw.extend(page.raw);
            progress(snapshot.raw.len());
            Ok(())
        })?;
        Ok(snapshot)
    }

    /// Every `entity` record of `connection`, read from scratch a page at a time: `on_page` gets
    /// each page, transformed by `flow`'s transforms, and may stop the read with an error. Memory
    /// holds one page.
    pub fn pages_from_scratch(
        &self,
        flow: &FlowConfig,
        connection: &Endpoint,
        entity_kind: Entity,
        on_page: &mut dyn FnMut(Snapshot) -> Result<(), String>,
    ) -> Result<(), String> {
        let mut session = self.scratch_session(connection)?;
        let mut cursor: Option<String> = None;
        let mut bad_in_a_row = 0;
        let mut rejected = 0;
        loop {
            let page = match session
                .pull(entity_kind, cursor.as_deref(), PAGE)
                .map_err(|e| format!("{connection}: {e}"))?
            {
                Ok(page) => page,
                // The connector reported one bad item and skipped it: call again (see the WIT).
                Err(PluginError::InvalidInput(f)) if bad_in_a_row < MAX_BAD_IN_A_ROW => {
                    tracing::warn!(connection = %connection, field = %f.field, "skipped a bad record while reading from scratch: {}", f.message);
                    rejected += 1;
                    bad_in_a_row += 1;
                    continue;
                }
                Err(e) => return Err(format!("{connection}: {}", e.job_error().message)),
            };
            bad_in_a_row = 0;
            let last = !page.has_more || page.next_cursor.is_none() || page.next_cursor == cursor;
            let items =
                page.records.iter().enumerate().map(|(job, record)| Item { job, record: record.clone() }).collect();
            let mut failures = BTreeMap::new();
            let items = self.transform(flow, items, &mut failures);
            on_page(Snapshot {
                raw: page.records,
                transformed: items.into_iter().map(|i| (i.job, i.record)).collect(),
                rejected: std::mem::take(&mut rejected) + failures.len(),
            })?;
            if last {
                return Ok(());
            }
            cursor = page.next_cursor;
        }
    }

    /// Every level of inventory flow `flow_name` as the flow computes it, read from scratch:
    /// location map, formula, buffer and overrides applied; the last record of a SKU ×
    /// Shopify location wins, as it would in the flow. Also counts the rejected records.
    pub fn inventory_from_scratch(
        &self,
        flow_name: &str,
        progress: &mut dyn FnMut(usize),
    ) -> Result<(Vec<ErpLevel>, usize), String> {
        let flow = self.flow(flow_name).ok_or_else(|| format!("no flow {flow_name}"))?;
        let snapshot = self.read_from_scratch(flow, &flow.from, flow.object.entity(), progress)?;
        let rules = flow.rules().map_err(|(k, r)| format!("flows.{flow_name}.{k}: {r}"))?;
        let mut rejected = snapshot.rejected;
        let mut levels: BTreeMap<(String, String), ErpLevel> = BTreeMap::new();
        for (i, record) in snapshot.transformed {
            match inventory::trace(flow_name, flow, &rules, &record) {
                Ok(Computed::Level(trace)) => {
                    let raw = snapshot.raw[i].clone();
                    levels.insert((trace.sku.clone(), trace.shopify_location.clone()), ErpLevel { trace, raw, record });
                }
                Ok(Computed::Unmapped(_)) => {}
                Err(_) => rejected += 1,
            }
        }
        Ok((levels.into_values().collect(), rejected))
    }

    /// `entity` records `ids` as `connection` has them now (`None`: it does not have one).
    pub fn fetch_from(
        &self,
        connection: &Endpoint,
        entity_kind: Entity,
        ids: &[String],
    ) -> Result<Vec<Option<Record>>, String> {
        let mut session = self.connector(connection).map_err(|e| e.message)?;
        let found = session.fetch(entity_kind, ids).map_err(|e| format!("{connection}: {e}"))?;
        found.into_iter().map(|r| r.map_err(|e| format!("{connection}: {}", e.job_error().message))).collect()
    }
}
