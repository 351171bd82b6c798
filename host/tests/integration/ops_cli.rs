//! The operator's CLI: `weft run --once` reads past a bad row and reports it with every failure's
//! reason; `--json` on run, dlq, queue; tables whose columns line up; unknown ids refused with a
//! clear message and a non-zero exit; a dead letter edited and retried; and `explain`, `mapping
//! preview` and `dlq` while `weft serve` holds the database (through its admin API).
//! The real binary, the file-feed connector and the simulator.

use crate::common;
use crate::served_support;
use crate::shopify_common;

use common::scenario::Scenario;
use serde_json::{json, Value};
use served_support::served_inventory;

fn weft(s: &Scenario, args: &[&str]) -> (bool, String, String) {
    s.weft(args)
}

/// Run and parse `--json` output; the command must succeed.
fn weft_json(s: &Scenario, args: &[&str]) -> Value {
    let (ok, out, err) = weft(s, args);
    assert!(ok, "weft {args:?} failed:\n{out}\n{err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("weft {args:?}: not JSON: {e}\n{out}\n{err}"))
}

/// An inventory export with a bad row (`on_hand` = `abc`) between good ones, and a row at an
/// unmapped location (the flow fails those: a dead letter).
const FEED: &str = "sku,location,on_hand,reserved,incoming,safety_stock,updated_at\n\
SKU-0-0,WH,25,2,0,3,2026-11-26T06:00:00Z\n\
SKU-1-0,WH,abc,0,0,0,2026-11-26T06:00:00Z\n\
SKU-2-0,WH,7,0,0,0,2026-11-26T06:00:00Z\n\
SKU-1-0,NOWHERE,9,0,0,0,2026-11-26T06:00:00Z\n";

fn scenario(sim: &shopify_sim::SimHandle) -> Scenario {
    let main = shopify_common::location_gid(sim, "Main");
    let s = Scenario::builder(sim).build(&format!(
        "[flows.inventory]\nfrom = \"erp\"\nto = \"shopify\"\nobject = \"inventory\"\nunmapped_location = \"fail\"\nlocations = {{ WH = \"{main}\" }}\n"
    ));
    s.feed_file("inventory-1.csv", FEED);
    s
}

#[test]
fn run_once_reads_past_a_bad_row_and_reports_every_reason() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim = rt.block_on(shopify_common::start(shopify_common::seed(3, 1)));
    let s = scenario(&sim);

    // The text summary (a dry run: a scratch copy of the store) names the bad row and the reason
    // the unmapped one failed.
    let (ok, out, err) = weft(&s, &["run", "inventory", "--once", "--dry-run"]);
    assert!(ok, "{out}\n{err}");
    assert!(out.contains("bad row skipped") && out.contains("`on_hand` = `abc`"), "{out}");
    assert!(out.contains("SKU-1-0@NOWHERE") && out.contains("NOWHERE"), "the failure and its reason: {out}");

    // The real run: every good row is written, past the bad one; the JSON says what happened.
    let summary = weft_json(&s, &["run", "inventory", "--once", "--json"]);
    let outcomes = &summary["outcomes"];
    let written = outcomes["updated"].as_u64().unwrap_or(0) + outcomes["created"].as_u64().unwrap_or(0);
    assert_eq!(written, 2, "SKU-0-0 before the bad row and SKU-2-0 after it: {summary:#}");
    assert_eq!(outcomes["dead"], json!(2), "the pull that met the bad row, and the unmapped row: {summary:#}");
    let bad = summary["bad_rows"].as_array().expect("bad_rows");
    assert_eq!(bad.len(), 1, "{summary:#}");
    assert!(bad[0]["error"].as_str().unwrap().contains("inventory-1.csv:3"), "the file and line: {summary:#}");
    let failures = summary["failures"].as_array().expect("failures");
    assert_eq!(failures.len(), 1, "the bad row is reported once, as a bad row: {summary:#}");
    assert_eq!(failures[0]["key"], json!("SKU-1-0@NOWHERE"));
    assert_eq!(failures[0]["outcome"], json!("dead"));
    assert!(failures[0]["error"].as_str().unwrap().contains("NOWHERE"), "{summary:#}");
    let main = shopify_common::location_gid(&sim, "Main");
    let at_main: Vec<i64> =
        shopify_common::levels(&sim).into_iter().filter(|((_, l), _)| *l == main).map(|(_, q)| q).collect();
    assert!(at_main.contains(&20) && at_main.contains(&7), "25-2-3 and 7 at Main: {at_main:?}");
}

