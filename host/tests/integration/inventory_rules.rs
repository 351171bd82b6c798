//! Available-quantity rules, table-driven: formula, safety stock, buffer (percent, units, min),
//! channel and location overrides, clamp at 0, and config errors that name the key.

use std::path::Path;
use weft::config::Config;
use weft::model::InventoryLevel;

const CONFIG: &str = r#"
[connections.erp]
plugin = "tryton"
[shopify]
shop = "t.myshopify.com"
access_token = { env = "NOPE" }
webhook_secret = { env = "NOPE" }
[flows.inventory]
from = "erp"
to = "shopify"
object = "inventory"
buffer = { percent = 10, min = 1 }
locations = { WH = "gid://shopify/Location/1", WH2 = "gid://shopify/Location/2", WH3 = "gid://shopify/Location/3", OUT = "gid://shopify/Location/4" }
[flows.inventory.channels.b2b]
locations = ["gid://shopify/Location/3"]
buffer = { percent = 0 }
[flows.inventory.channels.outlet]
locations = ["OUT"]
available = "on_hand + incoming - reserved"
[flows.inventory.location_overrides.WH2]
buffer = { units = 5 }
"#;

fn level(location: &str, on_hand: i64, reserved: i64, incoming: i64, safety: i64) -> InventoryLevel {
    InventoryLevel {
        external_id: format!("S@{location}"),
        sku: Some("S".into()),
        location: location.into(),
        on_hand,
        reserved,
        incoming,
        safety_stock: safety,
        updated_at: None,
        extra: "{}".into(),
    }
}

#[test]
fn buffer_safety_stock_and_channel_rules_give_the_expected_numbers() {
    let config = Config::parse(CONFIG, Path::new("weft.toml")).expect("config parses");
    let rules = config.flows["inventory"].rules().expect("rules compile");
    // (erp location, shopify location, on_hand, reserved, incoming, safety, expected, formula from, buffer from)
    let table = [
        // 100 - 0 - 0 = 100; 10% = 10 held -> 90
        ("WH", "gid://shopify/Location/1", 100, 0, 0, 0, 90, "flow", "flow"),
        // 50 - 5 - 5 = 40; 10% = 4 -> 36 (safety stock and reserved come off first)
        ("WH", "gid://shopify/Location/1", 50, 5, 0, 5, 36, "flow", "flow"),
        // 3: 10% rounds up to 1, min 1 -> 2
        ("WH", "gid://shopify/Location/1", 3, 0, 0, 0, 2, "flow", "flow"),
        // 1: min 1 held -> 0
        ("WH", "gid://shopify/Location/1", 1, 0, 0, 0, 0, "flow", "flow"),
        // oversold in the ERP: 2 - 7 = -5 -> clamped to 0
        ("WH", "gid://shopify/Location/1", 2, 7, 0, 0, 0, "flow", "flow"),
        // incoming does not count by default
        ("WH", "gid://shopify/Location/1", 10, 0, 50, 0, 9, "flow", "flow"),
        // location override WH2: 5 units held instead of the flow's 10%
        ("WH2", "gid://shopify/Location/2", 100, 0, 0, 0, 95, "flow", "location WH2"),
        ("WH2", "gid://shopify/Location/2", 4, 0, 0, 0, 0, "flow", "location WH2"),
        // channel b2b (by Shopify location): no buffer
        ("WH3", "gid://shopify/Location/3", 100, 10, 0, 0, 90, "flow", "channel b2b"),
        // channel outlet (by ERP location): its own formula, the flow's buffer
        ("OUT", "gid://shopify/Location/4", 10, 2, 10, 0, 16, "channel outlet", "flow"),
    ];
    for (erp, shop, on_hand, reserved, incoming, safety, want, formula_from, buffer_from) in table {
        let trace = rules.compute(&level(erp, on_hand, reserved, incoming, safety), shop).unwrap();
        assert_eq!(trace.available, want, "{erp} {on_hand}/{reserved}/{incoming}/{safety}: {:#?}", trace.lines());
        assert_eq!((trace.formula_from.as_str(), trace.buffer_from.as_str()), (formula_from, buffer_from), "{erp}");
        assert_eq!(trace.clamped, trace.raw - trace.held < 0);
        assert!(trace.lines().iter().any(|l| l.contains(&format!("available: {want}"))));
    }
}

#[test]
fn bad_rules_are_config_errors_naming_the_key() {
    let cases = [
        ("available = \"on_hand -\"", "flows.inventory.available"),
        ("buffer = { percent = 150 }", "flows.inventory.buffer"),
        ("buffer = { units = -1 }", "flows.inventory.buffer"),
        ("skip_if = \"erp.status ==\"", "flows.inventory.skip_if"),
        ("mapping = { colour = \"erp.title\" }", "flows.inventory.mapping.colour"),
        ("ownership = { colour = \"erp\" }", "flows.inventory.ownership.colour"),
        ("unmapped_location = \"explode\"", "unmapped_location"),
    ];
    for (line, key) in cases {
        let text = CONFIG.replace("buffer = { percent = 10, min = 1 }", line);
        let err = Config::parse(&text, Path::new("weft.toml")).expect_err(line).to_string();
        assert!(err.contains(key), "{line}: {err}");
    }
}
