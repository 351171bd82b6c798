//! Reading the inbox: files of one entity in name order, a page at a time, a cursor of
//! `(file, line, sha256)`.
//!
//! * A page never spans two files. When the host passes a cursor at a file's end (so everything
//!   before it is durably processed), the file is marked processed in kv with its sha256; a file
//!   rewritten in place (new sha256) is pending again. `pull(none)` starts at the first pending file.
//! * A bad row is reported once as `invalid-input` with field `file:line`, then skipped (the mark
//!   is kept in kv): the host calls again with the same cursor and the rest of the file proceeds.

use crate::records::{build, group_key};
use crate::rows::{read, Row};
use crate::Settings;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use weft_sdk::{kv, log, Entity, Page, PluginError, Record};

/// Where the next pull continues.
#[derive(Debug, Serialize, Deserialize)]
struct Cursor {
    /// File name inside the inbox.
    file: String,
    /// First line not yet delivered.
    line: u64,
    /// sha256 of the file when the cursor was made.
    sha: String,
}

/// What kv remembers of a processed file.
#[derive(Debug, Serialize, Deserialize)]
pub struct Processed {
    /// Its sha256 when processed.
    pub sha: String,
    /// Its data rows.
    pub rows: usize,
}

/// The file name prefix of each entity's exports.
pub fn prefix(entity: Entity) -> Option<&'static str> {
    match entity {
        Entity::Product => Some("products"),
        Entity::InventoryLevel => Some("inventory"),
        Entity::Customer => Some("customers"),
        Entity::Order => Some("orders"),
        Entity::Fulfillment => Some("shipments"),
        Entity::Price => Some("prices"),
        _ => None,
    }
}

/// kv key of a processed file.
pub fn processed_key(name: &str) -> String {
    format!("file/{name}")
}

fn reported_key(name: &str, sha: &str, line: u64) -> String {
    format!("reported/{name}@{}:{line}", &sha[..16.min(sha.len())])
}

/// One loaded export file.
struct File {
    name: String,
    sha: String,
    rows: Vec<Row>,
}

impl File {
    fn load(settings: &Settings, name: &str) -> Result<File, PluginError> {
        let bytes = std::fs::read(settings.inbox.join(name))
            .map_err(|e| PluginError::Retryable(format!("cannot read {name}: {e}")))?;
        let sha = hex::encode(Sha256::digest(&bytes));
        let text = String::from_utf8_lossy(&bytes);
        Ok(File { rows: read(name, &text), name: name.to_owned(), sha })
    }

    fn end(&self) -> u64 {
        self.rows.last().map(|r| r.line + 1).unwrap_or(0)
    }

    fn processed(&self) -> bool {
        kv::get_json::<Processed>(&processed_key(&self.name)).is_some_and(|p| p.sha == self.sha)
    }
}

/// The entity's export files in the inbox, in name order.
fn list(settings: &Settings, entity: Entity) -> Result<Vec<String>, PluginError> {
    let prefix =
        prefix(entity).ok_or_else(|| PluginError::Permanent(format!("the file feed has no {entity:?} files")))?;
    // The inbox was there when the connection was checked: gone now, the ERP's share is down.
    let entries = std::fs::read_dir(&settings.inbox)
        .map_err(|e| PluginError::Retryable(format!("cannot list the inbox {}: {e}", settings.inbox.display())))?;
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n.starts_with(prefix) && (n.ends_with(".csv") || n.ends_with(".jsonl")))
        .collect();
    names.sort();
    Ok(names)
}

/// One page of `entity` after `cursor`.
pub fn pull(settings: &Settings, entity: Entity, cursor: Option<&str>, limit: u32) -> Result<Page, PluginError> {
    let names = list(settings, entity)?;
    let cursor: Option<Cursor> = cursor
        .map(|c| {
            serde_json::from_str(c)
                .map_err(|e| PluginError::invalid("cursor", &format!("not a cursor of the file feed: {e}")))
        })
        .transpose()?;
    let mut start = None;
    if let Some(c) = &cursor {
        if names.contains(&c.file) {
            let file = File::load(settings, &c.file)?;
            if file.sha != c.sha {
                log::warn(&format!("{} changed since the cursor was made; reading it again from the start", c.file));
                start = Some((file, 0));
            } else if c.line >= file.end() {
                // The host confirmed everything up to the end of this file.
                kv::set_json(&processed_key(&file.name), &Processed { sha: file.sha.clone(), rows: file.rows.len() })?;
            } else {
                start = Some((file, c.line));
            }
        }
    }
    if start.is_none() {
        for name in &names {
            let file = File::load(settings, name)?;
            if !file.processed() {
                start = Some((file, 0));
                break;
            }
        }
    }
    let Some((file, from)) = start else {
        // Nothing pending: stay where we are.
        return Ok(Page {
            records: Vec::new(),
            next_cursor: cursor.map(|c| serde_json::to_string(&c).unwrap_or_default()),
            has_more: false,
        });
    };
    read_page(settings, entity, &names, &file, from, limit as usize)
}

/// Rows of `file` from line `from` on, grouped into records, up to `limit` of them.
fn read_page(
    settings: &Settings,
    entity: Entity,
    names: &[String],
    file: &File,
    from: u64,
    limit: usize,
) -> Result<Page, PluginError> {
    let at = |line: u64| {
        serde_json::to_string(&Cursor { file: file.name.clone(), line, sha: file.sha.clone() }).unwrap_or_default()
    };
    let rows: Vec<&Row> = file.rows.iter().filter(|r| r.line >= from).collect();
    let mut records: Vec<Record> = Vec::new();
    let mut i = 0;
    while i < rows.len() {
        let end = group_end(entity, &rows, i);
        let group: Vec<Row> = rows[i..end].iter().map(|r| (*r).clone()).collect();
        let line = rows[i].line;
        match build(entity, &group, &settings.currency) {
            Ok(record) => {
                if records.len() >= limit {
                    return Ok(Page { records, next_cursor: Some(at(line)), has_more: true });
                }
                records.push(record);
            }
            Err((bad_line, message)) => {
                if !records.is_empty() {
                    return Ok(Page { records, next_cursor: Some(at(line)), has_more: true });
                }
                let key = reported_key(&file.name, &file.sha, bad_line);
                if kv::get(&key).is_none() {
                    let field = format!("{}:{bad_line}", file.name);
                    log::with_fields(log::Level::Warn, "bad row skipped", &[("at", &field), ("reason", &message)]);
                    match kv::set(&key, message.as_bytes()) {
                        Ok(()) => return Err(PluginError::invalid(&field, &message)),
                        Err(e) => log::error(&format!("cannot remember the report of {field}: {e:?}")),
                    }
                }
            }
        }
        i = end;
    }
    let more = names.iter().any(|n| n != &file.name && !File::load(settings, n).is_ok_and(|f| f.processed()));
    Ok(Page { records, next_cursor: Some(at(file.end())), has_more: more })
}

/// End (exclusive) of the group starting at `i`: following rows with the same group key.
fn group_end(entity: Entity, rows: &[&Row], i: usize) -> usize {
    let Some(key) = group_key(entity) else { return i + 1 };
    let Some(value) = rows[i].get(key) else { return i + 1 };
    let mut end = i + 1;
    while end < rows.len() {
        if rows[end].fields.is_ok() && rows[end].get(key) == Some(value) {
            end += 1;
        } else if rows[end].fields.is_err() && rows.get(end + 1).is_some_and(|next| next.get(key) == Some(value)) {
            // An unreadable row between two rows of this group belongs to it: the group is bad.
            end += 2;
        } else {
            break;
        }
    }
    end
}
