//! Shared helpers of the host's integration tests: built plugins, scratch plugin dirs,
//! a loopback HTTP server, and a plugin host with test limits.

pub mod catalog_feed;
pub mod engine;
pub mod postgres;
pub mod scenario;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use weft::config::LimitsConfig;
use weft::plugin::http::Network;
use weft::plugin::{HostOptions, PluginHost};
use weft::redact::Redactor;

/// Repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("host/ has a parent").to_owned()
}

/// A built plugin folder (`target/plugins/<id>` or `target/test-plugins/<id>`).
pub fn built_plugin(id: &str) -> PathBuf {
    let root = repo_root();
    for dir in ["target/plugins", "target/test-plugins"] {
        let p = root.join(dir).join(id);
        if p.join("plugin.wasm").is_file() {
            return p;
        }
    }
    panic!(
        "plugin {id} is not built; run `plugins/build.sh` and `plugins/build.sh target/test-plugins tests/plugins` first"
    );
}

/// Install built plugin `id` into `plugins_dir` as `as_id`, with `manifest` as its plugin.toml.
pub fn install(plugins_dir: &Path, id: &str, as_id: &str, manifest: &str) -> PathBuf {
    let dir = plugins_dir.join(as_id);
    std::fs::create_dir_all(&dir).expect("create plugin dir");
    std::fs::copy(built_plugin(id).join("plugin.wasm"), dir.join("plugin.wasm")).expect("copy wasm");
    std::fs::write(dir.join("plugin.toml"), manifest).expect("write manifest");
    dir
}

/// Install built plugin `id` with its own manifest.
pub fn install_as_built(plugins_dir: &Path, id: &str) -> PathBuf {
    let manifest = std::fs::read_to_string(built_plugin(id).join("plugin.toml")).expect("read manifest");
    install(plugins_dir, id, id, &manifest)
}

/// A manifest for the hostile connector under id `id`, requesting `hosts`.
pub fn hostile_manifest(id: &str, hosts: &[&str]) -> String {
    let hosts: Vec<String> = hosts.iter().map(|h| format!("{h:?}")).collect();
    format!(
        "id = \"{id}\"\nversion = \"0.1.0\"\nkind = \"connector\"\nwit = \"weft:plugin@0.2.0\"\n\
         [capabilities]\nconfig = [\"mode\", \"url\", \"size\"]\nsecrets = [\"token\"]\noutbound_hosts = [{}]\n",
        hosts.join(", ")
    )
}

/// Limits that keep hostile tests quick.
pub fn test_limits() -> LimitsConfig {
    LimitsConfig {
        connector_deadline_ms: 500,
        transform_deadline_ms: 500,
        memory_mib: 32,
        max_output_mib: 1,
        ..LimitsConfig::default()
    }
}

/// A plugin host over `plugins_dir` with a cache in `cache_dir`.
pub fn host(plugins_dir: &Path, cache_dir: &Path, limits: LimitsConfig, network: Network) -> PluginHost {
    PluginHost::load(HostOptions {
        dir: plugins_dir.to_owned(),
        cache_dir: cache_dir.to_owned(),
        pins: Default::default(),
        limits,
        store: None,
        network,
        redactor: Redactor::new(),
    })
    .expect("plugin host loads")
}

/// A tiny HTTP/1.1 server on 127.0.0.1 that answers every request with 200 "ok" and counts
/// the connections it accepted.
pub struct LoopbackServer {
    /// Port it listens on.
    pub port: u16,
    /// Connections accepted so far.
    pub connections: Arc<AtomicUsize>,
}

impl LoopbackServer {
    /// Start it on an ephemeral port.
    pub fn start() -> LoopbackServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let port = listener.local_addr().expect("addr").port();
        let connections = Arc::new(AtomicUsize::new(0));
        let counter = connections.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                counter.fetch_add(1, Ordering::SeqCst);
                let mut buf = [0u8; 4096];
                let _ = stream.read(&mut buf);
                let _ = stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok");
            }
        });
        LoopbackServer { port, connections }
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}
