//! Engine test helpers: an idempotent HTTP sink, a `weft serve` child process, raw HTTP calls.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What the sink has seen.
#[derive(Default, Debug)]
pub struct SinkState {
    /// Idempotency key → effects applied (must end at 1).
    pub effects: HashMap<String, u32>,
    /// Record external id → number of distinct keys applied for it.
    pub by_record: HashMap<String, u32>,
    /// Requests received (retries included).
    pub requests: u32,
    /// Authorization headers seen.
    pub auth: Vec<String>,
}

/// An HTTP sink on 127.0.0.1 that applies each idempotency key once, like Shopify's @idempotent.
pub struct Sink {
    /// Port.
    pub port: u16,
    /// State.
    pub state: Arc<Mutex<SinkState>>,
}

fn read_request(stream: &mut TcpStream) -> Option<(HashMap<String, String>, Vec<u8>)> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut headers = HashMap::new();
    loop {
        let mut h = String::new();
        // EOF before the blank line: the sender died mid-request (a SIGKILLed host).
        if reader.read_line(&mut h).ok()? == 0 {
            return None;
        }
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_owned());
        }
    }
    let len: usize = headers.get("content-length").and_then(|l| l.parse().ok()).unwrap_or(0);
    let mut body = vec![0; len];
    reader.read_exact(&mut body).ok()?;
    Some((headers, body))
}

impl Sink {
    /// Start it.
    pub fn start() -> Sink {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(Mutex::new(SinkState::default()));
        let shared = state.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let state = shared.clone();
                std::thread::spawn(move || {
                    let Some((headers, body)) = read_request(&mut stream) else { return };
                    let key = headers.get("idempotency-key").cloned().unwrap_or_default();
                    let record: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
                    let id = record["Customer"]["external_id"].as_str().unwrap_or("").to_owned();
                    if id.is_empty() || key.is_empty() {
                        let _ = write!(
                            stream,
                            "HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                        );
                        return;
                    }
                    let created = {
                        let mut s = state.lock().unwrap();
                        s.requests += 1;
                        if let Some(a) = headers.get("authorization") {
                            s.auth.push(a.clone());
                        }
                        let first = !s.effects.contains_key(&key);
                        *s.effects.entry(key).or_default() += u32::from(first);
                        if first {
                            *s.by_record.entry(id.clone()).or_default() += 1;
                        }
                        first
                    };
                    let body = format!("{{\"id\": \"erp-{id}\", \"created\": {created}}}");
                    let _ = write!(stream, "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}", body.len());
                });
            }
        });
        Sink { port, state }
    }

    /// Records applied at least once.
    pub fn applied(&self) -> usize {
        self.state.lock().unwrap().by_record.len()
    }
}

/// Install the relay plugin (test-only) into `plugins` with a manifest allowing the sink port.
pub fn install_relay(plugins: &Path, sink_port: u16) {
    let manifest = format!(
        "id = \"relay\"\nversion = \"0.1.0\"\nkind = \"connector\"\nwit = \"weft:plugin@0.2.0\"\n\
         [capabilities]\nconfig = [\"sink_url\", \"count\", \"fail\"]\nsecrets = [\"token\"]\noutbound_hosts = [\"127.0.0.1:{sink_port}\"]\n"
    );
    super::install(plugins, "relay", "relay", &manifest);
}

/// A free loopback port (bound, then released), for a server a test starts later, maybe twice.
///
/// It is picked below the kernel's ephemeral range: a port from `bind(0)` could be handed to
/// another test's `bind(0)` or outgoing connection before the server binds it, and then the server
/// cannot start. Ports below the range are never handed out by the kernel.
pub fn free_port() -> u16 {
    use std::hash::BuildHasher;
    const LOWEST: u64 = 10_000;
    let ephemeral = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|range| range.split_whitespace().next()?.parse::<u64>().ok())
        .filter(|low| *low > LOWEST + 1_000)
        .unwrap_or(32_768);
    // A random start per call (RandomState is seeded per process), then a walk.
    let start = std::collections::hash_map::RandomState::new().hash_one(std::process::id());
    (0..ephemeral - LOWEST)
        .map(|i| (LOWEST + (start + i) % (ephemeral - LOWEST)) as u16)
        .find(|port| TcpListener::bind(("127.0.0.1", *port)).is_ok())
        .expect("a free loopback port below the ephemeral range")
}

/// A `weft serve` child process.
pub struct Serve {
    /// The child.
    pub child: Child,
}

impl Serve {
    /// Start `weft serve --config config` and wait until it listens on `addr`.
    pub fn start(config: &Path, addr: &str, envs: &[(&str, &str)], log: &Path) -> Serve {
        let file = std::fs::OpenOptions::new().create(true).append(true).open(log).unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_weft"));
        cmd.arg("--config").arg(config).arg("serve").env("RUST_LOG", "info").stdout(Stdio::piped()).stderr(file);
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("spawn weft serve");
        // This child's own "listening" line, not a connect: another process on the port would
        // accept a connect while this one failed to bind.
        let stdout = child.stdout.take().expect("piped stdout");
        let (lines, listening) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = lines.send(line);
            }
        });
        let expected = format!("weft serve listening on {addr}");
        let started = Instant::now();
        let log_text = || std::fs::read_to_string(log).unwrap_or_default();
        loop {
            assert!(started.elapsed() < Duration::from_secs(60), "weft serve did not start:\n{}", log_text());
            match listening.recv_timeout(Duration::from_millis(50)) {
                Ok(line) if line == expected => break,
                Ok(line) if line.starts_with("weft serve listening") => panic!("{line}, expected {expected}"),
                Ok(_) => {}
                Err(_) => {
                    assert!(matches!(child.try_wait(), Ok(None)), "weft serve exited at start:\n{}", log_text())
                }
            }
        }
        Serve { child }
    }

    /// SIGKILL it.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM it and wait for a clean exit.
    pub fn terminate(mut self) -> std::process::ExitStatus {
        let _ = Command::new("kill").arg("-TERM").arg(self.child.id().to_string()).status();
        self.child.wait().expect("wait for weft serve")
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// POST `body` with `headers` to `http://addr/path`; returns (status, body). Errors (a killed
/// server) are `None`.
pub fn post(addr: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Option<(u16, String)> {
    request(addr, "POST", path, headers, body)
}

/// GET `http://addr/path`.
pub fn get(addr: &str, path: &str) -> Option<(u16, String)> {
    request(addr, "GET", path, &[], b"")
}

/// GET `http://addr/path` with `headers`.
pub fn get_with(addr: &str, path: &str, headers: &[(&str, &str)]) -> Option<(u16, String)> {
    request(addr, "GET", path, headers, b"")
}

fn request(addr: &str, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect(addr).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(30))).ok()?;
    // The Host header names the server unless the caller gives its own.
    let host = if headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
        String::new()
    } else {
        format!("host: {addr}\r\n")
    };
    let mut head = format!("{method} {path} HTTP/1.1\r\n{host}content-length: {}\r\nconnection: close\r\n", body.len());
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).ok()?;
    stream.write_all(body).ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let status = response.split_whitespace().nth(1)?.parse().ok()?;
    let body = response.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
    Some((status, body))
}

/// Wait until `done()` or panic after `limit` with `what`.
pub fn wait_for(limit: Duration, what: &str, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}
