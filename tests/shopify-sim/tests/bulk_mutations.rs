//! Bulk mutations: stage the JSONL, run any implemented mutation once per line at the configured
//! rate, each line with its own userErrors; the result JSONL by `__lineNumber`; status, counts,
//! the finish webhook, injected line errors, the concurrency limit, cancellation, and a running
//! operation found again by a client that restarted.

mod common;

use common::*;
use serde_json::{json, Value as Json};
use shopify_sim::{Fault, FaultRule, SimConfig};
use std::time::{Duration, Instant};

const RUN: &str = "mutation($m: String!, $p: String!) { bulkOperationRunMutation(mutation: $m, stagedUploadPath: $p) {
  bulkOperation { id status type } userErrors { field message code } } }";
const PRODUCT_SET: &str = "mutation call($input: ProductSetInput!, $identifier: ProductSetIdentifiers) {
  productSet(input: $input, identifier: $identifier) { product { id handle } userErrors { field message code } } }";

/// Stages `lines` as a JSONL file; returns the stagedUploadPath.
async fn staged(sim: &shopify_sim::SimHandle, lines: &[Json]) -> String {
    let target = stage(sim, "BULK_MUTATION_VARIABLES", "vars.jsonl", "text/jsonl", "POST").await;
    let file: String = lines.iter().map(|l| format!("{l}\n")).collect();
    assert_eq!(upload(&target, file.as_bytes()).await.0, 201);
    target_param(&target, "key")
}

async fn start_bulk(sim: &shopify_sim::SimHandle, mutation: &str, lines: &[Json]) -> String {
    let path = staged(sim, lines).await;
    let (_, body) = gql(sim, RUN, json!({"m": mutation, "p": path})).await;
    let payload = &body["data"]["bulkOperationRunMutation"];
    assert_eq!(payload["userErrors"], json!([]), "{body}");
    assert_eq!(payload["bulkOperation"]["status"], "CREATED");
    assert_eq!(payload["bulkOperation"]["type"], "MUTATION");
    assert_eq!(body["extensions"]["cost"]["actualQueryCost"], 10);
    payload["bulkOperation"]["id"].as_str().unwrap().to_string()
}

