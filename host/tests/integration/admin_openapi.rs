//! The admin API answers as `host/openapi.json` describes: every operation of the document is
//! called on a real `weft serve` holding real runs, records and dead letters, each status is
//! one the document lists for it, and each JSON body validates against its schema.

use crate::common;
use crate::served_support;
use crate::shopify_common;

use common::engine::wait_for;
use serde_json::{json, Value};
use served_support::served_inventory;
use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

const ADMIN_TOKEN: &str = "admin-secret-for-the-openapi-test";

fn call(addr: &str, method: &str, path: &str, body: Option<&Value>, token: Option<&str>) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let body = body.map(Value::to_string).unwrap_or_default();
    let auth = token.map(|t| format!("authorization: Bearer {t}\r\n")).unwrap_or_default();
    write!(stream, "{method} {path} HTTP/1.1\r\nhost: {addr}\r\n{auth}content-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}", body.len()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status =
        response.split_whitespace().nth(1).unwrap_or_else(|| panic!("{method} {path}: no answer")).parse().unwrap();
    (status, response.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default())
}

/// The document's (template, method) that `path` matches.
fn operation<'a>(spec: &'a Value, method: &str, path: &str) -> Option<(String, &'a Value)> {
    let path = path.split('?').next().unwrap();
    let segments: Vec<&str> = path.split('/').collect();
    spec["paths"].as_object().unwrap().iter().find_map(|(template, item)| {
        let parts: Vec<&str> = template.split('/').collect();
        let matches =
            parts.len() == segments.len() && parts.iter().zip(&segments).all(|(t, s)| t.starts_with('{') || t == s);
        let op = item.get(method.to_lowercase())?;
        matches.then(|| (format!("{method} {template}"), op))
    })
}

fn check(
    spec: &Value,
    addr: &str,
    method: &str,
    path: &str,
    body: Option<&Value>,
    token: Option<&str>,
    seen: &mut BTreeSet<String>,
) -> (u16, Value) {
    let (status, text) = call(addr, method, path, body, token);
    let (name, op) = operation(spec, method, path)
        .unwrap_or_else(|| panic!("{method} {path} answered {status} but is not in openapi.json"));
    let response = op["responses"]
        .get(status.to_string())
        .unwrap_or_else(|| panic!("{name}: status {status} is not documented ({text})"));
    seen.insert(name.clone());
    let Some(schema) = response["content"].get("application/json").map(|c| &c["schema"]) else {
        assert!(
            response["content"].get("text/plain").is_some() && text.contains("# TYPE weft_records_total counter"),
            "{name}: not Prometheus text: {text}"
        );
        return (status, Value::String(text));
    };
    let value: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: not JSON: {e}: {text}"));
    let mut rooted = schema.clone();
    rooted["components"] = spec["components"].clone();
    let validator =
        jsonschema::validator_for(&rooted).unwrap_or_else(|e| panic!("{name}: schema does not compile: {e}"));
    let errors: Vec<String> =
        validator.iter_errors(&value).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(errors.is_empty(), "{name} ({status}) does not match its schema:\n{}\n{value:#}", errors.join("\n"));
    (status, value)
}

