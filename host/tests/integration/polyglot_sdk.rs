//! The Python SDK's builders and cursor helpers (sdk/python/tests), run in plain CPython over
//! bindings componentize-py generates from the contract; the Rust SDK's run as its unit tests
//! (`cargo nextest run -p weft-sdk`).

use crate::polyglot_support::repo_root;
use std::process::Command;

#[test]
fn python_sdk_helpers_pass_their_unit_tests() {
    let tools = std::env::var_os("WEFT_POLYGLOT_DIR").map_or_else(|| repo_root().join("target/polyglot"), Into::into);
    let componentize = tools.join("venv/bin/componentize-py");
    assert!(
        componentize.is_file(),
        "{} is missing: run plugins/build.sh (it installs componentize-py)",
        componentize.display()
    );
    let bindings = tempfile::tempdir().expect("tempdir");
    let out = Command::new(&componentize)
        .arg("-d")
        .arg(repo_root().join("wit/weft-plugin@0.2.0"))
        .args(["-w", "connector-plugin", "bindings"])
        .arg(bindings.path())
        .output()
        .expect("run componentize-py");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let path = format!("{}:{}", bindings.path().display(), repo_root().join("sdk/python").display());
    let out = Command::new("python3")
        .arg(repo_root().join("sdk/python/tests/test_helpers.py"))
        .env("PYTHONPATH", path)
        .output()
        .expect("run python3");
    let report = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success() && report.contains("OK"), "{report}");
}
