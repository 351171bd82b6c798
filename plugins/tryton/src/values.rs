//! Tryton's tagged JSON values (`{"__class__": "Decimal" | "datetime", ...}`) and the cursors
//! built on `last_modified_at`.

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use weft_sdk::PluginError;

/// A `Numeric` value as a decimal string (`"19.90"`); plain numbers are accepted too.
pub fn decimal(value: &Value) -> Option<String> {
    match value {
        Value::Object(o) if o.get("__class__").and_then(Value::as_str) == Some("Decimal") => {
            o.get("decimal").and_then(Value::as_str).map(str::to_owned)
        }
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => Some(s.clone()),
        _ => None,
    }
}

/// A tagged `datetime` (naive UTC).
pub fn datetime(value: &Value) -> Option<NaiveDateTime> {
    let o = value.as_object().filter(|o| o.get("__class__").and_then(Value::as_str) == Some("datetime"))?;
    let n = |k: &str| o.get(k).and_then(Value::as_u64).map(|v| v as u32);
    NaiveDate::from_ymd_opt(n("year")? as i32, n("month")?, n("day")?)?.and_hms_micro_opt(
        n("hour")?,
        n("minute")?,
        n("second")?,
        n("microsecond").unwrap_or(0),
    )
}

/// A naive UTC datetime as Tryton's tagged datetime.
pub fn to_datetime(t: NaiveDateTime) -> Value {
    json!({"__class__": "datetime", "year": t.year(), "month": t.month(), "day": t.day(),
           "hour": t.hour(), "minute": t.minute(), "second": t.second(), "microsecond": t.nanosecond() / 1000})
}

/// RFC 3339 in UTC, as the canonical records want.
pub fn rfc3339(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// The `updated-at` of a row with `last_modified_at`.
pub fn updated_at(row: &Value) -> Option<String> {
    row.get("last_modified_at").and_then(datetime).map(rfc3339)
}

/// Position in a table ordered by `(last_modified_at, id)`: rows strictly after it come next.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Mark {
    /// `last_modified_at`, naive UTC.
    pub at: NaiveDateTime,
    /// Row id (ties on the timestamp).
    pub id: i64,
}

impl Mark {
    /// The mark of a row read with `last_modified_at`.
    pub fn of(row: &Value) -> Option<Mark> {
        Some(Mark { at: datetime(row.get("last_modified_at")?)?, id: row.get("id")?.as_i64()? })
    }

    /// The domain selecting rows after this mark.
    pub fn after_domain(&self) -> Value {
        let at = to_datetime(self.at);
        json!(["OR", ["last_modified_at", ">", at], [["last_modified_at", "=", at], ["id", ">", self.id]]])
    }

    /// The mark `seconds` earlier (id 0): pulling from it re-reads the overlap window, so a
    /// transaction that committed late with an earlier timestamp is not missed. With no overlap,
    /// the mark itself.
    pub fn rewound(&self, seconds: i64) -> Mark {
        if seconds == 0 {
            return *self;
        }
        Mark { at: self.at - chrono::Duration::seconds(seconds), id: 0 }
    }
}

/// Decode an opaque cursor string written by this plugin.
pub fn decode_cursor<T: for<'de> Deserialize<'de>>(cursor: &str) -> Result<T, PluginError> {
    serde_json::from_str(cursor)
        .map_err(|e| PluginError::invalid("cursor", &format!("not a cursor of this plugin: {e}")))
}

/// Encode a cursor.
pub fn encode_cursor<T: Serialize>(cursor: &T) -> String {
    serde_json::to_string(cursor).unwrap_or_default()
}

/// Order of incremental reads.
pub fn order_by_mark() -> Value {
    json!([["last_modified_at", "ASC"], ["id", "ASC"]])
}

/// Rows after `mark` (all rows when none), plus `extra` domain clauses.
pub fn domain_after(mark: Option<&Mark>, extra: Vec<Value>) -> Value {
    let mut domain = extra;
    if let Some(m) = mark {
        domain.push(m.after_domain());
    }
    Value::Array(domain)
}

/// Where the next pull starts after a page of `rows` read from `start` with `limit`:
/// the last row's mark while there is more; rewound by the overlap once caught up.
pub fn next_mark(start: Option<Mark>, last: Option<Mark>, full_page: bool, overlap: i64) -> Option<Mark> {
    match (last, full_page) {
        (Some(m), true) => Some(m),
        (Some(m), false) => {
            let back = m.rewound(overlap);
            // Never step back before where this pull started (ties on the timestamp included):
            // no endless re-reads.
            Some(match start {
                Some(s) if (back.at, back.id) < (s.at, s.id) => s,
                _ => back,
            })
        }
        (None, _) => start,
    }
}
