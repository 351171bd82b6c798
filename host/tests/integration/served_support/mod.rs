//! A `weft serve` holding real runs, for the tests of the admin API and the dashboard.

use super::common::engine::{free_port, Serve};
use super::common::scenario::{Scenario, TOKEN_ENV};
use super::shopify_common;

/// A `weft serve` holding real runs: an inventory flow into the simulator whose first run
/// (`weft run --once`) pushed two levels and dead-lettered a third (its ERP location `NOWHERE`
/// is not mapped and the flow fails unmapped locations), and a product flow. The simulator must
/// be seeded with `shopify_common::seed(3, 1)` (SKU-0-0.., location "Main").
pub struct ServedInventory {
    /// The deployment.
    pub scenario: Scenario,
    /// The server (killed when dropped).
    pub _serve: Serve,
    /// Its address.
    pub addr: String,
}

/// Set up and start [`ServedInventory`] with admin token `admin_token`.
pub fn served_inventory(sim: &shopify_sim::SimHandle, admin_token: &str) -> ServedInventory {
    let main = shopify_common::location_gid(sim, "Main");
    let addr = format!("127.0.0.1:{}", free_port());
    let flows = format!(
        "[flows.inventory]\nfrom = \"erp\"\nto = \"shopify\"\nobject = \"inventory\"\nunmapped_location = \"fail\"\nlocations = {{ WH = \"{main}\" }}\n\
         [flows.products]\nfrom = \"erp\"\nto = \"shopify\"\nobject = \"product\"\n"
    );
    let scenario = Scenario::builder(sim)
        .server(&format!("listen = \"{addr}\"\nadmin_token = {{ env = \"WEFT_ADMIN_TOKEN\" }}"))
        .build(&flows);
    scenario.feed_file(
        "inventory-1.csv",
        "sku,location,on_hand,reserved,incoming,safety_stock,updated_at\nSKU-0-0,WH,25,2,0,3,2026-11-26T06:00:00Z\nSKU-1-0,WH,4,0,0,0,2026-11-26T06:00:00Z\nSKU-2-0,NOWHERE,9,0,0,0,2026-11-26T06:00:00Z\n",
    );
    let out =
        scenario.command().env("WEFT_ADMIN_TOKEN", admin_token).args(["run", "inventory", "--once"]).output().unwrap();
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let serve = Serve::start(
        &scenario.config,
        &addr,
        &[(TOKEN_ENV, sim.token()), ("WEFT_ADMIN_TOKEN", admin_token)],
        &scenario.path().join("serve.log"),
    );
    ServedInventory { scenario, _serve: serve, addr }
}
