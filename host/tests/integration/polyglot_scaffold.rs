//! `weft plugins new` scaffolds a plugin that builds with plugins/build.sh and passes
//! `weft plugins test` without edits, in every language; `weft plugins test` fails when the
//! plugin does not do what its spec says; bad requests get clear errors and overwrite nothing.

use crate::polyglot_support;

use polyglot_support::{repo_root, shared_cache};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

struct Scratch {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    config: PathBuf,
}

fn scratch() -> Scratch {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().to_owned();
    let config = root.join("weft.toml");
    let text = format!(
        "[store]\npath = {:?}\n[plugins]\ndir = {:?}\ncache_dir = {:?}\n",
        root.join("data"),
        root.join("out"),
        shared_cache()
    );
    std::fs::write(&config, text).expect("write config");
    Scratch { _tmp: tmp, root, config }
}

fn weft(s: &Scratch, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_weft"))
        .current_dir(&s.root)
        .arg("--config")
        .arg(&s.config)
        .args(args)
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

fn run_build(s: &Scratch) -> Output {
    Command::new("bash")
        .arg(repo_root().join("plugins/build.sh"))
        .arg(s.root.join("out"))
        .arg(s.root.join("src"))
        .env("WEFT", env!("CARGO_BIN_EXE_weft"))
        .output()
        .expect("run build.sh")
}

fn build(s: &Scratch) {
    let out = run_build(s);
    assert!(out.status.success(), "plugins/build.sh failed:\n{}", text(&out));
}

fn plugin_test(s: &Scratch, id: &str, spec: &Path) -> Output {
    let dir = s.root.join("out").join(id);
    weft(s, &["plugins", "test", dir.to_str().expect("utf-8 path"), "--spec", spec.to_str().expect("utf-8 path")])
}

/// `weft plugins test OUT/ID` with the spec build.sh copied beside the component.
fn plugin_test_built(s: &Scratch, id: &str) -> Output {
    let dir = s.root.join("out").join(id);
    weft(s, &["plugins", "test", dir.to_str().expect("utf-8 path")])
}

#[test]
fn scaffolded_templates_build_load_and_pass_their_tests_without_edits() {
    let s = scratch();
    let plugins = [
        ("rust", "transform", "hello-rust"),
        ("python", "transform", "hello-python"),
        ("js", "transform", "hello-js"),
        ("python", "connector", "hello-erp"),
        ("rust", "connector", "hello-rust-erp"),
        ("js", "connector", "hello-js-erp"),
    ];
    for (lang, kind, id) in plugins {
        let out = weft(&s, &["plugins", "new", "--lang", lang, "--kind", kind, "--dir", "src", id]);
        assert!(out.status.success(), "{}", text(&out));
        assert!(s.root.join("src").join(id).join("plugin.toml").is_file());
    }
    build(&s);
    let list = weft(&s, &["plugins", "list", "--json"]);
    let rows: serde_json::Value =
        serde_json::from_slice(&list.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&list)));
    for (lang, _, id) in plugins {
        let row = rows
            .as_array()
            .and_then(|r| r.iter().find(|r| r["id"] == id))
            .unwrap_or_else(|| panic!("{id} not listed: {rows}"));
        assert_eq!(row["status"], "ok", "{row}");
        assert_eq!(row["runtime"], if lang == "rust" { "compiled" } else { "interpreted" }, "{row}");
        let copied = s.root.join("out").join(id).join("weft-test.toml");
        let source = s.root.join("src").join(id).join("weft-test.toml");
        assert_eq!(std::fs::read(&copied).ok(), std::fs::read(&source).ok(), "build.sh copies the spec");
        let out = plugin_test_built(&s, id);
        let report = text(&out);
        assert!(out.status.success(), "{report}");
        assert!(report.contains("PASSED") && !report.contains("[FAIL]"), "{report}");
        if id.ends_with("erp") {
            assert!(report.contains("[ok] pull product: paging in fresh instances"), "{report}");
            assert!(report.contains("[ok] error class: API down"), "{report}");
        } else {
            assert!(report.contains("[ok] apply: trims and upper-cases SKUs"), "{report}");
        }
    }
}

