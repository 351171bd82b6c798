//! Edits of the config file through a format-preserving TOML editor: the keys the dashboard's
//! editor changes are set in place, and every comment, blank line and key order elsewhere (and
//! inside a table that is only changed) stays as the operator wrote it.

use serde::Deserialize;
use serde_json::Value;
use toml_edit::{Array, ArrayOfTables, DocumentMut, InlineTable, Item, Table};

pub use crate::config::HOT_FLOW_KEYS;

/// One change: the value at `path` (`["flows", "catalog", "rules"]`, `["lookups", "titles"]`),
/// or the key removed when `value` is null.
#[derive(Debug, Clone, Deserialize)]
pub struct Edit {
    /// Where, key by key.
    pub path: Vec<String>,
    /// The new value as JSON (null: remove the key).
    #[serde(default)]
    pub value: Value,
}

/// Which keys an edit may touch: `lookups`, `lookups.NAME`, or `flows.NAME.KEY` of
/// [`HOT_FLOW_KEYS`] for a flow the file has.
fn allowed(doc: &DocumentMut, path: &[String]) -> Result<(), String> {
    let shown = path.join(".");
    match path {
        [top] | [top, _] if top == "lookups" => Ok(()),
        [top, flow, key] if top == "flows" => {
            if !HOT_FLOW_KEYS.contains(&key.as_str()) {
                return Err(format!(
                    "`{shown}` cannot be edited here (editable: {}); change it in the file and restart",
                    HOT_FLOW_KEYS.join(", ")
                ));
            }
            match doc.get("flows").and_then(|f| f.get(flow)) {
                Some(_) => Ok(()),
                None => Err(format!("no flow `{flow}` in the config")),
            }
        }
        _ => {
            Err(format!("`{shown}` cannot be edited here: only lookups and flows.NAME.{{{}}}", HOT_FLOW_KEYS.join(",")))
        }
    }
}

/// `text` with `edits` applied, comments and layout kept.
pub fn apply(text: &str, edits: &[Edit]) -> Result<String, String> {
    let mut doc: DocumentMut = text.parse().map_err(|e| format!("the config file is not TOML: {e}"))?;
    for edit in edits {
        allowed(&doc, &edit.path)?;
        let (last, parents) = edit.path.split_last().ok_or("an edit needs a path")?;
        let mut table = doc.as_table_mut();
        for key in parents {
            if !table.contains_key(key) {
                let mut fresh = Table::new();
                fresh.set_implicit(true);
                table.insert(key, Item::Table(fresh));
            }
            table = table
                .get_mut(key)
                .and_then(Item::as_table_mut)
                .ok_or_else(|| format!("`{}` is not a table in the file", edit.path.join(".")))?;
        }
        let at = edit.path.join(".");
        if edit.value.is_null() {
            table.remove(last);
            continue;
        }
        match table.get_mut(last) {
            Some(item) => merge(item, &edit.value, &at)?,
            // Nothing to add: an empty table or list the file does not have stays out of it.
            None if edit.value.as_object().is_some_and(|m| m.is_empty())
                || edit.value.as_array().is_some_and(|a| a.is_empty()) => {}
            None => {
                table.insert(last, item(&edit.value, &at)?);
            }
        }
    }
    Ok(doc.to_string())
}

