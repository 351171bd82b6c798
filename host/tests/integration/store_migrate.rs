//! `weft store migrate`: the demo's flows run on one redb host, the store moves into PostgreSQL
//! with a verification count, and `weft serve` on PostgreSQL carries on from there: nothing the
//! redb host wrote is written again, and new ERP data still lands.

use crate::cluster_support;
use crate::common;

use cluster_support::{Backend, Deployment, URL_ENV};
use std::time::Duration;

const WRITES: [&str; 4] = ["productSet", "customerSet", "orderCreate", "inventorySetQuantities"];

#[test]
fn the_demo_store_moves_into_postgres_and_serve_carries_on_without_duplicate_writes() {
    let d = Deployment::new(&Deployment::sample_dataset());
    let later = ["inventory", "external-orders"];
    let mut redb = {
        let listen = format!("127.0.0.1:{}", common::engine::free_port());
        let config = d.config(&listen, Backend::Redb, "");
        for flow in later {
            d.weft(&config, &["queue", "pause", flow]);
        }
        d.start(listen, config)
    };
    d.wait("the catalog and customers in Shopify", Duration::from_secs(300), || {
        d.sim_all("products").len() >= 298 && d.sim_all("customers").len() >= 119
    });
    d.settle(&redb.config, Duration::from_secs(120));
    for flow in later {
        d.weft(&redb.config, &["queue", "resume", flow]);
    }
    d.wait("the external orders in Shopify", Duration::from_secs(300), || d.sim_all("orders").len() >= 37);
    std::thread::sleep(Duration::from_secs(3));
    d.settle(&redb.config, Duration::from_secs(180));
    let status = redb.serve.take().unwrap().terminate();
    assert!(status.success(), "the redb host stops cleanly: {status:?}");
    let before = d.sim.counters().writes;
    for write in WRITES {
        assert!(before.get(write).copied().unwrap_or(0) > 0, "the redb host wrote {write}: {before:?}");
    }

    let (from, to) = (format!("redb:{}", d.dir.path().join("data").display()), format!("postgres:env:{URL_ENV}"));
    let migrate = ["store", "migrate", "--from", &from, "--to", &to, "--json"];
    let out = d.weft(&redb.config, &migrate);
    let verification: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(verification["verified"], true, "{verification}");
    for kind in ["ledger", "link", "run", "record", "cursor", "kv", "state", "tick"] {
        let counts = &verification["kinds"][kind];
        assert!(counts["source"].as_u64().unwrap() > 0, "{kind}: {verification}");
        assert_eq!(counts["source"], counts["target"], "{kind}");
    }
    let again = std::process::Command::new(env!("CARGO_BIN_EXE_weft")).args(migrate).envs(d.envs()).output().unwrap();
    assert!(!again.status.success(), "a second copy into the now full database is refused");
    assert!(String::from_utf8_lossy(&again.stderr).contains("migrate into an empty store"));

    // Same deployment, PostgreSQL store: every flow ticks again and finds nothing new to write.
    let postgres = d.host(Backend::Postgres, "");
    std::thread::sleep(Duration::from_secs(8));
    d.settle(&postgres.config, Duration::from_secs(120));
    let after = d.sim.counters().writes;
    for write in WRITES {
        assert_eq!(after.get(write), before.get(write), "{write} written again after the move: {after:?}");
    }
    // And it carries on: a new product and a stock change from the ERP land.
    std::fs::write(
        d.dir.path().join("erp-exchange/in/products-2.csv"),
        "product_id,product_sku,title,vendor,product_type,tags,status,option1_name,option1_value,option2_name,option2_value,variant_id,sku,barcode,price,compare_at_price,cost,weight_grams,updated_at\n\
         P9001,NEW-9001,Moved Mug,Northwind,Kitchen,kitchen,active,,,,,V9001-1,NEW-9001,4006381999991,12.00,,5.00,250,2026-12-01T08:00:00Z\n",
    )
    .unwrap();
    d.wait("the new product in Shopify", Duration::from_secs(120), || {
        d.sim_all("products").iter().any(|p| p["title"] == "Moved Mug")
    });
    d.settle(&postgres.config, Duration::from_secs(60));
    let last = d.sim.counters().writes;
    assert_eq!(
        last.get("productSet").copied(),
        before.get("productSet").map(|n| n + 1),
        "only the new product: {last:?}"
    );
    assert_eq!(last.get("orderCreate"), before.get("orderCreate"));
    assert_eq!(d.sim_all("products").len(), 299);
}
