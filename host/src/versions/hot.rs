//! What a new config version may change while `weft serve` runs: the keys the editor edits
//! ([`super::edit::HOT_FLOW_KEYS`] and `lookups`). Anything else (connections, schedules, the
//! shop, the server, the store, which flows exist) is read once at start, so a version that
//! changes it is refused with the keys that would need a restart.

use super::edit::HOT_FLOW_KEYS;
use toml::{Table, Value};

/// `table` without the keys that may change while serving.
fn fixed_part(mut table: Table) -> Table {
    table.remove("lookups");
    if let Some(Value::Table(flows)) = table.get_mut("flows") {
        for (_, flow) in flows.iter_mut() {
            if let Value::Table(flow) = flow {
                for key in HOT_FLOW_KEYS {
                    flow.remove(key);
                }
            }
        }
    }
    table
}

/// Dotted keys whose values differ between `a` and `b`, depth-first, at most a few.
fn differing(a: &Table, b: &Table, at: &str, out: &mut Vec<String>) {
    let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    for key in keys {
        let here = if at.is_empty() { key.clone() } else { format!("{at}.{key}") };
        match (a.get(key), b.get(key)) {
            (Some(Value::Table(x)), Some(Value::Table(y))) => differing(x, y, &here, out),
            (x, y) if x != y => out.push(here),
            _ => {}
        }
    }
}

/// `Err` naming the keys that differ between `running` and `next` and cannot change without a
/// restart.
pub fn check(running: &str, next: &str) -> Result<(), String> {
    let parse = |text: &str| toml::from_str::<Table>(text).map_err(|e| format!("not TOML: {e}"));
    let (a, b) = (fixed_part(parse(running)?), fixed_part(parse(next)?));
    let mut keys = Vec::new();
    differing(&a, &b, "", &mut keys);
    if keys.is_empty() {
        return Ok(());
    }
    Err(format!(
        "this version changes {} — read only at start: restart `weft serve` to apply it (only lookups and flows.NAME.{{{}}} apply while running)",
        keys.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", "),
        HOT_FLOW_KEYS.join(",")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapping_and_lookups_apply_while_running_and_a_schedule_does_not() {
        let before = "[flows.a]\nfrom = \"erp\"\ninterval = \"5m\"\n[flows.a.mapping]\ntitle = \"erp.title\"\n";
        let mapped = "[flows.a]\nfrom = \"erp\"\ninterval = \"5m\"\n[flows.a.mapping]\ntitle = \"upper(erp.title)\"\n[lookups.t]\nx = \"y\"\n";
        assert_eq!(check(before, mapped), Ok(()));
        let scheduled = "[flows.a]\nfrom = \"erp\"\ninterval = \"1m\"\n";
        let refused = check(before, scheduled).unwrap_err();
        assert!(refused.contains("`flows.a.interval`"), "{refused}");
    }
}
