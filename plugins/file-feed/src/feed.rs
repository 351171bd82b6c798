//! Reading the inbox: files of one entity in name order, a page at a time, a cursor of
//! `(file, byte offset, line, sha256)`. A page reads only its own rows (from the cursor's offset),
//! so memory stays at one page whatever the file's size.
//!
//! * A page never spans two files. When the host passes a cursor at a file's end (so everything
//!   before it is durably processed), the file is marked processed in kv with its sha256, size and
//!   modification time; a file rewritten in place (new sha256) is pending again. `pull(none)`
//!   starts at the first pending file. A file whose size and modification time are those of its
//!   mark (or of the cursor) is not read again to hash it.
//! * A bad row is reported once as `invalid-input` with field `file:line`, then skipped (the mark
//!   is kept in kv): the host calls again with the same cursor and the rest of the file proceeds.

use crate::records::{build, group_key};
use crate::rows::{sha256, Position, Row, Rows};
use crate::Settings;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
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
    /// Byte offset of that line (absent in cursors of earlier versions: the file is read from its
    /// start up to `line`).
    #[serde(default)]
    offset: Option<u64>,
    /// Size and modification time of the file when it was hashed.
    #[serde(default)]
    stamp: Option<Stamp>,
}

/// A file's size and modification time: unchanged, its content is taken as unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    /// Bytes.
    len: u64,
    /// Nanoseconds since the epoch (0 when the file system doesn't say).
    modified_ns: u128,
}

/// What kv remembers of a processed file.
#[derive(Debug, Serialize, Deserialize)]
pub struct Processed {
    /// Its sha256 when processed.
    pub sha: String,
    /// Its size and modification time then.
    #[serde(default)]
    pub stamp: Option<Stamp>,
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

/// One export file of the inbox: its name, content hash and stamp.
struct File {
    name: String,
    path: std::path::PathBuf,
    sha: String,
    stamp: Stamp,
}

fn unreadable(name: &str, e: impl std::fmt::Display) -> PluginError {
    PluginError::Retryable(format!("cannot read {name}: {e}"))
}

fn stamp_of(settings: &Settings, name: &str) -> Result<Stamp, PluginError> {
    let meta = std::fs::metadata(settings.inbox.join(name)).map_err(|e| unreadable(name, e))?;
    let modified_ns = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    Ok(Stamp { len: meta.len(), modified_ns })
}

impl File {
    /// The file, hashed unless its stamp is `known`'s (then `known`'s hash stands).
    fn open(settings: &Settings, name: &str, known: Option<(&str, Stamp)>) -> Result<File, PluginError> {
        let path = settings.inbox.join(name);
        let stamp = stamp_of(settings, name)?;
        let sha = match known {
            Some((sha, s)) if s == stamp && s.modified_ns != 0 => sha.to_owned(),
            _ => sha256(&path).map_err(|e| unreadable(name, e))?,
        };
        Ok(File { name: name.to_owned(), path, sha, stamp })
    }

    fn processed(settings: &Settings, name: &str) -> Result<bool, PluginError> {
        let Some(mark) = kv::get_json::<Processed>(&processed_key(name)) else { return Ok(false) };
        let file = File::open(settings, name, mark.stamp.map(|s| (mark.sha.as_str(), s)))?;
        Ok(file.sha == mark.sha)
    }

    fn mark_processed(&self) -> Result<(), PluginError> {
        kv::set_json(&processed_key(&self.name), &Processed { sha: self.sha.clone(), stamp: Some(self.stamp) })
    }

