//! Discovery and validation of plugins in the plugins directory, with the on-disk compile cache.
//!
//! A plugin is refused with a precise reason (bad manifest, pinned hash mismatch, wrong world,
//! incompatible WIT version, missing imports) without stopping the others.

use super::chatter::Chatter;
use super::engine::PluginEngine;
use super::manifest::Manifest;
use super::wit::{Pre, WitVersion, WIT_PACKAGE};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;
use wasmtime::component::types::ComponentItem;
use wasmtime::component::Component;

/// File names inside a plugin folder.
pub const MANIFEST_FILE: &str = "plugin.toml";
/// The component file.
pub const WASM_FILE: &str = "plugin.wasm";
/// Largest `plugin.wasm` read (interpreted-language components are tens of MiB).
pub const MAX_WASM_BYTES: u64 = 256 << 20;
/// Largest `plugin.toml` read.
pub const MAX_MANIFEST_BYTES: u64 = 64 << 10;

/// Whether a plugin came from the compile cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "cache")]
pub enum CacheStatus {
    /// Loaded from a precompiled artifact.
    Hit {
        /// Time to map it, in microseconds.
        load_us: u64,
    },
    /// Compiled now (and written to the cache).
    Compiled {
        /// Compile time in milliseconds.
        compile_ms: u64,
    },
}

/// A plugin that passed every check and is ready to instantiate.
pub struct LoadedPlugin {
    /// Its manifest.
    pub manifest: Manifest,
    /// sha256 of `plugin.wasm`, hex.
    pub sha256: String,
    /// Folder it was loaded from.
    pub dir: PathBuf,
    /// Whether the compile cache was hit.
    pub cache: CacheStatus,
    /// The world it implements and what it imports, as read from the component.
    pub world: WorldInfo,
    /// The contract version that serves it.
    pub wit: WitVersion,
    pub(super) pre: Pre,
    /// Its log budget, shared by all its instances.
    pub(super) chatter: Arc<Chatter>,
}

impl LoadedPlugin {
    /// Log and stdout/stderr lines of this plugin dropped by its rate limit so far.
    pub fn log_dropped(&self) -> u64 {
        self.chatter.dropped()
    }
}

/// What a component imports and exports, by interface name.
#[derive(Debug, Clone, serde::Serialize)]
pub struct WorldInfo {
    /// `weft:plugin/connector` or `weft:plugin/transform`, with version.
    pub world: String,
    /// Imported interface names.
    pub imports: Vec<String>,
    /// Exported interface names.
    pub exports: Vec<String>,
}

/// A plugin folder that was refused, and why.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Refused {
    /// Folder name (the plugin id it should have).
    pub id: String,
    /// The reason, for the operator.
    pub reason: String,
}

/// What one discovery pass found.
pub struct Discovery {
    /// Plugins ready to run, by id.
    pub loaded: BTreeMap<String, LoadedPlugin>,
    /// Folders that were refused.
    pub refused: Vec<Refused>,
}

/// Discover every plugin folder and package (`<id>-<version>.weft.tar`) in `dir`. `pins` maps
/// id → expected sha256 of the component.
pub fn discover(
    engine: &PluginEngine,
    dir: &Path,
    pins: &BTreeMap<String, String>,
    cache_dir: &Path,
) -> Result<Discovery, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("cannot read plugins dir {}: {e}", dir.display()))?;
    let mut folders: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.is_dir() || super::package::is_package(p))
        .collect();
    folders.sort();
    let mut discovery = Discovery { loaded: BTreeMap::new(), refused: Vec::new() };
    for folder in folders {
        let name = folder.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let (id, result) =
            if folder.is_dir() { (name.clone(), read_folder(&folder)) } else { read_package(&folder, &name) };
        let result = result.and_then(|(manifest_text, wasm)| {
            if discovery.loaded.contains_key(&id) {
                return Err(format!("plugin {id} is already loaded from {}", discovery.loaded[&id].dir.display()));
            }
            load_one(engine, &folder, &id, &manifest_text, wasm, pins.get(&id), cache_dir)
        });
        match result {
            Ok(plugin) => {
                tracing::info!(plugin = %id, version = %plugin.manifest.version, cache = ?plugin.cache, "plugin loaded");
                discovery.loaded.insert(id, plugin);
            }
            Err(reason) => {
                let id = if folder.is_dir() { id } else { name };
                tracing::warn!(plugin = %id, "plugin refused: {reason}");
                discovery.refused.push(Refused { id, reason });
            }
        }
    }
    for id in pins.keys() {
        if !discovery.loaded.contains_key(id) && !discovery.refused.iter().any(|r| &r.id == id) {
            discovery.refused.push(Refused {
                id: id.clone(),
                reason: format!("pinned in config but no folder {id}/ in {}", dir.display()),
            });
        }
    }
    Ok(discovery)
}

