//! Property-based fuzzing (proptest, on stable Rust) of what reaches weft from outside: bad input
//! gets a clear error and never a panic, a 500 or a trap.
//! - Webhook intake, headers and bodies, against a real `weft serve`: only 200, 400, 401, 413 or
//!   503, and the server keeps serving. Signed bodies too, so the parser behind the HMAC is reached.
//! - The operator's config: any text, and well-formed files with arbitrary values, parse or are
//!   refused with a message naming the file.
//! - Shopify's answers: arbitrary status codes and bodies (garbage, arbitrary JSON, GraphQL
//!   shapes with wrong types) through the real client and the readers that decode them.
//! - File-feed rows: arbitrary CSV rows through the real plugin: records or per-row errors, no trap.
//!
//! (Plugin outputs across the WIT boundary: `plugin::wit::v0_1_0::fuzz` in the library.)
//!
//! CI runs [`DEFAULT_CASES`] cases per harness. To run long:
//! `PROPTEST_CASES=20000 cargo nextest run -p weft fuzz_inputs:: --no-capture` (failures are
//! shrunk and their seeds kept in `proptest-regressions/`).

use crate::common;
use crate::connector_support;
use crate::signals_support;

use base64::Engine;
use common::engine::{get, post};
use hmac::{Hmac, Mac};
use proptest::prelude::*;
use serde_json::{json, Value};
use sha2::Sha256;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use weft::config::{Config, Secret};
use weft::model::{Entity, PluginError};
use weft::plugin::{CallError, Grant};
use weft::shopify::{ClientConfig, ShopifyClient};

/// Cases per harness unless `PROPTEST_CASES` says otherwise.
const DEFAULT_CASES: u32 = 48;

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(DEFAULT_CASES);
    ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() }
}

/// Arbitrary JSON, a few levels deep.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
        ".{0,24}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map("[a-zA-Z_]{1,12}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

// ---- webhook intake ------------------------------------------------------------------------

