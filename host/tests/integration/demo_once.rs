//! `weft demo --once` — the README's first command — on embedded defaults only: exits 0 and
//! its summary matches the sample dataset (good records per flow, every bad row reported).

use crate::common;

use common::engine::free_port;
use serde_json::Value;
use std::process::Command;

#[test]
fn weft_demo_once_exits_0_and_its_summary_matches_the_dataset() {
    let tmp = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_weft"))
        .args(["demo", "--once", "--dir"])
        .arg(tmp.path().join("demo"))
        .args([
            "--listen",
            &format!("127.0.0.1:{}", free_port()),
            "--sim-listen",
            &format!("127.0.0.1:{}", free_port()),
        ])
        .output()
        .expect("run weft demo");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprintln!("{stdout}\n{stderr}");
    assert!(out.status.success(), "weft demo --once exits 0");

    let expected: Value = serde_json::from_str(
        &std::fs::read_to_string(common::repo_root().join("tests/fixtures/sample-dataset/EXPECTED.json")).unwrap(),
    )
    .unwrap();
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
