//! `weft plugins list | inspect | call | new | test`.

mod canned;
mod harness;

use super::scaffold::{self, Kind, Lang};
use crate::config::Config;
use crate::model::Record;
use crate::plugin::{CallError, Grant, HostOptions, PluginHost, PluginKind, PluginSession};
use crate::redact::Redactor;
use clap::{Subcommand, ValueEnum};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::ExitCode;

/// `weft plugins ...`
#[derive(Debug, Subcommand)]
pub enum PluginsCommand {
    /// List plugins in the plugins directory with their status (ok, or refused with the reason).
    List {
        /// Plugins directory (default: `plugins.dir` from the config).
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show the world a plugin implements, its imports and exports, and its describe() output.
    Inspect {
        /// Plugin id.
        id: String,
        /// Plugins directory (default: `plugins.dir` from the config).
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Call a plugin: a transform's apply on records from a JSON file, or a connector's describe/check.
    Call {
        /// Plugin id.
        id: String,
        /// JSON file: an array of records for `apply`.
        #[arg(long)]
        input: Option<PathBuf>,
        /// Function to call (default: apply for transforms, check for connectors).
        #[arg(long, value_enum)]
        call: Option<CallKind>,
        /// Take config, secrets and grants from this `[connections.NAME]` or `[transforms.NAME]`
        /// (default: the first one that uses the plugin).
        #[arg(long)]
        grant: Option<String>,
        /// Plugins directory (default: `plugins.dir` from the config).
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// Scaffold a plugin folder from the SDK templates (builds with plugins/build.sh as is).
    New {
        /// Plugin id (also the folder name).
        name: String,
        /// Language of the template.
        #[arg(long, value_enum)]
        lang: Lang,
        /// Transform or connector.
        #[arg(long, value_enum, default_value = "transform")]
        kind: Kind,
        /// Folder to create the plugin in.
        #[arg(long, default_value = ".")]
        dir: PathBuf,
        /// The weft SDK directory (the Rust template depends on `<sdk>/rust`).
        #[arg(long)]
        sdk: Option<PathBuf>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Run a built plugin (a folder with plugin.toml and plugin.wasm) through the host with the
    /// cases of a weft-test.toml: apply cases for transforms; the connector conformance suite
    /// against canned HTTP responses for connectors. Exit status 1 when a check fails.
    Test {
        /// The built plugin folder.
        dir: PathBuf,
        /// The test spec (default: DIR/weft-test.toml).
        #[arg(long)]
        spec: Option<PathBuf>,
        /// Print JSON: the plugin and every check with whether it held.
        #[arg(long)]
        json: bool,
    },
}

/// Functions `weft plugins call` can run.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum CallKind {
    /// describe() of either world.
    Describe,
    /// check() of a connector.
    Check,
    /// apply() of a transform.
    Apply,
}

/// Run a `plugins` command.
pub fn run(cmd: PluginsCommand, mut config: Config) -> Result<ExitCode, String> {
    let dir = match &cmd {
        PluginsCommand::List { dir, .. } | PluginsCommand::Inspect { dir, .. } | PluginsCommand::Call { dir, .. } => {
            dir.clone()
        }
        PluginsCommand::New { name, lang, kind, dir, sdk, json } => {
            let sdk = sdk.clone().unwrap_or_else(scaffold::default_sdk_dir);
            let created = scaffold::create(dir, name, *lang, *kind, &sdk)?;
            if *json {
                println!("{}", json!({"created": created}));
            } else {
                println!("created {}", created.display());
            }
            return Ok(ExitCode::SUCCESS);
        }
        PluginsCommand::Test { dir, spec, json } => {
            let spec = spec.clone().unwrap_or_else(|| dir.join("weft-test.toml"));
            let passed = harness::run(dir, &spec, &config.plugin_cache_dir(), *json)?;
            return Ok(if passed { ExitCode::SUCCESS } else { ExitCode::FAILURE });
        }
    };
    if let Some(dir) = dir {
        config.plugins.dir = dir;
    }
    let store = super::open_store(&config).map_err(|e| e.to_string())?;
    let host = PluginHost::load(HostOptions::from_config(&config, Some(store), Redactor::new()))?;
    match cmd {
        PluginsCommand::List { json, .. } => list(&host, json),
        PluginsCommand::Inspect { id, json, .. } => inspect(&host, &config, &id, json),
        PluginsCommand::Call { id, input, call, grant, .. } => call_plugin(&host, &config, &id, input, call, grant),
        PluginsCommand::New { .. } | PluginsCommand::Test { .. } => Ok(ExitCode::SUCCESS),
    }
}

fn list(host: &PluginHost, as_json: bool) -> Result<ExitCode, String> {
    if as_json {
        println!("{}", serde_json::to_string_pretty(&crate::ops::plugins(host, None)).map_err(|e| e.to_string())?);
        return Ok(ExitCode::SUCCESS);
    }
    let mut t = super::table::Table::new(&["ID", "VERSION", "KIND", "WIT", "SHA256", "CAPABILITIES", "STATUS"]);
    for p in host.plugins() {
        let m = &p.manifest;
        let c = &m.capabilities;
        let mut caps = Vec::new();
        if !c.outbound_hosts.is_empty() {
            caps.push(format!("net:{}", c.outbound_hosts.join(",")));
        }
        if !c.secrets.is_empty() {
            caps.push(format!("secrets:{}", c.secrets.join(",")));
        }
        if !c.config.is_empty() {
            caps.push(format!("config:{}", c.config.join(",")));
        }
        if c.kv {
            caps.push("kv".into());
        }
        if c.directory {
            caps.push("dir".into());
        }
        let caps = if caps.is_empty() { "-".to_owned() } else { caps.join(" ") };
        t.row(vec![
            m.id.clone(),
            m.version.to_string(),
            m.kind.to_string(),
            m.wit.to_string(),
            p.sha256[..12].to_owned(),
            caps,
            "ok".into(),
        ]);
    }
    for r in host.refused() {
        let dash = || "-".to_owned();
        t.row(vec![r.id.clone(), dash(), dash(), dash(), dash(), dash(), format!("refused: {}", r.reason)]);
    }
    t.print();
    Ok(ExitCode::SUCCESS)
}

/// The grant named on the command line, or the first connection/transform using plugin `id`.
fn find_grant(config: &Config, id: &str, name: Option<&str>) -> Result<Grant, String> {
    if let Some(name) = name {
        if config.connections.contains_key(name) {
            return Grant::for_connection(config, name);
        }
        return Grant::for_transform(config, name);
    }
    if let Some((name, _)) = config.connections.iter().find(|(_, c)| c.plugin == id) {
        return Grant::for_connection(config, name);
    }
    if let Some((name, _)) = config.transforms.iter().find(|(_, t)| t.plugin == id) {
        return Grant::for_transform(config, name);
    }
    Ok(Grant::default())
}

fn open(host: &PluginHost, config: &Config, id: &str, grant: Option<&str>) -> Result<PluginSession, String> {
    let grant = find_grant(config, id, grant)?;
    host.session(id, &grant).map_err(|e| e.to_string())
}

fn inspect(host: &PluginHost, config: &Config, id: &str, as_json: bool) -> Result<ExitCode, String> {
    let plugin = host.plugin(id).ok_or_else(|| match host.refused().iter().find(|r| r.id == id) {
        Some(r) => format!("plugin {id} was refused: {}", r.reason),
        None => format!("no plugin {id} in the plugins directory"),
    })?;
    let mut session = open(host, config, id, None)?;
    let described = session.describe().map_err(|e| e.to_string())?;
    let mut out = crate::ops::plugin_json(plugin);
    out["world"] = json!(plugin.world);
    out["describe"] = json!(described);
    if as_json {
        println!("{}", serde_json::to_string_pretty(&out).map_err(|e| e.to_string())?);
    } else {
        println!(
            "{} {} ({}), implements {}",
            plugin.manifest.id, plugin.manifest.version, plugin.manifest.kind, plugin.world.world
        );
        println!("imports: {}", plugin.world.imports.join(", "));
        println!("exports: {}", plugin.world.exports.join(", "));
        println!("describe(): {}", serde_json::to_string_pretty(&described).map_err(|e| e.to_string())?);
    }
    Ok(ExitCode::SUCCESS)
}

fn call_plugin(
    host: &PluginHost,
    config: &Config,
    id: &str,
    input: Option<PathBuf>,
    call: Option<CallKind>,
    grant: Option<String>,
) -> Result<ExitCode, String> {
    let plugin = host.plugin(id).ok_or_else(|| format!("plugin {id} is not loaded (see `weft plugins list`)"))?;
    let call = call.unwrap_or(match plugin.manifest.kind {
        PluginKind::Transform => CallKind::Apply,
        PluginKind::Connector => CallKind::Check,
    });
    let mut session = open(host, config, id, grant.as_deref())?;
    let print = |v: Value| serde_json::to_string_pretty(&v).map(|s| println!("{s}")).map_err(|e| e.to_string());
    let failed = |e: CallError| -> Result<ExitCode, String> {
        print(json!({"error": {"class": e.class(), "message": e.to_string()}}))?;
        Ok(ExitCode::FAILURE)
    };
    match call {
        CallKind::Describe => match session.describe() {
            Ok(info) => print(json!(info))?,
            Err(e) => return failed(e),
        },
        CallKind::Check => match session.check() {
            Ok(Ok(())) => print(json!({"ok": true}))?,
            Ok(Err(e)) => {
                print(json!({"ok": false, "error": e}))?;
                return Ok(ExitCode::FAILURE);
            }
            Err(e) => return failed(e),
        },
        CallKind::Apply => {
            let path = input.ok_or("--input FILE.json is required for apply")?;
            let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            let records: Vec<Record> = serde_json::from_str(&text)
                .map_err(|e| format!("{}: not a JSON array of records: {e}", path.display()))?;
            match session.apply(&records) {
                Ok(outcomes) => print(json!(outcomes))?,
                Err(e) => return failed(e),
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
