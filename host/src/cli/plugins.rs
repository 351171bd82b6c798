//! `weft plugins list | inspect | call | new | test`.

mod canned;
mod diff;
mod harness;
mod spec;

use super::scaffold::{self, Kind, Lang};
use crate::config::Config;
use crate::model::{Entity, KeyedRecord, Record};
use crate::plugin::http::Tap;
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
    /// Call a plugin with the operator's grant: a transform's apply on records from a JSON file,
    /// a connector's describe, check, pull, fetch, push or parse-event against the live ERP.
    /// Prints the result as JSON on stdout and the plugin's HTTP exchanges on stderr (secret
    /// values and credential headers redacted).
    Call {
        /// Plugin id.
        id: String,
        /// JSON file: an array of records for `apply` and `push`; the request body for
        /// `parse-event`.
        #[arg(long)]
        input: Option<PathBuf>,
        /// Entity for pull, fetch and push (`product`, `inventory`, `inventory-level`, ...).
        #[arg(long)]
        entity: Option<String>,
        /// Cursor for pull (default: from the beginning).
        #[arg(long)]
        cursor: Option<String>,
        /// Page size for pull.
        #[arg(long, default_value_t = 10)]
        limit: u32,
        /// External id for fetch (repeat for several).
        #[arg(long = "id")]
        ids: Vec<String>,
        /// Header for parse-event, `name: value` (repeat for several).
        #[arg(long = "header")]
        headers: Vec<String>,
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
        /// The weft SDK directory (the Rust templates depend on `<sdk>/rust` by a relative path;
        /// default: the `sdk/` of the weft checkout holding DIR, the current directory or weft).
        #[arg(long)]
        sdk: Option<PathBuf>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Ask the running `weft serve` to read the plugins directory again: new or changed plugins
    /// are checked as at start and swapped in as a whole (jobs in flight finish on the old
    /// ones); a refused plugin the config uses refuses the reload and the old ones keep going.
    Reload {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Package a built plugin (plugin.toml + plugin.wasm) as one `<id>-<version>.weft.tar`
    /// (manifest, component and its sha256) that an operator drops into the plugins directory.
    Package {
        /// The built plugin folder (plugins/build.sh OUT/ID).
        dir: PathBuf,
        /// Folder to write the package to.
        #[arg(long, default_value = ".")]
        out: PathBuf,
    },
    /// Run a built plugin (a folder with plugin.toml and plugin.wasm) through the host with the
    /// cases of a weft-test.toml (docs/plugin-testing.md): apply cases for transforms; the
    /// connector conformance suite against canned HTTP responses for connectors. The spec is
    /// checked whole before the plugin is loaded. Exit status 1 when a check fails.
    Test {
        /// The built plugin folder (plugins/build.sh copies weft-test.toml into it).
        dir: PathBuf,
        /// The test spec (default: DIR/weft-test.toml).
        #[arg(long)]
        spec: Option<PathBuf>,
        /// Only check the spec against DIR/plugin.toml (DIR may be the source folder); nothing is
        /// loaded or compiled.
        #[arg(long)]
        check_spec: bool,
        /// Print JSON: the plugin and every check with whether it held.
        #[arg(long)]
        json: bool,
    },
}

/// `weft plugins package`: the built plugin in `dir` as one `<id>-<version>.weft.tar`.
fn package(dir: &std::path::Path, out: &std::path::Path) -> Result<ExitCode, String> {
    let (id, _, manifest) = harness::manifest_kind(dir)?;
    let text = std::fs::read_to_string(dir.join("plugin.toml")).map_err(|e| e.to_string())?;
    crate::plugin::Manifest::parse(&text, &id)?;
    let version = manifest.get("version").and_then(|v| v.as_str()).unwrap_or_default().to_owned();
    if !dir.join("plugin.wasm").is_file() {
        return Err(format!("{} has no plugin.wasm: build it first (plugins/build.sh OUT SRC)", dir.display()));
    }
    let (file, sha256) = crate::plugin::package::pack(dir, &id, &version, out)?;
    println!("packaged {id} {version} -> {}", file.display());
    println!("sha256 of plugin.wasm: {sha256}");
    println!(
        "install: copy {} into the operator's plugins directory ([plugins] dir); it is loaded as it is",
        file.display()
    );
    println!("pin it in weft.toml:\n  [plugins.pins]\n  {id} = \"{sha256}\"");
    Ok(ExitCode::SUCCESS)
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
    /// pull(entity, cursor, limit) of a connector.
    Pull,
    /// fetch(entity, ids) of a connector.
    Fetch,
    /// push(entity, records) of a connector (keys derived from each record's content).
    Push,
    /// parse-event(headers, body) of a connector.
    ParseEvent,
}

/// What `plugins call` was asked, beyond the function.
struct CallArgs {
    input: Option<PathBuf>,
    entity: Option<String>,
    cursor: Option<String>,
    limit: u32,
    ids: Vec<String>,
    headers: Vec<String>,
}

/// `weft plugins reload`: through the admin API of the running serve.
fn reload(config: &Config, json: bool) -> Result<ExitCode, String> {
    let done = super::remote::Admin::from_config(config)?.post("/api/plugins/reload", json!({}))?;
    if json {
        println!("{done}");
        return Ok(ExitCode::SUCCESS);
    }
    let changed = done["changed"].as_array().cloned().unwrap_or_default();
    if changed.is_empty() {
        println!("no plugin changed");
    }
    for c in changed {
        let side = |v: &serde_json::Value| v.as_str().unwrap_or("none").to_owned();
        println!("{}: {} -> {}", c["id"].as_str().unwrap_or("?"), side(&c["before"]), side(&c["after"]));
    }
    Ok(ExitCode::SUCCESS)
}

/// Run a `plugins` command.
pub fn run(cmd: PluginsCommand, mut config: Config) -> Result<ExitCode, String> {
    let dir = match &cmd {
        PluginsCommand::List { dir, .. } | PluginsCommand::Inspect { dir, .. } | PluginsCommand::Call { dir, .. } => {
            dir.clone()
        }
        PluginsCommand::New { name, lang, kind, dir, sdk, json } => {
            let created = scaffold::create(dir, name, *lang, *kind, sdk.as_deref())?;
            if *json {
                println!("{}", json!({"created": created}));
            } else {
                println!("created {}", created.display());
                println!("next: plugins/build.sh OUT {} && weft plugins test OUT/{name}", dir.display());
            }
            return Ok(ExitCode::SUCCESS);
        }
        PluginsCommand::Package { dir, out } => return package(dir, out),
        PluginsCommand::Reload { json } => return reload(&config, *json),
        PluginsCommand::Test { dir, spec, check_spec, json } => {
            let spec = spec.clone().unwrap_or_else(|| dir.join("weft-test.toml"));
            if *check_spec {
                harness::check(dir, &spec)?;
                return Ok(ExitCode::SUCCESS);
            }
            let passed = harness::run(dir, &spec, &config.plugin_cache_dir(), *json)?;
            return Ok(if passed { ExitCode::SUCCESS } else { ExitCode::FAILURE });
        }
    };
    if let Some(dir) = dir {
        config.plugins.dir = dir;
    }
    let store = match super::open_store(&config) {
        Ok(store) => Some(store),
        // Held by `weft serve`: the plugins are loaded beside it, without the store (a call's
        // plugin state is then not kept).
        Err(crate::store::StoreError::Locked) => None,
        Err(e) => return Err(e.to_string()),
    };
    let mut options = HostOptions::from_config(&config, store, Redactor::new());
    let tap: Tap = Default::default();
    if matches!(cmd, PluginsCommand::Call { .. }) {
        options.network.tap = Some(tap.clone());
    }
    let host = PluginHost::load(options)?;
    match cmd {
        PluginsCommand::List { json, .. } => list(&host, json),
        PluginsCommand::Inspect { id, json, .. } => inspect(&host, &config, &id, json),
        PluginsCommand::Call { id, input, call, grant, entity, cursor, limit, ids, headers, .. } => {
            let args = CallArgs { input, entity, cursor, limit, ids, headers };
            let result = call_plugin(&host, &config, &id, call, grant, args);
            print_exchanges(&tap);
            result
        }
        PluginsCommand::New { .. }
        | PluginsCommand::Test { .. }
        | PluginsCommand::Package { .. }
        | PluginsCommand::Reload { .. } => Ok(ExitCode::SUCCESS),
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
    call: Option<CallKind>,
    grant: Option<String>,
    args: CallArgs,
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
    let entity = || -> Result<Entity, String> {
        Entity::parse(args.entity.as_deref().ok_or("--entity is required for pull, fetch and push")?)
    };
    let records = || -> Result<Vec<Record>, String> {
        let path = args.input.as_ref().ok_or("--input FILE.json (an array of records) is required")?;
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        serde_json::from_str(&text).map_err(|e| format!("{}: not a JSON array of records: {e}", path.display()))
    };
    // A plugin error is printed as the result and exits 1; a trap or refusal likewise, with its class.
    let answer = |v: Result<Value, CallError>, ok: bool| -> Result<ExitCode, String> {
        match v {
            Ok(v) => print(v).map(|()| if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE }),
            Err(e) => failed(e),
        }
    };
    match call {
        CallKind::Describe => answer(session.describe().map(|i| json!(i)), true),
        CallKind::Check => match session.check() {
            Ok(Ok(())) => answer(Ok(json!({"ok": true})), true),
            Ok(Err(e)) => answer(Ok(json!({"ok": false, "error": e})), false),
            Err(e) => failed(e),
        },
        CallKind::Apply => {
            let input = records()?;
            answer(session.apply(&input).map(|o| json!(o)), true)
        }
        CallKind::Pull => match session.pull(entity()?, args.cursor.as_deref(), args.limit) {
            Ok(Ok(page)) => answer(Ok(json!(page)), true),
            Ok(Err(e)) => answer(Ok(json!({"error": e})), false),
            Err(e) => failed(e),
        },
        CallKind::Fetch => {
            if args.ids.is_empty() {
                return Err("--id ID is required for fetch (repeat it for several)".into());
            }
            answer(session.fetch(entity()?, &args.ids).map(|o| json!(o)), true)
        }
        CallKind::Push => {
            let entity = entity()?;
            let keyed: Vec<KeyedRecord> = records()?
                .into_iter()
                .map(|record| {
                    let text = serde_json::to_string(&record).unwrap_or_default();
                    let key =
                        format!("weft-plugins-call-{}", &crate::plugin::package::sha256_hex(text.as_bytes())[..16]);
                    KeyedRecord { key, record }
                })
                .collect();
            answer(session.push(entity, &keyed).map(|o| json!(o)), true)
        }
        CallKind::ParseEvent => {
            let body = match &args.input {
                Some(path) => std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?,
                None => Vec::new(),
            };
            let headers = args
                .headers
                .iter()
                .map(|h| {
                    h.split_once(':')
                        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
                        .ok_or_else(|| format!("--header `{h}` must be `name: value`"))
                })
                .collect::<Result<Vec<_>, String>>()?;
            match session.parse_event(&headers, &body) {
                Ok(Ok(events)) => answer(Ok(json!(events)), true),
                Ok(Err(e)) => answer(Ok(json!({"error": e})), false),
                Err(e) => failed(e),
            }
        }
    }
}

/// The plugin's HTTP exchanges of a `plugins call`, on stderr (secrets were redacted as they
/// were recorded).
fn print_exchanges(tap: &Tap) {
    let exchanges = tap.take();
    if exchanges.is_empty() {
        return;
    }
    eprintln!("--- {} HTTP exchange(s), secrets redacted ---", exchanges.len());
    for x in exchanges {
        eprintln!("> {} {}", x.method, x.url);
        for (k, v) in &x.request_headers {
            eprintln!("> {k}: {v}");
        }
        if !x.request_body.is_empty() {
            eprintln!(">\n{}", x.request_body);
        }
        match (x.status, &x.error) {
            (Some(status), _) => eprintln!("< {status} ({} ms)", x.ms),
            (None, Some(e)) => eprintln!("< failed after {} ms: {e}", x.ms),
            (None, None) => eprintln!("< no answer ({} ms)", x.ms),
        }
        for (k, v) in &x.response_headers {
            eprintln!("< {k}: {v}");
        }
        if !x.response_body.is_empty() {
            eprintln!("<\n{}", x.response_body);
        }
        eprintln!();
    }
}
