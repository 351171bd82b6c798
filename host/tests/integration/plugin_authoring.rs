//! The plugin author's tools through the real binary: `weft plugins call` runs a connector's
//! pull, fetch and push against a live loopback ERP with the operator's grant and shows the HTTP
//! exchanges with secrets redacted; `weft plugins package` makes one file the host loads from the
//! plugins directory as it is, pinned by its component's sha256. The scripted author journey is
//! in `plugin_journey.rs`.

use crate::polyglot_support;

use polyglot_support::erp::FakeErp;
use polyglot_support::{install_with, shared_cache};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const TOKEN_ENV: &str = "WEFT_TEST_ERP_TOKEN";

fn weft(config: &Path, args: &[&str], token: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_weft"))
        .arg("--config")
        .arg(config)
        .args(args)
        .env(TOKEN_ENV, token)
        .output()
        .expect("run weft")
}

fn text(out: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// An operator's directory: http-erp-py installed (granted the ERP), a connection to the ERP.
fn operator(erp: &FakeErp) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let plugins = tmp.path().join("plugins");
    install_with(&plugins, "http-erp-py", |m| {
        let caps = m.entry("capabilities").or_insert_with(|| toml::Value::Table(Default::default()));
        if let Some(caps) = caps.as_table_mut() {
            caps.insert("outbound_hosts".into(), toml::Value::Array(vec![toml::Value::String(erp.authority())]));
        }
    });
    let config = tmp.path().join("weft.toml");
    std::fs::write(
        &config,
        format!(
            "[store]\npath = {:?}\n[plugins]\ndir = {:?}\ncache_dir = {:?}\n\
             [connections.erp]\nplugin = \"http-erp-py\"\nallow_hosts = [\"{}\"]\n\
             config = {{ base_url = \"{}\" }}\nsecrets = {{ token = {{ env = \"{TOKEN_ENV}\" }} }}\n",
            tmp.path().join("data"),
            plugins,
            shared_cache(),
            erp.authority(),
            erp.url(""),
        ),
    )
    .unwrap();
    (tmp, config)
}

#[test]
fn plugins_call_pulls_fetches_and_pushes_against_a_live_erp_showing_redacted_exchanges() {
    let erp = FakeErp::start(4);
    let (tmp, config) = operator(&erp);
    let out = weft(
        &config,
        &["plugins", "call", "http-erp-py", "--call", "pull", "--entity", "inventory", "--limit", "3"],
        &erp.token,
    );
    assert!(out.status.success(), "{}", text(&out));
    let page: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out)));
    let records = page["records"].as_array().expect("records");
    assert_eq!(records.len(), 3, "{page}");
    assert_eq!(records[0]["InventoryLevel"]["external_id"], "SKU-001-M@WH1", "{page}");
    assert_eq!(page["has_more"], true);
    let err = String::from_utf8_lossy(&out.stderr);
    let url = format!("> GET {}/api/stock?limit=3", erp.url(""));
    assert!(err.contains(&url), "{}", text(&out));
    assert!(err.contains("> authorization: [REDACTED]") && err.contains("< 200 ("), "{}", text(&out));
    assert!(err.contains("\"warehouse\":\"WH1\"") || err.contains("\"warehouse\": \"WH1\""), "{}", text(&out));
    assert!(!text(&out).contains(&erp.token), "the token never shows: {}", text(&out));
    // The next page from the cursor the first one gave.
    let cursor = page["next_cursor"].as_str().expect("a cursor").to_owned();
    let out = weft(
        &config,
        &[
            "plugins",
            "call",
            "http-erp-py",
            "--call",
            "pull",
            "--entity",
            "inventory_level",
            "--cursor",
            &cursor,
            "--limit",
            "3",
        ],
        &erp.token,
    );
    let next: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out)));
    assert_ne!(next["records"][0], records[0], "{next}");
    // fetch by id, and push an order (its body shows, the token does not).
    let out = weft(
        &config,
        &["plugins", "call", "http-erp-py", "--call", "fetch", "--entity", "product", "--id", "P002", "--id", "NOPE"],
        &erp.token,
    );
    let fetched: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out)));
    assert_eq!(fetched[0]["Ok"]["Product"]["title"], "Product 2 – Straße", "{fetched}");
    assert_eq!(fetched[1]["Ok"], Value::Null, "{fetched}");
    let order = serde_json::to_string(&[weft::model::Record::Order(Box::new(polyglot_support::order(
        "gid://shopify/Order/77",
        &["SKU-001-S"],
    )))])
    .unwrap();
    let input = tmp.path().join("orders.json");
    std::fs::write(&input, order).unwrap();
    let out = weft(
        &config,
        &["plugins", "call", "http-erp-py", "--call", "push", "--entity", "orders", "--input", input.to_str().unwrap()],
        &erp.token,
    );
    let pushed: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out)));
    assert_eq!(pushed[0]["Ok"]["outcome"], "Created", "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("> POST ") && text(&out).contains("gid://shopify/Order/77"),
        "{}",
        text(&out)
    );
    assert!(!text(&out).contains(&erp.token), "{}", text(&out));
    assert_eq!(erp.orders().len(), 1);
    // A wrong token: the plugin's error is the result (exit 1), the exchange shows the 401.
    let out =
        weft(&config, &["plugins", "call", "http-erp-py", "--call", "pull", "--entity", "product"], "wrong-token-123");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("Unauthorized")
            && String::from_utf8_lossy(&out.stderr).contains("< 401"),
        "{}",
        text(&out)
    );
    assert!(!text(&out).contains("wrong-token-123"), "{}", text(&out));
}