#[test]
fn dlq_queue_and_runs_speak_json_line_up_and_refuse_unknown_ids() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim = rt.block_on(shopify_common::start(shopify_common::seed(3, 1)));
    let s = scenario(&sim);
    let (ok, out, err) = weft(&s, &["run", "inventory", "--once"]);
    assert!(ok, "{out}\n{err}");

    // Unknown ids: a clear message and a non-zero exit, never "requeued 0".
    for args in [
        &["dlq", "retry", "99999"][..],
        &["dlq", "retry", "99999", "--json"],
        &["dlq", "discard", "99999", "--reason", "gone"],
        &["dlq", "show", "99999"],
        &["runs", "show", "99999"],
        &["queue", "pause", "nope", "--json"],
    ] {
        let (ok, out, err) = weft(&s, args);
        assert!(!ok, "weft {args:?} succeeded: {out}");
        assert!(err.contains("99999") || err.contains("nope"), "weft {args:?} says: {err}");
        assert!(!out.contains("requeued 0"), "{out}");
    }

    // Dead letters: the bad row's pull and the unmapped location, filtered by state and text.
    let all = weft_json(&s, &["dlq", "list", "--json"]);
    assert_eq!(all.as_array().unwrap().len(), 2, "{all:#}");
    let nowhere = weft_json(&s, &["dlq", "list", "--status", "open", "--grep", "nowhere", "--json"]);
    assert_eq!(nowhere.as_array().unwrap().len(), 1, "{nowhere:#}");
    let dead = nowhere[0]["job"]["id"].as_u64().unwrap();
    assert_eq!(weft_json(&s, &["dlq", "list", "--since", "2999-01-01", "--json"]), json!([]));

    // The table: every column starts where its header does, whatever the widths.
    let (ok, table, _) = weft(&s, &["dlq", "list"]);
    assert!(ok);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 3, "{table}");
    for (header, value) in [("FLOW", "inventory"), ("KEY", "SKU-1-0@NOWHERE"), ("STATE", "open")] {
        let at = lines[0].find(header).unwrap();
        assert!(
            lines.iter().skip(1).any(|l| l.get(at..).is_some_and(|rest| rest.starts_with(value))),
            "{header}:\n{table}"
        );
        assert!(
            lines.iter().skip(1).all(|l| l[..at].ends_with("  ")),
            "{header} column starts after a gap in every row:\n{table}"
        );
    }

    // Edit and retry: a wrong record is refused; a fixed one is retried, the original kept.
    let wrong = s.path().join("wrong.json");
    std::fs::write(&wrong, r#"{"sku": "SKU-1-0", "location": "WH", "on_hand": "nine"}"#).unwrap();
    let (ok, _, err) = weft(&s, &["dlq", "edit", &dead.to_string(), "--record", wrong.to_str().unwrap()]);
    assert!(!ok && err.contains("InventoryLevel"), "{err}");
    let shown = weft_json(&s, &["dlq", "show", &dead.to_string(), "--json"]);
    let mut record = shown["record"]["InventoryLevel"].clone();
    assert_eq!(record["location"], json!("NOWHERE"), "{shown:#}");
    record["location"] = json!("WH");
    let fixed = s.path().join("fixed.json");
    std::fs::write(&fixed, record.to_string()).unwrap();
    let edited = weft_json(
        &s,
        &["dlq", "edit", &dead.to_string(), "--record", fixed.to_str().unwrap(), "--note", "WH it is", "--json"],
    );
    let job = edited["job"].as_u64().expect("the new job");
    let kept = weft_json(&s, &["dlq", "list", "--status", "edited", "--json"]);
    assert_eq!(kept[0]["job"]["payload"]["record"]["InventoryLevel"]["location"], json!("NOWHERE"), "{kept:#}");
    assert_eq!(kept[0]["edit"]["job_id"], json!(job));
    assert_eq!(kept[0]["edit"]["note"], json!("WH it is"));
    let (ok, _, err) = weft(&s, &["dlq", "retry", &dead.to_string()]);
    assert!(!ok && err.contains("settled"), "an edited dead letter is not retried again: {err}");
    let ran = weft_json(&s, &["run", "inventory", "--once", "--json"]);
    assert_eq!(ran["failures"], json!([]), "the edit went through: {ran:#}");

    // Retry the bad row's pull by id, --json; pause and resume, --json.
    let pull = weft_json(&s, &["dlq", "list", "--status", "open", "--json"])[0]["job"]["id"].as_u64().unwrap();
    assert_eq!(weft_json(&s, &["dlq", "retry", &pull.to_string(), "--json"]), json!({"requeued": 1}));
    assert_eq!(weft_json(&s, &["queue", "pause", "inventory", "--json"]), json!({"flow": "inventory", "paused": true}));
    assert_eq!(
        weft_json(&s, &["queue", "resume", "inventory", "--json"]),
        json!({"flow": "inventory", "paused": false})
    );

    // Runs: filtered by status, counts as words; a run's failed records with their reasons.
    let runs = weft_json(&s, &["runs", "list", "--status", "partial", "--json"]);
    assert!(!runs.as_array().unwrap().is_empty(), "{runs:#}");
    let (ok, text, _) = weft(&s, &["runs", "list"]);
    assert!(ok && !text.contains('{'), "counts as words, not JSON: {text}");
    let shown: Vec<String> = runs
        .as_array()
        .unwrap()
        .iter()
        .map(|r| weft(&s, &["runs", "show", &r["id"].to_string(), "--failed"]).1)
        .collect();
    assert!(shown.iter().any(|t| t.contains("SKU-1-0@NOWHERE") && t.contains("dead")), "{shown:#?}");
}

