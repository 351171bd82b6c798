//! Cursors for the common shapes of ERP APIs, and a pull that keeps memory bounded.
//! `sdk/rust/README.md` ("Cursors") says which to pick.
//!
//! - [`paged`]: the API pages on its own terms (an `after` token, a page number, an offset);
//!   one weft page of at most `limit` records is filled from as many API pages as needed, and
//!   may end in the middle of one: at most one API page plus `limit` records are held.
//! - [`page_numbers`]: `?page=N&per_page=M` APIs, on top of [`paged`].
//! - [`UpdatedSince`]: `?updated_since=T` APIs: the cursor is the last record's change time and
//!   id, so records changed at the same instant are neither lost nor repeated.
//! - [`snapshot`]: APIs that return everything every time: the cursor is the snapshot's content
//!   hash; an unchanged snapshot gives an empty page, a changed one is delivered again (the host
//!   skips records it already wrote, by their content hash).
//!
//! Every cursor here is text the host stores as is; none needs plugin kv.

use crate::{Page, PluginError, Record};

/// Where a [`paged`] pull stands: the API cursor of the page being read and how many of its
/// items were returned already.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
struct PagedCursor {
    api: Option<String>,
    skip: usize,
}

/// One weft page of at most `limit` records from an API that pages by its own cursor.
///
/// `fetch(api_cursor)` reads one API page (`None`: the first) and returns its records and the
/// API's cursor of the next page (`None`: this was the last). Resuming from the cursor of the
/// last page re-reads that API page and returns only what was added to it since.
pub fn paged(
    cursor: Option<&str>,
    limit: u32,
    mut fetch: impl FnMut(Option<&str>) -> Result<(Vec<Record>, Option<String>), PluginError>,
) -> Result<Page, PluginError> {
    let limit = limit.max(1) as usize;
    let mut state: PagedCursor = match cursor {
        None => PagedCursor::default(),
        Some(text) => serde_json::from_str(text).map_err(|_| {
            PluginError::Permanent(format!("cursor `{text}` was not written by weft_sdk::cursor::paged"))
        })?,
    };
    let mut records = Vec::new();
    loop {
        let (items, next) = fetch(state.api.as_deref())?;
        let fresh = items.len().saturating_sub(state.skip);
        let room = limit - records.len();
        if fresh > room {
            records.extend(items.into_iter().skip(state.skip).take(room));
            state.skip += room;
            return Ok(page(records, &state, true));
        }
        let count = items.len();
        records.extend(items.into_iter().skip(state.skip));
        match next {
            None => {
                state.skip = count;
                return Ok(page(records, &state, false));
            }
            Some(api) => {
                state = PagedCursor { api: Some(api), skip: 0 };
                if records.len() == limit {
                    return Ok(page(records, &state, true));
                }
            }
        }
    }
}

fn page(records: Vec<Record>, state: &PagedCursor, has_more: bool) -> Page {
    Page { records, next_cursor: serde_json::to_string(state).ok(), has_more }
}

/// [`paged`] over an API of numbered pages of `per_page` items (`fetch(page)` reads page
/// `page`, 1-based); a page shorter than `per_page` is the last.
pub fn page_numbers(
    cursor: Option<&str>,
    limit: u32,
    per_page: usize,
    mut fetch: impl FnMut(u32) -> Result<Vec<Record>, PluginError>,
) -> Result<Page, PluginError> {
    paged(cursor, limit, |api| {
        let number: u32 = api.and_then(|n| n.parse().ok()).unwrap_or(1);
        let items = fetch(number)?;
        let next = (items.len() >= per_page.max(1)).then(|| (number + 1).to_string());
        Ok((items, next))
    })
}

/// The cursor of an `updated_since` API: the change time and id of the last record delivered.
///
/// Ask the API for records changed at or after [`UpdatedSince::since`], sorted by (change time,
/// id), drop those [`UpdatedSince::seen`] says were delivered, and [`UpdatedSince::after`] each
/// record you return. Timestamps compare as text: use one format (RFC 3339 UTC).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct UpdatedSince {
    /// The last change time delivered (none: from the beginning).
    pub since: Option<String>,
    /// The id of the last record delivered at that time.
    pub last_id: Option<String>,
}

impl UpdatedSince {
    /// The cursor the host passed (`None`: from the beginning).
    pub fn parse(cursor: Option<&str>) -> UpdatedSince {
        match cursor.and_then(|c| c.split_once('|')) {
            Some((since, id)) => UpdatedSince { since: Some(since.to_owned()), last_id: Some(id.to_owned()) },
            None => UpdatedSince { since: cursor.filter(|c| !c.is_empty()).map(str::to_owned), last_id: None },
        }
    }
    /// Whether a record changed at `updated` with `id` was delivered before this cursor.
    pub fn seen(&self, updated: &str, id: &str) -> bool {
        match (&self.since, &self.last_id) {
            (None, _) => false,
            (Some(since), None) => updated < since.as_str(),
            (Some(since), Some(last)) => (updated, id) <= (since.as_str(), last.as_str()),
        }
    }
    /// Move past a record delivered now.
    pub fn after(&mut self, updated: &str, id: &str) {
        self.since = Some(updated.to_owned());
        self.last_id = Some(id.to_owned());
    }
    /// The cursor text for the page (`None` before anything was delivered).
    pub fn cursor(&self) -> Option<String> {
        match (&self.since, &self.last_id) {
            (Some(since), Some(id)) => Some(format!("{since}|{id}")),
            (Some(since), None) => Some(since.clone()),
            _ => None,
        }
    }
}