#[test]
fn plugin_test_fails_when_the_plugin_does_not_meet_its_spec() {
    let s = scratch();
    let out = weft(&s, &["plugins", "new", "--lang", "js", "--dir", "src", "strict"]);
    assert!(out.status.success(), "{}", text(&out));
    build(&s);
    let spec = s.root.join("src/strict/weft-test.toml");
    let wrong = s.root.join("wrong.toml");
    std::fs::write(&wrong, std::fs::read_to_string(&spec).unwrap().replace("\"STRASSE-1\"", "\"STRAßE-1\"")).unwrap();
    let out = plugin_test(&s, "strict", &wrong);
    let report = text(&out);
    assert_eq!(out.status.code(), Some(1), "{report}");
    assert!(report.contains("[FAIL] apply") && report.contains("FAILED"), "{report}");
    // What differs, by path, not both documents.
    assert!(report.contains("[0].Ok[0].Product.variants[0].sku: expected \"STRAßE-1\", got \"STRASSE-1\""), "{report}");
    assert!(!report.contains("compare_at_price"), "the whole documents are not printed: {report}");
    // A broken spec is an operator error (exit 2) naming the file.
    std::fs::write(&wrong, "[[apply]]\nname = 1\n").unwrap();
    let out = plugin_test(&s, "strict", &wrong);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("wrong.toml"), "{}", text(&out));
}

#[test]
fn plugins_new_refuses_bad_requests_and_overwrites_nothing() {
    let s = scratch();
    let out = weft(&s, &["plugins", "new", "--lang", "python", "--dir", "src", "keep"]);
    assert!(out.status.success(), "{}", text(&out));
    let app = s.root.join("src/keep/app.py");
    std::fs::write(&app, "# mine").unwrap();
    let again = weft(&s, &["plugins", "new", "--lang", "rust", "--dir", "src", "keep"]);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"), "{}", text(&again));
    assert_eq!(std::fs::read_to_string(&app).unwrap(), "# mine");
    let bad = weft(&s, &["plugins", "new", "--lang", "rust", "--dir", "src", "Bad_Name"]);
    assert!(String::from_utf8_lossy(&bad.stderr).contains("must be 1-64"), "{}", text(&bad));
    assert!(!s.root.join("src/Bad_Name").exists());
}

/// A spec with an unknown entity (in a spelling nobody uses) and a missing key.
const BAD_SPEC: &str = "[grant.config]\nbase_url = \"{server}\"\n[[pull]]\nentity = \"stock-levels-x\"\n[[push]]\nentity = \"order\"\nrecord = '{}'\n";

fn assert_names_the_problems(out: &Output) {
    let all = text(out);
    assert_eq!(out.status.code(), Some(2), "{all}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("pull[0].entity: unknown entity `stock-levels-x`: valid are product, inventory-level, order"),
        "{all}"
    );
    assert!(err.contains("push[0]: missing field `key` (a [[push]] takes: entity, key, record"), "{all}");
    assert!(err.contains("docs/plugin-testing.md"), "{all}");
}