#[test]
fn explain_preview_and_dlq_go_through_a_running_serve() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim = rt.block_on(shopify_common::start(shopify_common::seed(3, 1)));
    let token = "ops-cli-token";
    let served = served_inventory(&sim, token);
    let run = |args: &[&str]| {
        let out = served.scenario.command().env("WEFT_ADMIN_TOKEN", token).args(args).output().unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (ok, out, err) = run(&["explain", "inventory", "SKU-0-0"]);
    assert!(ok, "explain while serve runs: {out}\n{err}");
    assert!(out.contains("flow inventory") && out.contains("last pushed: 20"), "{out}");
    let (ok, _, err) = run(&["explain", "inventory", "NOPE"]);
    assert!(!ok && err.contains("nothing was pushed for SKU NOPE"), "{err}");
    let (ok, out, err) = run(&["mapping", "preview", "inventory", "--json"]);
    assert!(ok, "mapping preview while serve runs: {out}\n{err}");
    let preview: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(preview["writes"][0]["operation"], json!("inventorySetQuantities"), "{preview:#}");
    let (ok, out, err) = run(&["dlq", "retry", "99999"]);
    assert!(!ok && err.contains("no dead letter 99999"), "{out}\n{err}");
    let (ok, out, _) = run(&["dlq", "list", "--json"]);
    assert!(ok);
    assert_eq!(serde_json::from_str::<Value>(&out).unwrap().as_array().map(Vec::len), Some(1), "{out}");
    let (ok, out, _) = run(&["queue", "pause", "products", "--json"]);
    assert!(ok, "{out}");
    assert_eq!(serde_json::from_str::<Value>(&out).unwrap(), json!({"flow": "products", "paused": true}));
}
