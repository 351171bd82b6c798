//! Finding 3 of issue 19, the log: a plugin printing in a loop (the hostile plugin's `chatty`
//! mode: 1,000 log lines and 1,000 stdout lines per call) cannot grow the log without bound.
//! Its lines, across all its instances, go through one rate limit; what is dropped is counted.

use crate::common;

use common::*;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Instant;
use weft::plugin::chatter::{BURST_LINES, LINES_PER_SECOND};
use weft::plugin::http::Network;
use weft::plugin::Grant;

/// A log sink the test reads back.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_plugin_printing_in_a_loop_is_rate_limited_and_what_is_dropped_is_counted() {
    let captured = Captured::default();
    let sink = captured.clone();
    tracing_subscriber::fmt().with_writer(move || sink.clone()).with_ansi(false).init();
    let tmp = tempfile::tempdir().unwrap();
    let plugins = tmp.path().join("plugins");
    install(&plugins, "hostile", "hostile", &hostile_manifest("hostile", &[]));
    let host = host(&plugins, &tmp.path().join("cache"), test_limits(), Network::default());
    let mut config = toml::Table::new();
    config.insert("mode".into(), toml::Value::String("chatty".into()));
    let grant = Grant { config, ..Grant::default() };

    let calls = 10;
    let started = Instant::now();
    for _ in 0..calls {
        // A fresh instance each time, as jobs get: the limit is the plugin's, not the instance's.
        let mut session = host.session("hostile", &grant).unwrap();
        session.check().expect("the call succeeds").expect("check is ok");
    }
    let elapsed = started.elapsed().as_secs_f64();
    let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let written = text.lines().filter(|l| l.contains("chatty")).count() as u64;
    let produced = calls * 2000;
    let allowed = (BURST_LINES + LINES_PER_SECOND * elapsed).ceil() as u64;
    assert!(written <= allowed, "{written} lines written in {elapsed:.1} s; at most {allowed} allowed");
    assert!(written >= BURST_LINES as u64, "the burst is written: {written}");
    let dropped = host.plugin("hostile").unwrap().log_dropped();
    assert_eq!(dropped, produced - written, "every dropped line is counted");
    assert!(text.contains("dropping lines"), "the drop is said in the log");
}
