//! What the benchmarks that post Shopify webhooks share: signing, one delivery, and the config
//! of a `weft serve` that only takes them in.

use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// `X-Shopify-Hmac-Sha256` of `body` under `secret`.
pub fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// POST a signed `customers/create` delivery with webhook id `id` to `path`; the time to the
/// answer, which must be 200.
pub fn send(addr: &str, path: &str, id: &str, body: &[u8], signature: &str) -> Duration {
    let started = Instant::now();
    let mut stream = TcpStream::connect(addr).unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nhost: {addr}\r\nx-shopify-topic: customers/create\r\nx-shopify-webhook-id: {id}\r\nx-shopify-hmac-sha256: {signature}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    assert!(response.starts_with(b"HTTP/1.1 200"), "{}", String::from_utf8_lossy(&response));
    started.elapsed()
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
