//! Day one with a live shop: `weft shopify locations` lists the ids an inventory flow maps to,
//! `weft init` writes a commented config from flags alone, and that config passes `weft config
//! check` against the shop.

use crate::common;
use crate::shopify_common;

use serde_json::Value;
use std::process::Command;

fn weft() -> Command {
    Command::new(env!("CARGO_BIN_EXE_weft"))
}

#[test]
fn init_writes_a_config_that_checks_and_locations_lists_the_ids() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim = rt.block_on(shopify_common::start(shopify_common::seed(1, 1)));
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    common::install_as_built(&dir.join("plugins"), "file-feed");
    std::fs::create_dir_all(dir.join("exchange/in")).unwrap();
    let config = dir.join("weft.toml");
    let env = [("SHOPIFY_ACCESS_TOKEN", sim.token()), ("SHOPIFY_WEBHOOK_SECRET", "s")];

    // No location map yet: init says how to find the ids.
    let out = weft()
        .args(["init", "--shop", "weft-sim.myshopify.com", "--erp", "file-feed", "--flows", "catalog,inventory,orders"])
        .args(["--endpoint", sim.base_url(), "--erp-dir"])
        .arg(dir.join("exchange"))
        .arg("--plugins-dir")
        .arg(dir.join("plugins"))
        .arg("--out")
        .arg(&config)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{said}{}", String::from_utf8_lossy(&out.stderr));
    assert!(said.contains("shopify locations"), "{said}");
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(text.contains("# ") && text.contains("[flows.inventory]") && !text.contains("shpat_"), "{text}");
    assert!(
        !weft().args(["init", "--shop", "x.myshopify.com", "--out"]).arg(&config).status().unwrap().success(),
        "no overwrite without --force"
    );
    let out = weft()
        .args(["init", "--json", "--force", "--shop", "x.myshopify.com", "--flows", "inventory", "--out"])
        .arg(dir.join("other.toml"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let said: Value = serde_json::from_slice(&out.stdout).expect("init --json prints JSON");
    assert_eq!(
        (said["wrote"].as_str(), said["flows"][0].as_str()),
        (dir.join("other.toml").to_str(), Some("inventory"))
    );
    assert!(
        said["next"].as_array().unwrap().iter().any(|s| s.as_str().unwrap().contains("shopify locations")),
        "{said}"
    );

    let out = weft().arg("--config").arg(&config).args(["shopify", "locations", "--json"]).envs(env).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let listed: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let main = shopify_common::location_gid(&sim, "Main");
    assert!(
        listed.iter().any(|l| l["id"] == main.as_str() && l["name"] == "Main" && l["active"] == true),
        "{listed:?}"
    );
    assert_eq!(listed.len(), 2, "Main and Backroom: {listed:?}");

    // With the id from the list, the written config checks against the shop.
    let out = weft()
        .args([
            "init",
            "--force",
            "--shop",
            "weft-sim.myshopify.com",
            "--erp",
            "file-feed",
            "--flows",
            "catalog,inventory,orders",
        ])
        .args(["--endpoint", sim.base_url(), "--location", &format!("WH-EAST={main}"), "--erp-dir"])
        .arg(dir.join("exchange"))
        .arg("--plugins-dir")
        .arg(dir.join("plugins"))
        .arg("--out")
        .arg(&config)
        .output()
        .unwrap();
    assert!(out.status.success());
    let out = weft().arg("--config").arg(&config).args(["config", "check"]).envs(env).output().unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{report}{}", String::from_utf8_lossy(&out.stderr));
    assert!(report.contains("0 errors, 0 unverified"), "{report}");
}
