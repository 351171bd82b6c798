//! The vocabulary of `weft runs revert`, shared by the objects' revert roles: a change a run
//! made, where it stands now, and the report. A value is restored only when it is still what the
//! run wrote; one changed since is left alone and reported.

use crate::store::{JournalObject, UndoEntry};
use serde::Serialize;
use serde_json::Value;

/// What happened to one changed value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// What kind of object.
    pub object: JournalObject,
    /// SKU or handle.
    pub key: String,
    /// Shopify location, for levels.
    pub location: Option<String>,
    /// Field.
    pub field: String,
    /// The value before the run.
    pub before: Value,
    /// The value the run wrote.
    pub after: Value,
    /// The value now (before the revert).
    pub now: Value,
}

/// The outcome of a revert.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RevertReport {
    /// The run.
    pub run: u64,
    /// Nothing was written.
    pub dry_run: bool,
    /// Values put back (or, in a dry run, that would be).
    pub restored: Vec<Change>,
    /// Values already back to what they were.
    pub already: Vec<Change>,
    /// Values changed since the run: left alone.
    pub changed_since: Vec<Change>,
    /// Values that could not be restored, with the reason.
    pub failed: Vec<(Change, String)>,
    /// What the run created, for a person to decide on.
    pub for_person: Vec<String>,
}

/// Where a change stands now.
enum Verdict {
    Restore,
    Already,
    ChangedSince,
}

fn verdict(before: &Value, after: &Value, now: &Value) -> Verdict {
    if now == after && before != after {
        Verdict::Restore
    } else if now == before {
        Verdict::Already
    } else {
        Verdict::ChangedSince
    }
}

impl RevertReport {
    /// Sort `entries` by where their value stands `now`; returns the ones to restore.
    pub fn triage<'a>(
        &mut self,
        entries: &[&'a UndoEntry],
        now: impl Fn(&UndoEntry) -> Value,
    ) -> Vec<(&'a UndoEntry, Change)> {
        let mut todo = Vec::new();
        for e in entries {
            let c = Change {
                object: e.object,
                key: e.key.clone(),
                location: e.location.clone(),
                field: e.field.clone(),
                before: e.before.clone(),
                after: e.after.clone(),
                now: now(e),
            };
            match verdict(&e.before, &e.after, &c.now) {
                Verdict::Restore => todo.push((*e, c)),
                Verdict::Already => self.already.push(c),
                Verdict::ChangedSince => self.changed_since.push(c),
            }
        }
        todo
    }

    /// Record the restores `todo` as done, or failed with the reason.
    pub fn settle(&mut self, todo: Vec<(&UndoEntry, Change)>, result: &Result<(), String>) {
        for (_, c) in todo {
            match result {
                Ok(()) => self.restored.push(c),
                Err(e) => self.failed.push((c, e.clone())),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_a_value_still_as_written_is_restored() {
        assert!(matches!(verdict(&json!(10), &json!(15), &json!(15)), Verdict::Restore));
        assert!(matches!(verdict(&json!(10), &json!(15), &json!(10)), Verdict::Already));
        assert!(matches!(verdict(&json!(10), &json!(15), &json!(14)), Verdict::ChangedSince));
        assert!(matches!(verdict(&json!(10), &json!(15), &Value::Null), Verdict::ChangedSince));
    }
}