/// The edits that give `current` the keys of `old` that apply while running (`lookups` and each
/// of `current`'s flows' [`HOT_FLOW_KEYS`]): a rollback applies them to the file, so that
/// everything else — connections, secrets — stays as the file has it.
pub fn restoring(current: &str, old: &str) -> Result<Vec<Edit>, String> {
    let parse = |text: &str, which: &str| {
        text.parse::<toml::Table>().map_err(|e| format!("the {which} config is not TOML: {e}"))
    };
    let (current, old) = (parse(current, "current")?, parse(old, "restored")?);
    let json = |v: Option<&toml::Value>| v.map_or(Ok(Value::Null), serde_json::to_value).map_err(|e| e.to_string());
    let mut edits = vec![Edit { path: vec!["lookups".into()], value: json(old.get("lookups"))? }];
    let flows = |t: &toml::Table| t.get("flows").and_then(toml::Value::as_table).cloned().unwrap_or_default();
    let old_flows = flows(&old);
    for name in flows(&current).keys() {
        let old_flow = old_flows.get(name).and_then(toml::Value::as_table);
        for key in HOT_FLOW_KEYS {
            let path = vec!["flows".to_owned(), name.clone(), key.to_owned()];
            edits.push(Edit { path, value: json(old_flow.and_then(|f| f.get(key)))? });
        }
    }
    Ok(edits)
}

/// Put `value` into `item` keeping what can be kept: a table's unchanged keys (with their
/// comments), an array of tables' elements by position, a value's surrounding comments.
fn merge(item: &mut Item, value: &Value, at: &str) -> Result<(), String> {
    match (item, value) {
        (Item::Table(table), Value::Object(map)) => merge_table(table, map, at),
        (Item::ArrayOfTables(array), Value::Array(list)) if list.iter().all(Value::is_object) => {
            let mut kept = ArrayOfTables::new();
            let mut old = std::mem::take(array).into_iter();
            for (i, element) in list.iter().enumerate() {
                let Value::Object(map) = element else { continue };
                let mut table = old.next().unwrap_or_default();
                merge_table(&mut table, map, &format!("{at}[{i}]"))?;
                kept.push(table);
            }
            *array = kept;
            Ok(())
        }
        (Item::Value(old), value) if !value.is_object() || old.is_inline_table() => {
            let decor = old.decor().clone();
            *old = to_value(value, at)?;
            *old.decor_mut() = decor;
            Ok(())
        }
        (item, value) => {
            *item = self::item(value, at)?;
            Ok(())
        }
    }
}

fn merge_table(table: &mut Table, map: &serde_json::Map<String, Value>, at: &str) -> Result<(), String> {
    let gone: Vec<String> = table.iter().map(|(k, _)| k.to_owned()).filter(|k| !map.contains_key(k)).collect();
    for key in gone {
        table.remove(&key);
    }
    for (key, value) in map {
        let here = format!("{at}.{key}");
        if value.is_null() {
            table.remove(key);
            continue;
        }
        match table.get_mut(key) {
            Some(item) => merge(item, value, &here)?,
            None => {
                table.insert(key, item(value, &here)?);
            }
        }
    }
    Ok(())
}

/// A new item for a key of the file: objects as `[tables]`, lists of objects as `[[arrays]]`.
fn item(value: &Value, at: &str) -> Result<Item, String> {
    match value {
        Value::Object(map) => {
            // No `[header]` of its own when it only holds tables.
            let mut table = Table::new();
            table.set_implicit(true);
            merge_table(&mut table, map, at)?;
            Ok(Item::Table(table))
        }
        Value::Array(list) if !list.is_empty() && list.iter().all(Value::is_object) => {
            let mut array = ArrayOfTables::new();
            for (i, element) in list.iter().enumerate() {
                let Value::Object(map) = element else { continue };
                let mut table = Table::new();
                merge_table(&mut table, map, &format!("{at}[{i}]"))?;
                array.push(table);
            }
            Ok(Item::ArrayOfTables(array))
        }
        other => Ok(Item::Value(to_value(other, at)?)),
    }
}

