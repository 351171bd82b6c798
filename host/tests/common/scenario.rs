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
    /// Set up with the simulator at `endpoint` (its `token`), `server` (lines of the `[server]`
    /// table, like `listen = "127.0.0.1:8080"`) and `flows` (TOML appended after the
    /// connection `erp`).
    pub fn new(endpoint: &str, token: &str, server: &str, flows: &str) -> Scenario {
        let dir = tempfile::tempdir().unwrap();
        let feed = dir.path().join("feed");
        std::fs::create_dir_all(feed.join("in")).unwrap();
        super::install_as_built(&dir.path().join("plugins"), "file-feed");
        let config = dir.path().join("weft.toml");
        let text = format!(
            "[store]\npath = \"{data}\"\n[plugins]\ndir = \"{plugins}\"\n[server]\n{server}\n\
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

/// A `weft serve` holding real runs: an inventory flow into the simulator whose first run
/// (`weft run --once`) pushed two levels and dead-lettered a third (its ERP location `NOWHERE`
/// is not mapped and the flow fails unmapped locations), and a product flow. The simulator must
/// be seeded with `shopify_common::seed(3, 1)` (SKU-0-0.., location "Main").
pub struct ServedInventory {
    /// The deployment.
    pub scenario: Scenario,
    /// The server (killed when dropped).
    pub serve: super::engine::Serve,
    /// Its address.
    pub addr: String,
}

/// Set up and start [`ServedInventory`] with admin token `admin_token`.
pub fn served_inventory(sim: &shopify_sim::SimHandle, admin_token: &str) -> ServedInventory {
    let state = sim.state();
    let locations: Vec<serde_json::Value> = match &state["locations"] {
        serde_json::Value::Array(a) => a.clone(),
        serde_json::Value::Object(m) => m.values().cloned().collect(),
        _ => Vec::new(),
    };
    let main = locations.iter().find(|l| l["name"] == "Main").expect("a Main location")["id"].clone();
    let addr = format!("127.0.0.1:{}", super::engine::free_port());
    let flows = format!(
        "[flows.inventory]\nfrom = \"erp\"\nto = \"shopify\"\nobject = \"inventory\"\nunmapped_location = \"fail\"\nlocations = {{ WH = \"gid://shopify/Location/{main}\" }}\n\
         [flows.products]\nfrom = \"erp\"\nto = \"shopify\"\nobject = \"product\"\n"
    );
    let scenario = Scenario::new(sim.base_url(), sim.token(), &format!("listen = \"{addr}\"\nadmin_token = {{ env = \"WEFT_ADMIN_TOKEN\" }}"), &flows);
    scenario.feed_file(
        "inventory-1.csv",
        "sku,location,on_hand,reserved,incoming,safety_stock,updated_at\nSKU-0-0,WH,25,2,0,3,2026-11-26T06:00:00Z\nSKU-1-0,WH,4,0,0,0,2026-11-26T06:00:00Z\nSKU-2-0,NOWHERE,9,0,0,0,2026-11-26T06:00:00Z\n",
    );
    let out = scenario.command().env("WEFT_ADMIN_TOKEN", admin_token).args(["run", "inventory", "--once"]).output().unwrap();
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let serve = super::engine::Serve::start(&scenario.config, &addr, &[(TOKEN_ENV, sim.token()), ("WEFT_ADMIN_TOKEN", admin_token)], &scenario.path().join("serve.log"));
    ServedInventory { scenario, serve, addr }
}
