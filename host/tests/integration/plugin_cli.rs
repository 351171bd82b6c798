//! `weft plugins ...` through the real binary: discovery refuses bad plugins precisely while the
//! others load, the compile cache is hit on a second start, and secrets never reach the output.

use crate::common;

use common::*;
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

fn weft(config: &Path, args: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_weft"));
    cmd.arg("--config").arg(config).args(args).env("RUST_LOG", "info");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.output().expect("run weft")
}

fn list_json(config: &Path) -> Vec<Value> {
    let out = weft(config, &["plugins", "list", "--json"], &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("list --json prints JSON")
}

fn row<'a>(rows: &'a [Value], id: &str) -> &'a Value {
    rows.iter().find(|r| r["id"] == id).unwrap_or_else(|| panic!("no row for {id} in {rows:?}"))
}

#[test]
fn bad_plugins_are_refused_with_precise_reasons_and_the_others_load() {
    let tmp = tempfile::tempdir().unwrap();
    let plugins = tmp.path().join("plugins");
    install_as_built(&plugins, "sku-normalize");
    let good = std::fs::read_to_string(built_plugin("sku-normalize").join("plugin.toml")).unwrap();
    install(
        &plugins,
        "sku-normalize",
        "future-wit",
        &good.replace("sku-normalize", "future-wit").replace("@0.2.0", "@0.9.0"),
    );
    install(&plugins, "sku-normalize", "broken-manifest", "id = \"broken-manifest\"\nversion = ");
    install(&plugins, "sku-normalize", "pinned", &good.replace("sku-normalize", "pinned"));
    install(
        &plugins,
        "sku-normalize",
        "wrong-world",
        &good.replace("sku-normalize", "wrong-world").replace("kind = \"transform\"", "kind = \"connector\""),
    );
    let config = tmp.path().join("weft.toml");
    std::fs::write(
        &config,
        format!(
            "[store]\npath = \"{}\"\n[plugins]\ndir = \"{}\"\n[plugins.pins]\npinned = \"{}\"\n",
            tmp.path().join("data").display(),
            plugins.display(),
            "0".repeat(64)
        ),
    )
    .unwrap();
    let rows = list_json(&config);
    assert_eq!(row(&rows, "sku-normalize")["status"], "ok");
    let reason = |id: &str| {
        let r = row(&rows, id);
        assert_eq!(r["status"], "refused", "{id}");
        r["reason"].as_str().unwrap().to_owned()
    };
    assert!(reason("future-wit").contains("incompatible WIT version"), "{}", reason("future-wit"));
    assert!(reason("broken-manifest").contains("malformed plugin.toml"), "{}", reason("broken-manifest"));
    assert!(reason("pinned").contains("sha256 mismatch"), "{}", reason("pinned"));
    assert!(reason("wrong-world").contains("does not export weft:plugin/connector"), "{}", reason("wrong-world"));

    // The table form names the plugin and the reason too.
    let out = weft(&config, &["plugins", "list"], &[]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.lines().any(|l| l.starts_with("pinned") && l.contains("refused: sha256 mismatch")), "{text}");
}

#[test]
fn second_start_loads_from_the_compile_cache() {
    let tmp = tempfile::tempdir().unwrap();
    let plugins = tmp.path().join("plugins");
    install_as_built(&plugins, "sku-normalize");
    let config = tmp.path().join("weft.toml");
    std::fs::write(
        &config,
        format!(
            "[store]\npath = \"{}\"\n[plugins]\ndir = \"{}\"\n",
            tmp.path().join("data").display(),
            plugins.display()
        ),
    )
    .unwrap();
    let first = list_json(&config);
    assert_eq!(row(&first, "sku-normalize")["cache"]["cache"], "compiled");
    let second = list_json(&config);
    assert_eq!(row(&second, "sku-normalize")["cache"]["cache"], "hit");
    let cached: Vec<_> = std::fs::read_dir(tmp.path().join("data/plugin-cache")).unwrap().collect();
    assert_eq!(cached.len(), 1, "one artifact, keyed by sha256 and engine");
}