    fn rows(&self, from: Option<Position>) -> Result<Rows, PluginError> {
        Rows::open(&self.path, from).map_err(PluginError::Retryable)
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
    if let Some(c) = cursor.as_ref().filter(|c| names.contains(&c.file)) {
        let file = File::open(settings, &c.file, c.stamp.map(|s| (c.sha.as_str(), s)))?;
        if file.sha != c.sha {
            log::warn(&format!("{} changed since the cursor was made; reading it again from the start", c.file));
            return read_page(settings, entity, &names, &file, Groups::new(file.rows(None)?, entity), limit as usize);
        }
        let mut groups = Groups::new(file.rows(c.offset.map(|offset| Position { offset, line: c.line }))?, entity);
        if c.offset.is_none() {
            groups.skip_before(c.line);
        }
        if !groups.at_end() {
            return read_page(settings, entity, &names, &file, groups, limit as usize);
        }
        // The host confirmed everything up to the end of this file.
        file.mark_processed()?;
    }
    for name in &names {
        if !File::processed(settings, name)? {
            let file = File::open(settings, name, None)?;
            return read_page(settings, entity, &names, &file, Groups::new(file.rows(None)?, entity), limit as usize);
        }
    }
    // Nothing pending: stay where we are.
    Ok(Page {
        records: Vec::new(),
        next_cursor: cursor.map(|c| serde_json::to_string(&c).unwrap_or_default()),
        has_more: false,
    })
}

/// Records of `file` from where `groups` stands, up to `limit` of them.
fn read_page(
    settings: &Settings,
    entity: Entity,
    names: &[String],
    file: &File,
    mut groups: Groups,
    limit: usize,
) -> Result<Page, PluginError> {
    let at = |p: Position| {
        serde_json::to_string(&Cursor {
            file: file.name.clone(),
            line: p.line,
            sha: file.sha.clone(),
            offset: Some(p.offset),
            stamp: Some(file.stamp),
        })
        .unwrap_or_default()
    };
    let mut records: Vec<Record> = Vec::new();
    while let Some((start, group)) = groups.next_group() {
        match build(entity, &group, &settings.currency) {
            Ok(record) => {
                if records.len() >= limit {
                    return Ok(Page { records, next_cursor: Some(at(start)), has_more: true });
                }
                records.push(record);
            }
            Err((bad_line, message)) => {
                if !records.is_empty() {
                    return Ok(Page { records, next_cursor: Some(at(start)), has_more: true });
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
    }
    let mut more = false;
    for name in names.iter().filter(|n| **n != file.name) {
        if !File::processed(settings, name)? {
            more = true;
            break;
        }
    }
    Ok(Page { records, next_cursor: Some(at(groups.position())), has_more: more })
}

/// The rows of a file as record groups: following rows with the same group key make one record
/// (an order's lines, a product's variants); one row is one record otherwise.
struct Groups {
    rows: Rows,
    key: Option<&'static str>,
    /// Rows read ahead, with where each starts.
    ahead: VecDeque<(Position, Row)>,
}

impl Groups {
    fn new(rows: Rows, entity: Entity) -> Groups {
        Groups { rows, key: group_key(entity), ahead: VecDeque::new() }
    }

    /// The `i`th row not yet taken (reading ahead as needed).
    fn peek(&mut self, i: usize) -> Option<&Row> {
        while self.ahead.len() <= i {
            let row = self.rows.next_row()?;
            self.ahead.push_back(row);
        }
        self.ahead.get(i).map(|(_, r)| r)
    }

    /// Skip the rows before `line` (a cursor of an earlier version, which had no byte offset).
    fn skip_before(&mut self, line: u64) {
        while self.peek(0).is_some_and(|r| r.line < line) {
            self.ahead.pop_front();
        }
    }

    fn at_end(&mut self) -> bool {
        self.peek(0).is_none()
    }

    /// Where the next group starts (the file's end when none is left).
    fn position(&self) -> Position {
        self.ahead.front().map(|(p, _)| *p).unwrap_or_else(|| self.rows.position())
    }

    /// The next group and where it starts.
    fn next_group(&mut self) -> Option<(Position, Vec<Row>)> {
        self.peek(0)?;
        let value = self.key.and_then(|k| self.ahead[0].1.get(k)).map(str::to_owned);
        let mut end = 1;
        if let (Some(key), Some(value)) = (self.key, value) {
            loop {
                let same = |r: Option<&Row>| r.is_some_and(|r| r.get(key) == Some(value.as_str()));
                let next_ok = self.peek(end).map(|r| r.fields.is_ok());
                if next_ok == Some(true) && same(self.peek(end)) {
                    end += 1;
                } else if next_ok == Some(false) && same(self.peek(end + 1)) {
                    // An unreadable row between two rows of this group belongs to it: the group is bad.
                    end += 2;
                } else {
                    break;
                }
            }
        }
        let start = self.ahead.front().map(|(p, _)| *p)?;
        Some((start, self.ahead.drain(..end).map(|(_, r)| r).collect()))
    }
}
