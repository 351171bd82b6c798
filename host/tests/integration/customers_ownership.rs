//! Field ownership on customers, both ways: an ERP → Shopify flow never sends the fields the
//! flow gives to Shopify (a phone edited in Shopify survives the next sync, ERP tags are not
//! pushed), and a Shopify → ERP flow never sends the fields the ERP owns.

use crate::common;
use crate::shopify_common;

use common::scenario::Scenario;
use serde_json::{json, Value};

const HEADER: &str =
    "customer_id,email,first_name,last_name,phone,company,address1,address2,city,province_code,zip,country_code,tags\n";

fn customer(sim: &shopify_sim::SimHandle, email: &str) -> Value {
    shopify_common::all(&sim.state(), "customers")
        .into_iter()
        .find(|c| c["email"] == json!(email))
        .unwrap_or_else(|| panic!("no customer {email}"))
}

#[test]
fn customer_fields_owned_by_the_destination_are_never_sent() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim =
        rt.block_on(shopify_common::start(serde_json::from_value(json!({"locations": [{"name": "Main"}]})).unwrap()));
    let flows = "[flows.customers]\nfrom = \"erp\"\nto = \"shopify\"\nobject = \"customer\"\nownership = { phone = \"shopify\", customer_tags = \"shopify\" }\n\
                 [flows.customers-in]\nfrom = \"shopify\"\nto = \"erp\"\nobject = \"customer\"\nownership = { addresses = \"erp\", phone = \"erp\" }\n";
    let s = Scenario::builder(&sim).build(flows);
    s.feed_file(
        "customers-1.csv",
        &format!("{HEADER}C1,ada@example.com,Ada,Lovelace,+15550000001,,1 Main St,,Denver,CO,80202,US,vip\n"),
    );
    let (ok, out, err) = s.weft(&["run", "customers", "--once"]);
    assert!(ok, "{out}{err}");
    let c = customer(&sim, "ada@example.com");
    assert_eq!((c["first_name"].as_str(), c["last_name"].as_str()), (Some("Ada"), Some("Lovelace")), "{c}");
    assert_eq!(c["phone"], Value::Null, "the phone is Shopify's: {c}");
    assert_eq!(c["tags"], json!([]), "the tags are Shopify's: {c}");

    // The shopper sets a phone in Shopify; the ERP changes the last name and its own phone.
    let client = shopify_common::client(&sim);
    let set = json!({"input": {"phone": "+15559999999"}, "identifier": {"id": format!("gid://shopify/Customer/{}", c["id"])}});
    rt.block_on(client.execute(&weft::shopify::queries::CUSTOMER_SET, set, weft::shopify::Priority::Catalog))
        .expect("customerSet");
    s.feed_file(
        "customers-2.csv",
        &format!("{HEADER}C1,ada@example.com,Ada,King,+15550000002,,1 Main St,,Denver,CO,80202,US,vip;b2b\n"),
    );
    let (ok, out, err) = s.weft(&["run", "customers", "--once"]);
    assert!(ok, "{out}{err}");
    let c = customer(&sim, "ada@example.com");
    assert_eq!(c["last_name"], json!("King"), "the ERP's field is updated: {c}");
    assert_eq!(c["phone"], json!("+15559999999"), "Shopify's phone survives the sync: {c}");

    // Shopify → ERP: what the flow would push carries no address or phone (the ERP owns them).
    let record = json!({"Customer": {"external_id": "gid://shopify/Customer/77", "sku": null, "email": "grace@example.com", "first_name": "Grace", "last_name": "Hopper",
        "phone": "+15551112222", "company": null, "addresses": [{"first_name": null, "last_name": null, "company": null, "address1": "2 Navy Way", "address2": null,
        "city": "Arlington", "province_code": "VA", "zip": "22202", "country_code": "US", "phone": null}], "tags": ["navy"], "updated_at": null, "extra": "{}"}});
    let file = s.path().join("grace.json");
    std::fs::write(&file, record.to_string()).unwrap();
    let (ok, out, err) = s.weft(&["mapping", "preview", "customers-in", "--record", file.to_str().unwrap(), "--json"]);
    assert!(ok, "{out}{err}");
    let preview: Value = serde_json::from_str(&out).unwrap();
    let sent = &preview["writes"][0]["record"]["Customer"];
    assert_eq!((sent["phone"].clone(), sent["addresses"].clone()), (Value::Null, json!([])), "{preview:#}");
    assert_eq!((sent["first_name"].as_str(), sent["tags"].clone()), (Some("Grace"), json!(["navy"])), "{preview:#}");
}
