//! Shared by the connector tests: a plugin host with a real store (plugin kv) over the built
//! plugins, and the live Tryton the scripts in tests/erp/tryton started.

pub mod tryton;

use std::path::{Path, PathBuf};
use weft::config::LimitsConfig;
use weft::domain::decimal;
use weft::model::*;
use weft::plugin::http::Network;
use weft::plugin::{HostOptions, PluginHost};
use weft::redact::Redactor;
use weft::store::Store;

/// Repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("host/ has a parent").to_owned()
}

/// A plugin host over a scratch plugins dir holding the built plugins `ids`, with a store in the
/// scratch dir (so plugin kv works) and default sandbox limits. `extra_hosts` are added to each
/// manifest's `outbound_hosts`, as an operator does for an ERP on a host:port the shipped
/// manifest does not list (the test servers run on chosen ports).
pub fn plugin_host(ids: &[&str], extra_hosts: &[&str]) -> (tempfile::TempDir, PluginHost) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let plugins = tmp.path().join("plugins");
    for id in ids {
        let built = ["target/plugins", "target/test-plugins"]
            .iter()
            .map(|d| repo_root().join(d).join(id))
            .find(|p| p.join("plugin.wasm").is_file())
            .unwrap_or_else(|| panic!("plugin {id} is not built; run `plugins/build.sh` (and `plugins/build.sh target/test-plugins tests/plugins`)"));
        let dir = plugins.join(id);
        std::fs::create_dir_all(&dir).expect("plugin dir");
        std::fs::copy(built.join("plugin.wasm"), dir.join("plugin.wasm")).expect("copy built plugin");
        let text = std::fs::read_to_string(built.join("plugin.toml")).expect("read manifest");
        let mut manifest: toml::Table = toml::from_str(&text).expect("manifest is TOML");
        if !extra_hosts.is_empty() {
            let caps = manifest.entry("capabilities").or_insert_with(|| toml::Value::Table(Default::default()));
            let hosts = caps
                .as_table_mut()
                .expect("capabilities table")
                .entry("outbound_hosts")
                .or_insert_with(|| toml::Value::Array(Vec::new()));
            hosts
                .as_array_mut()
                .expect("outbound_hosts array")
                .extend(extra_hosts.iter().map(|h| toml::Value::String((*h).to_owned())));
        }
        std::fs::write(dir.join("plugin.toml"), toml::to_string(&manifest).expect("manifest")).expect("write manifest");
    }
    let store = Store::open(&tmp.path().join("store")).expect("store opens");
    let host = PluginHost::load(HostOptions {
        dir: plugins,
        cache_dir: tmp.path().join("cache"),
        pins: Default::default(),
        // Default limits, except a longer call deadline: an order push is ~9 Tryton calls, and on a
        // shared 2-core machine with other builds running a call can take seconds.
        limits: LimitsConfig { connector_deadline_ms: 120_000, ..LimitsConfig::default() },
        store: Some(store),
        network: Network::default(),
        redactor: Redactor::new(),
    })
    .expect("plugin host loads");
    assert!(host.refused().is_empty(), "refused plugins: {:?}", host.refused());
    (tmp, host)
}

/// A TOML table from string pairs.
pub fn table(pairs: &[(&str, toml::Value)]) -> toml::Table {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect()
}

/// A run-unique suffix, so tests can be repeated against the same ERP database.
pub fn run_id() -> String {
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or_default();
    format!("{}-{}", std::process::id(), nanos % 1_000_000_000)
}

/// A Shopify-like order named `name` by customer `customer` with `(sku, quantity, unit price)` lines.
pub fn shop_order(name: &str, customer: &str, lines: &[(&str, u32, &str)]) -> Order {
    let money = |a: &str| Amount::shop(Money { amount: a.into(), currency: "USD".into() });
    let subtotal = lines
        .iter()
        .map(|(_, qty, price)| decimal::parse(price).expect("test price") * decimal::Decimal::from(*qty))
        .sum::<decimal::Decimal>();
    let subtotal = decimal::text(subtotal);
    Order {
        external_id: format!("gid://shopify/Order/{name}"),
        name: name.into(),
        source: "web".into(),
        email: Some(format!("{customer}@example.com")),
        customer: Some(shop_customer(customer)),
        currency: "USD".into(),
        lines: lines
            .iter()
            .enumerate()
            .map(|(i, (sku, qty, price))| OrderLine {
                external_id: format!("{name}-{i}"),
                sku: Some((*sku).into()),
                title: (*sku).into(),
                quantity: *qty,
                current_quantity: *qty,
                unit_price: money(price),
                requires_shipping: true,
                extra: "{}".into(),
                ..OrderLine::default()
            })
            .collect(),
        subtotal: money(&subtotal),
        shipping: money("0"),
        tax: money("0"),
        discount: money("0"),
        total: money(&subtotal),
        financial_status: FinancialStatus::Paid,
        cancelled: false,
        shipping_address: Some(Address {
            first_name: Some("Jane".into()),
            last_name: Some("Buyer".into()),
            company: None,
            address1: Some("1 Main St".into()),
            address2: None,
            city: Some("Springfield".into()),
            province_code: None,
            zip: Some("12345".into()),
            country_code: Some("US".into()),
            phone: None,
        }),
        billing_address: None,
        tags: vec![],
        created_at: "2026-11-26T10:00:00Z".into(),
        updated_at: None,
        extra: "{}".into(),
        ..Order::default()
    }
}

/// A Shopify-like customer with id `id`.
pub fn shop_customer(id: &str) -> Customer {
    Customer {
        external_id: format!("gid://shopify/Customer/{id}"),
        sku: None,
        email: Some(format!("{id}@example.com")),
        first_name: Some("Conformance".into()),
        last_name: Some("Probe".into()),
        phone: None,
        company: None,
        addresses: vec![],
        metafields: vec![],
        tags: vec![],
        updated_at: None,
        extra: "{}".into(),
    }
}

/// Copy the sample dataset's export files into `dir/in` (the inbox of the file-feed connector).
pub fn copy_sample_dataset(dir: &Path) {
    let from = repo_root().join("tests/fixtures/sample-dataset/in");
    let to = dir.join("in");
    std::fs::create_dir_all(&to).expect("inbox");
    for entry in std::fs::read_dir(&from).expect("sample dataset") {
        let entry = entry.expect("entry");
        std::fs::copy(entry.path(), to.join(entry.file_name())).expect("copy export file");
    }
}

/// The sample dataset's EXPECTED.json.
pub fn sample_expected() -> serde_json::Value {
    let text = std::fs::read_to_string(repo_root().join("tests/fixtures/sample-dataset/EXPECTED.json"))
        .expect("EXPECTED.json");
    serde_json::from_str(&text).expect("EXPECTED.json is JSON")
}
