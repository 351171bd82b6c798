//! Since when each flow writes by its current rules (mapping, rules, inventory rules, lookups:
//! [`rules_digests`]): a write the ledger recorded before then was made by other rules, so the
//! same record is written again rather than skipped as done — a new mapping reaches records
//! that did not change, and so does a rollback to rules used before.

use crate::config::rules_digests;
use crate::store::{ConfigVersion, Store};
use std::collections::BTreeMap;

/// How far back the history is read.
const HISTORY: usize = 200;

/// Per flow of config version `running`, when the unbroken run of versions with its current
/// rules began (the `saved_ms` of the first of them); no entry (the ledger holds) when the rules
/// are the oldest version's and so older than the history.
pub(super) fn rules_since(store: &Store, running: u64) -> BTreeMap<String, u64> {
    let versions = match store.config_versions(HISTORY) {
        Ok(v) => v,
        Err(e) => {
            tracing::warn!("cannot read the config history ({e}): writes recorded by earlier rules count as done");
            return BTreeMap::new();
        }
    };
    // Newest first: the running version, then each one before it.
    let mut older = versions.iter().skip_while(|v| v.number != running);
    let Some(current) = older.next() else { return BTreeMap::new() };
    let older: Vec<(&ConfigVersion, BTreeMap<String, String>)> = older.map(|v| (v, rules_digests(&v.text))).collect();
    let mut since = BTreeMap::new();
    for (flow, digest) in rules_digests(&current.text) {
        let mut began = current.saved_ms;
        let mut changed = false;
        for (version, digests) in &older {
            if digests.get(&flow) != Some(&digest) {
                changed = true;
                break;
            }
            began = version.saved_ms;
        }
        if changed {
            since.insert(flow, began);
        }
    }
    since
}