/// A JSON value as a TOML value (objects inline).
fn to_value(value: &Value, at: &str) -> Result<toml_edit::Value, String> {
    Ok(match value {
        Value::Null => return Err(format!("`{at}`: null is not a TOML value (leave the key out)")),
        Value::Bool(b) => (*b).into(),
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => i.into(),
            (None, Some(f)) => f.into(),
            _ => return Err(format!("`{at}`: {n} is not a TOML number")),
        },
        Value::String(s) => s.as_str().into(),
        Value::Array(list) => {
            let mut array = Array::new();
            for (i, v) in list.iter().enumerate() {
                array.push(to_value(v, &format!("{at}[{i}]"))?);
            }
            array.into()
        }
        Value::Object(map) => {
            let mut table = InlineTable::new();
            for (k, v) in map {
                table.insert(k, to_value(v, &format!("{at}.{k}"))?);
            }
            table.into()
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const FILE: &str = r#"# the shop's catalog
[flows.catalog]
from = "erp"   # the ERP
to = "shopify"
object = "product"

[flows.catalog.mapping]
# a person's note about the title
title = "erp.title"   # kept as is
vendor = "erp.brand"

[lookups.colours]
red = "Red"
"#;

    fn edit(path: &[&str], value: Value) -> Edit {
        Edit { path: path.iter().map(|s| s.to_string()).collect(), value }
    }

    #[test]
    fn a_changed_mapping_keeps_every_comment_and_new_rules_lookups_follow() {
        let out = apply(
            FILE,
            &[
                edit(&["flows", "catalog", "mapping"], json!({"title": "upper(erp.title)", "vendor": "erp.brand"})),
                edit(
                    &["flows", "catalog", "rules"],
                    json!([{"name": "mugs", "when": "erp.product_type == 'Mugs'", "set": {"tags": "['kitchen']"}}]),
                ),
                edit(&["lookups", "titles"], json!({"MUG-1": "The mug"})),
            ],
        )
        .unwrap();
        for kept in ["# the shop's catalog", "# the ERP", "# a person's note about the title", "# kept as is"] {
            assert!(out.contains(kept), "{kept} lost:\n{out}");
        }
        assert!(out.contains(r#"title = "upper(erp.title)"   # kept as is"#), "{out}");
        assert!(out.contains("[[flows.catalog.rules]]"), "{out}");
        let parsed: toml::Table = toml::from_str(&out).unwrap();
        assert_eq!(parsed["flows"]["catalog"]["rules"][0]["set"]["tags"].as_str(), Some("['kitchen']"));
        assert_eq!(parsed["lookups"]["titles"]["MUG-1"].as_str(), Some("The mug"));
        assert_eq!(parsed["lookups"]["colours"]["red"].as_str(), Some("Red"));
    }

    #[test]
    fn keys_outside_the_editor_and_unknown_flows_are_refused() {
        let refused = apply(FILE, &[edit(&["flows", "catalog", "from"], json!("x"))]).unwrap_err();
        assert!(refused.contains("cannot be edited here"), "{refused}");
        let refused = apply(FILE, &[edit(&["server", "listen"], json!("x"))]).unwrap_err();
        assert!(refused.contains("cannot be edited here"), "{refused}");
        let refused = apply(FILE, &[edit(&["flows", "nope", "mapping"], json!({}))]).unwrap_err();
        assert!(refused.contains("no flow `nope`"), "{refused}");
        let removed = apply(FILE, &[edit(&["flows", "catalog", "mapping"], Value::Null)]).unwrap();
        assert!(!removed.contains("vendor"), "{removed}");
    }

    #[test]
    fn a_rollback_takes_only_the_running_keys_from_a_stored_text_and_keeps_the_files_secrets() {
        let current = format!("[shopify]\naccess_token = \"shpat_real\"\n{FILE}");
        let changed = apply(
            &current,
            &[
                edit(&["flows", "catalog", "mapping"], json!({"title": "upper(erp.title)"})),
                edit(&["flows", "catalog", "skip_if"], json!("erp.hidden")),
                edit(&["lookups", "sizes"], json!({"s": "Small"})),
            ],
        )
        .unwrap();
        // The stored version 1, without its secret.
        let stored = current.replace("shpat_real", "[REDACTED]");
        let back = apply(&changed, &restoring(&changed, &stored).unwrap()).unwrap();
        assert_eq!(back, current, "the mapping, skip_if and lookups of version 1, the file's token");
    }
}
