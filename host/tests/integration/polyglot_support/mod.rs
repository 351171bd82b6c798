//! Shared by the polyglot tests: a plugin host over built plugins of any language, with a compile
//! cache shared across test runs (Python/JS components take seconds to compile; the cache key is
//! (sha256, wasmtime version, engine settings), so sharing it is safe), and record builders.

pub mod erp;

use std::path::{Path, PathBuf};
use weft::config::LimitsConfig;
use weft::model::*;
use weft::plugin::http::Network;
use weft::plugin::{HostOptions, PluginHost};
use weft::redact::Redactor;

/// Repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("host/ has a parent").to_owned()
}

/// The compile cache the polyglot tests share.
pub fn shared_cache() -> PathBuf {
    repo_root().join("target/polyglot/test-compile-cache")
}

/// A built plugin folder: `target/plugins/<id>` or `target/test-plugins/<id>`.
pub fn built(id: &str) -> PathBuf {
    for dir in ["target/plugins", "target/test-plugins"] {
        let p = repo_root().join(dir).join(id);
        if p.join("plugin.wasm").is_file() {
            return p;
        }
    }
    panic!("plugin {id} is not built; run `bash scripts/test.sh` (or plugins/build.sh for plugins/ and tests/plugins) first")
}

/// Copy built plugin `id` into `plugins_dir`, with its manifest edited by `edit`.
pub fn install_with(plugins_dir: &Path, id: &str, edit: impl FnOnce(&mut toml::Table)) {
    let from = built(id);
    let dir = plugins_dir.join(id);
    std::fs::create_dir_all(&dir).expect("plugin dir");
    std::fs::copy(from.join("plugin.wasm"), dir.join("plugin.wasm")).expect("copy wasm");
    let text = std::fs::read_to_string(from.join("plugin.toml")).expect("read manifest");
    let mut manifest: toml::Table = toml::from_str(&text).expect("manifest is TOML");
    edit(&mut manifest);
    std::fs::write(dir.join("plugin.toml"), toml::to_string(&manifest).expect("manifest")).expect("write manifest");
}

/// A plugin host over the built plugins `ids` in a scratch dir, every plugin loaded.
pub fn host_with(ids: &[&str], limits: LimitsConfig) -> (tempfile::TempDir, PluginHost) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let plugins = tmp.path().join("plugins");
    for id in ids {
        install_with(&plugins, id, |_| {});
    }
    let host = load(&plugins, limits);
    (tmp, host)
}

/// Load a plugins dir with the shared compile cache and a store beside it (plugin kv works);
/// every plugin must load. Loads hold a lock
/// on the cache, so parallel tests compile each component once and then hit the cache.
pub fn load(plugins: &Path, limits: LimitsConfig) -> PluginHost {
    std::fs::create_dir_all(shared_cache()).expect("cache dir");
    let lock = std::fs::File::create(shared_cache().join(".lock")).expect("cache lock file");
    lock.lock().expect("lock the compile cache");
    let store_dir = plugins.parent().unwrap_or(plugins).join("store");
    let host = PluginHost::load(HostOptions {
        dir: plugins.to_owned(),
        cache_dir: shared_cache(),
        pins: Default::default(),
        limits,
        store: Some(weft::store::Store::open(&store_dir).expect("store opens")),
        network: Network::default(),
        redactor: Redactor::new(),
    })
    .expect("plugin host loads");
    assert!(host.refused().is_empty(), "refused plugins: {:?}", host.refused());
    host
}

/// A variant with `sku`.
pub fn variant(id: &str, sku: Option<&str>) -> Variant {
    Variant {
        external_id: id.into(),
        sku: sku.map(Into::into),
        barcode: None,
        option_values: vec![],
        price: None,
        compare_at_price: None,
        cost: None,
        weight_grams: None,
        updated_at: None,
        extra: "{}".into(),
        ..Variant::default()
    }
}

/// A product with a title, tags and variants.
pub fn product(id: &str, title: &str, tags: &[&str], variants: Vec<Variant>) -> Product {
    Product {
        external_id: id.into(),
        sku: None,
        title: title.into(),
        description: None,
        vendor: Some("Acme".into()),
        product_type: Some("Shirts".into()),
        tags: tags.iter().map(|t| (*t).into()).collect(),
        status: ProductStatus::Active,
        options: vec![],
        variants,
        deleted: false,
        updated_at: Some("2026-11-26T10:00:00Z".into()),
        extra: "{}".into(),
        ..Product::default()
    }
}

/// Money in `currency`.
pub fn money(amount: &str, currency: &str) -> Money {
    Money { amount: amount.into(), currency: currency.into() }
}

/// A stock level.
pub fn level(sku: &str, on_hand: i64) -> InventoryLevel {
    InventoryLevel {
        external_id: format!("{sku}@WH"),
        sku: Some(sku.into()),
        location: "WH".into(),
        on_hand,
        reserved: -3,
        incoming: i64::MAX,
        safety_stock: i64::MIN,
        updated_at: None,
        extra: "{\"bin\":\"A1\"}".into(),
    }
}

/// An order with one line per SKU, with shipping, in a presentment currency other than the
/// shop's.
pub fn order(id: &str, skus: &[&str]) -> Order {
    let both = |shop: &str, presentment: &str| Amount {
        shop: money(shop, "USD"),
        presentment: Some(money(presentment, "EUR")),
    };
    Order {
        external_id: id.into(),
        name: format!("#{id}"),
        source: "web".into(),
        email: Some("jürgen@example.com".into()),
        currency: "USD".into(),
        presentment_currency: Some("EUR".into()),
        lines: skus
            .iter()
            .enumerate()
            .map(|(i, sku)| OrderLine {
                external_id: format!("{id}-{i}"),
                sku: Some((*sku).into()),
                title: format!("Line {i} – ünïcode"),
                quantity: u32::MAX - i as u32,
                current_quantity: u32::MAX - i as u32,
                unit_price: both("21.89", "19.90"),
                requires_shipping: true,
                custom_attributes: vec![("gift".into(), "yes ✓".into())],
                extra: "{}".into(),
                ..OrderLine::default()
            })
            .collect(),
        shipping_lines: vec![ShippingLine {
            external_id: format!("{id}-ship"),
            title: "Standard".into(),
            price: both("5.39", "4.90"),
            ..ShippingLine::default()
        }],
        shipping: both("5.39", "4.90"),
        total: both("49.17", "44.70"),
        financial_status: FinancialStatus::PartiallyPaid,
        tags: vec!["b2b".into()],
        note: Some("leave at the door".into()),
        created_at: "2026-11-26T10:00:00Z".into(),
        extra: "{}".into(),
        ..Order::default()
    }
}
