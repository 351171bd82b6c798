//! `weft config versions | show-version N | rollback N`: the config versions the store keeps
//! (see [`crate::versions`]), through the admin API of the `weft serve` holding the database
//! (`/api/config/versions...`; a rollback needs `[server] admin_token`, and serve applies it
//! without a restart), else on the store and the config file directly: a rollback is then made
//! as serve makes it ([`Live::rollback`]: checked as `weft config check` checks a file, only the
//! mapping, rules and lookups taken from version N, written to the file and recorded), for the
//! next `weft serve` to run.

use super::ops::{ms_to_text, print, target, Target};
use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::store::{ConfigVersion, Store};
use crate::versions::{diff, Live};
use serde_json::{json, Value};
use std::path::Path;
use std::process::ExitCode;

/// Versions listed by default.
pub const LIST: usize = 50;

/// `weft config versions`: newest first; `running` is the version serve runs (none without serve).
pub fn list(config: &Config, limit: usize, as_json: bool) -> Result<ExitCode, String> {
    let value = match target(config)? {
        Target::Local(store) => {
            let all = store.config_versions(limit).map_err(|e| e.to_string())?;
            json!({"running": null, "versions": all.iter().map(crate::ops::config_version).collect::<Vec<_>>()})
        }
        Target::Remote(admin) => {
            let mut value = admin.get("/api/config/versions")?;
            if let Some(list) = value["versions"].as_array_mut() {
                list.truncate(limit);
            }
            value
        }
    };
    print(&value, as_json, |v| {
        let running = &v["running"];
        let versions = v["versions"].as_array().map(Vec::as_slice).unwrap_or_default();
        if versions.is_empty() {
            println!("no config versions yet: `weft serve` records the config file as version 1 when it starts");
            return;
        }
        let mut t = super::table::Table::new(&["VERSION", "SAVED", "BY", "COMMENT"]).right(&[0]);
        for version in versions {
            let mark = if &version["number"] == running { " *" } else { "" };
            let comment = match version["restores"].as_u64() {
                Some(n) => format!("{} (restores {n})", version["comment"].as_str().unwrap_or("")),
                None => version["comment"].as_str().unwrap_or("").to_owned(),
            };
            t.row(vec![
                format!("{}{mark}", version["number"]),
                ms_to_text(&version["saved_ms"]),
                version["author"].as_str().unwrap_or("").into(),
                comment,
            ]);
        }
        t.print();
        if running.is_u64() {
            println!("* running in weft serve");
        }
    })
}

/// `weft config show-version N`: who, when, why, the whole text (as stored: without secrets),
/// and the diff from the running version (from the config file when no serve runs).
pub fn show(config: &Config, path: &Path, number: u64, as_json: bool) -> Result<ExitCode, String> {
    let value = match target(config)? {
        Target::Local(store) => {
            let version = find(&store, number)?;
            // Secrets are references (`{ env = ... }`) in the file; credentials written into a
            // URL are scrubbed as the stored text's are.
            let file = std::fs::read_to_string(path).unwrap_or_default();
            let file = crate::versions::scrub(&file, &crate::redact::Redactor::new());
            let mut out = crate::ops::config_version(&version);
            out["diff_from_running"] = json!(diff::lines(&file, &version.text));
            out["text"] = json!(version.text);
            out
        }
        Target::Remote(admin) => admin.get(&format!("/api/config/versions/{number}"))?,
    };
    print(&value, as_json, |v| {
        println!(
            "config version {} saved {} by {}: {}",
            v["number"],
            ms_to_text(&v["saved_ms"]),
            v["author"].as_str().unwrap_or(""),
            v["comment"].as_str().unwrap_or("")
        );
        let changed: Vec<&Value> =
            v["diff_from_running"].as_array().into_iter().flatten().filter(|l| l["op"] != " ").collect();
        if changed.is_empty() {
            println!("same text as the running config");
        } else {
            println!("differs from the running config (- running, + this version):");
            for line in changed {
                println!("{}{}", line["op"].as_str().unwrap_or(" "), line["text"].as_str().unwrap_or(""));
            }
        }
        println!("--- text\n{}", v["text"].as_str().unwrap_or(""));
    })
}

/// `weft config rollback N`: a new version with version N's mapping, rules and lookups, running
/// (through serve) or written to the config file for the next start.
pub fn rollback(config: &Config, path: &Path, number: u64, comment: &str, as_json: bool) -> Result<ExitCode, String> {
    let value = match target(config)? {
        Target::Local(store) => rollback_file(store, path, number, comment)?,
        Target::Remote(admin) => {
            admin.post(&format!("/api/config/versions/{number}/rollback"), json!({"comment": comment}))?
        }
    };
    print(&value, as_json, |v| {
        println!("config version {} runs: version {number} restored", v["version"]);
        for line in v["diff"].as_array().into_iter().flatten().filter(|l| l["op"] != " ") {
            println!("{}{}", line["op"].as_str().unwrap_or(" "), line["text"].as_str().unwrap_or(""));
        }
    })
}

fn find(store: &Store, number: u64) -> Result<ConfigVersion, String> {
    store.config_version(number).map_err(|e| e.to_string())?.ok_or_else(|| format!("no config version {number}"))
}

/// Roll the config file back to version `number` while no serve runs, as serve would: a file
/// changed by hand since the newest version is recorded as a version first (nothing is lost).
fn rollback_file(store: Store, path: &Path, number: u64, comment: &str) -> Result<Value, String> {
    find(&store, number)?;
    let config = Config::load(path).map_err(|e| e.to_string())?;
    let local = super::engine::with_store(config, store)?;
    let _inside = local.runtime.enter();
    let now = SystemClock.now_ms();
    let live = Live::start(local.engine, Some(path.to_owned()), now)?;
    let user = std::env::var("USER").ok().filter(|u| !u.is_empty());
    let author = user.map_or_else(|| "cli".to_owned(), |u| format!("cli ({u})"));
    let applied = live.rollback(number, &author, comment, now).map_err(|r| r.message().to_owned())?;
    Ok(json!(applied))
}