#[test]
fn spec_errors_are_reported_before_anything_compiles() {
    let s = scratch();
    // Spellings the product uses are all accepted, and page_size may be left out.
    let out = weft(&s, &["plugins", "new", "--lang", "python", "--kind", "connector", "--dir", "src", "speccy"]);
    assert!(out.status.success(), "{}", text(&out));
    let spec = s.root.join("src/speccy/weft-test.toml");
    let good = std::fs::read_to_string(&spec).unwrap();
    let spelled = good.replacen("entity = \"product\"", "entity = \"Products\"", 1)
        + "\n[[failure]]\nname = \"no stock\"\ncall = \"pull\"\nentity = \"inventory_level\"\nexpect = \"Permanent\"\n";
    std::fs::write(&spec, &spelled).unwrap();
    let dir = s.root.join("src/speccy");
    let out = weft(&s, &["plugins", "test", dir.to_str().unwrap(), "--check-spec"]);
    assert!(out.status.success(), "{}", text(&out));
    // A bad spec: every problem at once, naming the valid values, from the source folder.
    std::fs::write(&spec, BAD_SPEC).unwrap();
    assert_names_the_problems(&weft(&s, &["plugins", "test", dir.to_str().unwrap(), "--check-spec"]));
    // build.sh checks it before building: nothing is built.
    let out = run_build(&s);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown entity `stock-levels-x`"), "{}", text(&out));
    assert!(!s.root.join("out/speccy/plugin.wasm").exists(), "nothing was built: {}", text(&out));
    // Against a built plugin with an empty compile cache: refused before the plugin is compiled.
    let built = polyglot_support::built("http-erp-py");
    let plugin = s.root.join("built/http-erp-py");
    std::fs::create_dir_all(&plugin).unwrap();
    for f in ["plugin.wasm", "plugin.toml"] {
        std::fs::copy(built.join(f), plugin.join(f)).unwrap();
    }
    std::fs::write(plugin.join("weft-test.toml"), BAD_SPEC).unwrap();
    let cache = s.root.join("empty-cache");
    std::fs::write(
        &s.config,
        format!("[store]\npath = {:?}\n[plugins]\ncache_dir = {:?}\n", s.root.join("data"), cache),
    )
    .unwrap();
    let started = std::time::Instant::now();
    let out = weft(&s, &["plugins", "test", plugin.to_str().unwrap()]);
    assert_names_the_problems(&out);
    let compiled = std::fs::read_dir(&cache).map(|d| d.count()).unwrap_or(0);
    assert_eq!(compiled, 0, "nothing compiled: {}", text(&out));
    eprintln!("bad spec refused in {:?}", started.elapsed());
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let name = entry.file_name();
        if ["node_modules", "target", "__pycache__"].contains(&name.to_string_lossy().as_ref()) {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            copy_tree(&path, &to.join(&name));
        } else {
            std::fs::copy(&path, to.join(&name)).unwrap();
        }
    }
}

#[test]
fn a_rust_plugin_made_in_a_checkout_at_another_path_builds_there() {
    // Another checkout: the SDK, the contract and build.sh at a path the binary was not built at.
    let tmp = tempfile::tempdir().expect("tempdir");
    let checkout = tmp.path().join("elsewhere").join("weft");
    for dir in ["sdk", "wit"] {
        copy_tree(&repo_root().join(dir), &checkout.join(dir));
    }
    std::fs::create_dir_all(checkout.join("plugins")).unwrap();
    std::fs::copy(repo_root().join("plugins/build.sh"), checkout.join("plugins/build.sh")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_weft"))
        .current_dir(&checkout)
        .args(["plugins", "new", "--lang", "rust", "--kind", "connector", "--dir", "mine", "moved-erp"])
        .output()
        .expect("run weft");
    assert!(out.status.success(), "{}", text(&out));
    let cargo = std::fs::read_to_string(checkout.join("mine/moved-erp/Cargo.toml")).unwrap();
    assert!(cargo.contains("weft-sdk = { path = \"../../sdk/rust\" }"), "{cargo}");
    let repo = repo_root().to_string_lossy().into_owned();
    assert!(!cargo.contains(&repo), "no path of the checkout weft was built from: {cargo}");
    let started = std::time::Instant::now();
    let build = Command::new("bash")
        .arg(checkout.join("plugins/build.sh"))
        .arg(checkout.join("out"))
        .arg(checkout.join("mine"))
        .env("WEFT", env!("CARGO_BIN_EXE_weft"))
        .output()
        .expect("run build.sh");
    assert!(build.status.success(), "{}", text(&build));
    eprintln!("cold build of a scaffolded Rust connector in a moved checkout: {:?}", started.elapsed());
    let config = tmp.path().join("weft.toml");
    std::fs::write(
        &config,
        format!("[store]\npath = {:?}\n[plugins]\ncache_dir = {:?}\n", tmp.path().join("data"), shared_cache()),
    )
    .unwrap();
    let test = Command::new(env!("CARGO_BIN_EXE_weft"))
        .arg("--config")
        .arg(&config)
        .args(["plugins", "test"])
        .arg(checkout.join("out/moved-erp"))
        .output()
        .expect("run weft");
    assert!(test.status.success() && text(&test).contains("PASSED"), "{}", text(&test));
}