fn sign(body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(signals_support::WEBHOOK_SECRET.as_bytes()).unwrap();
    mac.update(body);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// One webhook delivery: topic, webhook id, signed or not, a signature, a body, extra headers.
type Delivery = (String, String, bool, String, Vec<u8>, Vec<(String, String)>);

fn delivery() -> impl Strategy<Value = Delivery> {
    (
        prop_oneof![Just("orders/create".to_owned()), Just("customers/update".to_owned()), "[ -~]{0,40}"],
        "[ -~]{0,40}",
        any::<bool>(),
        "[ -~]{0,60}",
        prop_oneof![
            prop::collection::vec(any::<u8>(), 0..2048),
            json_value().prop_map(|v| v.to_string().into_bytes()),
            json_value().prop_map(|v| json!({"id": 1, "name": "#1", "line_items": [v]}).to_string().into_bytes()),
        ],
        prop::collection::vec(("x-[a-z-]{1,16}", "[ -~]{0,40}"), 0..4),
    )
}

/// A real `weft serve` (stopped when the test ends: a plain test owns it, not a static).
#[test]
fn webhook_intake_answers_every_delivery_with_a_4xx_or_200() {
    let bed = signals_support::Bed::new(
        1,
        "[flows.orders_in]\nfrom = \"shopify\"\nto = \"erp\"\nobject = \"order\"\ntrigger = { webhook = true }\n",
    );
    let _serve = bed.serve();
    let addr = &bed.addr;
    let mut runner = proptest::test_runner::TestRunner::new(config());
    let outcome = runner.run(&delivery(), |(topic, id, signed, signature, body, extra)| {
        let mac = if signed { sign(&body) } else { signature };
        let mut headers: Vec<(&str, &str)> = vec![
            ("x-shopify-topic", &topic),
            ("x-shopify-webhook-id", &id),
            ("x-shopify-hmac-sha256", &mac),
            ("content-type", "application/json"),
        ];
        headers.extend(extra.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let (status, answer) = post(addr, "/webhooks/shopify", &headers, &body).expect("the server answers");
        prop_assert!([200, 400, 401, 413, 503].contains(&status), "status {status}: {answer}");
        prop_assert!(signed || status == 401 || status == 400, "an unsigned delivery is never accepted: {status}");
        prop_assert_eq!(get(addr, "/healthz").map(|(s, _)| s), Some(200));
        Ok(())
    });
    if let Err(failure) = outcome {
        panic!("{failure}\n{}", bed.log());
    }
}

proptest! {
    #![proptest_config(config())]

    // ---- config parsing ----------------------------------------------------------------------

    #[test]
    fn any_config_text_parses_or_is_refused(text in "(?s).{0,600}") {
        let _ = Config::parse(&text, Path::new("weft.toml"));
    }

    #[test]
    fn config_values_are_judged_with_a_message_naming_the_file(
        listen in ".{0,30}", workers in any::<i64>(), every in ".{0,12}", percent in any::<i64>(),
        formula in ".{0,40}", location in ".{0,20}", hosts in prop::collection::vec(".{0,24}", 0..3),
        max_body in any::<i64>(), proxies in prop::collection::vec(".{0,20}", 0..3),
    ) {
        let s = |v: &str| toml::Value::String(v.to_owned()).to_string();
        let list = |l: &[String]| format!("[{}]", l.iter().map(|h| s(h)).collect::<Vec<_>>().join(", "));
        let text = format!(
            "[server]\nlisten = {}\nworkers = {workers}\ntrusted_proxies = {}\n[server.limits]\nmax_body_kib = {max_body}\n\
             [connections.erp]\nplugin = \"file-feed\"\nallow_hosts = {}\n\
             [shopify]\nshop = \"x.myshopify.com\"\naccess_token = {{ env = \"T\" }}\nwebhook_secret = {{ env = \"S\" }}\n\
             [flows.inventory]\nfrom = \"erp\"\nto = \"shopify\"\nobject = \"inventory\"\ntrigger = {{ every = {} }}\n\
             available = {}\nbuffer = {{ percent = {percent} }}\nlocations = {{ {} = \"gid://shopify/Location/1\" }}\n",
            s(&listen), list(&proxies), list(&hosts), s(&every), s(&formula), s(&location)
        );
        if let Err(e) = Config::parse(&text, Path::new("weft.toml")) {
            prop_assert!(e.to_string().starts_with("invalid config weft.toml"), "{e}");
        }
    }
}

// ---- Shopify's answers ---------------------------------------------------------------------

/// The (status, body) the Shopify double answers with.
type Answer = Arc<Mutex<(u16, Vec<u8>)>>;

/// A loopback endpoint answering every request with the current (status, body).
fn shopify_double() -> (String, Answer) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let answer = Arc::new(Mutex::new((200u16, b"{}".to_vec())));
    let shared = answer.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let (status, body) = shared.lock().unwrap().clone();
            let mut buf = vec![0u8; 64 * 1024];
            let _ = stream.set_read_timeout(Some(Duration::from_millis(200)));
            let _ = stream.read(&mut buf);
            let head = format!(
                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
        }
    });
    (url, answer)
}

/// GraphQL-shaped answers with arbitrary values where the readers expect theirs.
fn graphql_answer() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..512),
        json_value().prop_map(|v| v.to_string().into_bytes()),
        (json_value(), json_value(), json_value()).prop_map(|(a, b, c)| json!({"data": {
            "productByHandle": a, "productByIdentifier": a, "productVariants": {"nodes": [b, c]},
            "inventoryItems": {"nodes": [b]}, "products": {"nodes": [c]}
        }, "extensions": {"cost": {"throttleStatus": b}}})
        .to_string()
        .into_bytes()),
        json_value()
            .prop_map(|v| json!({"errors": [{"message": v, "extensions": {"code": v}}]}).to_string().into_bytes()),
    ]
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn shopify_answers_decode_or_fail_cleanly(
        status in prop::sample::select(vec![200u16, 200, 200, 400, 401, 404, 429, 500, 503]),
        body in graphql_answer(),
        node in json_value(),
    ) {
        static DOUBLE: OnceLock<(String, Answer, tokio::runtime::Runtime)> = OnceLock::new();
        let (url, answer, rt) = DOUBLE.get_or_init(|| {
            let (url, answer) = shopify_double();
            (url, answer, tokio::runtime::Runtime::new().unwrap())
        });
        *answer.lock().unwrap() = (status, body);
        let mut cfg = ClientConfig::new(url, "2026-04", Secret::new("shpat_fuzz".into()));
        cfg.max_attempts = 1;
        cfg.request_timeout = Duration::from_secs(5);
        let client = ShopifyClient::new(cfg).unwrap();
        rt.block_on(async {
            let _ = weft::shopify::products::product_by(&client, weft::shopify::products::ProductKey::Handle("fuzz")).await;
            let _ = weft::shopify::products::variants_by_sku(&client, &["A".into(), "B".into()]).await;
            let _ = weft::shopify::inventory::read_skus(&client, &["A".into()]).await;
        });
        let _ = weft::flow::order::read::order_from_node(&node);
        let _ = weft::flow::customer::read::customer(&node);
        let _ = weft::shopify::RecordError::list(&node);
    }
}