/// A plugin folder's manifest text and component.
fn read_folder(folder: &Path) -> Result<(String, Vec<u8>), String> {
    let manifest_text = read_capped(&folder.join(MANIFEST_FILE), MAX_MANIFEST_BYTES)?;
    let manifest_text = String::from_utf8(manifest_text).map_err(|_| format!("{MANIFEST_FILE} is not UTF-8 text"))?;
    let wasm = read_capped(&folder.join(WASM_FILE), MAX_WASM_BYTES)?;
    Ok((manifest_text, wasm))
}

/// A package's plugin id (from its manifest; the file must be named `<id>-<version>.weft.tar`
/// or `<id>.weft.tar`), manifest text and component.
fn read_package(path: &Path, name: &str) -> (String, Result<(String, Vec<u8>), String>) {
    let stem = name.strip_suffix(super::package::SUFFIX).unwrap_or(name).to_owned();
    let package = match super::package::read(path, MAX_WASM_BYTES) {
        Ok(p) => p,
        Err(e) => return (stem, Err(e)),
    };
    let id = toml::from_str::<toml::Table>(&package.manifest)
        .ok()
        .and_then(|t| t.get("id").and_then(|v| v.as_str()).map(str::to_owned))
        .unwrap_or_default();
    if id.is_empty() || !(stem == id || stem.starts_with(&format!("{id}-"))) {
        return (stem, Err(format!("the package's plugin.toml says id `{id}`: name the file {id}-VERSION.weft.tar")));
    }
    (id, Ok((package.manifest, package.wasm)))
}

fn load_one(
    engine: &PluginEngine,
    folder: &Path,
    id: &str,
    manifest_text: &str,
    wasm: Vec<u8>,
    pin: Option<&String>,
    cache_dir: &Path,
) -> Result<LoadedPlugin, String> {
    let manifest = Manifest::parse(manifest_text, id)?;
    let sha256 = hex::encode(Sha256::digest(&wasm));
    if let Some(pin) = pin {
        if !pin.eq_ignore_ascii_case(&sha256) {
            return Err(format!("sha256 mismatch: {WASM_FILE} is {sha256}, the config pins {pin}"));
        }
    }
    let (component, cache) = compile_cached(engine, id, &wasm, &sha256, cache_dir)?;
    let (world, wit) = world_info(engine, &component, &manifest)?;
    let pre = Pre::new(&engine.linkers, wit, manifest.kind, &component)?;
    let chatter = Arc::new(Chatter::new(&manifest.id));
    Ok(LoadedPlugin { manifest, sha256, dir: folder.to_owned(), cache, world, wit, pre, chatter })
}

/// Read a plugin file: a regular file (a link to one is followed) of at most `cap` bytes. A
/// device, a pipe or a file over the cap is refused before it is read.
fn read_capped(path: &Path, cap: u64) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read {name}: {e}"))?;
    if !meta.is_file() {
        return Err(format!("{name} is not a regular file"));
    }
    if meta.len() > cap {
        return Err(format!("{name} is larger than {} MiB ({} bytes)", cap >> 20, meta.len()));
    }
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read {name}: {e}"))?;
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    // The cap holds even if the file grows between the check and the read.
    file.take(cap + 1).read_to_end(&mut bytes).map_err(|e| format!("cannot read {name}: {e}"))?;
    if bytes.len() as u64 > cap {
        return Err(format!("{name} is larger than {} MiB", cap >> 20));
    }
    Ok(bytes)
}

