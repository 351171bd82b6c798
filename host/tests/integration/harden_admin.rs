//! Finding 2 of issue 19: no way in through the admin API. A `weft serve` with no admin token
//! (the default) on loopback: a cross-site form post from a browser on the same machine, a
//! foreign `Host` (DNS rebinding) and a request a same-host proxy forwarded are refused and change
//! nothing (no pause, no run, no retried or discarded dead letter, no reconcile); the same
//! requests from the CLI or the dashboard (same origin, JSON) work. Listening beyond loopback
//! without a token refuses to start.

use crate::common;
use crate::signals_support;

use common::engine::{free_port, get_with, post, wait_for};
use serde_json::Value;
use signals_support::Bed;
use std::time::Duration;

const JSON: (&str, &str) = ("content-type", "application/json");

/// Headers of a cross-site `<form method=post>` (or `fetch` without CORS) from a page on
/// `evil.example`, with the given content type.
fn cross_site(kind: &'static str) -> Vec<(&'static str, &'static str)> {
    vec![("origin", "http://evil.example"), ("sec-fetch-site", "cross-site"), ("content-type", kind)]
}

fn json(addr: &str, path: &str) -> Value {
    let (status, body) = get_with(addr, path, &[]).expect("admin API answers");
    assert_eq!(status, 200, "{path}: {body}");
    serde_json::from_str(&body).unwrap()
}

/// A request from the attacker's page: path, headers, body.
type Attack<'a> = (String, Vec<(&'a str, &'a str)>, &'a [u8]);