#[test]
fn every_operation_answers_as_documented() {
    let spec: Value =
        serde_json::from_str(&std::fs::read_to_string(common::repo_root().join("host/openapi.json")).unwrap()).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim = rt.block_on(shopify_common::start(shopify_common::seed(3, 1)));
    let served = served_inventory(&sim, ADMIN_TOKEN);
    let addr = served.addr.clone();
    let t = Some(ADMIN_TOKEN);
    let mut seen = BTreeSet::new();
    let mut go = |method: &str, path: &str, body: Option<&Value>| check(&spec, &addr, method, path, body, t, &mut seen);

    let (_, flows) = go("GET", "/api/flows", None);
    assert_eq!(flows.as_array().unwrap().len(), 2);
    let inventory = flows.as_array().unwrap().iter().find(|f| f["name"] == json!("inventory")).unwrap();
    assert_eq!(
        (inventory["records"].as_u64(), inventory["failed"].as_u64()),
        (Some(3), Some(1)),
        "2 pushed + 1 dead (a pull is not a record): {inventory:#}"
    );
    assert_eq!(go("GET", "/api/flows/inventory", None).1["name"], json!("inventory"));
    assert_eq!(go("GET", "/api/flows/nope", None).0, 404);
    let (_, runs) = go("GET", "/api/runs?flow=inventory&limit=10", None);
    // The run of the unmapped level: it failed in its page and went on alone (`flow::engine::pages`).
    let run = runs.as_array().unwrap().iter().find(|r| r["counts"]["dead"] == json!(1)).expect("the dead level's run");
    let run_id = run["id"].as_u64().unwrap();
    let status = run["status"].as_str().unwrap();
    assert_eq!(go("GET", &format!("/api/runs?status={status}&before={}", run_id + 1), None).1[0]["id"], json!(run_id));
    let started = run["started_ms"].as_u64().unwrap();
    assert_eq!(go("GET", &format!("/api/runs?since={started}&until={}", started + 1), None).1[0]["id"], json!(run_id));
    assert_eq!(go("GET", "/api/runs?status=bogus", None).0, 400);
    assert_eq!(go("GET", &format!("/api/runs/{run_id}?records"), None).1["run"]["id"], json!(run_id));
    assert_eq!(go("GET", "/api/runs/999999", None).0, 404);
    let (_, failed) = go("GET", &format!("/api/runs/{run_id}/records?outcome=failed"), None);
    assert_eq!(failed["total"], json!(1), "{failed:#}");
    let record = &failed["records"][0];
    assert!(record["error"].as_str().unwrap().contains("NOWHERE"), "{record:#}");
    let seq = record["seq"].as_u64().unwrap();
    assert_eq!(go("GET", &format!("/api/runs/{run_id}/records/{seq}"), None).1["key"], record["key"]);
    assert_eq!(go("GET", &format!("/api/runs/{run_id}/records/9999"), None).0, 404);
    // The calls of the run that wrote the page's two good levels.
    let written = runs.as_array().unwrap().iter().find(|r| r["counts"]["updated"] == json!(2)).expect("the page's run");
    let written = written["id"].as_u64().unwrap();
    // One of its two records is SKU-1-0's.
    assert_eq!(go("GET", &format!("/api/runs/{written}/records?q=SKU-1-0"), None).1["total"], json!(1));
    let (_, calls) = go("GET", &format!("/api/runs/{written}/calls?limit=1"), None);
    assert_eq!(calls["calls"][0]["kind"], json!("shopify"), "{calls:#}");
    let next = calls["next"].as_u64().expect("more than one call: a next page");
    assert_eq!(go("GET", &format!("/api/runs/{written}/calls?after={next}&record=0"), None).0, 200);
    assert_eq!(go("GET", &format!("/api/runs/{written}/calls?record=9999"), None).0, 404);
    let key = record["key"].as_str().unwrap().to_owned();
    assert_eq!(go("GET", &format!("/api/records?key={key}"), None).1[0]["key"], json!(key));
    assert_eq!(go("GET", "/api/records", None).0, 400);
    let (_, lineage) = go("GET", &format!("/api/lineage?key={key}"), None);
    assert_eq!(lineage["dead"].as_array().unwrap().len(), 1, "{lineage:#}");
    assert!(lineage["steps"][0]["record"]["source"].as_str().unwrap().starts_with("schedule "), "{lineage:#}");
    let (_, dlq) = go("GET", "/api/dlq?flow=inventory", None);
    let job = dlq[0]["job"]["id"].as_u64().unwrap();
    assert_eq!(go("POST", &format!("/api/dlq/{job}/discard"), Some(&json!({"reason": ""}))).0, 400);
    assert_eq!(go("POST", &format!("/api/dlq/{job}/retry"), None).1["requeued"], json!(1));
    wait_for(Duration::from_secs(30), "the retried job to be dead again", || {
        call(&addr, "GET", "/api/dlq?flow=inventory", None, t).1.contains("NOWHERE")
    });
    let open =
        |addr: &str| serde_json::from_str::<Value>(&call(addr, "GET", "/api/dlq?status=open", None, t).1).unwrap();
    let dead = open(&addr)[0].clone();
    let job = dead["job"]["id"].as_u64().unwrap();
    // Unknown ids are refused, not answered "0 requeued".
    assert_eq!(go("POST", "/api/dlq/999999/retry", None).0, 404);
    assert_eq!(go("POST", "/api/dlq/retry", Some(&json!({"ids": [job, 999999]}))).0, 404);
    assert_eq!(go("POST", "/api/dlq/discard", Some(&json!({"ids": [999999], "reason": "gone"}))).0, 404);
    assert_eq!(go("POST", "/api/dlq/discard", Some(&json!({"ids": [], "reason": "gone"}))).0, 400);
    assert_eq!(go("GET", "/api/dlq?status=bogus", None).0, 422);
    assert_eq!(go("GET", "/api/dlq?q=nowhere&status=open", None).1.as_array().map(Vec::len), Some(1));
    assert_eq!(go("GET", "/api/dlq?q=no-such-text", None).1, json!([]));
    assert_eq!(go("GET", &format!("/api/dlq?since={}", dead["dead_ms"].as_u64().unwrap() + 1), None).1, json!([]));
    // Edit and retry: an edit that is not an inventory level is refused; a valid one is retried
    // as a new job (here to another unmapped location, so it fails again), the original kept.
    let (status, refused) = go("POST", &format!("/api/dlq/{job}/edit"), Some(&json!({"record": {"on_hand": "nine"}})));
    assert_eq!(status, 422, "{refused}");
    assert_eq!(go("POST", "/api/dlq/999999/edit", Some(&json!({"record": {}}))).0, 404);
    let mut level = dead["job"]["payload"]["record"]["InventoryLevel"].clone();
    level["location"] = json!("ELSEWHERE");
    let (status, edited) =
        go("POST", &format!("/api/dlq/{job}/edit"), Some(&json!({"record": level, "note": "moved"})));
    assert_eq!(status, 200, "{edited}");
    assert_ne!(edited["job"], json!(job));
    assert_eq!(go("POST", &format!("/api/dlq/{job}/retry"), None).0, 409, "settled by the edit");
    let (_, kept) = go("GET", "/api/dlq?status=edited", None);
    assert_eq!(kept[0]["job"]["payload"]["record"]["InventoryLevel"]["location"], json!("NOWHERE"), "{kept:#}");
    assert_eq!(kept[0]["edit"]["payload"]["record"]["InventoryLevel"]["location"], json!("ELSEWHERE"), "{kept:#}");
    wait_for(Duration::from_secs(30), "the edited job to be dead", || open(&addr).to_string().contains("ELSEWHERE"));
    let job = open(&addr)[0]["job"]["id"].as_u64().unwrap();
    assert_eq!(job, edited["job"].as_u64().unwrap());
    assert_eq!(
        go("POST", "/api/dlq/discard", Some(&json!({"ids": [job], "reason": "warehouse closed"}))).1["discarded"],
        json!(1)
    );
    assert_eq!(go("POST", &format!("/api/dlq/{job}/discard"), Some(&json!({"reason": "again"}))).0, 409);
    assert_eq!(go("GET", "/api/dlq?status=discarded", None).1[0]["discarded"], json!("warehouse closed"));
    assert_eq!(
        go("POST", "/api/dlq/retry?flow=inventory", None).1["requeued"],
        json!(0),
        "a discarded job is not retried"
    );
    assert_eq!(go("POST", "/api/flows/inventory/pause", None).1["paused"], json!(true));
    assert!(go("GET", "/api/queues", None).1["inventory"]["paused_since_ms"].is_u64());
    assert_eq!(go("POST", "/api/flows/inventory/resume", None).1["paused"], json!(false));
    assert_eq!(go("POST", "/api/queues/inventory/pause", None).1["paused"], json!(true));
    assert_eq!(go("POST", "/api/queues/inventory/resume", None).1["paused"], json!(false));
    assert_eq!(go("POST", "/api/flows/nope/pause", None).0, 404);
    assert_eq!(go("POST", "/api/flows/inventory/run", None).1["enqueued"], json!(1));
    let (_, mapping) = go("GET", "/api/flows/products/mapping", None);
    assert!(mapping["rows"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["target"] == json!("tags") && r["owner"] == json!("shopify")));
    let (status, preview) = go("POST", "/api/flows/inventory/preview", Some(&json!({})));
    assert_eq!(status, 200, "{preview:#}");
    assert_eq!(preview["writes"][0]["operation"], json!("inventorySetQuantities"), "{preview:#}");
    assert_eq!(go("POST", "/api/flows/products/preview", Some(&json!({"record": {"Nonsense": 1}}))).0, 422);
    // `"record": null` (what `weft mapping preview` sent without --record) samples the source too.
    assert_eq!(go("POST", "/api/flows/inventory/preview", Some(&json!({"record": null}))).0, 200);
    let (_, explained) = go("GET", "/api/explain/inventory?sku=SKU-0-0", None);
    assert!(explained[0]["lines"].as_array().is_some_and(|l| !l.is_empty()), "{explained:#}");
    assert_eq!(go("GET", "/api/explain/inventory?sku=SKU-0-0&location=NOPE", None).0, 404);
    assert_eq!(go("GET", "/api/explain/inventory", None).0, 400);
    // Reconcile through the server: the feed's two mapped levels were pushed, so no drift; the
    // unmapped one is a rejected record.
    let (status, report) = go("POST", "/api/reconcile", Some(&json!({"flow": "inventory"})));
    assert_eq!(status, 200, "{report:#}");
    assert_eq!(
        (report["summary"]["compared"].as_u64(), report["summary"]["drifted"].as_u64()),
        (Some(2), Some(0)),
        "{report:#}"
    );
    assert_eq!(go("POST", "/api/reconcile", Some(&json!({"flow": "products"}))).0, 422);
    let (_, reports) = go("GET", "/api/reconcile/reports", None);
    assert_eq!(reports[0]["id"], report["id"]);
    assert_eq!(go("GET", &format!("/api/reconcile/reports/{}", report["id"]), None).1["summary"], report["summary"]);
    assert_eq!(go("GET", "/api/reconcile/reports/999", None).0, 404);
    let (_, metrics) = go("GET", "/metrics", None);
    assert!(metrics.as_str().unwrap().contains("weft_records_total"), "{metrics}");
    assert_eq!(go("GET", "/healthz", None).1["ok"], json!(true));
    assert_eq!(go("GET", "/readyz", None).1["ok"], json!(true));
    let (_, plugins) = go("GET", "/api/plugins", None);
    assert_eq!(plugins[0]["used_by"], json!(["connection erp"]));
    let (_, reloaded) = go("POST", "/api/plugins/reload", Some(&json!({})));
    assert_eq!(reloaded["changed"], json!([]), "nothing changed in the plugins directory");
    // Config versions: the file at start, an edit checked, previewed, saved, listed, rolled back.
    let (_, running) = go("GET", "/api/config", None);
    assert_eq!(running["version"], json!(1));
    let edits = json!([{"path": ["flows", "products", "mapping"], "value": {"vendor": "upper(erp.vendor)"}}]);
    let (_, checked) = go("POST", "/api/config/check", Some(&json!({"edits": edits})));
    assert!(checked["diff"].as_array().unwrap().iter().any(|l| l["op"] == "+"), "{checked}");
    let (status, _) = go("POST", "/api/config/preview", Some(&json!({"flow": "inventory", "edits": edits})));
    assert!(status == 200 || status == 422, "preview answered {status}");
    let (status, refused) = go(
        "POST",
        "/api/config",
        Some(
            &json!({"edits": [{"path": ["flows", "products", "mapping"], "value": {"vendor": "erp.nope +"}}], "comment": "broken"}),
        ),
    );
    assert_eq!((status, refused["kind"].clone()), (422, json!("invalid")), "{refused}");
    let (_, saved) =
        go("POST", "/api/config", Some(&json!({"edits": edits, "comment": "vendors in capitals", "base": 1})));
    assert_eq!(saved["version"], json!(2));
    let (_, history) = go("GET", "/api/config/versions", None);
    assert_eq!(history["running"], json!(2));
    let (_, first) = go("GET", "/api/config/versions/1", None);
    assert!(first["diff_from_running"].as_array().unwrap().iter().any(|l| l["op"] == "-"), "{first}");
    let (_, back) = go("POST", "/api/config/versions/1/rollback", Some(&json!({"comment": "as it was"})));
    assert_eq!(back["version"], json!(3));
    // No flow reads Shopify by webhook and no public_url: nothing to keep, nothing missing.
    let (status, webhooks) = go("GET", "/api/webhooks", None);
    assert_eq!((status, webhooks["address"].clone(), webhooks["subscriptions"].clone()), (200, json!(null), json!([])));
    assert_eq!(go("GET", "/api/webhooks/shopify", None), (200, webhooks), "the only shop, by name");
    assert_eq!(go("GET", "/api/webhooks/nowhere", None).0, 404);
    let (_, shops) = go("GET", "/api/shops", None);
    assert_eq!(shops, json!([{"name": "shopify", "domain": "weft-sim.myshopify.com"}]));
    let (_, stats) = go("GET", "/api/store/stats", None);
    assert!(
        stats["tables"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["table"] == json!("runs") && t["entries"].as_u64() > Some(0)),
        "{stats:#}"
    );
    assert_eq!(stats["retention"]["webhook_receipts"], json!("48h"));
    assert_eq!(go("POST", "/api/store/prune", None).1["run"], json!(null), "nothing is a month old yet");
    // Without the token: 401, as documented.
    let (status, _) = check(&spec, &addr, "GET", "/api/flows", None, None, &mut seen);
    assert_eq!(status, 401);

    let documented: BTreeSet<String> = spec["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| item.as_object().unwrap().keys().map(move |m| format!("{} {path}", m.to_uppercase())))
        .collect();
    let missed: Vec<&String> = documented.difference(&seen).collect();
    assert!(missed.is_empty(), "operations never called: {missed:?}");
    drop(served);
}
