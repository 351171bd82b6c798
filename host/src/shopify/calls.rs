//! The calls of the client, for the run that made them: while [`capture`] runs a closure on the
//! current thread (a worker writing a batch; the client's futures run on it through
//! `block_on`), each attempt of an operation is recorded — variables and answer redacted and
//! capped, Shopify's request id, the cost and the bucket after it. Outside a capture nothing is
//! recorded and nothing is copied.

use crate::store::{ApiCall, CallDetail, CallLog, ShopifyCall, Throttle};
use std::cell::RefCell;
use std::time::Instant;

thread_local! {
    static OPEN: RefCell<Option<(CallLog, Vec<ApiCall>)>> = const { RefCell::new(None) };
}

/// Run `f`, recording the calls it makes on this thread; its result and the calls, in order.
pub fn capture<R>(log: &CallLog, f: impl FnOnce() -> R) -> (R, Vec<ApiCall>) {
    let outer = OPEN.with(|open| open.replace(Some((log.clone(), Vec::new()))));
    let result = f();
    let calls = OPEN.with(|open| open.replace(outer)).map(|(_, calls)| calls).unwrap_or_default();
    (result, calls)
}

/// When an attempt starts while calls are being recorded: the time now and the instant.
pub(super) fn started() -> Option<(u64, Instant)> {
    OPEN.with(|open| open.borrow().as_ref().map(|(log, _)| (log.clock.now_ms(), Instant::now())))
}

/// What one attempt saw, filled in as the answer comes.
#[derive(Default)]
pub(super) struct Seen {
    pub status: Option<u16>,
    pub request_id: Option<String>,
    pub body: Option<String>,
}

/// Record one attempt of `operation` begun at `started` (see [`started`]).
pub(super) fn record(
    (at_ms, started): (u64, Instant),
    operation: &str,
    request: &serde_json::Value,
    attempt: u32,
    seen: Seen,
    cost: Option<&super::throttle::Cost>,
    error: Option<String>,
) {
    let variables = request.get("variables").map(|v| v.to_string()).unwrap_or_default();
    OPEN.with(|open| {
        let mut open = open.borrow_mut();
        let Some((log, calls)) = open.as_mut() else { return };
        calls.push(ApiCall {
            at_ms,
            duration_ms: started.elapsed().as_millis() as u64,
            detail: CallDetail::Shopify(ShopifyCall {
                operation: operation.to_owned(),
                variables: log.shown(&variables),
                attempt,
                status: seen.status,
                request_id: seen.request_id,
                response: seen.body.map(|b| log.shown(&b)),
                error: error.map(|e| log.redactor.redact(&e).into_owned()),
                cost_requested: cost.map(|c| c.requested),
                cost_actual: cost.and_then(|c| c.actual),
                throttle: cost.map(|c| Throttle {
                    maximum_available: c.maximum_available,
                    currently_available: c.currently_available,
                    restore_rate: c.restore_rate,
                }),
            }),
        });
    });
}