/// Load the precompiled artifact for this wasm if the cache has one; otherwise compile and store it.
fn compile_cached(
    engine: &PluginEngine,
    id: &str,
    wasm: &[u8],
    sha256: &str,
    cache_dir: &Path,
) -> Result<(Component, CacheStatus), String> {
    let path = cache_dir.join(format!("{sha256}-{}.cwasm", engine.cache_key()));
    if path.is_file() {
        let start = Instant::now();
        // SAFETY: the file was written by `precompile_component` of an engine with the same
        // compatibility hash (it is in the file name), in a directory only weft writes.
        match unsafe { Component::deserialize_file(&engine.engine, &path) } {
            Ok(component) => {
                let load_us = start.elapsed().as_micros() as u64;
                return Ok((component, CacheStatus::Hit { load_us }));
            }
            Err(e) => tracing::warn!("ignoring unusable compile cache entry {}: {e}", path.display()),
        }
    }
    // A first load of an interpreted plugin compiles tens of MiB (seconds to tens of seconds):
    // say so before, not only after.
    tracing::info!(
        plugin = %id,
        "compiling {id} ({:.1} MiB) once; later loads map the compiled artifact from {}",
        wasm.len() as f64 / (1 << 20) as f64,
        cache_dir.display()
    );
    let start = Instant::now();
    let bytes = with_progress(id, || engine.engine.precompile_component(wasm))
        .map_err(|e| format!("not a valid Wasm component: {e:#}"))?;
    let compile_ms = start.elapsed().as_millis() as u64;
    if let Err(e) = write_atomically(&path, &bytes) {
        tracing::warn!("cannot write compile cache {}: {e}", path.display());
    }
    // SAFETY: `bytes` was produced by `precompile_component` on this very engine just above.
    let component = unsafe { Component::deserialize(&engine.engine, &bytes) }
        .map_err(|e| format!("cannot load compiled component: {e:#}"))?;
    Ok((component, CacheStatus::Compiled { compile_ms }))
}

/// How often a long compile says it is still going.
const PROGRESS_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// Run `compile`, logging every [`PROGRESS_EVERY`] that plugin `id` is still compiling.
fn with_progress<T>(id: &str, compile: impl FnOnce() -> T) -> T {
    let (done, wait) = std::sync::mpsc::channel::<()>();
    std::thread::scope(|scope| {
        scope.spawn(move || {
            let start = Instant::now();
            while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = wait.recv_timeout(PROGRESS_EVERY) {
                tracing::info!(plugin = %id, "still compiling {id}: {} s", start.elapsed().as_secs());
            }
        });
        let out = compile();
        drop(done);
        out
    })
}

fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

/// Read the component's weft imports/exports and check the WIT version and world before linking,
/// so that a mismatch gets a precise message; the version that serves it is the one its
/// interfaces were built against, and must be the one its manifest names.
fn world_info(
    engine: &PluginEngine,
    component: &Component,
    manifest: &Manifest,
) -> Result<(WorldInfo, WitVersion), String> {
    let kind = manifest.kind;
    let ty = component.component_type();
    let imports: Vec<String> = ty.imports(&engine.engine).map(|(name, _)| name.to_owned()).collect();
    let exports: Vec<String> = ty
        .exports(&engine.engine)
        .filter(|(_, item)| matches!(item.ty, ComponentItem::ComponentInstance(_)))
        .map(|(name, _)| name.to_owned())
        .collect();
    let declared = manifest.wit_version()?;
    for name in imports.iter().chain(&exports) {
        if let Some(version) = weft_interface_version(name) {
            let parsed =
                semver::Version::parse(version).map_err(|_| format!("interface {name} has a malformed version"))?;
            let served = WitVersion::serving(&parsed).ok_or_else(|| {
                format!(
                    "incompatible WIT version: the component uses {name} (built against {WIT_PACKAGE}@{version}), this host implements {}",
                    WitVersion::supported_text()
                )
            })?;
            if served != declared {
                return Err(format!("the component uses {name}, but plugin.toml says wit = \"{}\"", manifest.wit));
            }
        }
    }
    let wanted = format!("{WIT_PACKAGE}/{kind}@");
    let world = exports.iter().find(|e| e.starts_with(&wanted)).cloned().ok_or_else(|| {
        let found: Vec<&String> = exports.iter().filter(|e| e.starts_with(WIT_PACKAGE)).collect();
        format!("wrong world: plugin.toml says kind = \"{kind}\" but the component does not export {WIT_PACKAGE}/{kind} (it exports {found:?})")
    })?;
    Ok((WorldInfo { world, imports, exports }, declared))
}

/// `Some("0.1.0")` for `weft:plugin/log@0.1.0`.
fn weft_interface_version(name: &str) -> Option<&str> {
    let rest = name.strip_prefix(WIT_PACKAGE)?.strip_prefix('/')?;
    rest.split_once('@').map(|(_, v)| v)
}
