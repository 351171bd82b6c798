//! `GET /metrics` of a real `weft serve`: the text parses with a Prometheus text-format parser,
//! and its counters move by exactly the work done (records synced through the file-feed
//! connector into the simulator, webhooks received / duplicated / rejected), with queue depth,
//! plugin call latency and the Shopify cost budget present.

use crate::common;
use crate::signals_support;

use base64::Engine;
use common::engine::{get, post, wait_for};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use signals_support::{sample, scrape, value, Bed, PROMETHEUS_ACCEPT, WEBHOOK_SECRET};
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

fn sign(body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(WEBHOOK_SECRET.as_bytes()).unwrap();
    mac.update(body);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

fn deliver(addr: &str, id: &str, body: &[u8], signature: &str) -> u16 {
    let headers = [
        ("x-shopify-topic", "orders/create"),
        ("x-shopify-webhook-id", id),
        ("x-shopify-hmac-sha256", signature),
        ("content-type", "application/json"),
    ];
    post(addr, "/webhooks/shopify", &headers, body).expect("webhook answered").0
}

#[test]
fn metrics_parse_and_move_with_the_work_done() {
    let mut bed = Bed::new(
        3,
        "[flows.orders_in]\nfrom = \"shopify\"\nto = \"erp\"\nobject = \"order\"\ntrigger = { webhook = true }\n",
    );
    let serve = bed.serve();
    let synced = |s: &prometheus_parse::Scrape| {
        ["created", "updated"]
            .iter()
            .map(|o| value(s, "weft_records_total", &[("flow", "inventory"), ("outcome", o)]))
            .sum::<f64>()
    };

    let before = scrape(&bed.addr);
    assert_eq!(synced(&before), 0.0);
    assert!(
        sample(&before, "weft_queue_depth", &[("flow", "inventory")]).is_some(),
        "queue depth of every configured flow"
    );
    assert!(sample(&before, "weft_queue_depth", &[("flow", "orders_in")]).is_some());

    bed.feed(&[("SKU-0-0", 31), ("SKU-1-0", 32), ("SKU-2-0", 33)]);
    wait_for(Duration::from_secs(60), "three levels in the simulator", || {
        bed.level("SKU-2-0") == Some(33) && bed.level("SKU-0-0") == Some(31)
    });
    wait_for(Duration::from_secs(10), "the run to be counted", || synced(&scrape(&bed.addr)) == 3.0);

    // Webhooks: one valid, the same again, one forged; the flow is paused so its job stays queued.
    assert_eq!(
        post(&bed.addr, "/api/queues/orders_in/pause", &[("content-type", "application/json")], b"").unwrap().0,
        200
    );
    let body = br##"{"id": 820, "name": "#1820", "line_items": []}"##;
    assert_eq!(deliver(&bed.addr, "wh-ops-1", body, &sign(body)), 200);
    assert_eq!(deliver(&bed.addr, "wh-ops-1", body, &sign(body)), 200);
    assert_eq!(deliver(&bed.addr, "wh-ops-2", body, &sign(b"forged")), 401);

    let after = scrape(&bed.addr);
    assert_eq!(synced(&after), 3.0, "exactly the three records synced");
    for outcome in ["unchanged", "skipped", "shadowed", "retried", "dead_lettered", "failed", "held"] {
        assert_eq!(
            value(&after, "weft_records_total", &[("flow", "inventory"), ("outcome", outcome)]),
            0.0,
            "{outcome}"
        );
    }
    assert_eq!(value(&after, "weft_webhook_receipts_total", &[("source", "shopify")]), 3.0);
    assert_eq!(value(&after, "weft_webhook_duplicates_total", &[("source", "shopify")]), 1.0);
    assert_eq!(value(&after, "weft_webhook_rejections_total", &[("source", "shopify")]), 1.0);
    assert_eq!(value(&after, "weft_queue_depth", &[("flow", "orders_in")]), 1.0, "the paused flow's one job");
    assert_eq!(value(&after, "weft_flow_paused", &[("flow", "orders_in")]), 1.0);
    assert_eq!(value(&after, "weft_dead_letters", &[("flow", "inventory")]), 0.0);

    // Histograms: plugin call latency of the connector, run durations of the flow.
    let pulls = sample(&after, "weft_plugin_call_duration_seconds", &[("plugin", "file-feed"), ("call", "pull")])
        .expect("pull latency observed");
    let prometheus_parse::Value::Histogram(buckets) = &pulls.value else { panic!("a histogram: {pulls:?}") };
    let observed = buckets.iter().map(|b| b.count).fold(0.0, f64::max);
    assert!(observed >= 1.0, "{buckets:?}");
    assert!(
        value(&after, "weft_plugin_call_duration_seconds_count", &[("plugin", "file-feed"), ("call", "pull")]) >= 1.0
    );
    assert!(value(&after, "weft_run_duration_seconds_count", &[("flow", "inventory")]) >= 1.0);

    // The Shopify budget as the client saw it in extensions.cost.
    let shop = [("shop", "shopify")];
    assert!(value(&after, "weft_shopify_cost_spent_total", &shop) > 0.0);
    assert!(sample(&after, "weft_shopify_cost_available", &shop).is_some());
    assert_eq!(value(&after, "weft_shopify_throttled_total", &shop), 0.0);

    // Not for strangers: the admin API's rule applies (loopback here, so it answers).
    assert_eq!(get(&bed.addr, "/metrics").unwrap().0, 200);
    assert!(serve.terminate().success());
}

/// `promtool check metrics` (Debian's `prometheus` package; `.ci/run` installs it) on `text`:
/// its exit status and what it printed.
fn promtool(text: &str) -> (bool, String) {
    let mut child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool is installed (apt-get install prometheus)");
    child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

/// The raw answer of `/metrics` with `accept`: (content type, body).
fn raw_scrape(addr: &str, accept: Option<&str>) -> (String, String) {
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    let accept = accept.map(|a| format!("accept: {a}\r\n")).unwrap_or_default();
    write!(stream, "GET /metrics HTTP/1.1\r\nhost: {addr}\r\n{accept}connection: close\r\n\r\n").unwrap();
    let mut response = String::new();
    std::io::Read::read_to_string(&mut stream, &mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    let kind = head
        .lines()
        .find_map(|l| l.split_once(':').filter(|(k, _)| k.eq_ignore_ascii_case("content-type")).map(|(_, v)| v.trim()))
        .unwrap_or_default();
    (kind.to_owned(), body.to_owned())
}

#[test]
fn the_classic_text_passes_promtool_and_openmetrics_is_given_to_who_asks() {
    let mut bed = Bed::new(2, "");
    let serve = bed.serve();
    // Every family present: records, runs, plugin calls, the Shopify budget, webhooks.
    bed.feed(&[("SKU-0-0", 4), ("SKU-1-0", 5)]);
    wait_for(Duration::from_secs(60), "two levels in the simulator", || bed.level("SKU-1-0") == Some(5));
    let body = br#"{"id": 1}"#;
    assert_eq!(deliver(&bed.addr, "wh-lint-1", body, "forged"), 401);
    wait_for(Duration::from_secs(10), "the run to be counted", || {
        value(&scrape(&bed.addr), "weft_records_total", &[("flow", "inventory"), ("outcome", "created")])
            + value(&scrape(&bed.addr), "weft_records_total", &[("flow", "inventory"), ("outcome", "updated")])
            == 2.0
    });

    let (kind, classic) = raw_scrape(&bed.addr, None);
    assert!(kind.starts_with("text/plain; version=0.0.4"), "{kind}");
    assert!(!classic.contains("# EOF") && !classic.contains("# UNIT"), "{classic}");
    assert!(classic.contains("# HELP weft_records_total "), "{classic}");
    let (ok, said) = promtool(&classic);
    assert!(ok, "promtool check metrics refused the scrape: {said}\n{classic}");

    let (kind, open) = raw_scrape(&bed.addr, Some(PROMETHEUS_ACCEPT));
    assert!(kind.starts_with("application/openmetrics-text; version=1.0.0"), "{kind}");
    assert!(open.ends_with("# EOF\n"), "{open}");
    let (kind, _) = raw_scrape(&bed.addr, Some("text/plain;version=0.0.4"));
    assert!(kind.starts_with("text/plain"), "{kind}");
    assert!(serve.terminate().success());
}
