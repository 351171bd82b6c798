//! An end-to-end scenario: a scratch directory with a file-feed ERP folder, the file-feed
//! plugin, and a `weft.toml` pointing at a simulator; run the real `weft` binary on it.

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

impl Scenario {
    /// Set up with `[server] listen` on `listen`, the simulator at `endpoint` (its `token`), and
    /// `flows` (TOML appended after the connection `erp`).
    pub fn new(endpoint: &str, token: &str, listen: &str, flows: &str) -> Scenario {
        let dir = tempfile::tempdir().unwrap();
        let feed = dir.path().join("feed");
        std::fs::create_dir_all(feed.join("in")).unwrap();
        super::install_as_built(&dir.path().join("plugins"), "file-feed");
        let config = dir.path().join("weft.toml");
        let text = format!(
            "[store]\npath = \"{data}\"\n[plugins]\ndir = \"{plugins}\"\n[server]\nlisten = \"{listen}\"\n\
             [shopify]\nshop = \"weft-sim.myshopify.com\"\napi_version = \"2026-04\"\nendpoint = \"{endpoint}\"\n\
             access_token = {{ env = \"{TOKEN_ENV}\" }}\nwebhook_secret = {{ env = \"{TOKEN_ENV}\" }}\n\
             [connections.erp]\nplugin = \"file-feed\"\ndirectory = \"{feed}\"\n{flows}",
            data = dir.path().join("data").display(),
            plugins = dir.path().join("plugins").display(),
            feed = feed.display(),
        );
        std::fs::write(&config, text).unwrap();
        Scenario { dir, config, feed, token: token.to_owned() }
    }

    /// Write an ERP export file into the feed's inbox.
    pub fn feed_file(&self, name: &str, content: &str) {
        std::fs::write(self.feed.join("in").join(name), content).unwrap();
    }

    /// Run `weft --config weft.toml ARGS`: (success, stdout, stderr).
    pub fn weft(&self, args: &[&str]) -> (bool, String, String) {
        let out = self.command().args(args).output().unwrap();
        (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
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
