//! What the benchmarks that post Shopify webhooks share: signing, a keep-alive sender, and the config
//! of a `weft serve` that only takes them in.

use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// `X-Shopify-Hmac-Sha256` of `body` under `secret`.
pub fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// One sender's keep-alive connection to `weft serve`, as each of Shopify's delivery workers
/// holds one; a connection the server closed is opened again on the next delivery.
pub struct Sender {
    addr: String,
    stream: Option<BufReader<TcpStream>>,
}

impl Sender {
    /// A sender to `addr` (connects on its first delivery).
    pub fn new(addr: &str) -> Sender {
        Sender { addr: addr.to_owned(), stream: None }
    }

    /// POST a signed `customers/create` delivery with webhook id `id` to `path`; the time to
    /// the answer, which must be 200.
    pub fn send(&mut self, path: &str, id: &str, body: &[u8], signature: &str) -> Duration {
        let started = Instant::now();
        let addr = &self.addr;
        let stream = self.stream.get_or_insert_with(|| BufReader::new(TcpStream::connect(addr).unwrap()));
        let head = format!(
            "POST {path} HTTP/1.1\r\nhost: {addr}\r\nx-shopify-topic: customers/create\r\nx-shopify-webhook-id: {id}\r\nx-shopify-hmac-sha256: {signature}\r\ncontent-length: {}\r\n\r\n",
            body.len()
        );
        let mut request = head.into_bytes();
        request.extend_from_slice(body);
        stream.get_mut().write_all(&request).unwrap();
        let mut status = String::new();
        stream.read_line(&mut status).unwrap();
        assert!(status.starts_with("HTTP/1.1 200"), "{status}");
        let (mut length, mut close) = (0usize, false);
        loop {
            let mut line = String::new();
            stream.read_line(&mut line).unwrap();
            let line = line.trim_end().to_ascii_lowercase();
            if line.is_empty() {
                break;
            }
            if let Some(value) = line.strip_prefix("content-length:") {
                length = value.trim().parse().unwrap();
            }
            close |= line == "connection: close";
        }
        let mut answer = vec![0; length];
        stream.read_exact(&mut answer).unwrap();
        if close {
            self.stream = None;
        }
        started.elapsed()
    }
}

/// Write a `weft serve` config (`<listen>.toml` in `dir`) that measures webhook intake: a
/// customers flow consumes `customers/create` into the test relay connector (the benchmark
/// pauses the flow, so nothing is pushed), and Shopify's endpoint is a loopback port nobody
/// listens on, so serve's start check stays on this machine. `store_lines` go into `[store]`.
/// Secrets come from `B_TOKEN` and `B_SECRET`.
pub fn intake_config(dir: &Path, listen: &str, store_lines: &str) -> PathBuf {
    let sink = crate::common::engine::Sink::start();
    crate::common::engine::install_relay(&dir.join("plugins"), sink.port);
    let nobody = crate::common::engine::free_port();
    let path = dir.join(format!("{}.toml", listen.replace([':', '.'], "-")));
    let config = format!(
        "[store]\npath = \"{d}/data\"\n{store_lines}\n[plugins]\ndir = \"{d}/plugins\"\n[server]\nlisten = \"{listen}\"\n\
         [shopify]\nshop = \"b.myshopify.com\"\nendpoint = \"http://127.0.0.1:{nobody}\"\n\
         access_token = {{ env = \"B_TOKEN\" }}\nwebhook_secret = {{ env = \"B_SECRET\" }}\n\
         [connections.sink]\nplugin = \"relay\"\nallow_hosts = [\"127.0.0.1:{port}\"]\n\
         config = {{ sink_url = \"http://127.0.0.1:{port}/push\" }}\n\
         [flows.customers]\nfrom = \"shopify\"\nto = \"sink\"\nobject = \"customer\"\ntrigger = {{ webhook = true }}\n",
        d = dir.display(),
        port = sink.port,
    );
    std::fs::write(&path, config).unwrap();
    path
}

/// Wait until the `weft serve` in `child` listens on `addr`; one that exits first (refused at
/// start) fails the benchmark at once.
pub fn wait_listening(addr: &str, child: &mut std::process::Child) {
    while TcpStream::connect(addr).is_err() {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("weft serve exited at start ({status}); run it with this config to see why");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
