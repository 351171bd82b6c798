//! A demo deployment for several hosts: the simulator seeded with the sample dataset's three
//! warehouses, the sample ERP export in a file-feed inbox, the file-feed plugin, a PostgreSQL
//! database, and `weft.toml`s written from `examples/demo/weft.toml` (one per host: they differ
//! only in the listen address). The hosts are real `weft serve` processes.

use super::common::engine::{free_port, Serve};
use super::common::postgres::PgServer;
use super::common::repo_root;
use serde_json::{json, Value};
use shopify_sim::{SimConfig, SimHandle, Simulator};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// Where the hosts find the database URL.
pub const URL_ENV: &str = "WEFT_DATABASE_URL";

/// The deployment.
pub struct Deployment {
    /// Scratch directory: feed, plugins, secrets, configs, logs.
    pub dir: tempfile::TempDir,
    /// The simulator.
    pub sim: SimHandle,
    /// The database server (stopped when dropped).
    pub _pg: PgServer,
    /// The database's URL (password included: only ever in the environment).
    pub url: String,
    /// Keeps the simulator's runtime alive.
    _runtime: tokio::runtime::Runtime,
}

/// `[store]` lines of a host.
pub enum Backend {
    /// The embedded file under the deployment's `data/`.
    Redb,
    /// The deployment's PostgreSQL database.
    Postgres,
}

impl Deployment {
    /// Start the simulator and the database; lay out the ERP exchange folder with `dataset`'s
    /// files and the built file-feed plugin.
    pub fn new(dataset: &Path) -> Deployment {
        let dir = tempfile::tempdir().unwrap();
        let inbox = dir.path().join("erp-exchange/in");
        std::fs::create_dir_all(&inbox).unwrap();
        for entry in std::fs::read_dir(dataset).unwrap().flatten() {
            std::fs::copy(entry.path(), inbox.join(entry.file_name())).unwrap();
        }
        super::common::install_as_built(&dir.path().join("plugins"), "file-feed");
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let seed = serde_json::from_value(
            json!({"locations": [{"name": "WH-EAST"}, {"name": "WH-WEST"}, {"name": "WH-CENTRAL"}]}),
        )
        .unwrap();
        let sim = runtime
            .block_on(Simulator::start(SimConfig {
                seed,
                webhook_retry_base: Duration::from_millis(50),
                ..SimConfig::default()
            }))
            .unwrap();
        std::fs::create_dir_all(dir.path().join("secrets")).unwrap();
        std::fs::write(dir.path().join("secrets/shopify_access_token"), sim.token()).unwrap();
        std::fs::write(dir.path().join("secrets/shopify_webhook_secret"), SimConfig::default().webhook_secret).unwrap();
        let pg = PgServer::start();
        let url = pg.database();
        Deployment { dir, sim, _pg: pg, url, _runtime: runtime }
    }

    /// The sample dataset of `weft demo`.
    pub fn sample_dataset() -> PathBuf {
        repo_root().join("tests/fixtures/sample-dataset/in")
    }

    /// Write the config of a host listening on `listen` (extra `[store]` lines appended).
    pub fn config(&self, listen: &str, backend: Backend, store_extra: &str) -> PathBuf {
        let template = std::fs::read_to_string(repo_root().join("examples/demo/weft.toml")).unwrap();
        let dir = self.dir.path().display().to_string();
        let store = match backend {
            Backend::Redb => format!("path = \"{dir}/data\"\n{store_extra}"),
            Backend::Postgres => {
                format!("backend = \"postgres\"\nurl = {{ env = \"{URL_ENV}\" }}\npath = \"{dir}/data\"\n{store_extra}")
            }
        };
        // The chaos loop kills a host every few seconds, and a lease counts an attempt (as in any
        // job system: a crash cannot be told from a job that crashes its host), so every job the
        // killed host held has spent one: the demo's 4 inventory attempts are too few for that.
        let mut text = template
            .replace("max_attempts = 4,", "max_attempts = 12,")
            .replace("path = \"@DIR@/data\"", &store)
            .replace("@DIR@", &dir)
            .replace("@LISTEN@", listen)
            .replace("@SIM@", self.sim.base_url());
        for l in all(&self.sim.state(), "locations") {
            let (Some(name), Some(id)) = (l["name"].as_str(), l["id"].as_u64()) else { continue };
            text = text.replace(&format!("@LOCATION:{name}@"), &format!("gid://shopify/Location/{id}"));
        }
        let path = self.dir.path().join(format!("weft-{}.toml", listen.replace([':', '.'], "-")));
        std::fs::write(&path, text).unwrap();
        path
    }

