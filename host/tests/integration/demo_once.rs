//! `weft demo --once` — the README's first command — on embedded defaults only: exits 0 and
//! its summary matches the sample dataset (good records per flow, every bad row reported), as
//! text and as `--json`.

use crate::common;

use common::engine::free_port;
use serde_json::Value;
use std::process::Command;

/// Run `weft demo --once` (with `extra` arguments) in `dir` on free ports: (listen, stdout).
fn demo(dir: &std::path::Path, extra: &[&str]) -> (String, String) {
    let listen = format!("127.0.0.1:{}", free_port());
    let out = Command::new(env!("CARGO_BIN_EXE_weft"))
        .args(["demo", "--once", "--dir"])
        .arg(dir)
        .args(["--listen", &listen, "--sim-listen", &format!("127.0.0.1:{}", free_port())])
        .args(extra)
        .output()
        .expect("run weft demo");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprintln!("{stdout}\n{stderr}");
    assert!(out.status.success(), "weft demo --once exits 0");
    (listen, stdout)
}

fn expected() -> Value {
    serde_json::from_str(
        &std::fs::read_to_string(common::repo_root().join("tests/fixtures/sample-dataset/EXPECTED.json")).unwrap(),
    )
    .unwrap()
}

#[test]
fn weft_demo_once_exits_0_and_its_summary_matches_the_dataset() {
    let tmp = tempfile::tempdir().unwrap();
    let (_, stdout) = demo(&tmp.path().join("demo"), &[]);
    let expected = expected();
    let flow_line = |flow: &str| {
        stdout
            .lines()
            .find(|l| l.starts_with(&format!("flow {flow}: ")))
            .unwrap_or_else(|| panic!("no summary line for {flow}"))
            .to_owned()
    };
    for (flow, entity) in [("catalog", "product"), ("customers", "customer"), ("external-orders", "order")] {
        let line = flow_line(flow);
        assert!(
            line.contains(&format!("created {}", expected[entity])),
            "{flow}: {line} (expected {} created)",
            expected[entity]
        );
    }
    for flow in ["catalog", "inventory", "customers", "external-orders", "orders"] {
        assert!(flow_line(flow).starts_with(&format!("flow {flow}: ran")), "{flow} ran");
    }
    for bad in expected["bad_rows"].as_array().unwrap() {
        let at = bad["at"].as_str().unwrap();
        assert!(stdout.contains(&format!("] {at}: ")), "the bad row {at} is reported with its reason");
    }
}

#[test]
fn weft_demo_once_json_says_what_ran_and_where_everything_is() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("demo");
    let (listen, stdout) = demo(&dir, &["--json"]);
    let summary: Value =
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{stdout}"));
    let expected = expected();
    assert_eq!(summary["every_flow_ran"], true, "{summary:#}");
    assert_eq!(summary["dir"], dir.display().to_string());
    assert_eq!(summary["config"], dir.join("weft.toml").display().to_string());
    assert_eq!(summary["store"], dir.join("data").display().to_string());
    assert_eq!(summary["serve"]["dashboard"], format!("http://{listen}/"));
    assert_eq!(summary["serve"]["keeps_running"], false);
    assert!(summary["simulator"]["url"].as_str().is_some_and(|u| u.starts_with("http://127.0.0.1:")), "{summary:#}");
    assert_eq!(summary["orders_placed"].as_array().map(Vec::len), Some(3), "{summary:#}");
    let flows = summary["flows"].as_array().expect("flows");
    let flow = |name: &str| {
        flows.iter().find(|f| f["flow"] == name).unwrap_or_else(|| panic!("no flow {name}: {summary:#}")).clone()
    };
    for (name, entity) in [("catalog", "product"), ("customers", "customer"), ("external-orders", "order")] {
        assert_eq!(flow(name)["outcomes"]["created"], expected[entity], "{name}: {summary:#}");
    }
    for name in ["catalog", "inventory", "customers", "external-orders", "orders"] {
        assert_eq!(flow(name)["ran"], true, "{name} ran");
    }
    let messages: Vec<String> = flows
        .iter()
        .flat_map(|f| f["failures"].as_array().cloned().unwrap_or_default())
        .map(|f| f["message"].as_str().unwrap_or_default().to_owned())
        .collect();
    for bad in expected["bad_rows"].as_array().unwrap() {
        let at = bad["at"].as_str().unwrap();
        assert!(
            messages.iter().any(|m| m.starts_with(&format!("{at}: "))),
            "the bad row {at} is reported: {messages:#?}"
        );
    }
    let failed: u64 = flows.iter().map(|f| f["failed"].as_u64().unwrap_or(0)).sum();
    assert_eq!(failed as usize, messages.len());
}
