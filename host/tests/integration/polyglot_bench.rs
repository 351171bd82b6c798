//! Benchmark (prints, asserts nothing): the same transform (sku-normalize) in Rust, Python and
//! JavaScript through the host — component size, first compile, cached load, instantiation,
//! first call, and throughput at batches of 1, 100 and 1000, against a native baseline measured
//! in the same run.
//!
//! Run (after `bash scripts/test.sh` or plugins/build.sh for plugins/ and tests/plugins):
//!
//! ```sh
//! cargo nextest run -p weft polyglot_bench:: --run-ignored only --no-capture
//! ```
//!
//! Debug build of the host (the team builds debug only): guest code is compiled by Cranelift at
//! `OptLevel::Speed` either way, but the host-side lowering runs at the dev profile's opt-level 1.

use crate::polyglot_support;

use polyglot_support::*;
use std::time::{Duration, Instant};
use weft::config::LimitsConfig;
use weft::model::Record;
use weft::plugin::{CacheStatus, Grant, PluginHost};

const PLUGINS: [(&str, &str); 3] =
    [("Rust", "sku-normalize"), ("Python", "sku-normalize-py"), ("JS (QuickJS)", "sku-normalize-js")];

fn records(n: usize) -> Vec<Record> {
    const SKUS: [&str; 4] = [" straße-1 ", "ﬁsh-2", "widget-3", "Ωmega-4"];
    (0..n)
        .map(|i| {
            let variants = vec![
                variant(&format!("v{i}a"), Some(SKUS[i % 4])),
                variant(&format!("v{i}b"), Some(&format!("sku-{i:06}"))),
            ];
            Record::Product(product(&format!("p{i}"), "Tee", &["a"], variants))
        })
        .collect()
}

fn native(records: &[Record]) -> usize {
    let mut n = 0;
    for mut r in records.iter().cloned() {
        if let Record::Product(p) = &mut r {
            for v in &mut p.variants {
                if let Some(s) = v.sku.as_mut() {
                    *s = s.trim().to_uppercase();
                    n += s.len();
                }
            }
        }
    }
    n
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Records per second of `f` on batches of `batch`, run for about `budget`.
fn rate(batch: usize, budget: Duration, mut f: impl FnMut()) -> f64 {
    let started = Instant::now();
    let mut calls = 0usize;
    while started.elapsed() < budget || calls < 3 {
        f();
        calls += 1;
    }
    (calls * batch) as f64 / started.elapsed().as_secs_f64()
}

fn load_alone(id: &str, cache: &std::path::Path) -> (tempfile::TempDir, PluginHost) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let plugins = tmp.path().join("plugins");
    install_with(&plugins, id, |_| {});
    let host = PluginHost::load(weft::plugin::HostOptions {
        dir: plugins,
        cache_dir: cache.to_owned(),
        pins: Default::default(),
        limits: LimitsConfig::default(),
        store: None,
        network: Default::default(),
        redactor: weft::redact::Redactor::new(),
    })
    .expect("host");
    (tmp, host)
}

#[test]
#[ignore = "benchmark: run with --run-ignored only --no-capture"]
fn polyglot_table() {
    let budget =
        Duration::from_millis(std::env::var("WEFT_BENCH_MS").ok().and_then(|s| s.parse().ok()).unwrap_or(1000));
    let batches = [1usize, 100, 1000];
    let inputs: Vec<Vec<Record>> = batches.iter().map(|&n| records(n)).collect();
    let native_rates: Vec<f64> =
        batches.iter().zip(&inputs).map(|(&n, input)| rate(n, budget, || assert!(native(input) > 0))).collect();
    println!(
        "\nnative Rust baseline (same work, in-process): {}",
        native_rates.iter().map(|r| format!("{:.0} rec/s", r)).collect::<Vec<_>>().join(" / ")
    );
    println!(
        "\n| language | component | first compile | cached load | instantiate (median) | first apply(1) | batch 1 | batch 100 | batch 1000 | vs native @1000 |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for (lang, id) in PLUGINS {
        let size = std::fs::metadata(built(id).join("plugin.wasm")).map(|m| m.len()).unwrap_or_default();
        let cache = tempfile::tempdir().expect("cache dir");
        let (_a, first) = load_alone(id, cache.path());
        let compile = match first.plugin(id).expect("loaded").cache {
            CacheStatus::Compiled { compile_ms } => format!("{:.2} s", compile_ms as f64 / 1000.0),
            CacheStatus::Hit { .. } => "cached?".into(),
        };
        drop(first);
        let (_b, host) = load_alone(id, cache.path());
        let cached = match host.plugin(id).expect("loaded").cache {
            CacheStatus::Hit { load_us } => format!("{:.2} ms", load_us as f64 / 1000.0),
            CacheStatus::Compiled { .. } => "miss".into(),
        };
        let grant = Grant::default();
        let mut instantiate = Vec::new();
        let mut first_call = Vec::new();
        for _ in 0..30 {
            let mut s = host.session(id, &grant).expect("session");
            let t = Instant::now();
            s.prepare().expect("instantiate");
            instantiate.push(t.elapsed());
            let t = Instant::now();
            s.apply(&inputs[0]).expect("apply");
            first_call.push(t.elapsed());
        }
        let mut session = host.session(id, &grant).expect("session");
        let rates: Vec<f64> = batches
            .iter()
            .zip(&inputs)
            .map(|(&n, input)| rate(n, budget, || assert_eq!(session.apply(input).expect("apply").len(), n)))
            .collect();
        println!(
            "| {lang} | {:.2} MiB | {compile} | {cached} | {:.0} µs | {:.0} µs | {:.0} | {:.0} | {:.0} | {:.1}× slower |",
            size as f64 / (1 << 20) as f64,
            median(instantiate).as_secs_f64() * 1e6,
            median(first_call).as_secs_f64() * 1e6,
            rates[0],
            rates[1],
            rates[2],
            native_rates[2] / rates[2],
        );
    }
    println!("\nthroughput in records/s (each record: a product with 2 variant SKUs); {} per cell", humantime(budget));
}

fn humantime(d: Duration) -> String {
    format!("{} ms", d.as_millis())
}
