//! `weft config versions | show-version N | rollback N`: the config versions the store keeps
//! (see [`crate::versions`]), through the admin API of the `weft serve` holding the database
//! (`/api/config/versions...`; a rollback needs `[server] admin_token`, and serve applies it
//! without a restart), else on the store and the config file directly: a rollback is then
//! checked as `weft config check` checks a file, written to the file and recorded as a new
//! version, for the next `weft serve` to run.

use super::ops::{ms_to_text, print, target, Target};
use crate::check::Level;
use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::store::{ConfigVersion, Store};
use crate::versions::diff;
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

/// `weft config show-version N`: who, when, why, the whole text, and the diff from the running
/// version (from the config file when no serve runs).
pub fn show(config: &Config, path: &Path, number: u64, as_json: bool) -> Result<ExitCode, String> {
    let value = match target(config)? {
        Target::Local(store) => {
            let version = find(&store, number)?;
            let file = std::fs::read_to_string(path).unwrap_or_default();
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

/// `weft config rollback N`: a new version equal to version N, running (through serve) or
/// written to the config file for the next start.
pub fn rollback(config: &Config, path: &Path, number: u64, comment: &str, as_json: bool) -> Result<ExitCode, String> {
    let value = match target(config)? {
        Target::Local(store) => rollback_file(&store, path, number, comment)?,
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

/// Roll the config file back to version `number` while no serve runs: version `number`'s text
/// must pass `weft config check`; a file changed by hand since the newest version is recorded
/// as a version first (nothing is lost).
fn rollback_file(store: &Store, path: &Path, number: u64, comment: &str) -> Result<Value, String> {
    let old = find(store, number)?;
    let file = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {} (a rollback rewrites the config file): {e}", path.display()))?;
    let candidate = Config::parse_unchecked(&old.text, path).map_err(|e| format!("version {number}: {e}"))?;
    let report = super::config::whole(candidate);
    if let Some(worst) = report.findings.iter().find(|f| matches!(f.level, Level::Error | Level::Unverified)) {
        return Err(format!(
            "version {number} does not check ({}: {}); nothing was changed (`weft config show-version {number}` shows it)",
            worst.key, worst.message
        ));
    }
    let now = SystemClock.now_ms();
    let mut newest = store.config_versions(1).map_err(|e| e.to_string())?.pop();
    if newest.as_ref().is_none_or(|v| v.text != file) {
        let kept = ConfigVersion {
            number: 0,
            author: "file".into(),
            saved_ms: now,
            comment: format!("the file as it was before the rollback to version {number}"),
            restores: None,
            text: file.clone(),
        };
        let after = newest.as_ref().map(|v| v.number);
        let kept_as = added(store, &kept, after)?;
        newest = Some(ConfigVersion { number: kept_as, ..kept });
    }
    let comment = if comment.trim().is_empty() { format!("rollback to version {number}") } else { comment.to_owned() };
    let user = std::env::var("USER").ok().filter(|u| !u.is_empty());
    let version = ConfigVersion {
        number: 0,
        author: user.map_or_else(|| "cli".to_owned(), |u| format!("cli ({u})")),
        saved_ms: now,
        comment,
        restores: Some(number),
        text: old.text,
    };
    replace(path, &version.text)?;
    let recorded = added(store, &version, newest.map(|v| v.number));
    if recorded.is_err() {
        replace(path, &file)?;
    }
    Ok(json!({"version": recorded?, "diff": diff::lines(&file, &version.text)}))
}

/// Record `version` after version `after`; refused when another version was recorded since.
fn added(store: &Store, version: &ConfigVersion, after: Option<u64>) -> Result<u64, String> {
    store
        .add_config_version(version, after)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| "another config version was recorded meanwhile: try again".to_owned())
}

/// Replace the config file's content at once (written beside it, then renamed over it).
fn replace(path: &Path, text: &str) -> Result<(), String> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let failed = |e: &dyn std::fmt::Display| format!("cannot write {}: {e}", path.display());
    let mut next = tempfile::NamedTempFile::new_in(dir).map_err(|e| failed(&e))?;
    std::io::Write::write_all(&mut next, text.as_bytes()).map_err(|e| failed(&e))?;
    if let Ok(meta) = std::fs::metadata(path) {
        std::fs::set_permissions(next.path(), meta.permissions()).map_err(|e| failed(&e))?;
    }
    next.persist(path).map_err(|e| failed(&e))?;
    Ok(())
}