#[test]
fn a_package_is_loaded_from_the_plugins_directory_as_it_is_and_pinned() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let built = polyglot_support::built("sku-normalize");
    let config = tmp.path().join("weft.toml");
    let plugins = tmp.path().join("operator-plugins");
    std::fs::create_dir_all(&plugins).unwrap();
    let write_config = |pin: &str| {
        std::fs::write(
            &config,
            format!(
                "[store]\npath = {:?}\n[plugins]\ndir = {:?}\ncache_dir = {:?}\n{pin}",
                tmp.path().join("data"),
                plugins,
                shared_cache()
            ),
        )
        .unwrap()
    };
    write_config("");
    let out =
        weft(&config, &["plugins", "package", built.to_str().unwrap(), "--out", tmp.path().to_str().unwrap()], "");
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let file = tmp.path().join("sku-normalize-0.1.0.weft.tar");
    assert!(file.is_file(), "{stdout}");
    let sha = stdout.lines().find_map(|l| l.strip_prefix("sha256 of plugin.wasm: ")).expect("the digest").to_owned();
    assert!(stdout.contains(&format!("sku-normalize = \"{sha}\"")), "{stdout}");
    // Standard tar lists it.
    let listed = Command::new("tar").arg("tf").arg(&file).output().expect("tar");
    assert_eq!(String::from_utf8_lossy(&listed.stdout), "plugin.toml\nplugin.sha256\nplugin.wasm\n");
    // Dropped into the plugins directory, loaded as it is, with the pin.
    std::fs::copy(&file, plugins.join("sku-normalize-0.1.0.weft.tar")).unwrap();
    write_config(&format!("[plugins.pins]\nsku-normalize = \"{sha}\"\n"));
    let out = weft(&config, &["plugins", "list", "--json"], "");
    let rows: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out)));
    let row = rows.as_array().and_then(|r| r.iter().find(|r| r["id"] == "sku-normalize")).cloned().unwrap_or_default();
    assert_eq!((row["status"].as_str(), row["sha256"].as_str()), (Some("ok"), Some(sha.as_str())), "{rows}");
    let records = tmp.path().join("in.json");
    std::fs::write(
        &records,
        serde_json::to_string(&[weft::model::Record::Product(polyglot_support::product(
            "p",
            "T",
            &[],
            vec![polyglot_support::variant("v", Some(" ab-1 "))],
        ))])
        .unwrap(),
    )
    .unwrap();
    let out = weft(&config, &["plugins", "call", "sku-normalize", "--input", records.to_str().unwrap()], "");
    assert!(out.status.success() && String::from_utf8_lossy(&out.stdout).contains("AB-1"), "{}", text(&out));
    // A wrong pin, and a damaged package, are refused with the reason.
    write_config(&format!("[plugins.pins]\nsku-normalize = \"{}\"\n", "0".repeat(64)));
    let out = weft(&config, &["plugins", "list"], "");
    assert!(String::from_utf8_lossy(&out.stdout).contains("sha256 mismatch"), "{}", text(&out));
    let mut bytes = std::fs::read(&file).unwrap();
    let n = bytes.len();
    bytes[n - 1024 - 600] ^= 0xff;
    std::fs::write(plugins.join("sku-normalize-0.1.0.weft.tar"), bytes).unwrap();
    write_config("");
    let out = weft(&config, &["plugins", "list"], "");
    assert!(String::from_utf8_lossy(&out.stdout).contains("the package is damaged"), "{}", text(&out));
}
