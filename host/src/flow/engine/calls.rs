//! The API calls of a batch, kept with its run records: each phase of a batch (a pull, the
//! pushes, the hybrid intake) runs under [`capture`], which records the Shopify client's calls
//! (see [`crate::shopify::calls`]) and the HTTP exchanges of every connector session opened
//! meanwhile ([`watch`]); [`link`] then ties each call to the records it served.

use crate::plugin::http::Tap;
use crate::plugin::PluginSession;
use crate::store::{ApiCall, CallDetail, CallLog, LinkedCall, RunRecord};
use aho_corasick::AhoCorasick;
use std::cell::RefCell;
use std::collections::BTreeSet;

thread_local! {
    /// The taps of the sessions opened under the open capture, and the bytes kept per body.
    static TAPS: RefCell<Option<(usize, Vec<Tap>)>> = const { RefCell::new(None) };
}

/// Run `f`, recording the API calls it makes on this thread (none when `log` is `None`): its
/// result and the calls, in the order they were sent.
pub(super) fn capture<R>(log: Option<&CallLog>, f: impl FnOnce() -> R) -> (R, Vec<ApiCall>) {
    let Some(log) = log else { return (f(), Vec::new()) };
    let outer = TAPS.with(|t| t.replace(Some((log.body_bytes, Vec::new()))));
    let (result, mut calls) = crate::shopify::calls::capture(log, f);
    let taps = TAPS.with(|t| t.replace(outer)).map(|(_, taps)| taps).unwrap_or_default();
    calls.extend(taps.iter().flat_map(Tap::take).map(|x| x.into_call()));
    calls.sort_by_key(|c| c.at_ms);
    (result, calls)
}

/// Record `session`'s HTTP exchanges when a capture is open.
pub(super) fn watch(session: &mut PluginSession) {
    TAPS.with(|t| {
        if let Some((body_bytes, taps)) = t.borrow_mut().as_mut() {
            taps.push(session.record_http(*body_bytes));
        }
    });
}

/// Keys shorter than this are not looked for in a call (they would match ordinary text).
const MIN_KEY_LEN: usize = 3;

/// Tie each call to the records among `records[from..]` it names (a record's key or one of its
/// refs appears in what was sent or answered); a call naming none served them all (an
/// inventory call of 250 levels names inventory items, not SKUs). Indexes into `records`. Every
/// key is looked for in one pass over each text.
pub(super) fn link(calls: Vec<ApiCall>, records: &[RunRecord], from: usize) -> Vec<LinkedCall> {
    let all: Vec<usize> = (from..records.len()).collect();
    let (mut keys, mut owners) = (Vec::new(), Vec::new());
    for i in &all {
        let r = &records[*i];
        for key in std::iter::once(&r.key).chain(&r.refs).filter(|k| k.len() >= MIN_KEY_LEN) {
            keys.push(key.as_str());
            owners.push(*i);
        }
    }
    // Overlapping: one SKU may be the beginning of another (SKU-1, SKU-10).
    let matcher = (!calls.is_empty() && !keys.is_empty()).then(|| AhoCorasick::new(&keys).ok()).flatten();
    calls
        .into_iter()
        .map(|call| {
            let mut named = BTreeSet::new();
            if let Some(matcher) = &matcher {
                for text in texts(&call) {
                    named.extend(matcher.find_overlapping_iter(text).map(|hit| owners[hit.pattern().as_usize()]));
                }
            }
            let records = if named.is_empty() { all.clone() } else { named.into_iter().collect() };
            LinkedCall { call, records }
        })
        .collect()
}

/// What a call sent and got back, where record keys may appear.
fn texts(call: &ApiCall) -> Vec<&str> {
    match &call.detail {
        CallDetail::Shopify(s) => [Some(s.variables.as_str()), s.response.as_deref()].into_iter().flatten().collect(),
        CallDetail::Http(h) => [h.url.as_str(), h.request_body.as_str(), h.response_body.as_str()]
            .into_iter()
            .chain(h.request_headers.iter().map(|(_, v)| v.as_str()))
            .collect(),
    }
}
