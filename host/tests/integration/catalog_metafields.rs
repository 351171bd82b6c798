//! Managed metafields (issue 23): the ERP's values for the keys a flow lists are written with
//! `metafieldsSet` after their owners exist, typed by the shop's definition or the config; every
//! other metafield of the shop — another namespace, or an unmanaged key of the same namespace
//! set by hand — survives every sync; a value of the wrong type fails its record alone; a value
//! unchanged costs no call. Products and variants (one by one and in bulk), customers, external
//! orders; the config check's refusals. The real binary (`weft run`), the file-feed connector and
//! the simulator; external orders through the writer directly.

use crate::common;
use crate::shopify_common;

use common::scenario::Scenario;
use serde_json::{json, Value};
use shopify_sim::SimHandle;
use weft::shopify::{queries, Priority};

const HEADER: &str = "product_id,product_sku,title,option1_name,option1_value,sku,price,product.metafields.custom.material,Pack size (product.metafields.custom.pack_size),product.metafields.custom.care,variant.metafields.custom.fit\n";

const MANAGED: &str = "[flows.catalog.metafields.\"custom.material\"]\ntype = \"single_line_text_field\"\n\
                       [flows.catalog.metafields.\"custom.pack_size\"]\ntype = \"number_integer\"\n\
                       [flows.catalog.metafields.\"custom.fit\"]\ntype = \"single_line_text_field\"\nowner = \"variant\"\n";

fn run(s: &Scenario, flow: &str) -> String {
    let (ok, out, err) = s.weft(&["run", flow, "--once"]);
    assert!(ok, "{out}{err}");
    format!("{out}{err}")
}

fn dead_letters(s: &Scenario) -> Vec<(String, String)> {
    let (ok, out, err) = s.weft(&["dlq", "list", "--json"]);
    assert!(ok, "{out}{err}");
    let list: Vec<Value> = serde_json::from_str(&out).unwrap();
    list.iter()
        .map(|d| {
            (d["job"]["key"].as_str().unwrap_or("").to_owned(), d["error"]["message"].as_str().unwrap_or("").to_owned())
        })
        .collect()
}

/// The metafields the simulator holds on the `kind` (`Product`, `ProductVariant`, `Customer`,
/// `Order`) with id `id`, as `namespace.key` → (type, value).
fn metafields_of(sim: &SimHandle, kind: &str, id: &Value) -> std::collections::BTreeMap<String, (String, String)> {
    shopify_common::all(&sim.state(), "metafields")
        .into_iter()
        .filter(|m| m["owner_kind"] == json!(kind) && &m["owner_id"] == id)
        .map(|m| {
            let name = format!("{}.{}", m["namespace"].as_str().unwrap(), m["key"].as_str().unwrap());
            (name, (m["type_name"].as_str().unwrap().to_owned(), m["value"].as_str().unwrap().to_owned()))
        })
        .collect()
}

fn product_id(sim: &SimHandle, handle: &str) -> Value {
    let products = shopify_common::all(&sim.state(), "products");
    products.into_iter().find(|p| p["handle"] == json!(handle)).unwrap_or_else(|| panic!("no product {handle}"))["id"]
        .clone()
}

fn variant_id(sim: &SimHandle, sku: &str) -> Value {
    let variants = shopify_common::all(&sim.state(), "variants");
    variants.into_iter().find(|v| v["sku"] == json!(sku)).unwrap_or_else(|| panic!("no variant {sku}"))["id"].clone()
}

fn sets(sim: &SimHandle) -> u64 {
    sim.counters().writes.get("metafieldsSet").copied().unwrap_or(0)
}

/// Set metafields by hand (a merchant in the admin): (owner gid, namespace, key, value).
fn set_by_hand(sim: &SimHandle, values: &[(&str, &str, &str, &str)]) {
    let client = shopify_common::client(sim);
    let list: Vec<Value> = values
        .iter()
        .map(|(owner, ns, key, value)| json!({"ownerId": owner, "namespace": ns, "key": key, "type": "single_line_text_field", "value": value}))
        .collect();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let answer = rt.block_on(client.execute(&queries::METAFIELDS_SET, json!({"metafields": list}), Priority::Catalog));
    assert_eq!(answer.unwrap().data["metafieldsSet"]["userErrors"], json!([]));
}

