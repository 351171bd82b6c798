//! An end-to-end scenario: a scratch directory with a file-feed ERP folder, the file-feed
//! plugin, and a `weft.toml` pointing at a simulator; run the real `weft` binary on it.

use shopify_sim::SimHandle;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The simulator's access token, passed to weft through this environment variable.
pub const TOKEN_ENV: &str = "WEFT_TEST_TOKEN";

/// A scratch deployment of weft against a simulator and a file-feed ERP.
pub struct Scenario {
    /// The scratch directory (removed when dropped).
    pub dir: tempfile::TempDir,
    /// `weft.toml`.
    pub config: PathBuf,
    /// The file-feed folder (write ERP exports to `feed/in`).
    pub feed: PathBuf,
    token: String,
}

/// How a [`Scenario`]'s `weft.toml` is written: `[store]`, `[plugins]`, `[server]` (only with
/// server lines), `[shopify]` at the simulator, `[connections.erp]` on the file feed, then the
/// flows.
pub struct Builder {
    endpoint: String,
    token: String,
    server: Option<String>,
    webhook_secret_env: String,
}

impl Builder {
    /// Lines of the `[server]` table, like `listen = "127.0.0.1:8080"`; without them the config
    /// has no `[server]` table.
    pub fn server(mut self, lines: &str) -> Builder {
        self.server = Some(lines.to_owned());
        self
    }

    /// The environment variable holding Shopify's webhook secret (default [`TOKEN_ENV`]).
    pub fn webhook_secret_env(mut self, var: &str) -> Builder {
        self.webhook_secret_env = var.to_owned();
        self
    }

    /// Write the deployment with `flows` (TOML appended after the connection `erp`).
    pub fn build(self, flows: &str) -> Scenario {
        let dir = tempfile::tempdir().unwrap();
        let feed = dir.path().join("feed");
        std::fs::create_dir_all(feed.join("in")).unwrap();
        super::install_as_built(&dir.path().join("plugins"), "file-feed");
        let server = self.server.map(|lines| format!("[server]\n{lines}\n")).unwrap_or_default();
        let config = dir.path().join("weft.toml");
        let text = format!(
            "[store]\npath = \"{data}\"\n[plugins]\ndir = \"{plugins}\"\n{server}\
             [shopify]\nshop = \"weft-sim.myshopify.com\"\napi_version = \"2026-04\"\nendpoint = \"{endpoint}\"\n\
             access_token = {{ env = \"{TOKEN_ENV}\" }}\nwebhook_secret = {{ env = \"{secret}\" }}\n\
             [connections.erp]\nplugin = \"file-feed\"\ndirectory = \"{feed}\"\n{flows}",
            data = dir.path().join("data").display(),
            plugins = dir.path().join("plugins").display(),
            endpoint = self.endpoint,
            secret = self.webhook_secret_env,
            feed = feed.display(),
        );
        std::fs::write(&config, text).unwrap();
        Scenario { dir, config, feed, token: self.token }
    }
}

impl Scenario {
    /// Start describing a deployment against `sim`.
    pub fn builder(sim: &SimHandle) -> Builder {
        Builder {
            endpoint: sim.base_url().to_owned(),
            token: sim.token().to_owned(),
            server: None,
            webhook_secret_env: TOKEN_ENV.to_owned(),
        }
    }

    /// Write an ERP export file into the feed's inbox.
    pub fn feed_file(&self, name: &str, content: &str) {
        std::fs::write(self.feed.join("in").join(name), content).unwrap();
    }

    /// Run `weft --config weft.toml ARGS`: (success, stdout, stderr).
    pub fn weft(&self, args: &[&str]) -> (bool, String, String) {
        let out = self.command().args(args).output().unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// The `weft` command with the config and the token set.
    pub fn command(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_weft"));
        cmd.arg("--config").arg(&self.config).env(TOKEN_ENV, &self.token);
        cmd
    }

    /// The scratch directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}
