//! Dry runs (`weft run FLOW --dry-run`): the Shopify writers print the writes they would make
//! and make none. Set once per process by the `run` command, which also works on a scratch
//! copy of the store so nothing is recorded as done.

use std::sync::atomic::{AtomicBool, Ordering};

static ENABLED: AtomicBool = AtomicBool::new(false);

/// Turn dry-run on for this process.
pub fn enable() {
    ENABLED.store(true, Ordering::SeqCst);
}

/// Whether writes are only printed.
pub fn enabled() -> bool {
    ENABLED.load(Ordering::SeqCst)
}

/// Print one write that would be made.
pub fn print(flow: &str, operation: &str, detail: &str) {
    println!("[dry-run] {flow}: {operation} {detail}");
}