fn string(type_name: &str, value: &str) -> (String, String) {
    (type_name.to_owned(), value.to_owned())
}

/// The whole story on a catalog flow with `extra` config; `bulk_lines`: how many products the
/// first sync creates in bulk.
fn managed_metafields_are_written_and_others_survive(extra: &str, bulk_lines: u64) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim =
        rt.block_on(shopify_common::start(serde_json::from_value(json!({"locations": [{"name": "Main"}]})).unwrap()));
    let s = Scenario::builder(&sim)
        .build(&format!("[flows.catalog]\nfrom = \"erp\"\nto = \"shopify\"\nobject = \"product\"\n{extra}\n{MANAGED}"));
    // SHIRT: every managed key, and `custom.care`, which the flow does not manage. MUG: a pack
    // size that is no integer. CAP: a material only.
    s.feed_file(
        "products-1.csv",
        &format!(
            "{HEADER}P1,SHIRT,Shirt,Size,S,SHIRT-S,19.90,Cotton,2,ERP care,Slim\nP1,SHIRT,Shirt,Size,M,SHIRT-M,19.90,Cotton,2,ERP care,Regular\n\
             P2,MUG,Mug,,,MUG-1,9.90,Ceramic,abc,,\nP3,CAP,Cap,,,CAP-1,14.90,Wool,,,\n"
        ),
    );
    run(&s, "catalog");
    assert_eq!(sim.counters().bulk_mutation_lines, bulk_lines);
    let (shirt, mug, cap) = (product_id(&sim, "shirt"), product_id(&sim, "mug"), product_id(&sim, "cap"));
    let shirt_mf = metafields_of(&sim, "Product", &shirt);
    assert_eq!(shirt_mf.get("custom.material"), Some(&string("single_line_text_field", "Cotton")), "{shirt_mf:?}");
    assert_eq!(shirt_mf.get("custom.pack_size"), Some(&string("number_integer", "2")), "{shirt_mf:?}");
    assert!(!shirt_mf.contains_key("custom.care"), "an unmanaged key the ERP sends is never written: {shirt_mf:?}");
    assert_eq!(
        metafields_of(&sim, "ProductVariant", &variant_id(&sim, "SHIRT-S")).get("custom.fit"),
        Some(&string("single_line_text_field", "Slim"))
    );
    assert_eq!(
        metafields_of(&sim, "ProductVariant", &variant_id(&sim, "SHIRT-M")).get("custom.fit"),
        Some(&string("single_line_text_field", "Regular"))
    );
    assert_eq!(
        metafields_of(&sim, "Product", &cap).get("custom.material"),
        Some(&string("single_line_text_field", "Wool"))
    );
    assert!(metafields_of(&sim, "Product", &mug).is_empty(), "the mug's values fail with its bad one");
    let dead = dead_letters(&s);
    assert_eq!(dead.len(), 1, "the mug alone fails: {dead:#?}");
    assert!(dead[0].1.contains("custom.pack_size") && dead[0].1.contains("abc"), "{dead:#?}");

    // A merchant sets metafields by hand: another namespace, and an unmanaged key of `custom`.
    let shirt_gid = format!("gid://shopify/Product/{shirt}");
    set_by_hand(&sim, &[(&shirt_gid, "reviews", "summary", "Loved it"), (&shirt_gid, "custom", "care", "Hand wash")]);

    // Second sync: the material changes, the mug's pack size is fixed.
    s.feed_file(
        "products-2.csv",
        &format!(
            "{HEADER}P1,SHIRT,Shirt,Size,S,SHIRT-S,19.90,Linen,2,ERP care,Slim\nP1,SHIRT,Shirt,Size,M,SHIRT-M,19.90,Linen,2,ERP care,Regular\n\
             P2,MUG,Mug,,,MUG-1,9.90,Ceramic,6,,\n"
        ),
    );
    let before = sets(&sim);
    run(&s, "catalog");
    assert_eq!(sets(&sim) - before, 1, "the changed values of the batch go in one call");
    let shirt_mf = metafields_of(&sim, "Product", &shirt);
    assert_eq!(shirt_mf.get("custom.material"), Some(&string("single_line_text_field", "Linen")));
    assert_eq!(shirt_mf.get("reviews.summary"), Some(&string("single_line_text_field", "Loved it")), "{shirt_mf:?}");
    assert_eq!(shirt_mf.get("custom.care"), Some(&string("single_line_text_field", "Hand wash")), "{shirt_mf:?}");
    assert_eq!(metafields_of(&sim, "Product", &mug).get("custom.pack_size"), Some(&string("number_integer", "6")));

    // Third sync: the title changes, no metafield does: productSet, and no metafieldsSet.
    s.feed_file(
        "products-3.csv",
        &format!(
            "{HEADER}P1,SHIRT,Shirt v2,Size,S,SHIRT-S,19.90,Linen,2,ERP care,Slim\nP1,SHIRT,Shirt v2,Size,M,SHIRT-M,19.90,Linen,2,ERP care,Regular\n"
        ),
    );
    let (before, product_sets) = (sets(&sim), sim.counters().writes.get("productSet").copied().unwrap_or(0));
    run(&s, "catalog");
    assert_eq!(sim.counters().writes.get("productSet").copied().unwrap_or(0), product_sets + 1, "the title is written");
    assert_eq!(sets(&sim), before, "unchanged values cost nothing");
    let shirt_mf = metafields_of(&sim, "Product", &shirt);
    assert_eq!(shirt_mf.len(), 4, "material, pack size and the two set by hand: {shirt_mf:?}");
    assert_eq!(shirt_mf.get("custom.care"), Some(&string("single_line_text_field", "Hand wash")));

    // Fourth sync: the ERP empties the shirt's material, so the value weft wrote is removed. The
    // cap's pack size, set by a person and never written by weft, stays though the ERP sends
    // none.
    let cap_gid = format!("gid://shopify/Product/{cap}");
    set_by_hand(&sim, &[(&cap_gid, "custom", "pack_size", "12")]);
    s.feed_file(
        "products-4.csv",
        &format!(
            "{HEADER}P1,SHIRT,Shirt v2,Size,S,SHIRT-S,19.90,,2,ERP care,Slim\nP1,SHIRT,Shirt v2,Size,M,SHIRT-M,19.90,,2,ERP care,Regular\n\
             P3,CAP,Cap,,,CAP-1,15.90,Wool,,,\n"
        ),
    );
    let before = sets(&sim);
    run(&s, "catalog");
    assert_eq!(sim.counters().writes.get("metafieldsDelete").copied(), Some(1), "one call removes it");
    assert_eq!(sets(&sim), before, "nothing else changed");
    let shirt_mf = metafields_of(&sim, "Product", &shirt);
    assert!(!shirt_mf.contains_key("custom.material"), "{shirt_mf:?}");
    assert_eq!(shirt_mf.len(), 3, "pack size and the two set by hand: {shirt_mf:?}");
    assert_eq!(
        metafields_of(&sim, "Product", &cap).get("custom.pack_size"),
        Some(&string("single_line_text_field", "12"))
    );
}