#[test]
fn cross_site_posts_a_foreign_host_and_forwarded_requests_are_refused_and_change_nothing() {
    let mut bed = Bed::new(2, "unmapped_location = \"fail\"\n");
    let serve = bed.serve();
    bed.scenario.feed_file(
        "inventory-bad.csv",
        "sku,location,on_hand,reserved,incoming,safety_stock,updated_at\nSKU-0-0,NOWHERE,9,0,0,0,2026-11-26T06:00:00Z\n",
    );
    bed.feed(&[("SKU-1-0", 7)]);
    wait_for(Duration::from_secs(60), "the bad row dead-lettered", || bed.dead_letters().len() == 1);
    let dead = bed.dead_letters()[0]["job"]["id"].as_u64().unwrap();
    // Scheduled pulls (every 300 ms) keep adding runs; a triggered run would be a manual one.
    let manual_runs = |bed: &Bed| json(&bed.addr, "/api/runs?trigger=manual").as_array().unwrap().len();
    assert_eq!(manual_runs(&bed), 0);
    let reports_before = json(&bed.addr, "/api/reconcile/reports").as_array().unwrap().len();

    let attacks: Vec<Attack> = vec![
        ("/api/queues/inventory/pause".into(), cross_site("text/plain"), b"x"),
        ("/api/flows/inventory/pause".into(), cross_site("application/x-www-form-urlencoded"), b"a=b"),
        ("/api/flows/inventory/run".into(), cross_site("multipart/form-data; boundary=x"), b""),
        (format!("/api/dlq/{dead}/retry"), cross_site("text/plain"), b""),
        (format!("/api/dlq/{dead}/discard"), cross_site("text/plain"), br#"{"reason": "gone"}"#),
        ("/api/dlq/retry?flow=inventory".into(), cross_site("text/plain"), b""),
        ("/api/reconcile".into(), cross_site("text/plain"), br#"{"heal": true}"#),
        // A same-site page (another port on localhost) and a page with no Sec-Fetch-Site but a
        // foreign Origin, both with JSON.
        ("/api/queues/inventory/pause".into(), vec![("sec-fetch-site", "same-site"), JSON], b"{}"),
        ("/api/queues/inventory/pause".into(), vec![("origin", "http://localhost:3000"), JSON], b"{}"),
        // No content type at all (a form can send one a simple request allows).
        ("/api/queues/inventory/pause".into(), vec![], b""),
        // DNS rebinding: evil.example resolves to 127.0.0.1, the browser sends its own name.
        ("/api/queues/inventory/pause".into(), vec![("host", "evil.example:8080"), JSON], b"{}"),
    ];
    for (path, headers, body) in &attacks {
        let (status, answer) = post(&bed.addr, path, headers, body).expect("answered");
        assert_eq!(status, 403, "{path} {headers:?}: {answer}");
    }
    let (status, _) = get_with(&bed.addr, "/api/flows", &[("host", "evil.example")]).unwrap();
    assert_eq!(status, 403, "reads under a foreign Host are refused too (they would leak to a rebinding page)");
    assert_eq!(get_with(&bed.addr, "/", &[("host", "evil.example")]).unwrap().0, 403, "the dashboard too");
    // A same-host reverse proxy forwarding a remote client: not loopback (no trusted_proxies).
    let forwarded = [("x-forwarded-for", "203.0.113.9"), JSON];
    assert_eq!(post(&bed.addr, "/api/queues/inventory/pause", &forwarded, b"{}").unwrap().0, 401);
    assert_eq!(get_with(&bed.addr, "/api/flows", &[("x-forwarded-for", "203.0.113.9")]).unwrap().0, 401);

    // Nothing changed.
    let queues = bed.queues();
    assert!(queues["inventory"]["paused_since_ms"].is_null(), "not paused: {queues}");
    assert_eq!(queues["inventory"]["dead"], 1, "{queues}");
    let letters = bed.dead_letters();
    assert_eq!(letters.len(), 1);
    assert!(letters[0]["discarded"].is_null(), "not discarded: {letters:?}");
    std::thread::sleep(Duration::from_millis(700)); // a run the attacks had triggered would show by now
    assert_eq!(manual_runs(&bed), 0, "no run triggered");
    assert_eq!(json(&bed.addr, "/api/reconcile/reports").as_array().unwrap().len(), reports_before);

    // The CLI's request and the dashboard's same-origin fetch work.
    assert_eq!(post(&bed.addr, "/api/queues/inventory/pause", &[JSON], b"{}").unwrap().0, 200);
    let host = bed.addr.clone();
    let origin = format!("http://{host}");
    let dashboard = [JSON, ("origin", origin.as_str()), ("sec-fetch-site", "same-origin")];
    assert_eq!(post(&bed.addr, "/api/queues/inventory/resume", &dashboard, b"{}").unwrap().0, 200);
    let (ok, out, err) = bed.scenario.weft(&["queue", "pause", "inventory"]);
    assert!(ok, "the CLI goes through the admin API: {out}{err}");
    assert!(bed.queues()["inventory"]["paused_since_ms"].is_u64());
    // And a run the CLI triggers shows as the manual run the attacks never made.
    let (ok, out, err) = bed.scenario.weft(&["queue", "resume", "inventory"]);
    assert!(ok, "{out}{err}");
    assert_eq!(post(&bed.addr, "/api/flows/inventory/run", &[JSON], b"{}").unwrap().0, 200);
    wait_for(Duration::from_secs(30), "the manual run recorded", || manual_runs(&bed) == 1);
    drop(serve);
}

#[test]
fn listening_beyond_loopback_without_a_token_refuses_to_start() {
    let bed = Bed::new(1, "");
    let config = std::fs::read_to_string(&bed.scenario.config).unwrap();
    let open = config.replace(&format!("listen = \"{}\"", bed.addr), &format!("listen = \"0.0.0.0:{}\"", free_port()));
    assert_ne!(open, config);
    std::fs::write(&bed.scenario.config, open).unwrap();
    let mut cmd = bed.scenario.command();
    for (k, v) in signals_support::envs(&bed.sim) {
        cmd.env(k, v);
    }
    let out = cmd.arg("serve").output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "it must not start: {stderr}");
    assert!(stderr.contains("admin_token") && stderr.contains("0.0.0.0"), "{stderr}");
}
