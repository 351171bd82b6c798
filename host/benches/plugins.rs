//! Plugin runtime benchmark: instantiate-per-job latency and transform throughput.
//!
//! Run: `plugins/build.sh && cargo bench -p weft --bench plugins`
//! (`WEFT_PERFMAP=1` lets `perf` name the plugins' functions: build them unstripped).
//!
//! Prints numbers and ratios against baselines measured in the same run; asserts nothing.
//! Goals to report against: ≤ 15 µs per instantiation, ≥ 1,000,000 records/s at batch 256.

#[allow(dead_code)]
mod table;

/// The allocator `weft serve` runs with, so both the host's side of a plugin call and the native
/// baseline allocate as they do in production.
#[cfg(target_os = "linux")]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

use std::path::Path;
use std::time::{Duration, Instant};
use weft::config::LimitsConfig;
use weft::model::{Product, ProductStatus, Record, Variant};
use weft::plugin::http::Network;
use weft::plugin::{Grant, HostOptions, PluginHost};
use weft::redact::Redactor;

fn record(i: usize) -> Record {
    Record::Product(Product {
        external_id: format!("p{i}"),
        sku: None,
        title: format!("Product {i}"),
        description: None,
        vendor: None,
        product_type: None,
        tags: vec![],
        status: ProductStatus::Active,
        options: vec![],
        variants: vec![Variant {
            external_id: format!("v{i}"),
            sku: Some(format!("  sku-{i:06}-straße ")),
            barcode: None,
            option_values: vec![],
            price: None,
            compare_at_price: None,
            cost: None,
            weight_grams: None,
            updated_at: None,
            extra: "{}".into(),
            ..Variant::default()
        }],
        deleted: false,
        updated_at: None,
        extra: "{}".into(),
        ..Product::default()
    })
}

/// The same work done natively, as the baseline.
fn native_normalize(records: &[Record]) -> Vec<Record> {
    records
        .iter()
        .cloned()
        .map(|mut r| {
            if let Record::Product(p) = &mut r {
                for v in &mut p.variants {
                    if let Some(s) = v.sku.as_mut() {
                        *s = s.trim().to_uppercase();
                    }
                }
            }
            r
        })
        .collect()
}

fn per_second(count: usize, elapsed: Duration) -> f64 {
    count as f64 / elapsed.as_secs_f64()
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_owned();
    let cache = tempfile::tempdir().unwrap();
    let host = PluginHost::load(HostOptions {
        dir: root.join("target/plugins"),
        cache_dir: cache.path().to_owned(),
        pins: Default::default(),
        limits: LimitsConfig::default(),
        store: None,
        network: Network::default(),
        redactor: Redactor::new(),
    })
    .expect("load plugins (run plugins/build.sh first)");
    assert!(host.plugin("sku-normalize").is_some(), "sku-normalize not built: run plugins/build.sh");
    let grant = Grant::default();

    // Instantiate per job: a fresh session + instance each time, vs a call on a warm instance.
    let n = 3000;
    let started = Instant::now();
    for _ in 0..n {
        let mut s = host.session("sku-normalize", &grant).unwrap();
        s.prepare().unwrap();
    }
    let instantiate = started.elapsed() / n;
    let mut warm = host.session("sku-normalize", &grant).unwrap();
    warm.describe().unwrap();
    let started = Instant::now();
    for _ in 0..n {
        warm.describe().unwrap();
    }
    let call = started.elapsed() / n;
    println!(
        "instantiate per job: {:.1} µs (goal ≤ 15 µs); a describe() call on a warm instance: {:.1} µs; ratio {:.1}x",
        instantiate.as_secs_f64() * 1e6,
        call.as_secs_f64() * 1e6,
        instantiate.as_secs_f64() / call.as_secs_f64()
    );
    let micros = instantiate.as_secs_f64() * 1e6;
    table::result(
        "instantiate per job",
        "≤ 15 µs",
        &format!("{micros:.1} µs"),
        &format!("warm call {:.1} µs", call.as_secs_f64() * 1e6),
        instantiate.as_secs_f64() / call.as_secs_f64(),
        micros <= 15.0,
    );

    // Throughput through sku-normalize vs the same work natively.
    println!("{:>6} {:>14} {:>14} {:>10}", "batch", "wasm rec/s", "native rec/s", "wasm/native");
    for batch in [1usize, 64, 256, 1024] {
        let records: Vec<Record> = (0..batch).map(record).collect();
        let total = 400_000usize.max(batch);
        let rounds = total / batch;
        let mut session = host.session("sku-normalize", &grant).unwrap();
        session.apply(&records).unwrap();
        let started = Instant::now();
        for _ in 0..rounds {
            let out = session.apply(&records).unwrap();
            std::hint::black_box(out);
        }
        let wasm = per_second(rounds * batch, started.elapsed());
        let started = Instant::now();
        for _ in 0..rounds {
            std::hint::black_box(native_normalize(&records));
        }
        let native = per_second(rounds * batch, started.elapsed());
        println!("{batch:>6} {wasm:>14.0} {native:>14.0} {:>10.2}", wasm / native);
        if batch == 256 {
            table::result(
                "Wasm transform rec/s, batch 256",
                "≥ 0.5 × native, ≥ 1M/s",
                &format!("{wasm:.0}/s"),
                &format!("native {native:.0}/s"),
                wasm / native,
                wasm / native >= 0.5 && wasm >= 1e6,
            );
        }
    }
}
