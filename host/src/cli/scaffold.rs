//! `weft plugins new --lang rust|python|js [--kind transform|connector] NAME`: a plugin folder
//! from the SDK templates that builds with `plugins/build.sh` and passes `weft plugins test`
//! without edits.
//!
//! Every template holds `plugin.toml`, the source, a `weft-test.toml` for `weft plugins test`
//! and a README. The transform template does the same thing in every language (trim and
//! upper-case SKUs, tag products), so its test spec is shared.

use crate::plugin::wit::WitVersion;
use clap::ValueEnum;
use std::path::{Path, PathBuf};

/// Languages with a template.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Lang {
    /// Rust with the weft-sdk crate (compiled).
    Rust,
    /// Python with componentize-py (interpreted).
    Python,
    /// JavaScript with jco (interpreted): QuickJS for transforms, StarlingMonkey for connectors.
    Js,
}

/// Kinds of plugin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Kind {
    /// Reshapes records.
    Transform,
    /// Moves records in and out of an ERP.
    Connector,
}

/// The weft SDK directory for a new plugin in `parent`: `explicit` (`--sdk`), else the `sdk/` of
/// the weft checkout that holds `parent`, then the current directory, then the running binary
/// (`target/debug/weft` inside a checkout). Never the path the binary was built from: a checkout
/// that moved, or another one, is found where it is now.
pub fn find_sdk(explicit: Option<&Path>, parent: &Path) -> Result<PathBuf, String> {
    if let Some(sdk) = explicit {
        return if sdk.join("rust/Cargo.toml").is_file() {
            sdk.canonicalize().map_err(|e| format!("--sdk {}: {e}", sdk.display()))
        } else {
            Err(format!("--sdk {}: no rust/Cargo.toml in it (give the `sdk` folder of a weft checkout)", sdk.display()))
        };
    }
    let parent = std::env::current_dir().map(|cwd| cwd.join(parent)).unwrap_or_else(|_| parent.to_owned());
    let starts = [
        parent.ancestors().find_map(|a| a.canonicalize().ok()),
        std::env::current_dir().ok(),
        std::env::current_exe().ok().and_then(|e| e.canonicalize().ok()),
    ];
    for start in starts.into_iter().flatten() {
        for dir in start.ancestors() {
            if dir.join("sdk/rust/Cargo.toml").is_file() && dir.join("wit").is_dir() {
                return Ok(dir.join("sdk"));
            }
        }
    }
    Err("cannot find the weft SDK: run `weft plugins new` inside a weft checkout, or pass --sdk PATH/TO/weft/sdk"
        .into())
}