    /// The environment of every weft process.
    pub fn envs(&self) -> Vec<(&str, &str)> {
        vec![(URL_ENV, self.url.as_str())]
    }

    /// Run `weft --config CONFIG ARGS`.
    pub fn weft(&self, config: &Path, args: &[&str]) -> Output {
        let out = Command::new(env!("CARGO_BIN_EXE_weft"))
            .arg("--config")
            .arg(config)
            .args(args)
            .envs(self.envs())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "weft {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    /// `weft ARGS --json` parsed.
    pub fn weft_json(&self, config: &Path, args: &[&str]) -> Value {
        let mut args = args.to_vec();
        args.push("--json");
        serde_json::from_slice(&self.weft(config, &args).stdout).unwrap()
    }

    /// Start a host on a free port with a config of its own.
    pub fn host(&self, backend: Backend, store_extra: &str) -> Host {
        let listen = format!("127.0.0.1:{}", free_port());
        let config = self.config(&listen, backend, store_extra);
        self.start(listen, config)
    }

    /// Start a host on a free port with the config `text(listen)` (a deployment of its own).
    pub fn host_with(&self, text: impl Fn(&str) -> String) -> Host {
        let listen = format!("127.0.0.1:{}", free_port());
        let path = self.dir.path().join(format!("weft-{}.toml", listen.replace([':', '.'], "-")));
        std::fs::write(&path, text(&listen)).unwrap();
        self.start(listen, path)
    }

    /// Start a host listening on `listen` with `config`.
    pub fn start(&self, listen: String, config: PathBuf) -> Host {
        let log = self.dir.path().join(format!("serve-{}.log", listen.replace([':', '.'], "-")));
        let serve = Serve::start(&config, &listen, &self.envs(), &log);
        Host { serve: Some(serve), config, listen, log }
    }

    /// Restart `host` (same config, address and log).
    pub fn restart(&self, host: &mut Host) {
        host.serve = Some(Serve::start(&host.config, &host.listen, &self.envs(), &host.log));
    }

    /// Wait until no job is ready or leased (dead letters may stay), `limit` at most.
    pub fn settle(&self, config: &Path, limit: Duration) {
        let started = Instant::now();
        loop {
            let status = self.weft_json(config, &["queue", "status"]);
            let busy: Vec<String> = status
                .as_object()
                .unwrap()
                .iter()
                .filter(|(_, s)| s["paused_since_ms"].is_null() && (s["ready"] != 0 || s["leased"] != 0))
                .map(|(f, s)| format!("{f}: {s}"))
                .collect();
            if busy.is_empty() {
                return;
            }
            assert!(started.elapsed() < limit, "not settled after {limit:?}: {busy:?}\n{}", self.log_tails());
            std::thread::sleep(Duration::from_millis(500));
        }
    }

    /// The last lines of every host's log, for a failure's message.
    pub fn log_tails(&self) -> String {
        let mut out = String::new();
        for entry in std::fs::read_dir(self.dir.path()).unwrap().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with("serve-") {
                let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
                let lines: Vec<&str> = text.lines().collect();
                out.push_str(&format!("--- {name}\n{}\n", lines[lines.len().saturating_sub(25)..].join("\n")));
            }
        }
        out
    }

    /// Wait for `done`, `limit` at most.
    pub fn wait(&self, what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
        let started = Instant::now();
        while !done() {
            assert!(started.elapsed() < limit, "timed out waiting for {what}");
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    /// The simulator's entries of table `key`.
    pub fn sim_all(&self, key: &str) -> Vec<Value> {
        all(&self.sim.state(), key)
    }
}

/// A `weft serve` host of the deployment.
pub struct Host {
    /// The process (None while killed).
    pub serve: Option<Serve>,
    /// Its config.
    pub config: PathBuf,
    /// Its address.
    pub listen: String,
    /// Its log.
    pub log: PathBuf,
}

impl Host {
    /// SIGKILL it.
    pub fn kill(&mut self) {
        if let Some(serve) = self.serve.take() {
            serve.kill();
        }
    }
}

/// Entries of a simulator state table, whether a list or a map by id.
pub fn all(state: &Value, key: &str) -> Vec<Value> {
    match &state[key] {
        Value::Array(a) => a.clone(),
        Value::Object(m) => m.values().cloned().collect(),
        _ => Vec::new(),
    }
}
