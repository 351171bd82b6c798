//! Identity conflicts: a variant key (a SKU, or the catalog flow's identity key) claimed by more
//! than one ERP product. The catalog flow records them ([`record`]) when a product claims a key
//! another product owns, or two products in one batch claim it; from then on nothing keyed by
//! that key is written for any of them — products, stock levels, prices, order lines — and each
//! such record fails with an error naming the products ([`check`]), until a person changes the
//! ERP so that one product claims it: a claimant's next catalog write without the key lets it go
//! ([`settle`]), and a conflict with one claimant left is gone.

use crate::model::PluginError;
use crate::store::{StateTable, Store};
use std::collections::{BTreeMap, BTreeSet};

const TABLE: StateTable = StateTable::IdentityConflicts;

fn back(product: &str, key: &str) -> String {
    format!("\u{1f}{product}\u{1f}{key}")
}

fn claimants(store: &Store, key: &str) -> Result<BTreeSet<String>, PluginError> {
    let stored = store.state_get(TABLE, key).map_err(|e| PluginError::Retryable(e.to_string()))?;
    Ok(decoded(stored))
}

/// The claimants a stored entry lists (none when there is no entry).
fn decoded(stored: Option<Vec<u8>>) -> BTreeSet<String> {
    stored.and_then(|v| serde_json::from_slice(&v).ok()).unwrap_or_default()
}

/// The error of a record keyed by `key`, claimed by `products`.
fn conflict(field: &str, key: &str, products: &BTreeSet<String>) -> PluginError {
    let names: Vec<&str> = products.iter().map(String::as_str).collect();
    PluginError::invalid(
        field,
        format!(
            "{field} {key:?} is claimed by ERP products {}; nothing keyed by it is written for either until one \
             of them no longer claims it in the ERP",
            names.join(" and ")
        ),
    )
}

/// Record that `products` claim `key` (with those already recorded); the error for a record
/// keyed by it.
pub fn record(store: &Store, field: &str, key: &str, products: &[&str]) -> PluginError {
    let mut all = match claimants(store, key) {
        Ok(all) => all,
        Err(e) => return e,
    };
    all.extend(products.iter().map(|p| (*p).to_owned()));
    let mut entries = vec![(key.to_owned(), Some(serde_json::to_vec(&all).unwrap_or_default()))];
    entries.extend(all.iter().map(|p| (back(p, key), Some(Vec::new()))));
    if let Err(e) = store.state_write(TABLE, &entries) {
        return PluginError::Retryable(format!("identity conflict not recorded: {e}"));
    }
    tracing::warn!(key, products = ?all, "identity conflict: one {field} claimed by several ERP products");
    conflict(field, key, &all)
}

/// [`check`] for each of `keys`, read at once.
pub fn check_all(store: &Store, field: &str, keys: &[&str]) -> Vec<Result<(), PluginError>> {
    let stored = match store.state_get_all(TABLE, keys) {
        Ok(stored) => stored,
        Err(e) => return keys.iter().map(|_| Err(PluginError::Retryable(e.to_string()))).collect(),
    };
    keys.iter()
        .zip(stored)
        .map(|(key, value)| {
            let all = decoded(value);
            match all.len() > 1 {
                true => Err(conflict(field, key, &all)),
                false => Ok(()),
            }
        })
        .collect()
}

/// `Err` naming the products when `key` is claimed by more than one.
pub fn check(store: &Store, field: &str, key: &str) -> Result<(), PluginError> {
    check_all(store, field, &[key]).pop().unwrap_or(Ok(()))
}

/// `product` now claims exactly `keys`: it lets go of the other keys it was in conflict over; a
/// conflict left with one claimant is resolved.
pub fn settle(store: &Store, product: &str, keys: &[String]) -> Result<(), PluginError> {
    let prefix = back(product, "");
    let held = store.state_keys(TABLE, &prefix, 10_000).map_err(|e| PluginError::Retryable(e.to_string()))?;
    for entry in held {
        let key = &entry[prefix.len()..];
        if keys.iter().any(|k| k == key) {
            continue;
        }
        let mut all = claimants(store, key)?;
        all.remove(product);
        let mut entries = vec![(entry.clone(), None)];
        if all.len() > 1 {
            entries.push((key.to_owned(), Some(serde_json::to_vec(&all).unwrap_or_default())));
        } else {
            entries.push((key.to_owned(), None));
            entries.extend(all.iter().map(|p| (back(p, key), None)));
            tracing::info!(key, "identity conflict resolved: {product} no longer claims it");
        }
        store.state_write(TABLE, &entries).map_err(|e| PluginError::Retryable(e.to_string()))?;
    }
    Ok(())
}

/// The keys claimed by more than one of `products` (ERP id, keys) in one batch, with the claimants.
pub fn within(products: &[(&str, &[String])]) -> BTreeMap<String, Vec<String>> {
    let mut by_key: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (id, keys) in products {
        for key in *keys {
            by_key.entry(key.clone()).or_default().insert((*id).to_owned());
        }
    }
    by_key.into_iter().filter(|(_, ids)| ids.len() > 1).map(|(k, ids)| (k, ids.into_iter().collect())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_conflict_blocks_the_key_until_one_claimant_lets_go() {
        let store = Store::in_memory().unwrap();
        assert_eq!(check(&store, "sku", "TEE"), Ok(()));
        let err = record(&store, "sku", "TEE", &["14", "15"]);
        assert!(matches!(&err, PluginError::InvalidInput(f) if f.message.contains("14 and 15")), "{err:?}");
        assert!(check(&store, "sku", "TEE").is_err());
        settle(&store, "14", &["TEE".into()]).unwrap();
        assert!(check(&store, "sku", "TEE").is_err(), "14 still claims it");
        settle(&store, "15", &["TEE-2".into()]).unwrap();
        assert_eq!(check(&store, "sku", "TEE"), Ok(()), "15 let go: resolved");
        assert!(store.state_keys(TABLE, "", 10).unwrap().is_empty(), "nothing left behind");
        let keys = ["A".to_owned(), "B".to_owned()];
        let other = ["B".to_owned()];
        assert_eq!(
            within(&[("1", &keys), ("2", &other)]),
            BTreeMap::from([("B".to_owned(), vec!["1".into(), "2".into()])])
        );
    }
}