/// Create `parent/name` from the template; returns the folder. Never overwrites anything.
/// `sdk` is needed by the Rust templates only (their Cargo.toml depends on `<sdk>/rust` by a
/// path relative to the new crate).
pub fn create(parent: &Path, name: &str, lang: Lang, kind: Kind, sdk: Option<&Path>) -> Result<PathBuf, String> {
    let valid = !name.is_empty()
        && name.len() <= 64
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-');
    if !valid {
        return Err(format!("plugin name `{name}` must be 1-64 of a-z, 0-9 and `-`, starting with a letter or digit"));
    }
    let dir = parent.join(name);
    if dir.exists() {
        return Err(format!("{} already exists; choose another name or remove it", dir.display()));
    }
    let sdk_path = if lang == Lang::Rust {
        let sdk = find_sdk(sdk, parent)?;
        std::fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        let parent = parent.canonicalize().map_err(|e| format!("{}: {e}", parent.display()))?;
        relative(&parent.join(name), &sdk.join("rust"))
    } else {
        String::new()
    };
    let files = files(lang, kind, name, &sdk_path)?;
    for (path, text) in &files {
        let path = dir.join(path);
        if let Some(folder) = path.parent() {
            std::fs::create_dir_all(folder).map_err(|e| format!("cannot create {}: {e}", folder.display()))?;
        }
        std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(dir)
}

/// `to` relative to `from` (both absolute), with `/` separators: `../../sdk/rust`.
fn relative(from: &Path, to: &Path) -> String {
    let from: Vec<_> = from.components().collect();
    let to: Vec<_> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".to_owned(); from.len() - common];
    parts.extend(to[common..].iter().map(|c| c.as_os_str().to_string_lossy().into_owned()));
    if parts.is_empty() {
        ".".into()
    } else {
        parts.join("/")
    }
}

/// The template's files (relative path, contents) with placeholders filled in.
fn files(lang: Lang, kind: Kind, name: &str, sdk_rust: &str) -> Result<Vec<(&'static str, String)>, String> {
    let sources: Vec<(&'static str, &'static str)> = match (lang, kind) {
        (Lang::Rust, Kind::Transform) => {
            vec![
                ("Cargo.toml", RUST_CARGO),
                ("src/lib.rs", include_str!("../../../sdk/rust/template/transform/lib.rs")),
            ]
        }
        (Lang::Rust, Kind::Connector) => {
            vec![
                ("Cargo.toml", RUST_CARGO),
                ("src/lib.rs", include_str!("../../../sdk/rust/template/connector/lib.rs")),
            ]
        }
        (Lang::Python, Kind::Transform) => {
            vec![("app.py", include_str!("../../../sdk/python/template/transform/app.py"))]
        }
        (Lang::Python, Kind::Connector) => {
            vec![("app.py", include_str!("../../../sdk/python/template/connector/app.py"))]
        }
        (Lang::Js, Kind::Transform) => vec![("app.js", include_str!("../../../sdk/js/template/transform/app.js"))],
        // QuickJS cannot build a component that imports wasi:http: JS connectors run on
        // StarlingMonkey (the `js-engine` file).
        (Lang::Js, Kind::Connector) => vec![
            ("app.js", include_str!("../../../sdk/js/template/connector/app.js")),
            ("js-engine", "starlingmonkey\n"),
        ],
    };
    let runtime = if lang == Lang::Rust { "compiled" } else { "interpreted" };
    let manifest = match kind {
        Kind::Transform => MANIFEST_TRANSFORM,
        Kind::Connector => MANIFEST_CONNECTOR,
    };
    let test = match kind {
        Kind::Transform => TEST_TRANSFORM,
        Kind::Connector => TEST_CONNECTOR,
    };
    let lang_name = match lang {
        Lang::Rust => "rust",
        Lang::Python => "python",
        Lang::Js => "js",
    };
    let fill = |t: &str| {
        t.replace("{{id}}", name)
            .replace("{{wit}}", &WitVersion::NEWEST.number().to_string())
            .replace("{{runtime}}", runtime)
            .replace("{{lang}}", lang_name)
            .replace("{{sdk_rust}}", sdk_rust)
    };
    let mut out: Vec<(&'static str, String)> = sources.into_iter().map(|(p, t)| (p, fill(t))).collect();
    out.push(("plugin.toml", fill(manifest)));
    out.push(("weft-test.toml", fill(test)));
    out.push(("README.md", fill(README)));
    Ok(out)
}

const MANIFEST_TRANSFORM: &str = r#"# weft plugin manifest (see wit/weft-plugin@{{wit}} for the contract).
id = "{{id}}"
version = "0.1.0"
kind = "transform"
wit = "weft:plugin@{{wit}}"
# "interpreted" (Python, JS) gets the larger memory limit of [plugins.limits].
runtime = "{{runtime}}"
description = "Upper-cases SKUs and tags products"

[capabilities]
config = ["tag"]
"#;

const MANIFEST_CONNECTOR: &str = r#"# weft plugin manifest (see wit/weft-plugin@{{wit}} for the contract).
id = "{{id}}"
version = "0.1.0"
kind = "connector"
wit = "weft:plugin@{{wit}}"
# "interpreted" (Python, JS) gets the larger memory limit of [plugins.limits].
runtime = "{{runtime}}"
description = "Pulls products from an HTTP/JSON API"

[capabilities]
config = ["base_url"]
secrets = ["token"]
# The API host, e.g. ["erp.example.com:443"]; the operator must grant it too.
outbound_hosts = []
"#;

const TEST_TRANSFORM: &str = r#"# `weft plugins test OUT/{{id}}` (plugins/build.sh copies this file there): runs the plugin
# through the host with these cases. Every key is explained in docs/plugin-testing.md.
[grant.config]
tag = "summer"

[[apply]]
name = "trims and upper-cases SKUs, tags products"
input = '''[{"Product": {"external_id": "p1", "sku": " tee ", "title": "Tee", "description": null, "vendor": null,
  "product_type": null, "tags": [], "status": "Active", "options": [], "deleted": false, "updated_at": null, "extra": "{}",
  "collections": [], "media": [], "metafields": [],
  "variants": [{"external_id": "v1", "sku": " straße-1 ", "barcode": null, "option_values": [], "price": null,
    "compare_at_price": null, "cost": null, "weight_grams": null, "updated_at": null, "extra": "{}",
    "media": [], "metafields": []}]}}]'''
expect = '''[{"Ok": [{"Product": {"external_id": "p1", "sku": "TEE", "title": "Tee", "description": null, "vendor": null,
  "product_type": null, "tags": ["summer"], "status": "Active", "options": [], "deleted": false, "updated_at": null, "extra": "{}",
  "collections": [], "media": [], "metafields": [],
  "variants": [{"external_id": "v1", "sku": "STRASSE-1", "barcode": null, "option_values": [], "price": null,
    "compare_at_price": null, "cost": null, "weight_grams": null, "updated_at": null, "extra": "{}",
    "media": [], "metafields": []}]}}]}]'''
"#;

const TEST_CONNECTOR: &str = r#"# `weft plugins test OUT/{{id}}` (plugins/build.sh copies this file there): runs the connector
# conformance suite through the host against the canned HTTP responses below (served on
# 127.0.0.1; `{server}` is their URL). Every key is explained in docs/plugin-testing.md.
[grant.config]
base_url = "{server}/v1"
[grant.secrets]
token = "test-token"

[[pull]]
entity = "product"
page_size = 2
min_records = 3

[[failure]]
name = "API down"
call = "pull"
entity = "product"
expect = "retryable"
grant = { config = { base_url = "{server}/down" }, secrets = { token = "test-token" } }

[[failure]]
name = "orders are not supported"
call = "pull"
entity = "order"
expect = "permanent"

[[http]]
path = "/v1/products"
query = "after=p3"
body = '{"items": [], "next": null}'

[[http]]
path = "/v1/products"
query = "after=p2"
body = '{"items": [{"id": "p3", "sku": "C-3", "name": "Three"}], "next": null}'

[[http]]
path = "/v1/products"
query = "limit=2"
body = '{"items": [{"id": "p1", "sku": "A-1", "name": "One"}, {"id": "p2", "sku": "B-2", "name": "Two"}], "next": "p2"}'

[[http]]
path = "/v1/products"
body = '{"items": [{"id": "p1", "sku": "A-1", "name": "One"}, {"id": "p2", "sku": "B-2", "name": "Two"}, {"id": "p3", "sku": "C-3", "name": "Three"}], "next": null}'

[[http]]
path = "/down/products"
status = 503
body = "maintenance"
"#;

const README: &str = r#"# {{id}}

A weft plugin ({{lang}}), scaffolded by `weft plugins new`.

```sh
# from the weft repository: build every plugin folder in PARENT into OUT
plugins/build.sh OUT PARENT
# run it through the host with the cases in weft-test.toml (no ERP, no Shopify needed)
weft plugins test OUT/{{id}}
```

Then copy `OUT/{{id}}` (plugin.wasm + plugin.toml) into the operator's plugins directory.
The contract is `wit/weft-plugin@{{wit}}` in the weft repository; the SDK READMEs in `sdk/`
explain the helpers.
"#;

const RUST_CARGO: &str = r#"[package]
name = "{{id}}"
version = "0.1.0"
edition = "2021"
publish = false

[lib]
crate-type = ["cdylib"]

[dependencies]
# The SDK of the weft checkout this crate was made in, by a path relative to this folder: it
# matches the contract (wit/) of that checkout, and the crate builds wherever the two sit side by
# side. weft-sdk is not on crates.io; once it is, `weft-sdk = "0.1"` replaces the path.
weft-sdk = { path = "{{sdk_rust}}" }
serde = { version = "1", features = ["derive"] }
serde_json = "1"

# A standalone crate, not a member of the weft workspace.
[workspace]

# Small and abort on panic (the host turns the trap into a classified error). Add `lto = true`
# and `codegen-units = 1` for the smallest component, at the cost of slower builds.
[profile.release]
opt-level = "s"
strip = true
panic = "abort"
"#;

#[cfg(test)]
mod tests {
    use super::relative;
    use std::path::Path;

    #[test]
    fn sdk_paths_are_relative_to_the_new_crate() {
        assert_eq!(relative(Path::new("/w/checkout/my/erp"), Path::new("/w/checkout/sdk/rust")), "../../sdk/rust");
        assert_eq!(relative(Path::new("/tmp/src/erp"), Path::new("/w/sdk/rust")), "../../../w/sdk/rust");
    }
}