/// One page of an API that returns the whole set every time (a snapshot): the cursor holds the
/// snapshot's content hash and how many of its records were delivered. The same snapshot again
/// gives an empty page; a changed one is delivered from the start (the host skips records it
/// already wrote: their content hash is in its ledger).
pub fn snapshot(cursor: Option<&str>, limit: u32, records: Vec<Record>) -> Page {
    let hash = content_hash(&records);
    let offset = cursor
        .and_then(|c| c.split_once(':'))
        .filter(|(h, _)| *h == hash)
        .and_then(|(_, n)| n.parse::<usize>().ok())
        .unwrap_or(0)
        .min(records.len());
    let end = offset.saturating_add(limit.max(1) as usize).min(records.len());
    let has_more = end < records.len();
    let page: Vec<Record> = records.into_iter().skip(offset).take(end - offset).collect();
    Page { records: page, next_cursor: Some(format!("{hash}:{end}")), has_more }
}

/// A stable hash of any JSON-serialisable value (FNV-1a, 64 bits, hex): a change detector,
/// not a security measure.
pub fn content_hash(value: &impl serde::Serialize) -> String {
    let bytes = serde_json::to_vec(value).unwrap_or_default();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::InventoryLevel;

    fn levels(n: usize) -> Vec<Record> {
        (0..n).map(|i| InventoryLevel::new(format!("S{i:02}"), "WH", i as i64).into()).collect()
    }

    fn ids(page: &Page) -> Vec<String> {
        page.records.iter().map(|r| r.external_id().to_owned()).collect()
    }

    /// An API of 7 items in pages of 3 (`after` = index of the next page).
    fn api(after: Option<&str>) -> Result<(Vec<Record>, Option<String>), PluginError> {
        let start: usize = after.map_or(0, |a| a.parse().unwrap());
        let all = levels(7);
        let end = (start + 3).min(all.len());
        Ok((all[start..end].to_vec(), (end < all.len()).then(|| end.to_string())))
    }

    #[test]
    fn paged_fills_weft_pages_across_api_pages_and_resumes() {
        let mut cursor = None;
        let mut seen = Vec::new();
        loop {
            let page = paged(cursor.as_deref(), 2, api).unwrap();
            assert!(page.records.len() <= 2);
            seen.extend(ids(&page));
            cursor = page.next_cursor.clone();
            if !page.has_more {
                break;
            }
        }
        assert_eq!(seen.len(), 7);
        assert_eq!(seen[6], "S06@WH");
        let again = paged(cursor.as_deref(), 2, api).unwrap();
        assert!(again.records.is_empty() && !again.has_more, "resuming does not start over");
        let whole = paged(None, 100, api).unwrap();
        assert_eq!(whole.records.len(), 7);
    }

    #[test]
    fn page_numbers_stop_at_a_short_page() {
        let page =
            page_numbers(None, 100, 3, |n| Ok(levels(7).into_iter().skip((n as usize - 1) * 3).take(3).collect()))
                .unwrap();
        assert_eq!(page.records.len(), 7);
        assert!(!page.has_more);
    }

    #[test]
    fn updated_since_neither_loses_nor_repeats_ties() {
        let mut c = UpdatedSince::parse(None);
        assert!(!c.seen("2026-01-01T00:00:00Z", "A"));
        c.after("2026-01-01T00:00:00Z", "B");
        let c = UpdatedSince::parse(c.cursor().as_deref());
        assert!(c.seen("2026-01-01T00:00:00Z", "A") && c.seen("2026-01-01T00:00:00Z", "B"));
        assert!(!c.seen("2026-01-01T00:00:00Z", "C") && !c.seen("2026-01-02T00:00:00Z", "A"));
    }

    #[test]
    fn an_unchanged_snapshot_gives_an_empty_page() {
        let first = snapshot(None, 3, levels(5));
        assert_eq!((first.records.len(), first.has_more), (3, true));
        let rest = snapshot(first.next_cursor.as_deref(), 3, levels(5));
        assert_eq!((rest.records.len(), rest.has_more), (2, false));
        let none = snapshot(rest.next_cursor.as_deref(), 3, levels(5));
        assert!(none.records.is_empty() && !none.has_more);
        let changed = snapshot(rest.next_cursor.as_deref(), 10, levels(6));
        assert_eq!(changed.records.len(), 6, "a changed snapshot is delivered whole");
    }
}