#[test]
fn one_by_one() {
    managed_metafields_are_written_and_others_survive("", 0);
}

#[test]
fn in_bulk() {
    managed_metafields_are_written_and_others_survive("bulk_above = 1", 3);
}

#[test]
fn a_definition_types_the_value_and_one_configured_is_created() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim =
        rt.block_on(shopify_common::start(serde_json::from_value(json!({"locations": [{"name": "Main"}]})).unwrap()));
    // The shop defines custom.material as a multi-line text; the config says single line.
    let client = shopify_common::client(&sim);
    let def = json!({"definition": {"ownerType": "PRODUCT", "namespace": "custom", "key": "material", "type": "multi_line_text_field", "name": "Material"}});
    let made = rt.block_on(client.execute(&queries::METAFIELD_DEFINITION_CREATE, def, Priority::Catalog)).unwrap();
    assert_eq!(made.data["metafieldDefinitionCreate"]["userErrors"], json!([]));
    let s = Scenario::builder(&sim).build(
        "[flows.catalog]\nfrom = \"erp\"\nto = \"shopify\"\nobject = \"product\"\n\
         [flows.catalog.metafields.\"custom.material\"]\ntype = \"single_line_text_field\"\n\
         [flows.catalog.metafields.\"custom.pack_size\"]\ntype = \"number_integer\"\ndefinition = true\n",
    );
    s.feed_file("products-1.csv", &format!("{HEADER}P1,SHIRT,Shirt,,,SHIRT-1,19.90,Cotton,2,,\n"));
    run(&s, "catalog");
    let mf = metafields_of(&sim, "Product", &product_id(&sim, "shirt"));
    assert_eq!(
        mf.get("custom.material"),
        Some(&string("multi_line_text_field", "Cotton")),
        "the shop's definition wins"
    );
    assert_eq!(mf.get("custom.pack_size"), Some(&string("number_integer", "2")));
    let defs: Vec<(String, String)> = shopify_common::all(&sim.state(), "metafield_definitions")
        .into_iter()
        .map(|d| {
            (
                format!("{}.{}", d["namespace"].as_str().unwrap(), d["key"].as_str().unwrap()),
                d["type_name"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(defs.contains(&("custom.pack_size".into(), "number_integer".into())), "created as configured: {defs:?}");
}

#[test]
fn customers_get_their_managed_metafields_and_keep_the_others() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim =
        rt.block_on(shopify_common::start(serde_json::from_value(json!({"locations": [{"name": "Main"}]})).unwrap()));
    let s = Scenario::builder(&sim).build(
        "[flows.customers]\nfrom = \"erp\"\nto = \"shopify\"\nobject = \"customer\"\n\
         [flows.customers.metafields.\"erp.credit_limit\"]\ntype = \"number_decimal\"\n",
    );
    let header =
        "customer_id,email,first_name,last_name,customer.metafields.erp.credit_limit,customer.metafields.erp.notes\n";
    s.feed_file(
        "customers-1.csv",
        &format!("{header}C1,ada@example.com,Ada,Lovelace,2500.00,secret\nC2,bob@example.com,Bob,Byte,lots,\n"),
    );
    run(&s, "customers");
    let customer = |email: &str| {
        shopify_common::all(&sim.state(), "customers").into_iter().find(|c| c["email"] == json!(email)).unwrap()["id"]
            .clone()
    };
    let (ada, bob) = (customer("ada@example.com"), customer("bob@example.com"));
    let mf = metafields_of(&sim, "Customer", &ada);
    assert_eq!(mf.get("erp.credit_limit"), Some(&string("number_decimal", "2500.00")));
    assert!(!mf.contains_key("erp.notes"), "unmanaged: {mf:?}");
    assert!(metafields_of(&sim, "Customer", &bob).is_empty());
    let dead = dead_letters(&s);
    assert_eq!(dead.len(), 1, "{dead:#?}");
    assert!(dead[0].1.contains("erp.credit_limit") && dead[0].1.contains("lots"), "{dead:#?}");

    set_by_hand(&sim, &[(&format!("gid://shopify/Customer/{ada}"), "erp", "notes", "VIP")]);
    s.feed_file("customers-2.csv", &format!("{header}C1,ada@example.com,Ada,King,3000.00,\n"));
    run(&s, "customers");
    let mf = metafields_of(&sim, "Customer", &ada);
    assert_eq!(mf.get("erp.credit_limit"), Some(&string("number_decimal", "3000.00")));
    assert_eq!(mf.get("erp.notes"), Some(&string("single_line_text_field", "VIP")), "set by hand, kept");
}

#[test]
fn config_check_refuses_keys_that_cannot_take_effect() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim =
        rt.block_on(shopify_common::start(serde_json::from_value(json!({"locations": [{"name": "Main"}]})).unwrap()));
    let main = shopify_common::location_gid(&sim, "Main");
    let s = Scenario::builder(&sim).build(&format!(
        "[flows.catalog]\nfrom = \"erp\"\nto = \"shopify\"\nobject = \"product\"\n\
         [flows.catalog.metafields.\"custom.material\"]\ntype = \"text\"\n\
         [flows.catalog.metafields.\"material\"]\ntype = \"single_line_text_field\"\n\
         [flows.catalog.metafields.\"custom.tier\"]\ntype = \"single_line_text_field\"\nowner = \"customer\"\n\
         [flows.stock]\nfrom = \"erp\"\nto = \"shopify\"\nobject = \"inventory\"\nlocations = {{ WH = \"{main}\" }}\n\
         [flows.stock.metafields.\"custom.bin\"]\ntype = \"single_line_text_field\"\n\
         [flows.customers-in]\nfrom = \"shopify\"\nto = \"erp\"\nobject = \"customer\"\n\
         [flows.customers-in.metafields.\"custom.tier\"]\ntype = \"single_line_text_field\"\n\
         [flows.customers]\nfrom = \"erp\"\nto = \"shopify\"\nobject = \"customer\"\nownership = {{ metafields = \"erp\" }}\n"
    ));
    let (ok, out, err) = s.weft(&["config", "check"]);
    assert!(!ok, "{out}{err}");
    let text = format!("{out}{err}");
    for (key, why) in [
        ("flows.catalog.metafields.\"custom.material\".type", "`text` is not a Shopify metafield type"),
        ("flows.catalog.metafields.\"material\"", "is not `namespace.key`"),
        ("flows.catalog.metafields.\"custom.tier\".owner", "`customer` cannot take effect on a product flow"),
        ("flows.stock.metafields.\"custom.bin\"", "cannot take effect"),
        ("flows.customers-in.metafields.\"custom.tier\"", "out of Shopify"),
        ("flows.customers.ownership.metafields", "has no effect"),
    ] {
        let line = text.lines().find(|l| l.contains(key)).unwrap_or_else(|| panic!("no finding for {key}:\n{text}"));
        assert!(line.contains(why) || text.contains(why), "{key}: {line}\n{text}");
    }
}

#[test]
fn external_orders_get_their_managed_metafields_once_created() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let seed = json!({"locations": [{"name": "Main"}], "products": [
        {"title": "Mug", "variants": [{"sku": "MUG", "price": "10.00", "inventory": {"Main": 100}}]}]});
    let sim = rt.block_on(shopify_common::start(serde_json::from_value(seed).unwrap()));
    let s = Scenario::builder(&sim).build(
        "[flows.orders]\nfrom = \"erp\"\nto = \"shopify\"\nobject = \"order\"\n\
         [flows.orders.metafields.\"erp.channel_ref\"]\ntype = \"single_line_text_field\"\n\
         [flows.orders.metafields.\"erp.weight_kg\"]\ntype = \"number_integer\"\n",
    );
    let header = "order_id,name,source,email,currency,created_at,financial_status,line_id,sku,title,quantity,unit_price,total,order.metafields.erp.channel_ref,order.metafields.erp.weight_kg,order.metafields.erp.internal\n";
    s.feed_file(
        "orders-1.csv",
        &format!(
            "{header}E1,AMZ-1,amazon,ann@example.com,USD,2026-11-02T10:00:00Z,paid,E1-1,MUG,Mug,2,10.00,20.00,AMZ-111,3,x\n\
             E2,AMZ-2,amazon,bob@example.com,USD,2026-11-02T10:00:00Z,paid,E2-1,MUG,Mug,1,10.00,10.00,AMZ-222,heavy,\n"
        ),
    );
    run(&s, "orders");
    let orders = shopify_common::all(&sim.state(), "orders");
    assert_eq!(orders.len(), 2, "both orders are created, the one with a bad value too: {orders:#?}");
    let ids: Vec<Value> = orders.iter().map(|o| o["id"].clone()).collect();
    let with: Vec<_> = ids.iter().map(|id| metafields_of(&sim, "Order", id)).collect();
    let good = with.iter().find(|m| m.contains_key("erp.channel_ref")).expect("E1's metafields");
    assert_eq!(good.get("erp.channel_ref"), Some(&string("single_line_text_field", "AMZ-111")));
    assert_eq!(good.get("erp.weight_kg"), Some(&string("number_integer", "3")));
    assert!(!good.contains_key("erp.internal"), "unmanaged: {good:?}");
    assert_eq!(with.iter().filter(|m| m.is_empty()).count(), 1, "E2's values fail with its bad one");
    let dead = dead_letters(&s);
    assert_eq!(dead.len(), 1, "{dead:#?}");
    assert!(dead[0].1.contains("erp.weight_kg") && dead[0].1.contains("heavy"), "{dead:#?}");
}
