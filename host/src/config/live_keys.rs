//! The keys of a flow that shape what it writes and may change while `weft serve` runs (the
//! dashboard's editor changes them; see `crate::versions`), and their digest per flow: a write
//! the ledger recorded under other rules than the running ones is written again (see
//! `FlowEngine::with_config_version`).

use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// The keys of a flow the editor may change, and that take effect without a restart: the
/// mapping, its rules and `skip_if`, and the inventory rules (formula, buffer, per-location and
/// per-channel overrides).
pub const HOT_FLOW_KEYS: [&str; 7] =
    ["mapping", "skip_if", "rules", "available", "buffer", "location_overrides", "channels"];

/// Per flow of `text` (a config file), the digest of its [`HOT_FLOW_KEYS`] and of the lookup
/// tables they may read.
pub fn rules_digests(text: &str) -> BTreeMap<String, String> {
    let Ok(table) = text.parse::<toml::Table>() else { return BTreeMap::new() };
    let lookups = table.get("lookups");
    let flows = table.get("flows").and_then(toml::Value::as_table);
    flows
        .into_iter()
        .flatten()
        .filter_map(|(name, flow)| {
            let flow = flow.as_table()?;
            let set: BTreeMap<&str, &toml::Value> =
                HOT_FLOW_KEYS.iter().filter_map(|k| flow.get(*k).map(|v| (*k, v))).collect();
            let shaped = serde_json::to_vec(&(set, lookups)).ok()?;
            Some((name.clone(), hex::encode(&Sha256::digest(&shaped)[..8])))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_mapping_or_lookup_changes_the_digest_and_other_keys_do_not() {
        let file = |title: &str, every: &str, red: &str| {
            format!(
                "[flows.catalog]\nfrom = \"erp\"\nto = \"shopify\"\nobject = \"product\"\ntrigger = {{ every = \"{every}\" }}\n\
                 mapping = {{ title = \"{title}\" }}\n[flows.stock]\nfrom = \"erp\"\nto = \"shopify\"\nobject = \"inventory\"\n\
                 [lookups.colours]\nred = \"{red}\"\n"
            )
        };
        let base = rules_digests(&file("erp.title", "5m", "Red"));
        assert_eq!(base.len(), 2, "{base:?}");
        assert_eq!(rules_digests(&file("erp.title", "1h", "Red")), base, "a schedule shapes no write");
        let retitled = rules_digests(&file("upper(erp.title)", "5m", "Red"));
        assert_ne!(retitled["catalog"], base["catalog"]);
        assert_eq!(retitled["stock"], base["stock"], "another flow's mapping");
        assert_ne!(rules_digests(&file("erp.title", "5m", "Rouge"))["catalog"], base["catalog"]);
    }
}
