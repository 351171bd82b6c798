//! Finding 3 of issue 19: bounded memory under hostile input.
//! - 200 concurrent ~8 MB posts to `/webhooks/shopify` with a well-formed but wrong signature:
//!   the peak RSS of `weft serve` grows by less than [`RSS_BOUND_MIB`] (before the fix every body
//!   was buffered at once: +1.1 GB); a declared body over the cap is refused unread (413).
//! - Half-sent requests (headers, or a body, that never finish) are closed by the timeouts.
//! - A `plugin.wasm` that is a link to `/dev/zero`, or larger than the cap, is refused at once.

use crate::common;
use crate::signals_support;

use common::engine::{get, post, wait_for};
use signals_support::Bed;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// The stated bound: peak RSS over the RSS before the burst, in MiB (the body budget is 64 MiB).
const RSS_BOUND_MIB: u64 = 192;
const BODY: usize = 8_000_000;
const SENDERS: usize = 200;
/// A base64 HMAC of the right length that is not the body's.
const WRONG_SIGNATURE: &str = "B23tXN681gZ0qIWNRrgtzBE9XSDo5yaUu6wfmhu3a7g=";

/// `VmRSS` and `VmHWM` (peak) of process `pid`, in KiB.
fn rss(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap()
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Post `len` bytes to `/webhooks/shopify` in 64 KiB writes; the status, or `None` when the
/// server closed the connection before answering.
fn flood(addr: &str, len: usize) -> Option<u16> {
    let mut stream = TcpStream::connect(addr).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(60))).ok()?;
    let head = format!(
        "POST /webhooks/shopify HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json\r\n\
         x-shopify-topic: orders/create\r\nx-shopify-webhook-id: flood\r\nx-shopify-hmac-sha256: {WRONG_SIGNATURE}\r\n\
         content-length: {len}\r\nconnection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).ok()?;
    let chunk = vec![b'7'; 64 * 1024];
    let mut sent = 0;
    while sent < len {
        let n = chunk.len().min(len - sent);
        if stream.write_all(&chunk[..n]).is_err() {
            break; // answered early and closed
        }
        sent += n;
    }
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn a_burst_of_large_unsigned_posts_keeps_memory_bounded() {
    let bed = Bed::new(1, "");
    let serve = bed.serve();
    let pid = serve.child.id();
    std::thread::sleep(Duration::from_millis(500));
    let (before, _) = rss(pid);

    let senders: Vec<_> = (0..SENDERS)
        .map(|_| {
            let addr = bed.addr.clone();
            std::thread::spawn(move || flood(&addr, BODY))
        })
        .collect();
    let statuses: Vec<Option<u16>> = senders.into_iter().map(|t| t.join().unwrap()).collect();
    let (after, peak) = rss(pid);
    let grown = peak.saturating_sub(before) / 1024;
    eprintln!("RSS before {} MiB, peak {} MiB (+{grown} MiB), after {} MiB", before / 1024, peak / 1024, after / 1024);
    assert!(grown < RSS_BOUND_MIB, "peak RSS grew by {grown} MiB (bound {RSS_BOUND_MIB} MiB)");
    let refused = statuses.iter().filter(|s| matches!(s, Some(401 | 503) | None)).count();
    assert_eq!(refused, SENDERS, "every forged post is refused (401) or turned away (503): {statuses:?}");
    assert!(statuses.contains(&Some(401)), "some were read and their signature checked: {statuses:?}");

    // Declared larger than the cap (8 MiB): refused before a byte of the body is read.
    let started = Instant::now();
    assert_eq!(flood(&bed.addr, 9 << 20), Some(413));
    assert!(started.elapsed() < Duration::from_secs(30));
    assert_eq!(get(&bed.addr, "/healthz").unwrap().0, 200, "still serving");
    drop(serve);
}

#[test]
fn half_sent_requests_are_closed_by_the_timeouts() {
    let bed = Bed::new(1, "[server.limits]\nheader_timeout_secs = 2\nbody_timeout_secs = 2\n");
    let serve = bed.serve();
    let mut half = Vec::new();
    for i in 0..200 {
        let mut s = TcpStream::connect(&bed.addr).unwrap();
        if i % 2 == 0 {
            // Headers that never end.
            s.write_all(b"POST /webhooks/shopify HTTP/1.1\r\nhost: x\r\nx-shopify-topic: orders/create\r\n").unwrap();
        } else {
            // A body that never ends.
            let head = format!(
                "POST /webhooks/shopify HTTP/1.1\r\nhost: x\r\nx-shopify-topic: orders/create\r\nx-shopify-webhook-id: h{i}\r\n\
                 x-shopify-hmac-sha256: {WRONG_SIGNATURE}\r\ncontent-length: 1000\r\n\r\n{{\"id\":"
            );
            s.write_all(head.as_bytes()).unwrap();
        }
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        half.push(s);
    }
    let started = Instant::now();
    for mut s in half {
        let mut rest = Vec::new();
        // Closed by the server: EOF (after a 408 for a body) or a reset; never the read timeout.
        match s.read_to_end(&mut rest) {
            Ok(_) => {}
            Err(e) => assert_ne!(e.kind(), std::io::ErrorKind::WouldBlock, "still open after {:?}", started.elapsed()),
        }
    }
    assert!(started.elapsed() < Duration::from_secs(25), "closed after {:?}", started.elapsed());
    // A well-behaved client is still served.
    assert_eq!(post(&bed.addr, "/webhooks/shopify", &[], b"{}").unwrap().0, 401);
    wait_for(Duration::from_secs(5), "healthz", || get(&bed.addr, "/healthz").is_some_and(|(s, _)| s == 200));
    drop(serve);
}

#[test]
fn a_plugin_file_that_is_a_device_or_too_large_is_refused_at_once() {
    let bed = Bed::new(1, "");
    let plugins = bed.scenario.path().join("plugins");
    let zero = plugins.join("zero");
    std::fs::create_dir_all(&zero).unwrap();
    std::fs::write(zero.join("plugin.toml"), common::hostile_manifest("zero", &[])).unwrap();
    std::os::unix::fs::symlink("/dev/zero", zero.join("plugin.wasm")).unwrap();
    let huge = plugins.join("huge");
    std::fs::create_dir_all(&huge).unwrap();
    std::fs::write(huge.join("plugin.toml"), common::hostile_manifest("huge", &[])).unwrap();
    // Sparse: a size on paper, no space on the disk.
    std::fs::File::create(huge.join("plugin.wasm")).unwrap().set_len(2 << 30).unwrap();

    let mut child = bed
        .scenario
        .command()
        .args(["plugins", "list"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            panic!("`weft plugins list` still reading after 20 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let out = child.wait_with_output().unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("not a regular file"), "{text}");
    assert!(text.contains("larger than"), "{text}");
    assert!(text.contains("file-feed"), "the good plugin still loads: {text}");
    // And `weft serve` starts (neither plugin is used by a flow).
    drop(bed.serve());
}
