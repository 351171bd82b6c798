//! Finding 6 of issue 19: a slow plugin cannot take every worker. Two workers; flow `a-slow`
//! pushes through plugin `relay` to a sink that takes 3 s per record, and keeps getting events;
//! flow `b-fast` pushes through another plugin to a sink that answers at once. `b-fast`'s record
//! arrives while the slow sink is still on its first records (before the fix both workers took
//! `a-slow`'s jobs, `a-slow` sorted first in every lease, and `b-fast` waited behind its backlog).

use crate::common;

use common::engine::{free_port, install_relay, post, wait_for, Serve, Sink};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// A sink that answers each record after `delay`, counting the requests it finished.
fn slow_sink(delay: Duration) -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let done = Arc::new(AtomicUsize::new(0));
    let counter = done.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let counter = counter.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut length = 0usize;
                let mut line = String::new();
                while reader.read_line(&mut line).unwrap_or(0) > 0 && line.trim_end() != "" {
                    if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                        length = v.trim().parse().unwrap_or(0);
                    }
                    line.clear();
                }
                let mut body = vec![0; length];
                let _ = reader.read_exact(&mut body);
                std::thread::sleep(delay);
                counter.fetch_add(1, Ordering::SeqCst);
                let answer = r#"{"id": "slow", "created": true}"#;
                let _ = write!(
                    stream,
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}",
                    answer.len()
                );
            });
        }
    });
    (port, done)
}

#[test]
fn a_slow_plugin_leaves_a_worker_to_the_flows_that_do_not_use_it() {
    let tmp = tempfile::tempdir().unwrap();
    let plugins = tmp.path().join("plugins");
    let (slow_port, slow_done) = slow_sink(Duration::from_secs(3));
    let fast = Sink::start();
    install_relay(&plugins, slow_port);
    // The same component under another id, allowed to reach the fast sink.
    let manifest = format!(
        "id = \"relay-b\"\nversion = \"0.1.0\"\nkind = \"connector\"\nwit = \"weft:plugin@0.2.0\"\n\
         [capabilities]\nconfig = [\"sink_url\", \"count\", \"fail\"]\nsecrets = [\"token\"]\noutbound_hosts = [\"127.0.0.1:{}\"]\n",
        fast.port
    );
    common::install(&plugins, "relay", "relay-b", &manifest);
    let addr = format!("127.0.0.1:{}", free_port());
    let config = tmp.path().join("weft.toml");
    std::fs::write(
        &config,
        format!(
            r#"[store]
path = "{data}"
[plugins]
dir = "{plugins}"
[server]
listen = "{addr}"
workers = 2
[connections.src-a]
plugin = "relay"
[connections.sink-a]
plugin = "relay"
allow_hosts = ["127.0.0.1:{slow_port}"]
config = {{ sink_url = "http://127.0.0.1:{slow_port}/push" }}
[connections.src-b]
plugin = "relay-b"
[connections.sink-b]
plugin = "relay-b"
allow_hosts = ["127.0.0.1:{fast}"]
config = {{ sink_url = "http://127.0.0.1:{fast}/push" }}
[flows.a-slow]
from = "src-a"
to = "sink-a"
object = "customer"
trigger = {{ webhook = true }}
[flows.b-fast]
from = "src-b"
to = "sink-b"
object = "customer"
trigger = {{ webhook = true }}
"#,
            data = tmp.path().join("data").display(),
            plugins = plugins.display(),
            fast = fast.port,
        ),
    )
    .unwrap();
    let serve = Serve::start(&config, &addr, &[], &tmp.path().join("serve.log"));
    let event = |src: &str, id: &str| {
        let body = format!(r#"[{{"id": "{id}", "email": "{id}@example.com"}}]"#);
        let status = post(&addr, &format!("/webhooks/{src}"), &[("content-type", "application/json")], body.as_bytes());
        assert_eq!(status.map(|(s, _)| s), Some(200));
    };
    // The slow flow's events arrive one by one, so each idle worker would take one.
    for i in 0..6 {
        event("src-a", &format!("slow-{i}"));
        std::thread::sleep(Duration::from_millis(150));
    }
    event("src-b", "fast-1");
    wait_for(Duration::from_secs(60), "the fast flow's record", || fast.applied() == 1);
    let slow_finished = slow_done.load(Ordering::SeqCst);
    assert!(slow_finished <= 1, "the fast flow waited for {slow_finished} slow records");
    wait_for(Duration::from_secs(60), "the slow flow to finish", || slow_done.load(Ordering::SeqCst) == 6);
    drop(serve);
}