/// Polls until the operation finished; returns it.
async fn finished(sim: &shopify_sim::SimHandle, id: &str) -> Json {
    for _ in 0..500 {
        let d = data(sim, "query($id: ID!) { bulkOperation(id: $id) { id status type errorCode objectCount rootObjectCount fileSize url partialDataUrl query } }", json!({"id": id})).await;
        let op = d["bulkOperation"].clone();
        if !matches!(op["status"].as_str(), Some("CREATED" | "RUNNING" | "CANCELING")) {
            return op;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("bulk operation {id} never finished");
}

async fn result_lines(url: &Json) -> Vec<Json> {
    let (status, body) = get(url.as_str().expect("a result url")).await;
    assert_eq!(status, 200);
    String::from_utf8(body.to_vec()).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

#[tokio::test]
async fn product_set_lines_run_with_their_own_user_errors() {
    let sim = start().await;
    let receiver = Receiver::start(0).await;
    subscribe(&sim, "BULK_OPERATIONS_FINISH", &receiver.url).await;
    let lines = [
        json!({"input": {"title": "Lamp", "variants": [{"optionValues": [{"optionName": "Title", "name": "Default"}], "sku": "LAMP", "price": "12.00"}]}, "identifier": {"handle": "lamp"}}),
        json!({"input": {"vendor": "no title on create"}, "identifier": {"handle": "nameless"}}),
        json!({"input": {"title": "Rug"}, "identifier": {"handle": "rug"}}),
    ];
    let id = start_bulk(&sim, PRODUCT_SET, &lines).await;
    let op = finished(&sim, &id).await;
    assert_eq!(op["status"], "COMPLETED", "{op}");
    assert_eq!(op["objectCount"], "3");
    assert_eq!(op["rootObjectCount"], "3");
    assert_eq!(op["query"], PRODUCT_SET);
    let results = result_lines(&op["url"]).await;
    assert_eq!(results.iter().map(|l| l["__lineNumber"].as_u64().unwrap()).collect::<Vec<_>>(), [0, 1, 2]);
    assert_eq!(results[0]["data"]["productSet"]["product"]["handle"], "lamp");
    assert_eq!(results[0]["data"]["productSet"]["userErrors"], json!([]));
    assert_eq!(results[1]["data"]["productSet"]["product"], Json::Null);
    assert_eq!(results[1]["data"]["productSet"]["userErrors"][0]["code"], "MISSING_FIELD_REQUIRED");
    assert_eq!(results[2]["data"]["productSet"]["product"]["handle"], "rug");
    assert_eq!(
        op["fileSize"].as_str().unwrap().parse::<usize>().unwrap(),
        get(op["url"].as_str().unwrap()).await.1.len()
    );

    let skus =
        data(&sim, "{ productVariants(first: 5, query: \"sku:LAMP\") { nodes { sku price } } }", json!({})).await;
    assert_eq!(skus["productVariants"]["nodes"], json!([{"sku": "LAMP", "price": "12.00"}]));
    let counters = sim.counters();
    assert_eq!(counters.bulk_mutation_lines, 3);
    assert_eq!(counters.writes["productSet"], 2);
    let finish = receiver.wait_for(1).await;
    let payload: Json = serde_json::from_slice(&finish[0].body).unwrap();
    assert_eq!(
        (payload["type"].as_str(), payload["status"].as_str(), payload["admin_graphql_api_id"].as_str()),
        (Some("mutation"), Some("completed"), Some(id.as_str()))
    );
}

#[tokio::test]
async fn lines_run_at_the_configured_rate_and_a_restarted_client_finds_the_running_operation() {
    let sim =
        start_with(SimConfig { seed: seed(), bulk_mutation_lines_per_second: 20.0, ..SimConfig::default() }).await;
    let lines: Vec<Json> = (0..10)
        .map(|i| json!({"input": {"title": format!("P{i}")}, "identifier": {"handle": format!("p-{i}")}}))
        .collect();
    let started = Instant::now();
    let id = start_bulk(&sim, PRODUCT_SET, &lines).await;
    tokio::time::sleep(Duration::from_millis(250)).await;
    // A client that lost the id finds the running operation.
    let d = data(&sim, "{ currentBulkOperation(type: MUTATION) { id status objectCount } running: bulkOperations(first: 5, query: \"status:running operation_type:mutation\") { nodes { id } } queries: currentBulkOperation { id } }", json!({})).await;
    assert_eq!(d["currentBulkOperation"]["id"], id.as_str());
    assert_eq!(d["currentBulkOperation"]["status"], "RUNNING");
    let done: u64 = d["currentBulkOperation"]["objectCount"].as_str().unwrap().parse().unwrap();
    assert!(done < 10, "still processing at 20 lines/s: {done}");
    assert_eq!(d["running"]["nodes"], json!([{"id": id}]));
    assert_eq!(d["queries"], Json::Null, "currentBulkOperation defaults to QUERY");
    let op = finished(&sim, &id).await;
    assert_eq!(op["status"], "COMPLETED");
    assert!(
        started.elapsed() >= Duration::from_millis(400),
        "10 lines at 20/s take about half a second: {:?}",
        started.elapsed()
    );

    // The control API changes the rate.
    let (status, _) = send("POST", &format!("{}/_sim/bulk/rate", sim.base_url()), json!({"lines_per_second": 0})).await;
    assert_eq!(status, 200);
    let paused = start_bulk(&sim, PRODUCT_SET, &lines[..2]).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let d =
        data(&sim, "query($id: ID!) { bulkOperation(id: $id) { status objectCount } }", json!({"id": paused})).await;
    assert_eq!(d["bulkOperation"]["objectCount"], "1", "a rate of 0 holds the operation after its first line");
    sim.set_bulk_mutation_rate(1000.0).unwrap();
    assert_eq!(finished(&sim, &paused).await["status"], "COMPLETED");
}

#[tokio::test]
async fn injected_line_errors_and_bad_lines_fail_alone() {
    let sim = start().await;
    sim.inject(FaultRule::times(Fault::BulkLineError { line: Some(1) }, 1).only("productSet"));
    let lines = [
        json!({"input": {"title": "A"}, "identifier": {"handle": "a"}}),
        json!({"input": {"title": "B"}, "identifier": {"handle": "b"}}),
        json!({"input": {"title": 5}}),
        json!({"input": {"title": "D"}, "identifier": {"handle": "d"}}),
    ];
    // The last line is not JSON at all.
    let mut file: String = lines.iter().map(|l| format!("{l}\n")).collect();
    file.push_str("not json\n");
    let target = stage(&sim, "BULK_MUTATION_VARIABLES", "vars.jsonl", "text/jsonl", "POST").await;
    assert_eq!(upload(&target, file.as_bytes()).await.0, 201);
    let d = data(&sim, RUN, json!({"m": PRODUCT_SET, "p": target_param(&target, "key")})).await;
    let id = d["bulkOperationRunMutation"]["bulkOperation"]["id"].as_str().unwrap().to_string();
    let op = finished(&sim, &id).await;
    assert_eq!(op["status"], "COMPLETED", "line errors do not fail the operation");
    let results = result_lines(&op["url"]).await;
    assert_eq!(results.len(), 5);
    assert_eq!(results[1]["errors"][0]["extensions"]["code"], "INTERNAL_SERVER_ERROR");
    assert!(results[1]["errors"][0]["message"]
        .as_str()
        .unwrap()
        .starts_with("Internal error. Looks like something went wrong on our end."));
    assert!(results[1].get("data").is_none());
    assert_eq!(results[2]["data"], Json::Null, "invalid variables: {}", results[2]);
    assert_eq!(results[2]["errors"][0]["extensions"]["code"], "INVALID_VARIABLE");
    assert_eq!(results[4]["__lineNumber"], 4);
    assert!(results[4]["errors"][0]["message"].as_str().unwrap().contains("not a JSON object"));
    let handles: Vec<Json> = data(
        &sim,
        "{ products(first: 10, query: \"handle:a OR handle:b OR handle:d\") { nodes { handle } } }",
        json!({}),
    )
    .await["products"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["handle"].clone())
        .collect();
    assert_eq!(handles, [json!("a"), json!("d")], "the failed line was not run");
}

#[tokio::test]
async fn any_implemented_mutation_runs_in_bulk() {
    let sim = start().await;
    let mutation = "mutation($input: CustomerSetInput!, $identifier: CustomerSetIdentifiers) { customerSet(input: $input, identifier: $identifier) { customer { id } userErrors { field code } } }";
    let lines = [
        json!({"input": {"email": "one@example.com"}, "identifier": {"email": "one@example.com"}}),
        json!({"input": {"email": "two@example.com", "firstName": "Two"}, "identifier": {"email": "two@example.com"}}),
    ];
    let id = start_bulk(&sim, mutation, &lines).await;
    assert_eq!(finished(&sim, &id).await["status"], "COMPLETED");
    assert_eq!(sim.state()["customers"].as_object().unwrap().len(), 3);
}

#[tokio::test]
async fn the_mutation_and_the_file_are_checked_before_the_operation_starts() {
    let sim = start().await;
    let path = staged(&sim, &[json!({"input": {"title": "A"}})]).await;
    for (mutation, path, code, message) in [
        ("mutation { productSet(input: {title: \"x\"}) { userErrors { message } nope } }", path.as_str(), Some("INVALID_MUTATION"), "Failed to parse the mutation - Field 'nope' doesn't exist on type 'ProductSetPayload'"),
        ("{ shop { name } }", path.as_str(), Some("INVALID_MUTATION"), "Invalid operation type. Only `mutation` operations are supported."),
        ("mutation { a: productDelete(input: {id: \"gid://shopify/Product/1\"}) { deletedProductId } b: productDelete(input: {id: \"gid://shopify/Product/2\"}) { deletedProductId } }", path.as_str(), None, "You must specify a single top level mutation."),
        (PRODUCT_SET, "tmp/1/bulk/missing/vars.jsonl", Some("NO_SUCH_FILE"), "The JSONL file could not be found."),
    ] {
        let (_, body) = gql(&sim, RUN, json!({"m": mutation, "p": path})).await;
        let payload = &body["data"]["bulkOperationRunMutation"];
        assert_eq!(payload["bulkOperation"], Json::Null, "{body}");
        assert_eq!(payload["userErrors"][0]["code"].as_str(), code, "{body}");
        assert!(payload["userErrors"][0]["message"].as_str().unwrap().starts_with(message), "{body}");
    }
    assert!(sim.state()["bulk_operations"].as_object().unwrap().is_empty());
}

#[tokio::test]
async fn concurrency_follows_the_api_version() {
    let sim = start_with(SimConfig { seed: seed(), bulk_mutation_lines_per_second: 0.0, ..SimConfig::default() }).await;
    let path = staged(&sim, &[json!({"input": {"title": "A"}}), json!({"input": {"title": "B"}})]).await;
    let run_at = |version: &'static str| {
        let body =
            serde_json::to_vec(&json!({"query": RUN, "variables": {"m": PRODUCT_SET, "p": path.clone()}})).unwrap();
        let url = sim.graphql_url(version);
        let token = sim.token().to_string();
        async move {
            let (_, _, bytes) =
                post_raw(&url, &[("content-type", "application/json"), ("x-shopify-access-token", &token)], body).await;
            serde_json::from_slice::<Json>(&bytes).unwrap()["data"]["bulkOperationRunMutation"].clone()
        }
    };
    assert_eq!(run_at("2025-10").await["userErrors"], json!([]));
    let second = run_at("2025-10").await;
    assert_eq!(second["userErrors"][0]["code"], "OPERATION_IN_PROGRESS", "one bulk mutation at a time before 2026-01");
    assert!(second["userErrors"][0]["message"].as_str().unwrap().starts_with(
        "A bulk mutation operation for this app and shop is already in progress: gid://shopify/BulkOperation/"
    ));
    for _ in 0..4 {
        assert_eq!(run_at("2026-04").await["userErrors"], json!([]));
    }
    assert_eq!(run_at("2026-04").await["userErrors"][0]["code"], "LIMIT_REACHED", "five at a time from 2026-01");
}

#[tokio::test]
async fn a_canceled_operation_keeps_its_partial_result() {
    let sim =
        start_with(SimConfig { seed: seed(), bulk_mutation_lines_per_second: 10.0, ..SimConfig::default() }).await;
    let lines: Vec<Json> = (0..20).map(|i| json!({"input": {"title": format!("C{i}")}})).collect();
    let id = start_bulk(&sim, PRODUCT_SET, &lines).await;
    tokio::time::sleep(Duration::from_millis(250)).await;
    let d = data(
        &sim,
        "mutation($id: ID!) { bulkOperationCancel(id: $id) { bulkOperation { status } userErrors { message } } }",
        json!({"id": id}),
    )
    .await;
    assert_eq!(d["bulkOperationCancel"]["bulkOperation"]["status"], "CANCELING");
    let op = finished(&sim, &id).await;
    assert_eq!(op["status"], "CANCELED");
    assert_eq!(op["url"], Json::Null);
    let partial = result_lines(&op["partialDataUrl"]).await;
    assert!(!partial.is_empty() && partial.len() < 20, "{} lines", partial.len());
    let d =
        data(&sim, "mutation($id: ID!) { bulkOperationCancel(id: $id) { userErrors { message } } }", json!({"id": id}))
            .await;
    assert_eq!(
        d["bulkOperationCancel"]["userErrors"][0]["message"],
        "A bulk operation cannot be canceled when it is canceled"
    );
}

#[tokio::test]
async fn a_line_whose_variants_repeat_option_values_is_refused_with_a_schema_code() {
    let sim = start().await;
    let same = json!({"optionName": "Size", "name": "M"});
    let lines = [
        json!({"input": {"title": "Twice M", "variants": [{"optionValues": [same], "sku": "T-1"}, {"optionValues": [same], "sku": "T-2"}]}, "identifier": {"handle": "twice-m"}}),
    ];
    let id = start_bulk(&sim, PRODUCT_SET, &lines).await;
    let op = finished(&sim, &id).await;
    let results = result_lines(&op["url"]).await;
    assert!(results[0].get("errors").is_none(), "the payload validates: {}", results[0]);
    let error = &results[0]["data"]["productSet"]["userErrors"][0];
    assert_eq!(error["code"], "INVALID_VARIANT", "{}", results[0]);
    assert_eq!(error["field"], json!(["input", "variants", "1"]));
}
