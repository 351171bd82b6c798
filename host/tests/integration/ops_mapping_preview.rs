//! The mapping view and its live preview: `weft mapping preview` shows, for the first record of
//! the source, exactly the product fields the flow then writes to the simulator, the fields
//! ownership drops, and a mapping error; `weft mapping show` lists source → target with owner.

use crate::common;
use crate::shopify_common;

use common::scenario::Scenario;
use serde_json::{json, Value};

const PRODUCTS: &str = "product_id,product_sku,title,vendor,product_type,tags,status,option1_name,option1_value,option2_name,option2_value,variant_id,sku,barcode,price,compare_at_price,cost,weight_grams,updated_at\n\
P1,TEE-1,Blue Tee,Northwind,Apparel,summer;cotton,active,Size,M,,,V1-M,TEE-1-M,400000000001,19.90,24.00,7.10,180,2026-11-20T08:00:00Z\n\
P1,TEE-1,Blue Tee,Northwind,Apparel,summer;cotton,active,Size,L,,,V1-L,TEE-1-L,400000000002,21.90,,7.30,200,2026-11-20T08:00:00Z\n";

const FLOW: &str = "[flows.products]\nfrom = \"erp\"\nto = \"shopify\"\nobject = \"product\"\n\
[flows.products.mapping]\ntitle = \"erp.title + ' by ' + erp.vendor\"\nproduct_type = \"erp.product_type + ' / Tees'\"\n\
[flows.products.ownership]\nvendor = \"shopify\"\n";

fn preview(s: &Scenario, extra: &[&str]) -> Value {
    let mut args = vec!["mapping", "preview", "products", "--json"];
    args.extend_from_slice(extra);
    let (_, out, err) = s.weft(&args);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("preview JSON: {e}\n{out}\n{err}"))
}

#[test]
fn preview_shows_exactly_what_the_flow_writes() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim =
        rt.block_on(shopify_common::start(serde_json::from_value(json!({"locations": [{"name": "Main"}]})).unwrap()));
    let s = Scenario::builder(&sim).build(FLOW);
    s.feed_file("products.csv", PRODUCTS);

    let (ok, out, err) = s.weft(&["mapping", "show", "products"]);
    assert!(ok, "{out}{err}");
    let title_row =
        out.lines().find(|l| l.contains("erp.title + ' by ' + erp.vendor")).unwrap_or_else(|| panic!("{out}"));
    assert!(title_row.contains("title") && title_row.contains("erp") && title_row.ends_with("true"), "{title_row}");
    let vendor_row = out.lines().find(|l| l.starts_with("erp.vendor")).unwrap_or_else(|| panic!("{out}"));
    assert!(vendor_row.contains("shopify") && vendor_row.ends_with("false"), "{vendor_row}");

    let p = preview(&s, &[]);
    assert_eq!(p["error"], Value::Null, "{p:#}");
    let write = &p["writes"][0];
    assert_eq!(write["operation"], json!("productSet"));
    assert_eq!(write["dropped"], json!(["tags", "vendor"]), "vendor by config, tags by default: {write:#}");
    let input = &write["input"];
    assert_eq!(input["title"], json!("Blue Tee by Northwind"));
    assert!(input.get("vendor").is_none() && input.get("tags").is_none(), "{input:#}");
    assert_eq!(sim.counters().writes.values().sum::<u64>(), 0, "a preview writes nothing");

    let (ok, out, err) = s.weft(&["run", "products", "--once"]);
    assert!(ok, "{out}{err}");
    let state = sim.state();
    let product = shopify_common::all(&state, "products")
        .into_iter()
        .find(|p| p["handle"] == json!(write["handle"].as_str().unwrap()))
        .expect("the product was written");
    assert_eq!(product["title"], input["title"]);
    assert_eq!(product["product_type"], input["productType"]);
    assert_eq!(product["status"].as_str().map(str::to_uppercase), input["status"].as_str().map(str::to_owned));
    let mut written: Vec<(Value, Value, Value)> = shopify_common::all(&state, "variants")
        .into_iter()
        .filter(|v| v["product_id"] == product["id"])
        .map(|v| (v["sku"].clone(), v["price"].clone(), v["compare_at_price"].clone()))
        .collect();
    let mut previewed: Vec<(Value, Value, Value)> = input["variants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["sku"].clone(), v["price"].clone(), v.get("compareAtPrice").cloned().unwrap_or(Value::Null)))
        .collect();
    written.sort_by_key(|v| v.0.to_string());
    previewed.sort_by_key(|v| v.0.to_string());
    assert_eq!(written, previewed, "the variants written are the variants previewed");

    // A pasted record that breaks the mapping shows the error and writes nothing.
    let mut record = p["record"].clone();
    record["Product"]["vendor"] = json!(null);
    let file = s.path().join("record.json");
    std::fs::write(&file, record.to_string()).unwrap();
    let writes_before = sim.counters().writes.values().sum::<u64>();
    let bad = preview(&s, &["--record", file.to_str().unwrap()]);
    assert_eq!(bad["source"], json!("given"));
    assert!(bad["error"]["message"].as_str().unwrap_or("").contains("mapping.title"), "{bad:#}");
    assert_eq!(sim.counters().writes.values().sum::<u64>(), writes_before);
}