// ---- file-feed rows ------------------------------------------------------------------------

const PRODUCT_HEADER: &str = "product_id,product_sku,title,vendor,product_type,tags,status,option1_name,option1_value,option2_name,option2_value,variant_id,sku,barcode,price,compare_at_price,cost,weight_grams,updated_at";
const INVENTORY_HEADER: &str = "sku,location,on_hand,reserved,incoming,safety_stock,updated_at";

/// One CSV field: plausible values, garbage, quotes, separators and long text.
fn field() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Z]{1,3}-[0-9]{1,4}",
        "-?[0-9]{1,12}(\\.[0-9]{0,6})?",
        "2026-1[0-2]-[0-3][0-9]T0[0-9]:00:00Z",
        ".{0,30}",
        "\"[^\"]{0,10}\"",
        "[,;\"\\n]{1,4}",
        Just(String::new()),
        Just("x".repeat(5000)),
    ]
}

fn rows(columns: usize) -> impl Strategy<Value = Vec<Vec<String>>> {
    prop::collection::vec(prop::collection::vec(field(), columns.saturating_sub(2)..columns + 2), 0..8)
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn file_feed_rows_become_records_or_per_row_errors(products in rows(19), levels in rows(7), round in any::<u32>()) {
        static HOST: OnceLock<(tempfile::TempDir, weft::plugin::PluginHost)> = OnceLock::new();
        let (tmp, host) = HOST.get_or_init(|| connector_support::plugin_host(&["file-feed"], &[]));
        let data = tmp.path().join(format!("feed-{round}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&data);
        std::fs::create_dir_all(data.join("in")).unwrap();
        let csv = |header: &str, rows: &[Vec<String>]| {
            let mut text = format!("{header}\n");
            for row in rows {
                text.push_str(&row.join(","));
                text.push('\n');
            }
            text
        };
        std::fs::write(data.join("in/products-fuzz.csv"), csv(PRODUCT_HEADER, &products)).unwrap();
        std::fs::write(data.join("in/inventory-fuzz.csv"), csv(INVENTORY_HEADER, &levels)).unwrap();
        let grant = Grant { directory: Some(data.clone()), ..Grant::default() };
        for entity in [Entity::Product, Entity::InventoryLevel] {
            let mut cursor: Option<String> = None;
            for _ in 0..64 {
                let mut session = host.session("file-feed", &grant).unwrap();
                match session.pull(entity, cursor.as_deref(), 50) {
                    Ok(Ok(page)) => {
                        cursor = page.next_cursor.or(cursor);
                        if !page.has_more { break; }
                    }
                    Ok(Err(PluginError::InvalidInput(f))) => prop_assert!(f.field.contains("fuzz.csv:"), "{f:?}"),
                    Ok(Err(e)) => prop_assert!(false, "{entity:?}: a row is a per-row error, not {e:?}"),
                    Err(e @ CallError::Trap { .. }) => prop_assert!(false, "the plugin trapped: {e}"),
                    Err(e) => prop_assert!(false, "{entity:?}: the call failed: {e}"),
                }
            }
        }
        let _ = std::fs::remove_dir_all(&data);
    }
}