#[test]
fn secret_value_never_appears_in_output_or_logs() {
    let tmp = tempfile::tempdir().unwrap();
    let plugins = tmp.path().join("plugins");
    install(&plugins, "hostile", "hostile", &hostile_manifest("hostile", &[]));
    let config = tmp.path().join("weft.toml");
    std::fs::write(
        &config,
        format!(
            "[store]\npath = \"{}\"\n[plugins]\ndir = \"{}\"\n\
             [connections.erp]\nplugin = \"hostile\"\nconfig = {{ mode = \"secret-leak\" }}\nsecrets = {{ token = {{ env = \"WEFT_TEST_TOKEN\" }} }}\n",
            tmp.path().join("data").display(),
            plugins.display()
        ),
    )
    .unwrap();
    let secret = "s3cr3t-token-value-9f8e7d";
    let out = weft(
        &config,
        &["plugins", "call", "hostile", "--call", "check", "--log", "weft=trace,info"],
        &[("WEFT_TEST_TOKEN", secret)],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "the plugin returns an error");
    assert!(!stdout.contains(secret) && !stderr.contains(secret), "secret leaked:\n{stdout}\n{stderr}");
    // The plugin really tried: its log lines, its stdout/stderr and its error are all there, redacted.
    assert!(stderr.contains("the token is [REDACTED]"), "{stderr}");
    assert!(stderr.contains("stdout token [REDACTED]") && stderr.contains("stderr token [REDACTED]"), "{stderr}");
    assert!(stdout.contains("[REDACTED]"), "{stdout}");
}

#[test]
fn inspect_and_call_a_transform_with_operator_config() {
    let tmp = tempfile::tempdir().unwrap();
    let plugins = tmp.path().join("plugins");
    install_as_built(&plugins, "sku-normalize");
    let config = tmp.path().join("weft.toml");
    std::fs::write(
        &config,
        format!(
            "[store]\npath = \"{}\"\n[plugins]\ndir = \"{}\"\n[transforms.sku]\nplugin = \"sku-normalize\"\nconfig = {{ aliases = {{ \"OLD-1\" = \"new-1\" }} }}\n",
            tmp.path().join("data").display(),
            plugins.display()
        ),
    )
    .unwrap();
    let out = weft(&config, &["plugins", "inspect", "sku-normalize", "--json"], &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let inspected: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(inspected["world"]["world"], "weft:plugin/transform@0.2.0");
    assert_eq!(inspected["describe"]["id"], "sku-normalize");

    let input = tmp.path().join("in.json");
    std::fs::write(
        &input,
        r#"[{"InventoryLevel": {"external_id": "a@WH1", "sku": " old-1 ", "location": "WH1", "on_hand": 5, "reserved": 1, "incoming": 0, "safety_stock": 0, "updated_at": null, "extra": "{}"}},
            {"InventoryLevel": {"external_id": "b@WH1", "sku": " straße ", "location": "WH1", "on_hand": 5, "reserved": 1, "incoming": 0, "safety_stock": 0, "updated_at": null, "extra": "{}"}},
            {"InventoryLevel": {"external_id": "c@WH1", "sku": "   ", "location": "WH1", "on_hand": 5, "reserved": 1, "incoming": 0, "safety_stock": 0, "updated_at": null, "extra": "{}"}}]"#,
    )
    .unwrap();
    let out = weft(&config, &["plugins", "call", "sku-normalize", "--input", input.to_str().unwrap()], &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let outcomes: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(outcomes[0]["Ok"][0]["InventoryLevel"]["sku"], "NEW-1", "alias from the operator's TOML table");
    assert_eq!(outcomes[1]["Ok"][0]["InventoryLevel"]["sku"], "STRASSE", "full Unicode upper-casing");
    assert_eq!(outcomes[2]["Err"]["InvalidInput"]["field"], "sku", "one bad record fails alone");
}
